"""Producers send from thread pools: the fake must accept every record exactly once, keep
each producer's order, and log every call, whether threads share one client or not."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import boto3
import pytest
import responses
from botocore.exceptions import ClientError

from pytest_firehose import FirehoseFake, FirehoseServer
from pytest_firehose._handles import base as handles_base
from pytest_firehose._handles.delivery_stream import DeliveryStreamHandle
from pytest_firehose._handles.kinesis import KinesisStreamHandle

REGION = "us-east-1"
THREADS = 8
CALLS = 50
RECORDS = 100
STREAM = "events"


def payload(thread: int, call: int, index: int) -> bytes:
    return f"thread {thread} call {call} record {index}\n".encode()


def produce(
    get_client: Callable[[], Any],
    thread: int,
    start: threading.Barrier,
    calls: int = CALLS,
    records: int = RECORDS,
) -> list[Any]:
    """One producer: ``calls`` PutRecordBatch calls of ``records`` unique records each."""
    client = get_client()
    start.wait()
    return [
        client.put_record_batch(
            DeliveryStreamName=STREAM,
            Records=[{"Data": payload(thread, call, i)} for i in range(records)],
        )
        for call in range(calls)
    ]


def run_producers(get_client: Callable[[], Any], **sizes: int) -> list[Any]:
    """THREADS producers started together; every answer, in no particular order."""
    start = threading.Barrier(THREADS)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(produce, get_client, t, start, **sizes) for t in range(THREADS)]
        return [answer for future in futures for answer in future.result()]


@pytest.mark.parametrize("clients", ["one-shared-client", "client-per-thread"])
def test_concurrent_batches_are_each_accepted_exactly_once(
    fake: FirehoseFake, client: Any, clients: str
) -> None:
    fake.firehose.create_delivery_stream(STREAM)
    if clients == "one-shared-client":

        def get_client() -> Any:
            return client

    else:

        def get_client() -> Any:  # boto3's default session is not thread-safe; a Session is
            return boto3.session.Session().client("firehose", region_name=REGION)

    flat = run_producers(get_client)
    assert len(flat) == THREADS * CALLS
    assert [a["FailedPutCount"] for a in flat] == [0] * len(flat)
    record_ids = [entry["RecordId"] for a in flat for entry in a["RequestResponses"]]
    assert len(record_ids) == len(set(record_ids)) == THREADS * CALLS * RECORDS

    stream = fake.firehose[STREAM]
    records = stream.records
    assert len(records) == THREADS * CALLS * RECORDS
    counts = Counter(record.data for record in records)
    expected = {
        payload(t, c, i) for t in range(THREADS) for c in range(CALLS) for i in range(RECORDS)
    }
    assert set(counts) == expected
    assert max(counts.values()) == 1
    assert {record.record_id for record in records} == set(record_ids)
    for thread in range(THREADS):  # each producer's records stay in the order it sent them
        prefix = f"thread {thread} ".encode()
        assert [r.data for r in records if r.data.startswith(prefix)] == [
            payload(thread, c, i) for c in range(CALLS) for i in range(RECORDS)
        ]

    calls = fake.firehose.calls
    assert len(calls) == THREADS * CALLS
    assert len({call.invocation_id for call in calls}) == THREADS * CALLS
    assert None not in {call.invocation_id for call in calls}
    assert {(call.operation, call.attempt, call.outcome) for call in calls} == {
        ("PutRecordBatch", 1, "ok")
    }
    assert sorted(len(call.records) for call in calls) == [RECORDS] * len(calls)
    assert len(stream.calls) == len(calls)


def test_a_fault_hits_exactly_as_many_concurrent_calls_as_scripted(
    fake: FirehoseFake, client: Any
) -> None:
    fake.firehose.create_delivery_stream(STREAM)
    fault = fake.firehose.fail(records=[0], times=25)

    answers = run_producers(lambda: client, calls=20, records=10)

    failed = [a for a in answers if a["FailedPutCount"]]
    assert [a["FailedPutCount"] for a in failed] == [1] * 25
    assert {a["RequestResponses"][0]["ErrorCode"] for a in failed} == {
        "ServiceUnavailableException"
    }
    assert fault.fired == 25
    assert len(fake.firehose[STREAM].records) == THREADS * 20 * 10 - 25
    assert sorted(c.outcome for c in fake.firehose.calls) == ["ok"] * 135 + ["partial"] * 25


#: How long a test gives another thread to move the clock when it must not: with the
#: world's lock held, a correct fake never moves it, however long this is.
GRACE = 0.5


def test_the_clock_stands_still_for_whoever_holds_the_world(fake: FirehoseFake) -> None:
    clock = fake.firehose.clock
    with fake.world.touched():
        before = clock.now()
        mover = threading.Thread(target=clock.advance, kwargs={"seconds": 5})
        mover.start()
        mover.join(GRACE)
        assert clock.now() == before
    mover.join()
    assert clock.now() == before + timedelta(seconds=5)


def test_a_record_is_never_delivered_before_it_arrived(
    fake: FirehoseFake, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clock moves in another thread while a put is between settling the world and
    accepting its records: the records must arrive at the time the world was settled to,
    not join a buffer that fell due before they arrived."""
    stream = fake.firehose.create_delivery_stream(
        STREAM,
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": "arn:aws:s3:::bucket",
            "BufferingHints": {"IntervalInSeconds": 60},
        },
    )
    clock = fake.firehose.clock
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a"})  # due at +60 s
    clock.advance(seconds=59)
    model = fake.world.firehose()
    put_record = model.put_record
    movers: list[threading.Thread] = []

    def put_while_the_clock_moves(params: dict[str, Any]) -> Any:
        before = clock.now()
        mover = threading.Thread(target=clock.advance, kwargs={"seconds": 2})
        movers.append(mover)
        mover.start()
        deadline = time.monotonic() + GRACE
        while clock.now() == before and time.monotonic() < deadline:
            time.sleep(0.001)
        return put_record(params)

    monkeypatch.setitem(model._operations, "PutRecord", put_while_the_clock_moves)
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"b"})
    monkeypatch.undo()
    for mover in movers:
        mover.join()

    arrived = {record.data: record.arrived_at for record in stream.records}
    (obj,) = stream.objects
    assert obj.records == (b"a", b"b")
    assert obj.delivered_at >= max(arrived.values())


# --------------------------------------------------------------------------- user code


#: Real seconds a test waits for another thread before it fails: never reached unless the
#: fake hangs, so that a deadlock fails the test instead of hanging it.
HANG = 30

ROLE = "arn:aws:iam::123456789012:role/firehose"
S3 = {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::landing"}
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:orders-transform"
PROCESSING = {
    "Enabled": True,
    "Processors": [
        {
            "Type": "Lambda",
            "Parameters": [{"ParameterName": "LambdaArn", "ParameterValue": FUNCTION}],
        }
    ],
}


class Worker(threading.Thread):
    """A thread running ``work``, keeping what it raised for the test to see."""

    def __init__(self, work: Callable[[], object]) -> None:
        super().__init__(daemon=True)
        self._work = work
        self.raised: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self._work()
        except BaseException as error:
            self.raised = error

    def finish(self) -> None:
        """Wait for the work to end; fail the test if it hangs or raised."""
        self.join(HANG)
        assert not self.is_alive(), f"the thread running {self._work!r} hangs"
        if self.raised is not None:
            raise AssertionError(f"{self._work!r} raised {self.raised!r}") from self.raised


def waited(event: threading.Event) -> None:
    assert event.wait(HANG), "the other thread never got there"


class HeldHandler:
    """A Lambda processor's handler that answers only once the test lets it (``go``):
    ``Ok`` for each record, ``ProcessingFailed`` for those starting ``bad``."""

    def __init__(self) -> None:
        self.inside = threading.Event()
        self.go = threading.Event()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.inside.set()
        waited(self.go)
        return {
            "records": [
                {
                    "recordId": record["recordId"],
                    "result": "ProcessingFailed"
                    if base64.b64decode(record["data"]).startswith(b"bad")
                    else "Ok",
                    "data": record["data"],
                }
                for record in event["records"]
            ]
        }


@pytest.mark.parametrize(
    "update",
    [
        {"ProcessingConfiguration": {"Enabled": False}},
        {"BufferingHints": {"IntervalInSeconds": 120}},
    ],
    ids=["processing-off", "other-setting"],
)
def test_an_update_while_the_function_runs_keeps_its_records(
    fake: FirehoseFake, client: Any, update: dict[str, Any]
) -> None:
    """UpdateDestination from another thread while the Lambda processor's function runs:
    the invocation's answer is applied as it started, its records stay pending meanwhile,
    and the new setting applies from then on."""
    handler = HeldHandler()
    fake.firehose.lambda_function(FUNCTION, handler)
    stream = fake.firehose.create_delivery_stream(
        STREAM, ExtendedS3DestinationConfiguration={**S3, "ProcessingConfiguration": PROCESSING}
    )
    client.put_record_batch(
        DeliveryStreamName=STREAM, Records=[{"Data": b"good"}, {"Data": b"bad"}]
    )
    flusher = Worker(stream.flush)
    waited(handler.inside)

    client.update_destination(
        DeliveryStreamName=STREAM,
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate=update,
    )
    meanwhile = stream.pending
    handler.go.set()
    flusher.finish()
    assert meanwhile == [b"good", b"bad"]
    assert stream.processing_failed == [b"bad"]
    assert stream.delivered == [b"good"]
    assert stream.pending == []

    # The new setting applies from then on.
    if "ProcessingConfiguration" in update:
        client.put_record_batch(DeliveryStreamName=STREAM, Records=[{"Data": b"bad later"}])
        stream.flush()  # no function runs: delivered as put
        assert stream.delivered == [b"good", b"bad later"]
    else:
        client.put_record_batch(DeliveryStreamName=STREAM, Records=[{"Data": b"later"}])
        fake.firehose.clock.advance(seconds=119)
        assert stream.delivered == [b"good"]
        fake.firehose.clock.advance(seconds=1)  # the new interval, not the default 300 s
        assert stream.delivered == [b"good", b"later"]


URL = "https://collector.example.com/firehose"


class HeldEndpoint:
    """An HTTP endpoint (played by ``responses``) that fails every request while
    ``failing``, then answers each once the test lets it (``go``); ``arrived`` holds each
    request's payloads."""

    def __init__(self) -> None:
        self.failing = True
        self.inside = threading.Event()
        self.go = threading.Event()
        self.arrived: list[list[bytes]] = []

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        self.arrived.append([base64.b64decode(record["data"]) for record in body["records"]])
        if self.failing:
            return 500, {}, "not now"
        self.inside.set()
        waited(self.go)
        return 200, {}, json.dumps({"requestId": body["requestId"], "timestamp": 0})


def test_batches_a_flush_retries_stay_pending_while_the_first_is_out(
    fake: FirehoseFake, client: Any
) -> None:
    endpoint = HeldEndpoint()
    stream = fake.firehose.create_delivery_stream(
        STREAM,
        HttpEndpointDestinationConfiguration={
            "EndpointConfiguration": {"Url": URL},
            "S3Configuration": S3,
        },
    )
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, URL, callback=endpoint, content_type="application/json")
        for data in (b"a", b"b"):  # two batches, each waiting for a retry
            client.put_record(DeliveryStreamName=STREAM, Record={"Data": data})
            stream.flush()
        assert stream.pending == [b"a", b"b"]

        endpoint.failing = False
        flusher = Worker(stream.flush)
        waited(endpoint.inside)
        meanwhile = stream.pending
        endpoint.go.set()
        flusher.finish()

    assert meanwhile == [b"a", b"b"]
    assert endpoint.arrived[-2:] == [[b"a"], [b"b"]]
    assert stream.delivered == [b"a", b"b"]
    assert stream.pending == []


def test_a_records_predicate_may_schedule_a_fault(fake: FirehoseFake, client: Any) -> None:
    """A ``records=`` predicate runs while the request holds the fault script: one that
    schedules another fault neither deadlocks nor has its new fault hit the request that
    is being answered."""
    fake.firehose.create_delivery_stream(STREAM)
    scheduled: list[Any] = []

    def poison(data: bytes) -> bool:
        if data != b"poison":
            return False
        scheduled.append(fake.firehose.fail(error="InvalidArgumentException"))
        return True

    fake.firehose.fail(records=poison)
    answers: list[Any] = []
    producer = Worker(
        lambda: answers.append(
            client.put_record_batch(
                DeliveryStreamName=STREAM, Records=[{"Data": b"fine"}, {"Data": b"poison"}]
            )
        )
    )
    producer.finish()

    [answer] = answers
    assert answer["FailedPutCount"] == 1
    assert answer["RequestResponses"][1]["ErrorCode"] == "ServiceUnavailableException"
    [follow_up] = scheduled
    assert follow_up.fired == 0
    with pytest.raises(ClientError) as refused:
        client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"next"})
    assert refused.value.response["Error"]["Code"] == "InvalidArgumentException"
    assert follow_up.fired == 1


def _ok_after(*steps: Callable[[], object]) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A Lambda processor's handler that first runs ``steps`` (calls to AWS), then answers
    every record ``Ok`` with its data as it came."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        for step in steps:
            step()
        return {
            "records": [
                {"recordId": record["recordId"], "result": "Ok", "data": record["data"]}
                for record in event["records"]
            ]
        }

    return handler


def test_flushing_every_stream_while_a_processor_creates_and_deletes_streams(
    fake: FirehoseFake, client: Any
) -> None:
    """``firehose.flush()`` runs a Lambda processor without the world's lock: a handler (or
    code under test meanwhile) that creates and deletes delivery streams neither breaks the
    flush nor has a stream deleted meanwhile delivered after its deletion."""

    handler = _ok_after(
        lambda: client.create_delivery_stream(DeliveryStreamName="made-meanwhile"),
        lambda: client.delete_delivery_stream(DeliveryStreamName="doomed"),
    )
    fake.firehose.lambda_function(FUNCTION, handler)
    stream = fake.firehose.create_delivery_stream(
        "transformed",
        ExtendedS3DestinationConfiguration={**S3, "ProcessingConfiguration": PROCESSING},
    )
    doomed = fake.firehose.create_delivery_stream("doomed")  # flushed after the handler ran
    client.put_record(DeliveryStreamName="transformed", Record={"Data": b"kept"})
    client.put_record(DeliveryStreamName="doomed", Record={"Data": b"gone"})

    fake.firehose.flush()

    assert stream.delivered == [b"kept"]
    assert doomed.deleted
    assert doomed.delivered == []
    assert fake.firehose.stream_names() == ["made-meanwhile", "transformed"]


@pytest.mark.parametrize("service", ["firehose", "kinesis"])
def test_a_stream_read_over_the_control_api_is_not_deleted_half_way(
    fake: FirehoseFake, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GET /_fake/streams/{name} while another client deletes the stream: the answer shows
    the stream as it was (or 404 once it is gone), never a 500 for a stream deleted between
    two of its reads."""
    if service == "firehose":
        fake.firehose.create_delivery_stream(STREAM)
        handle: type[Any] = DeliveryStreamHandle

        def delete() -> None:
            boto3.client("firehose", region_name=REGION).delete_delivery_stream(
                DeliveryStreamName=STREAM
            )

    else:
        fake.kinesis.create_stream(STREAM)
        handle = KinesisStreamHandle

        def delete() -> None:
            boto3.client("kinesis", region_name=REGION).delete_stream(StreamName=STREAM)

    deleted = threading.Event()
    deleters: list[Worker] = []
    read_records = handle.records.fget

    def records_while_a_client_deletes(stream: Any) -> Any:
        if not deleters:  # the view's first read: another client deletes the stream now
            deleters.append(Worker(lambda: (delete(), deleted.set())))
            deleted.wait(GRACE)  # a correct fake holds the deletion off, however long this is
        return read_records(stream)

    monkeypatch.setattr(handle, "records", property(records_while_a_client_deletes))
    with FirehoseServer(fake.world, firehose=fake.firehose, kinesis=fake.kinesis) as server:
        path = f"/_fake/streams/{STREAM}"
        shown = server._control_answer("GET", path, f"service={service}", b"")
        [deleter] = deleters
        deleter.finish()
        gone = server._control_answer("GET", path, f"service={service}", b"")

    assert shown.status == 200, shown.body
    assert json.loads(shown.body)["name"] == STREAM
    assert gone.status == 404


def test_flushing_every_stream_over_the_control_api_skips_one_deleted_meanwhile(
    fake: FirehoseFake, client: Any
) -> None:
    """POST /_fake/flush runs a Lambda processor without the world's lock: a stream its
    handler (or another client) deleted meanwhile is left out, not answered with a 500."""

    handler = _ok_after(lambda: client.delete_delivery_stream(DeliveryStreamName="doomed"))
    fake.firehose.lambda_function(FUNCTION, handler)
    stream = fake.firehose.create_delivery_stream(
        "a-transformed",  # flushed first: streams are flushed by name
        ExtendedS3DestinationConfiguration={**S3, "ProcessingConfiguration": PROCESSING},
    )
    fake.firehose.create_delivery_stream("doomed")
    client.put_record(DeliveryStreamName="a-transformed", Record={"Data": b"kept"})
    with FirehoseServer(fake.world, firehose=fake.firehose, kinesis=fake.kinesis) as server:
        flushed = server._control_answer("POST", "/_fake/flush", "", b"{}")

    assert (flushed.status, json.loads(flushed.body)) == (200, {"flushed": ["a-transformed"]})
    assert stream.delivered == [b"kept"]


def test_drains_in_two_threads_hand_each_batch_to_the_handler_once(fake: FirehoseFake) -> None:
    """``trigger.drain()`` from a second thread while the first's handler runs: the second
    waits its turn instead of invoking the batch in flight again."""
    first_inside, go, again = threading.Event(), threading.Event(), threading.Event()
    handed: list[list[bytes]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        handed.append([base64.b64decode(r["kinesis"]["data"]) for r in event["Records"]])
        if len(handed) == 1:
            first_inside.set()
            waited(go)
        else:
            again.set()

    stream = fake.kinesis.create_stream(STREAM)
    trigger = stream.lambda_trigger(handler, StartingPosition="TRIM_HORIZON")
    boto3.client("kinesis", region_name=REGION).put_record(
        StreamName=STREAM, Data=b"a", PartitionKey="k"
    )
    first = Worker(trigger.drain)
    waited(first_inside)
    second = Worker(trigger.drain)
    again.wait(GRACE)  # a correct fake hands nothing twice, however long this is
    go.set()
    first.finish()
    second.finish()

    assert handed == [[b"a"]]
    assert [invocation.records for invocation in trigger.invocations] == [[b"a"]]


class WatchedLock:
    """A lock that tells which thread holds it, and when a thread other than ``owner``
    starts waiting for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.owner = threading.get_ident()
        self.holder: int | None = None
        self.wanted = threading.Event()

    def __enter__(self) -> None:
        if threading.get_ident() != self.owner:
            self.wanted.set()
        self._lock.acquire()
        self.holder = threading.get_ident()

    def __exit__(self, *exc: object) -> None:
        self.holder = None
        self._lock.release()


def test_a_fault_scheduled_during_a_reset_is_listed_under_the_id_it_was_given(
    fake: FirehoseFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """POST /_fake/faults from another thread while POST /_fake/reset runs: the fault is
    listed under the id its POST answered, and no other fault takes that id. The other
    thread asks for its id just after the world is reset, before the reset is done."""
    with FirehoseServer(fake.world, firehose=fake.firehose, kinesis=fake.kinesis) as server:
        ids = WatchedLock()
        monkeypatch.setattr(server._control, "_ids_lock", ids)
        given: dict[str, int] = {}

        def schedule(stream: str) -> None:
            body = json.dumps({"service": "firehose", "throttle": 1, "stream": stream})
            answer = server._control_answer("POST", "/_fake/faults", "", body.encode())
            given[stream] = json.loads(answer.body)["id"]

        schedule("before-1")
        schedule("before-2")
        reset_world = fake.world.reset
        others: list[Worker] = []

        def reset_while_another_thread_schedules() -> None:
            reset_world()
            others.append(Worker(lambda: schedule("during")))
            waited(ids.wanted)
            if ids.holder != threading.get_ident():  # the reset does not hold it off
                others[0].finish()

        monkeypatch.setattr(fake.world, "reset", reset_while_another_thread_schedules)
        server._control_answer("POST", "/_fake/reset", "", b"{}")
        others[0].finish()
        schedule("after")
        listed = json.loads(server._control_answer("GET", "/_fake/faults", "", b"").body)

    assert {fault["fault"]["stream"]: fault["id"] for fault in listed} == {
        "during": given["during"],
        "after": given["after"],
    }
    assert given["during"] != given["after"]


def test_a_fault_scheduled_as_another_thread_resets_the_world_is_kept(
    fake: FirehoseFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``.fail()`` while POST /_fake/reset runs in another thread: a fault the reset
    finishes before is scheduled in the fresh world, not among the faults it dropped."""
    with FirehoseServer(fake.world, firehose=fake.firehose, kinesis=fake.kinesis) as server:
        fake.firehose.fail(throttle=1, stream="before")
        make_fault = handles_base.make_fault

        def made_as_another_thread_resets(service: str, spec: Any) -> Any:
            reset = Worker(lambda: server._control_answer("POST", "/_fake/reset", "", b"{}"))
            reset.finish()
            return make_fault(service, spec)

        monkeypatch.setattr(handles_base, "make_fault", made_as_another_thread_resets)
        fake.firehose.fail(throttle=1, stream="after", optional=True)
        listed = json.loads(server._control_answer("GET", "/_fake/faults", "", b"").body)

    assert [handle.fault.stream for handle in fake.firehose.faults] == ["after"]
    assert [fault["fault"]["stream"] for fault in listed] == ["after"]


def test_a_move_stops_where_another_stream_falls_due_while_one_waits_for_its_function(
    fake: FirehoseFake, client: Any
) -> None:
    """A stream whose function runs in another thread is due meanwhile: a move of the clock
    still stops at each instant another stream falls due, and a handler run there reads
    that instant."""
    held = HeldHandler()
    fake.firehose.lambda_function(FUNCTION, held)
    clock = fake.firehose.clock
    start = clock.now()
    read: list[timedelta] = []

    def reading(event: dict[str, Any], context: Any) -> dict[str, Any]:
        read.append(clock.now() - start)
        return {
            "records": [
                {"recordId": record["recordId"], "result": "Ok", "data": record["data"]}
                for record in event["records"]
            ]
        }

    other = "arn:aws:lambda:us-east-1:123456789012:function:reading"
    fake.firehose.lambda_function(other, reading)
    waiting = fake.firehose.create_delivery_stream(
        STREAM, ExtendedS3DestinationConfiguration={**S3, "ProcessingConfiguration": PROCESSING}
    )
    processor = {
        "Type": "Lambda",
        "Parameters": [
            {"ParameterName": "LambdaArn", "ParameterValue": other},
            {"ParameterName": "BufferIntervalInSeconds", "ParameterValue": "60"},
        ],
    }
    fake.firehose.create_delivery_stream(
        "due",
        ExtendedS3DestinationConfiguration={
            **S3,
            "ProcessingConfiguration": {"Enabled": True, "Processors": [processor]},
        },
    )
    client.put_record(DeliveryStreamName="due", Record={"Data": b"x"})
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"first"})
    flusher = Worker(waiting.flush)
    waited(held.inside)
    # Taken while the function runs: the stream is due at once, and waits for it.
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"second"})

    clock.advance(seconds=120)
    held.go.set()
    flusher.finish()
    assert read == [timedelta(seconds=60)]
