"""Delivery to an OpenSearch Service domain, an Elasticsearch domain or an OpenSearch
Serverless collection: each record becomes one document of a bulk request's ``index``
action, and the documents each index received are kept on the delivered object
(``documents``), as a Redshift or Snowflake destination's rows are.

The developer guide ("Understand data delivery", "Configure index rotation") and the API
reference (``DocumentIdOptions``, ``TypeName``) say what a document is:

- its index, ``IndexName`` with the rotation's suffix from the record's arrival (UTC);
  a Serverless collection has no rotation;
- its id: with ``DocumentIdOptions`` ``FIREHOSE_DEFAULT`` (the default) one Firehose
  makes, stable across attempts: the fake's is the RecordId, as a failed document's
  ``esDocumentId`` names it; with ``NO_DOCUMENT_ID`` none (the domain makes one), and none
  for a Serverless collection, whose time series and vector search collections refuse one;
- its type, ``TypeName`` (Elasticsearch 6 and earlier), when given;
- its source, the record, which must be one JSON object in UTF-8.

A record that is not one JSON object is refused as OpenSearch answers such a bulk item
(status 400, ``mapper_parsing_exception``): a retry cannot change that, so it is written
at once (only a document refused with 429 is retried) to the ``S3Configuration`` bucket
under ``AmazonOpenSearchService-failed/``, as a document refused with
``destination_refuses`` is. The fake knows no mappings: every JSON
object is indexed as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.base import Refusal
from pytest_firehose._destinations.delivery_errors import ERRORS, SERVERLESS
from pytest_firehose._destinations.stored import (
    StoredDestination,
    index_name,
    json_object,
    refused_unless_json,
)
from pytest_firehose._ids import record_id_text

if TYPE_CHECKING:
    from pytest_firehose._destinations.base import Accepted, DeliveryTarget, Destination
    from pytest_firehose._destinations.objects import DeliveredObject

NO_DOCUMENT_ID = "NO_DOCUMENT_ID"
#: The bulk item status of a document that is not one JSON object.
NOT_JSON = "400"


class OpenSearchDestination(StoredDestination):
    """Indexes each record as a document (see the module); fails, backs up and is
    switched off as the other destinations the fake stores."""

    def __init__(self, kind: str, config: dict[str, Any], bucket: Destination) -> None:
        super().__init__(kind, config, bucket)
        self._index = index_name(kind, config)
        id_format = (config.get("DocumentIdOptions") or {}).get("DefaultDocumentIdFormat")
        self._ids = kind != SERVERLESS and id_format != NO_DOCUMENT_ID
        self._type = str(config.get("TypeName") or "") or None
        errors = ERRORS[kind]
        self._not_json = Refusal(
            NOT_JSON, errors.refusals[NOT_JSON], NOT_JSON in errors.retried_refusals
        )

    def refusals(self, records: Sequence[Accepted]) -> dict[int, Refusal]:
        """The refusal of each of ``records`` that is no document (not one JSON object), by
        position."""
        return refused_unless_json(records, self._not_json)

    def deliver(self, target: DeliveryTarget, obj: DeliveredObject) -> None:
        obj.documents = tuple(self._document(record) for record in obj.accepted)

    def _document(self, record: Accepted) -> dict[str, Any]:
        payload, key, arrived = record
        return {
            "_index": self._index(arrived),
            "_id": record_id_text(key) if self._ids else None,
            "_type": self._type,
            "_source": json_object(payload) or {},
        }
