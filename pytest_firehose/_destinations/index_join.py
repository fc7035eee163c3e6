"""OpenSearch's ``join`` field (the parent-join module's): its ``relations``, one such field
an index, and which of a document's values it takes. Firehose's bulk requests carry no
routing, so a child document is never taken.

Facts (OpenSearch's source: ``ParentJoinFieldMapper`` (``TypeParser``, ``Builder.build``,
``checkObjectOrNested``, ``checkParentFields``, ``parse``, ``doXContentBody``,
``iterator``), ``MetaJoinFieldMapper``, ``MappingLookup``, ``XContentMapValues``):

- parameters: ``relations`` (an object of parent names to a child name, or an array of
  them) and ``eager_global_ordinals`` (``true`` unless given; ``Could not convert
  [eager_global_ordinals] to boolean``); any other is refused (``Mapping definition for
  [j] has unsupported parameters:  [x : y]``); shown as ``{"type": "join",
  "eager_global_ordinals": true, "relations": {...}}``, a parent's one child as a string,
  several as a list (a ``HashSet``'s order); a child of two parents is refused
  (``invalid definition for join field [j]:\\n[[b] cannot have multiple parents]``);
- the field must be at the mapping's top (``join field [a.j] cannot be added inside an
  object or in a multi-field``); a second join field is a second ``_parent_join`` field
  (``Field [_parent_join] is defined more than once``);
- the field counts, toward ``index.mapping.total_fields.limit``, itself, a ``j#parent``
  field for each parent, and ``_parent_join``, each name measured against
  ``index.mapping.field_name_length.limit``;
- a value is a relation's name, or an object whose ``name`` (a string) and ``parent`` (a
  string or number) are read (another key with a string or number value: ``unknown field
  name [x] in join field [j]``; other values skipped); anything else, ``null`` too, fails
  (``[null] expected START_OBJECT or VALUE_STRING but was: VALUE_NUMBER``,
  ``illegal_state_exception``); a name no relation has fails (``unknown join name [x] for
  field [j]``), a child without ``parent`` (``[parent] is missing for join field [j]``),
  and any child, the bulk request having no routing (``[routing] is missing for join field
  [j]``); each ``mapper_parsing_exception`` ``failed to parse`` with that cause (the
  mapper's own ``parse``, not wrapped with the field's name).

Chosen: a ``join`` field made by a dynamic template is refused as not modelled; an object
or array inside a join object is skipped (OpenSearch's loop would walk into it); a document
giving a parent's join value twice fails, after the rest of it is read, with Lucene's
``illegal_argument_exception`` ``DocValuesField "j#question" appears more than once in
this document (only one value is allowed per field)``, its mapping changes not kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_firehose._destinations.index_mapping import Leaf, MappingError
from pytest_firehose._destinations.index_special import REFUSES, java_boolean, java_text, json_token
from pytest_firehose._destinations.index_values import OK, java_double
from pytest_firehose._destinations.java_hashmap import hash_order


def join_field(name: str, definition: Mapping[str, Any], *, multi: bool) -> Leaf:
    """The ``join`` field ``name`` (its full path) as ``definition`` (without its type)
    defines it; ValueError with the reason for one OpenSearch refuses."""
    eager = True
    relations: dict[str, list[str]] = {}
    rest = {}
    for key, value in definition.items():
        if key == "eager_global_ordinals":
            try:
                eager = java_boolean(value)
            except ValueError:
                raise ValueError(
                    f"{REFUSES}Could not convert [eager_global_ordinals] to boolean"
                ) from None
        elif key == "relations":
            if not isinstance(value, Mapping):
                raise ValueError(
                    f"field [{name}]: relations is an object of parent names to a child name "
                    f"or a list of them, not {value!r}"
                )
            for parent, children in value.items():
                given = children if isinstance(children, list) else [children]
                relations[parent] = hash_order(dict.fromkeys(java_text(one) for one in given))
        else:
            rest[key] = value
    if rest:
        listed = "".join(f" [{key} : {java_text(value)}]" for key, value in rest.items())
        raise ValueError(
            f"{REFUSES}Mapping definition for [{name.rsplit('.', 1)[-1]}] has unsupported "
            f"parameters: {listed}"
        )
    if multi or "." in name:
        raise ValueError(
            f"{REFUSES}join field [{name}] cannot be added inside an object or in a multi-field"
        )
    seen: set[str] = set()
    conflicts = []
    for children in relations.values():
        for child in children:
            if child in seen:
                conflicts.append(f"[{child}] cannot have multiple parents")
            seen.add(child)
    if conflicts:
        raise ValueError(
            f"{REFUSES}invalid definition for join field [{name}]:\n[{', '.join(conflicts)}]"
        )
    shown = {
        "eager_global_ordinals": eager,
        "relations": {
            parent: children[0] if len(children) == 1 else children
            for parent, children in relations.items()
        },
    }
    # A ``name#parent`` field for each parent, and ``_parent_join``.
    hidden = (*(f"{name}#{parent}" for parent in relations), "_parent_join")
    return Leaf("join", shown, join_check(name, relations), hidden=hidden)


def join_check(field: str, relations: Mapping[str, list[str]]) -> Any:
    """A ``join`` field's check (see the module): OK for a parent's value, else the cause
    of the document's ``failed to parse``."""
    children = {child for names in relations.values() for child in names}

    def illegal(reason: str) -> tuple[str, str]:
        return ("illegal_argument_exception", reason)

    def check(value: Any) -> Any:
        name: str | None = None
        parent: str | None = None
        if isinstance(value, str):
            name = value
        elif isinstance(value, dict):
            for key, given in value.items():
                if isinstance(given, str) and key in ("name", "parent"):
                    if key == "name":
                        name = given
                    else:
                        parent = given
                elif isinstance(given, (str, int, float)) and not isinstance(given, bool):
                    if key != "parent":
                        return illegal(f"unknown field name [{key}] in join field [{field}]")
                    parent = java_double(given) if isinstance(given, float) else str(given)
        else:
            return (
                "illegal_state_exception",
                f"[null] expected START_OBJECT or VALUE_STRING but was: {json_token(value)}",
            )
        if name is None or (name not in relations and name not in children):
            shown = "null" if name is None else name
            return illegal(f"unknown join name [{shown}] for field [{field}]")
        if name in children:
            if parent is None:
                return illegal(f"[parent] is missing for join field [{field}]")
            return illegal(f"[routing] is missing for join field [{field}]")
        return OK

    return check


def doc_values(field: str, value: Any) -> list[str]:
    """The fields with doc values a parent's join value (one the check took) adds, in
    the order Lucene meets them: ``field#name``, then ``field``."""
    name = value if isinstance(value, str) else value.get("name")
    return [f"{field}#{name}", field]


def twice(fields: list[str]) -> MappingError | None:
    """Lucene's refusal of a document whose join values add a doc values field twice."""
    seen: set[str] = set()
    for one in fields:
        if one in seen:
            return MappingError(
                "illegal_argument_exception",
                f'DocValuesField "{one}" appears more than once in this document (only one '
                "value is allowed per field)",
            )
        seen.add(one)
    return None


def check_one_join(properties: Mapping[str, Any]) -> None:
    """Refuse, in OpenSearch's words, a mapping with two join fields (at its top, where
    join fields are): each makes a ``_parent_join`` field (ValueError)."""
    joins = [node for node in properties.values() if isinstance(node, Leaf) and node.type == "join"]
    if len(joins) > 1:
        raise ValueError(f"{REFUSES}Field [_parent_join] is defined more than once")
