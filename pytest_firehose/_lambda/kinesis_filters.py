"""A Kinesis event source mapping's ``FilterCriteria``: which records reach the handler.

Facts (DOC, Lambda developer guide, "Lambda event filtering", "Using event filtering with
a Kinesis event source"): a record is sent when it matches any of the filters (five by
default per mapping); "Kinesis event source mappings only support filtering on the data
key": a pattern's ``data`` field tests the record's data parsed as JSON. A record whose
data is not JSON is dropped by a filter that tests ``data``. A ``data`` pattern that is
not a JSON object is refused when the mapping is made. Records filtered out are skipped:
the iterator moves past them.

Choices (docs/fidelity.md): a pattern naming the record's metadata (``partitionKey``,
``sequenceNumber`` ...) is taken, and finds no such field, as the guide's note suggests: it
matches no record (``exists: false`` aside). More than five filters are refused as the
default quota refuses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pytest_firehose._json_text import strict_json
from pytest_firehose._lambda.event_patterns import (
    INVALID_PATTERN,
    Pattern,
    PatternError,
    parse_pattern,
)
from pytest_firehose._lambda.kinesis_events import StreamRecord

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

    def admits(self, record: StreamRecord) -> bool:
        """Whether a filter matches the record, which offers its patterns its data alone."""
        data = _parsed_data(record.data)
        document = {} if data is _NOT_JSON else {DATA: data}
        for pattern in self.patterns:
            if data is _NOT_JSON and DATA in pattern.names():
                continue
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
