"""What both service models share: dispatch, the answer that names failed records, not-found
errors, tag paging and the ValidationException text."""

from __future__ import annotations

import random
import uuid

import pytest

from pytest_firehose._clock import FakeClock
from pytest_firehose._destinations.base import MemoryDestination
from pytest_firehose._errors import ServiceError, validation_error
from pytest_firehose._ids import IdSource
from pytest_firehose._services.base import Answer, tag_page
from pytest_firehose._services.firehose.model import FirehoseService
from pytest_firehose._services.kinesis.model import KinesisService

ACCOUNT = "123456789012"


def firehose() -> FirehoseService:
    service = FirehoseService(
        account_id=ACCOUNT,
        region="us-east-1",
        clock=FakeClock(),
        ids=IdSource(1),
        destination_for=lambda kind, config, region: MemoryDestination(),
    )
    service.dispatch("CreateDeliveryStream", {"DeliveryStreamName": "events"})
    return service


def kinesis() -> KinesisService:
    service = KinesisService(
        account_id=ACCOUNT, region="us-east-1", clock=FakeClock(), ids=IdSource(1)
    )
    service.dispatch("CreateStream", {"StreamName": "s", "ShardCount": 1})
    return service


def test_a_batch_put_names_the_records_it_failed() -> None:
    records = [{"Data": b"a"}, {"Data": b"b"}, {"Data": b"c"}]
    answer = firehose().dispatch(
        "PutRecordBatch",
        {"DeliveryStreamName": "events", "Records": records},
        {2: "ServiceUnavailableException", 0: "ServiceUnavailableException"},
    )
    assert answer.failed == (0, 2)
    assert answer.body["FailedPutCount"] == 2


def test_kinesis_names_records_its_quota_refused() -> None:
    service = kinesis()
    service.quotas = True
    records = [{"Data": b"x" * 600_000, "PartitionKey": "k"} for _ in range(3)]
    answer = service.dispatch(
        "PutRecords", {"StreamName": "s", "Records": records}, {0: "InternalFailure"}
    )
    assert answer.failed == (0, 2)
    assert answer.body["FailedRecordCount"] == 2


def test_other_operations_fail_no_records() -> None:
    answer = firehose().dispatch(
        "PutRecord", {"DeliveryStreamName": "events", "Record": {"Data": b"a"}}
    )
    assert isinstance(answer, Answer)
    assert answer.failed == ()
    assert set(answer.body) == {"RecordId", "Encrypted"}


@pytest.mark.parametrize(
    ("service", "operation", "params", "message"),
    [
        (firehose, "DescribeDeliveryStream", {"DeliveryStreamName": "gone"}, "Firehose gone"),
        (kinesis, "DescribeStream", {"StreamName": "gone"}, "Stream gone"),
    ],
)
def test_not_found_names_the_stream_and_account(
    service: object, operation: str, params: dict[str, str], message: str
) -> None:
    with pytest.raises(ServiceError) as caught:
        service().dispatch(operation, params)  # type: ignore[operator]
    assert caught.value.code == "ResourceNotFoundException"
    assert caught.value.message == f"{message} under account {ACCOUNT} not found."


def test_an_operation_neither_model_knows_is_unknown() -> None:
    with pytest.raises(ServiceError, match="UnknownOperationException"):
        kinesis().dispatch("PutRecordBatch", {})


def test_tag_page_pages_in_key_order() -> None:
    tags = {"b": "2", "a": "1", "c": "3"}
    assert tag_page(tags, {"Limit": 2}) == {
        "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
        "HasMoreTags": True,
    }
    assert tag_page(tags, {"ExclusiveStartTagKey": "b"}) == {
        "Tags": [{"Key": "c", "Value": "3"}],
        "HasMoreTags": False,
    }


def test_validation_error_lists_at_most_ten() -> None:
    assert validation_error(["one"]).message == "1 validation error detected: one"
    error = validation_error([str(n) for n in range(12)])
    assert error.code == "ValidationException"
    assert error.message == "10 validation errors detected: " + "; ".join(map(str, range(10)))


def test_request_ids_are_the_version_4_uuids_of_the_seeded_bytes() -> None:
    ids, bytes_source = IdSource(5), random.Random(5)
    bytes_source.randbytes(32)  # the RecordId key, drawn first
    made = [ids.uuid() for _ in range(1000)]
    assert made == [str(uuid.UUID(bytes=bytes_source.randbytes(16), version=4)) for _ in made]
    assert IdSource().uuid() != IdSource().uuid()


def test_a_requests_two_ids_are_those_drawn_one_after_the_other() -> None:
    together, apart = IdSource(9), IdSource(9)
    for _ in range(50):
        assert together.request_ids() == (apart.uuid(), apart.extended_request_id())
