"""OpenSearch's ``date_range`` field: bounds read with the field's formats and date math
(``2020-01-31||+1M/d``), ``now`` refused at index time, the bulk error of a range the
field does not take in OpenSearch's words, and its mapping as ``GET index/_mapping`` shows
it or OpenSearch refuses it."""

from __future__ import annotations

from typing import Any

import pytest
from test_opensearch_range_fields import REFUSES, deliver
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError

DEFAULT = "strict_date_optional_time||epoch_millis"


def failed(field: str, shown: str, *causes: tuple[str, str]) -> Any:
    """The bulk error of a value the ``date_range`` ``field`` does not take (the id left as
    ``ID``), with its chain of ``caused_by`` (none: left out)."""
    error: dict[str, Any] = {
        "type": "mapper_parsing_exception",
        "reason": f"failed to parse field [{field}] of type [date_range] in document with id "
        f"'ID'. Preview of field's value: '{shown}'",
    }
    holder = error
    for kind, reason in causes:
        holder["caused_by"] = {"type": kind, "reason": reason}
        holder = holder["caused_by"]
    return error


def unreadable(text: str, formats: str = DEFAULT) -> tuple[tuple[str, str], tuple[str, str]]:
    said = f"failed to parse date field [{text}] with format [{formats}]"
    return ("parse_exception", f"{said}: [{said}]"), ("illegal_argument_exception", said)


def test_a_date_range_reads_its_bounds_with_its_formats_and_date_math(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    shown = fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "when": {"type": "date_range"},
                "span": {
                    "type": "date_range",
                    "format": "yyyy-MM-dd HH:mm:ss||yyyy-MM-dd||epoch_millis",
                    "locale": "en-us",
                    "coerce": False,
                    "index": False,
                },
                "safe": {
                    "type": "date_range",
                    "format": DEFAULT,
                    "locale": "ROOT",
                    "ignore_malformed": True,
                },
            }
        },
    )
    taken = [
        b'{"when": {"gte": "2016-10-31", "lt": "2016-11-01T20:00:00Z"}}',
        # one millisecond: the digits past it are cut off
        b'{"when": {"gte": 1577836800000, "lte": "2020-01-01T00:00:00.0009Z"}}',
        b'{"when": {"gte": "2020-01-01||/y", "lte": "2020-06-15T10:00:00+02:00||-1w/d"}}',
        b'{"when": {"gt": "2020-03-04T05:06:07Z||/w", "lt": "2020-03-02T00:00:00.002Z"}}',
        b'{"when": [{"gte": "2020-01-01"}, {"lte": "2020-01-01"}], "other": 1}',
        b'{"when": {"gte": null, "lte": null}}',
        b'{"when": null}',
        # coerce is not read: epoch_millis cuts the fraction off, 2 < 3 <= 4 < 5
        b'{"span": {"gt": "2.34", "lt": "5.67"}}',
        b'{"span": {"gte": "2016-11-01 20:00:00", "lte": "2016-10-31"}}',  # not indexed
        b'{"safe": {"gte": "2020-01-01||+99999999999d"}}',  # left out
    ]
    delivered, errors = deliver(fake, landing_s3, *taken)

    assert shown["properties"] == {
        "safe": {"type": "date_range", "ignore_malformed": True},
        "span": {
            "type": "date_range",
            "index": False,
            "coerce": False,
            "format": "yyyy-MM-dd HH:mm:ss||yyyy-MM-dd||epoch_millis",
            "locale": "en_US",
        },
        "when": {"type": "date_range"},
    }
    assert list(shown["properties"]["span"]) == ["type", "index", "coerce", "format", "locale"]
    assert errors == []
    assert delivered == taken


def test_a_date_range_the_field_does_not_take_fails_in_opensearchs_words(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    formats = "yyyy/MM/dd||epoch_millis"
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "when": {"type": "date_range"},
                "day": {"type": "date_range", "format": formats},
                "safe": {"type": "date_range", "ignore_malformed": True},
            }
        },
    )
    delivered, errors = deliver(
        fake,
        landing_s3,
        # 2020-01-31 plus a month is 2020-02-29, and gt moves it one millisecond up
        b'{"when": {"gt": "2020-01-31||+1M", "lte": "2020-02-29"}}',
        b'{"when": {"gte": "now-1d"}}',
        b'{"when": {"gte": "2020-13-01"}}',
        b'{"when": {"gte": ""}}',
        b'{"when": {"lte": "2020-01-01||+1q"}}',
        b'{"when": {"lte": "2020-01-01||/2d"}}',
        b'{"when": {"lte": "2020-01-01||*1d"}}',
        b'{"when": {"lte": "2020-01-01||+1"}}',
        b'{"when": {"gte": true}}',
        b'{"when": {"gte": {"a": 1}}}',
        b'{"when": {"gte": "2020-01-01||+2147483647y"}}',  # past java.time's years
        b'{"when": {"gte": "2020-01-01||+2147483648d"}}',  # a count past an int
        b'{"when": {"gte": "2020-01-01||+300000000y"}}',  # past a long of milliseconds
        b'{"when": {"gte": "2020-01-01", "time_zone": "+01:00"}}',
        b'{"when": "2020-01-01"}',
        b'{"day": {"gte": "2020-01-01"}}',
        b'{"day": {"gte": "2020/01/02", "lt": "2020/01/02||/d"}}',
        b'{"safe": {"gte": "not a date"}}',  # ignore_malformed does not take these
        b'{"safe": {"gte": "now"}}',
        b'{"safe": {"gte": "2020-01-01||+99999999999d"}}',  # ... but takes this one
    )

    assert delivered == [b'{"safe": {"gte": "2020-01-01||+99999999999d"}}']
    assert errors == [
        failed(
            "when",
            "null",
            (
                "illegal_argument_exception",
                "min value (1582934400001) is greater than max value (1582934400000)",
            ),
        ),
        failed(
            "when",
            "now-1d",
            ("parse_exception", "could not read the current timestamp"),
            ("illegal_argument_exception", "now is not used at indexing time"),
        ),
        failed("when", "2020-13-01", *unreadable("2020-13-01")),
        failed("when", "", ("parse_exception", "cannot parse empty date")),
        failed(
            "when",
            "2020-01-01||+1q",
            ("parse_exception", "unit [q] not supported for date math [+1q]"),
        ),
        failed(
            "when",
            "2020-01-01||/2d",
            ("parse_exception", "rounding `/` can only be used on single unit types [/2d]"),
        ),
        failed(
            "when",
            "2020-01-01||*1d",
            ("parse_exception", "operator not supported for date math [*1d]"),
        ),
        failed("when", "2020-01-01||+1", ("parse_exception", "truncated date math [+1]")),
        failed("when", "true", *unreadable("true")),
        failed("when", "{a=1}"),
        failed("when", "2020-01-01||+2147483647y"),
        failed(
            "when",
            "2020-01-01||+2147483648d",
            ("number_format_exception", 'For input string: "2147483648"'),
        ),
        failed("when", "2020-01-01||+300000000y"),
        failed(
            "when",
            "+01:00",
            (
                "mapper_parsing_exception",
                "error parsing field [when], with unknown parameter [time_zone]",
            ),
        ),
        failed(
            "when",
            "2020-01-01",
            (
                "mapper_parsing_exception",
                "error parsing field [when], expected an object but got when",
            ),
        ),
        failed("day", "2020-01-01", *unreadable("2020-01-01", formats)),
        failed(
            "day",
            "null",
            (
                "illegal_argument_exception",
                "min value (1577923200000) is greater than max value (1577923199999)",
            ),
        ),
        failed("safe", "not a date", *unreadable("not a date")),
        failed(
            "safe",
            "now",
            ("parse_exception", "could not read the current timestamp"),
            ("illegal_argument_exception", "now is not used at indexing time"),
        ),
    ]


@pytest.mark.parametrize(
    ("definition", "refusal"),
    [
        (
            {"type": "date_range", "null_value": "2020-01-01"},
            REFUSES + "unknown parameter [null_value] on mapper [r] of type [date_range]",
        ),
        (
            {"type": "date_range", "format": None},
            REFUSES + "[format] on mapper [r] of type [date_range] must not have a [null] value",
        ),
        (
            {"type": "date_range", "format": "week_date"},
            "field [r]: the date format 'week_date' is not modelled",
        ),
        (
            {"type": "date_range", "format": "yyyy-MM-ddTHH"},
            "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: Invalid format: "
            "[yyyy-MM-ddTHH]: Unknown pattern letter: T",
        ),
        (
            {"type": "date_range", "locale": "en_US_POSIX"},
            "field [r]: the locale 'en_US_POSIX' of a date_range is not modelled",
        ),
        (
            {"type": "date_range", "copy_to": "other"},
            "field [r]: the parameter 'copy_to' of a date_range field is not modelled",
        ),
    ],
)
def test_a_date_range_mapping_opensearch_or_the_fake_refuses_is_a_usage_error(
    fake: FirehoseFake, definition: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(UsageError) as refused_mapping:
        fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"r": definition}})

    assert refusal in str(refused_mapping.value)
