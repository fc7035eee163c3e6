"""OpenSearch ``geo_shape`` fields (and the geospatial plugin's ``xy_shape``, which shares
their mapper's base): the mapping's parameters, and the values a document may give: GeoJSON
objects (``index_geojson``), WKT strings (``index_wkt``), arrays of them, ``null``; the
geometry's own checks are ``index_geometry``'s (``index_xy_shape``'s for ``xy_shape``).

Facts (OpenSearch 2.19: ``GeoShapeFieldMapper``, ``AbstractShapeGeometryFieldMapper``,
``AbstractGeometryFieldMapper`` (``TypeParser``, ``parse``, ``doXContentBody``),
``TypeParsers.parseField``, ``GeometryParser``, ``GeoJson``, ``ConstructingObjectParser``,
``ShapeBuilder.Orientation``, ``DistanceUnit``):

- the parameters: ``orientation`` (``right``, ``counterclockwise``, ``ccw``, ``left``,
  ``clockwise``, ``cw``, any case; ``Unknown orientation [x]``), ``coerce`` (close a
  polygon's open rings; false), ``ignore_malformed`` (false), ``ignore_z_value`` (true),
  and ``index``, ``doc_values``, ``store``, ``boost``, ``meta``; any other is refused
  (``Mapping definition for [f] has unsupported parameters:  [null_value : x]``), and
  ``null`` for any but those four and ``null_value`` before (``TypeParsers.checkNull``:
  ``[meta] must not have a [null] value``). Shown
  as ``FieldMapper`` writes them: ``boost`` when not 1, ``index`` and ``doc_values`` when
  false, ``store`` when true, the four geometry ones when given, ``orientation`` as
  ``RIGHT`` or ``LEFT``; the parser always reads a polygon counterclockwise unless the
  GeoJSON object says otherwise (the mapping's ``orientation`` reaches only the indexing
  of polygons);
- a value is an object (GeoJSON), a string (WKT) or ``null`` (no value); an array's
  values are read one by one; a number or a boolean fails with ``shape must be an object
  consisting of type and coordinates``; any failure is ``failed to parse field [f] of
  type [geo_shape]`` (``f`` the full path; no id, no preview), and ``ignore_malformed``
  takes every value;
- GeoJSON objects are read by ``index_geojson``;
- ``xy_shape`` (``XYShapeFieldMapper``, ``XYShapeFieldTypeParser``) takes the same
  parameters, without doc values by default (shown when true); its parser is built with
  the mapping's ``orientation`` (``GeometryParser``), so a GeoJSON polygon that names
  none is read in the mapping's; a failure is ``failed to parse field [f] of type
  [xy_shape]``.

Chosen: the prefix-tree parameters, which ``xy_shape``'s type parser reads and drops, are
refused as not modelled, as for ``geo_shape``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_firehose._destinations import index_geometry as geo
from pytest_firehose._destinations.index_geojson import ORIENTATIONS, read_geojson
from pytest_firehose._destinations.index_geometry import GeoError
from pytest_firehose._destinations.index_mapping import Leaf
from pytest_firehose._destinations.index_special import REFUSES, check_null, java_text
from pytest_firehose._destinations.index_values import OK, Check
from pytest_firehose._destinations.index_wkt import read_wkt
from pytest_firehose._destinations.index_xy_shape import check_xy_shape

#: The parameters the fake reads, and those it keeps and shows.
_READ = ("ignore_malformed", "ignore_z_value", "coerce", "orientation")
_KEPT = ("index", "doc_values", "store", "boost", "meta")
#: The prefix-tree parameters, which make the legacy ``geo_shape`` mapper (its parser reads
#: them before ``TypeParsers.parseField``).
_PREFIX_TREE = ("tree", "precision", "tree_levels", "strategy", "distance_error_pct", "points_only")
#: Parameters OpenSearch takes that the fake does not model (``fields`` and ``copy_to``;
#: the prefix-tree ones).
_NOT_MODELLED = ("fields", "copy_to", "index_options", "similarity", *_PREFIX_TREE)


def geo_shape_field(
    name: str, definition: Mapping[str, Any], *, multi: bool, kind: str = "geo_shape"
) -> Leaf:
    """The ``geo_shape`` (or ``xy_shape``: ``kind``) field ``name`` (its full path) as
    ``definition`` (without its type) defines it; ValueError for what OpenSearch refuses
    (in its words) or the fake does not model."""
    where = f"field [{name}]"
    cartesian = kind == "xy_shape"
    check_parameters(name, kind, definition, _READ, _KEPT, _NOT_MODELLED, multi=multi)
    flags, shown = shown_parameters(where, definition, ("coerce",), doc_values=not cartesian)
    if "orientation" in definition:
        shown["orientation"] = _orientation(where, definition["orientation"])
    check = geo_shape_check(
        name,
        coerce=flags.get("coerce", False),
        ignore_z=flags.get("ignore_z_value", True),
        indexes=flags.get("index", True) or flags.get("doc_values", not cartesian),
        ignore_malformed=flags.get("ignore_malformed", False),
        right=shown.get("orientation", "RIGHT") == "RIGHT",
        cartesian=cartesian,
    )
    return Leaf(kind, shown, check, {}, flags.get("ignore_malformed", False))


def check_parameters(
    name: str,
    kind: str,
    definition: Mapping[str, Any],
    read: tuple[str, ...],
    kept: tuple[str, ...],
    not_modelled: tuple[str, ...],
    *,
    multi: bool,
) -> None:
    """A geometry field's parameters, as its type parser and ``TypeParsers.parseField``
    read them: one OpenSearch does not know refused in its words, one the fake does not
    model refused in its own."""
    where = f"field [{name}]"
    if multi:
        raise ValueError(
            f"{where}: a {kind} sub-field (in another field's fields) is not modelled: "
            f"give the {kind} a field of its own"
        )
    check_null(definition, (*_READ, *_PREFIX_TREE))
    for key in definition:
        if key in not_modelled:
            raise ValueError(
                f"{where}: the parameter {key!r} of a {kind} field is not modelled "
                f"(modelled: {', '.join(sorted(read + kept))})"
            )
    unknown = [key for key in definition if key not in read + kept]
    if unknown:
        given = "".join(f" [{key} : {java_text(definition[key])}]" for key in unknown)
        raise ValueError(
            f"{REFUSES}Mapping definition for [{name.rsplit('.', 1)[-1]}] has unsupported "
            f"parameters: {given}"
        )


def shown_parameters(
    where: str, definition: Mapping[str, Any], own: tuple[str, ...], *, doc_values: bool
) -> tuple[dict[str, bool], dict[str, Any]]:
    """A geometry field's flags (``ignore_malformed``, ``ignore_z_value``, the ``own``
    ones, ``index``, ``doc_values``, ``store``) and its parameters as ``FieldMapper``
    shows them: ``boost`` when not 1, ``index`` when false, ``doc_values`` when not
    ``doc_values`` (its default), ``store`` when true, ``meta``, then the geometry flags
    given."""
    geometry = ("ignore_malformed", "ignore_z_value", *own)
    flags = {
        key: _flag(where, key, definition[key])
        for key in (*geometry, "index", "doc_values", "store")
        if key in definition
    }
    shown: dict[str, Any] = {}
    if "boost" in definition:
        boost = definition["boost"]
        if boost is True or boost is False or not isinstance(boost, (int, float)):
            raise ValueError(f"{where}: boost is a number, such as 2.0, not {boost!r}")
        if float(boost) != 1.0:
            shown["boost"] = float(boost)
    for key, default in (("index", True), ("doc_values", doc_values), ("store", False)):
        if flags.get(key, default) != default:
            shown[key] = flags[key]
    if "meta" in definition:
        meta = definition["meta"]
        if not isinstance(meta, Mapping):
            raise ValueError(f"{where}: meta is an object of strings, not {meta!r}")
        if meta:
            shown["meta"] = {key: meta[key] for key in sorted(meta)}
    for key in geometry:
        if key in flags:
            shown[key] = flags[key]
    return flags, shown


def _flag(where: str, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where}: {name} is true or false, not {value!r}")
    return value


def _orientation(where: str, given: Any) -> str:
    """``Orientation.fromString`` of the value's text, shown as the enum's name."""
    if isinstance(given, bool):
        text = "true" if given else "false"
    elif isinstance(given, str):
        text = given
    else:
        raise ValueError(f'{where}: orientation is a string, such as "right", not {given!r}')
    lowered = text.lower()
    if lowered not in ORIENTATIONS:
        raise ValueError(f"{REFUSES}Unknown orientation [{lowered}]")
    return ORIENTATIONS[lowered]


def geo_shape_check(
    name: str,
    *,
    coerce: bool,
    ignore_z: bool,
    indexes: bool,
    ignore_malformed: bool,
    right: bool = True,
    cartesian: bool = False,
) -> Check:
    """A ``geo_shape`` field's check of one value (an array's values come one by one):
    OK, or the ``caused_by`` of its failure (None where it is left out); an ``xy_shape``'s
    where ``cartesian``."""

    def check(value: Any) -> Any:
        if ignore_malformed or value is None:
            return OK
        try:
            if isinstance(value, dict):
                shape = read_geojson(value, coerce, right=right or not cartesian)
            elif isinstance(value, str):
                shape = read_wkt(value, coerce)
            else:
                raise GeoError(
                    (
                        "parse_exception",
                        "shape must be an object consisting of type and coordinates",
                    )
                )
            if cartesian:
                check_xy_shape(shape, ignore_z, indexes)
            else:
                geo.check_read(shape, ignore_z, indexes, right)
        except GeoError as failure:
            return failure.cause
        return OK

    return check
