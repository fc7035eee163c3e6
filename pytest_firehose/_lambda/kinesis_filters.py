"""A Kinesis event source mapping's ``FilterCriteria``: which records reach the handler.

Facts (DOC, Lambda developer guide, "Lambda event filtering", "Properly filtering Kinesis
and DynamoDB messages"): a record is sent when it matches any of the filters (five by
default per mapping); a pattern's ``data`` field tests the record's data parsed as JSON, its
other fields the record's metadata (``partitionKey``, ``sequenceNumber`` ...). A record
whose data is not JSON is dropped by a filter that tests ``data``, and matched on its
metadata by one that does not. A ``data`` pattern that is not a JSON object is refused when
the mapping is made. Records filtered out are skipped: the iterator moves past them.

Choices (INFERRED, docs/fidelity.md): the metadata a pattern sees is the event record's
``kinesis`` object; more than five filters are refused as the default quota refuses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pytest_firehose._lambda.event_patterns import (
    INVALID_PATTERN,
    Pattern,
    PatternError,
    parse_pattern,
    strict_json,
)
from pytest_firehose._lambda.kinesis_events import EventSource, StreamRecord, event_record

#: Filters per event source mapping, by default (DOC; a quota increase allows 10).
MAX_FILTERS = 5
DATA = "data"
_NOT_JSON: Any = object()


class FilterRefused(ValueError):
    """FilterCriteria Lambda refuses, with its message."""


def _parsed_data(payload: bytes) -> Any:
    try:
        return strict_json(payload)
    except ValueError:  # UnicodeDecodeError is one too
        return _NOT_JSON


@dataclass(frozen=True)
class RecordFilter:
    """The mapping's filters: a record passes when any of them matches it."""

    patterns: tuple[Pattern, ...]

    def admits(self, record: StreamRecord, source: EventSource) -> bool:
        document = dict(event_record(record, source)["kinesis"])
        data = _parsed_data(record.data)
        for pattern in self.patterns:
            tests_data = DATA in pattern.names()
            if tests_data and data is _NOT_JSON:
                continue
            if tests_data:
                document[DATA] = data
            if pattern.matches(document):
                return True
        return False


def _data_rules_are_objects(pattern: Pattern) -> bool:
    return all(isinstance(rule, Pattern) for rule in pattern.rule_for(DATA))


def record_filter(criteria: Any) -> RecordFilter | None:
    """The filter ``criteria`` (CreateEventSourceMapping's ``FilterCriteria``) sets up;
    ``None`` when it filters nothing. Raises :class:`FilterRefused`."""
    if not criteria:
        return None
    filters = criteria.get("Filters") or []
    if not filters:
        return None
    if len(filters) > MAX_FILTERS:
        raise FilterRefused(
            f"FilterCriteria holds {len(filters)} filters; an event source mapping takes at "
            f"most {MAX_FILTERS} (the default quota)."
        )
    patterns = []
    for entry in filters:
        text = entry.get("Pattern")
        if not text:
            raise FilterRefused(INVALID_PATTERN)
        try:
            pattern = parse_pattern(text)
        except PatternError:
            raise FilterRefused(INVALID_PATTERN) from None
        if not _data_rules_are_objects(pattern):
            raise FilterRefused(INVALID_PATTERN)
        patterns.append(pattern)
    return RecordFilter(tuple(patterns))
