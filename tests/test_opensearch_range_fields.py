"""OpenSearch's range fields (``integer_range``, ``long_range``, ``float_range``,
``double_range``, ``ip_range``): the ranges a document may give, the bulk error of one the
field does not take, in OpenSearch's words, and their mappings as ``GET index/_mapping``
shows them or OpenSearch refuses them (``date_range``: ``test_opensearch_date_range``)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_flat_object import refused
from test_opensearch_mappings import search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

REFUSES = "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: "


def failed(field: str, kind: str, shown: str, cause: tuple[str, str] | None) -> Any:
    """The bulk error of a value the range ``field`` does not take (the id left as ``ID``)."""
    error: dict[str, Any] = {
        "type": "mapper_parsing_exception",
        "reason": f"failed to parse field [{field}] of type [{kind}] in document with id "
        f"'ID'. Preview of field's value: '{shown}'",
    }
    if cause is not None:
        error["caused_by"] = {"type": cause[0], "reason": cause[1]}
    return error


def illegal(reason: str) -> tuple[str, str]:
    return ("illegal_argument_exception", reason)


def deliver(fake: FirehoseFake, landing_s3: Any, *documents: bytes) -> tuple[list[bytes], Any]:
    stream = search(fake)
    put_batch(*documents)
    fake.firehose.flush()
    return stream.delivered, refused(landing_s3)


def test_a_range_takes_an_object_of_bounds(fake: FirehoseFake, landing_s3: Any) -> None:
    shown = fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "ages": {"type": "integer_range"},
                "ids": {"type": "long_range", "coerce": True, "store": True},
                "ratio": {"type": "float_range", "boost": 2},
                "price": {"type": "double_range", "index": False, "meta": {"unit": "eur"}},
                "net": {"type": "ip_range", "ignore_malformed": True, "locale": "en_US"},
            }
        },
    )
    taken = [
        b'{"ages": {"gte": 10, "lte": 20}, "ids": {"gt": "5", "lt": 1e3}}',
        b'{"ages": {"gte": 10, "lt": 11}, "ratio": {"gt": 0.5}, "price": {"gte": 9, "lte": 1}}',
        b'{"ages": {"gte": null, "lte": 3}, "ids": {}, "ages2": 1}',
        b'{"ages": [{"gte": 1, "lte": 2}, {"gte": 5}], "ages3": null}',
        b'{"net": "10.0.0.0/8"}',
        b'{"net": {"gte": "10.0.0.1", "lt": "::ffff:10.0.0.9"}}',
        b'{"net": {"gte": "2001:db8::", "lte": "2001:db8::ff"}}',
        b'{"net": "not an address/8"}',  # ignore_malformed: the field is left out
        b'{"ages": null}',
    ]
    delivered, errors = deliver(fake, landing_s3, *taken)

    assert shown["properties"] == {
        "ages": {"type": "integer_range"},
        "ids": {"type": "long_range", "store": True, "coerce": True},
        "net": {"type": "ip_range", "ignore_malformed": True},
        "price": {"type": "double_range", "index": False, "meta": {"unit": "eur"}},
        "ratio": {"type": "float_range", "boost": 2.0},
    }
    assert delivered == taken
    assert errors == []


def test_a_range_the_field_does_not_take_fails_in_opensearchs_words(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "ages": {"type": "integer_range"},
                "ratio": {"type": "float_range", "coerce": False},
                "price": {"type": "double_range"},
                "net": {"type": "ip_range"},
                "safe": {"type": "long_range", "ignore_malformed": True},
            }
        },
    )
    delivered, errors = deliver(
        fake,
        landing_s3,
        b'{"ages": {"gt": 5, "lt": 6}}',
        b'{"ages": {"gte": "ten"}}',
        b'{"ages": {"from": 1, "to": 2}}',
        b'{"ages": 5}',
        b'{"ages": [{"gte": 1}, {"gte": 3, "lte": 2}]}',
        b'{"ratio": {"gt": 0.1, "lt": 0.1}}',
        b'{"ratio": {"gte": "1.5"}}',
        b'{"price": {"gte": 1e309}}',
        b'{"price": {"gte": 2.5, "lte": 1.5}}',
        b'{"net": {"gte": "10.0.0.5", "lt": "10.0.0.5"}}',
        b'{"net": {"gte": "10.0.0"}}',
        b'{"net": "10.0.0.0/33"}',
        b'{"net": "10.0.0.1"}',
        b'{"safe": {"gte": "x", "lte": 1}}',  # ignore_malformed: the field is left out
        b'{"safe": {"gte": 5, "lte": 1}}',  # ... but not a lower bound past the upper one
        b'{"safe": {"gte": 1, "at": 2}}',  # ... nor an unknown key
    )

    assert delivered == [b'{"safe": {"gte": "x", "lte": 1}}']
    assert errors == [
        failed(
            "ages", "integer_range", "null", illegal("min value (6) is greater than max value (5)")
        ),
        failed("ages", "integer_range", "ten", illegal('For input string: "ten"')),
        failed(
            "ages",
            "integer_range",
            "1",
            (
                "mapper_parsing_exception",
                "error parsing field [ages], with unknown parameter [from]",
            ),
        ),
        failed(
            "ages",
            "integer_range",
            "5",
            (
                "mapper_parsing_exception",
                "error parsing field [ages], expected an object but got ages",
            ),
        ),
        failed(
            "ages", "integer_range", "null", illegal("min value (3) is greater than max value (2)")
        ),
        failed(
            "ratio",
            "float_range",
            "null",
            illegal("min value (0.10000001) is greater than max value (0.099999994)"),
        ),
        failed("ratio", "float_range", "1.5", illegal("Float value passed as String")),
        failed(
            "price",
            "double_range",
            "Infinity",
            illegal("[double] supports only finite values, but got [Infinity]"),
        ),
        failed(
            "price",
            "double_range",
            "null",
            illegal("min value (2.5) is greater than max value (1.5)"),
        ),
        failed(
            "net",
            "ip_range",
            "null",
            illegal("min value cannot be greater than max value for InetAddressRange field"),
        ),
        failed("net", "ip_range", "10.0.0", illegal("'10.0.0' is not an IP string literal.")),
        failed(
            "net",
            "ip_range",
            "10.0.0.0/33",
            illegal(
                "Illegal prefix length [33] in [10.0.0.0/33]. Must be 0-32 for IPv4 ranges, "
                "0-128 for IPv6 ranges"
            ),
        ),
        failed("net", "ip_range", "10.0.0.1", illegal("Expected [ip/prefix] but was [10.0.0.1]")),
        failed(
            "safe", "long_range", "null", illegal("min value (5) is greater than max value (1)")
        ),
        failed(
            "safe",
            "long_range",
            "2",
            ("mapper_parsing_exception", "error parsing field [safe], with unknown parameter [at]"),
        ),
    ]


@pytest.mark.parametrize(
    ("definition", "refusal"),
    [
        (
            {"type": "integer_range", "format": "yyyy"},
            REFUSES + "field [r] of type [range] should not define a dateTimeFormatter unless it "
            "is a DATE type",
        ),
        (
            {"type": "long_range", "ignore_above": 3},
            REFUSES + "unknown parameter [ignore_above] on mapper [r] of type [long_range]",
        ),
        (
            {"type": "ip_range", "index": None},
            REFUSES + "[index] on mapper [r] of type [ip_range] must not have a [null] value",
        ),
        (
            {"type": "float_range", "coerce": "yes"},
            REFUSES + "Failed to parse value [yes] as only [true] or [false] are allowed.",
        ),
        (
            {"type": "double_range", "copy_to": "other"},
            "field [r]: the parameter 'copy_to' of a double_range field is not modelled",
        ),
        (
            {"type": "long_range", "format": "yyyy", "locale": "en_US"},
            REFUSES + "field [r] of type [range] should not define a dateTimeFormatter unless it "
            "is a DATE type",
        ),
    ],
)
def test_a_range_mapping_opensearch_or_the_fake_refuses_is_a_usage_error(
    fake: FirehoseFake, definition: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused_mapping:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"r": definition}})

    assert refusal in str(refused_mapping.value)
