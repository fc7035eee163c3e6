"""The OpenSearch field types a mapping a test gives may hold (``index_explicit`` reads
it), and the parameters of each: those that decide which documents a field takes, which
the fake reads, and those that change only how values are indexed or searched, which it
keeps and shows (the restricted ones checked against the values OpenSearch takes).

Facts (OpenSearch's source: each mapper's ``Builder.getParameters()``,
``ParametrizedFieldMapper.Builder.parse`` and ``DEPRECATED_PARAMS``, ``TextParams``
(``indexOptions``, ``termVectors``, ``norms``),
``ParametrizedFieldMapper.Parameter.restrictedStringParam``, ``TextFieldMapper.Builder``
(``buildFieldType``, ``buildPrefixMapper``, ``buildPhraseMapper``),
``MatchOnlyTextFieldMapper.Builder``):

- a ``text`` field's (and a ``search_as_you_type`` field's) ``index_options`` is one of
  ``positions docs freqs offsets`` and its ``term_vector`` one of ``no yes with_positions
  with_offsets with_positions_offsets with_positions_payloads
  with_positions_offsets_payloads``; a ``match_only_text`` field's ``index_options`` is
  ``docs`` alone. The value is read as a string (``nodeStringValue``: ``5``, ``true``, a
  list as Java prints them), and refused with ``Unknown value [x] for field
  [index_options] - accepted values are [positions, docs, freqs, offsets]``;
- a ``text`` field without positions (``index_options`` ``docs`` or ``freqs``, or ``index``
  false) refuses ``position_increment_gap`` (``Cannot set position_increment_gap on field
  [f] without positions enabled``) and ``index_phrases`` (``Cannot set index_phrases on
  unindexed field [f]``, ``Cannot set index_phrases on field [f] if positions are not
  enabled``); an unindexed one refuses ``index_prefixes`` (``Cannot set index_prefixes on
  unindexed field [f]``), ``f`` the field's own name;
- a ``text`` field's booleans (``index``, ``store``, ``norms``, ``index_phrases``,
  ``fielddata``, ``eager_global_ordinals``) are ``Parameter.boolParam``s, read with
  ``XContentMapValues.nodeBooleanValue`` (``Booleans.parseBoolean`` of the value's text):
  ``true``/``false`` or those strings, anything else refused with ``Failed to parse value
  [yes] as only [true] or [false] are allowed.``, ``null`` with ``[norms] on mapper [f] of
  type [text] must not have a [null] value``; shown as booleans;
- each core type whose builder is a ``ParametrizedFieldMapper.Builder`` takes the
  parameters its ``getParameters()`` lists (:data:`DECLARED`), with ``copy_to`` and
  ``fields`` (``Builder.parse``); any other is refused (``unknown parameter [x] on mapper
  [f] of type [t]``) unless it is one of ``DEPRECATED_PARAMS`` (``index_special.DROPPED``), which
  ``Builder.parse`` takes with a deprecation warning (``Parameter [boost] has no effect on
  type [ip] and will be removed in future``) and drops; ``null`` for a declared parameter
  that does not ``acceptsNull`` is refused (``[x] on mapper [f] of type [t] must not have
  a [null] value``); ``f`` is the field's own name.

Chosen: ``skip_list``, ``print_format`` and ``use_similarity``, which the newest source
declares and OpenSearch 2.19 may not, count as declared (refused as not modelled, either
way refused).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pytest_firehose._destinations.index_special import (
    REFUSES,
    check_parameter,
    dropped,
    java_boolean,
    java_text,
)
from pytest_firehose._destinations.index_values import java_double, json_double, parse_java_double

NUMBERS = (
    "long",
    "integer",
    "short",
    "byte",
    "double",
    "float",
    "half_float",
    "scaled_float",
    "unsigned_long",
)
#: The field types modelled.
TYPES = (
    *NUMBERS,
    "keyword",
    "wildcard",
    "text",
    "match_only_text",
    "boolean",
    "date",
    "date_nanos",
    "ip",
    "geo_point",
    "geo_shape",
    "xy_point",
    "xy_shape",
    "knn_vector",
    "integer_range",
    "long_range",
    "float_range",
    "double_range",
    "ip_range",
    "date_range",
    "completion",
    "search_as_you_type",
    "rank_feature",
    "rank_features",
    "join",
    "binary",
    "object",
    "nested",
)
#: Parameters kept and shown, which change no document's fate, by type (``*``: any leaf).
HARMLESS: dict[str, frozenset[str]] = {
    "*": frozenset({"index", "store", "doc_values", "boost", "meta", "null_value"}),
    "text": frozenset(
        {
            "analyzer",
            "search_analyzer",
            "search_quote_analyzer",
            "norms",
            "index_options",
            "index_phrases",
            "index_prefixes",
            "fielddata",
            "position_increment_gap",
            "similarity",
            "term_vector",
            "eager_global_ordinals",
        }
    ),
    "keyword": frozenset(
        {
            "ignore_above",
            "normalizer",
            "norms",
            "index_options",
            "similarity",
            "eager_global_ordinals",
            "split_queries_on_whitespace",
        }
    ),
    "nested": frozenset({"include_in_parent", "include_in_root"}),
    "wildcard": frozenset({"ignore_above", "normalizer"}),
    "match_only_text": frozenset(
        {"analyzer", "search_analyzer", "search_quote_analyzer", "index_options", "term_vector"}
    ),
}
READ = {
    **dict.fromkeys(NUMBERS, frozenset({"coerce", "ignore_malformed"})),
    "date": frozenset({"format", "locale", "ignore_malformed"}),
    "date_nanos": frozenset({"format", "locale", "ignore_malformed"}),
    "ip": frozenset({"ignore_malformed"}),
    "scaled_float": frozenset({"coerce", "ignore_malformed", "scaling_factor"}),
    "geo_point": frozenset({"ignore_malformed", "ignore_z_value"}),
}
_NUMBER_PARAMETERS = frozenset(
    {
        "index",
        "doc_values",
        "store",
        "skip_list",
        "ignore_malformed",
        "coerce",
        "null_value",
        "meta",
    }
)
_TEXT_PARAMETERS = frozenset(
    {
        "index",
        "store",
        "index_options",
        "norms",
        "term_vector",
        "analyzer",
        "search_analyzer",
        "search_quote_analyzer",
        "similarity",
        "position_increment_gap",
        "fielddata",
        "fielddata_frequency_filter",
        "eager_global_ordinals",
        "index_phrases",
        "index_prefixes",
        "boost",
        "meta",
    }
)
_DATE_PARAMETERS = frozenset(
    {
        "index",
        "doc_values",
        "store",
        "format",
        "print_format",
        "locale",
        "null_value",
        "ignore_malformed",
        "boost",
        "meta",
    }
)
#: The parameters each type's builder declares (its ``Builder.getParameters()``), the
#: unmodelled ones too, for the types whose builder is a ``ParametrizedFieldMapper.Builder``;
#: ``copy_to`` and ``fields`` every such builder takes besides.
DECLARED: dict[str, frozenset[str]] = {
    **dict.fromkeys(NUMBERS, _NUMBER_PARAMETERS),
    "scaled_float": _NUMBER_PARAMETERS | {"scaling_factor"},
    "keyword": frozenset(
        {
            "index",
            "doc_values",
            "store",
            "null_value",
            "eager_global_ordinals",
            "ignore_above",
            "index_options",
            "norms",
            "similarity",
            "use_similarity",
            "normalizer",
            "split_queries_on_whitespace",
            "boost",
            "meta",
        }
    ),
    "wildcard": frozenset({"null_value", "ignore_above", "normalizer", "doc_values", "meta"}),
    "text": _TEXT_PARAMETERS,
    "match_only_text": _TEXT_PARAMETERS,
    "boolean": frozenset({"meta", "boost", "doc_values", "index", "null_value", "store"}),
    "date": _DATE_PARAMETERS,
    "date_nanos": _DATE_PARAMETERS,
    "ip": frozenset({"index", "doc_values", "store", "ignore_malformed", "null_value", "meta"}),
    "binary": frozenset({"meta", "store", "doc_values"}),
    "token_count": frozenset(
        {
            "index",
            "doc_values",
            "store",
            "analyzer",
            "null_value",
            "enable_position_increments",
            "meta",
            "skip_list",
        }
    ),
}
#: The declared parameters that take a ``null`` (``Parameter.acceptsNull``; not ``meta``:
#: ``Parameter.metaParam`` does not accept one).
NULLABLE = ("null_value", "index_prefixes")
#: A ``binary`` field reads its values only where it keeps them.
READS_BINARY = ("doc_values", "store")
#: The values of ``TextParams``' restricted string parameters, in the order a refusal lists
#: them.
TEXT_OPTIONS: dict[str, tuple[str, ...]] = {
    "index_options": ("positions", "docs", "freqs", "offsets"),
    "term_vector": (
        "no",
        "yes",
        "with_positions",
        "with_offsets",
        "with_positions_offsets",
        "with_positions_payloads",
        "with_positions_offsets_payloads",
    ),
}
#: A ``text`` field's ``Parameter.boolParam`` parameters (``TextFieldMapper.Builder``,
#: ``TextParams.norms``), read with ``XContentMapValues.nodeBooleanValue``.
TEXT_BOOLEANS = frozenset(
    {"index", "store", "norms", "index_phrases", "fielddata", "eager_global_ordinals"}
)
#: A ``match_only_text`` field indexes documents alone.
_MATCH_ONLY_OPTIONS = {**TEXT_OPTIONS, "index_options": ("docs",)}
#: ``TextFieldMapper``'s ``position_increment_gap`` when none is given (the analyzer's).
_GAP_OF_ANALYZER = -1


def scaling_factor(name: str, given: Any) -> float:
    """A ``scaled_float``'s ``scaling_factor``, as OpenSearch reads it
    (``XContentMapValues.nodeDoubleValue``: a number, or a string ``Double.parseDouble``
    reads) and shows it (a double); ValueError for one it refuses (in its words) or the fake
    does not take."""
    if given is None:
        raise ValueError(
            f"{REFUSES}Field [scaling_factor] is required (give field [{name}] one, such as "
            '"scaling_factor": 100)'
        )
    factor: float | None = None
    if isinstance(given, str):
        factor = parse_java_double(given)
    elif isinstance(given, (int, float)) and not isinstance(given, bool):
        factor = json_double(given)
    if factor is None:
        raise ValueError(f"field [{name}]: scaling_factor is a number, such as 100, not {given!r}")
    if not math.isfinite(factor) or factor <= 0:
        raise ValueError(
            f"{REFUSES}[scaling_factor] must be a positive number, got [{java_double(factor)}]"
        )
    return factor


def drop_undeclared(name: str, kind: str, definition: dict[str, Any]) -> None:
    """``ParametrizedFieldMapper.Builder.parse``'s reading of the field ``name``'s (its full
    path) ``definition`` (without its type) of ``kind`` (a type of :data:`DECLARED`), in the
    order given: a parameter its builder does not declare is dropped from ``definition`` if
    ``Builder.parse`` drops it (``index_special.dropped``), else refused (``unknown
    parameter``), as ``null`` is for a declared one that takes none, in OpenSearch's words
    (a ValueError)."""
    simple = name.rsplit(".", 1)[-1]
    declared = DECLARED[kind]
    for key, value in list(definition.items()):
        if key in ("copy_to", "fields"):
            continue
        if dropped(key, declared):
            del definition[key]
            continue
        check_parameter(simple, kind, key, value, declared, NULLABLE)


def check_restricted(given: Mapping[str, Any], accepted: Mapping[str, tuple[str, ...]]) -> None:
    """``Parameter.restrictedStringParam``'s check of each parameter of ``accepted`` that
    ``given`` holds, in ``accepted``'s order: a value not among its accepted values is
    refused in OpenSearch's words (a ValueError)."""
    for key, values in accepted.items():
        if key in given and given[key] not in values:
            raise ValueError(
                f"{REFUSES}Unknown value [{java_text(given[key])}] for field [{key}] - accepted "
                f"values are [{', '.join(values)}]"
            )


def check_text(name: str, kind: str, given: dict[str, Any]) -> None:
    """A ``text`` or ``match_only_text`` field ``name``'s (its full path) booleans (read as
    ``Parameter.boolParam`` reads them, kept as booleans), ``index_options`` and
    ``term_vector``, and for ``text`` the parameters that need positions or an index,
    checked as OpenSearch's builder checks them; a ValueError in its words."""
    simple = name.rsplit(".", 1)[-1]
    for key, value in given.items():
        if key not in TEXT_BOOLEANS:
            continue
        if value is None:
            raise ValueError(
                f"{REFUSES}[{key}] on mapper [{simple}] of type [{kind}] must not have a [null] "
                "value"
            )
        try:
            given[key] = java_boolean(value)
        except ValueError as error:
            raise ValueError(f"{REFUSES}{error}") from None
    check_restricted(given, TEXT_OPTIONS if kind == "text" else _MATCH_ONLY_OPTIONS)
    if kind != "text":
        return
    indexed = given.get("index", True)
    positions = indexed and given.get("index_options", "positions") in ("positions", "offsets")
    gap = given.get("position_increment_gap", _GAP_OF_ANALYZER)
    if gap not in (_GAP_OF_ANALYZER, str(_GAP_OF_ANALYZER)) and not positions:
        raise ValueError(
            f"{REFUSES}Cannot set position_increment_gap on field [{simple}] without positions "
            "enabled"
        )
    if given.get("index_prefixes") is not None and not indexed:
        raise ValueError(f"{REFUSES}Cannot set index_prefixes on unindexed field [{simple}]")
    if given.get("index_phrases"):
        if not indexed:
            raise ValueError(f"{REFUSES}Cannot set index_phrases on unindexed field [{simple}]")
        if not positions:
            raise ValueError(
                f"{REFUSES}Cannot set index_phrases on field [{simple}] if positions are not "
                "enabled"
            )
