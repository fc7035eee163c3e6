"""What the mapping OpenSearch shows keeps of a core field's parameters: each one given
different from its default, as OpenSearch writes a ``ParametrizedFieldMapper``'s
parameters back (``GET index/_mapping``, an index template's mapping).

Facts (OpenSearch's source: ``ParametrizedFieldMapper.Parameter`` (``toXContent``: a
parameter is written where ``includeDefaults`` or ``isConfigured``; ``isConfigured``: set
and not ``Objects.equals`` to its default; ``explicitBoolParam``: an ``Explicit`` whose
``equals`` compares its ``explicit`` flag too, so one given is always written), and each
builder's parameters and defaults: ``KeywordFieldMapper``, ``WildcardFieldMapper``,
``TextFieldMapper`` with ``TextParams`` and ``MatchOnlyTextFieldMapper``,
``NumberFieldMapper``, ``BooleanFieldMapper``, ``DateFieldMapper``, ``IpFieldMapper``,
``BinaryFieldMapper``, ``TokenCountFieldMapper``):

- a boolean, number or string parameter given equal to its default is not shown
  (``{"type": "keyword", "index": true, "ignore_above": 2147483647}`` is shown as
  ``{"type": "keyword"}``), nor ``meta`` given as ``{}``, nor ``null_value`` (or a
  ``text`` field's ``index_prefixes``) given as ``null``; a boolean given as the string
  ``"true"`` or ``"false"`` is read as ``Parameter.boolParam`` reads it
  (``XContentMapValues.nodeBooleanValue``) and shown as a boolean, another string refused
  in OpenSearch's words;
- a ``geo_point`` (no ``ParametrizedFieldMapper``: ``FieldMapper.doXContentBody``) shows
  ``index``, ``doc_values``, ``store``, ``boost`` and ``meta`` where they differ from
  their defaults alike, and refuses a boolean it cannot read with ``Could not convert
  [f.store] to boolean`` (``XContentMapValues.nodeBooleanValue`` with the name);
- a number's ``coerce`` and ``ignore_malformed`` (``explicitBoolParam``) are shown
  whenever given; a ``date``'s or ``ip``'s ``ignore_malformed`` (a ``boolParam``, false
  unless the index's ``index.mapping.ignore_malformed`` says otherwise) only when true.

A ``null_value`` that is not ``null`` is shown as its type's parser reads it
(``index_null_values``).

Chosen: the parameters whose value OpenSearch turns into an object before comparing it
(``analyzer``, ``search_analyzer``, ``search_quote_analyzer``, ``similarity``, ``format``,
``fielddata_frequency_filter``) are shown as given, as is a
``wildcard``'s ``doc_values``, whose default the sources read disagree on; ``locale`` is
``index_date_fields``'.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_firehose._destinations.index_null_values import shown_null_value
from pytest_firehose._destinations.index_parameters import NUMBERS
from pytest_firehose._destinations.index_special import REFUSES, java_boolean
from pytest_firehose._destinations.index_values import parse_java_double

#: ``Integer.MAX_VALUE``: an ``ignore_above`` that ignores nothing.
_MAX_INT = 2**31 - 1
_INDEXED: dict[str, Any] = {
    "index": True,
    "doc_values": True,
    "store": False,
    "null_value": None,
    "meta": {},
}
_TEXT: dict[str, Any] = {
    "index": True,
    "store": False,
    "term_vector": "no",
    "eager_global_ordinals": False,
    "fielddata": False,
    "position_increment_gap": -1,
    "index_phrases": False,
    "index_prefixes": None,
    "boost": 1.0,
    "meta": {},
}
#: Each core type's parameters compared with their defaults (``Parameter``'s
#: ``defaultValue``), by type; one not listed is shown as given.
DEFAULTS: dict[str, dict[str, Any]] = {
    **dict.fromkeys(NUMBERS, _INDEXED),
    "keyword": {
        **_INDEXED,
        "eager_global_ordinals": False,
        "ignore_above": _MAX_INT,
        "index_options": "docs",
        "norms": False,
        "use_similarity": False,
        "normalizer": "default",
        "split_queries_on_whitespace": False,
        "boost": 1.0,
    },
    "wildcard": {"null_value": None, "ignore_above": _MAX_INT, "normalizer": "default", "meta": {}},
    "text": {**_TEXT, "index_options": "positions", "norms": True},
    "match_only_text": {**_TEXT, "index_options": "docs", "norms": False},
    "boolean": {**_INDEXED, "boost": 1.0},
    "date": {**_INDEXED, "ignore_malformed": False, "boost": 1.0},
    "date_nanos": {**_INDEXED, "ignore_malformed": False, "boost": 1.0},
    "ip": {**_INDEXED, "ignore_malformed": False},
    "binary": {"store": False, "doc_values": False, "meta": {}},
    "token_count": {**_INDEXED, "enable_position_increments": True},
    # No ParametrizedFieldMapper: FieldMapper.doXContentBody writes these where they differ.
    "geo_point": {"index": True, "doc_values": True, "store": False, "boost": 1.0, "meta": {}},
}


def configured(simple: str, kind: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters ``params`` of the field ``simple`` (its own name) of ``kind`` that its
    mapping shows: those given different from their default, booleans read as OpenSearch
    reads them; a ValueError in OpenSearch's words for a boolean it refuses."""
    defaults = DEFAULTS.get(kind, {})
    shown: dict[str, Any] = {}
    for key, value in params.items():
        if key == "null_value" and value is not None:
            value = shown_null_value(kind, value)
        if key not in defaults:
            shown[key] = value
            continue
        default = defaults[key]
        if isinstance(default, bool):
            try:
                value = java_boolean(value)
            except ValueError as error:
                if kind == "geo_point":  # TypeParsers.parseField's nodeBooleanValue
                    raise ValueError(
                        f"{REFUSES}Could not convert [{simple}.{key}] to boolean"
                    ) from None
                raise ValueError(f"{REFUSES}{error}") from None
        if not _equal(value, default):
            shown[key] = value
    return shown


def _equal(value: Any, default: Any) -> bool:
    """Whether ``value``, read as its parameter reads it, is ``default``."""
    if isinstance(default, bool) or default is None or isinstance(default, (str, dict)):
        return type(value) is type(default) and bool(value == default)
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        number = parse_java_double(value)
        return number is not None and number == default
    return isinstance(value, (int, float)) and value == default
