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

- dynamic mapping maps a JSON integer ``long``, a fraction ``float``, ``true``/``false``
  ``boolean``, a string ``date`` when date detection (on by default) reads it, or, with
  ``numeric_detection`` on, ``long``/``float`` when it reads as a number, else ``text``
  with a ``keyword`` sub-field (``ignore_above`` 256), an object ``object``; an array by
  each value in it; ``null`` and ``[]`` add no field; a dotted name (``"a.b"``) is a path
  of objects;
- a document is read in order and fails at the first value it cannot take; the fields it
  adds are not seen by its own later values: each makes its own, and two of one name
  whose types differ fail it (``illegal_argument_exception`` ``mapper [x] cannot be
  changed from type [text] to [long]``); the index's next documents see them;
- a field name that is empty, or a dotted one with an empty part, fails the document
  (``failed to parse``, caused by ``field name cannot be an empty string`` ...); so does a
  metadata field (``_id``, ``_index`` ...) at the top of the document;
- a new field takes the mapping of the index's first dynamic template that fits it
  (``index_templates``), the JSON type a template sees being the one dynamic mapping read
  (a string date detection reads is a ``date``); a ``geo_point`` reads a whole array;
- a value a field took is copied into the fields its ``copy_to`` names (``index_copy``);
- each object read into a ``nested`` field counts against
  ``index.mapping.nested_objects.limit``; ``_doc_count`` at the top of an OpenSearch
  document is a metadata field, checked and mapped nowhere;
- once the document's new fields are merged in, the index's limits apply
  (``index_mapping.check_limits``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from pytest_firehose._destinations.index_copy import copy_values
from pytest_firehose._destinations.index_dates import DEFAULT, DETECTED, reader
from pytest_firehose._destinations.index_mapping import (
    ALLOW_TEMPLATES,
    STRICT_TEMPLATES,
    IndexMapping,
    Leaf,
    MappingError,
    Node,
    Obj,
    check_limits,
    leaf_for,
)
from pytest_firehose._destinations.index_names import split_path
from pytest_firehose._destinations.index_special import READS_NULL, written_to_alias
from pytest_firehose._destinations.index_templates import check_parent, dated
from pytest_firehose._destinations.index_types import doc_count_check
from pytest_firehose._destinations.index_values import (
    DOUBLE_TEXT,
    LONG_TEXT,
    OK,
    Cause,
    Previewed,
    boolean_check,
    date_check,
    preview,
    text_check,
)

_LONG = Leaf("long", {}, leaf_for("long"))
_FLOAT = Leaf("float", {}, leaf_for("float"))
_BOOLEAN = Leaf("boolean", {}, boolean_check)
_TEXT = Leaf(
    "text",
    {},
    text_check,
    {"keyword": Leaf("keyword", {"ignore_above": 256}, text_check)},
)


@functools.lru_cache(maxsize=64)
def _detection(formats: tuple[str, ...]) -> tuple[tuple[Callable[[str], bool], Leaf], ...]:
    """What date detection tries, in order: each format's reader, and the ``date`` field a
    string it reads makes (shown with its ``format`` unless it is the default)."""
    return tuple(
        (reader(one), Leaf("date", {"format": one} if one != DEFAULT else {}, date_check(one)))
        for one in formats
    )


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
    :class:`MappingError` when the index refuses it (nothing changed)."""
    document = _Document(mapping, doc_id, metadata)
    document.object(mapping.root, (), mapping.root.dynamic or "true", source)
    if not document.additions:
        return None
    return document.merged(in_place)


#: An object a document adds: nothing is mapped under it yet.
_NEW = Obj()
_MISSING: Any = object()


def _first(value: Any) -> Any:
    """The first value an array holds (through nested arrays), else ``_MISSING``."""
    if not isinstance(value, list):
        return value
    for item in value:
        found = _first(item)
        if found is not _MISSING:
            return found
    return _MISSING


class _Document:
    """One document read against a mapping (see the module)."""

    def __init__(
        self, mapping: IndexMapping, doc_id: Callable[[], str], metadata: frozenset[str]
    ) -> None:
        self.mapping = mapping
        self.doc_id = doc_id
        self.metadata = metadata
        #: The fields the document adds, in the order it meets them, each by its path.
        self.additions: list[tuple[tuple[str, ...], Node]] = []
        #: Whether a value being read is a copy (``copy_to``): a copy is not copied on.
        self.copying = False
        #: The nested objects read so far, and how many the index takes in one document.
        self.nested = 0
        self.nested_limit = mapping.limits["index.mapping.nested_objects.limit"]
        #: Whether ``_doc_count`` at the top is OpenSearch's metadata field (Elasticsearch
        #: 7.10 and before, which the Elasticsearch destinations reach, have none).
        self.doc_count = "_type" not in metadata

    def _full(self, path: tuple[str, ...]) -> str:
        return ".".join(path) if path else self.mapping.root_name

    def _value_failed(
        self, name: str, kind: str, value: Any, cause: Cause | Previewed
    ) -> MappingError:
        shown = preview(value)
        if isinstance(cause, Previewed):  # the check knows where the parser stopped
            shown, cause = cause.shown, cause.cause
        return MappingError(
            "mapper_parsing_exception",
            f"failed to parse field [{name}] of type [{kind}] in document with id "
            f"'{self.doc_id()}'. Preview of field's value: '{shown}'",
            cause,
        )

    def object(
        self, node: Obj, path: tuple[str, ...], dynamic: str, values: dict[str, Any]
    ) -> None:
        """Read the fields of ``values``, an object mapped as ``node`` at ``path`` whose
        effective ``dynamic`` is ``dynamic``."""
        properties = node.properties
        for name, value in values.items():
            mapper = properties.get(name)
            if type(mapper) is Leaf and value is not None and type(value) not in (list, dict):
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
        mapper = self._lookup(node, path, name, parts) if node is not _NEW else None
        if value is None:
            if mapper is None and node.dynamic in ("strict", STRICT_TEMPLATES):
                raise self.strict(path, name, node.dynamic)
            if isinstance(mapper, Leaf) and mapper.type in READS_NULL:
                self.mapped(mapper, path + parts, dynamic, name, None)
            return
        if mapper is not None:
            if isinstance(mapper, Obj) and not mapper.enabled:
                return
            if isinstance(value, list) and not _whole(mapper):
                for item in value:
                    self._field(node, path, dynamic, name, parts, item)
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
                self.object(_NEW, (*parent_path, last), "true", value)
            else:
                self.additions.append(((*parent_path, last), made))
                if not isinstance(made, Obj) or made.enabled:
                    self.mapped(made, (*parent_path, last), parent_dynamic, last, value)
        else:
            self.new_leaf((*parent_path, last), value, parent_dynamic)

    def untemplated(self, path: tuple[str, ...], name: str, dynamic: str) -> bool:
        """Whether the new field ``name`` under ``path``, which no dynamic template maps,
        stays out of the mapping (``dynamic`` is an ``*_allow_templates`` mode); under
        ``strict_allow_templates`` it fails the document."""
        if dynamic == STRICT_TEMPLATES:
            raise self.strict(path, name, dynamic)
        return dynamic in ALLOW_TEMPLATES

    def strict(self, path: tuple[str, ...], name: str, mode: str = "strict") -> MappingError:
        return MappingError(
            "strict_dynamic_mapping_exception",
            f"mapping set to {mode}, dynamic introduction of [{name}] within "
            f"[{self._full(path)}] is not allowed",
        )

    def dynamic_parent(
        self, node: Obj, path: tuple[str, ...], dynamic: str, parts: tuple[str, ...]
    ) -> tuple[Obj, tuple[str, ...], str]:
        """The object a new field of dotted ``parts`` goes into, its path and effective
        ``dynamic``; the objects on the way that are missing are added (or, where the
        mapping is not dynamic there, the last one found is the parent)."""
        for part in parts[:-1]:
            found = node.properties.get(part) if node is not _NEW else None
            if isinstance(found, Leaf):
                raise MappingError(
                    "mapper_parsing_exception",
                    f"Could not dynamically add mapping for field [{'.'.join(path + parts)}]. "
                    f"Existing mapping for [{'.'.join((*path, part))}] must be of type object "
                    f"but found [{found.type}].",
                )
            if found is None:
                if dynamic == "strict":
                    raise self.strict(path, part)
                if dynamic == "false":
                    return node, path, dynamic
                made = self._template((*path, part), "object")
                if made is None and self.untemplated(path, part, dynamic):
                    return node, path, "false"
                if made is None:
                    self.additions.append(((*path, part), Obj()))
                    node, dynamic = _NEW, "true"
                else:
                    check_parent(path + parts, (*path, part), made)
                    self.additions.append(((*path, part), made))
                    assert isinstance(made, Obj)  # check_parent refuses a leaf
                    node, dynamic = made, made.dynamic or dynamic
            else:
                node, dynamic = found, found.dynamic or dynamic
            path = (*path, part)
        return node, path, dynamic

    def _template(self, path: tuple[str, ...], json_type: str) -> Node | None:
        """The field the index's first dynamic template matching the new field at ``path``
        (its value of ``json_type``) makes, else None."""
        templates = self.mapping.templates
        if not templates:
            return None
        name = path[-1]
        full = ".".join(path)
        for template in templates:
            if template.matches(full, name, json_type):
                try:
                    return template.node(name, json_type)
                except ValueError as error:
                    raise MappingError(
                        "mapper_parsing_exception",
                        f"dynamic template [{template.name}] makes no field of [{full}]: {error}",
                    ) from None
        return None

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
            self.object(mapper, path, mapper.dynamic or dynamic, value)
            return
        full = ".".join(path)
        if mapper.type == "alias":
            raise written_to_alias(full, copying=self.copying)
        answer = mapper.check(value)
        if answer is not OK:
            if mapper.type in ("geo_point", "geo_shape"):
                # A geometry field's own message: no id, no preview.
                raise MappingError(
                    "mapper_parsing_exception",
                    f"failed to parse field [{full}] of type [{mapper.type}]",
                    answer,
                )
            if not mapper.ignore_malformed or isinstance(value, dict):
                raise self._value_failed(full, mapper.type, value, answer)
        elif mapper.type != "geo_point":  # its sub-fields take its geohash
            for sub_name, sub in mapper.fields.items():
                answer = sub.check(value)
                if answer is not OK and not sub.ignore_malformed:
                    raise self._value_failed(f"{full}.{sub_name}", sub.type, value, answer)
        if mapper.copy_to and not self.copying:
            copy_values(self, mapper.copy_to, value)

    def new_leaf(self, path: tuple[str, ...], value: Any, dynamic: str) -> None:
        """Add the field dynamic mapping (or a dynamic template) makes of ``value`` at
        ``path``, and read the value into it (a number past a long's range fails there)."""
        mapping = self.mapping
        leaf: Leaf
        json_type = "string"
        if value is True or value is False:
            leaf, json_type = _BOOLEAN, "boolean"
        elif isinstance(value, int):
            leaf, json_type = _LONG, "long"
        elif isinstance(value, float):
            leaf, json_type = _FLOAT, "double"
        else:
            text = str(value)
            as_long = bool(LONG_TEXT.fullmatch(text)) and -(2**63) <= int(text) < 2**63
            as_double = bool(DOUBLE_TEXT.fullmatch(text.strip()))
            leaf = _TEXT
            if mapping.numeric_detection and (as_long or as_double):
                leaf = _LONG if as_long else _FLOAT
                json_type = "long" if as_long else "double"
            elif mapping.date_detection and not as_long and not as_double:
                formats = DETECTED if mapping.date_formats is None else mapping.date_formats
                for reads, date in _detection(formats):
                    if reads(text):
                        leaf, json_type = date, "date"
                        break
        if mapping.templates:
            made = self._template(path, json_type)
            if made is not None:
                if json_type == "date":
                    made = dated(made, leaf)
                self.additions.append((path, made))
                self.mapped(made, path, dynamic, path[-1], value)
                return
        if self.untemplated(path[:-1], path[-1], dynamic):  # no template maps it
            return
        self.additions.append((path, leaf))
        answer = leaf.check(value)
        if answer is not OK:
            raise self._value_failed(".".join(path), leaf.type, value, answer)

    def merged(self, in_place: bool) -> IndexMapping:
        """The mapping with the document's additions, checked against the limits first
        (so that a refused document changes nothing): the mapping itself changed where
        ``in_place``, else a copy."""
        first: dict[tuple[str, ...], Node] = {}
        for path, node in self.additions:
            earlier = first.setdefault(path, node)
            if _kind(earlier) != _kind(node):
                raise MappingError(
                    "illegal_argument_exception",
                    f"mapper [{'.'.join(path)}] cannot be changed from type [{_kind(node)}] "
                    f"to [{_kind(earlier)}]",
                )
        # Each is new: a document adds a field only where the mapping has none.
        added = list(first.items())
        fields = self.mapping.fields + sum(_size(node) for _, node in added)
        check_limits(fields, added, self.mapping.limits)
        mapping = self.mapping if in_place else self.mapping.copy()
        for path, node in added:
            parent = mapping.root
            for part in path[:-1]:
                found = parent.properties[part]
                assert isinstance(found, Obj)
                parent = found
            parent.properties[path[-1]] = node.copy() if isinstance(node, Obj) else node
        mapping.fields = fields
        return mapping


def _kind(node: Node) -> str:
    return node.type


def _whole(node: Node) -> bool:
    """Whether the field reads an array as one value (``geo_point``: ``[lon, lat]``; a
    ``knn_vector``'s values)."""
    return isinstance(node, Leaf) and node.type in ("geo_point", "knn_vector")


def _size(node: Node) -> int:
    """The fields ``node`` counts for with those under it (a template's object may have
    properties)."""
    if isinstance(node, Leaf):
        return node.count()
    return 1 + sum(_size(child) for child in node.properties.values())
