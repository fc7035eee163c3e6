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
(status 400, ``mapper_parsing_exception``); so is a document whose index OpenSearch
cannot create, its name breaking OpenSearch's rules (``invalid_index_name_exception``:
upper case, ``*``, a leading ``-`` ...: ``index_patterns``), and a document its index's
mapping refuses (:mod:`~pytest_firehose._destinations.index_mapping`: a value its field
cannot take, a new field where the mapping is ``strict``, a metadata field, the index's
limits), with OpenSearch's error, and one Lucene refuses once it is parsed (a term or doc
value past 32766 bytes: :mod:`~pytest_firehose._destinations.index_terms`), whose new
fields join the mapping all the same, as OpenSearch updates the mapping first. A retry
cannot change that, so it is written at once (only a document refused with 429 is
retried) to the ``S3Configuration`` bucket under
``AmazonOpenSearchService-failed/``, as a document refused with ``destination_refuses``
is. The mapping is checked first: ``destination_refuses`` is asked about the documents
the mapping takes.

Each index's mapping lives with its domain (``search_indexes``); the documents of a batch
are checked in bulk order, each against the mapping the documents before it left. The
fields a document adds join its index's mapping once it is delivered: a document
``destination_refuses`` then refuses adds none (the documents after it in its batch were
checked with its fields, as the bulk request would have been read).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.base import Refusal
from pytest_firehose._destinations.delivery_errors import ERRORS, OPENSEARCH, SERVERLESS
from pytest_firehose._destinations.index_documents import read_document
from pytest_firehose._destinations.index_elasticsearch import engine
from pytest_firehose._destinations.index_mapping import (
    ELASTICSEARCH_METADATA,
    METADATA,
    IndexMapping,
    MappingError,
    bulk_error,
)
from pytest_firehose._destinations.index_patterns import index_name_error
from pytest_firehose._destinations.index_terms import TermRefusal
from pytest_firehose._destinations.search_indexes import (
    NotCreated,
    SearchIndexes,
    TemplateConflict,
    domain_key,
)
from pytest_firehose._destinations.stored import (
    StoredDestination,
    index_name,
)
from pytest_firehose._ids import record_id_text
from pytest_firehose._json_text import room_to_walk, strict_json
from pytest_firehose._payload import payload_bytes

if TYPE_CHECKING:
    from pytest_firehose._destinations.base import Accepted, DeliveryTarget, Destination
    from pytest_firehose._destinations.objects import DeliveredObject

NO_DOCUMENT_ID = "NO_DOCUMENT_ID"
#: The bulk item status of a document that is not one JSON object.
NOT_JSON = "400"
#: The nested calls reading a document makes for each level of its nesting (at most).
_CALLS_A_LEVEL = 6


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise ValueError("a key given twice")  # OpenSearch's parser refuses duplicate keys
    return found


def document_source(payload: Any) -> dict[str, Any] | None:
    """The record's JSON object as OpenSearch's parser reads it, or None when it reads none:
    not one JSON object in UTF-8 (NaN and Infinity are no JSON), or one that gives a key
    twice (OpenSearch's JSON parser detects duplicate keys)."""
    try:
        value = strict_json(payload_bytes(payload).decode(), object_pairs_hook=_object)
    except ValueError:  # UnicodeDecodeError is a ValueError
        return None
    return value if isinstance(value, dict) else None


def _domain(kind: str, config: dict[str, Any]) -> str:
    """The domain, cluster or collection ``config`` names, as its indexes are kept."""
    if kind == SERVERLESS:
        return domain_key(str(config.get("CollectionEndpoint") or ""))
    return domain_key(str(config.get("DomainARN") or config.get("ClusterEndpoint") or ""))


def generated_id(record_id: str) -> str:
    """The id the index makes for a document sent without one (20 URL-safe base64
    characters, as OpenSearch's are), drawn from its record so it is the same each run."""
    digest = hashlib.sha256(record_id.encode()).digest()[:15]
    return base64.urlsafe_b64encode(digest).decode()


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
        #: The domain, cluster or collection, and the index name without rotation.
        self.domain = _domain(kind, config)
        self.index_name = str(config.get("IndexName", ""))
        self._root_name = self._type or "_doc"
        #: Whether the domain is a legacy Elasticsearch one (``index_elasticsearch``).
        self._elasticsearch = kind == OPENSEARCH[1]
        self._metadata = ELASTICSEARCH_METADATA if self._elasticsearch else METADATA
        #: The indexes of the world's domains (set by the service; a destination
        #: made on its own keeps its own).
        self.indexes = SearchIndexes()
        #: What the last ``refusals`` took: the records the mappings took, each with its
        #: JSON object and index, and the mappings as those records left them.
        self._taken: list[tuple[Accepted, dict[str, Any], str]] = []
        self._left: dict[str, IndexMapping] = {}
        #: The index of the last arrival time asked (a put's records share theirs).
        self._last_index: tuple[Any, str] = (None, "")
        #: Each index name met, with the refusal of its documents if OpenSearch cannot
        #: create an index of that name.
        self._names: dict[str, Refusal | None] = {}
        #: The records the last ``refusals`` read, and those of them Lucene refused once
        #: their fields had joined the mapping (by ``id``).
        self._records: Sequence[Accepted] = ()
        self._lucene: set[int] = set()

    def _index_at(self, arrived: Any) -> str:
        last, name = self._last_index
        if arrived is not last:
            name = self._index(arrived)
            self._last_index = (arrived, name)
        return name

    def _read(
        self, records: Sequence[tuple[Accepted, dict[str, Any] | None]]
    ) -> tuple[
        dict[int, Refusal], list[tuple[Accepted, dict[str, Any], str]], dict[str, IndexMapping]
    ]:
        """Read ``records`` (each with its JSON object, None when it has none) in bulk
        order, each against its index's mapping as the ones before it left it: the
        refusals by position, the records taken with their objects and indexes, and the
        mappings they leave."""
        refused: dict[int, Refusal] = {}
        taken: list[tuple[Accepted, dict[str, Any], str]] = []
        left: dict[str, IndexMapping] = {}
        #: The indexes whose mapping in ``left`` is this read's own copy, changed in place.
        own: set[str] = set()
        for position, (record, source) in enumerate(records):
            if source is None:
                refused[position] = self._not_json
                continue
            index = self._index_at(record[2])
            bad_name = self._bad_name(index)
            if bad_name is not None:
                refused[position] = bad_name
                continue
            mapping = left.get(index)
            if mapping is None:
                try:
                    found = self.indexes.current(
                        self.domain, index, self._root_name, elasticsearch=self._elasticsearch
                    )
                except TemplateConflict as error:  # legacy templates that do not merge
                    reason = error.reason.removeprefix("OpenSearch refuses this mapping: ")
                    failed = MappingError("mapper_parsing_exception", reason)
                    refused[position] = Refusal(NOT_JSON, failed.json())
                    continue
                except NotCreated as error:  # what an Elasticsearch domain lacks
                    refused[position] = Refusal(NOT_JSON, error.error.json())
                    continue
                mapping = left[index] = found
            try:
                # The types dynamic templates may give; room to walk a document nested as
                # deep as OpenSearch's parser reads.
                with engine(self._elasticsearch), room_to_walk(_CALLS_A_LEVEL):
                    changed = read_document(
                        mapping,
                        source,
                        partial(self._id, record[1]),
                        self._metadata,
                        in_place=index in own,
                    )
            except TermRefusal as error:  # refused once its fields joined the mapping
                refused[position] = Refusal(NOT_JSON, error.json())
                changed = error.mapping
                self._lucene.add(id(record))
            except MappingError as error:
                refused[position] = Refusal(NOT_JSON, error.json())
                continue
            else:
                taken.append((record, source, index))
            if changed is not None:
                left[index] = changed
                own.add(index)
        return refused, taken, left

    def _bad_name(self, index: str) -> Refusal | None:
        """The refusal of a document whose index OpenSearch cannot create (its name
        breaks OpenSearch's rules), as its bulk item answers; None for a good name."""
        if index in self._names:
            return self._names[index]
        reason = index_name_error(index)
        refusal = None
        if reason is not None:
            error = {
                "type": "invalid_index_name_exception",
                "reason": reason,
                "index_uuid": "_na_",
                "index": index,
            }
            refusal = Refusal(NOT_JSON, bulk_error(error))
        self._names[index] = refusal
        return refusal

    def refusals(self, records: Sequence[Accepted]) -> dict[int, Refusal]:
        """The refusal of each of ``records`` that is no document (not one JSON object), or
        that its index's mapping refuses, by position; each read in bulk order against the
        mapping the ones before it left."""
        self._records, self._lucene = records, set()
        refused, self._taken, self._left = self._read(
            [(record, document_source(record[0])) for record in records]
        )
        return refused

    def _id(self, key: Any) -> str:
        record_id = record_id_text(key)
        return record_id if self._ids else generated_id(record_id)

    def deliver(self, target: DeliveryTarget, obj: DeliveredObject) -> None:
        """Index ``obj``'s records: their documents, and the fields they add to their
        indexes' mappings."""
        taken, self._taken = self._taken, []
        left, self._left = self._left, {}
        accepted = obj.accepted
        if len(taken) != len(accepted) or any(
            entry[0] is not record for entry, record in zip(taken, accepted, strict=False)
        ):
            # Some the mappings took were refused after (destination_refuses): only the
            # delivered ones add fields (one read with a refused one's fields is indexed),
            # and those Lucene refused, in bulk order.
            sources = {id(entry[0]): entry[1] for entry in taken}
            delivered = {id(record) for record in accepted}
            again = [
                record
                for record in self._records
                if id(record) in delivered or id(record) in self._lucene
            ]
            if len(again) != len(delivered) + len(self._lucene):
                again = list(accepted)
            read = [
                (record, sources.get(id(record)) or document_source(record[0]) or {})
                for record in again
            ]
            _, _, left = self._read(read)
            taken = [
                (record, source, self._index_at(record[2]))
                for record, source in read
                if id(record) in delivered
            ]
        for index, mapping in left.items():
            self.indexes.commit(self.domain, index, mapping)
        obj.documents = tuple(
            self._document(record, source, index) for record, source, index in taken
        )

    def _document(self, record: Accepted, source: dict[str, Any], index: str) -> dict[str, Any]:
        key = record[1]
        return {
            "_index": index,
            "_id": record_id_text(key) if self._ids else None,
            "_type": self._type,
            "_source": source,
        }
