"""A ``date`` field's ``format`` read as OpenSearch 2.19 reads it: Java's
``DateTimeFormatter`` pattern letters with a strict resolver and the root locale's
English texts (``Dec``, ``December``, ``Mon``, ``PM``), then OpenSearch's own completion
of what the pattern leaves out; a value that fails says so in OpenSearch's words."""

from __future__ import annotations

from typing import Any

from conftest import put_batch
from test_opensearch_mappings import errors, search
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake


def caused(fake: FirehoseFake, landing_s3: Any, field: dict[str, Any], value: str) -> Any:
    """The ``caused_by`` of the one document ``{"at": value}`` an index whose field ``at``
    is ``field`` refuses (None when it takes it)."""
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"at": field}})
    stream = search(fake)
    put_batch(b'{"at": "' + value.encode() + b'"}')
    fake.firehose.flush()
    if stream.delivered:
        return None
    [(code, message)] = errors(landing_s3)
    assert code == "400"
    assert message["type"] == "mapper_parsing_exception"
    return (message["caused_by"]["type"], message["caused_by"]["reason"])


APACHE = {"type": "date", "format": "dd/MMM/yyyy:HH:mm:ss Z"}


def test_the_apache_log_format_reads_a_short_month_name(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    assert caused(fake, landing_s3, APACHE, "07/Dec/2026:10:00:00 +0000") is None


def test_the_apache_log_format_refuses_a_month_number(fake: FirehoseFake, landing_s3: Any) -> None:
    assert caused(fake, landing_s3, APACHE, "07/12/2026:10:00:00 +0000") == (
        "illegal_argument_exception",
        "failed to parse date field [07/12/2026:10:00:00 +0000] with format "
        "[dd/MMM/yyyy:HH:mm:ss Z]",
    )
