"""A core field's ``null_value`` is read when the mapping is, by its type's parser
(OpenSearch's ``NumberFieldMapper`` parses a number's without coercion): the mapping shows
the value read (``"5"`` on a ``long`` is ``5``), and one the parser cannot read refuses the
mapping in OpenSearch's words."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_geo_shape import refused
from test_opensearch_mappings import index_of, search
from test_opensearch_xy_point import REFUSES
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError


def shown(fake: FirehoseFake, field: dict[str, Any]) -> Any:
    mapping = fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": {"v": field}})
    return mapping["properties"]["v"]


def typed(kind: str) -> dict[str, Any]:
    if kind == "token_count":
        return {"type": kind, "analyzer": "standard"}
    return {"type": kind, "scaling_factor": 10} if kind == "scaled_float" else {"type": kind}


@pytest.mark.parametrize(
    ("kind", "given", "read"),
    [
        ("long", "5", 5),
        ("long", 5.0, 5),
        ("long", "5.0", 5),
        ("long", "9223372036854775807", 9223372036854775807),
        ("integer", "1e2", 100),
        ("short", "-32768", -32768),
        ("byte", 127.0, 127),
        ("unsigned_long", "18446744073709551615", 18446744073709551615),
        # A negative whole number past an int's range is a Long, read as its bits unsigned.
        ("unsigned_long", -3000000000, 18446744070709551616),
        ("double", "1.5", 1.5),
        ("double", 7, 7.0),
        ("float", "1.1", 1.1),
        ("float", 0.1, 0.1),
        ("half_float", "65519", 65519.0),
        ("scaled_float", "5", 5.0),
        ("scaled_float", "Infinity", "Infinity"),
        ("scaled_float", "-Infinity", "-Infinity"),
        ("scaled_float", "NaN", "NaN"),
        # TokenCountFieldMapper reads an int: a number exactly, anything else's text.
        ("token_count", "5", 5),
        ("token_count", 5.0, 5),
        ("token_count", "+7", 7),
        ("token_count", -3, -3),
        ("token_count", "-2147483648", -2147483648),  # the least int
        ("token_count", "2147483647", 2147483647),  # the greatest
        ("boolean", "true", True),
        ("boolean", False, False),
        ("keyword", 5, "5"),
        ("keyword", 5.0, "5.0"),
        ("wildcard", True, "true"),
        ("date", 1700000000000, "1700000000000"),
        # A date or ip that cannot be read is taken all the same (and ignored).
        ("date", "yesterday", "yesterday"),
        ("ip", "not an address", "not an address"),
    ],
)
def test_the_mapping_shows_the_null_value_its_type_read(
    fake: FirehoseFake, kind: str, given: Any, read: Any
) -> None:
    field = shown(fake, {**typed(kind), "null_value": given})

    assert field["null_value"] == read
    assert type(field["null_value"]) is type(read)


@pytest.mark.parametrize(
    ("kind", "given", "reason"),
    [
        ("long", 1.5, "Value [1.5] has a decimal part"),
        ("integer", "2.5", "Value [2.5] has a decimal part"),
        ("long", "abc", 'For input string: "abc"'),
        ("long", " 5", 'For input string: " 5"'),
        ("long", True, 'For input string: "true"'),
        ("integer", {"a": 1}, 'For input string: "{a=1}"'),
        ("byte", [1], 'For input string: "[1]"'),
        ("long", "NaN", "Value [NaN] has a decimal part"),
        ("long", "9223372036854775808", "Value [9223372036854775808] is out of range for a long"),
        ("long", 1e19, "Value [1.0E19] is out of range for a long"),
        # A double reads it as -2^63, in range; the exact number is not.
        (
            "long",
            "-9223372036854775809",
            "Value [-9223372036854775809] is out of range for a long",
        ),
        ("integer", 3000000000, "Value [3000000000] is out of range for an integer"),
        ("short", 40000, "Value [40000] is out of range for a short"),
        ("byte", "-129", "Value [-129] is out of range for a byte"),
        ("unsigned_long", -1, "Value [-1] is out of range for an unsigned long"),
        # The least int is an Integer, not a Long: refused, not read as its bits.
        (
            "unsigned_long",
            -2147483648,
            "Value [-2147483648] is out of range for an unsigned long",
        ),
        ("unsigned_long", "1.5", "Value [1.5] has a decimal part"),
        (
            "unsigned_long",
            "18446744073709551616",
            "Value [18446744073709551616] is out of range for an unsigned long",
        ),
        ("double", "", "empty String"),
        ("double", "1e400", "[double] supports only finite values, but got [Infinity]"),
        ("float", 1e39, "[float] supports only finite values, but got [Infinity]"),
        ("half_float", 70000, "[half_float] supports only finite values, but got [70000.0]"),
        ("scaled_float", "x", 'For input string: "x"'),
        ("token_count", 5.7, "5.7 is not an integer value"),
        ("token_count", 1e19, "1.0E19 is not an integer value"),
        ("token_count", 3000000000, "integer overflow"),
        ("token_count", 2.0**63, "integer overflow"),
        ("token_count", 2**63, "BigInteger out of long range"),
        ("token_count", "5.0", 'For input string: "5.0"'),
        ("token_count", "x", 'For input string: "x"'),
        ("token_count", True, 'For input string: "true"'),
        ("token_count", "3000000000", 'For input string: "3000000000"'),
        ("token_count", [5], 'For input string: "[5]"'),
        ("boolean", "yes", "Failed to parse value [yes] as only [true] or [false] are allowed."),
        ("boolean", 1, "Failed to parse value [1] as only [true] or [false] are allowed."),
    ],
)
def test_a_null_value_its_type_cannot_read_refuses_the_mapping(
    fake: FirehoseFake, kind: str, given: Any, reason: str
) -> None:
    with pytest.raises(UsageError) as refusal:
        shown(fake, {**typed(kind), "null_value": given})

    assert f"{REFUSES}{reason}" in str(refusal.value)


def test_a_dynamic_template_s_null_value_is_read_the_same_way(fake: FirehoseFake) -> None:
    """The field a template makes shows its ``null_value`` read as a given field's."""
    template = {"counts": {"match": "n_*", "mapping": {"type": "long", "null_value": "0"}}}
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"dynamic_templates": [template]})
    search(fake)
    put_batch(b'{"n_seen": 3}')
    fake.firehose.flush()

    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"] == {
        "n_seen": {"type": "long", "null_value": 0}
    }


def scaled_float_failed(field: str, shown: str, reason: str) -> dict[str, Any]:
    """The bulk error of a value the ``scaled_float`` ``field`` does not take (the
    document's id left as ``ID``)."""
    return {
        "type": "mapper_parsing_exception",
        "reason": f"failed to parse field [{field}] of type [scaled_float] in document with "
        f"id 'ID'. Preview of field's value: '{shown}'",
        "caused_by": {"type": "illegal_argument_exception", "reason": reason},
    }


def refused_without_ids(landing_s3: Any) -> list[dict[str, Any]]:
    found = refused(landing_s3)
    for error in found:
        error["reason"] = re.sub(
            r"document with id '[^']*'", "document with id 'ID'", error["reason"]
        )
    return found


@pytest.mark.parametrize(
    ("null_value", "got"),
    [("Infinity", "Infinity"), ("-Infinity", "-Infinity"), ("NaN", "NaN")],
)
def test_a_scaled_float_s_null_value_that_is_not_finite_fails_each_null(
    fake: FirehoseFake, landing_s3: Any, null_value: str, got: str
) -> None:
    """OpenSearch takes the mapping, then indexes a document's ``null`` as the
    ``null_value``, which ``ScaledFloatFieldMapper.parseCreateField`` refuses: every
    ``null`` fails its document (one in an array too); a document without the field is
    taken, and so are the field's numbers. Its sub-fields read the ``null`` the same way."""
    field = {"type": "scaled_float", "scaling_factor": 10, "null_value": null_value}
    properties = {"price": field, "code": {"type": "keyword", "fields": {"scaled": field}}}
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": properties})
    stream = search(fake)
    put_batch(
        b'{"price": null}', b'{"price": [1.5, null]}', b'{"code": null}', b"{}", b'{"price": 2}'
    )
    fake.firehose.flush()

    reason = f"[scaled_float] only supports finite values, but got [{got}]"
    assert refused_without_ids(landing_s3) == [
        scaled_float_failed("price", "null", reason),
        scaled_float_failed("price", "null", reason),
        scaled_float_failed("code.scaled", "null", reason),
    ]
    assert len(stream.delivered) == 2


def test_ignore_malformed_leaves_out_a_null_value_that_is_not_finite(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    field = {"type": "scaled_float", "scaling_factor": 10, "null_value": "Infinity"}
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"price": {**field, "ignore_malformed": True}}}
    )
    stream = search(fake)
    put_batch(b'{"price": null}')
    fake.firehose.flush()

    assert refused(landing_s3) == []
    assert len(stream.delivered) == 1


def test_a_finite_null_value_takes_each_null(fake: FirehoseFake, landing_s3: Any) -> None:
    field = {"type": "scaled_float", "scaling_factor": 10, "null_value": "1e308"}
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"price": field}})
    stream = search(fake)
    put_batch(b'{"price": null}')
    fake.firehose.flush()

    assert refused(landing_s3) == []
    assert len(stream.delivered) == 1
