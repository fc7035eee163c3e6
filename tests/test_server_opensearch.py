"""``POST /_fake/opensearch`` and ``GET /_fake/opensearch/{index}``: a test in another
language gives an OpenSearch index (or an index pattern) its mapping, as a Python test
does with ``firehose.opensearch_index``, and reads an index's mapping back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from conftest import REGION, ask_control, put, server_client
from test_opensearch_documents import OPENSEARCH
from test_other_destinations import DOMAIN

from pytest_firehose._doors.server import FirehoseServer
from pytest_firehose._engine.world import World

STRICT = {"dynamic": "strict", "properties": {"price": {"type": "long"}}}


@pytest.fixture
def served() -> Iterator[FirehoseServer]:
    with FirehoseServer(World(region=REGION)) as server:
        yield server


def test_a_mapping_given_over_http_is_enforced_and_read_back(served: FirehoseServer) -> None:
    given = ask_control(
        served,
        "POST",
        "/_fake/opensearch",
        {"domain": DOMAIN, "index": "logs", "mappings": STRICT},
    )
    stream = served.firehose.create_delivery_stream(
        "events",
        AmazonopensearchserviceDestinationConfiguration={
            **OPENSEARCH,
            "IndexRotationPeriod": "NoRotation",
        },
    )
    put(server_client(served), b'{"price": 1}', b'{"price": 2, "note": "x"}')
    stream.flush()
    read = ask_control(served, "GET", f"/_fake/opensearch/logs?domain={quote(DOMAIN, safe='')}")

    assert given == (201, {"domain": DOMAIN, "index": "logs", "mappings": STRICT})
    assert read == (200, {"domain": DOMAIN, "index": "logs", "mappings": STRICT})
    assert stream.delivered == [b'{"price": 1}']
    view = ask_control(served, "GET", "/_fake/streams/events")[1]
    assert view["index_mappings"] == {"logs": STRICT}
    [failed] = served.world.firehose().streams["events"].backed_up
    assert json.loads(json.loads(failed.body)["errorMessage"]) == {
        "type": "strict_dynamic_mapping_exception",
        "reason": "mapping set to strict, dynamic introduction of [note] within [_doc] is not "
        "allowed",
    }


def test_a_pattern_and_its_settings_reach_the_indexes_made_later(served: FirehoseServer) -> None:
    domain = DOMAIN.replace("us-east-1", "eu-west-1")
    body = {
        "domain": domain,
        "index": "logs-*",
        "settings": {"index.mapping.total_fields.limit": 1},
    }
    assert ask_control(served, "POST", "/_fake/opensearch", body)[0] == 201
    stream = served.firehose.create_delivery_stream(
        "events",
        region="eu-west-1",
        AmazonopensearchserviceDestinationConfiguration={
            **OPENSEARCH,
            "DomainARN": domain,
        },
    )
    put(server_client(served, region_name="eu-west-1"), b'{"a": 1}', b'{"b": 1}')
    stream.flush()

    assert stream.delivered == [b'{"a": 1}']
    assert stream.backed_up == [b'{"b": 1}']


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        (
            {
                "domain": DOMAIN,
                "index": "logs",
                "mappings": {"properties": {"p": {"type": "percolator"}}},
            },
            "POST /_fake/opensearch: field [p]: the type 'percolator' is not modelled",
        ),
        (
            {"index": "logs"},
            "POST /_fake/opensearch: the domain is named as the delivery stream names it: its "
            'DomainARN (such as "arn:aws:es:us-east-1:123456789012:domain/search")',
        ),
        (
            {"domain": DOMAIN, "index": "logs", "mappings": "strict"},
            'POST /_fake/opensearch: "mappings" is OpenSearch\'s mappings object',
        ),
        (
            {"domain": DOMAIN, "index": "logs", "template": {}},
            'POST /_fake/opensearch takes no "template"',
        ),
    ],
)
def test_a_mapping_the_python_api_refuses_is_refused_in_the_clients_terms(
    served: FirehoseServer, body: dict[str, Any], refusal: str
) -> None:
    status, answer = ask_control(served, "POST", "/_fake/opensearch", body)

    assert (status, answer["error"].startswith(refusal)) == (400, True), answer


def test_an_index_there_is_not_is_a_404_naming_the_call_that_makes_one(
    served: FirehoseServer,
) -> None:
    status, answer = ask_control(
        served, "GET", f"/_fake/opensearch/logs?domain={quote(DOMAIN, safe='')}"
    )

    assert (status, answer) == (
        404,
        {
            "error": f"no index logs in {DOMAIN} (indexes and patterns: none); an index is "
            "made when its first document is delivered, or with POST /_fake/opensearch"
        },
    )


def test_reading_without_a_domain_names_the_query_parameter(served: FirehoseServer) -> None:
    status, answer = ask_control(served, "GET", "/_fake/opensearch/logs")

    assert status == 400
    assert answer["error"].startswith(
        "GET /_fake/opensearch/{index}: the domain is named as the delivery stream names it"
    )


def test_a_priority_given_over_http_ranks_the_pattern(served: FirehoseServer) -> None:
    body = {"domain": DOMAIN, "index": "logs-*", "mappings": STRICT}
    assert ask_control(served, "POST", "/_fake/opensearch", body)[0] == 201
    status, answer = ask_control(
        served, "POST", "/_fake/opensearch", {**body, "index": "logs-2026-*"}
    )
    ranked = {**body, "index": "logs-2026-*", "mappings": {}, "priority": 1}

    assert status == 400
    assert 'give one of them another priority, e.g. "priority": 1' in answer["error"]
    assert ask_control(served, "POST", "/_fake/opensearch", ranked)[0] == 201


def test_an_order_given_over_http_makes_a_legacy_template(served: FirehoseServer) -> None:
    body = {"domain": DOMAIN, "index": "logs-*", "mappings": STRICT, "order": 1}
    assert ask_control(served, "POST", "/_fake/opensearch", body)[0] == 201
    status, answer = ask_control(
        served, "POST", "/_fake/opensearch", {**body, "index": "logs-2026-*", "order": "2"}
    )

    # Legacy templates do not refuse each other's patterns; an order is an int.
    assert status == 400
    assert '"order" is a whole number between -2147483648 and 2147483647' in answer["error"]
