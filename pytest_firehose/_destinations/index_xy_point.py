"""An OpenSearch ``xy_point`` field (the geospatial plugin's point on a Cartesian plane): its
parameters, the forms a document's value may take, and what indexing refuses.

Facts (the geospatial plugin 2.19's ``XYPointFieldMapper``, ``XYPointFieldTypeParser``,
``XYPointParser``, ``XYPoint``, ``XYPointIndexer``, ``XYShapeConverter.toXYPoint``;
OpenSearch's ``AbstractPointGeometryFieldMapper`` (``TypeParser``, ``PointParser``,
``doXContentBody``), ``AbstractGeometryFieldMapper.parse``, ``WellKnownText``; Lucene 9's
``XYPoint`` and ``XYEncodingUtils.checkVal``):

- a value is an object ``{"x": 1, "y": 2}`` (numbers or strings ``Double.parseDouble``
  reads; the first key ``x`` or ``y``, else GeoJSON's ``{"type": "Point", "coordinates":
  [1, 2]}`` when it is ``type`` or ``coordinates``), a string (WKT where it holds
  ``point`` in any case, else ``"x,y"`` or ``"x,y,z"``), or an array: ``[x, y]`` (a z
  third) when its first value is a number, else an array of points in those forms. Its
  words: ``field must be either [x|y], or [type|coordinates]``, ``x must be a number``,
  ``[x] and [y] must be valid double values``, ``field [y] missing``, ``type must be
  Point``, ``numeric value expected``, ``[xy_point] field type should have at least two
  dimensions``, ``[xy_point] field type does not accept more than 3 values``, ``expected 2
  or 3 coordinates, but found: [4]``, ``[x] must be a number``, ``Invalid WKT format,
  [POINT (1)]`` (caused by ``WellKnownText``'s words), ``[xy_point] supports only POINT
  among WKT primitives, but found [LINESTRING]``, ``expecting xy_point as an array, a
  string, or an object format`` (all ``parse_exception``); a z with ``ignore_z_value``
  false fails (``Exception parsing coordinates: found Z value [3.0] but [ignore_z_value]
  parameter is [false]``);
- no range is checked, but each coordinate becomes a float for indexing, whatever
  ``index`` and ``doc_values`` say, and one that is no finite float fails
  (``illegal_argument_exception`` ``invalid value Infinity; must be between
  -3.4028234663852886E38 and 3.4028234663852886E38``: NaN, or past the largest float);
  an empty array has no point to index (``XYPoint cannot be empty``);
- ``null`` is no value, or the ``null_value`` point where the mapping gives one (read
  when the mapping is, in the forms above: a failure refuses the mapping in its words);
- a failure is ``failed to parse field [f] of type [xy_point]``; ``ignore_malformed``
  takes every value;
- parameters: ``ignore_malformed``, ``ignore_z_value``, ``null_value``, ``index``,
  ``doc_values``, ``store``, ``boost``, ``meta``; any other refused as for ``geo_shape``;
  ``null_value`` shown as ``{"x": 1.0, "y": 2.0}``, after the others.

Chosen (as for ``geo_point``): an array of four numbers or more fails with ``field type
does not accept > 3 dimensions``, and where OpenSearch's cause quotes the parser's position
(an array of a number then neither a number nor a string) ``caused_by`` is left out.
``POINT EMPTY`` is the point 0, 0 (``Point.EMPTY``'s).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pytest_firehose._destinations import index_geometry as geo
from pytest_firehose._destinations.index_geo_point import (
    Point,
    coordinate_array,
    geojson_point,
    named_coordinates,
    point_values,
    point_z,
)
from pytest_firehose._destinations.index_geo_shape import check_parameters, shown_parameters
from pytest_firehose._destinations.index_geometry import GeoError, unparsed
from pytest_firehose._destinations.index_mapping import Leaf
from pytest_firehose._destinations.index_point_nulls import read_null_point, shown_point
from pytest_firehose._destinations.index_values import (
    OK,
    Check,
    parse_java_double,
    unread_double,
)
from pytest_firehose._destinations.index_wkt import read_wkt
from pytest_firehose._destinations.index_xy_shape import check_float

_READ = ("ignore_malformed", "ignore_z_value", "null_value")
_KEPT = ("index", "doc_values", "store", "boost", "meta")
_NOT_MODELLED = ("fields", "copy_to", "index_options", "similarity")
_FIELDS = "field must be either [x|y], or [type|coordinates]"
_EXPECTING = "expecting xy_point as an array, a string, or an object format"


def _array(values: list[Any], ignore_z: bool) -> Point:
    """``parseXYPointArray``: two numbers, a third a z."""
    return coordinate_array(values, ignore_z, "xy_point")


def _basic(value: dict[str, Any]) -> Point:
    """``parseXYPointObjectBasicFields``: ``x`` and ``y``."""
    read = named_coordinates(value, ("x", "y"), invalid=_FIELDS, pair="[x] and [y]")
    return read["x"], read["y"]


def _geojson(value: dict[str, Any], ignore_z: bool) -> Point:
    """``parseGeoJsonFields``: ``type`` ``Point`` (any case) and ``coordinates``."""
    return geojson_point(
        value,
        lambda values: _array(values, ignore_z),
        invalid=_FIELDS,
        default=(math.nan, math.nan),
    )


def _object(value: dict[str, Any], ignore_z: bool) -> Point:
    """``parseXYPointObject``: the first key decides the form; nothing may follow it."""
    keys = list(value)
    if not keys:
        raise unparsed("token [END_OBJECT] not allowed")
    if keys[0] in ("x", "y"):
        point = _basic(value)
    elif keys[0] in ("type", "coordinates"):
        point = _geojson(value, ignore_z)
    else:
        raise unparsed(_FIELDS)
    if len(keys) > 2:
        raise unparsed(_FIELDS)
    return point


def _wkt(text: str, ignore_z: bool) -> Point:
    """``XYPoint.resetFromWKT``: the WKT parser (``coerce`` off), its validator's z check;
    a point alone."""
    try:
        shape = read_wkt(text, False)
        geo.check_z(geo.walk(shape), ignore_z)
    except GeoError as failure:
        cause = failure.cause
        raise GeoError(("parse_exception", f"Invalid WKT format, [{text}]", cause)) from None
    if shape.kind != "point":
        raise unparsed(
            f"[xy_point] supports only POINT among WKT primitives, but found [{shape.kind.upper()}]"
        )
    return (shape.xs[0], shape.ys[0]) if shape.xs else (0.0, 0.0)


def _coordinate(text: str, name: str) -> float:
    number = parse_java_double(text)
    if number is None:
        raise unparsed(f"[{name}] must be a number")
    return number


def _coordinates(text: str, ignore_z: bool) -> Point:
    """``XYPoint.resetFromCoordinates``: ``"x,y"`` or ``"x,y,z"`` (split as Java's
    ``split`` splits, trailing empty parts dropped)."""
    parts = text.split(",")
    if len(parts) > 1:
        while parts and parts[-1] == "":
            parts.pop()
    if len(parts) > 3:
        raise unparsed(f"expected 2 or 3 coordinates, but found: [{len(parts)}]")
    if len(parts) == 3:
        z = parse_java_double(parts[2])
        if z is None:
            raise GeoError(unread_double(parts[2]))
        point_z(ignore_z, z)
    if not parts:
        raise GeoError(
            ("array_index_out_of_bounds_exception", "Index 0 out of bounds for length 0")
        )
    x = _coordinate(parts[0], "x")
    if len(parts) < 2:
        raise GeoError(
            ("array_index_out_of_bounds_exception", "Index 1 out of bounds for length 1")
        )
    return x, _coordinate(parts[1], "y")


def read_xy_point(value: Any, ignore_z: bool) -> Point:
    """``XYPointParser.parseXYPoint``: one point as an object, an array or a string."""
    if isinstance(value, dict):
        return _object(value, ignore_z)
    if isinstance(value, list):
        return _array(value, ignore_z)
    if isinstance(value, str):
        if "point" in value.lower():
            return _wkt(value, ignore_z)
        return _coordinates(value, ignore_z)
    raise unparsed(_EXPECTING)


def xy_point_check(ignore_z: bool, ignore_malformed: bool, null_value: Point | None) -> Check:
    """An ``xy_point`` field's check of a whole value (``null`` too): OK, or the cause."""

    def check(value: Any) -> Any:
        if ignore_malformed:
            return OK
        try:
            if value is None:
                points = [] if null_value is None else [null_value]
            else:
                points = point_values(value, ignore_z, read_xy_point, lambda x, y: (x, y))
                if not points:
                    raise geo.illegal("XYPoint cannot be empty")
            for x, y in points:
                check_float(x)
                check_float(y)
        except GeoError as failure:
            return failure.cause
        return OK

    return check


def xy_point_field(name: str, definition: Mapping[str, Any], *, multi: bool) -> Leaf:
    """The ``xy_point`` field ``name`` (its full path) as ``definition`` (without its type)
    defines it; ValueError for what OpenSearch refuses (in its words) or the fake does not
    model."""
    check_parameters(name, "xy_point", definition, _READ, _KEPT, _NOT_MODELLED, multi=multi)
    flags, shown = shown_parameters(f"field [{name}]", definition, (), doc_values=True)
    ignore_z = flags.get("ignore_z_value", True)
    null_value = read_null_point(definition, lambda value: read_xy_point(value, ignore_z))
    if null_value is not None:
        shown["null_value"] = shown_point(("x", "y"), null_value)
    ignore_malformed = flags.get("ignore_malformed", False)
    check = xy_point_check(ignore_z, ignore_malformed, null_value)
    return Leaf("xy_point", shown, check, {}, ignore_malformed)
