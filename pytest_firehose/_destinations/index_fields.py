"""One field of a mapping a test gives (``index_explicit``), read from its mapping JSON into
a :class:`~pytest_firehose._destinations.index_mapping.Leaf` or
:class:`~pytest_firehose._destinations.index_mapping.Obj`: its type, the parameters the fake
reads (``index_parameters.READ``) or keeps and shows (``HARMLESS``), its sub-fields
(``fields``) and ``copy_to``; an object's ``properties``, ``dynamic`` and ``enabled``; the
types read by their own modules handed to them; and a dynamic template's mapping read as
the field it makes. What is not taken is refused (:class:`BadMapping`): in OpenSearch's
words where OpenSearch refuses it, else naming what is modelled.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Iterator, Mapping
from typing import Any

from pytest_firehose._destinations.index_analysis import (
    BUILT_IN,
    Analysis,
    check_normalizer,
    reading,
)
from pytest_firehose._destinations.index_completion import completion_field
from pytest_firehose._destinations.index_copy import CopyToError, read_copy_to
from pytest_firehose._destinations.index_date_fields import date_field_check
from pytest_firehose._destinations.index_defaults import configured
from pytest_firehose._destinations.index_elasticsearch import Refused, lacks, refuse_dynamic
from pytest_firehose._destinations.index_geo_point import geo_point_check
from pytest_firehose._destinations.index_geo_shape import geo_shape_field
from pytest_firehose._destinations.index_join import join_field
from pytest_firehose._destinations.index_knn import knn_vector_field
from pytest_firehose._destinations.index_mapping import (
    ALLOW_TEMPLATES,
    ELASTICSEARCH_METADATA,
    BadMapping,
    Leaf,
    Node,
    NoHandler,
    Obj,
    leaf_for,
)
from pytest_firehose._destinations.index_parameters import (
    DECLARED,
    HARMLESS,
    READ,
    READS_BINARY,
    TYPES,
    check_text,
    drop_undeclared,
    scaling_factor,
)
from pytest_firehose._destinations.index_point_nulls import geo_point_shown
from pytest_firehose._destinations.index_ranges import TYPES as RANGES
from pytest_firehose._destinations.index_ranges import range_field
from pytest_firehose._destinations.index_rank_features import TYPES as RANKS
from pytest_firehose._destinations.index_rank_features import rank_feature_field
from pytest_firehose._destinations.index_search_as_you_type import search_as_you_type_field
from pytest_firehose._destinations.index_special import (
    PARAMETERS,
    REFUSES,
    check_analyzers,
    check_no_remaining,
    check_null,
    flat_object,
    special_check,
)
from pytest_firehose._destinations.index_special import TYPES as SPECIAL
from pytest_firehose._destinations.index_types import binary_check, scaled_float_check
from pytest_firehose._destinations.index_values import parse_java_double, preview
from pytest_firehose._destinations.index_xy_point import xy_point_field

#: Types a domain may have that the fake does not model, refused as not modelled: OpenSearch
#: 2.19's own (its percolator module's, ``derived`` fields, ``star_tree``), the plugins'
#: Amazon OpenSearch Service may run (``analysis-icu``, ``mapper-murmur3``,
#: ``mapper-annotated-text``) and OpenSearch 3's neural search. Any other type has no
#: parser in OpenSearch 2.19, which refuses it in its own words.
UNMODELLED_TYPES = (
    "percolator",
    "derived",
    "star_tree",
    "icu_collation_keyword",
    "murmur3",
    "annotated_text",
    "semantic",
    "sparse_vector",
)
_SHINGLES = "search_as_you_type"
#: Types whose own modules read their definitions (as ``field_node`` reads the others named there).
_OWN = ("completion", _SHINGLES)
#: The geometry types whose modules read their definitions (``index_geo_shape``,
#: ``index_xy_point``).
_GEOMETRIES = ("geo_shape", "xy_shape", "xy_point")
#: Types whose parser reads its own parameters and leaves the rest unread (refused).
_UNPARSED = ("alias", "constant_keyword")
#: The ``dynamic`` modes OpenSearch reads by name, whatever their case.
_MODES = ("strict", *ALLOW_TEMPLATES)


def read_dynamic(where: str, value: Any) -> str:
    """``dynamic`` as OpenSearch reads it (``ObjectMapper.TypeParser``): a mode's name in
    any case, else a boolean (``true``, ``false``, or those two strings only); shown in
    lower case. An Elasticsearch domain has no ``*_allow_templates`` mode
    (``index_elasticsearch``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.lower() in _MODES:
        refuse_dynamic(value)
        return value.lower()
    if value in ("true", "false"):
        return str(value)
    if isinstance(value, (str, int, float)):
        raise BadMapping(
            f"{REFUSES}Could not convert [dynamic.dynamic] to boolean ({where}: dynamic is true, "
            'false, "strict", "strict_allow_templates" or "false_allow_templates", not '
            f"{value!r})"
        )
    raise BadMapping(
        f'{where}: dynamic is true, false, "strict", "strict_allow_templates" or '
        f'"false_allow_templates", not {value!r}'
    )


def flag(where: str, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise BadMapping(f"{where}: {name} is true or false, not {value!r}")
    return value


def field_node(name: str, definition: Any, *, multi: bool = False, knn: bool = False) -> Node:
    """The field ``name`` as ``definition`` (its mapping JSON) defines it."""
    where = f"field [{name}]"
    if not isinstance(definition, Mapping):
        raise BadMapping(f'{where}: a field is defined by an object, e.g. {{"type": "long"}}')
    definition = dict(definition)
    kind = definition.pop("type", None)
    if kind is None:  # an object, as OpenSearch derives it (``_check_typed``)
        kind = "object"
    missing = lacks(kind)  # an Elasticsearch domain's (``index_elasticsearch``)
    if missing or (kind not in TYPES and kind not in SPECIAL):
        if missing or kind not in UNMODELLED_TYPES:
            # ``ObjectMapper.TypeParser.parseProperties`` (``TypeParsers.parseMultiField``
            # for a sub-field, in lower case): the type's ``toString`` has no parser;
            # Elasticsearch 7.10's words are the same.
            handler, named = "no handler" if multi else "No handler", preview(kind)
            raise NoHandler(
                f"{REFUSES}{handler} for type [{named}] declared on field "
                f"[{name.rsplit('.', 1)[-1]}]",
                named,
                name,
            )
        modelled = ", ".join((*TYPES, *SPECIAL))
        raise BadMapping(
            f"{where}: the type {kind!r} is not modelled; pytest-firehose models {modelled}"
        )
    if kind in ("object", "nested"):
        if multi:
            raise BadMapping(f"{where}: Type [{kind}] cannot be used in multi field")
        return read_object(where, kind, definition, knn=knn)
    if kind in (*_GEOMETRIES, "flat_object", "knn_vector", "join", *_OWN, *RANGES, *RANKS):
        try:
            if kind == "join":
                return join_field(name, definition, multi=multi)
            if kind in RANKS:
                return rank_feature_field(name, kind, definition, multi=multi)
            if kind == "completion":
                return completion_field(name, definition, multi=multi)
            if kind == _SHINGLES:
                return search_as_you_type_field(name, definition, multi=multi)
            if kind in RANGES:
                return range_field(name, kind, definition, multi=multi)
            if kind == "knn_vector":
                return knn_vector_field(name, definition, multi=multi, knn=knn)
            if kind == "xy_point":
                return xy_point_field(name, definition, multi=multi)
            if kind in _GEOMETRIES:
                return geo_shape_field(name, definition, multi=multi, kind=kind)
            return flat_object(name, definition, multi=multi)
        except Refused:  # what an Elasticsearch domain lacks, with its cause
            raise
        except ValueError as error:
            raise BadMapping(str(error)) from None
    if kind in _UNPARSED:
        try:
            check = special_check(name, kind, definition, multi=multi)
            unread = {
                key: value for key, value in definition.items() if key not in PARAMETERS[kind]
            }
            check_no_remaining(name, unread, multi=multi)
        except ValueError as error:
            raise BadMapping(str(error)) from None
        return Leaf(kind, definition, check)
    allowed = (
        HARMLESS["*"] | HARMLESS.get(kind, frozenset()) | READ.get(kind, frozenset()) | {"copy_to"}
        if kind not in SPECIAL
        else PARAMETERS[kind] - {"fields"}
    )
    if kind in DECLARED:
        allowed &= DECLARED[kind] | {"copy_to"}
        try:
            drop_undeclared(name, kind, definition)
        except ValueError as error:
            raise BadMapping(str(error)) from None
    elif kind == "geo_point":
        try:
            check_null(definition, ("ignore_malformed", "ignore_z_value"))
        except ValueError as error:
            raise BadMapping(str(error)) from None
    subfields = definition.pop("fields", {}) if not multi else {}
    for key in definition:
        if key not in allowed:
            raise BadMapping(
                f"{where}: the parameter {key!r} of a {kind} field is not modelled "
                f"(modelled: {', '.join(sorted(allowed | ({'fields'} if not multi else set())))})"
            )
    if kind == "keyword":
        try:
            check_normalizer(name, definition)
        except ValueError as error:
            raise BadMapping(str(error)) from None
    if kind in ("text", "match_only_text"):
        try:
            check_analyzers(name, definition)
            check_text(name, kind, definition)
        except ValueError as error:
            raise BadMapping(str(error)) from None
    try:
        copy_to = read_copy_to(where, definition) if "copy_to" in definition else ()
    except CopyToError as error:
        raise BadMapping(str(error)) from None
    if copy_to and multi:
        raise BadMapping(
            f"OpenSearch refuses this mapping: [copy_to] may not be used to copy from a "
            f"multi-field: [{name}]"
        )
    coerce = flag(where, "coerce", definition.get("coerce", True))
    ignore_malformed = flag(where, "ignore_malformed", definition.get("ignore_malformed", False))
    try:
        dated = kind in ("date", "date_nanos")
        check = date_field_check(name, kind, definition) if dated else leaf_for(kind, coerce=coerce)
    except ValueError as error:
        raise BadMapping(str(error)) from None
    if kind == "scaled_float":
        try:
            definition["scaling_factor"] = scaling_factor(name, definition.get("scaling_factor"))
        except ValueError as error:
            raise BadMapping(str(error)) from None
    elif kind == "binary" and any(definition.get(key) in (True, "true") for key in READS_BINARY):
        check = binary_check
    elif kind in SPECIAL:
        try:
            check = special_check(name, kind, definition, multi=multi)
        except ValueError as error:
            raise BadMapping(str(error)) from None
    if not isinstance(subfields, Mapping):
        raise BadMapping(f"{where}: fields is an object of sub-field name to definition")
    fields: dict[str, Leaf] = {}
    for sub, spec in subfields.items():
        _check_typed(sub, spec, multi=True)
        made = field_node(f"{name}.{sub}", spec, multi=True)
        assert isinstance(made, Leaf)  # a multi field is refused an object type
        fields[sub] = made
    if kind == "geo_point":
        ignore_z = flag(where, "ignore_z_value", definition.get("ignore_z_value", True))
    try:
        shown = configured(name.rsplit(".", 1)[-1], kind, definition)
        if kind == "geo_point":
            shown, null_point = geo_point_shown(shown, definition, ignore_malformed)
    except ValueError as error:
        raise BadMapping(str(error)) from None
    reads_null = False
    if kind == "geo_point":
        encodes = shown.get("index") is not False or shown.get("doc_values") is not False
        check = geo_point_check(
            name.rsplit(".", 1)[-1], ignore_z, ignore_malformed, null_point, encodes
        )
        reads_null = null_point is not None and any(map(math.isnan, null_point))
    elif kind == "scaled_float" and shown.get("null_value") is not None:
        null_value = parse_java_double(str(shown["null_value"]))
        assert null_value is not None  # the mapping shows the double it read
        check = scaled_float_check(coerce, null_value)
        reads_null = not math.isfinite(null_value)
    return Leaf(kind, shown, check, fields, ignore_malformed, copy_to, reads_null=reads_null)


def read_object(where: str, kind: str, definition: dict[str, Any], *, knn: bool = False) -> Obj:
    allowed = {"properties", "dynamic", "enabled"} | HARMLESS.get(kind, frozenset())
    for key in definition:
        if key not in allowed:
            raise BadMapping(
                f"{where}: the parameter {key!r} of an {kind} field is not modelled "
                f"(modelled: {', '.join(sorted(allowed))})"
            )
    properties = definition.get("properties", {})
    if not isinstance(properties, Mapping):
        raise BadMapping(f"{where}: properties is an object of field name to definition")
    # The parameters are read in the order given: ``dynamic`` after ``properties`` is
    # read once the properties are.
    keys = list(definition)
    later = "properties" in keys and "dynamic" in keys
    later = later and keys.index("properties") < keys.index("dynamic")
    node = Obj(
        kind,
        {},
        read_dynamic(where, definition["dynamic"]) if "dynamic" in keys and not later else None,
        flag(where, "enabled", definition.get("enabled", True)),
        {key: definition[key] for key in definition if key in HARMLESS.get(kind, ())},
    )
    prefix = "" if where == "the mapping" else where[len("field [") : -1] + "."
    for name, spec in properties.items():
        if not isinstance(name, str) or not name or "." in name:
            raise BadMapping(
                f"{where}: {name!r} is no field name for properties (a name is not empty and "
                "holds no dot: give an object its own properties)"
            )
        if where == "the mapping" and name in ELASTICSEARCH_METADATA:
            raise BadMapping(f"{where}: {name!r} is a metadata field, which properties do not map")
        _check_typed(name, spec, multi=False)
        node.properties[name] = field_node(prefix + name, spec, knn=knn)
    if later:
        node.dynamic = read_dynamic(where, definition["dynamic"])
    return node


#: Whether the mapping being read is one OpenSearch merges, as JSON, under legacy templates
#: before it parses it (``untyped_merged``): a property of it may lack the type they give.
_UNTYPED_MERGED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "untyped_merged", default=False
)


@contextlib.contextmanager
def untyped_merged() -> Iterator[None]:
    """Read a mapping that OpenSearch merges into its legacy templates' before it parses
    it: its fields' types are checked once merged (``_check_typed``)."""
    token = _UNTYPED_MERGED.set(True)
    try:
        yield
    finally:
        _UNTYPED_MERGED.reset(token)


def _check_typed(name: str, spec: Any, *, multi: bool) -> None:
    """Refuse, in OpenSearch's words, a field given no ``type`` (or a null one) where
    OpenSearch derives none: ``ObjectMapper.TypeParser.parseProperties`` takes such a
    property as an object only when it has ``properties``, or ``enabled`` and nothing
    else; ``TypeParsers.parseMultiField`` takes no sub-field without one (not even in a
    mapping merged under legacy templates: a template giving it one is not modelled)."""
    if not isinstance(spec, Mapping) or spec.get("type") is not None:
        return
    if multi:
        raise BadMapping(f"{REFUSES}no type specified for property [{name}]")
    if _UNTYPED_MERGED.get():
        return
    if spec.get("properties") is None and not (len(spec) == 1 and "enabled" in spec):
        raise BadMapping(f"{REFUSES}No type specified for field [{name}]")


def templated_field(
    name: str, definition: Mapping[str, Any], *, knn: bool = False, analysis: Analysis = BUILT_IN
) -> Node:
    """The field a dynamic template's mapping (its placeholders filled) makes of the new
    field ``name`` in an index of ``analysis``. An object's mapping is read as OpenSearch's
    object parser reads it: the parameters an object has no use for (``index``,
    ``ignore_above`` ...) are left unused."""
    with reading(analysis):
        return _templated_node(name, definition, knn=knn)


def _templated_node(name: str, definition: Mapping[str, Any], *, knn: bool) -> Node:
    kind = definition.get("type", "object")
    if kind == "alias":
        raise BadMapping(
            "an alias made by a dynamic template is not modelled (its path is checked "
            "against the mapping it joins): give the alias in properties"
        )
    if kind == "join":
        raise BadMapping(
            "a join field made by a dynamic template is not modelled (an index has one join "
            "field, at its top): give the join field in properties"
        )
    if kind not in ("object", "nested"):
        return field_node(name, definition, knn=knn)
    allowed = {"type", "properties", "dynamic", "enabled"} | HARMLESS.get(kind, frozenset())
    used = {key: value for key, value in definition.items() if key in allowed}
    return field_node(name, used, knn=knn)
