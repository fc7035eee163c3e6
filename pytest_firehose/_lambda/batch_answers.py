"""How a Kinesis event source mapping reads its function's answer when
``FunctionResponseTypes`` holds ``ReportBatchItemFailures``.

Facts (DOC, "Configuring partial batch response with Kinesis Data Streams and Lambda";
REAL, LocalStack's AWS-validated scenarios):

* Success: a null answer, an empty one (``""``, ``[]``, ``{}``), or ``batchItemFailures``
  null or empty.
* The whole batch failed: an ``itemIdentifier`` that is empty, null, missing (another key
  name), or not the sequence number of a record of the batch.
* Otherwise the record with the lowest reported sequence number is the checkpoint: it and
  every record after it are retried.

Choices (INFERRED, docs/fidelity.md): an answer of another shape (a dict without
``batchItemFailures``, a number) counts as success, as it does without
``ReportBatchItemFailures``; ``batchItemFailures`` that is not a list, or an entry that is
not an object, fails the whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """What the answer means for the batch: ``retry_from`` is the position in the batch
    of the first record to retry (``None``: the batch succeeded; 0: all of it failed)."""

    retry_from: int | None

    @property
    def succeeded(self) -> bool:
        return self.retry_from is None


SUCCESS = Verdict(None)
WHOLE_BATCH = Verdict(0)


def verdict(answer: Any, sequence_numbers: Sequence[str]) -> Verdict:
    """Read a ``ReportBatchItemFailures`` answer for a batch with ``sequence_numbers``."""
    if not isinstance(answer, dict) or answer.get("batchItemFailures") is None:
        return SUCCESS
    failures = answer["batchItemFailures"]
    if not isinstance(failures, list):
        return WHOLE_BATCH
    if not failures:
        return SUCCESS
    positions = {number: position for position, number in enumerate(sequence_numbers)}
    reported = []
    for entry in failures:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(identifier, str) or identifier not in positions:
            return WHOLE_BATCH
        reported.append(positions[identifier])
    return Verdict(min(reported))
