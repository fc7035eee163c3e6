"""A document read against an OpenSearch index's mapping (``index_mapping``) as OpenSearch
indexes it: the fields the mapping has take their values or fail the document; a new field is
added by dynamic mapping (``dynamic`` ``true``), left out of the mapping (``false``) or
fails the document (``strict``), or, with ``strict_allow_templates`` and
``false_allow_templates``, is added where a dynamic template maps it and else fails the
document or is left out (an object a dotted name implies too); the fields a document
adds join the mapping once it is indexed, within the index's limits.

Facts (OpenSearch's "Dynamic mapping", "Mapping parameters" and "Mapping limit settings"
pages, and its source: ``DocumentParser``, ``FieldMapper``, ``MappingLookup``,
``StrictDynamicMappingException``):

- a new field is made by dynamic mapping or a dynamic template (``index_dynamic``); an array
  is read by each value in it; ``null`` and ``[]`` add no field; a dotted name (``"a.b"``)
  is a path of objects; a mapped field's ``null`` is read where its mapper (or a
  sub-field's) indexes a ``null_value`` that fails the document (``Leaf.reads_null``: a
  ``scaled_float``'s that is not finite, a ``geo_point``'s of NaN), as
  ``DocumentParser.parseNullValue`` hands the null to the field's mapper, and a
  ``keyword``'s or ``wildcard``'s ``null_value`` is indexed in its place, where Lucene
  may refuse it (``index_terms``); the ``null`` is copied to the mapped fields its
  ``copy_to`` names, which read it as their own (``parseCopyFields``);
- a document is read in order and fails at the first value it cannot take; the fields it
  adds are not seen by its own later values: each makes its own, and two of one name
  whose types differ fail it (``illegal_argument_exception`` ``mapper [x] cannot be
  changed from type [text] to [long]``); the index's next documents see them;
- a field name that is empty, or a dotted one with an empty part, fails the document
  (``failed to parse``, caused by ``field name cannot be an empty string`` ...); so does a
  metadata field (``_id``, ``_index`` ...) at the top of the document;
- a ``geo_point``, an ``xy_point`` (and a ``knn_vector``) reads a whole array, a dynamic
  template's too;
- a value a field took is copied into the fields its ``copy_to`` names (``index_copy``);
- each object read into a ``nested`` field counts against
  ``index.mapping.nested_objects.limit``; ``_doc_count`` at the top of an OpenSearch
  document is a metadata field, checked and mapped nowhere;
- once the document's new fields are merged in, the index's limits apply
  (``index_dynamic``, ``index_mapping.check_limits``);
- a document parsed whole may still be refused by Lucene, a value making a term or doc
  value past 32766 bytes (``index_terms``): the fields it adds have joined the mapping.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytest_firehose._destinations.index_completion import DOCUMENT_KEY
from pytest_firehose._destinations.index_copy import copy_values
from pytest_firehose._destinations.index_dynamic import NEW, DynamicFields
from pytest_firehose._destinations.index_join import doc_values, twice
from pytest_firehose._destinations.index_mapping import (
    STRICT_TEMPLATES,
    IndexMapping,
    Leaf,
    MappingError,
    Node,
    Obj,
)
from pytest_firehose._destinations.index_names import split_path
from pytest_firehose._destinations.index_rank_features import TYPES as RANKS
from pytest_firehose._destinations.index_rank_features import feature_answer
from pytest_firehose._destinations.index_special import READS_NULL, written_to_alias
from pytest_firehose._destinations.index_terms import TermRefusal, may_refuse, refusal
from pytest_firehose._destinations.index_types import doc_count_check
from pytest_firehose._destinations.index_values import OK


def read_document(
    mapping: IndexMapping,
    source: dict[str, Any],
    doc_id: Callable[[], str],
    metadata: frozenset[str],
    *,
    in_place: bool = False,
) -> IndexMapping | None:
    """Read the document ``source`` (``doc_id`` gives its id, for messages) against
    ``mapping``: the mapping with the fields it adds (None when it adds none: ``mapping``
    is unchanged), ``mapping`` itself changed where ``in_place``, else a copy;
    :class:`MappingError` when the index refuses it (nothing changed), or
    :class:`TermRefusal` when Lucene then refuses it (its fields added)."""
    document = _Document(mapping, doc_id, metadata)
    document.object(mapping.root, (), mapping.root.dynamic or "true", source)
    if document.joins:
        refused = twice(document.joins)
        if refused is not None:
            raise refused
    merged = document.merged(in_place) if document.additions else None
    if document.lucene is not None:
        raise TermRefusal(document.lucene, merged)
    return merged


_MISSING: Any = object()
#: The types whose mapper reads a value with its own ``parse``: their exceptions reach the
#: document unwrapped (``failed to parse``, without the field's name).
_UNWRAPPED = ("completion", "rank_features", "join")


def _first(value: Any) -> Any:
    """The first value an array holds (through nested arrays), else ``_MISSING``."""
    if not isinstance(value, list):
        return value
    for item in value:
        found = _first(item)
        if found is not _MISSING:
            return found
    return _MISSING


class _Document(DynamicFields):
    """One document read against a mapping (see the module)."""

    def __init__(
        self, mapping: IndexMapping, doc_id: Callable[[], str], metadata: frozenset[str]
    ) -> None:
        super().__init__(mapping, doc_id)
        self.metadata = metadata
        #: Whether a value being read is a copy (``copy_to``): a copy is not copied on.
        self.copying = False
        #: Whether a value being read is one of an array's (its parser names no field).
        self.in_array = False
        #: The nested objects read so far, and how many the index takes in one document.
        self.nested = 0
        self.nested_limit = mapping.limits["index.mapping.nested_objects.limit"]
        #: Whether ``_doc_count`` at the top is OpenSearch's metadata field (Elasticsearch
        #: 7.10 and before, which the Elasticsearch destinations reach, have none).
        self.doc_count = "_type" not in metadata
        #: The ``rank_feature`` fields and ``rank_features`` features given a value so far.
        self.features: set[str] = set()
        #: The doc values fields the document's join values add, in order.
        self.joins: list[str] = []
        #: Lucene's refusal of the first value it cannot index (``index_terms``), given
        #: once the whole document is parsed.
        self.lucene: MappingError | None = None

    def object(
        self, node: Obj, path: tuple[str, ...], dynamic: str, values: dict[str, Any]
    ) -> None:
        """Read the fields of ``values``, an object mapped as ``node`` at ``path`` whose
        effective ``dynamic`` is ``dynamic``."""
        properties = node.properties
        for name, value in values.items():
            mapper = properties.get(name)
            if (
                type(mapper) is Leaf
                and value is not None
                and type(value) not in (list, dict)
                and not may_refuse(value)
            ):
                # The common case, read without the general walk: a value of a field the
                # mapping has (its name holds no dot: a mapping's names hold none, and is
                # no metadata field: the mapping has none).
                if mapper.check(value) is OK and not mapper.copy_to:
                    for sub in mapper.fields.values():
                        if sub.check(value) is not OK:
                            break
                    else:
                        continue
                self.mapped(mapper, (*path, name), dynamic, name, value)
                continue
            parts = split_path(name)
            if not path and name == "_doc_count" and self.doc_count:
                for item in value if isinstance(value, list) else [value]:
                    answer = doc_count_check(item)
                    if answer is not OK:
                        raise self._value_failed(name, name, item, answer)
                continue
            if not path and name in self.metadata:
                first = _first(value)
                if first is not _MISSING:
                    raise self._value_failed(
                        name,
                        name,
                        first,
                        (
                            "mapper_parsing_exception",
                            f"Field [{name}] is a metadata field and cannot be added inside "
                            "a document. Use the index API request parameters.",
                        ),
                    )
                continue
            self._field(node, path, dynamic, name, parts, value)

    def _lookup(
        self, node: Obj, path: tuple[str, ...], name: str, parts: tuple[str, ...]
    ) -> Node | None:
        """The field ``name`` (``parts``) of ``node`` names, through dotted objects."""
        for depth, part in enumerate(parts[:-1], 1):
            found = node.properties.get(part)
            if not isinstance(found, Obj):
                return None
            if found.type == "nested":
                nested = ".".join(path + parts[:depth])
                raise MappingError(
                    "mapper_parsing_exception",
                    f"Cannot add a value for field [{name}] since one of the intermediate "
                    f"objects is mapped as a nested object: [{nested}]",
                )
            if not found.enabled:
                return found
            node = found
        return node.properties.get(parts[-1])

    def _field(
        self,
        node: Obj,
        path: tuple[str, ...],
        dynamic: str,
        name: str,
        parts: tuple[str, ...],
        value: Any,
    ) -> None:
        mapper = self._lookup(node, path, name, parts) if node is not NEW else None
        if value is None:
            if mapper is None and node.dynamic in ("strict", STRICT_TEMPLATES):
                raise self.strict(path, name, node.dynamic)
            if isinstance(mapper, Leaf):
                self.mapped(mapper, path + parts, dynamic, name, None)
            return
        if mapper is not None:
            if isinstance(mapper, Obj) and not mapper.enabled:
                return
            if isinstance(value, list) and not _whole(mapper):
                self.in_array, outside = True, self.in_array
                try:
                    for item in value:
                        self._field(node, path, dynamic, name, parts, item)
                finally:
                    self.in_array = outside
                return
            self.mapped(mapper, path + parts, dynamic, name, value)
            return
        parent, parent_path, parent_dynamic = self.dynamic_parent(node, path, dynamic, parts)
        last = parts[-1]
        if not parent.enabled:
            return
        if parent_dynamic == "strict":
            at = path if isinstance(value, dict) else parent_path
            raise self.strict(at, last)
        if parent_dynamic == "false":
            return
        if isinstance(value, list):
            made = self._template((*parent_path, last), "object")
            if made is not None and _whole(made):
                # A template's geo_point reads the whole array (OpenSearch asks the
                # templates of an array's name as of an object's).
                self.additions.append(((*parent_path, last), made))
                self.mapped(made, (*parent_path, last), parent_dynamic, last, value)
                return
            for item in value:
                self._field(parent, parent_path, parent_dynamic, last, (last,), item)
        elif isinstance(value, dict):
            made = self._template((*parent_path, last), "object")
            if made is None and self.untemplated(path, last, parent_dynamic):
                return
            if made is None:
                self.additions.append(((*parent_path, last), Obj()))
                self.object(NEW, (*parent_path, last), "true", value)
            else:
                self.additions.append(((*parent_path, last), made))
                if not isinstance(made, Obj) or made.enabled:
                    self.mapped(made, (*parent_path, last), parent_dynamic, last, value)
        else:
            self.new_leaf((*parent_path, last), value, parent_dynamic)

    def mapped(
        self, mapper: Node, path: tuple[str, ...], dynamic: str, name: str, value: Any
    ) -> None:
        """Read ``value`` (no array, not null) into the field ``mapper`` at ``path``."""
        if isinstance(mapper, Obj):
            if not isinstance(value, dict):
                raise MappingError(
                    "mapper_parsing_exception",
                    f"object mapping for [{'.'.join(path)}] tried to parse field [{name}] as "
                    "object, but found a concrete value",
                )
            if mapper.type == "nested":
                self.nested += 1
                limit = self.nested_limit
                if limit is not None and self.nested > limit:
                    raise MappingError(
                        "mapper_parsing_exception",
                        f"The number of nested documents has exceeded the allowed limit of "
                        f"[{limit}]. This limit can be set by changing the "
                        "[index.mapping.nested_objects.limit] index level setting.",
                    )
            self.in_array, outside = False, self.in_array  # its fields are named
            self.object(mapper, path, mapper.dynamic or dynamic, value)
            self.in_array = outside
            return
        full = ".".join(path)
        if mapper.type == "alias":
            raise written_to_alias(full, copying=self.copying)
        if value is None and not _reads_null(mapper):
            # Its mapper indexes its null_value, or nothing; its sub-fields and the fields
            # it copies to read the null as their own mappers do.
            self._null_fields(mapper, full)
        else:
            self._leaf(mapper, full, name, value)
        if mapper.copy_to and not self.copying:
            copy_values(self, mapper.copy_to, value, "null" if self.in_array else name)

    def _null_fields(self, leaf: Leaf, full: str) -> None:
        """A document's ``null`` in ``leaf`` (at ``full``), whose check does not read it:
        a ``keyword``'s or ``wildcard``'s ``null_value`` indexed in its place (which Lucene
        may refuse), and the ``null`` read by its sub-fields as each reads one (a check
        that reads it failing the document as a value it cannot take does)."""
        self._null_indexed(leaf, full)
        for sub_name, sub in leaf.fields.items():
            if not _reads_null(sub):
                self._null_indexed(sub, f"{full}.{sub_name}")
                continue
            answer = sub.check(None)
            if answer is not OK and not sub.ignore_malformed:
                raise self._value_failed(f"{full}.{sub_name}", sub.type, None, answer)

    def _null_indexed(self, leaf: Leaf, full: str) -> None:
        """``KeywordFieldMapper`` (``WildcardFieldMapper``) indexes its ``null_value`` for a
        ``null`` as it indexes a value: ``ignore_above``, then Lucene's term limits."""
        null_value = leaf.params.get("null_value")
        if leaf.type in ("keyword", "wildcard") and isinstance(null_value, str):
            self._indexed(leaf, full, null_value)

    def _leaf(self, mapper: Leaf, full: str, name: str, value: Any) -> None:
        """Read ``value`` into the field ``mapper`` at ``full``, and into its sub-fields."""
        if mapper.type in RANKS:
            answer = feature_answer(mapper, full, value, self.features)
        else:
            answer = mapper.check(value)
        if answer is not OK:
            if mapper.type in _UNWRAPPED:
                kind, reason = answer
                raise MappingError(
                    "mapper_parsing_exception",
                    "failed to parse",
                    (kind, reason.replace(DOCUMENT_KEY, name)),
                )
            if mapper.type in ("geo_point", "geo_shape", "xy_point", "xy_shape"):
                # A geometry field's own message: no id, no preview.
                raise MappingError(
                    "mapper_parsing_exception",
                    f"failed to parse field [{full}] of type [{mapper.type}]",
                    answer,
                )
            if not mapper.ignore_malformed or isinstance(value, dict):
                raise self._value_failed(full, mapper.type, value, answer)
        elif mapper.type == "join":
            self.joins.extend(doc_values(full, value))
        elif mapper.type != "geo_point":  # its sub-fields take its geohash
            self._indexed(mapper, full, value)
            if value is None:
                self._null_fields(mapper, full)
                return
            for sub_name, sub in mapper.fields.items():
                answer = sub.check(value)
                if answer is not OK and not sub.ignore_malformed:
                    raise self._value_failed(f"{full}.{sub_name}", sub.type, value, answer)
                if answer is OK:
                    self._indexed(sub, f"{full}.{sub_name}", value)

    def _indexed(self, leaf: Leaf, full: str, value: Any) -> None:
        """Keep Lucene's refusal of ``value`` in ``leaf`` at ``full`` if it is the first."""
        if self.lucene is None:
            self.lucene = refusal(leaf, full, value, self.mapping.settings)


def _reads_null(leaf: Leaf) -> bool:
    """Whether ``leaf``'s check reads a document's ``null``."""
    return leaf.type in READS_NULL or leaf.reads_null


def _whole(node: Node) -> bool:
    """Whether the field reads an array as one value (``geo_point``: ``[lon, lat]``, and
    ``xy_point``: ``[x, y]``; a ``knn_vector``'s values; a ``completion``'s inputs)."""
    return isinstance(node, Leaf) and node.type in (
        "geo_point",
        "xy_point",
        "knn_vector",
        "completion",
    )
