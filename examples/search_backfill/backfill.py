"""Replay the documents Firehose could not index.

When an OpenSearch destination stays unreachable for longer than its retry duration,
Firehose gives the documents up: it writes them to the delivery stream's backup bucket
(the destination's ``S3Configuration``) under ``AmazonOpenSearchService-failed/``, one JSON
line per document, the document itself base64-encoded in ``rawData``. Once the cluster is
back, this job puts those documents into the delivery stream again and deletes each object
whose documents all went in.

An object with a document Firehose refused (a partial PutRecordBatch failure) is kept and
replayed whole on the next run: the replay is at least once, so a document may be indexed
twice (an index that uses a document id absorbs that).
"""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass, field
from typing import Any

FAILED_FOLDER = "AmazonOpenSearchService-failed/"
#: PutRecordBatch takes at most 500 records a call.
MAX_BATCH = 500


@dataclass
class BackfillResult:
    """What one run did."""

    replayed: int = 0  # documents Firehose took
    done: list[str] = field(default_factory=list)  # keys of the objects replayed and deleted
    kept: list[str] = field(default_factory=list)  # keys left for the next run


def documents(body: bytes, key: str) -> list[bytes]:
    """The documents of one failed-documents object (gzip when its key says so)."""
    if key.endswith(".gz"):
        body = gzip.decompress(body)
    return [base64.b64decode(json.loads(line)["rawData"]) for line in body.splitlines() if line]


def backfill(s3: Any, firehose: Any, bucket: str, stream: str, prefix: str = "") -> BackfillResult:
    """Replay every failed-documents object under ``prefix`` in ``bucket`` into ``stream``."""
    result = BackfillResult()
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix + FAILED_FOLDER
    )
    for page in pages:
        for listed in page.get("Contents", []):
            key = listed["Key"]
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            taken = _put_all(firehose, stream, documents(body, key))
            result.replayed += taken.taken
            if taken.refused:
                result.kept.append(key)
            else:
                s3.delete_object(Bucket=bucket, Key=key)
                result.done.append(key)
    return result


@dataclass
class _Taken:
    taken: int = 0
    refused: int = 0


def _put_all(firehose: Any, stream: str, docs: list[bytes]) -> _Taken:
    taken = _Taken()
    for start in range(0, len(docs), MAX_BATCH):
        batch = docs[start : start + MAX_BATCH]
        answer = firehose.put_record_batch(
            DeliveryStreamName=stream, Records=[{"Data": doc} for doc in batch]
        )
        taken.refused += answer["FailedPutCount"]
        taken.taken += len(batch) - answer["FailedPutCount"]
    return taken
