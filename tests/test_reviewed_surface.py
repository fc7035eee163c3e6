"""No request member the fake's authors never reviewed is accepted in silence: the reviewed
surface (``_wire/surface.txt``) covers the installed botocore's members of every served
operation, and a member beyond it (a newer botocore's) is reported like an unmodelled
setting, or refused with ``unmodelled="error"``."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import botocore
import pytest
from botocore.exceptions import ClientError
from conftest import BUCKET, REGION, ROLE

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning, UsageError
from pytest_firehose.__main__ import main, served_tree
from pytest_firehose._wire import surface
from pytest_firehose._wire.codec import HttpRequest

S3 = {"RoleARN": ROLE, "BucketARN": BUCKET}
INSTALLED = tuple(int(part) for part in botocore.__version__.split(".")[:3])
GENERATED = tuple(int(part) for part in surface.generated_from().split(".")[:3])


def _leave_out(path: str) -> surface.Tree:
    """The reviewed surface without ``path`` (``service Operation.Member...``), as a
    release reviewed before that member existed would have it."""
    tree = json.loads(json.dumps(surface.surface()))
    service, _, rest = path.partition(" ")
    node = tree[service]
    *parents, last = rest.split(".")
    for name in parents:
        node = node[name]
    assert last in node, f"{path} is not in the surface: the test would prove nothing"
    del node[last]
    return tree


@pytest.fixture
def before(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``before("service Operation.Member")``: the fake as a release that never reviewed
    that member (what a botocore newer than the release amounts to)."""

    def forget() -> None:
        surface.operation_node.cache_clear()
        surface.fully_reviewed.cache_clear()

    def leave_out(path: str) -> None:
        tree = _leave_out(path)
        monkeypatch.setattr(surface, "surface", lambda: tree)
        forget()

    yield leave_out
    monkeypatch.undo()
    forget()


def _client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


# --------------------------------------------------------------------------- the file


def test_the_surface_file_is_as_the_generator_writes_it() -> None:
    text = surface._text()

    assert surface.render(surface.parse(text), surface.generated_from()) == text


def test_every_operation_the_fake_serves_is_reviewed() -> None:
    served = served_tree()
    reviewed = surface.surface()

    for service, operations in served.items():
        assert operations, service
        assert sorted(set(operations) - set(reviewed[service])) == [], service


def test_up_to_its_botocore_the_surface_holds_every_member_of_the_served_operations() -> None:
    # A newer botocore may add members: those are what the guard reports (below).
    unreviewed = surface.missing(served_tree(), surface.surface())

    if INSTALLED <= GENERATED:
        assert unreviewed == []
    else:
        for path in unreviewed:
            service, _, member = path.partition(".")
            operation = member.split(".")[0]
            assert surface.fully_reviewed(service, operation) is False, path


def _paths(tree: surface.Tree, prefix: str = "") -> Iterator[str]:
    """Every member path of ``tree``, parents first."""
    for key, below in tree.items():
        name, wraps = surface._split(key)
        path = f"{prefix}.{name}" if prefix else name
        yield path
        yield from _paths(below, path + wraps)


def test_the_surface_lists_no_member_botocore_does_not_know() -> None:
    stray = surface.missing(surface.surface(), served_tree())

    if INSTALLED >= GENERATED:
        assert stray == []
    # An older botocore lacks the newer members; none may be a misspelt one of its own.
    installed = {path.lower() for path in _paths(served_tree())}
    near = {
        path: difflib.get_close_matches(path.lower(), installed, n=1, cutoff=0.97) for path in stray
    }
    assert {path: match for path, match in near.items() if match} == {}


def test_the_surface_command_lists_nothing_for_the_botocore_it_was_made_from(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["surface"]) == 0

    listed = capsys.readouterr().out.splitlines()
    assert listed == [
        path.replace(".", " ", 1) for path in surface.missing(served_tree(), surface.surface())
    ]
    if INSTALLED <= GENERATED:
        assert listed == []


# --------------------------------------------------------------------------- the walk


def _request(tree: surface.Tree, extra: str | None = None) -> dict[str, Any]:
    """A request holding every member of ``tree`` (one item in each list or map of
    structures), and ``extra`` as a further member of every structure when given."""
    value: dict[str, Any] = {}
    for key, below in tree.items():
        name, wraps = surface._split(key)
        member: Any = _request(below, extra) if below else "x"
        for wrap in reversed(re.findall(r"\[\]|\{\}", wraps)):
            member = [member] if wrap == "[]" else {"key": member}
        value[name] = member
    if extra is not None:
        value[extra] = "x"
    return value


def _both(installed: surface.Tree, reviewed: surface.Tree) -> surface.Tree:
    """The members of ``installed`` that ``reviewed`` holds."""
    return {key: _both(below, reviewed[key]) for key, below in installed.items() if key in reviewed}


def _extra_paths(tree: surface.Tree, prefix: str) -> Iterator[str]:
    """Where an extra member ``Zz`` of every structure of ``tree`` is reported."""
    yield f"{prefix}.Zz"
    for key, below in tree.items():
        if below:
            yield from _extra_paths(below, f"{prefix}.{key}")


def _operations() -> list[tuple[str, str]]:
    served = served_tree()
    return [(service, operation) for service in served for operation in served[service]]


@pytest.mark.parametrize(("service", "operation"), _operations())
def test_every_reviewed_member_of_the_installed_model_passes_silently(
    service: str, operation: str
) -> None:
    tree = _both(served_tree()[service][operation], surface.surface()[service][operation])

    assert surface.unreviewed(service, operation, _request(tree)) == []
    # The walk went into every structure the request holds: a member beyond the surface
    # at any level is named, each once.
    found = surface.unreviewed(service, operation, _request(tree, extra="Zz"))
    assert sorted(found) == sorted(set(_extra_paths(tree, operation)))


# --------------------------------------------------------------------------- requests


def test_a_member_the_release_never_reviewed_warns_and_is_ignored(before: Any) -> None:
    before("kinesis CreateStream.StreamModeDetails")

    with FirehoseFake() as fake:
        with pytest.warns(UnmodelledSettingWarning) as caught:
            _client("kinesis").create_stream(
                StreamName="events", StreamModeDetails={"StreamMode": "PROVISIONED"}, ShardCount=1
            )

        assert "events" in fake.kinesis
    (warning,) = caught
    assert str(warning.message).startswith(
        "CreateStream.StreamModeDetails is a member this pytest-firehose release has not reviewed"
    )
    assert "the fake ignores it" in str(warning.message)
    assert warning.filename == __file__  # it points at the code that sent the request


def test_unmodelled_error_refuses_a_member_the_release_never_reviewed(before: Any) -> None:
    before(
        "firehose CreateDeliveryStream.ExtendedS3DestinationConfiguration.BufferingHints"
        ".IntervalInSeconds"
    )

    with FirehoseFake(unmodelled="error") as fake:
        with pytest.raises(ClientError) as refused:
            _client("firehose").create_delivery_stream(
                DeliveryStreamName="events",
                ExtendedS3DestinationConfiguration={
                    **S3,
                    "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 60},
                },
            )

        assert "events" not in fake.firehose  # refused before anything was created
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidArgumentException"
    assert error["Message"].startswith(
        "pytest-firehose does not model CreateDeliveryStream.ExtendedS3DestinationConfiguration"
        ".BufferingHints.IntervalInSeconds is a member this pytest-firehose release has not "
        "reviewed"
    )
    assert "unmodelled='error'" in error["Message"]


def test_kinesis_refuses_it_with_invalid_argument_too(before: Any) -> None:
    before("kinesis PutRecord.ExplicitHashKey")

    with FirehoseFake(unmodelled="error") as fake:
        fake.kinesis.create_stream("events")
        with pytest.raises(ClientError) as refused:
            _client("kinesis").put_record(
                StreamName="events", Data=b"a", PartitionKey="k", ExplicitHashKey="1"
            )
        _client("kinesis").put_record(StreamName="events", Data=b"b", PartitionKey="k")

        assert fake.kinesis["events"].records == [b"b"]
    assert refused.value.response["Error"]["Code"] == "InvalidArgumentException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "PutRecord.ExplicitHashKey is a member" in refused.value.response["Error"]["Message"]


def test_members_inside_lists_are_named_with_their_path(before: Any) -> None:
    before(
        "firehose CreateDeliveryStream.ExtendedS3DestinationConfiguration."
        "ProcessingConfiguration.Processors[].Parameters[].ParameterValue"
    )
    lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:transform"

    with FirehoseFake() as fake, pytest.warns(UnmodelledSettingWarning) as caught:
        fake.firehose.create_delivery_stream(
            "events",
            ExtendedS3DestinationConfiguration={
                **S3,
                "ProcessingConfiguration": {
                    "Processors": [
                        {
                            "Type": "Lambda",
                            "Parameters": [
                                {"ParameterName": "LambdaArn", "ParameterValue": lambda_arn},
                                {"ParameterName": "NumberOfRetries", "ParameterValue": "1"},
                            ],
                        }
                    ]
                },
            },
        )

    assert [str(w.message).split(" ")[0] for w in caught] == [
        "CreateDeliveryStream.ExtendedS3DestinationConfiguration.ProcessingConfiguration"
        ".Processors[].Parameters[].ParameterValue"
    ]


def test_a_handle_refuses_it_under_unmodelled_error(before: Any) -> None:
    before("kinesis CreateStream.StreamModeDetails")

    with FirehoseFake(unmodelled="error") as fake:
        with pytest.raises(UsageError, match=r"CreateStream\.StreamModeDetails is a member"):
            fake.kinesis.create_stream("events", StreamModeDetails={"StreamMode": "PROVISIONED"})

        assert "events" not in fake.kinesis


def test_a_member_no_botocore_has_is_reported_too() -> None:
    # What an SDK newer than the installed botocore sends through the server.
    body = json.dumps({"StreamName": "events", "ShardCount": 1, "FutureSetting": True})
    headers = {
        "x-amz-target": "Kinesis_20131202.CreateStream",
        "content-type": "application/x-amz-json-1.1",
    }
    url = f"https://kinesis.{REGION}.amazonaws.com/"

    with FirehoseFake() as fake:
        with pytest.warns(UnmodelledSettingWarning, match=r"^CreateStream\.FutureSetting is a"):
            answer = fake.world.handle(HttpRequest("POST", url, headers, body.encode()), "kinesis")

        assert answer.status == 200
        assert "events" in fake.kinesis


def test_a_lambda_trigger_refuses_a_nested_member_it_never_reviewed(before: Any) -> None:
    before("lambda CreateEventSourceMapping.FilterCriteria.Filters[].Pattern")

    with FirehoseFake() as fake:
        stream = fake.kinesis.create_stream("events")
        with pytest.raises(UsageError, match=r"FilterCriteria\.Filters\[\]\.Pattern: this"):
            stream.lambda_trigger(
                lambda event, context: None,
                FilterCriteria={"Filters": [{"Pattern": '{"partitionKey": ["a"]}'}]},
            )


def test_a_lambda_trigger_update_refuses_a_nested_member_it_never_reviewed(before: Any) -> None:
    with FirehoseFake() as fake:
        stream = fake.kinesis.create_stream("events")
        trigger = stream.lambda_trigger(lambda event, context: None)
        before("lambda CreateEventSourceMapping.FilterCriteria.Filters[].Pattern")

        with pytest.raises(UsageError, match=r"FilterCriteria\.Filters\[\]\.Pattern: this"):
            trigger.update(FilterCriteria={"Filters": [{"Pattern": '{"partitionKey": ["a"]}'}]})
