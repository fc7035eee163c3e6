"""moto imported after a fake started still leaves the fake's services to the fake: its
``before-send`` hook is told to pass them on the moment moto's module holding it runs."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from conftest import python_output

from pytest_firehose._doors.moto import _STUBBER, leave_to_fake

#: In a fresh interpreter: start a fake, check moto is not imported, then import moto and,
#: inside ``mock_aws``, put to Firehose (the fake must answer) and use S3 (moto must).
#: After the fake stops, moto's hook is itself again.
LATE_MOTO = """
import sys

import boto3

from pytest_firehose import FirehoseFake

with FirehoseFake(seed=1) as fake:
    print("imported at start:", "moto" in sys.modules)
    fake.firehose.create_delivery_stream("events")

    from moto import mock_aws
    from moto.core.botocore_stubber import BotocoreStubber

    patched = BotocoreStubber.__call__
    with mock_aws():
        firehose = boto3.client("firehose", region_name="us-east-1")
        answer = firehose.put_record(DeliveryStreamName="events", Record={"Data": b"a"})
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="moto-keeps-s3")
        buckets = [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    print("served:", fake.firehose["events"].records == [b"a"], len(answer["RecordId"]))
    print("moto kept:", buckets)
print("restored:", BotocoreStubber.__call__ is not patched)
"""


def test_moto_imported_after_the_fake_started_leaves_firehose_to_the_fake() -> None:
    assert python_output(LATE_MOTO) == [
        "imported at start: False",
        "served: True 224",
        "moto kept: ['moto-keeps-s3']",
        "restored: True",
    ]


class _Hook:
    """Stands in for moto's ``BotocoreStubber``: answers every request it is asked."""

    def __call__(self, event_name: str, request: Any, **kwargs: Any) -> Any:
        return f"moto answers {request}"


class _SwitchedHook(_Hook):
    """moto's hook as moto 5 has it: it answers only while a ``mock_aws`` runs."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, event_name: str, request: Any, **kwargs: Any) -> Any:
        return super().__call__(event_name, request) if self.enabled else None


@pytest.mark.parametrize(
    ("hook", "asked", "answers"),
    [
        (_SwitchedHook(enabled=False), [], [None, None]),
        (_SwitchedHook(enabled=True), ["ours", "theirs"], [None, "moto answers theirs"]),
        (_Hook(), ["ours", "theirs"], [None, "moto answers theirs"]),
    ],
    ids=["mock-aws-off", "mock-aws-on", "no-enabled-flag"],
)
def test_moto_hook_is_asked_only_while_it_can_answer(
    monkeypatch: pytest.MonkeyPatch, hook: _Hook, asked: list[str], answers: list[str | None]
) -> None:
    """A hook no mock_aws enabled is not read for the fake's claim (it answers nothing
    then); one that is, or a moto whose hook has no such flag, passes on what the fake
    claims and answers the rest itself. Once the fake stops, the hook is moto's again."""
    stubber = types.ModuleType(_STUBBER)
    stubber.BotocoreStubber = type(hook)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, _STUBBER, stubber)
    claimed: list[str] = []

    def serves(request: str) -> bool:
        claimed.append(request)
        return request == "ours"

    original = type(hook).__call__
    with leave_to_fake(serves):
        assert type(hook).__call__ is not original
        seen = [hook("before-send.firehose.PutRecord", name) for name in ("ours", "theirs")]
    assert claimed == asked
    assert seen == answers
    assert type(hook).__call__ is original
