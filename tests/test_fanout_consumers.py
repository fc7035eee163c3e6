"""Enhanced fan-out consumers through boto3: registering, describing, listing, deregistering,
their statuses on the fake clock, limits, paging and errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import freezegun
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import needs_botocore
from fanout_support import consumer_not_found

from pytest_firehose import FirehoseFake

REGION = "us-east-1"


@pytest.fixture
def fake() -> Iterator[FirehoseFake]:
    with FirehoseFake(region=REGION, creation_delay=10) as fake:
        yield fake


@pytest.fixture
def kinesis(fake: FirehoseFake) -> Any:
    # One attempt per call: botocore retries Kinesis's LimitExceededException with a random
    # backoff that passes fake time, and enough of it lets CREATING consumers turn ACTIVE,
    # so a retried refusal would succeed some runs and not others (as it would on AWS).
    return boto3.client(
        "kinesis", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )


def stream_arn(fake: FirehoseFake, name: str = "s") -> str:
    fake.kinesis.create_stream(name)
    fake.kinesis.clock.advance(seconds=10)  # past CREATING
    return fake.kinesis[name].arn


def error_of(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def test_a_consumer_is_creating_then_active_after_the_delay(fake, kinesis):
    arn = stream_arn(fake)
    registered = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")["Consumer"]
    seconds = int(fake.kinesis.clock.now().timestamp())
    assert registered["ConsumerARN"] == f"{arn}/consumer/app:{seconds}"
    assert registered["ConsumerStatus"] == "CREATING"
    assert registered["ConsumerCreationTimestamp"].timestamp() == pytest.approx(
        fake.kinesis.clock.now().timestamp(), abs=0.001
    )
    described = kinesis.describe_stream_consumer(ConsumerARN=registered["ConsumerARN"])
    assert described["ConsumerDescription"]["ConsumerStatus"] == "CREATING"
    assert described["ConsumerDescription"]["StreamARN"] == arn
    fake.kinesis.clock.advance(seconds=9.999)
    assert fake.kinesis["s"].consumers[0].status == "CREATING"
    fake.kinesis.clock.advance(seconds=0.001)
    by_name = kinesis.describe_stream_consumer(StreamARN=arn, ConsumerName="app")
    assert by_name["ConsumerDescription"]["ConsumerStatus"] == "ACTIVE"
    (state,) = fake.kinesis["s"].consumers
    assert (state.name, state.arn, state.status) == ("app", registered["ConsumerARN"], "ACTIVE")


def test_a_deregistered_consumer_is_deleting_then_gone(fake, kinesis):
    arn = stream_arn(fake)
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")["Consumer"]
    fake.kinesis.clock.advance(seconds=10)
    kinesis.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
    listed = kinesis.list_stream_consumers(StreamARN=arn)["Consumers"]
    assert [c["ConsumerStatus"] for c in listed] == ["DELETING"]
    summary = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]
    assert summary["ConsumerCount"] == 1
    fake.kinesis.clock.advance(seconds=10)
    assert kinesis.list_stream_consumers(StreamARN=arn)["Consumers"] == []
    assert fake.kinesis["s"].consumers == []
    code, message = error_of(kinesis.describe_stream_consumer, ConsumerARN=consumer["ConsumerARN"])
    assert code == "ResourceNotFoundException"
    assert message == consumer_not_found(consumer["ConsumerARN"])


def test_a_consumer_gone_before_time_was_frozen_earlier_stays_gone(fake, kinesis):
    """The clock passed the end of a deregistration, then freezegun froze time before
    it: the consumer stays gone. It was listed again as DELETING."""
    arn = stream_arn(fake)
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")["Consumer"]
    fake.kinesis.clock.advance(seconds=10)
    kinesis.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
    fake.kinesis.clock.advance(seconds=10)

    with freezegun.freeze_time(fake.kinesis.clock.now() - timedelta(seconds=15)):
        listed = kinesis.list_stream_consumers(StreamARN=arn)["Consumers"]

    assert listed == []


def test_without_a_creation_delay_the_next_request_sees_it_active():
    with FirehoseFake(region=REGION) as fake:
        fake.kinesis.create_stream("s")
        kinesis = boto3.client("kinesis", region_name=REGION)
        arn = fake.kinesis["s"].arn
        registered = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")
        assert registered["Consumer"]["ConsumerStatus"] == "CREATING"
        described = kinesis.describe_stream_consumer(StreamARN=arn, ConsumerName="app")
        assert described["ConsumerDescription"]["ConsumerStatus"] == "ACTIVE"


@pytest.mark.parametrize("meanwhile", ["deregistered again", "its stream deleted"])
def test_a_deleting_consumer_goes_when_its_own_delay_ends(fake, kinesis, meanwhile):
    # The consumer is DELETING for the delay from its deregistration (docs/kinesis.md). A
    # second DeregisterStreamConsumer meanwhile is accepted and changes nothing; deleting
    # its stream, DELETING for 10 seconds more, does not keep the consumer longer.
    arn = stream_arn(fake)
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")["Consumer"]
    fake.kinesis.clock.advance(seconds=10)
    kinesis.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
    fake.kinesis.clock.advance(seconds=6)

    if meanwhile == "deregistered again":
        kinesis.deregister_stream_consumer(StreamARN=arn, ConsumerName="app")
    else:
        kinesis.delete_stream(StreamName="s", EnforceConsumerDeletion=True)
    fake.kinesis.clock.advance(seconds=4)

    assert kinesis.list_stream_consumers(StreamARN=arn)["Consumers"] == []
    code, message = error_of(kinesis.describe_stream_consumer, ConsumerARN=consumer["ConsumerARN"])
    assert (code, message) == (
        "ResourceNotFoundException",
        consumer_not_found(consumer["ConsumerARN"]),
    )


def test_a_stream_and_a_name_find_that_consumer_among_others(fake, kinesis):
    arn = stream_arn(fake)
    registered = [
        kinesis.register_stream_consumer(StreamARN=arn, ConsumerName=name)["Consumer"]
        for name in ("first", "second", "third")
    ]
    fake.kinesis.clock.advance(seconds=10)

    described = kinesis.describe_stream_consumer(StreamARN=arn, ConsumerName="second")
    kinesis.deregister_stream_consumer(StreamARN=arn, ConsumerName="third")

    assert described["ConsumerDescription"]["ConsumerARN"] == registered[1]["ConsumerARN"]
    listed = kinesis.list_stream_consumers(StreamARN=arn)["Consumers"]
    assert [(c["ConsumerName"], c["ConsumerStatus"]) for c in listed] == [
        ("first", "ACTIVE"),
        ("second", "ACTIVE"),
        ("third", "DELETING"),
    ]


def test_a_name_is_registered_once_per_stream(fake, kinesis):
    arn = stream_arn(fake)
    kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")
    code, message = error_of(kinesis.register_stream_consumer, StreamARN=arn, ConsumerName="app")
    assert code == "ResourceInUseException"
    assert "app" in message
    assert "already exists" in message


def test_twenty_consumers_and_five_creating_at_once_are_the_limits(fake, kinesis):
    arn = stream_arn(fake)
    for batch in range(4):
        for number in range(5):
            kinesis.register_stream_consumer(StreamARN=arn, ConsumerName=f"c{batch}{number}")
        if batch == 0:
            code, message = error_of(
                kinesis.register_stream_consumer, StreamARN=arn, ConsumerName="sixth"
            )
            assert code == "LimitExceededException"
            assert "CREATING" in message
        fake.kinesis.clock.advance(seconds=10)
    code, message = error_of(kinesis.register_stream_consumer, StreamARN=arn, ConsumerName="x")
    assert code == "LimitExceededException"
    assert "20" in message
    assert (
        kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]["ConsumerCount"]
        == 20
    )


def test_listing_pages_with_max_results_and_the_token_expires(fake, kinesis):
    arn = stream_arn(fake)
    for number in range(5):
        kinesis.register_stream_consumer(StreamARN=arn, ConsumerName=f"c{number}")
        fake.kinesis.clock.advance(seconds=1)
    first = kinesis.list_stream_consumers(StreamARN=arn, MaxResults=2)
    second = kinesis.list_stream_consumers(
        StreamARN=arn, MaxResults=2, NextToken=first["NextToken"]
    )
    third = kinesis.list_stream_consumers(
        StreamARN=arn, MaxResults=2, NextToken=second["NextToken"]
    )
    names = [c["ConsumerName"] for page in (first, second, third) for c in page["Consumers"]]
    assert names == ["c0", "c1", "c2", "c3", "c4"]
    assert "NextToken" not in third
    assert set(third["Consumers"][0]) == {
        "ConsumerName",
        "ConsumerARN",
        "ConsumerStatus",
        "ConsumerCreationTimestamp",
    }
    fake.kinesis.clock.advance(seconds=301)
    code, _ = error_of(
        kinesis.list_stream_consumers, StreamARN=arn, MaxResults=2, NextToken=first["NextToken"]
    )
    assert code == "ExpiredNextTokenException"
    code, _ = error_of(kinesis.list_stream_consumers, StreamARN=arn, NextToken="bogus")
    assert code == "InvalidArgumentException"


def test_a_page_that_holds_the_last_consumers_has_no_next_token(fake, kinesis):
    # DOC (ListStreamConsumers' NextToken): a token comes when MaxResults is less than the
    # number of consumers.
    arn = stream_arn(fake)
    for name in ("a", "b", "c", "d"):
        kinesis.register_stream_consumer(StreamARN=arn, ConsumerName=name)
        fake.kinesis.clock.advance(seconds=10)

    everything = kinesis.list_stream_consumers(StreamARN=arn, MaxResults=4)
    first = kinesis.list_stream_consumers(StreamARN=arn, MaxResults=2)
    last = kinesis.list_stream_consumers(StreamARN=arn, NextToken=first["NextToken"], MaxResults=2)

    assert len(everything["Consumers"]) == 4
    assert "NextToken" not in everything
    assert [c["ConsumerName"] for c in last["Consumers"]] == ["c", "d"]
    assert "NextToken" not in last


def test_a_listing_token_of_another_stream_is_refused(fake, kinesis):
    # A NextToken carries its listing: another stream's is invalid, as a token of another
    # listing is for ListStreams (the fake's "Invalid NextToken." of ListShards).
    first, second = stream_arn(fake, "a"), stream_arn(fake, "b")
    for number in range(3):
        kinesis.register_stream_consumer(StreamARN=first, ConsumerName=f"a{number}")
        kinesis.register_stream_consumer(StreamARN=second, ConsumerName=f"b{number}")
    token = kinesis.list_stream_consumers(StreamARN=first, MaxResults=1)["NextToken"]

    refusal = error_of(kinesis.list_stream_consumers, StreamARN=second, NextToken=token)

    assert refusal == ("InvalidArgumentException", "Invalid NextToken.")
    rest = kinesis.list_stream_consumers(StreamARN=first, NextToken=token)["Consumers"]
    assert [c["ConsumerName"] for c in rest] == ["a1", "a2"]


def test_the_stream_creation_timestamp_must_name_this_stream(fake, kinesis):
    arn = stream_arn(fake)
    kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")
    created = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"][
        "StreamCreationTimestamp"
    ]
    listed = kinesis.list_stream_consumers(StreamARN=arn, StreamCreationTimestamp=created)
    assert [c["ConsumerName"] for c in listed["Consumers"]] == ["app"]
    code, _ = error_of(
        kinesis.list_stream_consumers,
        StreamARN=arn,
        StreamCreationTimestamp=created - timedelta(days=1),
    )
    assert code == "ResourceNotFoundException"


def test_a_next_token_with_a_stream_creation_timestamp_is_refused(fake, kinesis):
    # DOC (ListStreamConsumers' StreamCreationTimestamp): "You can't specify this parameter
    # if you specify the NextToken parameter." Refused in ListShards' captured words.
    arn = stream_arn(fake)
    for name in ("a", "b"):
        kinesis.register_stream_consumer(StreamARN=arn, ConsumerName=name)
    created = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"][
        "StreamCreationTimestamp"
    ]
    first = kinesis.list_stream_consumers(StreamARN=arn, MaxResults=1)

    refusal = error_of(
        kinesis.list_stream_consumers,
        StreamARN=arn,
        NextToken=first["NextToken"],
        StreamCreationTimestamp=created,
    )

    message = "NextToken and StreamCreationTimestamp cannot be provided together."
    assert refusal == ("InvalidArgumentException", message)


def test_unknown_streams_and_consumers_are_not_found(fake, kinesis):
    arn = stream_arn(fake)
    missing = arn.replace("stream/s", "stream/nope")
    for call, params in [
        (kinesis.register_stream_consumer, {"StreamARN": missing, "ConsumerName": "a"}),
        (kinesis.list_stream_consumers, {"StreamARN": missing}),
        (kinesis.describe_stream_consumer, {"StreamARN": arn, "ConsumerName": "a"}),
        (kinesis.deregister_stream_consumer, {"ConsumerARN": f"{arn}/consumer/a:1"}),
    ]:
        code, message = error_of(call, **params)
        assert code == "ResourceNotFoundException"
        assert re.search(r"not found\.$", message)
    # A stream's ARN that names no stream: the stream's not-found text, naming it.
    no_stream = ("ResourceNotFoundException", "Stream nope under account 123456789012 not found.")
    assert error_of(kinesis.list_stream_consumers, StreamARN=missing) == no_stream
    assert (
        error_of(kinesis.register_stream_consumer, StreamARN=missing, ConsumerName="a") == no_stream
    )


def test_a_consumer_arn_of_a_stream_that_does_not_exist_is_not_found(fake, kinesis):
    # While another stream has a consumer: the ARN's name and second under its stream
    # (REAL: awslabs/amazon-kinesis-connector-flink#44).
    arn = stream_arn(fake)
    kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")
    missing = arn.replace("stream/s", "stream/nope") + "/consumer/app:1700000000"

    for call in (kinesis.describe_stream_consumer, kinesis.deregister_stream_consumer):
        assert error_of(call, ConsumerARN=missing) == (
            "ResourceNotFoundException",
            consumer_not_found(missing),
        )


@pytest.mark.parametrize("other", ["StreamARN", "ConsumerName"])
def test_a_consumer_arn_with_a_stream_or_name_that_is_not_its_own_is_not_found(
    fake, kinesis, other
):
    # All three may be given together (the AWS SDK for C++'s integration test deregisters
    # so); a StreamARN or ConsumerName that names another consumer than the ARN is not
    # ignored: AWS's answer is not on record, the consumer is not found.
    arn = stream_arn(fake)
    second = stream_arn(fake, "t")
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")["Consumer"]
    kinesis.register_stream_consumer(StreamARN=second, ConsumerName="other")
    fake.kinesis.clock.advance(seconds=10)
    params = {"ConsumerARN": consumer["ConsumerARN"], "StreamARN": arn, "ConsumerName": "app"}
    described = kinesis.describe_stream_consumer(**params)["ConsumerDescription"]
    params[other] = {"StreamARN": second, "ConsumerName": "other"}[other]

    assert described["ConsumerARN"] == consumer["ConsumerARN"]
    for call in (kinesis.describe_stream_consumer, kinesis.deregister_stream_consumer):
        assert error_of(call, **params) == (
            "ResourceNotFoundException",
            f"Consumer {consumer['ConsumerARN']} under account 123456789012 not found.",
        )
    assert [c.status for c in fake.kinesis["s"].consumers] == ["ACTIVE"]


def test_a_consumer_needs_its_arn_or_its_stream_and_name(fake, kinesis):
    arn = stream_arn(fake)
    code, message = error_of(kinesis.describe_stream_consumer, StreamARN=arn)
    assert code == "InvalidArgumentException"
    assert "ConsumerARN" in message


def test_consumers_of_a_deleted_stream_go_with_it(fake, kinesis):
    arn = stream_arn(fake)
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")["Consumer"]
    fake.kinesis.clock.advance(seconds=10)
    code, message = error_of(kinesis.delete_stream, StreamName="s")
    assert code == "ResourceInUseException"
    assert message == (
        f"DeleteStream can't delete {arn} because there are consumers associated with this "
        "data stream. To delete s anyway, set the EnforceConsumerDeletion parameter to true "
        "to force the deletion of all the consumers that are associated with it."
    )
    kinesis.delete_stream(StreamName="s", EnforceConsumerDeletion=True)
    (deleting,) = kinesis.list_stream_consumers(StreamARN=arn)["Consumers"]
    assert deleting["ConsumerStatus"] == "DELETING"  # with the stream, for the delay
    fake.kinesis.clock.advance(seconds=10)
    fake.kinesis.create_stream("s")
    fake.kinesis.clock.advance(seconds=10)
    assert kinesis.list_stream_consumers(StreamARN=arn)["Consumers"] == []
    code, _ = error_of(kinesis.describe_stream_consumer, ConsumerARN=consumer["ConsumerARN"])
    assert code == "ResourceNotFoundException"


@needs_botocore("kinesis TagResource")
def test_a_consumer_is_tagged_by_its_arn(fake, kinesis):
    arn = stream_arn(fake)
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")["Consumer"]
    consumer_arn = consumer["ConsumerARN"]

    kinesis.tag_resource(ResourceARN=consumer_arn, Tags={"team": "data", "tier": "gold"})
    kinesis.untag_resource(ResourceARN=consumer_arn, TagKeys=["tier"])

    listed = kinesis.list_tags_for_resource(ResourceARN=consumer_arn)["Tags"]
    assert listed == [{"Key": "team", "Value": "data"}]
    assert fake.kinesis["s"].consumers[0].tags == {"team": "data"}
    # The stream's own tags are another set.
    assert kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"] == []
    code, _ = error_of(kinesis.tag_resource, ResourceARN=consumer_arn, Tags={"a": "<"})
    assert code == "InvalidArgumentException"
    many = {f"k{i}": "v" for i in range(50)}
    code, _ = error_of(kinesis.tag_resource, ResourceARN=consumer_arn, Tags=many)
    assert code == "InvalidArgumentException"


ILLEGAL_TAIL = (
    "under account 123456789012 because some tags contained illegal characters. The "
    "allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'."
)


@needs_botocore("kinesis TagResource")
def test_a_consumer_s_tag_limit_refusal_names_the_consumer_and_its_50_tags(fake, kinesis):
    arn = stream_arn(fake)
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")["Consumer"]
    consumer_arn = consumer["ConsumerARN"]
    kinesis.tag_resource(ResourceARN=consumer_arn, Tags={f"k{n}": "v" for n in range(50)})

    refused = error_of(kinesis.tag_resource, ResourceARN=consumer_arn, Tags={"one": "more"})

    assert refused == (
        "InvalidArgumentException",
        "Failed to add tags to consumer app under account 123456789012 because a given "
        "consumer cannot have more than 50 tags associated with it.",
    )
    assert len(kinesis.list_tags_for_resource(ResourceARN=consumer_arn)["Tags"]) == 50


@needs_botocore("kinesis TagResource")
def test_a_consumer_s_illegal_character_refusals_name_the_consumer(fake, kinesis):
    arn = stream_arn(fake)
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")["Consumer"]
    consumer_arn = consumer["ConsumerARN"]

    adding = error_of(kinesis.tag_resource, ResourceARN=consumer_arn, Tags={"rate": "5%"})
    removing = error_of(kinesis.untag_resource, ResourceARN=consumer_arn, TagKeys=["100%"])
    invalid = error_of(kinesis.tag_resource, ResourceARN=consumer_arn, Tags={"a": "<"})

    assert adding == (
        "InvalidArgumentException",
        f"Failed to add tags to consumer app {ILLEGAL_TAIL}",
    )
    assert removing == (
        "InvalidArgumentException",
        f"Failed to remove tags from consumer app {ILLEGAL_TAIL}",
    )
    assert invalid == (
        "InvalidArgumentException",
        "Some tags contain invalid characters. Valid characters: Unicode letters, digits, "
        "white space, _ . / = + - % @.",
    )
    assert kinesis.list_tags_for_resource(ResourceARN=consumer_arn)["Tags"] == []


@needs_botocore("kinesis RegisterStreamConsumer.Tags")
def test_registering_a_consumer_with_refused_tags_names_the_consumer(fake, kinesis):
    arn = stream_arn(fake)

    illegal = error_of(
        kinesis.register_stream_consumer, StreamARN=arn, ConsumerName="app", Tags={"r": "5%"}
    )
    too_many = error_of(
        kinesis.register_stream_consumer,
        StreamARN=arn,
        ConsumerName="app",
        Tags={f"k{n}": "v" for n in range(51)},
    )

    assert illegal == (
        "InvalidArgumentException",
        f"Failed to add tags to consumer app {ILLEGAL_TAIL}",
    )
    assert too_many == (
        "InvalidArgumentException",
        "Failed to add tags to consumer app under account 123456789012 because a given "
        "consumer cannot have more than 50 tags associated with it.",
    )
    assert kinesis.list_stream_consumers(StreamARN=arn)["Consumers"] == []


@needs_botocore("kinesis TagResource")
def test_a_stream_s_tag_refusals_still_name_the_stream(fake, kinesis):
    arn = stream_arn(fake)
    kinesis.tag_resource(ResourceARN=arn, Tags={f"k{n}": "v" for n in range(50)})

    too_many = error_of(kinesis.tag_resource, ResourceARN=arn, Tags={"one": "more"})
    illegal = error_of(kinesis.untag_resource, ResourceARN=arn, TagKeys=["100%"])

    assert too_many == (
        "InvalidArgumentException",
        "Failed to add tags to stream s under account 123456789012 because a given stream "
        "cannot have more than 10 tags associated with it.",
    )
    assert illegal == (
        "InvalidArgumentException",
        f"Failed to remove tags from stream s {ILLEGAL_TAIL}",
    )


@needs_botocore("kinesis TagResource")
def test_tagging_a_consumer_that_is_not_registered_is_not_found(fake, kinesis):
    arn = stream_arn(fake)
    registered = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")
    consumer_arn = registered["Consumer"]["ConsumerARN"]
    kinesis.deregister_stream_consumer(ConsumerARN=consumer_arn)
    fake.kinesis.clock.advance(seconds=10)  # past DELETING

    for call, params in [
        (kinesis.tag_resource, {"Tags": {"a": "b"}}),
        (kinesis.untag_resource, {"TagKeys": ["a"]}),
        (kinesis.list_tags_for_resource, {}),
    ]:
        code, message = error_of(call, ResourceARN=consumer_arn, **params)
        assert code == "ResourceNotFoundException"
        assert message == consumer_not_found(consumer_arn)
    assert kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"] == []


@needs_botocore("kinesis TagResource")
@pytest.mark.parametrize(
    "form", ["{stream}/consumer/app", "{stream}/consumer/app:1/more", "{nameless}/consumer/app:1"]
)
def test_tags_of_a_consumer_arn_that_cannot_be_read_are_not_found(fake, kinesis, form):
    # The model's pattern for a tag's ResourceARN takes these; they name no consumer, and the
    # answer names the ARN as given (no name and second can be read from it).
    arn = stream_arn(fake)
    kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")
    resource = form.format(stream=arn, nameless=arn.removesuffix("s"))

    for call, params in [
        (kinesis.tag_resource, {"Tags": {"a": "b"}}),
        (kinesis.list_tags_for_resource, {}),
    ]:
        refusal = error_of(call, ResourceARN=resource, **params)

        assert refusal == (
            "ResourceNotFoundException",
            f"Consumer {resource} under account 123456789012 not found.",
        )
    assert fake.kinesis["s"].consumers[0].tags == {}
