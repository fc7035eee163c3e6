"""The models' enums as the front end (Java) prints them. Their patterns are Java's,
compiled by ``pytest_firehose._java_regex``."""

from __future__ import annotations

from collections.abc import Sequence

#: The order the front end lists an enum's values in, where a capture shows it (a Java
#: hash set's order, which the model's order does not give). Others keep the model's.
_RECORDED_ORDER: dict[str, tuple[str, ...]] = {
    # kinesalite's test/getShardIterator.js, run against Kinesis.
    "ShardIteratorType": (
        "AFTER_SEQUENCE_NUMBER",
        "LATEST",
        "AT_TIMESTAMP",
        "AT_SEQUENCE_NUMBER",
        "TRIM_HORIZON",
    ),
    # LocalStack's AWS-validated CreateEventSourceMapping snapshots (Lambda, 2025).
    "EventSourcePosition": ("LATEST", "AT_TIMESTAMP", "TRIM_HORIZON"),
}


def enum_listing(shape_name: str, values: Sequence[str]) -> str:
    """The allowed values as the front end lists them in an enum violation."""
    recorded = _RECORDED_ORDER.get(shape_name)
    if recorded is not None and sorted(recorded) == sorted(values):
        return ", ".join(recorded)
    return ", ".join(values)
