"""A document's new fields, as OpenSearch adds them while it reads the document
(``index_documents``): the field dynamic mapping or a dynamic template makes of a new
value, the objects a dotted name implies, where the mapping's ``dynamic`` refuses or leaves
them out, and the document's additions merged into the mapping within the index's limits.

Facts (OpenSearch's "Dynamic mapping" page and its source: ``DocumentParser``,
``MappingLookup``, ``StrictDynamicMappingException``): dynamic mapping maps a JSON integer
``long``, a fraction ``float``, ``true``/``false`` ``boolean``, a string ``date`` when date
detection (on by default) reads it, or, with ``numeric_detection`` on, ``long``/``float``
when it reads as a number, else ``text`` with a ``keyword`` sub-field (``ignore_above``
256); a new field takes the mapping of the index's first dynamic template that fits it
(``index_templates``), the JSON type a template sees being the one dynamic mapping read;
two new fields of one name whose types differ fail the document (``illegal_argument_exception``
``mapper [x] cannot be changed from type [text] to [long]``); once the document's new fields
are merged in, the index's limits apply (``index_mapping.check_limits``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

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
    nested_fields,
)
from pytest_firehose._destinations.index_templates import check_parent, dated, failed_document
from pytest_firehose._destinations.index_values import (
    LONG_TEXT,
    OK,
    Cause,
    Previewed,
    boolean_check,
    date_check,
    parse_java_double,
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


#: An object a document adds: nothing is mapped under it yet.
NEW = Obj()


class DynamicFields:
    """The new fields of one document read against ``mapping`` (``index_documents`` reads
    the values), and the errors it fails with."""

    def __init__(self, mapping: IndexMapping, doc_id: Callable[[], str]) -> None:
        self.mapping = mapping
        self.doc_id = doc_id
        #: The fields the document adds, in the order it meets them, each by its path.
        self.additions: list[tuple[tuple[str, ...], Node]] = []

    def mapped(
        self, mapper: Node, path: tuple[str, ...], dynamic: str, name: str, value: Any
    ) -> None:
        """Read ``value`` into the field ``mapper`` at ``path`` (``index_documents``)."""
        raise NotImplementedError  # pragma: no cover - the document reads it

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
            found = node.properties.get(part) if node is not NEW else None
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
                    node, dynamic = NEW, "true"
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
                    raise failed_document(template, full, error) from None
        return None

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
            as_double = parse_java_double(text) is not None  # trimmed as String.trim trims
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
        # The limit counts the whole mapping's nested fields: those it has, and those under
        # the objects added (a template's mapping may hold some).
        nested = nested_fields(self.mapping.root) + sum(
            nested_fields(node) - (node.type == "nested")
            for _, node in added
            if isinstance(node, Obj)
        )
        check_limits(fields, added, self.mapping.limits, nested_before=nested)
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


def _size(node: Node) -> int:
    """The fields ``node`` counts for with those under it (a template's object may have
    properties)."""
    if isinstance(node, Leaf):
        return node.count()
    return 1 + sum(_size(child) for child in node.properties.values())
