"""The OpenSearch field types whose values are read their own way: ``alias`` (another
field's name: no document writes to it), ``constant_keyword`` (one value, which every
document gives or leaves out), ``token_count`` (any value but an object) and
``flat_object`` (an object only, whatever it holds).

Facts (OpenSearch's source: ``FieldAliasMapper``, ``ConstantKeywordFieldMapper``,
``TokenCountFieldMapper``, ``DocumentParser.parseObjectOrField`` and ``parseCopy``,
``ParametrizedFieldMapper``):

- an ``alias`` takes ``path`` alone (``The [path] property must be specified for field
  [a].``); once the mapping is read it must name a field of it, not itself, not another
  alias, in the same nested object (``Invalid [path] value [p] for field alias [a]: ...``);
  a document writing to it, even ``null``, fails with ``failed to parse`` caused by
  ``Cannot write to a field alias [a].`` (a ``copy_to`` into it: ``Cannot copy to a field
  alias [a].``); it is not a multi-field;
- an ``alias``'s and a ``constant_keyword``'s type parsers read ``path`` (``value``) alone:
  any other parameter, ``copy_to`` and ``fields`` too, is left for
  ``DocumentMapperParser.checkNoRemainingFields`` (``Mapping definition for [c] has
  unsupported parameters:  [copy_to : all]``; a sub-field is named ``fields``);
- a ``constant_keyword`` needs a string ``value`` (``Field [c] is missing required
  parameter [value]``, ``Field [c] is expected to be a string value``); a value whose text
  is another, or ``null``, fails the document (``constant keyword field [c] must have a
  value of [v]``, ``... must have a value``), as a field's value that fails does;
- a ``token_count`` needs an ``analyzer`` (``Analyzer must be set for field [t] but
  wasn't.``), which must exist; it takes any value but an object, and counts the value's
  tokens into an integer that only searches see: the fake checks the analyzer's name
  against the index's analyzers (``index_analysis``) and counts nothing;
- a ``flat_object`` (OpenSearch 2.19's ``FlatObjectFieldMapper``: its ``TypeParser``
  reads no parameter, so ``ObjectMapper.TypeParser.parseProperties`` refuses any with
  ``DocumentMapperParser.checkNoRemainingFields``: ``Mapping definition for [f] has
  unsupported parameters:  [index : false]``, ``copy_to``, ``fields`` and ``properties``
  too) is one field, shown as ``{"type": "flat_object"}``, whatever its documents hold;
  ``parseCreateField`` takes an object (any keys, dotted or not, any values, at any depth,
  ``{}`` too) or ``null``, and fails any other value with ``parsing_exception`` ``[f]
  unexpected token [VALUE_STRING] in flat_object field value`` (``f`` its full path): an
  array's values are read one by one (``DocumentParser.parseNonDynamicArray``), so an
  array of objects is taken and one of strings fails at its first string.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pytest_firehose._destinations.index_analysis import ANALYZERS, current
from pytest_firehose._destinations.index_mapping import Leaf, MappingError, Obj
from pytest_firehose._destinations.index_values import OK, Check, preview, text_check

#: The prefix of every refusal of a mapping OpenSearch fails to parse (``MapperParsingException``
#: as ``DocumentMapperParser`` wraps it), each module's readers share.
REFUSES = "OpenSearch refuses this mapping: Failed to parse mapping [_doc]: "
TYPES = ("alias", "constant_keyword", "token_count", "flat_object")
#: The types whose field reads a ``null`` (and may fail the document with it: a
#: ``knn_vector`` of a model the cluster does not hold, a ``rank_features``, a ``join``; an
#: ``xy_point``'s ``null_value``).
READS_NULL = ("alias", "constant_keyword", "knn_vector", "rank_features", "join", "xy_point")
#: The parameters each type takes besides its type.
PARAMETERS = {
    "alias": frozenset({"path"}),
    "constant_keyword": frozenset({"value"}),
    "token_count": frozenset(
        {
            "analyzer",
            "enable_position_increments",
            "null_value",
            "index",
            "store",
            "doc_values",
            "meta",
            "copy_to",
            "fields",
        }
    ),
    "flat_object": frozenset(),
}


def special_check(name: str, kind: str, definition: Mapping[str, Any], *, multi: bool) -> Check:
    """The check of the field ``name`` (its full path) of ``kind`` as ``definition``
    (without its type and sub-fields) defines it; ValueError with the reason for one
    OpenSearch or the fake does not take."""
    where = f"field [{name}]"
    leaf_name = name.rsplit(".", 1)[-1]
    if kind == "alias":
        if multi:
            raise ValueError(f"{where}: Type [alias] cannot be used in multi field")
        path = definition.get("path")
        if path is None:
            raise ValueError(
                f"{REFUSES}The [path] property must be specified for field [{leaf_name}]."
            )
        if not isinstance(path, str):
            raise ValueError(f'{where}: path is the full name of a field, e.g. "user.id"')
        return _refused
    if kind == "constant_keyword":
        if "value" not in definition:
            raise ValueError(f"{REFUSES}Field [{leaf_name}] is missing required parameter [value]")
        value = definition["value"]
        if not isinstance(value, str):
            raise ValueError(f"{REFUSES}Field [{leaf_name}] is expected to be a string value")
        return constant_check(name, value)
    if definition.get("analyzer") is None:
        raise ValueError(f"{REFUSES}Analyzer must be set for field [{leaf_name}] but wasn't.")
    check_analyzers(name, definition)
    return text_check


#: The parameters of a field that name an analyzer.
ANALYZER_PARAMETERS = ("analyzer", "search_analyzer", "search_quote_analyzer")


def check_analyzers(name: str, definition: Mapping[str, Any]) -> None:
    """Refuse, in OpenSearch's words, an analyzer parameter of the field ``name`` that names
    no analyzer the index has: a built-in one, or one its analysis settings define
    (``index_analysis``)."""
    analyzers = current().analyzers
    for key in ANALYZER_PARAMETERS:
        analyzer = definition.get(key)
        if analyzer is None:
            continue
        if not isinstance(analyzer, str):
            raise ValueError(
                f'field [{name}]: {key} is the name of an analyzer, such as "standard", not '
                f"{analyzer!r}"
            )
        if analyzer not in analyzers:
            raise ValueError(
                f"{REFUSES}analyzer [{analyzer}] has not been configured in mappings "
                f"(field [{name}], {key}: the index has OpenSearch's built-in analyzers, "
                f"{', '.join(sorted(ANALYZERS))}, and those its analysis settings define"
                f"{_own(analyzers)})"
            )


def _own(analyzers: frozenset[str]) -> str:
    own = sorted(analyzers - ANALYZERS)
    return f" ({', '.join(own)})" if own else ", none here"


#: ``ParametrizedFieldMapper.Builder``'s ``DEPRECATED_PARAMS``: one of these a builder does
#: not declare is taken with a deprecation warning (``Parameter [boost] has no effect on
#: type [ip] and will be removed in future``) and dropped (not shown).
DROPPED = frozenset(
    {"store", "meta", "boost", "index", "doc_values", "index_options", "similarity"}
)


def dropped(key: str, taken: Iterable[str]) -> bool:
    """Whether ``ParametrizedFieldMapper.Builder.parse`` drops the parameter ``key`` of a
    builder that declares ``taken``: one of :data:`DROPPED` it does not declare."""
    return key in DROPPED and key not in taken


def check_parameter(
    simple: str,
    kind: str,
    key: str,
    value: Any,
    taken: Iterable[str],
    nullable: tuple[str, ...] = (),
) -> None:
    """``ParametrizedFieldMapper.Builder.parse``'s first checks of the parameter ``key``
    given ``value`` on the field ``simple`` (its own name) of type ``kind``: one the type
    does not take (of ``taken``), and ``null`` for one not ``nullable`` (a parameter
    declared ``acceptsNull``; ``meta``, ``Parameter.metaParam``, is none), are refused in
    OpenSearch's words (a ValueError)."""
    if key not in taken:
        raise ValueError(
            f"{REFUSES}unknown parameter [{key}] on mapper [{simple}] of type [{kind}]"
        )
    if value is None and key not in nullable:
        raise ValueError(
            f"{REFUSES}[{key}] on mapper [{simple}] of type [{kind}] must not have a [null] value"
        )


def check_null(definition: Mapping[str, Any], read: Iterable[str] = ()) -> None:
    """``TypeParsers.parseField``'s ``checkNull``, which the mappers that are no
    ``ParametrizedFieldMapper`` (``geo_point``, ``geo_shape``) run on the parameters their
    own parser has not ``read``: ``null`` for any of them but ``null_value`` is refused in
    OpenSearch's words (a ValueError), before an unknown one is."""
    for key, value in definition.items():
        if value is None and key != "null_value" and key not in read:
            raise ValueError(f"{REFUSES}[{key}] must not have a [null] value")


def flat_object(name: str, definition: Mapping[str, Any], *, multi: bool) -> Leaf:
    """The ``flat_object`` field ``name`` (its full path) as ``definition`` (without its
    type) defines it; ValueError for a parameter, which OpenSearch refuses, and for a
    flat_object sub-field, which the fake does not model."""
    if multi:
        raise ValueError(
            f"field [{name}]: a flat_object sub-field (in another field's fields) is not "
            "modelled: give the flat_object a field of its own"
        )
    check_no_remaining(name, definition)
    return Leaf("flat_object", {}, flat_object_check(name))


def check_no_remaining(name: str, remaining: Mapping[str, Any], *, multi: bool = False) -> None:
    """``DocumentMapperParser.checkNoRemainingFields``: the parameters a type's parser left
    unread (``remaining``, in the order given) refuse the field ``name`` (its full path; a
    sub-field is named ``fields``, as ``TypeParsers.parseMultiField`` names it) in
    OpenSearch's words (a ValueError)."""
    if remaining:
        given = "".join(f" [{key} : {java_text(value)}]" for key, value in remaining.items())
        where = "fields" if multi else name.rsplit(".", 1)[-1]
        raise ValueError(
            f"{REFUSES}Mapping definition for [{where}] has unsupported parameters: {given}"
        )


def java_text(value: Any) -> str:
    """A mapping's value as Java prints it (the mapping's objects keep their order)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={java_text(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(java_text(item) for item in value) + "]"
    return preview(value)


def java_boolean(value: Any) -> bool:
    """A boolean parameter or setting as OpenSearch's strict parser reads it: ``true`` or
    ``false``, or those strings; ValueError in its words for anything else."""
    if value is True or value == "true":
        return True
    if value is False or value == "false":
        return False
    raise ValueError(
        f"Failed to parse value [{java_text(value)}] as only [true] or [false] are allowed."
    )


def json_token(value: Any) -> str:
    """The name of the JSON token ``value`` starts with, as Jackson names it in OpenSearch's
    messages (``VALUE_STRING``, ``START_ARRAY`` ...)."""
    if value is None:
        return "VALUE_NULL"
    if value is True or value is False:
        return "VALUE_BOOLEAN"
    if isinstance(value, (int, float)):
        return "VALUE_NUMBER"
    if isinstance(value, str):
        return "VALUE_STRING"
    return "START_ARRAY" if isinstance(value, list) else "START_OBJECT"


def flat_object_check(name: str) -> Check:
    """A ``flat_object`` field's check: an object (an array's values come one by one)."""

    def check(value: Any) -> Any:
        if isinstance(value, dict):
            return OK
        token = json_token(value)
        return (
            "parsing_exception",
            f"[{name}] unexpected token [{token}] in flat_object field value",
        )

    return check


def _refused(value: Any) -> Any:
    """An alias's check: it takes no value (the document fails before it is asked)."""
    return None


def constant_check(name: str, constant: str) -> Check:
    """A ``constant_keyword`` field's check: the value's text is ``constant``."""

    def check(value: Any) -> Any:
        if isinstance(value, dict):
            return None
        if value is None:
            return (
                "illegal_argument_exception",
                f"constant keyword field [{name}] must have a value",
            )
        text = value if isinstance(value, str) else json.dumps(value)
        if text == constant:
            return OK
        return (
            "illegal_argument_exception",
            f"constant keyword field [{name}] must have a value of [{constant}]",
        )

    return check


def written_to_alias(full: str, *, copying: bool) -> MappingError:
    """The error of a document that writes (or copies) a value into the alias ``full``."""
    verb = "copy to" if copying else "write to"
    return MappingError(
        "mapper_parsing_exception",
        "failed to parse",
        ("illegal_argument_exception", f"Cannot {verb} a field alias [{full}]."),
    )


def check_aliases(root: Obj) -> None:
    """Refuse, in OpenSearch's words, an alias of the mapping under ``root`` whose
    ``path`` names no field of it, itself, another alias, or a field in another nested
    object (ValueError)."""
    fields = dict(_fields(root, (), None))
    for full, (leaf, scope) in fields.items():
        if leaf.type != "alias":
            continue
        path = leaf.params["path"]
        said = (
            f"OpenSearch refuses this mapping: Invalid [path] value [{path}] for field alias "
            f"[{full}]: "
        )
        target = fields.get(path)
        if path == full:
            raise ValueError(said + "an alias cannot refer to itself.")
        if target is None:
            raise ValueError(said + "an alias must refer to an existing field in the mappings.")
        if target[0].type == "alias":
            raise ValueError(said + "an alias cannot refer to another alias.")
        if target[1] != scope:
            mine = (
                "The alias is not nested"
                if scope is None
                else f"The alias's nested scope is [{scope}]"
            )
            theirs = (
                "the target is not nested."
                if target[1] is None
                else f"the target's nested scope is [{target[1]}]."
            )
            raise ValueError(
                said
                + f"an alias must have the same nested scope as its target. {mine}, but {theirs}"
            )


def _fields(
    node: Obj, path: tuple[str, ...], scope: str | None
) -> Iterator[tuple[str, tuple[Leaf, str | None]]]:
    """Every field (sub-fields too) under ``node``, by full name, with its nested scope."""
    for name, child in node.properties.items():
        full = (*path, name)
        if isinstance(child, Obj):
            inner = ".".join(full) if child.type == "nested" else scope
            yield from _fields(child, full, inner)
            continue
        yield ".".join(full), (child, scope)
        for sub, leaf in child.fields.items():
            yield ".".join((*full, sub)), (leaf, scope)
