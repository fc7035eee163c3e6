"""Index names OpenSearch refuses to create an index of: Firehose's API takes any
``IndexName`` of 1 to 80 characters, but each document bound for an index whose name
(with the rotation's suffix) breaks OpenSearch's rules fails as its bulk item does
(``invalid_index_name_exception``, 400) and ends in the ``S3Configuration`` bucket;
``firehose.opensearch_index`` refuses such a name."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import failed_lines, put_batch
from test_opensearch_documents import OPENSEARCH, SERVERLESS
from test_opensearch_mappings import FAILED
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Logs", "must be lowercase"),
        ("-logs", "must not start with '_', '-', or '+'"),
        ("_logs", "must not start with '_', '-', or '+'"),
        (".", "must not be '.' or '..'"),
        ("app:logs", "must not contain ':'"),
        ("app#logs", "must not contain '#'"),
        ("my logs", 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]'),
        pytest.param(
            "\N{SLIGHTLY SMILING FACE}" * 64, "index name is too long, (256 > 255)", id="256-bytes"
        ),
    ],
)
def test_each_document_for_an_index_opensearch_cannot_create_fails_with_its_error(
    fake: FirehoseFake, landing_s3: Any, name: str, reason: str
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        AmazonopensearchserviceDestinationConfiguration={
            **OPENSEARCH,
            "IndexName": name,
            "IndexRotationPeriod": "NoRotation",
        },
    )
    put_batch(b'{"v": 1}', b'{"v": 2}')
    fake.firehose.flush()

    assert stream.delivered == []
    assert stream.documents == []
    lines = failed_lines(landing_s3, FAILED)
    assert [line["errorCode"] for line in lines] == ["400", "400"]
    assert json.loads(lines[0]["errorMessage"]) == {
        "type": "invalid_index_name_exception",
        "reason": f"Invalid index name [{name}], {reason}",
        "index_uuid": "_na_",
        "index": name,
    }
    # No index was made.
    with pytest.raises(KeyError):
        fake.firehose.opensearch_mapping(DOMAIN, name)


def test_the_rotation_s_suffix_is_part_of_the_name_opensearch_checks(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        AmazonopensearchserviceDestinationConfiguration={**OPENSEARCH, "IndexName": "Logs"},
    )
    put_batch(b'{"v": 1}')
    fake.firehose.flush()

    index = f"Logs-{fake.firehose.clock.now():%Y-%m-%d}"
    [line] = failed_lines(landing_s3, FAILED)
    assert json.loads(line["errorMessage"])["reason"] == (
        f"Invalid index name [{index}], must be lowercase"
    )
    assert stream.delivered == []


def test_a_serverless_collection_refuses_the_name_as_a_domain_does(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        AmazonOpenSearchServerlessDestinationConfiguration={**SERVERLESS, "IndexName": "Logs"},
    )
    put_batch(b'{"v": 1}')
    fake.firehose.flush()

    assert stream.delivered == []
    assert stream.backed_up == [b'{"v": 1}']


def test_a_name_that_opensearch_takes_is_indexed(fake: FirehoseFake) -> None:
    stream = fake.firehose.create_delivery_stream(
        "events",
        AmazonopensearchserviceDestinationConfiguration={
            **OPENSEARCH,
            "IndexName": ".app+logs_2",
            "IndexRotationPeriod": "NoRotation",
        },
    )
    put_batch(b'{"v": 1}')
    fake.firehose.flush()

    assert stream.delivered == [b'{"v": 1}']


@pytest.mark.parametrize(
    ("name", "reason"), [("Logs", "must be lowercase"), ("..", "must not be '.' or '..'")]
)
def test_opensearch_index_refuses_a_name_opensearch_refuses_in_its_words(
    fake: FirehoseFake, name: str, reason: str
) -> None:
    with pytest.raises(UsageError) as refused:
        fake.firehose.opensearch_index(DOMAIN, name, {"properties": {"v": {"type": "long"}}})

    assert f"OpenSearch refuses to create this index: Invalid index name [{name}], {reason}" in (
        str(refused.value)
    )
