"""``POST /_fake/destination``: a test driving the server from another language takes a
delivery stream's destination down (naming the error it fails with) and up again, and makes
it refuse the records that contain given bytes, as the handle's destination switches do;
``GET /_fake/streams/{name}`` shows the switches, a Redshift destination's load errors and
what an OpenSearch index or a Splunk HEC endpoint received."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from conftest import ROLE, S3, ask_control, needs_botocore
from test_other_destinations import DOMAIN, SEARCH, SPLUNK

from pytest_firehose import UsageError
from pytest_firehose._doors.server import FirehoseServer

ELASTICSEARCH = {**SEARCH, "DomainARN": DOMAIN, "RetryOptions": {"DurationInSeconds": 0}}


@pytest.fixture(scope="module")
def running() -> Iterator[FirehoseServer]:
    with FirehoseServer() as server:
        yield server


@pytest.fixture
def served(running: FirehoseServer) -> Iterator[FirehoseServer]:
    yield running
    ask_control(running, "POST", "/_fake/reset")


def create(server: FirehoseServer, name: str = "events", **config: Any) -> None:
    body = {"service": "firehose", "name": name, **config}
    assert ask_control(server, "POST", "/_fake/streams", body)[0] == 201


def put(server: FirehoseServer, *payloads: bytes) -> None:
    client = boto3.client(
        "firehose",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.put_record_batch(DeliveryStreamName="events", Records=[{"Data": p} for p in payloads])


def b64(*payloads: bytes) -> list[str]:
    return [base64.b64encode(payload).decode() for payload in payloads]


def test_a_destination_taken_down_over_http_holds_records_until_it_is_up(
    served: FirehoseServer,
) -> None:
    create(served)

    assert ask_control(served, "POST", "/_fake/destination", {"stream": "events", "up": False}) == (
        200,
        {"stream": "events", "up": False, "error": None, "refusing": None},
    )
    put(served, b"a\n")
    ask_control(served, "POST", "/_fake/flush")
    shown = ask_control(served, "GET", "/_fake/streams/events")[1]
    assert (shown["delivered"], shown["pending"]) == ([], b64(b"a\n"))
    assert shown["destination"] == {"up": False, "error": None, "refusing": None}

    ask_control(served, "POST", "/_fake/destination", {"stream": "events", "up": True})
    ask_control(served, "POST", "/_fake/flush")
    assert ask_control(served, "GET", "/_fake/streams/events")[1]["delivered"] == b64(b"a\n")


def test_a_down_destination_names_the_error_given_over_http(served: FirehoseServer) -> None:
    create(served, SplunkDestinationConfiguration=SPLUNK)

    status, answer = ask_control(
        served,
        "POST",
        "/_fake/destination",
        {"stream": "events", "up": False, "error": "Splunk.InvalidToken"},
    )

    assert (status, answer["error"]) == (200, "Splunk.InvalidToken")
    assert served.firehose["events"].destination_switches["error"] == "Splunk.InvalidToken"


def test_records_containing_given_bytes_are_refused_until_refusals_end(
    served: FirehoseServer,
) -> None:
    create(served, ElasticsearchDestinationConfiguration=ELASTICSEARCH)

    status, answer = ask_control(
        served,
        "POST",
        "/_fake/destination",
        {"stream": "events", "refuse": {"containing": b64(b"bad")[0], "error": "409"}},
    )
    assert (status, answer["refusing"]) == (200, "409")
    put(served, b'{"good": 1}\n', b'{"bad": 2}\n')
    ask_control(served, "POST", "/_fake/flush")
    stream = served.firehose["events"]
    assert (stream.delivered, stream.backed_up) == ([b'{"good": 1}\n'], [b'{"bad": 2}\n'])

    ask_control(served, "POST", "/_fake/destination", {"stream": "events", "refuse": None})
    put(served, b'{"bad": 3}\n')
    ask_control(served, "POST", "/_fake/flush")
    assert stream.delivered == [b'{"good": 1}\n', b'{"bad": 3}\n']
    assert stream.destination_switches["refusing"] is None


def test_a_stream_shows_the_documents_its_indexes_received(served: FirehoseServer) -> None:
    create(
        served,
        ElasticsearchDestinationConfiguration=ELASTICSEARCH,
    )
    put(served, b'{"msg": "hi"}\n')
    ask_control(served, "POST", "/_fake/flush")

    status, shown = ask_control(served, "GET", "/_fake/streams/events")
    assert status == 200
    [document] = shown["documents"]
    assert document["_source"] == {"msg": "hi"}
    assert document["_index"].startswith("logs-")
    assert document["_id"] == served.firehose["events"].records[0].record_id
    assert shown["rows"] == []


def test_a_stream_shows_the_events_its_hec_endpoint_received(served: FirehoseServer) -> None:
    create(served, SplunkDestinationConfiguration={**SPLUNK, "HECEndpointType": "Event"})
    put(served, b'{"event": "hi", "host": "web-1"}')
    ask_control(served, "POST", "/_fake/flush")

    status, shown = ask_control(served, "GET", "/_fake/streams/events")
    assert status == 200
    assert shown["events"] == [
        {
            "event": "hi",
            "time": None,
            "host": "web-1",
            "source": None,
            "sourcetype": None,
            "index": None,
            "fields": None,
        }
    ]
    assert shown["documents"] == []


def test_a_stream_shows_a_redshift_destinations_load_errors(served: FirehoseServer) -> None:
    redshift = {
        "RoleARN": ROLE,
        "ClusterJDBCURL": "jdbc:redshift://cluster.abc123.us-east-1.redshift.amazonaws.com:5439/d",
        "CopyCommand": {"DataTableName": "events", "DataTableColumns": "a,b"},
        "Username": "loader",
        "Password": "secret-password",
        "S3Configuration": S3,
    }
    create(served, RedshiftDestinationConfiguration=redshift)
    put(served, b"1\n")
    ask_control(served, "POST", "/_fake/flush")

    (error,) = ask_control(served, "GET", "/_fake/streams/events")[1]["load_errors"]
    assert {k: error[k] for k in ("line_number", "colname", "err_code", "err_reason")} == {
        "line_number": 1,
        "colname": "a",
        "err_code": 1214,
        "err_reason": "Delimiter not found",
    }
    assert error["filename"].startswith("s3://landing/")
    assert error["starttime"] == served.firehose.clock.now().isoformat()


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"stream": "nope", "up": False}, 404, 'no delivery stream "nope"'),
        ({"stream": "events"}, 400, 'give "up" (true or false) or "refuse"'),
        ({"stream": "events", "up": "no"}, 400, '"up" is true or false, not "no"'),
        ({"stream": "events", "up": True, "error": "503"}, 400, 'give it with "up": false'),
        ({"stream": "events", "error": "503"}, 400, 'give "up" (true or false) or "refuse"'),
        ({"stream": "events", "up": False, "error": 5}, 400, '"error" is an error code'),
        ({"stream": "events", "up": False, "eror": "503"}, 400, 'takes no "eror"'),
        ({"stream": "events", "refuse": "bad"}, 400, '"refuse" is {"containing"'),
        ({"stream": "events", "refuse": {"bytes": "YmFk"}}, 400, '"refuse" takes "containing"'),
        ({"stream": "events", "refuse": {"containing": "%%"}}, 400, "in base64"),
        ({"stream": "events", "refuse": {"containing": ""}}, 400, "in base64"),
        (
            {"stream": "events", "refuse": {"containing": "YmFk", "error": 409}},
            400,
            '"error" is an error code',
        ),
        # The handle's own UsageErrors, as 400s: an undocumented code, a destination
        # without such errors, a destination without single-record refusals.
        (
            {"stream": "events", "up": False, "error": "Splunk.Nope"},
            400,
            '"Splunk.Nope" is not a documented Splunk delivery error; use one of: '
            "Splunk.ConnectionTimeout",
        ),
        (
            {"stream": "memory", "up": False, "error": "503"},
            400,
            "POST /_fake/destination: the errors a destination names are scripted for the "
            "destinations the fake stores",
        ),
        (
            {"stream": "memory", "up": False, "error": "503"},
            400,
            '; "memory" does not deliver to one',
        ),
        # Named as the body names it, not as the Python call: destination_refuses:, and
        # destination_down() for "up": false.
        (
            {"stream": "events", "refuse": {"containing": "YmFk"}},
            400,
            "POST /_fake/destination: Splunk refusing single records is not on record",
        ),
        (
            {"stream": "events", "refuse": {"containing": "YmFk"}},
            400,
            '("up": false fails whole deliveries; a Splunk Event endpoint',
        ),
    ],
)
def test_bad_bodies_are_refused_naming_the_fix_and_change_nothing(
    served: FirehoseServer, body: dict[str, Any], status: int, says: str
) -> None:
    create(served, SplunkDestinationConfiguration=SPLUNK)
    create(served, "memory")

    got, answer = ask_control(served, "POST", "/_fake/destination", body)

    assert (got, says in answer["error"]) == (status, True), answer
    for name in ("events", "memory"):
        assert served.firehose[name].destination_switches == {
            "up": True,
            "error": None,
            "refusing": None,
        }


def test_a_stream_shows_the_records_given_up_on_and_their_failed_records(
    served: FirehoseServer,
) -> None:
    # A client in another language reads what the S3Configuration bucket received from
    # the view: the payloads, and the objects with each record's error code.
    splunk = {**SPLUNK, "RetryOptions": {"DurationInSeconds": 60}}
    create(served, SplunkDestinationConfiguration=splunk)
    ask_control(
        served,
        "POST",
        "/_fake/destination",
        {"stream": "events", "up": False, "error": "Splunk.InvalidToken"},
    )
    put(served, b'{"a": 1}', b'{"b": 2}')

    assert ask_control(served, "POST", "/_fake/clock", {"advance": 3600})[0] == 200
    shown = ask_control(served, "GET", "/_fake/streams/events")[1]

    assert (shown["pending"], shown["backed_up"]) == ([], b64(b'{"a": 1}', b'{"b": 2}'))
    [backup] = shown["backed_up_objects"]
    assert backup["key"].startswith("splunk-failed/")
    lines = [json.loads(line) for line in base64.b64decode(backup["body"]).splitlines()]
    assert [(line["errorCode"], line["rawData"]) for line in lines] == [
        ("Splunk.InvalidToken", b64(b'{"a": 1}')[0]),
        ("Splunk.InvalidToken", b64(b'{"b": 2}')[0]),
    ]
    [kept] = served.firehose["events"].backed_up_objects
    assert (kept.key, base64.b64encode(kept.body).decode()) == (backup["key"], backup["body"])


@needs_botocore("firehose CreateDeliveryStream.IcebergDestinationConfiguration")
def test_an_iceberg_destination_refusing_records_is_refused_naming_the_route_for_tables(
    served: FirehoseServer,
) -> None:
    # The refusal advised firehose.glue_table, a Python call a client of the server
    # cannot make.
    iceberg = {
        "RoleARN": ROLE,
        "CatalogConfiguration": {"CatalogARN": "arn:aws:glue:us-east-1:123456789012:catalog"},
        "S3Configuration": S3,
    }
    create(served, IcebergDestinationConfiguration=iceberg)
    body = {"stream": "events", "refuse": {"containing": "YmFk"}}

    answer = ask_control(served, "POST", "/_fake/destination", body)

    assert answer == (
        400,
        {
            "error": "POST /_fake/destination: Iceberg refusing single records is not on "
            "record; these destinations have such refusals: OpenSearch Service, "
            'Elasticsearch, OpenSearch Serverless, Snowflake ("up": false fails whole '
            "deliveries; an Iceberg destination refuses a record by its content: put one "
            "that is not a JSON object, names no table, updates a table without UniqueKeys, "
            "or does not fit the Glue table it names (POST /_fake/glue))"
        },
    )
    with pytest.raises(UsageError) as refused:
        served.firehose["events"].destination_refuses(lambda record: True)
    assert str(refused.value).endswith(
        "does not fit the Glue table it names (firehose.glue_table))"
    )
