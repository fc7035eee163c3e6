"""The ``kinesis`` fixture and the ``kinesis_fail`` marker in real pytest runs.

Each test writes a test module into a pytester directory and runs pytest on it; the inner
run loads the plugin through its ``pytest11`` entry point, as a user's suite would.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

# Imported here so the in-process inner runs share these modules with this one: pytester
# drops modules first imported by an inner run, and a second botocore would not be patched.
import boto3  # noqa: F401
import pytest
from conftest import clear_aws_settings

HEADER = """\
import boto3
import pytest
from botocore.config import Config


def kinesis_client():
    return boto3.client(
        "kinesis", region_name="us-east-1", config=Config(retries={"mode": "standard"})
    )


def send(stream, *payloads, key="k"):
    return kinesis_client().put_records(
        StreamName=stream, Records=[{"Data": p, "PartitionKey": key} for p in payloads]
    )
"""


@pytest.fixture(autouse=True)
def no_aws_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS settings leak in from the machine, and nothing may ask the metadata service."""
    clear_aws_settings(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def run(pytester: pytest.Pytester, body: str, *args: str) -> pytest.RunResult:
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(test_inner=HEADER + textwrap.dedent(body))
    # hypothesis's plugin re-imports all of hypothesis in every in-process run: seconds each.
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args)


def test_the_kinesis_fixture_serves_boto3_in_a_test_file(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_producer(kinesis):
            stream = kinesis.create_stream("events", shard_count=2)
            answer = send("events", b"a", b"b")
            assert answer["FailedRecordCount"] == 0
            kinesis["events"].assert_records([b"b", b"a"])
            assert stream.records == [b"a", b"b"]
            assert [call.operation for call in kinesis.calls] == ["PutRecords"]

        def test_state_is_per_test(kinesis):
            assert kinesis.stream_names() == [] and kinesis.calls == []
            assert kinesis_client().list_streams()["StreamNames"] == []
        """,
    )

    result.assert_outcomes(passed=2)


def test_the_marker_schedules_kinesis_faults_top_to_bottom(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        @pytest.mark.kinesis_fail(records={0: "InternalFailure"})
        @pytest.mark.kinesis_fail(throttle=True, operation="PutRecord")
        def test_faults(kinesis):
            kinesis.create_stream("events")
            answer = send("events", b"a", b"b")
            assert answer["FailedRecordCount"] == 1
            assert answer["Records"][0] == {
                "ErrorCode": "InternalFailure", "ErrorMessage": "Internal service failure."
            }
            kinesis_client().put_record(StreamName="events", Data=b"c", PartitionKey="k")
            assert [(c.operation, c.outcome) for c in kinesis.calls] == [
                ("PutRecords", "partial"), ("PutRecord", "error"), ("PutRecord", "ok")
            ]
            assert [h.fired for h in kinesis.faults] == [1, 1]
            kinesis["events"].assert_records([b"b", b"c"])
        """,
    )

    result.assert_outcomes(passed=1)


def test_a_misspelled_marker_keyword_errors_naming_the_keyword_meant(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        @pytest.mark.kinesis_fail(throtle=True)
        def test_typo(kinesis):
            pass
        """,
    )

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_typo*",
            "@pytest.mark.kinesis_fail(throtle=True): got an unexpected keyword argument "
            "'throtle'. Did you mean throttle=? The keywords are those of kinesis.fail(): *",
        ]
    )


def test_a_kinesis_fault_that_never_fired_fails_at_teardown(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        @pytest.mark.kinesis_fail(records=[0])
        def test_unfired(kinesis):
            kinesis.create_stream("events")
            kinesis_client().put_record(StreamName="events", Data=b"a", PartitionKey="k")
        """,
    )

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*scripted fault(s) never fired*", "*kinesis_fail(records=*"])


def test_firehose_and_kinesis_share_one_world_and_clock(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_pipeline(firehose, kinesis):
            assert firehose.clock is kinesis.clock
            kinesis.create_stream("clicks", shard_count=2)
            events = firehose.create_delivery_stream(
                "events",
                DeliveryStreamType="KinesisStreamAsSource",
                KinesisStreamSourceConfiguration={
                    "KinesisStreamARN": kinesis["clicks"].arn,
                    "RoleARN": "arn:aws:iam::123456789012:role/firehose",
                },
            )
            send("clicks", b"a", b"b", key="alpha")
            send("clicks", b"c", key="beta")

            kinesis.clock.advance(seconds=299)
            assert events.delivered == []
            firehose.clock.advance(seconds=1)
            events.assert_delivered([b"a", b"b", b"c"], ordered=True)

            kinesis.clock.advance(hours=24)
            assert kinesis["clicks"].expired == [b"a", b"b", b"c"]
            assert [c.operation for c in firehose.calls] == []
        """,
    )

    result.assert_outcomes(passed=1)


def test_pytest_markers_documents_kinesis_fail(pytester: pytest.Pytester) -> None:
    result = run(pytester, "", "--markers")

    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.kinesis_fail(*, records=None, throttle=None, error=None, timeout=None,"
            " latency=None, chaos=None, seed=None, operation=None, stream=None, call=1,"
            " times=None, events=None, optional=False): schedule a Kinesis fault*"
        ]
    )


def test_a_failing_test_reports_the_kinesis_calls(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        @pytest.mark.kinesis_fail(records=[1])
        def test_lost(kinesis):
            kinesis.create_stream("events")
            send("events", b"a", b"b")
            kinesis["events"].assert_records([b"a", b"b"])
        """,
    )

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*kinesis stream 'events': expected 2 record(s), each exactly once; got 1",
            "*missing (1): [[]b'b'[]]",
            "*#1 PutRecords events 2 records -> partial: 1 failed [[]1[]]*",
            "*fake AWS calls (call)*",
        ]
    )
