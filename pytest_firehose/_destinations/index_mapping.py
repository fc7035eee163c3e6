"""An OpenSearch index's mapping: its fields (:class:`Leaf` holds values, :class:`Obj` is an
``object`` or ``nested`` field, or the root), its settings and limits, as ``GET
index/_mapping`` shows it; and the error a document the index refuses answers with.
``index_documents`` reads a document against it.

Facts (OpenSearch's "Mapping limit settings" page and its source, ``MappingLookup``):
once a document's new fields are merged in, the index's limits apply:
``index.mapping.total_fields.limit`` (1000: fields, their sub-fields and objects),
``index.mapping.depth.limit`` (20: an object ``a.b`` is at depth 3),
``index.mapping.field_name_length.limit`` (no limit unless set; it measures the index's
metadata fields' names too, so a limit below 22, the length of ``_data_stream_timestamp``,
refuses every mapping change),
``index.mapping.nested_fields.limit`` (50), each an ``illegal_argument_exception``; and
while a document is read, ``index.mapping.nested_objects.limit`` (10000 nested objects in
one document, ``mapper_parsing_exception``). A
mapping shows its properties sorted by name and ``dynamic`` as a string.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_firehose._destinations.index_values import (
    INTEGERS,
    Cause,
    Check,
    boolean_check,
    date_check,
    float_check,
    integer_check,
    text_check,
)
from pytest_firehose._destinations.java_hashmap import hash_order

if TYPE_CHECKING:
    from pytest_firehose._destinations.index_templates import DynamicTemplate

#: The metadata fields every index has (``IndicesModule``'s built-in metadata mappers, in
#: their order), which ``MappingLookup`` holds among its field mappers.
METADATA_FIELDS = (
    "_ignored",
    "_id",
    "_routing",
    "_index",
    "_data_stream_timestamp",
    "_source",
    "_nested_path",
    "_version",
    "_seq_no",
    "_doc_count",
    "_field_names",
)
#: The metadata fields a document may not hold at its top (OpenSearch 2's; an
#: Elasticsearch destination's ``_type`` too, :data:`ELASTICSEARCH_METADATA`).
METADATA = frozenset(
    {
        "_id",
        "_index",
        "_routing",
        "_source",
        "_version",
        "_seq_no",
        "_field_names",
        "_ignored",
        "_nested_path",
        "_data_stream_timestamp",
    }
)
ELASTICSEARCH_METADATA = METADATA | {"_type"}
#: The ``dynamic`` modes (OpenSearch 2.16 on) that add a new field only where a dynamic
#: template maps it, and else fail the document (``strict_...``) or leave the field in the
#: source only (``false_...``).
STRICT_TEMPLATES = "strict_allow_templates"
ALLOW_TEMPLATES = (STRICT_TEMPLATES, "false_allow_templates")
#: The index settings modelled, with their defaults (None: no limit).
LIMITS: dict[str, int | None] = {
    "index.mapping.total_fields.limit": 1000,
    "index.mapping.depth.limit": 20,
    "index.mapping.field_name_length.limit": None,
    "index.mapping.nested_fields.limit": 50,
    "index.mapping.nested_objects.limit": 10000,
}


class BadMapping(ValueError):
    """A mapping or setting the fake does not take: the message says what it takes."""


class NoHandler(BadMapping):
    """OpenSearch's refusal of a field whose type it has no parser for: ``kind`` is the
    type as the message names it, ``field`` the field's name as it was read (a sub-field's
    and an inner property's with their parent's before a dot)."""

    def __init__(self, message: str, kind: str, field: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.field = field


class MappingError(Exception):
    """A document the index refuses: OpenSearch's bulk item error (``type``, ``reason``
    and, where the fake writes it, ``caused_by``), with status 400."""

    def __init__(self, kind: str, reason: str, cause: Cause = None) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.cause = cause

    def json(self) -> str:
        """The error as the bulk answer writes it, compact."""
        error: dict[str, Any] = {"type": self.kind, "reason": self.reason}
        if self.cause is not None:
            error["caused_by"] = caused_by(self.cause)
        return bulk_error(error)


def caused_by(cause: tuple[str, str] | tuple[str, str, Cause]) -> dict[str, Any]:
    """A ``caused_by`` object, with the one it holds where the cause has one."""
    shown: dict[str, Any] = {"type": cause[0], "reason": cause[1]}
    if len(cause) == 3 and cause[2] is not None:
        shown["caused_by"] = caused_by(cause[2])
    return shown


def bulk_error(error: Mapping[str, Any]) -> str:
    """A bulk item's ``error`` object as the bulk answer writes it: compact, its text as
    given (not escaped to ASCII)."""
    return json.dumps(error, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Leaf:
    """A field that holds values: its type, the parameters shown for it, its sub-fields
    (``fields``), and how it checks a value (:mod:`index_values`). Shared between copies
    of a mapping: it never changes."""

    type: str
    params: dict[str, Any]
    check: Check
    fields: dict[str, Leaf] = field(default_factory=dict)
    ignore_malformed: bool = False
    #: The fields (full dotted paths) its values are also indexed into (``copy_to``).
    copy_to: tuple[str, ...] = ()
    #: The names of the fields it makes that no mapping shows but the index's limits count
    #: (a ``search_as_you_type``'s prefix and shingle fields, a ``join``'s parent fields
    #: and ``_parent_join``), as ``index.mapping.field_name_length.limit`` measures them.
    hidden: tuple[str, ...] = ()
    #: Whether a document's ``null`` is read by its check: a ``null_value`` its indexing
    #: refuses (a ``scaled_float``'s that is not finite, a ``geo_point``'s of NaN).
    reads_null: bool = False

    def count(self) -> int:
        return 1 + len(self.hidden) + sum(sub.count() for sub in self.fields.values())


@dataclass
class Obj:
    """An ``object`` or ``nested`` field (or the root): its fields, its ``dynamic`` (None:
    its parent's), whether it is ``enabled``, and other parameters shown for it."""

    type: str = "object"
    properties: dict[str, Leaf | Obj] = field(default_factory=dict)
    dynamic: str | None = None
    enabled: bool = True
    params: dict[str, Any] = field(default_factory=dict)

    def copy(self) -> Obj:
        properties = {
            name: node.copy() if isinstance(node, Obj) else node
            for name, node in self.properties.items()
        }
        return Obj(self.type, properties, self.dynamic, self.enabled, self.params)

    def count(self) -> int:
        return 1


Node = Leaf | Obj


def leaf_for(kind: str, *, coerce: bool = True, formats: str | None = None) -> Check:
    """The value check of a field of type ``kind``."""
    if kind in INTEGERS:
        return integer_check(kind, coerce)
    if kind in ("double", "float", "half_float"):
        return float_check(kind, coerce)
    if kind == "boolean":
        return boolean_check
    if kind == "date":
        return date_check(formats)
    if kind == "date_nanos":
        from pytest_firehose._destinations.index_nanos import nanos_check

        return nanos_check(formats)
    if kind == "ip":
        from pytest_firehose._destinations.index_values import ip_check

        return ip_check
    if kind in ("scaled_float", "unsigned_long", "binary"):
        from pytest_firehose._destinations import index_types

        if kind == "scaled_float":
            return index_types.scaled_float_check(coerce)
        if kind == "unsigned_long":
            return index_types.unsigned_long_check(coerce)
        return index_types.unread_check
    return text_check


@dataclass
class IndexMapping:
    """One index's mapping and settings."""

    root: Obj = field(default_factory=Obj)
    date_detection: bool = True
    numeric_detection: bool = False
    #: The root's name in messages: ``_doc``, or an Elasticsearch 6 ``TypeName``.
    root_name: str = "_doc"
    limits: dict[str, int | None] = field(default_factory=lambda: dict(LIMITS))
    #: The root parameters given explicitly, shown as given.
    shown_root: dict[str, Any] = field(default_factory=dict)
    fields: int = 0
    #: The ``dynamic_templates``, in order (``index_templates``).
    templates: tuple[DynamicTemplate, ...] = ()
    #: The formats date detection tries (``dynamic_date_formats``; None: the defaults).
    date_formats: tuple[str, ...] | None = None
    #: The mappings and settings JSON it was read from (``index_merge`` merges them).
    given: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def copy(self) -> IndexMapping:
        return IndexMapping(
            self.root.copy(),
            self.date_detection,
            self.numeric_detection,
            self.root_name,
            self.limits,
            self.shown_root,
            self.fields,
            self.templates,
            self.date_formats,
            self.given,
            self.settings,
        )

    def shown(self) -> dict[str, Any]:
        """The mapping as ``GET index/_mapping`` shows its ``mappings``."""
        shown = dict(self.shown_root)
        if "dynamic_templates" in shown:
            shown["dynamic_templates"] = [template.shown() for template in self.templates]
        if self.root.properties:
            shown["properties"] = _shown_properties(self.root.properties)
        return shown


def _shown_properties(properties: dict[str, Node]) -> dict[str, Any]:
    return {name: _shown(properties[name]) for name in sorted(properties)}


def _shown(node: Node) -> dict[str, Any]:
    if isinstance(node, Leaf):
        shown: dict[str, Any] = {"type": node.type, **node.params}
        if node.fields:
            shown["fields"] = {name: _shown(sub) for name, sub in sorted(node.fields.items())}
        return shown
    # ObjectMapper.toXContent: an object's type only where it has no properties, whether
    # it was given or not.
    shown = {"type": node.type} if node.type != "object" or not node.properties else {}
    if node.dynamic is not None:
        shown["dynamic"] = node.dynamic
    if not node.enabled:
        shown["enabled"] = False
    shown.update(node.params)
    if node.properties:
        shown["properties"] = _shown_properties(node.properties)
    return shown


def check_limits(
    fields: int,
    added: list[tuple[tuple[str, ...], Node]],
    limits: dict[str, int | None],
    *,
    merge: bool = False,
    nested_before: int = 0,
) -> None:
    """Refuse a mapping of ``fields`` fields whose fields ``added`` break ``limits``: a
    mapping OpenSearch merges (one that adds fields, or ``merge``: one given at all) to
    one that has ``nested_before`` nested fields already."""
    total = limits["index.mapping.total_fields.limit"]
    if total is not None and fields > total:
        raise MappingError(
            "illegal_argument_exception", f"Limit of total fields [{total}] has been exceeded"
        )
    depth = limits["index.mapping.depth.limit"]
    for path, node in added:
        if depth is not None and isinstance(node, Obj) and len(path) + 1 > depth:
            raise MappingError(
                "illegal_argument_exception",
                f"Limit of mapping depth [{depth}] has been exceeded due to object field "
                f"[{'.'.join(path)}]",
            )
    length = limits["index.mapping.field_name_length.limit"]
    if length is not None and (added or merge):
        for name in _measured(added, length):
            if len(name) > length:
                raise MappingError(
                    "illegal_argument_exception",
                    f"Field name [{name}] is longer than the limit of [{length}] characters",
                )
    nested = limits["index.mapping.nested_fields.limit"]
    added_nested = sum(1 for _, node in added if isinstance(node, Obj) and node.type == "nested")
    found = nested_before + added_nested
    if nested is not None and found > nested:
        raise MappingError(
            "illegal_argument_exception", f"Limit of nested fields [{nested}] has been exceeded"
        )


def nested_fields(node: Obj) -> int:
    """The ``nested`` fields at and under ``node``, which
    ``index.mapping.nested_fields.limit`` counts over the whole mapping."""
    own = 1 if node.type == "nested" else 0
    return own + sum(
        nested_fields(child) for child in node.properties.values() if isinstance(child, Obj)
    )


def _field_mappers(path: tuple[str, ...], leaf: Leaf) -> list[tuple[str, str]]:
    """The field mappers ``leaf`` at ``path`` makes, each as its full name and its
    ``simpleName``, in the order of its mapper's ``iterator``: itself, its sub-fields, then
    the fields it makes that no mapping shows (whose ``simpleName`` is their full name)."""
    full = ".".join(path)
    made = [(full, path[-1])]
    made += [(f"{full}.{sub}", sub) for sub in leaf.fields]
    made += [(hidden, hidden) for hidden in leaf.hidden]
    made += [(hidden, hidden) for sub in leaf.fields.values() for hidden in sub.hidden]
    return made


def _measured(added: list[tuple[tuple[str, ...], Node]], length: int) -> list[str]:
    """The names ``index.mapping.field_name_length.limit`` measures once ``added`` is
    merged, in the order ``MappingLookup.checkFieldNameLengthLimit`` finds them.

    Where a metadata field's name is past the limit, no mapping was ever merged (each one
    was refused), so ``added`` is the whole mapping, and the order is OpenSearch's: the
    objects, then the field mappers (the metadata ones put first), each in the order of a
    ``HashMap`` keyed by full name. Otherwise the metadata names pass, and the new fields'
    names are measured in the order they were added."""
    objects = [(".".join(path), path[-1]) for path, node in added if isinstance(node, Obj)]
    mappers = [
        made
        for path, node in added
        if isinstance(node, Leaf)
        for made in _field_mappers(path, node)
    ]
    if max(map(len, METADATA_FIELDS)) <= length:
        names: list[str] = []
        for path, node in added:
            made = _field_mappers(path, node) if isinstance(node, Leaf) else [("", path[-1])]
            names += [name for _, name in made]
        return names
    simple = {**dict(objects), **{name: name for name in METADATA_FIELDS}, **dict(mappers)}
    keys = hash_order(full for full, _ in objects)
    keys += hash_order([*METADATA_FIELDS, *(full for full, _ in mappers)])
    return [simple[key] for key in keys]
