"""The plugin in real pytest runs: fixtures, ini options, messages, per-test state.

Each test writes a test file into a ``pytester`` directory and runs pytest on it. The inner
run has its own ini, so it loads the plugin through its ``pytest11`` entry point, as a
user's suite does (our own addopts disable it with ``-p no:firehose``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

# Imported here so the in-process inner runs share these modules with this one: pytester
# drops modules first imported by an inner run, and a second botocore would not be patched.
import boto3  # noqa: F401
import botocore.endpoint
import pytest
from conftest import (
    RealWaits,
    aioboto3_installed,
    aiobotocore_installed,
    aws_environment,
    clear_aws_settings,
)

from pytest_firehose import UsageError, plugin
from pytest_firehose._reports import drop_own_frames

if aiobotocore_installed():  # the tests of async clients are marked aio
    import aiobotocore.endpoint
if aioboto3_installed():  # and those of aioboto3's, aioboto3
    import aioboto3  # noqa: F401


def sends() -> tuple[object, ...]:
    """The send methods the fake replaces: botocore's and, where installed, aiobotocore's."""
    if aiobotocore_installed():
        return (botocore.endpoint.Endpoint._send, aiobotocore.endpoint.AioEndpoint._send)
    return (botocore.endpoint.Endpoint._send,)


ORIGINAL_SENDS = sends()

PRODUCER = """\
import boto3


def send(stream, *payloads):
    client = boto3.client("firehose", region_name="us-east-1")
    return client.put_record_batch(
        DeliveryStreamName=stream, Records=[{"Data": p} for p in payloads]
    )
"""


@pytest.fixture(autouse=True)
def no_aws_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS settings leak in from the machine, and nothing may ask the metadata service."""
    clear_aws_settings(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def run(pytester: pytest.Pytester, body: str, *args: str, ini: str = "") -> pytest.RunResult:
    pytester.makeini("[pytest]\n" + textwrap.dedent(ini))
    pytester.makepyfile(test_inner=PRODUCER + textwrap.dedent(body))
    result = pytester.runpytest("-p", "no:cacheprovider", *args)
    assert sends() == ORIGINAL_SENDS, "the inner run left a patch"
    return result


def test_the_fixture_serves_boto3_in_a_test_file(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_producer(firehose):
            firehose.create_delivery_stream("events")
            answer = send("events", b"a\\n", b"b\\n")
            assert answer["FailedPutCount"] == 0
            firehose["events"].assert_delivered([b"b\\n", b"a\\n"])
            assert [call.records for call in firehose.calls] == [[b"a\\n", b"b\\n"]]
        """,
    )
    result.assert_outcomes(passed=1)


@pytest.mark.aio
@pytest.mark.aioboto3
def test_the_fixture_serves_aioboto3_with_faults_and_fake_backoff(
    pytester: pytest.Pytester, real_waits: RealWaits
) -> None:
    with real_waits:  # the inner run is in this process, on this thread
        result = run(
            pytester,
            """
        import asyncio

        import aioboto3
        import pytest


        async def send_async(stream, *payloads):
            async with aioboto3.Session().client("firehose", region_name="us-east-1") as client:
                return await client.put_record_batch(
                    DeliveryStreamName=stream, Records=[{"Data": p} for p in payloads]
                )


        @pytest.mark.firehose_fail(throttle=2)
        @pytest.mark.firehose_fail(records={0: "InternalFailure"})
        def test_async_producer(firehose):
            firehose.create_delivery_stream("events")

            answer = asyncio.run(send_async("events", b"a\\n", b"b\\n"))

            assert answer["ResponseMetadata"]["RetryAttempts"] == 2
            assert answer["FailedPutCount"] == 1
            assert answer["RequestResponses"][0]["ErrorCode"] == "InternalFailure"
            assert [c.outcome for c in firehose.calls] == ["error", "error", "partial"]
            assert len(firehose.clock.sleeps) == 2
            firehose["events"].assert_delivered([b"b\\n"])
        """,
        )
    result.assert_outcomes(passed=1)
    assert real_waits.asked == []


IMPORT_TIME_CLIENT = """
import os

CLIENT = boto3.client("firehose")  # at import: before any fixture, no region given


def test_import_time_client(firehose):
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    firehose.create_delivery_stream("events")
    CLIENT.put_record(DeliveryStreamName="events", Record={"Data": b"a\\n"})
    assert firehose["events"].records == [b"a\\n"]
"""


@pytest.mark.parametrize("region", ["", "eu-west-1"], ids=["default-region", "firehose_region"])
def test_session_credentials_serve_clients_created_at_import(
    pytester: pytest.Pytester, region: str
) -> None:
    before = aws_environment()
    ini = f"firehose_session_credentials = true\nfirehose_region = {region}"
    result = run(pytester, IMPORT_TIME_CLIENT, ini=ini)
    result.assert_outcomes(passed=1)
    assert aws_environment() == before, "the session's fake credentials outlived it"


def test_without_session_credentials_an_import_time_client_finds_none(
    pytester: pytest.Pytester,
) -> None:
    result = run(pytester, IMPORT_TIME_CLIENT)
    assert result.ret != pytest.ExitCode.OK
    assert re.search(r"NoRegionError|NoCredentialsError", result.stdout.str())


IMPORT_TIME_CALL = """
# A session of its own: boto3's default one may hold credentials from an earlier in-process run.
CLIENT = boto3.session.Session().client("firehose", region_name="us-east-1")
STREAMS = CLIENT.list_delivery_streams()  # at import: signed before any fixture, no credentials


def test_import_time_call(firehose):
    pass
"""


@pytest.mark.parametrize(
    ("module", "error", "missing"),
    [
        (IMPORT_TIME_CLIENT, "NoRegionError", "a fake region"),
        (IMPORT_TIME_CALL, "NoCredentialsError", "fake credentials"),
    ],
    ids=["client", "call"],
)
def test_a_botocore_error_at_import_names_the_session_credentials_option(
    pytester: pytest.Pytester, module: str, error: str, missing: str
) -> None:
    result = run(pytester, module)

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting test_inner.py*",
            f"*botocore.exceptions.{error}*",
            "*- pytest-firehose -*",
            f"{error} while collecting: a botocore client was made or used as the module was "
            f"imported, before any pytest-firehose fixture set {missing}.",
            "Set the ini option firehose_session_credentials = true *",
            "  pytest.ini or tox.ini:  [[]pytest[]]  firehose_session_credentials = true",
            "  pyproject.toml:         [[]tool.pytest.ini_options[]]  firehose_session_credentials"
            " = true",
            "  one run:                pytest -o firehose_session_credentials=true",
        ]
    )


CLIENT_FIXTURE_FIRST = """
import pytest


@pytest.fixture
def client():
    # A session of its own: boto3's default one may hold a region from an earlier run.
    return boto3.session.Session().client("firehose")


def test_client_before_the_fake(client, firehose):
    pass


def test_client_after_the_fake(firehose, client):
    pass
"""


def test_a_client_a_fixture_made_before_the_fake_names_the_fixture_order(
    pytester: pytest.Pytester,
) -> None:
    result = run(pytester, CLIENT_FIXTURE_FIRST, "-p", "no:randomly")

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_client_before_the_fake*",
            "*botocore.exceptions.NoRegionError*",
            "*- pytest-firehose -*",
            "NoRegionError while setting up the test: a fixture made or used a botocore client "
            "before the pytest-firehose fixture set a fake region (pytest sets up fixtures in "
            "the order they are asked for, wider scopes first).",
            "Ask for `firehose` (or `kinesis`) in that fixture's arguments, or before it in the "
            "test's; for a module or session fixture:",
            "Set the ini option firehose_session_credentials = true *",
        ]
    )


def test_other_collection_errors_get_no_hint(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        class NoRegionError(Exception):
            "Not botocore's."

        raise NoRegionError("a module's own error")
        """,
    )

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*a module's own error*"])
    result.stdout.no_fnmatch_line("*firehose_session_credentials*")


def test_an_unknown_stream_name_lists_the_known_ones(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_lookup(firehose):
            firehose.create_delivery_stream("events")
            firehose.create_delivery_stream("orders")
            firehose["evnets"]
        """,
    )
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "KeyError" in output
    assert "no delivery stream 'evnets'; known streams: 'events', 'orders'." in output
    assert "Did you mean 'events'?" in output


def test_a_failed_tests_traceback_shows_what_the_fixtures_hold(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_lookup(firehose, kinesis):
            firehose.create_delivery_stream("orders")
            firehose.create_delivery_stream("events")
            send("events", b"a")
            assert firehose["events"].delivered == [b"a"]  # not flushed
        """,
    )

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "firehose = <FirehoseHandle delivery streams: 'events', 'orders'; 1 call(s)>",
            "kinesis = <KinesisHandle streams: none; 0 call(s)>",
        ]
    )


def test_a_failed_test_that_read_delivered_before_a_flush_is_told_of_the_buffer(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        def test_read_too_soon(firehose):
            firehose.create_delivery_stream("events")
            firehose.create_delivery_stream("audit")
            send("events", b"a", b"b")
            send("audit", b"c")
            firehose["audit"].flush()
            assert firehose["events"].delivered == [b"a", b"b"]
        """,
    )

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- fake AWS calls (call) -*",
            "*#2 PutRecordBatch audit 1 record -> ok (attempt 1)",
            "buffered, not delivered yet (firehose.flush() delivers them; assert_delivered() "
            "flushes first):",
            "  'events' (us-east-1): 2 record(s)",
        ]
    )
    result.stdout.no_fnmatch_line("*'audit' (us-east-1)*")


def test_the_call_log_names_the_region_of_a_call_to_another_region(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        def test_client_of_another_region(firehose):
            firehose.create_delivery_stream("events")  # in the default region, us-east-1
            send("events", b"a")
            boto3.client("firehose", region_name="eu-west-1").put_record(
                DeliveryStreamName="events", Record={"Data": b"b"}
            )
        """,
    )

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*ResourceNotFoundException*Firehose events under account 123456789012 not found.",
            "*- fake AWS calls (call) -*",
            "   #1 PutRecordBatch events 1 record -> ok (attempt 1)",
            "   #2 PutRecord events (in eu-west-1) 1 record -> ResourceNotFoundException (400) "
            "(attempt 1)",
        ]
    )


@pytest.mark.parametrize("assert_mode", [[], ["--assert=plain"]], ids=["rewrite", "plain"])
def test_a_failed_delivery_assertion_explains_itself(
    pytester: pytest.Pytester, assert_mode: list[str]
) -> None:
    result = run(
        pytester,
        """
        def test_delivery(firehose):
            firehose.create_delivery_stream("events")
            send("events", b"apple", b"banana", b"banana")
            send("events", b"cherry-typo")
            firehose["events"].assert_delivered([b"apple", b"banana", b"cherry"])
        """,
        *assert_mode,
    )
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    for line in [
        "delivery stream 'events': expected 3 record(s), each exactly once; got 4",
        "missing (1): [b'cherry']",
        "unexpected (1): [b'cherry-typo']",
        "duplicated (1): b'banana' x2 (expected 1)",
        "calls:",
        "#1 PutRecordBatch events 3 records -> ok (attempt 1)",
        "#2 PutRecordBatch events 1 record -> ok (attempt 1)",
    ]:
        assert line in output, f"{line!r} missing from the failure report:\n{output}"
    assert "_handles.py" not in output, "the traceback shows the helper's insides"


@pytest.mark.parametrize(("seed", "same"), [("7", True), ("", False)], ids=["seeded", "unseeded"])
def test_firehose_seed_makes_ids_repeat_across_runs(
    pytester: pytest.Pytester, seed: str, same: bool
) -> None:
    body = """
        from pathlib import Path

        def test_ids(firehose):
            firehose.create_delivery_stream("events")
            answer = send("events", b"a", b"b", b"c")
            ids = [entry["RecordId"] for entry in answer["RequestResponses"]]
            assert [record.record_id for record in firehose["events"].records] == ids
            Path("ids.txt").write_text(" ".join([answer["ResponseMetadata"]["RequestId"], *ids]))
        """
    runs = []
    for _ in range(2):
        run(pytester, body, ini=f"firehose_seed = {seed}").assert_outcomes(passed=1)
        runs.append((pytester.path / "ids.txt").read_text().split())
    assert len(set(runs[0])) == 4
    assert (runs[0] == runs[1]) is same


def test_a_bad_firehose_seed_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_one(firehose):
            pass

        def test_two(firehose):
            pass
        """,
        ini="firehose_seed = seven",
    )
    output = "\n".join(result.outlines + result.errlines)
    assert "firehose_seed must be an integer, not 'seven'" in output
    assert result.ret == pytest.ExitCode.USAGE_ERROR, "the bad option is reported per test"


@pytest.mark.parametrize(
    "option",
    ["firehose_assert_all_faults_fired", "firehose_freeze_time", "firehose_session_credentials"],
)
def test_a_switch_option_that_is_neither_true_nor_false_is_a_usage_error(
    pytester: pytest.Pytester, option: str
) -> None:
    # firehose_assert_all_faults_fired = maybe passed the test, then errored at its teardown
    # with "invalid truth value 'maybe'", naming no option, once for every test.
    result = run(
        pytester,
        """
        def test_one(firehose):
            pass
        """,
        ini=f"{option} = maybe",
    )
    output = "\n".join(result.outlines + result.errlines)
    assert f"{option} is true or false (or yes, no, on, off, 1, 0): " in output
    assert "'maybe'" in output
    assert result.ret == pytest.ExitCode.USAGE_ERROR  # refused before any test ran


def test_a_firehose_region_of_no_aws_partition_is_a_usage_error(
    pytester: pytest.Pytester,
) -> None:
    # The streams the handles made went to a region "nowhere"; a client of that region
    # reaches no endpoint, so the run tested nothing.
    result = run(
        pytester,
        """
        def test_one(firehose):
            pass
        """,
        ini="firehose_region = nowhere",
    )
    output = "\n".join(result.outlines + result.errlines)
    assert (
        "ini options: firehose_region is a region name such as 'eu-west-1', not 'nowhere' ("
        in output
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_allow_hosts_off_this_machine_is_an_error(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_anything(firehose):
            pass
        """,
        ini="firehose_allow_hosts =\n    127.0.0.1\n    example.com",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stdout.str() + result.stderr.str()
    assert "ini options: firehose_allow_hosts may only name loopback hosts" in output
    assert "'example.com' is not one" in output


def test_state_does_not_leak_between_tests(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        CLIENT = []

        def test_first(firehose):
            firehose.create_delivery_stream("events")
            CLIENT.append(boto3.client("firehose", region_name="us-east-1"))
            CLIENT[0].put_record(DeliveryStreamName="events", Record={"Data": b"a"})
            firehose.fail(throttle=True, optional=True)
            firehose.clock.advance(hours=1)
            assert len(firehose.calls) == 1

        def test_second(firehose):
            assert firehose.stream_names() == [] and list(firehose) == []
            assert firehose.calls == [] and firehose.faults == []
            assert firehose.clock.elapsed.total_seconds() == 0
            assert CLIENT[0].list_delivery_streams()["DeliveryStreamNames"] == []
            assert len(firehose.calls) == 1
        """,
        "-p",
        "no:randomly",  # the second test follows the first
    )
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize("name", ["firehose", "firehose_fake"])
def test_fixtures_are_listed_with_their_docstrings(pytester: pytest.Pytester, name: str) -> None:
    doc = getattr(plugin, name).__doc__.strip().splitlines()[0]
    result = run(pytester, "", "--fixtures")
    lines = result.stdout.lines
    listed = [i for i, line in enumerate(lines) if line.startswith(f"{name} -- ")]
    assert listed, f"pytest --fixtures does not list {name}:\n{result.stdout.str()}"
    assert lines[listed[0] + 1].strip() == doc


def test_each_test_sees_only_its_own_world_on_xdist_workers_in_random_order(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.parametrize("n", range(12))
        def test_worker(firehose, kinesis, n):
            assert firehose.stream_names() == [] and kinesis.stream_names() == []
            firehose.create_delivery_stream("events")
            kinesis.create_stream("events")
            if n % 2:
                firehose.fail(records=[0])
            send("events", b"%d" % n)
            boto3.client("kinesis", region_name="us-east-1").put_record(
                StreamName="events", Data=b"%d" % n, PartitionKey="k"
            )
            firehose.clock.advance(hours=n)
            assert firehose["events"].records == ([] if n % 2 else [b"%d" % n])
            assert kinesis["events"].records == [b"%d" % n]
            assert len(firehose.calls) == 1 and len(kinesis.calls) == 1
            assert firehose.clock.elapsed.total_seconds() == 3600 * n
        """,
        "-n",
        "2",
        "-p",
        "randomly",
    )
    result.assert_outcomes(passed=12)
    assert "randomly-seed" in result.stdout.str() or "Using --randomly-seed" in result.stdout.str()


@pytest.mark.parametrize(
    "fixtures", ["moto_aws, firehose", "firehose, moto_aws"], ids=["moto-first", "fake-first"]
)
def test_moto_keeps_s3_while_the_fixture_takes_firehose(
    pytester: pytest.Pytester, fixtures: str
) -> None:
    result = run(
        pytester,
        f"""
        import pytest
        from moto import mock_aws

        @pytest.fixture
        def moto_aws():
            with mock_aws():
                yield

        def test_pipeline({fixtures}):
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket="lake")
            firehose.create_delivery_stream(
                "events",
                ExtendedS3DestinationConfiguration={{
                    "RoleARN": "arn:aws:iam::123456789012:role/firehose",
                    "BucketARN": "arn:aws:s3:::lake",
                }},
            )
            firehose.fail(records=[1])
            answer = send("events", b"a\\n", b"b\\n")
            assert answer["FailedPutCount"] == 1
            firehose.flush()
            [item] = s3.list_objects_v2(Bucket="lake")["Contents"]
            assert s3.get_object(Bucket="lake", Key=item["Key"])["Body"].read() == b"a\\n"
        """,
    )
    result.assert_outcomes(passed=1)


SETTINGS_TESTS = """
pytestmark = pytest.mark.firehose_settings(region="ap-south-1", seed=3)


def status(client, name):
    described = client.describe_delivery_stream(DeliveryStreamName=name)
    return described["DeliveryStreamDescription"]


@pytest.mark.firehose_settings(account_id="111122223333", creation_delay=30, encryption_delay=5)
def test_marked(firehose):
    client = boto3.client("firehose", region_name="ap-south-1")
    firehose.create_delivery_stream("events")
    assert firehose["events"].arn == (
        "arn:aws:firehose:ap-south-1:111122223333:deliverystream/events"
    )
    assert status(client, "events")["DeliveryStreamStatus"] == "CREATING"
    firehose.clock.advance(seconds=30)
    assert status(client, "events")["DeliveryStreamStatus"] == "ACTIVE"
    client.start_delivery_stream_encryption(DeliveryStreamName="events")
    encryption = status(client, "events")["DeliveryStreamEncryptionConfiguration"]
    assert encryption["Status"] == "ENABLING"
    firehose.clock.advance(seconds=5)
    encryption = status(client, "events")["DeliveryStreamEncryptionConfiguration"]
    assert encryption["Status"] == "ENABLED"


@pytest.mark.firehose_settings(seed=None)  # None leaves a setting as it was
def test_module_marker_and_ini(firehose):
    firehose.create_delivery_stream("events")
    arn = "arn:aws:firehose:ap-south-1:444455556666:deliverystream/events"
    assert firehose["events"].arn == arn
    answer = boto3.client("firehose", region_name="ap-south-1").put_record(
        DeliveryStreamName="events", Record={"Data": b"a"}
    )
    Path("module.id").write_text(answer["RecordId"])


@pytest.mark.firehose_settings(seed=3)
def test_same_seed(firehose):
    firehose.create_delivery_stream("events")
    answer = boto3.client("firehose", region_name="ap-south-1").put_record(
        DeliveryStreamName="events", Record={"Data": b"a"}
    )
    Path("same.id").write_text(answer["RecordId"])


@pytest.mark.firehose_settings(seed=9)
def test_the_ini_seed(firehose):
    firehose.create_delivery_stream("events")
    answer = boto3.client("firehose", region_name="ap-south-1").put_record(
        DeliveryStreamName="events", Record={"Data": b"a"}
    )
    Path("nine.id").write_text(answer["RecordId"])
"""


def test_the_settings_marker_applies_over_the_ini_options(pytester: pytest.Pytester) -> None:
    ini = "firehose_region = eu-west-1\nfirehose_account_id = 444455556666\nfirehose_seed = 9"
    result = run(
        pytester, "import pytest\nfrom pathlib import Path\n" + SETTINGS_TESTS, "-v", ini=ini
    )

    result.assert_outcomes(passed=4)
    # The module's seed=3 reaches the test that leaves seed as it was, not the ini's 9.
    ids = [(pytester.path / f"{name}.id").read_text() for name in ("module", "same", "nine")]
    assert ids[0] == ids[1] != ids[2]


SETTINGS_KEYWORDS = "region=, account_id=, seed=, creation_delay=, encryption_delay=, update_delay="


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            "sed=7",
            "firehose_settings() got an unexpected keyword argument 'sed'. Did you mean seed=? "
            f"Its keywords: {SETTINGS_KEYWORDS}.",
        ),
        (
            "7",
            "firehose_settings() takes 0 positional arguments but 1 was given. "
            f"Its keywords: {SETTINGS_KEYWORDS}.",
        ),
        ('account_id="42"', "firehose_settings: account_id must be 12 digits, like AWS's,*"),
        ('seed="7"', "firehose_settings: seed must be an integer, not '7'"),
        ('region=""', "firehose_settings: region is a region name such as 'eu-west-1', not '' (*"),
        ("creation_delay=-1", "firehose_settings: creation_delay is seconds of fake time*"),
    ],
    ids=["typo", "positional", "account", "seed", "region", "delay"],
)
def test_a_bad_settings_marker_fails_the_test_naming_the_argument(
    pytester: pytest.Pytester, arguments: str, message: str
) -> None:
    result = run(
        pytester,
        f"""
        import pytest

        @pytest.mark.firehose_settings({arguments})
        def test_marked(firehose):
            pass
        """,
    )

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ERROR at setup of test_marked*", f"@pytest.mark.{message}"])
    result.stdout.no_fnmatch_line("*During handling*")


def test_markers_lists_firehose_settings_with_its_signature(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")

    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.firehose_settings(*, region: str | None = None, "
            "account_id: str | None = None, seed: int | None = None, "
            "creation_delay: float | None = None, encryption_delay: float | None = None, "
            "update_delay: float | None = None): *"
        ]
    )


MISUSES = """
import pytest


def check(stream):
    stream.assert_delivered([{"id": 1}])  # the helper's line


@pytest.fixture
def delivered(firehose):
    firehose.create_delivery_stream("events")
    firehose["event"]  # the fixture's line


def test_in_the_test(firehose):
    firehose.create_delivery_stream("events")
    firehose["events"].assert_delivered([{"id": 1}])  # the test's line


def test_in_a_helper(firehose):
    check(firehose.create_delivery_stream("events"))


def test_in_the_clock(firehose):
    firehose.clock.advance(minute=5)  # the clock's line


def test_in_a_fixture(delivered):
    pass
"""


def test_a_misuse_shows_the_line_that_made_it_not_the_plugins_code(
    pytester: pytest.Pytester,
) -> None:
    result = run(pytester, MISUSES, "-p", "no:randomly")

    result.assert_outcomes(failed=3, errors=1)
    for line, error in [
        ("the test's line", "UsageError: assert_delivered(): payloads are bytes;*"),
        ("the clock's line", "ClockRangeError: advance() takes timedelta's units*"),
        ("the helper's line", "UsageError: assert_delivered(): payloads are bytes;*"),
        ("the fixture's line", "StreamKeyError: *no delivery stream 'event'*"),
    ]:
        result.stdout.fnmatch_lines([f">*# {line}", f"E   *pytest_firehose.{error}"])
    # Nothing of the plugin's own code between the user's line and the message.
    result.stdout.no_fnmatch_line("*pytest_firehose/_*.py:*")
    result.stdout.no_fnmatch_line("*def expected_payloads*")


def test_full_trace_keeps_the_plugins_frames_of_a_misuse(pytester: pytest.Pytester) -> None:
    result = run(pytester, MISUSES, "--full-trace", "-k", "in_the_test")

    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines(["*def expected_payloads*", "*pytest_firehose/_handles/*.py:*"])


def test_a_misuse_in_a_callback_the_plugin_runs_ends_at_the_callbacks_line() -> None:
    """The traceback ends at the last line of the user's code, also when the plugin called
    that code (a callback) and it misused the plugin in turn."""

    def module(name: str, source: str) -> dict[str, Any]:
        namespace: dict[str, Any] = {"__name__": name, "UsageError": UsageError}
        exec(compile(textwrap.dedent(source), f"<{name}>", "exec"), namespace)
        return namespace

    plugin_code = module(
        "pytest_firehose._handles.example",
        """
        def run(callback):
            return callback()

        def refuse():
            raise UsageError("named the fix")
        """,
    )
    user_code = module(
        "users_tests",
        """
        def callback():
            return refuse()  # the misuse

        def test():
            return run(callback)
        """,
    )
    user_code.update(run=plugin_code["run"], refuse=plugin_code["refuse"])

    with pytest.raises(UsageError) as raised:
        user_code["test"]()
    drop_own_frames(raised.value)

    entries = []
    entry = raised.value.__traceback__
    while entry is not None:
        entries.append((entry.tb_frame.f_globals["__name__"], entry.tb_frame.f_code.co_name))
        entry = entry.tb_next
    assert entries[-3:] == [
        ("users_tests", "test"),
        ("pytest_firehose._handles.example", "run"),
        ("users_tests", "callback"),
    ]


def test_the_plugin_imports_only_its_settings_checks() -> None:
    """Every pytest run of a project with the plugin installed imports it: it loads the
    settings checks, not botocore, the clock nor the engine, until a test asks for the fake."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, pytest_firehose.plugin; "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith(("
            "'pytest_firehose', 'botocore')))))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(plugin.__file__).parent.parent)},
    ).stdout.split()

    assert loaded == [
        "pytest_firehose",
        "pytest_firehose._doors",
        "pytest_firehose._doors.environment",
        "pytest_firehose._engine",
        "pytest_firehose._engine.config",
        "pytest_firehose._engine.fault_keywords",
        "pytest_firehose._errors",
        "pytest_firehose._loopback",
        "pytest_firehose._markers",
        "pytest_firehose._reports",
        "pytest_firehose.plugin",
    ]
