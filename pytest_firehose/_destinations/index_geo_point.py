"""An OpenSearch ``geo_point`` field's values: the forms a point may take (an object, a
string, WKT, a geohash, an array, GeoJSON), the points a document's value holds, the range
each point must lie in, and Lucene's encoding of each; and what ``xy_point`` shares: the
arrays of points. Its ``null_value`` is ``index_point_nulls``'s.

Facts (OpenSearch's source: ``GeoPointFieldMapper`` (``ParsedGeoPoint.validate`` and
``normalize``, ``GeoPointIndexer.indexShape``), ``AbstractPointGeometryFieldMapper``
(``PointParser``), ``GeoUtils.parseGeoPoint``, ``GeoPoint.resetFromString`` and
``resetFromWKT``, ``GeographyValidator``, ``WellKnownText.nextNumber``, ``Geohash``;
Lucene's ``LatLonPoint`` and ``GeoEncodingUtils``): see docs/fidelity.md's row of the
types past the core ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytest_firehose._destinations.index_geometry import GeoError, check_z, illegal, unparsed
from pytest_firehose._destinations.index_polygons import on_globe
from pytest_firehose._destinations.index_values import (
    OK,
    Check,
    java_double,
    json_double,
    json_number,
    parse_java_double,
    unread_double,
)
from pytest_firehose._destinations.index_wkt import read_wkt

_GEOHASH = "0123456789bcdefghjkmnpqrstuvwxyz"
_INVALID_FIELDS = "field must be either [lon|lat], [type|coordinates], or [geohash]"


Point = tuple[float, float]


def point_z(ignore_z: bool, z: float) -> None:
    """``GeoPoint.assertZValue`` (``XYPoint``'s too): a z fails unless ``ignore_z``."""
    if not ignore_z:
        raise unparsed(
            f"Exception parsing coordinates: found Z value [{java_double(z)}] but "
            "[ignore_z_value] parameter is [false]"
        )


def _coordinates(values: list[Any], ignore_z: bool) -> tuple[float, float]:
    """``[lon, lat]`` (and a z) as GeoJSON's ``coordinates`` or a point of an array."""
    lon, lat = coordinate_array(values, ignore_z, "geo_point")
    return lat, lon


def coordinate_array(values: list[Any], ignore_z: bool, kind: str) -> Point:
    """A ``kind`` point's array of two numbers (and a z), its first two (``GeoUtils``'
    ``parseGeoPoint``, the geospatial plugin's ``parseXYPointArray``)."""
    numbers: list[float] = []
    for item in values:
        number = json_number(item)
        if number is None:
            raise unparsed("numeric value expected")
        numbers.append(number)
        if len(numbers) == 3:
            point_z(ignore_z, number)
        elif len(numbers) > 3:
            raise unparsed(f"[{kind}] field type does not accept more than 3 values")
    if len(numbers) < 2:
        raise unparsed(f"[{kind}] field type should have at least two dimensions")
    return numbers[0], numbers[1]


def _geohash(text: str) -> tuple[float, float]:
    if not text:
        raise unparsed("empty geohash")
    for char in text[:12]:  # Geohash.mortonEncode stops at 12 characters, unread past them
        if char not in _GEOHASH:
            raise unparsed(f"unsupported symbol [{char}] in geohash [{text}]")
    return _corner(text)


def _corner(text: str) -> Point:
    """``Geohash.mortonEncode``, then ``decodeLatitude`` and ``decodeLongitude``: the
    bottom-left corner (latitude, longitude) of the cell of the geohash ``text``'s first 12
    characters, whose bits (longitude first, then in turn) are the top bits of two 31-bit
    numbers, each scaled to its range as Java's doubles scale them."""
    lat_bits = lon_bits = 0
    for at, char in enumerate(text[:12]):
        code = _GEOHASH.index(char)
        for bit in range(5):
            place = at * 5 + bit
            value = (code >> (4 - bit)) & 1
            if place % 2 == 0:
                lon_bits |= value << (30 - place // 2)
            else:
                lat_bits |= value << (30 - place // 2)
    return lat_bits / (2**31 / 180.0) - 90, lon_bits / (2**31 / 360.0) - 180


def _wkt(text: str, ignore_z: bool) -> tuple[float, float]:
    """``GeoPoint.resetFromWKT``: ``WellKnownText`` (``coerce`` off) reads the text, and
    ``GeographyValidator`` checks a point's latitude, longitude, then z; whatever either
    refuses is ``Invalid WKT format`` caused by it. Then a point alone, ``POINT EMPTY``
    being 0, 0 (``Point.EMPTY``'s coordinates); another shape is named as ``ShapeType``
    names it."""
    try:
        shape = read_wkt(text, False)
        if shape.kind == "point" and shape.xs:
            invalid = on_globe(shape.ys[0], shape.xs[0])
            if invalid is not None:
                raise GeoError(invalid)
            check_z([shape], ignore_z)
    except GeoError as failure:
        raise GeoError(("parse_exception", "Invalid WKT format", failure.cause)) from None
    if shape.kind != "point":
        raise unparsed(
            f"[geo_point] supports only POINT among WKT primitives, but found {shape.kind.upper()}"
        )
    return (shape.ys[0], shape.xs[0]) if shape.xs else (0.0, 0.0)


def _from_string(text: str, ignore_z: bool) -> tuple[float, float]:
    """``GeoPoint.resetFromString``: WKT, ``"lat,lon"`` or a geohash."""
    if "point" in text.lower():
        return _wkt(text, ignore_z)
    if "," in text:
        parts = text.split(",")
        while parts and parts[-1] == "":  # Java's split drops trailing empty strings
            parts.pop()
        if len(parts) > 3:
            raise unparsed(
                f"failed to parse [{text}], expected 2 or 3 coordinates but found: [{len(parts)}]"
            )
        lat = parse_java_double(parts[0]) if parts else None
        if lat is None:
            raise unparsed("latitude must be a number")
        if len(parts) < 2:
            raise GeoError(
                ("array_index_out_of_bounds_exception", "Index 1 out of bounds for length 1")
            )
        lon = parse_java_double(parts[1])
        if lon is None:
            raise unparsed("longitude must be a number")
        if len(parts) > 2:
            z = parse_java_double(parts[2])
            if z is None:
                raise GeoError(
                    ("number_format_exception", f'For input string: "{parts[2].strip()}"')
                )
            point_z(ignore_z, z)
        return lat, lon
    return _geohash(text)


def named_coordinates(
    value: dict[str, Any], names: tuple[str, str], *, invalid: str, pair: str
) -> dict[str, float]:
    """The two coordinates of a point object named by its first two keys, as
    ``GeoUtils.parseGeoPointObject`` reads ``lat``/``lon`` and the geospatial plugin's
    ``XYPointParser`` reads ``x``/``y``: each key one of ``names`` (else ``invalid``), its
    value a number or a string ``Double.parseDouble`` reads (else ``{pair} must be valid
    double values``); then each of ``names``, in that order, must have been given."""
    read: dict[str, float] = {}
    for key in list(value)[:2]:
        if key not in names:
            raise unparsed(invalid)
        given = value[key]
        if isinstance(given, str):
            number = parse_java_double(given)
            if number is None:
                raise unparsed(f"{pair} must be valid double values")
        else:
            number = json_number(given)
            if number is None:
                raise unparsed(f"{key} must be a number")
        read[key] = number
    for name in names:
        if name not in read:
            raise unparsed(f"field [{name}] missing")
    return read


def geojson_point(
    value: dict[str, Any],
    read: Callable[[list[Any]], tuple[float, float]],
    *,
    invalid: str,
    default: tuple[float, float] = (0.0, 0.0),
) -> tuple[float, float]:
    """A point object's GeoJSON fields, as ``GeoUtils.parseGeoPointObject`` and the
    geospatial plugin's ``parseGeoJsonFields`` read its first two keys: ``type`` a string
    ``Point`` in any case, ``coordinates`` an array ``read`` reads (``default`` until
    then), any other key ``invalid``; then both must have been given."""
    keys = list(value)[:2]
    point = default
    for key in keys:
        if key == "type":
            if not isinstance(value[key], str):
                raise unparsed("type must be a string")
            if value[key].lower() != "point":
                raise unparsed("type must be Point")
        elif key == "coordinates":
            if not isinstance(value[key], list):
                raise unparsed("coordinates must be an array")
            point = read(value[key])
        else:
            raise unparsed(invalid)
    for key in ("type", "coordinates"):
        if key not in keys:
            raise unparsed(f"field [{key}] missing")
    return point


def _from_object(value: dict[str, Any], ignore_z: bool) -> tuple[float, float]:
    """``GeoUtils.parseGeoPointObject``: ``lat``/``lon``, ``geohash`` or GeoJSON, the first
    key deciding which."""
    keys = list(value)
    if not keys:
        raise unparsed("token [END_OBJECT] not allowed")
    if keys[0] in ("lat", "lon"):
        read = named_coordinates(
            value, ("lon", "lat"), invalid=_INVALID_FIELDS, pair="[lon] and [lat]"
        )
        point = read["lat"], read["lon"]
        used = 2
    elif keys[0] == "geohash":
        if not isinstance(value["geohash"], str):
            raise unparsed("geohash must be a string")
        point = _geohash(value["geohash"])
        used = 1
    elif keys[0] in ("type", "coordinates"):
        point = geojson_point(
            value, lambda values: _coordinates(values, ignore_z), invalid=_INVALID_FIELDS
        )
        used = 2
    else:
        raise unparsed(_INVALID_FIELDS)
    if len(keys) > used:
        raise unparsed(_INVALID_FIELDS)
    return point


def one_point(value: Any, ignore_z: bool) -> tuple[float, float]:
    """One point (latitude, longitude) as ``GeoUtils.parseGeoPoint`` reads it."""
    if isinstance(value, dict):
        return _from_object(value, ignore_z)
    if isinstance(value, list):
        return _coordinates(value, ignore_z)
    if isinstance(value, str):
        return _from_string(value, ignore_z)
    raise unparsed("geo_point expected")


def point_values(
    value: Any,
    ignore_z: bool,
    one: Callable[[Any, bool], Point],
    pair: Callable[[float, float], Point],
) -> list[Point]:
    """``AbstractPointGeometryFieldMapper.PointParser.parse`` of a value that is not null:
    an array whose first value is a number is one point (``pair`` of its first two
    values, the second a number or a string ``Double.parseDouble`` reads, a third a z),
    another array a point an item, anything else one point (``one`` reads a point);
    GeoError for one it cannot read."""
    if not isinstance(value, list):
        return [one(value, ignore_z)]
    if value and json_number(value[0]) is not None:
        second = value[1] if len(value) > 1 else None
        y = json_number(second)
        if y is None and isinstance(second, str):
            y = parse_java_double(second)
            if y is None:
                raise GeoError(unread_double(second))
        if y is None:
            raise GeoError(None)  # the parser's error quotes its position
        if len(value) > 2:
            z = json_number(value[2])
            if z is None or len(value) > 3:
                raise unparsed("field type does not accept > 3 dimensions")
            point_z(ignore_z, z)
        return [pair(json_double(value[0]), y)]
    return [one(item, ignore_z) for item in value]


def validated(point: Point, name: str | None) -> Point:
    """``ParsedGeoPoint.validate``: a latitude past [-90, 90], then a longitude past
    [-180, 180], fails, naming the field (``name``; None for a ``null_value``, which
    OpenSearch checks with no field named)."""
    lat, lon = point
    named = "" if name is None else f" for {name}"
    if lat > 90.0 or lat < -90.0:
        raise illegal(f"illegal latitude value [{java_double(lat)}]{named}")
    if lon > 180.0 or lon < -180:
        raise illegal(f"illegal longitude value [{java_double(lon)}]{named}")
    return point


def geo_point_check(
    name: str,
    ignore_z: bool,
    ignore_malformed: bool,
    null_point: Point | None = None,
    encodes: bool = True,
) -> Check:
    """A ``geo_point`` field's check: its forms (:func:`point_values`: ``[lon, lat]`` is
    one point, an array of other forms several), each point checked as it is read
    (:func:`validated`; ``name`` is the field's own name, as OpenSearch's message gives
    it), then, where it ``encodes`` them (its ``index`` or ``doc_values``), Lucene's
    encoding of each, which fails a NaN; a ``null`` is its ``null_point`` (None: no
    point), encoded unchecked. With ``ignore_malformed`` every value is taken (a value it
    cannot read is left out, a point off the globe normalised)."""

    def one(value: Any, ignore_z: bool) -> Point:
        return validated(one_point(value, ignore_z), name)

    def pair(lon: float, lat: float) -> Point:
        return validated((lat, lon), name)

    def check(value: Any) -> Any:
        if ignore_malformed:
            return OK
        if value is None:
            return _encoded([] if null_point is None else [null_point], encodes)
        try:
            points = point_values(value, ignore_z, one, pair)
        except GeoError as failure:
            return failure.cause
        return _encoded(points, encodes)

    return check


def _encoded(points: list[Point], encodes: bool) -> Any:
    """``GeoPointIndexer.indexShape``'s ``LatLonPoint`` of each point (and the doc values'
    ``LatLonDocValuesField``), where the field ``encodes`` them: a NaN fails."""
    for lat, lon in points if encodes else ():
        failure = on_globe(lat, lon)
        if failure is not None:
            return failure
    return OK
