"""A ``geo_shape`` field's object value: GeoJSON, read as OpenSearch's ``GeoJson`` parser
reads it into an ``index_geometry`` shape.

Facts (OpenSearch 2.19's ``GeoJson`` (its ``ConstructingObjectParser``, ``createGeometry``,
``parseCoordinates``, ``CoordinateNode``), ``ConstructingObjectParser.Target.buildTarget``,
``ObjectParser.parseValue``, ``DistanceUnit.parseDistance``):

- ``type`` in any case (``Point``, ``MultiPoint``, ``LineString``, ``MultiLineString``,
  ``Polygon``, ``MultiPolygon``, ``GeometryCollection`` with ``geometries``,
  ``Envelope`` or ``bbox`` with ``[[minLon, maxLat], [maxLon, minLat]]``, ``Circle``
  with ``radius``); other keys are skipped; a coordinate is two or three JSON numbers;
- what the object's parser finds while reading its keys (a ``type`` that is no string,
  ``coordinates`` that are no array of numbers or arrays, a member of ``geometries``
  that fails, ...) is quoted with its position in the record: the fake leaves
  ``caused_by`` out, as elsewhere. What it finds once the object is read is
  ``x_content_parse_exception`` ``Failed to build [geojson] after last required field
  arrived`` caused by the reason (``coordinates not included``, ``No enum constant
  org.opensearch.geometry.ShapeType.SQUARE``, ``expected a single points but got a
  list``, ``not enough points to build a line``, ...), unless all five of ``type``,
  ``coordinates``, ``geometries``, ``orientation`` and ``radius`` are given (it is
  built as the last arrives, and the position quoted); a missing ``type`` is
  ``illegal_argument_exception`` ``Required [type]``;
- an object's coordinates are read as ``CoordinateNode.asLineComponents`` reads them:
  reversed where the object's ``orientation`` is ``left`` (``cw``, ``clockwise``), and a
  ring ``coerce`` closes then begins at 0, 0 (OpenSearch fills the first slot last);
  an envelope's corners are read by ``asRectangle``, whose errors on a lone point or a
  list in a corner's place are Java's ``NullPointerException`` texts (JDK 21's helpful
  messages).

Chosen: a coordinates array that mixes arrays with numbers or ``null`` fails the value
without ``caused_by`` (OpenSearch's parser reads on past the array's end there and fails,
or in rare shapes builds from what follows it).
"""

from __future__ import annotations

import math
from typing import Any

from pytest_firehose._destinations import index_geometry as geo
from pytest_firehose._destinations.index_geometry import GeoError, Shape, java_equals, unparsed
from pytest_firehose._destinations.index_values import json_number, parse_java_double

#: ``Orientation.fromString``'s names (lower case), and the orientation each is.
ORIENTATIONS = {
    "right": "RIGHT",
    "counterclockwise": "RIGHT",
    "ccw": "RIGHT",
    "left": "LEFT",
    "clockwise": "LEFT",
    "cw": "LEFT",
}

#: A coordinate (x, y, z: NaN where none), or an array of them (at any depth).
_Node = Any
_ARGUMENTS = ("type", "coordinates", "geometries", "orientation", "radius")


def _positioned() -> GeoError:
    """What the object's parser quotes with its position in the record: ``caused_by``
    left out."""
    return GeoError(None)


#: Java's ``DistanceUnit`` names, in the order ``parseDistance`` tries them, and meters.
_UNITS = (
    (("in", "inch"), 0.0254),
    (("yd", "yards"), 0.9144),
    (("ft", "feet"), 0.3048),
    (("km", "kilometers"), 1000.0),
    (("NM", "nmi", "nauticalmiles"), 1852.0),
    (("mm", "millimeters"), 0.001),
    (("cm", "centimeters"), 0.01),
    (("mi", "miles"), 1609.344),
    (("m", "meters"), 1.0),
)


def read_geojson(
    value: dict[str, Any], coerce: bool, *, member: bool = False, right: bool = True
) -> Shape:
    """The shape a GeoJSON object describes (``member``: one of a collection's
    ``geometries``, whose every failure its parent quotes with a position; ``right``: the
    orientation of a polygon whose object names none, the parser's own)."""
    given: dict[str, Any] = {}
    for key, item in value.items():
        if key in ("type", "orientation", "radius"):
            if not isinstance(item, str):
                raise _positioned()
            given[key] = _radius(item) if key == "radius" else item
        elif key == "coordinates":
            if not isinstance(item, list):
                raise _positioned()
            given[key] = _coordinates(item)
        elif key == "geometries":
            items = [item] if isinstance(item, dict) else item
            if not isinstance(items, list) or not all(isinstance(one, dict) for one in items):
                raise _positioned()
            members = []
            for one in items:  # a loop, not a comprehension: one frame a level
                try:
                    members.append(read_geojson(one, coerce, member=True, right=right))
                except GeoError:
                    raise _positioned() from None
            given[key] = members
    if "type" not in given:
        if member:
            raise _positioned()
        raise geo.illegal("Required [type]")
    try:
        return _build(given, coerce, right)
    except GeoError as failure:
        if member or len(given) == len(_ARGUMENTS):
            raise _positioned() from None  # built as its last key was read
        raise GeoError(
            (
                "x_content_parse_exception",
                "Failed to build [geojson] after last required field arrived",
                failure.cause,
            )
        ) from None


def _radius(text: str) -> float:
    """``DistanceUnit.Distance.parseDistance`` in meters."""
    for names, meters in _UNITS:
        for unit in names:
            if text.endswith(unit):
                number = parse_java_double(text[: -len(unit)])
                if number is None:
                    raise _positioned()
                return number * meters
    number = parse_java_double(text)
    if number is None:
        raise _positioned()
    return number


def _coordinates(items: list[Any]) -> _Node:
    """``GeoJson.parseCoordinates``: a coordinate, or an array of nodes whose dimensions
    match (an empty array is a node without any). Read without recursion: a record may
    nest arrays as deep as its JSON allows, and every failure here is the same one."""
    #: The arrays being read, each with the nodes read from it so far.
    open_arrays: list[tuple[list[Any], list[_Node]]] = [(items, [])]
    while True:
        array, nodes = open_arrays[-1]
        node: _Node
        if array and not isinstance(array[0], list):
            node = _coordinate(array)
        elif len(nodes) < len(array):
            item = array[len(nodes)]
            if not isinstance(item, list):
                raise _positioned()
            open_arrays.append((item, []))
            continue
        else:
            node = nodes
        open_arrays.pop()
        if not open_arrays:
            return node
        siblings = open_arrays[-1][1]
        if siblings and _dimensions(siblings[0]) != _dimensions(node):
            raise _positioned()
        siblings.append(node)


def _coordinate(array: list[Any]) -> tuple[float, float, float]:
    """``GeoJson.parseCoordinate``: two or three numbers."""
    numbers = [number for number in map(json_number, array) if number is not None]
    if len(numbers) != len(array) or len(numbers) not in (2, 3):
        raise _positioned()
    return (numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else math.nan)


def _dimensions(node: _Node) -> int:
    """``CoordinateNode.numDimensions``: its first coordinate's, however deep."""
    while not isinstance(node, tuple):
        if not node:
            raise _positioned()  # "attempting to get number of dimensions on an empty ..."
        node = node[0]
    return 2 if math.isnan(node[2]) else 3


def _exception(reason: str) -> GeoError:
    return GeoError(("exception", reason))


def _build(given: dict[str, Any], coerce: bool, default: bool) -> Shape:
    """``GeoJson.createGeometry`` with the object's arguments."""
    kind: str = given["type"]
    orientation = given.get("orientation")
    if orientation is not None:
        if orientation.lower() not in ORIENTATIONS:
            raise geo.illegal(f"Unknown orientation [{orientation.lower()}]")
        orientation = ORIENTATIONS[orientation.lower()] == "RIGHT"
    shape_type = "ENVELOPE" if kind.lower() == "bbox" else kind.upper()
    known = (
        "POINT",
        "MULTIPOINT",
        "LINESTRING",
        "MULTILINESTRING",
        "POLYGON",
        "MULTIPOLYGON",
        "GEOMETRYCOLLECTION",
        "LINEARRING",
        "ENVELOPE",
        "CIRCLE",
    )
    if shape_type not in known:
        raise geo.illegal(f"No enum constant org.opensearch.geometry.ShapeType.{shape_type}")
    coordinates = given.get("coordinates")
    geometries = given.get("geometries")
    radius = given.get("radius")
    if shape_type == "GEOMETRYCOLLECTION":
        if geometries is None:
            raise unparsed("geometries not included")
        if coordinates is not None:
            raise unparsed(f"parameter coordinates is not supported for type {kind}")
        _nulls(kind, None, orientation, radius)
        return geo.collection("geometrycollection", geometries)
    if coordinates is None:
        raise unparsed("coordinates not included")
    if shape_type in ("POLYGON", "MULTIPOLYGON"):
        _nulls(kind, geometries, None, radius)
    elif shape_type == "CIRCLE":
        if radius is None:
            raise unparsed("radius is not specified")
        _nulls(kind, geometries, orientation, None)
        x, y, z = _point(coordinates)
        return geo.circle(x, y, z, radius)
    elif shape_type != "LINEARRING":
        _nulls(kind, geometries, orientation, radius)
    right = default if orientation is None else orientation
    if shape_type == "POINT":
        return geo.point(*_point(coordinates))
    if shape_type == "MULTIPOINT":
        return geo.collection("multipoint", [geo.point(*_point(one)) for one in _list(coordinates)])
    if shape_type == "LINESTRING":
        return _line(coordinates)
    if shape_type == "MULTILINESTRING":
        return geo.collection("multilinestring", [_line(one) for one in _list(coordinates)])
    if shape_type == "POLYGON":
        return _polygon(coordinates, right, coerce)
    if shape_type == "MULTIPOLYGON":
        polygons = [_polygon(one, right, coerce) for one in _list(coordinates)]
        return geo.collection("multipolygon", polygons)
    if shape_type == "ENVELOPE":
        return _envelope(coordinates)
    raise unparsed(f"unsupported shape type {kind}")


def _nulls(kind: str, geometries: Any, orientation: Any, radius: Any) -> None:
    for key, item in (("geometries", geometries), ("orientation", orientation), ("radius", radius)):
        if item is not None:
            raise unparsed(f"parameter {key} is not supported for type {kind}")


def _point(node: _Node) -> tuple[float, float, float]:
    if not isinstance(node, tuple):
        raise _exception("expected a single points but got a list")
    x, y, z = node
    return x, y, z


def _list(node: _Node) -> list[_Node]:
    if isinstance(node, tuple):
        raise _exception("expected a list of points but got a point")
    return list(node)


def _components(
    node: _Node, right: bool, coerce: bool, close: bool
) -> tuple[list[float], list[float], list[float] | None]:
    """``asLineComponents``: the points in order (reversed where not ``right``), closed
    where ``close`` and ``coerce`` and the first is not the last."""
    children = _list(node)
    if len(children) < 2:
        raise _exception("not enough points to build a line")
    closing = (
        close
        and coerce
        and not all(
            java_equals(a, b)
            for a, b in zip(_point(children[0]), _point(children[-1]), strict=True)
        )
    )
    size = len(children) + closing
    with_z = _dimensions(node) == 3
    xs, ys, zs = [0.0] * size, [0.0] * size, [0.0] * size
    at = 0 if right else size - 1
    for child in children:
        xs[at], ys[at], zs[at] = _point(child)
        at += 1 if right else -1
    if closing:
        # As OpenSearch fills the arrays: reversed, the first slot is left at 0 and the
        # closing point copies it.
        xs[-1], ys[-1], zs[-1] = xs[0], ys[0], zs[0]
    return xs, ys, zs if with_z else None


def _line(node: _Node) -> Shape:
    return geo.line(*_components(node, True, False, False))


def _polygon(node: _Node, right: bool, coerce: bool) -> Shape:
    rings = []
    for child in _list(node):
        xs, ys, zs = _components(child, right, coerce, True)
        rings.append((geo.ring(xs, ys, zs), len(xs)))
    if not rings:
        raise GeoError(("index_out_of_bounds_exception", "Index 0 out of bounds for length 0"))
    return geo.polygon(rings[0][0], [ring for ring, _ in rings[1:]], [n for _, n in rings])


def _envelope(node: _Node) -> Shape:
    """``asRectangle``: two points, upper left then lower right."""
    if isinstance(node, tuple):
        raise GeoError(
            (
                "null_pointer_exception",
                'Cannot invoke "java.util.List.size()" because "this.children" is null',
            )
        )
    if len(node) != 2:
        raise unparsed(
            f"invalid number of points [{len(node)}] provided for geo_shape [ENVELOPE] when "
            "expecting an array of 2 coordinates"
        )
    for corner, local in zip(node, ("uL", "lR"), strict=True):
        if not isinstance(corner, tuple):
            raise GeoError(
                (
                    "null_pointer_exception",
                    f'Cannot invoke "org.opensearch.geometry.Point.getX()" because "{local}" '
                    "is null",
                )
            )
    upper_left, lower_right = node
    return geo.rectangle(upper_left[0], lower_right[0], upper_left[1], lower_right[1])
