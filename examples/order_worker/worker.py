"""Process orders from a Kinesis queue, at least once and without doing an order twice.

A queue hands out a record until it is acknowledged: a record the worker could not process
comes back after its visibility timeout, and after ``MaxReceiveCount`` receives it becomes
a dead-letter record. A record can also come back after it was processed: the
acknowledgement may be lost, or the queue may deliver it again ("on rare occasions").
The worker remembers the ``RecordId`` of every order it processed, so a redelivery is
acknowledged without being processed again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, MutableSet
from dataclasses import dataclass, field
from typing import Any

#: What a worker does with one order: raise to leave it for a later receive.
Process = Callable[[dict[str, Any]], None]


@dataclass
class PollResult:
    """What one poll did."""

    processed: list[str] = field(default_factory=list)  # RecordIds
    redelivered: list[str] = field(default_factory=list)  # RecordIds already processed
    failed: list[str] = field(default_factory=list)  # RecordIds left for a later receive
    #: Receipt handles the queue did not take the acknowledgement of, with its error code.
    not_acknowledged: dict[str, str] = field(default_factory=dict)


class OrderWorker:
    """Receives up to ten orders a poll from ``queue_arn`` and acknowledges those done."""

    def __init__(
        self,
        client: Any,
        queue_arn: str,
        process: Process,
        *,
        done: MutableSet[str] | None = None,
        wait_seconds: int = 20,
    ) -> None:
        self._client = client
        self._queue = queue_arn
        self._process = process
        #: RecordIds of the orders processed (a real worker keeps them in a database).
        self.done: MutableSet[str] = done if done is not None else set()
        self._wait = wait_seconds

    def poll(self) -> PollResult:
        """One receive, the orders processed, one acknowledgement of what is done."""
        result = PollResult()
        records = self._client.receive_queue_records(
            QueueARN=self._queue, WaitTimeSeconds=self._wait
        )["QueueRecords"]
        finished: list[str] = []
        for record in records:
            record_id = record["RecordId"]
            if record_id in self.done:
                result.redelivered.append(record_id)
                finished.append(record["ReceiptHandle"])
                continue
            try:
                self._process(json.loads(record["Data"]))
            except Exception:  # any failure leaves the order to the queue
                result.failed.append(record_id)
                continue
            self.done.add(record_id)
            result.processed.append(record_id)
            finished.append(record["ReceiptHandle"])
        if finished:
            answer = self._client.acknowledge_queue_records(
                QueueARN=self._queue,
                Entries=[{"ReceiptHandle": handle} for handle in finished],
            )
            for entry in answer["Failed"]:
                result.not_acknowledged[entry["ReceiptHandle"]] = entry["ErrorCode"]
        return result
