"""An OpenSearch ``search_as_you_type`` field (the mapper-extras module's): its parameters,
as OpenSearch reads and shows them, the fields it makes, and the values it takes.

Facts (OpenSearch's source: ``SearchAsYouTypeFieldMapper`` (its ``Builder``,
``parseCreateField``, ``iterator``), ``ParametrizedFieldMapper.Builder.parse``,
``MappingLookup``'s field count):

- parameters: ``index``, ``store``, ``doc_values`` (``false`` only: ``Cannot set
  [doc_values] on field of type [search_as_you_type]``), ``max_shingle_size`` (3 unless
  given; ``[max_shingle_size] must be at least [2] and at most [4], got [5]``),
  ``analyzer``, ``search_analyzer``, ``search_quote_analyzer``, ``similarity``,
  ``index_options``, ``norms``, ``term_vector``, ``meta``, ``copy_to``, ``fields``; any other
  is refused (``unknown parameter [x] on mapper [f] of type [search_as_you_type]``);
  ``index_options`` is one of ``positions docs freqs offsets``, ``term_vector`` one of
  ``no yes with_positions with_offsets with_positions_offsets with_positions_payloads
  with_positions_offsets_payloads`` (``TextParams``, ``Parameter.restrictedStringParam``:
  ``Unknown value [x] for field [index_options] - accepted values are [positions, docs,
  freqs, offsets]``, ``x`` as Java prints the value);
  ``doc_values`` (``false``) and ``max_shingle_size`` are always shown;
- the field makes a shingle field for each size from 2 to ``max_shingle_size``
  (``f._2gram``, ``f._3gram`` ...) and a prefix field (``f._index_prefix``); GetMapping
  does not show them, but they count toward ``index.mapping.total_fields.limit`` (its
  ``iterator`` gives them with the field), and their full paths (``PrefixFieldMapper`` and
  ``ShingleFieldMapper`` take their full name as their ``simpleName``) toward
  ``index.mapping.field_name_length.limit``;
- a value is read as ``text`` reads one (``parser.textOrNull``): any value but an object.

Chosen: ``fields`` on a ``search_as_you_type`` field is not modelled (refused, named);
``similarity`` and the analyzers (built-in ones, as a ``text`` field's), ``index_options``
and ``term_vector`` (once checked) are kept and shown as given, as the fake keeps a
``text`` field's; ``multivalued``, which later OpenSearch versions take, 2.19 refuses as any unknown
parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_firehose._destinations.index_completion import int_parameter
from pytest_firehose._destinations.index_copy import CopyToError, read_copy_to
from pytest_firehose._destinations.index_mapping import Leaf
from pytest_firehose._destinations.index_parameters import TEXT_OPTIONS, check_restricted
from pytest_firehose._destinations.index_special import (
    REFUSES,
    check_analyzers,
    check_parameter,
    dropped,
    java_boolean,
)
from pytest_firehose._destinations.index_values import text_check

_TYPE = "search_as_you_type"
#: The parameters OpenSearch's mapper takes (``getParameters``, with ``copy_to`` and
#: ``fields``), in the order it shows them.
_TAKEN = (
    "index",
    "store",
    "doc_values",
    "max_shingle_size",
    "analyzer",
    "search_analyzer",
    "search_quote_analyzer",
    "similarity",
    "index_options",
    "norms",
    "term_vector",
    "meta",
    "copy_to",
    "fields",
)
_BOOLEANS = ("index", "store", "doc_values", "norms")


def search_as_you_type_field(name: str, definition: Mapping[str, Any], *, multi: bool) -> Leaf:
    """The ``search_as_you_type`` field ``name`` (its full path) as ``definition`` (without
    its type) defines it; ValueError with the reason for a definition OpenSearch refuses,
    or one the fake does not model."""
    simple = name.rsplit(".", 1)[-1]
    given: dict[str, Any] = {"doc_values": False, "max_shingle_size": 3}
    for key, value in definition.items():
        if dropped(key, _TAKEN):
            continue
        check_parameter(simple, _TYPE, key, value, _TAKEN)
        if key == "fields":
            raise ValueError(
                f"field [{name}]: fields on a {_TYPE} field is not modelled (its shingle and "
                "prefix fields are made all the same)"
            )
        if key in _BOOLEANS:
            try:
                given[key] = java_boolean(value)
            except ValueError as error:
                raise ValueError(f"{REFUSES}{error}") from None
        elif key == "max_shingle_size":
            given[key] = int_parameter(name, key, value)
        else:
            given[key] = value
    if given["doc_values"]:
        raise ValueError(f"{REFUSES}Cannot set [doc_values] on field of type [{_TYPE}]")
    size = given["max_shingle_size"]
    if not 2 <= size <= 4:
        raise ValueError(
            f"{REFUSES}[max_shingle_size] must be at least [2] and at most [4], got [{size}]"
        )
    check_analyzers(name, given)
    check_restricted(given, TEXT_OPTIONS)
    copy_to: tuple[str, ...] = ()
    if "copy_to" in given:
        if multi:
            raise ValueError(
                "OpenSearch refuses this mapping: [copy_to] may not be used to copy from a "
                f"multi-field: [{name}]"
            )
        try:
            copy_to = read_copy_to(f"field [{name}]", given)
        except CopyToError as error:
            raise ValueError(str(error)) from None
    shown = {key: given[key] for key in _TAKEN if key in given}
    # One prefix field and ``size - 1`` shingle fields, each named by its full path.
    hidden = (f"{name}._index_prefix", *(f"{name}._{n}gram" for n in range(2, size + 1)))
    return Leaf(_TYPE, shown, text_check, copy_to=copy_to, hidden=hidden)
