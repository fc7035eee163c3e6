"""A ``geo_point``'s ``null_value`` is read when the mapping is (OpenSearch's
``GeoPointFieldMapper.TypeParser.parseNullValue``): a value that is no point on the globe
refuses the mapping in OpenSearch's words, one past the poles or the antimeridian is
normalised under ``ignore_malformed``, and the mapping shows the point it read as
``{"lat": ..., "lon": ...}``, after the other parameters."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import put_batch
from test_opensearch_geo_shape import refused
from test_opensearch_mappings import index_of, search
from test_opensearch_xy_point import REFUSES
from test_other_destinations import DOMAIN

from pytest_firehose import FirehoseFake, UsageError


def shown(fake: FirehoseFake, field: dict[str, Any]) -> Any:
    mapping = fake.firehose.opensearch_index(DOMAIN, "logs", {"properties": {"v": field}})
    return mapping["properties"]["v"]


@pytest.mark.parametrize(
    ("null_value", "point"),
    [
        pytest.param("41.12,-71.34", {"lat": 41.12, "lon": -71.34}, id="text"),
        pytest.param([-71.34, 41.12], {"lat": 41.12, "lon": -71.34}, id="array"),
        pytest.param({"lat": 41.12, "lon": "-71.34"}, {"lat": 41.12, "lon": -71.34}, id="object"),
        pytest.param("POINT (-71.34 41.12)", {"lat": 41.12, "lon": -71.34}, id="wkt"),
        pytest.param(
            {"type": "Point", "coordinates": [-71.34, 41.12]},
            {"lat": 41.12, "lon": -71.34},
            id="geojson",
        ),
        pytest.param([1, 2], {"lat": 2.0, "lon": 1.0}, id="whole-numbers"),
        # A geohash is its cell's bottom-left corner, as Geohash.mortonEncode decodes it.
        pytest.param("u", {"lat": 45.0, "lon": 0.0}, id="geohash-one-letter"),
        pytest.param(
            "drm3btev3e86", {"lat": 41.119999922811985, "lon": -71.34000029414892}, id="geohash"
        ),
        pytest.param({"geohash": "s"}, {"lat": 0.0, "lon": 0.0}, id="geohash-object"),
        # Geohash.mortonEncode reads 12 characters and stops: what follows is not read.
        pytest.param(
            "drm3btev3e86zz!",
            {"lat": 41.119999922811985, "lon": -71.34000029414892},
            id="geohash-past-12",
        ),
    ],
)
def test_the_mapping_shows_the_null_value_as_the_point_it_read(
    fake: FirehoseFake, null_value: Any, point: dict[str, float]
) -> None:
    assert shown(fake, {"type": "geo_point", "null_value": null_value}) == {
        "type": "geo_point",
        "null_value": point,
    }


def test_the_null_value_is_shown_after_the_other_parameters(fake: FirehoseFake) -> None:
    field = {"type": "geo_point", "null_value": "1,2", "ignore_z_value": False, "store": True}

    assert list(shown(fake, field)) == ["type", "ignore_z_value", "store", "null_value"]


@pytest.mark.parametrize(
    ("null_value", "point"),
    [
        pytest.param("91,0", {"lat": 89.0, "lon": 180.0}, id="past-the-north-pole"),
        pytest.param("-100,30", {"lat": -80.0, "lon": -150.0}, id="past-the-south-pole"),
        pytest.param("10,190", {"lat": 10.0, "lon": -170.0}, id="past-the-antimeridian"),
        pytest.param("10,-540", {"lat": 10.0, "lon": 180.0}, id="wrapped-to-180"),
    ],
)
def test_ignore_malformed_normalises_a_null_value_off_the_globe(
    fake: FirehoseFake, null_value: str, point: dict[str, float]
) -> None:
    field = {"type": "geo_point", "ignore_malformed": True, "null_value": null_value}

    assert shown(fake, field)["null_value"] == point


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ({"null_value": "91,0"}, "illegal latitude value [91.0]"),
        ({"null_value": [-180.5, 0]}, "illegal longitude value [-180.5]"),
        ({"null_value": 5}, "geo_point expected"),
        ({"null_value": True}, "geo_point expected"),
        ({"null_value": "abc!"}, "unsupported symbol [a] in geohash [abc!]"),
        ({"null_value": {"lat": 1}}, "field [lon] missing"),
        ({"null_value": [[1, 2]]}, "numeric value expected"),
        (
            {"null_value": "1,2,3", "ignore_z_value": False},
            "Exception parsing coordinates: found Z value [3.0] but [ignore_z_value] "
            "parameter is [false]",
        ),
        # The form is read whatever ignore_malformed says; only the range is not checked.
        ({"null_value": "north", "ignore_malformed": True}, "unsupported symbol [o] in geohash"),
        # The parameters parseField reads come first.
        ({"null_value": "91,0", "store": "nope"}, "Could not convert [v.store] to boolean"),
    ],
)
def test_a_null_value_opensearch_cannot_read_refuses_the_mapping(
    fake: FirehoseFake, field: dict[str, Any], reason: str
) -> None:
    with pytest.raises(UsageError) as refusal:
        shown(fake, {"type": "geo_point", **field})

    assert f"{REFUSES}{reason}" in str(refusal.value)


def test_a_null_null_value_is_no_point_and_not_shown(fake: FirehoseFake) -> None:
    assert shown(fake, {"type": "geo_point", "null_value": None}) == {"type": "geo_point"}


def test_a_document_s_null_takes_the_null_value(fake: FirehoseFake, landing_s3: Any) -> None:
    """The point stands in for ``null`` (read and checked once, with the mapping): a
    document giving ``null`` is taken, as one giving nothing is; a ``null`` inside an array
    is no point (``PointParser`` reads the array's items as points)."""
    fake.firehose.opensearch_index(
        DOMAIN, "logs-*", {"properties": {"at": {"type": "geo_point", "null_value": "1,2"}}}
    )
    stream = search(fake)
    put_batch(b'{"at": null}', b"{}", b'{"at": [null, "3,4"]}')
    fake.firehose.flush()

    assert refused(landing_s3) == [
        {
            "type": "mapper_parsing_exception",
            "reason": "failed to parse field [at] of type [geo_point]",
            "caused_by": {"type": "parse_exception", "reason": "geo_point expected"},
        }
    ]
    assert len(stream.delivered) == 2
    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"] == {
        "at": {"type": "geo_point", "null_value": {"lat": 1.0, "lon": 2.0}}
    }
