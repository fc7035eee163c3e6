"""A point field's ``null_value`` (``geo_point``, and ``xy_point``'s reading and showing of
it): read when the mapping is, a ``geo_point``'s checked against the globe or, under
``ignore_malformed``, normalised onto it; shown as the point read.

Facts (OpenSearch's source: ``AbstractPointGeometryFieldMapper`` (``TypeParser.parse``,
``doXContentBody``), ``GeoPointFieldMapper.TypeParser.parseNullValue``,
``GeoUtils.normalizePoint`` and ``centeredModulus``, ``GeoPoint.toXContent``): see
docs/fidelity.md's row of the types past the core ones. In short:

- it is read when the mapping is, as one point, with the mapping's ``ignore_z_value``; a
  failure refuses the mapping (``Failed to parse mapping [_doc]: geo_point expected``), as
  does a point off the globe (``illegal latitude value [91.0]``, no field named) unless
  ``ignore_malformed``, which normalises the point; ``null`` is no null value; a NaN
  passes (no comparison holds) and is left NaN by normalising: each document's ``null``
  is then that point, which Lucene refuses (``index_geo_point``);
- it is shown last, as ``{"lat": 41.12, "lon": -71.34}`` (a geohash its cell's
  bottom-left corner), a coordinate that is not finite as the string Jackson writes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from pytest_firehose._destinations.index_geo_point import Point, one_point, validated
from pytest_firehose._destinations.index_geometry import GeoError
from pytest_firehose._destinations.index_special import REFUSES
from pytest_firehose._destinations.index_values import java_double


def _centred(dividend: float, divisor: float) -> float:
    """``GeoUtils.centeredModulus`` (Java's ``%`` is ``fmod``; NaN where it has no finite
    dividend)."""
    rest = math.fmod(dividend, divisor) if math.isfinite(dividend) else math.nan
    if rest <= 0:
        rest += divisor
    if rest > divisor / 2:
        rest -= divisor
    return rest


def _normalise(lat: float, lon: float) -> Point:
    """``GeoUtils.normalizePoint`` of both coordinates: a latitude past a pole folded back
    (the longitude turned half way round), a longitude past the antimeridian wrapped."""
    fold = lat > 90 or lat < -90
    wrap = lon > 180 or lon < -180 or fold
    if fold:
        lat = _centred(lat, 360)
        if lat < -90:
            lat, lon = -180 - lat, lon + 180
        elif lat > 90:
            lat, lon = 180 - lat, lon + 180
    if wrap:
        lon = _centred(lon, 360)
    return lat, lon


def read_null_point(definition: Mapping[str, Any], read: Callable[[Any], Point]) -> Point | None:
    """``AbstractPointGeometryFieldMapper.TypeParser.parse``'s ``null_value``: none (or
    ``null``) is no point, another value the point ``read`` makes of it (``parseNullValue``)
    when the mapping is read; a ValueError in OpenSearch's words where that fails
    (``Failed to parse mapping [_doc]: ...``)."""
    given = definition.get("null_value")
    if given is None:
        return None
    try:
        return read(given)
    except GeoError as failure:
        reason = failure.cause[1] if failure.cause else "failed to parse the null value"
        raise ValueError(f"{REFUSES}{reason}") from None


def shown_point(names: tuple[str, str], point: Point) -> dict[str, Any]:
    """A point as ``XContentBuilder`` writes it (``GeoPoint.toXContent``'s ``latlon``,
    ``XYPoint.toXContent``): an object of two doubles, one that is not finite a string, as
    Jackson writes it (``"NaN"``, ``"Infinity"``)."""
    return {
        name: coordinate if math.isfinite(coordinate) else java_double(coordinate)
        for name, coordinate in zip(names, point, strict=True)
    }


def geo_point_null(value: Any, ignore_z: bool, ignore_malformed: bool) -> Point:
    """``GeoPointFieldMapper.TypeParser.parseNullValue``: ``value`` read as
    ``GeoUtils.parseGeoPoint`` reads one point (latitude, longitude); a latitude past
    [-90, 90] or a longitude past [-180, 180] fails (``illegal latitude value [91.0]``, no
    field named) unless ``ignore_malformed``, which normalises the point instead."""
    lat, lon = one_point(value, ignore_z)
    if ignore_malformed:
        return _normalise(lat, lon)
    return validated((lat, lon), None)


def geo_point_shown(
    shown: dict[str, Any], definition: Mapping[str, Any], ignore_malformed: bool
) -> tuple[dict[str, Any], Point | None]:
    """A ``geo_point``'s parameters as shown, its ``null_value`` read once the others are
    (``AbstractPointGeometryFieldMapper.TypeParser``) and shown last, as the point it is
    (returned too); a ValueError in OpenSearch's words where it is no point the field
    takes."""
    ignore_z = definition.get("ignore_z_value", True)
    point = read_null_point(
        definition, lambda value: geo_point_null(value, ignore_z, ignore_malformed)
    )
    shown = {key: value for key, value in shown.items() if key != "null_value"}
    if point is not None:
        shown["null_value"] = shown_point(("lat", "lon"), point)
    return shown, point
