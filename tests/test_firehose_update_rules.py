"""UpdateDestination across destination types: OpenSearch destinations stay OpenSearch
destinations, and a change of type must give everything the new type requires (nothing of
the old configuration carries over), as the API reference says."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ROLE, S3, describe, refused

from pytest_firehose._services.firehose.describe import REQUIRED
from pytest_firehose._wire.shapes import service_model

OPENSEARCH = {
    "RoleARN": ROLE,
    "DomainARN": "arn:aws:es:us-east-1:123456789012:domain/logs",
    "IndexName": "logs",
    "S3Configuration": S3,
}
SPLUNK_UPDATE = {
    "HECEndpoint": "https://splunk.example.com:8088",
    "HECEndpointType": "Raw",
    "HECToken": "token",
    "S3Update": S3,
}
OPENSEARCH_UPDATE = {
    **{k: v for k, v in OPENSEARCH.items() if k != "S3Configuration"},
    "S3Update": S3,
}


def kind(fake: Any) -> str:
    """The destination type the stream has (DescribeDeliveryStream describes only the
    types the fake delivers to)."""
    return str(fake.world.firehose().streams["events"].config_kind)


#: Members older API models required and newer ones do not, since secrets can come from
#: Secrets Manager instead (botocore 1.34 still requires them; 1.40 does not).
NO_LONGER_REQUIRED = {"Username", "Password", "HECToken"}


def test_the_required_members_are_the_api_models() -> None:
    shape = service_model("firehose").operation_model("CreateDeliveryStream").input_shape
    in_model = {
        name: tuple(m for m in member.required_members if m not in NO_LONGER_REQUIRED)
        for name, member in shape.members.items()
        if name.endswith("DestinationConfiguration")
    }
    assert {name: REQUIRED[name] for name in in_model} == in_model


def update(api: Any, **destination: Any) -> Any:
    return api.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId=describe(api)["VersionId"],
        DestinationId="destinationId-000000000001",
        **destination,
    )


def test_an_opensearch_stream_cannot_switch_to_another_type(api: Any, fake: Any) -> None:
    api.create_delivery_stream(
        DeliveryStreamName="events", AmazonopensearchserviceDestinationConfiguration=OPENSEARCH
    )

    answer = refused(update, api=api, ExtendedS3DestinationUpdate=S3)

    assert answer["Error"]["Code"] == "InvalidArgumentException"
    assert "Switching between Amazon OpenSearch Service" in answer["Error"]["Message"]
    assert kind(fake) == "AmazonopensearchserviceDestinationConfiguration"


def test_no_other_stream_can_switch_to_opensearch(api: Any) -> None:
    api.create_delivery_stream(DeliveryStreamName="events", ExtendedS3DestinationConfiguration=S3)

    answer = refused(update, api=api, AmazonopensearchserviceDestinationUpdate=OPENSEARCH_UPDATE)

    assert answer["Error"]["Code"] == "InvalidArgumentException"
    assert "ExtendedS3Destination cannot be updated to" in answer["Error"]["Message"]


def test_an_opensearch_stream_takes_an_update_to_another_opensearch_destination(
    api: Any, fake: Any
) -> None:
    api.create_delivery_stream(
        DeliveryStreamName="events", ElasticsearchDestinationConfiguration=OPENSEARCH
    )

    update(api, AmazonopensearchserviceDestinationUpdate=OPENSEARCH_UPDATE)

    assert kind(fake) == "AmazonopensearchserviceDestinationConfiguration"


def test_a_switch_to_another_type_must_give_all_it_requires(api: Any, fake: Any) -> None:
    api.create_delivery_stream(DeliveryStreamName="events", ExtendedS3DestinationConfiguration=S3)
    partial = {k: v for k, v in SPLUNK_UPDATE.items() if k != "HECEndpointType"}

    answer = refused(update, api=api, SplunkDestinationUpdate=partial)

    assert answer["Error"] == {
        "Code": "InvalidArgumentException",
        "Message": "HECEndpointType must be specified when changing the destination to "
        "SplunkDestination.",
    }
    assert kind(fake) == "ExtendedS3DestinationConfiguration"
    update(api, SplunkDestinationUpdate=SPLUNK_UPDATE)
    assert kind(fake) == "SplunkDestinationConfiguration"


def test_a_switch_must_give_the_new_types_bucket_whole(api: Any, fake: Any) -> None:
    api.create_delivery_stream(DeliveryStreamName="events", ExtendedS3DestinationConfiguration=S3)
    without_role = {**SPLUNK_UPDATE, "S3Update": {"BucketARN": S3["BucketARN"]}}

    answer = refused(update, api=api, SplunkDestinationUpdate=without_role)

    assert answer["Error"] == {
        "Code": "InvalidArgumentException",
        "Message": "RoleARN must be specified in S3Update: the destination has no "
        "S3Configuration for it to update.",
    }
    assert kind(fake) == "ExtendedS3DestinationConfiguration"
    assert "ExtendedS3DestinationDescription" in describe(api)["Destinations"][0]


def test_a_backup_bucket_an_update_adds_must_be_given_whole(api: Any) -> None:
    api.create_delivery_stream(DeliveryStreamName="events", ExtendedS3DestinationConfiguration=S3)

    answer = refused(
        update, api=api, ExtendedS3DestinationUpdate={"S3BackupUpdate": {"RoleARN": ROLE}}
    )

    assert answer["Error"] == {
        "Code": "InvalidArgumentException",
        "Message": "BucketARN must be specified in S3BackupUpdate: the destination has no "
        "S3BackupConfiguration for it to update.",
    }
    assert describe(api)["VersionId"] == "1"
    backup = {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::backup"}
    update(api, ExtendedS3DestinationUpdate={"S3BackupUpdate": backup})
    update(api, ExtendedS3DestinationUpdate={"S3BackupUpdate": {"Prefix": "b/"}})
    described = describe(api)["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert described["S3BackupDescription"]["BucketARN"] == "arn:aws:s3:::backup"
    assert described["S3BackupDescription"]["Prefix"] == "b/"


def origin(update_member: str) -> str:
    """A destination a stream may switch from with ``update_member`` (OpenSearch
    destinations only switch among themselves)."""
    if update_member == "ElasticsearchDestinationUpdate":
        return "AmazonopensearchserviceDestinationConfiguration"
    if "opensearch" in update_member.lower():
        return "ElasticsearchDestinationConfiguration"
    return "ExtendedS3DestinationConfiguration"


#: The update members of the model that switch a stream to another destination type.
SWITCHES = [
    name
    for name in service_model("firehose").operation_model("UpdateDestination").input_shape.members
    if name.endswith("DestinationUpdate") and "S3" not in name
]


@pytest.mark.parametrize("update_member", SWITCHES)
def test_a_refused_switch_names_the_members_of_the_update_itself(
    api: Any, update_member: str
) -> None:
    start = origin(update_member)
    config = S3 if start.startswith("ExtendedS3") else OPENSEARCH
    api.create_delivery_stream(DeliveryStreamName="events", **{start: config})

    message = refused(update, api=api, **{update_member: {}})["Error"]["Message"]

    named, _, rest = message.partition(" must be specified when changing the destination to ")
    assert rest, message
    shape = service_model("firehose").operation_model("UpdateDestination").input_shape
    members = shape.members[update_member].members
    assert [name for name in named.split(", ") if name not in members] == [], message
