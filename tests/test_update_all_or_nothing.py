"""UpdateDestination is all or nothing: an update refused at any point, however late it is
found wanting, leaves the stream as it was: its description and version id, its buffers,
and where and how its pending records are delivered. (So does a CreateDeliveryStream refused
late: no stream is left behind.)"""

from __future__ import annotations

import json
import re
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import ROLE, S3, describe, examples, put, refused
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_firehose import FirehoseFake, UnmodelledSettingWarning
from pytest_firehose._wire.codec import HttpRequest

DESTINATION_ID = "destinationId-000000000001"
ERRORS = "errors/!{firehose:error-output-type}/"
BACKUP = {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::raw", "Prefix": "raw/"}
#: An AppendDelimiterToRecord processor with a delimiter other than a newline: accepted,
#: and reported as not modelled.
TAB_DELIMITED = {
    "Enabled": True,
    "Processors": [
        {
            "Type": "AppendDelimiterToRecord",
            "Parameters": [{"ParameterName": "Delimiter", "ParameterValue": "\\t"}],
        }
    ],
}


def processors(sub_records: str) -> dict[str, Any]:
    """A key query on ``k`` and a de-aggregation of ``sub_records``."""
    return {
        "Enabled": True,
        "Processors": [
            {
                "Type": "MetadataExtraction",
                "Parameters": [
                    {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{k: .k}"},
                    {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
                ],
            },
            {
                "Type": "RecordDeAggregation",
                "Parameters": [{"ParameterName": "SubRecordType", "ParameterValue": sub_records}],
            },
        ],
    }


#: A partitioned stream: each record's ``k`` names its partition, 64 MB or 60 seconds.
PARTITIONED = {
    **S3,
    "Prefix": "p/!{partitionKeyFromQuery:k}/",
    "ErrorOutputPrefix": ERRORS,
    "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60},
    "DynamicPartitioningConfiguration": {"Enabled": True},
    "ProcessingConfiguration": processors("JSON"),
}


def update(api: Any, version: str = "1", **destination: Any) -> Any:
    return api.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId=version,
        DestinationId=DESTINATION_ID,
        **destination,
    )


def written(objects: list[Any]) -> list[tuple[str, str]]:
    """(prefix, stream version) of each object, the time prefix Firehose appends to a
    prefix without expressions written ``<time>/``."""
    found = []
    for obj in objects:
        prefix, _, rest = obj.key.rpartition("events-")
        found.append((re.sub(r"\d{4}/\d\d/\d\d/\d\d/$", "<time>/", prefix), rest.split("-")[0]))
    return found


def test_an_update_refused_for_its_record_de_aggregation_changes_nothing(
    fake: FirehoseFake, api: Any
) -> None:
    api.create_delivery_stream(
        DeliveryStreamName="events", ExtendedS3DestinationConfiguration=PARTITIONED
    )
    stream = fake.firehose["events"]
    put(api, b'{"k": "a"}{"k": "b"}')
    before = describe(api)

    answer = refused(
        update,
        api=api,
        ExtendedS3DestinationUpdate={
            "Prefix": "q/!{partitionKeyFromQuery:k}/",
            "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 120},
            "ProcessingConfiguration": processors("XML"),
        },
    )

    assert answer["Error"]["Code"] == "InvalidArgumentException"
    assert "SubRecordType must be JSON or DELIMITED" in answer["Error"]["Message"]
    assert describe(api) == before
    fake.firehose.clock.advance(seconds=60)  # the interval the stream kept
    assert written(stream.objects) == [("p/a/", "1"), ("p/b/", "1")]


def test_an_update_refused_for_its_backup_changes_nothing(fake: FirehoseFake, api: Any) -> None:
    api.create_delivery_stream(
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={
            **S3,
            "S3BackupMode": "Enabled",
            "S3BackupConfiguration": BACKUP,
        },
    )
    stream = fake.firehose["events"]
    put(api, b"a")
    before = describe(api)
    # Only a body of its own (the server's door) carries a backup block this
    # processing: botocore writes no member its model lacks.
    body = {
        "DeliveryStreamName": "events",
        "CurrentDeliveryStreamVersionId": "1",
        "DestinationId": DESTINATION_ID,
        "ExtendedS3DestinationUpdate": {
            "Prefix": "new/",
            "S3BackupUpdate": {
                "Prefix": "raw2/",
                "ProcessingConfiguration": {
                    "Processors": [
                        {
                            "Type": "CloudWatchLogProcessing",
                            "Parameters": [
                                {"ParameterName": "DataMessageExtraction", "ParameterValue": "true"}
                            ],
                        }
                    ]
                },
            },
        },
    }
    headers = {
        "x-amz-target": "Firehose_20150804.UpdateDestination",
        "content-type": "application/x-amz-json-1.1",
    }
    request = HttpRequest(
        "POST", "https://firehose.us-east-1.amazonaws.com/", headers, json.dumps(body).encode()
    )

    with pytest.warns(UnmodelledSettingWarning, match="has not reviewed"):
        answer = fake.world.handle(request, "firehose")

    assert answer.status == 400
    assert json.loads(answer.body)["__type"] == "InvalidArgumentException"
    assert describe(api) == before
    stream.flush()
    assert written(stream.objects) == [("<time>/", "1")]
    assert written(stream.source_backup_objects) == [("raw/<time>/", "1")]


@pytest.fixture
def without_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """The requests library an HTTP endpoint destination delivers with, not installed."""
    monkeypatch.setitem(sys.modules, "requests", None)


@pytest.mark.usefixtures("without_requests")
def test_an_update_to_an_http_endpoint_it_cannot_deliver_to_changes_nothing(
    fake: FirehoseFake, api: Any
) -> None:
    api.create_delivery_stream(DeliveryStreamName="events", ExtendedS3DestinationConfiguration=S3)
    stream = fake.firehose["events"]
    put(api, b"a")
    before = describe(api)

    with pytest.raises(Exception, match="pip install requests"):
        update(
            api,
            HttpEndpointDestinationUpdate={
                "EndpointConfiguration": {"Url": "https://collector.example.com/"},
                "S3Update": S3,
            },
        )

    assert describe(api) == before
    stream.flush()
    assert stream.delivered == [b"a"]
    assert written(stream.objects) == [("<time>/", "1")]


@pytest.fixture
def strict() -> Iterator[None]:
    """Warnings are errors (as under ``-W error``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.usefixtures("strict")
def test_an_update_whose_warning_is_an_error_changes_nothing(fake: FirehoseFake, api: Any) -> None:
    api.create_delivery_stream(DeliveryStreamName="events", ExtendedS3DestinationConfiguration=S3)
    stream = fake.firehose["events"]
    put(api, b"a")
    before = describe(api)

    with pytest.raises(UnmodelledSettingWarning):
        update(
            api,
            ExtendedS3DestinationUpdate={
                "Prefix": "new/",
                "ProcessingConfiguration": TAB_DELIMITED,
            },
        )

    assert describe(api) == before
    stream.flush()
    assert written(stream.objects) == [("<time>/", "1")]


@pytest.mark.usefixtures("strict")
def test_a_creation_whose_warning_is_an_error_leaves_no_stream(api: Any) -> None:
    with pytest.raises(UnmodelledSettingWarning):
        api.create_delivery_stream(
            DeliveryStreamName="events",
            ExtendedS3DestinationConfiguration={**S3, "ProcessingConfiguration": TAB_DELIMITED},
        )

    assert api.list_delivery_streams()["DeliveryStreamNames"] == []


# ---------------------------------------------------------------------- any update


def delimited(delimiter: str) -> dict[str, Any]:
    """``processors("DELIMITED")`` with the ``Delimiter`` parameter (base64)."""
    config = processors("DELIMITED")
    config["Processors"][1]["Parameters"].append(
        {"ParameterName": "Delimiter", "ParameterValue": delimiter}
    )
    return config


#: Members of an update to the partitioned stream, each value taken or refused (some only
#: once the update is built: the de-aggregation's).
_MEMBERS = {
    "Prefix": st.sampled_from(
        ["p/!{partitionKeyFromQuery:k}/", "q/!{partitionKeyFromQuery:k}/", "plain/"]
    ),
    "ErrorOutputPrefix": st.sampled_from([ERRORS, "e/!{timestamp:yyyy}/"]),
    "BufferingHints": st.fixed_dictionaries(
        {
            "SizeInMBs": st.sampled_from([5, 64, 96]),
            "IntervalInSeconds": st.sampled_from([60, 90, 120]),  # 60 at least: botocore 1.34
        }
    ),
    "ProcessingConfiguration": st.sampled_from(
        [processors("JSON"), processors("XML"), delimited("IyMjIw=="), processors("DELIMITED")]
    ),
    "CompressionFormat": st.sampled_from(["UNCOMPRESSED", "GZIP"]),
    "S3BackupMode": st.sampled_from(["Enabled", "Disabled"]),
    "S3BackupUpdate": st.fixed_dictionaries({"Prefix": st.sampled_from(["raw/", "raw2/"])}),
    "DynamicPartitioningConfiguration": st.just({"Enabled": False}),
}
_UPDATES = st.fixed_dictionaries({}, optional=_MEMBERS).map(lambda u: ("update", u))
_STEPS = st.lists(
    st.one_of(
        _UPDATES,
        st.sampled_from([b'{"k": "a"}', b'{"k": "b"}{"k": "c"}', b"not json"]).map(
            lambda p: ("put", p)
        ),
        st.sampled_from([1, 30, 61]).map(lambda s: ("advance", s)),
    ),
    max_size=8,
)


def _state(api: Any, fake: FirehoseFake) -> tuple[Any, ...]:
    """What a refused update must not change: the description, and where and how the
    stream's pending records (and its backup's) are delivered, and when next."""
    delivery = fake.world.firehose().streams["events"].delivery
    backup = delivery.source_backup
    return (
        describe(api),
        delivery.pending(),
        delivery.next_due(),
        (delivery.target, delivery.destination, delivery.size, delivery.interval),
        None if backup is None else (backup.target, backup.destination, backup.pending()),
    )


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=_STEPS)
def test_no_refused_update_changes_anything(steps: list[tuple[str, Any]]) -> None:
    with FirehoseFake(region="us-east-1", seed=1) as fake, warnings.catch_warnings():
        warnings.simplefilter("ignore", UnmodelledSettingWarning)
        api = boto3.client("firehose", region_name="us-east-1")
        api.create_delivery_stream(
            DeliveryStreamName="events",
            ExtendedS3DestinationConfiguration={
                **PARTITIONED,
                "S3BackupMode": "Enabled",
                "S3BackupConfiguration": BACKUP,
            },
        )
        for kind, value in steps:
            if kind == "put":
                put(api, value)
            elif kind == "advance":
                fake.firehose.clock.advance(seconds=value)
            else:
                before = _state(api, fake)
                version = before[0]["VersionId"]
                try:
                    update(api, version, ExtendedS3DestinationUpdate=value)
                except ClientError:
                    assert _state(api, fake) == before
                else:
                    assert describe(api)["VersionId"] == str(int(version) + 1)
