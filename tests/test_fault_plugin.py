"""The fault marker, the teardown check and the report section, in real pytest runs.

Each test writes a test module into a pytester directory and runs pytest on it; the inner
run loads the plugin through its ``pytest11`` entry point, as a user's suite would.
"""

from __future__ import annotations

import fnmatch
import inspect
import textwrap

import pytest

from pytest_firehose import FirehoseHandle
from pytest_firehose._engine.calls import index_runs

HEADER = """\
import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError


def client():
    return boto3.client("firehose", config=Config(retries={"mode": "standard"}))


def put(stream="s", *payloads):
    return client().put_record_batch(
        DeliveryStreamName=stream, Records=[{"Data": p} for p in payloads or [b"x"]]
    )
"""


def run(pytester: pytest.Pytester, body: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_inner=HEADER + textwrap.dedent(body))
    # hypothesis's plugin re-imports all of hypothesis in every in-process run: seconds each.
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args)


def test_marker_schedules_the_fault(pytester: pytest.Pytester):
    result = run(
        pytester,
        """
        @pytest.mark.firehose_fail(throttle=True)
        def test_throttled(firehose):
            firehose.create_delivery_stream("s")
            answer = put()
            assert answer["ResponseMetadata"]["RetryAttempts"] == 1
            assert [c.outcome for c in firehose.calls] == ["error", "ok"]
            assert [h.fired for h in firehose.faults] == [1]
        """,
    )

    result.assert_outcomes(passed=1)


def test_stacked_markers_apply_top_to_bottom(pytester: pytest.Pytester):
    result = run(
        pytester,
        """
        @pytest.mark.firehose_fail(records={0: "InternalFailure"})
        @pytest.mark.firehose_fail(throttle=True)
        def test_stacked(firehose):
            firehose.create_delivery_stream("s")
            put("s", b"a", b"b")
            put("s", b"c")
            assert [(c.records, c.outcome) for c in firehose.calls] == [
                ([b"a", b"b"], "partial"),
                ([b"c"], "error"),
                ([b"c"], "ok"),
            ]
        """,
    )

    result.assert_outcomes(passed=1)


def test_module_class_and_function_markers_apply_in_reading_order(pytester: pytest.Pytester):
    result = run(
        pytester,
        """
        pytestmark = pytest.mark.firehose_fail(error="AccessDeniedException")


        @pytest.mark.firehose_fail(error="InvalidArgumentException")
        @pytest.mark.firehose_fail(error="ResourceNotFoundException")
        class TestLevels:
            @pytest.mark.firehose_fail(error="InvalidKMSResourceException")
            @pytest.mark.firehose_fail(error="ValidationException")
            def test_order(self, firehose):
                firehose.create_delivery_stream("s")
                for _ in range(5):
                    with pytest.raises(ClientError):
                        put()
                assert [c.error for c in firehose.calls] == [
                    "AccessDeniedException",
                    "InvalidArgumentException",
                    "ResourceNotFoundException",
                    "InvalidKMSResourceException",
                    "ValidationException",
                ]
        """,
    )

    result.assert_outcomes(passed=1)


def test_a_parameters_markers_apply_after_the_functions_in_the_order_given(
    pytester: pytest.Pytester,
):
    # They applied first, and in reverse: InvalidKMSResource, InvalidArgument, then AccessDenied.
    result = run(
        pytester,
        """
        @pytest.mark.firehose_fail(error="AccessDeniedException")
        @pytest.mark.parametrize(
            "x",
            [
                pytest.param(
                    1,
                    marks=[
                        pytest.mark.firehose_fail(error="InvalidArgumentException"),
                        pytest.mark.firehose_fail(error="InvalidKMSResourceException"),
                    ],
                )
            ],
        )
        def test_order(firehose, x):
            firehose.create_delivery_stream("s")
            for _ in range(3):
                with pytest.raises(ClientError):
                    put()
            assert [c.error for c in firehose.calls] == [
                "AccessDeniedException",
                "InvalidArgumentException",
                "InvalidKMSResourceException",
            ]
        """,
    )

    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("markers", "said"),
    [
        (
            ["throtle=True"],
            "@pytest.mark.firehose_fail(throtle=True): got an unexpected keyword argument "
            "'throtle'. Did you mean throttle=? The keywords are those of firehose.fail(): "
            "records=, throttle=, error=, *, optional=.",
        ),
        (
            ['"throttle"'],
            "@pytest.mark.firehose_fail('throttle'): too many positional arguments. The "
            "keywords are those of firehose.fail(): records=, *",
        ),
        (
            ["throttle=True", 'error="SlowDown", operation="PutRecord"'],
            "@pytest.mark.firehose_fail(error='SlowDown', operation='PutRecord'): 'SlowDown' "
            "is not a whole-call error code firehose answers with.*Accepted:*"
            "ServiceUnavailableException*",
        ),
        (
            ['throttle=True, error="InternalFailure"'],
            "@pytest.mark.firehose_fail(throttle=True, error='InternalFailure'): a fault names "
            "exactly one effect*",
        ),
    ],
    ids=["misspelled", "positional", "unknown-code", "two-effects"],
)
def test_a_bad_marker_fails_the_test_at_setup_naming_the_marker(
    pytester: pytest.Pytester, markers: list[str], said: str
):
    decorators = "".join(f"@pytest.mark.firehose_fail({marker})\n" for marker in markers)
    result = run(pytester, f"{decorators}def test_marked(firehose):\n    put()\n")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ERROR at setup of test_marked*", said])
    # The marker is the mistake: no traceback through the plugin's insides.
    result.stdout.no_fnmatch_line("*pytest_firehose/*.py:*")


@pytest.mark.parametrize(
    ("marker", "body", "why"),
    [
        (
            'operation="PutRecord"',
            "put()",
            "*it waits for operation in [[]'PutRecord'[]]; what arrived did not match: "
            "operation PutRecordBatch x1*",
        ),
        ('stream="b"', 'put("s")\n    put("s")', "*and stream 'b'*stream 's' x2*"),
        ("call=3", "put()\n    put()", "*only 2 matching request(s) arrived*call=3*"),
        ("optional=False", "pass", "*no request reached the fake*"),
    ],
    ids=["wrong-operation", "wrong-stream", "calls-ran-out", "no-requests"],
)
def test_a_fault_that_never_fired_fails_at_teardown(
    pytester: pytest.Pytester, marker: str, body: str, why: str
):
    result = run(
        pytester,
        f"""
@pytest.mark.firehose_fail(error="InternalFailure", {marker})
def test_unfired(firehose):
    firehose.create_delivery_stream("s")
    firehose.create_delivery_stream("b")
    {body}
""",
    )

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_unfired*",
            "*scripted fault(s) never fired*",
            f"*firehose_fail(error='InternalFailure'*{why}",
            "*optional=True*",
        ]
    )


def test_a_fault_shadowed_by_an_earlier_one_is_explained(pytester: pytest.Pytester):
    result = run(
        pytester,
        """
        @pytest.mark.firehose_fail(error="InvalidArgumentException")
        @pytest.mark.firehose_fail(error="ResourceNotFoundException")
        def test_shadowed(firehose):
            firehose.create_delivery_stream("s")
            with pytest.raises(ClientError):
                put()
        """,
    )

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*firehose_fail(error='ResourceNotFoundException')*"])
    # One request arrived and the earlier fault took it; "call=1 waits for request number 1"
    # after one request contradicts itself.
    result.stdout.no_fnmatch_line("*only 1 matching request(s) arrived and call=1*")


@pytest.mark.parametrize(
    ("marker", "ini"),
    [("optional=True", ""), ("optional=False", "firehose_assert_all_faults_fired = false")],
    ids=["optional", "ini"],
)
def test_the_teardown_check_can_be_turned_off(pytester: pytest.Pytester, marker: str, ini: str):
    if ini:
        pytester.makeini(f"[pytest]\n{ini}\n")
    result = run(
        pytester,
        f"""
        @pytest.mark.firehose_fail(throttle=True, operation="PutRecord", {marker})
        def test_unfired(firehose):
            firehose.create_delivery_stream("s")
            put()
        """,
    )

    result.assert_outcomes(passed=1)


def test_a_failing_test_reports_its_firehose_calls(pytester: pytest.Pytester):
    result = run(
        pytester,
        """
        def test_fails(firehose):
            firehose.create_delivery_stream("s")
            firehose.fail(throttle=True)
            firehose.fail(records={1: "ServiceUnavailableException"})
            put("s", b"a", b"b", b"c")
            assert False, "the producer gave up"
        """,
    )

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*fake AWS calls (call)*",
            "*#1 PutRecordBatch s 3 records -> ServiceUnavailableException (500) (attempt 1)"
            " [[]fault: firehose_fail(throttle=*)[]]",
            "*#2 PutRecordBatch s 3 records -> partial: 1 failed [[]1[]] (attempt 2, retry of #1)"
            " [[]fault: firehose_fail(records={1: 'ServiceUnavailableException'})[]]",
            "*faults:*",
            "*firehose_fail(throttle=*) fired 1 time(s)",
        ]
    )


def test_a_passing_test_has_no_report_section(pytester: pytest.Pytester):
    result = run(
        pytester,
        """
        def test_passes(firehose):
            firehose.create_delivery_stream("s")
            put()
        """,
        "-rA",
    )

    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*fake AWS calls*")


def test_markers_lists_firehose_fail_with_its_signature(pytester: pytest.Pytester):
    parameters = list(inspect.signature(FirehoseHandle.fail).parameters.values())[1:]
    signature = "*, " + ", ".join(f"{p.name}={p.default!r}" for p in parameters)

    result = pytester.runpytest("--markers")

    assert any(
        line.startswith(f"@pytest.mark.firehose_fail({signature}):") for line in result.outlines
    ), "\n".join(result.outlines)


def test_a_partial_failure_prints_its_indices_as_runs(pytester: pytest.Pytester):
    result = run(
        pytester,
        """
        def kept(payload):
            return payload not in (b"2", b"250")

        def test_fails(firehose):
            firehose.create_delivery_stream("s")
            firehose.fail(records=kept)
            put("s", *[str(i).encode() for i in range(500)])
            firehose["s"].assert_delivered([str(i).encode() for i in range(500)])
        """,
    )

    result.assert_outcomes(failed=1)
    line = "*#1 PutRecordBatch s 500 records -> partial: 498 failed [[]0-1, 3-249, 251-499[]]*"
    # Once in the assertion's message, once in the report section.
    assert len([text for text in result.outlines if fnmatch.fnmatch(text, line)]) == 2
    result.stdout.no_fnmatch_line("*0, 1, 3, 4*")


@pytest.mark.parametrize(
    ("indices", "shown"),
    [([], ""), ([7], "7"), ([1, 3, 4, 5], "1, 3-5"), ([5, 4, 4, 0, 1], "0-1, 4-5")],
)
def test_index_runs_join_consecutive_indices(indices: list[int], shown: str):
    assert index_runs(indices) == shown


def test_the_call_log_numbers_calls_and_names_the_first_attempt_of_a_retry(
    pytester: pytest.Pytester,
):
    result = run(
        pytester,
        """
        @pytest.mark.firehose_fail(throttle=2)
        def test_fails(firehose):
            firehose.create_delivery_stream("s")
            put()
            put()
            assert False
        """,
    )

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*fake AWS calls (call)*",
            "*#1 PutRecordBatch s 1 record -> ServiceUnavailableException (500) (attempt 1)*",
            "*#2 PutRecordBatch s 1 record -> ServiceUnavailableException (500)"
            " (attempt 2, retry of #1)*",
            "*#3 PutRecordBatch s 1 record -> ok (attempt 3, retry of #1)",
            "*#4 PutRecordBatch s 1 record -> ok (attempt 1)",
        ]
    )


def test_a_test_that_fails_before_its_fault_fires_is_reported_once(pytester: pytest.Pytester):
    result = run(
        pytester,
        """
        @pytest.mark.firehose_fail(throttle=True, stream="b")
        def test_fails_first(firehose):
            firehose.create_delivery_stream("s")
            put("s")
            assert False, "the producer gave up"
        """,
    )

    result.assert_outcomes(failed=1)  # not "1 failed, 1 error"
    result.stdout.fnmatch_lines(
        [
            "*_ test_fails_first _*",
            "*AssertionError: the producer gave up*",
            "*- scripted faults that never fired (teardown) -*",
            "The test failed before they fired.",
            "scripted fault(s) never fired*",
            "  firehose_fail(throttle=1, stream='b'): it waits for * and stream 'b'*",
            "*short test summary info*",
        ]
    )
    result.stdout.no_fnmatch_line("*ERROR at teardown*")


def test_a_passing_test_with_an_unfired_fault_has_no_extra_section(pytester: pytest.Pytester):
    result = run(
        pytester,
        """
        @pytest.mark.firehose_fail(throttle=True, stream="b")
        def test_passes(firehose):
            firehose.create_delivery_stream("s")
            put("s")
        """,
    )

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_passes*"])
    result.stdout.no_fnmatch_line("*The test failed before they fired*")


@pytest.mark.parametrize(
    ("marker", "lost"),
    [
        ("firehose_fail(throttle=True)", "no fault would be scheduled"),
        ('kinesis_fail(error="InternalFailure")', "no fault would be scheduled"),
        ('firehose_settings(region="eu-west-1")', "no setting would apply"),
    ],
)
def test_a_marker_on_a_test_without_the_fake_fails_it_naming_the_fix(
    pytester: pytest.Pytester, marker: str, lost: str
):
    # The marker did nothing and the test passed, as if the fault had been exercised.
    result = run(
        pytester,
        f"""
        pytestmark = pytest.mark.{marker}  # a module's marker asks nothing of each test

        def test_plain():
            pass

        @pytest.mark.{marker}
        def test_marked():
            pass
        """,
    )

    result.assert_outcomes(passed=1, errors=1)
    name = marker.split("(")[0]
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_marked*",
            f"@pytest.mark.{name}: this test uses no pytest-firehose fixture, so {lost}. "
            "Ask for the `firehose` (or `kinesis`) fixture, or remove the marker.",
        ]
    )
