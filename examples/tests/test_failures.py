"""The shipper's failure path, scripted with pytest-firehose's faults.

Each test schedules what goes wrong with ``@pytest.mark.firehose_fail(...)`` (applied top to
bottom before the test starts) or ``firehose.fail(...)``, runs the shipper on a plain boto3
client, and reads what happened from ``firehose.calls`` (every HTTP attempt, botocore's own
retries included) and from the stream. Every scripted fault must fire: the plugin fails the
test at teardown otherwise, so a fault the shipper never met cannot pass unnoticed.

Clients name their botocore retry mode (see ``make_shipper`` in conftest.py): how many
attempts botocore makes before the shipper sees an error depends on it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from event_shipper import FailedRecord, FirehoseShipper, ShipResult, UndeliveredRecordsError

if TYPE_CHECKING:
    from pytest_firehose import Call, FirehoseHandle

MakeShipper = Callable[..., FirehoseShipper]

#: HTTP attempts botocore makes per API call, by retry mode, before it gives up.
BOTOCORE_ATTEMPTS = {"legacy": 5, "standard": 3, "adaptive": 3}
RETRY_MODES = sorted(BOTOCORE_ATTEMPTS)


class AtCeiling(random.Random):
    """Jitter that always picks the top of its range: the backoff schedule without chance."""

    def uniform(self, a: float, b: float) -> float:
        return b


def lines(*names: str) -> list[bytes]:
    return [f"{name}\n".encode() for name in names]


def gaps(calls: Sequence[Call]) -> list[float]:
    """Seconds of fake time between consecutive calls (the fake clock counts microseconds,
    so compare them with ``pytest.approx(..., abs=1e-6)``)."""
    return [(later.at - earlier.at).total_seconds() for earlier, later in pairwise(calls)]


def failed_records(call: Call) -> list[bytes]:
    """The records a call sent that Firehose refused, in the order they were sent."""
    return [call.records[i] for i in call.failed_indices]


def is_purchase(data: bytes) -> bool:
    """A ``records=`` predicate: it sees each record's payload, wherever it sits in a batch."""
    return bool(json.loads(data)["type"] == "purchase")


def dedupe_by_id(delivered: Iterable[bytes]) -> list[bytes]:
    """What a consumer does with at-least-once delivery: keep the first copy of each event id."""
    seen: set[Any] = set()
    kept = []
    for data in delivered:
        event_id = json.loads(data)["id"]
        if event_id not in seen:
            seen.add(event_id)
            kept.append(data)
    return kept


# ---------------------------------------------------------------------- partial failures

EVENTS = [
    {"id": 1, "type": "view"},
    {"id": 2, "type": "purchase"},
    {"id": 3, "type": "view"},
    {"id": 4, "type": "view"},
    {"id": 5, "type": "purchase"},
]
ENCODED = [json.dumps(event, separators=(",", ":")).encode() + b"\n" for event in EVENTS]


@pytest.mark.parametrize(
    ("fault", "refused"),
    [
        pytest.param(
            {"records": {1: "ServiceUnavailableException", 3: "InternalFailure"}},
            [1, 3],
            id="index-map",
        ),
        pytest.param({"records": [0, 2, 4]}, [0, 2, 4], id="index-list"),
        pytest.param({"records": is_purchase}, [1, 4], id="payload-predicate"),
    ],
)
def test_only_the_refused_records_are_resent_in_order(
    firehose: FirehoseHandle,
    shipper: FirehoseShipper,
    sleeps: list[float],
    fault: dict[str, Any],
    refused: list[int],
) -> None:
    firehose.create_delivery_stream("events")
    scripted = firehose.fail(**fault)

    result = shipper.ship(EVENTS)

    first, resend = firehose.calls
    assert first.records == ENCODED
    assert (first.outcome, first.failed_indices) == ("partial", tuple(refused))
    assert resend.records == [ENCODED[i] for i in refused]  # only those, in input order
    assert (resend.outcome, resend.failed_indices) == ("ok", ())
    assert first.invocation_id != resend.invocation_id  # a new call by the shipper, not botocore
    assert scripted.fired == 1
    assert result == ShipResult(sent=5, attempts=2)
    assert len(sleeps) == 1  # one backoff before the resend
    # Refused records are not committed, so each event arrives once; the resent ones last.
    firehose["events"].assert_delivered(ENCODED)
    accepted_first = [data for i, data in enumerate(ENCODED) if i not in refused]
    assert firehose["events"].delivered == accepted_first + resend.records


@pytest.mark.firehose_fail(records=[1, 2, 4])  # first call: b, c and e refused
@pytest.mark.firehose_fail(records={0: "InternalFailure"})  # first resend: its record 0 (b)
def test_resend_rounds_shrink_and_keep_the_input_order(
    firehose: FirehoseHandle, make_shipper: MakeShipper, sleeps: list[float]
) -> None:
    firehose.create_delivery_stream("events")
    events = lines("a", "b", "c", "d", "e", "f")

    result = make_shipper(rng=AtCeiling()).ship(events)

    calls = firehose.calls
    assert [call.records for call in calls] == [events, lines("b", "c", "e"), lines("b")]
    assert [call.failed_indices for call in calls] == [(1, 2, 4), (0,), ()]
    assert [call.outcome for call in calls] == ["partial", "partial", "ok"]
    for earlier, later in pairwise(calls):
        assert later.records == failed_records(earlier)
    assert result == ShipResult(sent=6, attempts=3)
    firehose["events"].assert_delivered(events)
    assert sleeps == pytest.approx([0.1, 0.2])


# ---------------------------------------------------------------------- backoff, giving up


@pytest.mark.firehose_fail(records=lambda data: data == b"b\n", times=4)
def test_resend_rounds_back_off_exponentially(
    firehose: FirehoseHandle, make_shipper: MakeShipper, sleeps: list[float]
) -> None:
    firehose.create_delivery_stream("events")

    result = make_shipper(max_attempts=5, rng=AtCeiling()).ship(lines("a", "b", "c"))

    # The predicate follows the payload: "b" is refused at index 1, then at index 0 of
    # every resend, four times; the fifth and last attempt gets it through.
    assert [call.failed_indices for call in firehose.calls] == [(1,), (0,), (0,), (0,), ()]
    assert result == ShipResult(sent=3, attempts=5)
    assert sleeps == pytest.approx([0.1, 0.2, 0.4, 0.8])  # base_delay * 2**(round - 1)
    # The shipper's sleep passed fake time, so the calls are spaced by its backoff...
    assert gaps(firehose.calls) == pytest.approx(sleeps, abs=1e-6)
    # ...while botocore never waited: a partial failure is an HTTP 200, nothing to retry.
    assert firehose.clock.sleeps == []
    assert [call.attempt for call in firehose.calls] == [1, 1, 1, 1, 1]
    firehose["events"].assert_delivered(lines("a", "b", "c"))


@pytest.mark.firehose_fail(records=[0], times=7)
def test_the_backoff_is_jittered_below_its_growing_ceiling(
    firehose: FirehoseHandle, make_shipper: MakeShipper, sleeps: list[float]
) -> None:
    firehose.create_delivery_stream("events")

    result = make_shipper(max_attempts=8, base_delay=0.1, max_delay=2.0).ship(lines("a"))

    assert result.ok
    assert len(sleeps) == 7
    ceilings = [min(2.0, 0.1 * 2**i) for i in range(7)]
    assert all(0 <= delay <= ceiling for delay, ceiling in zip(sleeps, ceilings, strict=True))
    assert len(set(sleeps)) == len(sleeps)
    assert gaps(firehose.calls) == pytest.approx(sleeps, abs=1e-6)


@pytest.mark.firehose_fail(records={1: "InternalFailure"})  # the first call: "poison" refused
@pytest.mark.firehose_fail(records={0: "InternalFailure"}, times=2)  # and on both resends
def test_a_record_refused_on_every_attempt_is_reported_and_shipping_goes_on(
    firehose: FirehoseHandle, make_shipper: MakeShipper, sleeps: list[float]
) -> None:
    firehose.create_delivery_stream("events")
    events = [b"first\n", b"poison\n", *(f"{n}\n".encode() for n in range(2, 501))]

    result = make_shipper(max_attempts=3, rng=AtCeiling()).ship(events)

    calls = firehose.calls
    assert [len(call.records) for call in calls] == [500, 1, 1, 1]  # 3 attempts, next batch
    assert calls[1].records == calls[2].records == [b"poison\n"]
    assert calls[3].records == [b"500\n"]
    assert result.attempts == 4
    assert result.sent == 500
    assert result.failed == [
        FailedRecord(1, b"poison\n", "InternalFailure", "Internal service failure.")
    ]
    assert result.undelivered == result.failed
    assert sleeps == pytest.approx([0.1, 0.2])  # no sleep after the last attempt
    firehose["events"].assert_delivered([e for e in events if e != b"poison\n"], ordered=True)

    with pytest.raises(UndeliveredRecordsError) as raised:
        result.raise_for_undelivered()
    assert str(raised.value) == (
        "1 record(s) were not delivered:\n"
        "  record 1 (7 bytes): InternalFailure: Internal service failure."
    )


# ---------------------------------------------------------------------- throttled calls


@pytest.mark.parametrize("retry_mode", RETRY_MODES)
@pytest.mark.firehose_fail(throttle=2)
def test_botocore_rides_out_a_short_throttle(
    firehose: FirehoseHandle, make_shipper: MakeShipper, sleeps: list[float], retry_mode: str
) -> None:
    firehose.create_delivery_stream("events")
    events = lines("a", "b", "c")

    result = make_shipper(retry_mode=retry_mode).ship(events)

    calls = firehose.calls
    assert [(call.attempt, call.outcome, call.error) for call in calls] == [
        (1, "error", "ServiceUnavailableException"),
        (2, "error", "ServiceUnavailableException"),
        (3, "ok", None),
    ]
    assert [call.status for call in calls] == [500, 500, 200]
    assert len({call.invocation_id for call in calls}) == 1  # one API call, three attempts
    assert all(call.records == events for call in calls)
    # The shipper never saw the throttle: one call, no backoff of its own.
    assert result == ShipResult(sent=3, attempts=1)
    assert sleeps == []
    # botocore backed off twice, on the fake clock: no real time passed.
    assert len(firehose.clock.sleeps) == 2
    assert firehose.clock.elapsed.total_seconds() == pytest.approx(sum(firehose.clock.sleeps))
    firehose["events"].assert_delivered(events, ordered=True)


@pytest.mark.parametrize("retry_mode", RETRY_MODES)
def test_a_throttle_that_outlasts_botocore_is_resent_by_the_shipper(
    firehose: FirehoseHandle, make_shipper: MakeShipper, sleeps: list[float], retry_mode: str
) -> None:
    firehose.create_delivery_stream("events")
    budget = BOTOCORE_ATTEMPTS[retry_mode]
    throttle = firehose.fail(throttle=budget)  # every attempt botocore makes
    events = lines("a", "b", "c")

    result = make_shipper(retry_mode=retry_mode, rng=AtCeiling()).ship(events)

    calls = firehose.calls
    assert throttle.fired == budget
    assert [call.attempt for call in calls] == [*range(1, budget + 1), 1]
    assert [call.outcome for call in calls] == ["error"] * budget + ["ok"]
    assert len({call.invocation_id for call in calls[:budget]}) == 1
    assert calls[-1].invocation_id != calls[0].invocation_id  # the shipper's second call
    assert all(call.records == events for call in calls)  # the whole batch, each time
    assert result == ShipResult(sent=3, attempts=2)
    assert sleeps == pytest.approx([0.1])
    # botocore waited between its own attempts; both kinds of wait passed fake time only.
    assert len(firehose.clock.sleeps) == budget - 1
    assert gaps(calls)[-1] == pytest.approx(sleeps[0], abs=1e-6)
    assert firehose.clock.elapsed.total_seconds() == pytest.approx(
        sum(firehose.clock.sleeps) + sum(sleeps)
    )
    firehose["events"].assert_delivered(events, ordered=True)


@pytest.mark.firehose_fail(throttle=6)  # standard mode: 3 attempts x 2 shipper calls
def test_a_throttle_that_outlasts_the_shipper_lists_every_record(
    firehose: FirehoseHandle, make_shipper: MakeShipper, sleeps: list[float]
) -> None:
    firehose.create_delivery_stream("events")
    events = lines("a", "b", "c")

    result = make_shipper(retry_mode="standard", max_attempts=2).ship(events)

    assert [call.attempt for call in firehose.calls] == [1, 2, 3, 1, 2, 3]
    assert (result.sent, result.attempts, len(sleeps)) == (0, 2, 1)
    assert result.failed == [
        FailedRecord(i, data, "ServiceUnavailableException", "Slow down.")
        for i, data in enumerate(events)
    ]
    assert firehose["events"].records == []
    with pytest.raises(UndeliveredRecordsError, match=r"3 record\(s\) were not delivered"):
        result.raise_for_undelivered()


# ---------------------------------------------------------------------- timeouts


@pytest.mark.parametrize(
    ("times", "copies", "shipper_calls"),
    [
        pytest.param(1, 2, 1, id="botocore-resends"),
        pytest.param(3, 4, 2, id="botocore-gives-up-the-shipper-resends"),
    ],
)
def test_a_committed_timeout_duplicates_and_consumers_dedupe_by_id(
    firehose: FirehoseHandle,
    make_shipper: MakeShipper,
    times: int,
    copies: int,
    shipper_calls: int,
) -> None:
    stream = firehose.create_delivery_stream("events")
    firehose.fail(timeout="commit", times=times)  # committed, then the answer never came

    result = make_shipper(retry_mode="standard").ship(EVENTS)

    # Every timed-out attempt was committed, and so was the one that got an answer.
    assert [call.outcome for call in firehose.calls] == ["timeout"] * times + ["ok"]
    assert stream.records == ENCODED * copies
    assert result == ShipResult(sent=5, attempts=shipper_calls)
    # At-least-once delivery: the exactly-once assertion catches the duplicates...
    with pytest.raises(AssertionError, match=rf"duplicated \(5\): b'.*' x{copies} \(expected 1\)"):
        stream.assert_delivered(ENCODED)
    # ...and a consumer that drops repeated event ids sees each event once, in order.
    # (assert_delivered flushed the buffer, so `delivered` holds everything.)
    assert dedupe_by_id(stream.delivered) == ENCODED


@pytest.mark.firehose_fail(timeout="commit")
def test_duplicates_can_also_be_dropped_by_payload(
    firehose: FirehoseHandle, shipper: FirehoseShipper
) -> None:
    """Events without an id: identical payloads are the only thing to dedupe on (which also
    merges events that were meant to be equal, so give events an id when that matters)."""
    stream = firehose.create_delivery_stream("events")
    events = lines("a", "b", "c")

    shipper.ship(events)

    first, retry = firehose.calls
    assert first.invocation_id == retry.invocation_id  # botocore's resend of the same call
    stream.flush()  # deliver what the buffer holds, as if its interval had passed
    assert stream.delivered == events + events
    assert list(dict.fromkeys(stream.delivered)) == events


@pytest.mark.parametrize(
    ("times", "shipper_calls"),
    [
        pytest.param(1, 1, id="botocore-resends"),
        pytest.param(3, 2, id="botocore-gives-up-the-shipper-resends"),
    ],
)
def test_a_lost_request_is_resent_without_loss_or_duplicates(
    firehose: FirehoseHandle,
    make_shipper: MakeShipper,
    sleeps: list[float],
    times: int,
    shipper_calls: int,
) -> None:
    stream = firehose.create_delivery_stream("events")
    lost = firehose.fail(timeout="lost", times=times)  # nothing committed
    events = lines("a", "b", "c")

    result = make_shipper(retry_mode="standard").ship(events)

    assert lost.fired == times
    assert [call.outcome for call in firehose.calls] == ["timeout"] * times + ["ok"]
    assert [call.error for call in firehose.calls] == ["read-timeout"] * times + [None]
    assert result == ShipResult(sent=3, attempts=shipper_calls)
    assert len(sleeps) == shipper_calls - 1
    assert stream.records == events
    stream.assert_delivered(events, ordered=True)


# ---------------------------------------------------------------------- chaos


def split_into_batches(calls: Sequence[Call]) -> list[list[Call]]:
    """The shipper's calls per batch: a batch's calls end with one where nothing failed
    (or with the last call)."""
    batches: list[list[Call]] = [[]]
    for call in calls:
        batches[-1].append(call)
        if not call.failed_indices:
            batches.append([])
    return [batch for batch in batches if batch]


@pytest.mark.parametrize("seed", [7, 42, 2026])
def test_a_chaos_soak_delivers_every_event_exactly_once(
    firehose: FirehoseHandle, make_shipper: MakeShipper, sleeps: list[float], seed: int
) -> None:
    stream = firehose.create_delivery_stream("events")
    firehose.fail(chaos=0.3, seed=seed)  # every PutRecordBatch: each record fails w.p. 0.3
    events = [f"event-{n:04d}\n".encode() for n in range(1_000)]

    result = make_shipper(max_attempts=25).ship(events)

    assert result.ok
    assert result.sent == 1_000
    calls = firehose.calls
    refused = sum(len(call.failed_indices) for call in calls)
    sent = sum(len(call.records) for call in calls)
    assert 0.25 < refused / sent < 0.35  # chaos did its job
    # Nothing lost or reordered: each batch starts with fresh input, in input order, and
    # every resend is exactly the records its previous call had refused, in their order.
    batches = split_into_batches(calls)
    assert [record for batch in batches for record in batch[0].records] == events
    for batch in batches:
        for earlier, later in pairwise(batch):
            assert later.records == failed_records(earlier)
    assert len(sleeps) == len(calls) - len(batches)  # one backoff per resend round
    # Refused records are never committed: the stream accepted each event exactly once.
    assert len(stream.records) == 1_000
    stream.assert_delivered(events)


# ---------------------------------------------------------------------- errors no retry fixes


@pytest.mark.parametrize(
    ("code", "message"),
    [
        pytest.param(
            "ResourceNotFoundException",
            "Firehose events under account 123456789012 not found.",
            marks=pytest.mark.firehose_fail(error="ResourceNotFoundException"),
            id="unknown-stream",
        ),
        pytest.param(
            "InvalidArgumentException",
            "Invalid argument.",
            marks=pytest.mark.firehose_fail(error="InvalidArgumentException"),
            id="invalid-argument",
        ),
        pytest.param(
            "AccessDeniedException",
            "User: arn:aws:sts::123456789012:assumed-role/test/session is not authorized",
            marks=pytest.mark.firehose_fail(error="AccessDeniedException"),
            id="access-denied",
        ),
    ],
)
def test_an_error_no_retry_fixes_stops_shipping_at_once(
    firehose: FirehoseHandle,
    shipper: FirehoseShipper,
    sleeps: list[float],
    code: str,
    message: str,
) -> None:
    stream = firehose.create_delivery_stream("events")
    events = (f"{n}\n".encode() for n in range(1_200))

    with pytest.raises(UndeliveredRecordsError, match=f"failed with {code}") as raised:
        shipper.ship(events)

    # One HTTP attempt: neither botocore nor the shipper retried, and nobody waited.
    assert [(call.attempt, call.outcome, call.error) for call in firehose.calls] == [
        (1, "error", code)
    ]
    assert sleeps == []
    assert firehose.clock.sleeps == []
    cause = raised.value.__cause__
    assert isinstance(cause, ClientError)
    assert cause.response["Error"]["Code"] == code
    assert cause.response["Error"]["Message"].startswith(message)
    failed = raised.value.result.failed
    assert [record.index for record in failed] == list(range(500))
    assert {record.error_code for record in failed} == {code}
    assert next(events) == b"500\n"  # the rest of the input was left unread
    assert stream.records == []


def test_a_stream_that_disappears_mid_shipment_keeps_what_was_delivered(
    firehose: FirehoseHandle, shipper: FirehoseShipper
) -> None:
    stream = firehose.create_delivery_stream("events")
    gone = firehose.fail(error="ResourceNotFoundException", call=2)  # the second batch
    events = [f"{n}\n".encode() for n in range(1_200)]

    with pytest.raises(UndeliveredRecordsError, match="ResourceNotFoundException") as raised:
        shipper.ship(events)

    assert gone.fired == 1
    assert [call.outcome for call in firehose.calls] == ["ok", "error"]
    result = raised.value.result
    assert (result.sent, result.attempts) == (500, 2)
    assert [record.index for record in result.undelivered] == list(range(500, 1_000))
    stream.assert_delivered(events[:500], ordered=True)


# ---------------------------------------------------------------------- all of it at once


@pytest.mark.firehose_fail(throttle=3)  # standard mode: botocore gives up after 3 attempts
@pytest.mark.firehose_fail(records={0: "InternalFailure", 2: "ServiceUnavailableException"})
@pytest.mark.firehose_fail(timeout="lost")  # the resend of a and c is lost once
def test_a_bad_day_still_delivers_everything_once(
    firehose: FirehoseHandle, make_shipper: MakeShipper, sleeps: list[float]
) -> None:
    stream = firehose.create_delivery_stream("events")
    events = lines("a", "b", "c", "d")

    result = make_shipper(retry_mode="standard", rng=AtCeiling()).ship(events)

    calls = firehose.calls
    assert [(call.attempt, call.outcome, call.records) for call in calls] == [
        (1, "error", events),  # throttled: botocore retries...
        (2, "error", events),
        (3, "error", events),  # ...and gives up; the shipper backs off and resends all
        (1, "partial", events),  # a and c refused
        (1, "timeout", lines("a", "c")),  # the shipper resends them; the request is lost
        (2, "ok", lines("a", "c")),  # botocore resends it
    ]
    assert calls[3].failed_indices == (0, 2)
    assert [call.fault for call in calls] == [
        "firehose_fail(throttle=3)",
        "firehose_fail(throttle=3)",
        "firehose_fail(throttle=3)",
        "firehose_fail(records={0: 'InternalFailure', 2: 'ServiceUnavailableException'})",
        "firehose_fail(timeout='lost')",
        None,
    ]
    assert result == ShipResult(sent=4, attempts=3)
    assert sleeps == pytest.approx([0.1, 0.2])
    assert len(firehose.clock.sleeps) == 3  # botocore: two after the throttles, one after
    assert stream.records == lines("b", "d", "a", "c")
    stream.assert_delivered(events)
