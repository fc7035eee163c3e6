"""The public surface: one list of names, each importable and documented, and a plugin that
costs nothing until a test uses it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

import pytest_firehose
from pytest_firehose import (
    Fault,
    FaultHandle,
    FirehoseFake,
    KinesisRecord,
    Record,
    Shard,
    StreamKeyError,
    UsageError,
)

ROOT = Path(__file__).parent.parent
#: What loading the plugin must not import: botocore and everything built on it.
HEAVY = (
    "botocore",
    "urllib3",
    "http.server",
    "pytest_firehose._doors.fake",
    "pytest_firehose._doors.server",
    "pytest_firehose._engine.world",
    "pytest_firehose._handles.base",
    "pytest_firehose._wire.shapes",
)


@pytest.mark.parametrize("name", pytest_firehose.__all__)
def test_every_public_name_is_importable(name: str) -> None:
    value = getattr(pytest_firehose, name)
    assert value.__name__ == name
    assert name in dir(pytest_firehose)


def test_the_public_names_are_the_ones_the_reference_lists() -> None:
    text = (ROOT / "docs" / "reference.md").read_text()
    paragraph = text[text.index("The public names are importable") :].split("\n\n")[0]
    listed = set(re.findall(r"`([A-Z]\w+)`", paragraph))
    assert listed == set(pytest_firehose.__all__)
    assert sorted(pytest_firehose.__all__) == pytest_firehose.__all__


def test_the_lazy_imports_serve_exactly_the_public_names() -> None:
    """The package finds each name in its module on first use; a name it can find that
    ``__all__`` does not declare (or the other way round) is a mistake in one list."""
    assert sorted(pytest_firehose._HOMES) == pytest_firehose.__all__


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'FirehoseFakes'"):
        pytest_firehose.FirehoseFakes  # noqa: B018


def test_importing_the_plugin_loads_no_botocore_and_no_engine() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, pytest_firehose.plugin; print('\\n'.join(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    heavy = [m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert heavy == []
    assert "pytest_firehose.plugin" in loaded


def test_what_users_receive_is_what_the_package_exports() -> None:
    with FirehoseFake(region="us-east-1") as fake:
        clicks = fake.kinesis.create_stream("clicks")
        events = fake.firehose.create_delivery_stream("events")
        fault = fake.firehose.fail(operation="ListDeliveryStreams", throttle=True, optional=True)
        boto3.client("kinesis").put_record(StreamName="clicks", Data=b"c", PartitionKey="k")
        boto3.client("firehose").put_record(DeliveryStreamName="events", Record={"Data": b"e"})

        assert isinstance(fault, FaultHandle)
        assert isinstance(fault.fault, Fault)
        assert [type(shard) for shard in clicks.shards] == [Shard]
        assert [type(record) for record in clicks.records] == [KinesisRecord]
        assert [type(record) for record in events.records] == [Record]


def test_an_unknown_stream_is_a_key_error_and_a_usage_error_with_a_plain_message() -> None:
    with FirehoseFake() as fake:
        fake.firehose.create_delivery_stream("events")
        with pytest.raises(StreamKeyError) as unknown:
            fake.firehose["evnets"]
    assert isinstance(unknown.value, KeyError)
    assert isinstance(unknown.value, UsageError)
    assert str(unknown.value) == (
        "no delivery stream 'evnets'; known streams: 'events'. Did you mean 'events'?"
    )


def test_the_failure_report_lists_the_calls_and_the_faults() -> None:
    with FirehoseFake() as fake:
        assert fake.failure_report() == "  (no calls reached the fake)"
        fake.kinesis.fail(throttle=2, optional=True)
        assert fake.failure_report().splitlines()[1:] == [
            "faults:",
            "  kinesis_fail(throttle=2, optional=True) fired 0 time(s)",
        ]
