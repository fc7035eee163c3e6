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


def geo_point_failed(cause: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "mapper_parsing_exception",
        "reason": "failed to parse field [at] of type [geo_point]",
        "caused_by": cause,
    }


LATITUDE_NAN = {
    "type": "illegal_argument_exception",
    "reason": "invalid latitude NaN; must be between -90.0 and 90.0",
}
LONGITUDE_NAN = {
    "type": "illegal_argument_exception",
    "reason": "invalid longitude NaN; must be between -180.0 and 180.0",
}


def index_points(fake: FirehoseFake, field: dict[str, Any], *documents: bytes) -> Any:
    fake.firehose.opensearch_index(DOMAIN, "logs-*", {"properties": {"at": field}})
    stream = search(fake)
    put_batch(*documents)
    fake.firehose.flush()
    return stream


@pytest.mark.parametrize(
    ("document", "cause"),
    [
        pytest.param(b'{"at": {"lat": "NaN", "lon": 1}}', LATITUDE_NAN, id="object"),
        pytest.param(b'{"at": {"lat": 1, "lon": "NaN"}}', LONGITUDE_NAN, id="object-lon"),
        pytest.param(b'{"at": "NaN,1"}', LATITUDE_NAN, id="text"),
        pytest.param(b'{"at": [1, "NaN"]}', LATITUDE_NAN, id="array"),
        pytest.param(b'{"at": ["1,2", "NaN,NaN"]}', LATITUDE_NAN, id="second-point"),
        # GeographyValidator, which WellKnownText applies, refuses NaN and the globe's
        # outside: the WKT is the parser's failure.
        pytest.param(
            b'{"at": "POINT (NaN 1)"}',
            {"type": "parse_exception", "reason": "Invalid WKT format", "caused_by": LONGITUDE_NAN},
            id="wkt",
        ),
        pytest.param(
            b'{"at": "POINT (1 nan)"}',
            {"type": "parse_exception", "reason": "Invalid WKT format", "caused_by": LATITUDE_NAN},
            id="wkt-lower-case",
        ),
        pytest.param(
            b'{"at": "POINT (200 1)"}',
            {
                "type": "parse_exception",
                "reason": "Invalid WKT format",
                "caused_by": {
                    "type": "illegal_argument_exception",
                    "reason": "invalid longitude 200.0; must be between -180.0 and 180.0",
                },
            },
            id="wkt-off-the-globe",
        ),
        # A point off the globe fails its range check before any point is encoded.
        pytest.param(
            b'{"at": ["NaN,1", "91,0"]}',
            {
                "type": "illegal_argument_exception",
                "reason": "illegal latitude value [91.0] for at",
            },
            id="range-first",
        ),
    ],
)
def test_a_nan_coordinate_fails_as_lucene_encodes_the_point(
    fake: FirehoseFake, landing_s3: Any, document: bytes, cause: dict[str, Any]
) -> None:
    """A NaN passes ``ParsedGeoPoint.validate`` (no comparison holds), then fails Lucene's
    ``LatLonPoint`` (``GeoEncodingUtils``: latitude, then longitude)."""
    stream = index_points(fake, {"type": "geo_point"}, document)

    assert refused(landing_s3) == [geo_point_failed(cause)]
    assert stream.delivered == []


def test_a_wkt_z_of_nan_is_no_z(fake: FirehoseFake, landing_s3: Any) -> None:
    """``GeographyValidator.checkAltitude`` refuses a z unless it is NaN."""
    stream = index_points(
        fake,
        {"type": "geo_point", "ignore_z_value": False},
        b'{"at": "POINT (1 2 NaN)"}',
        b'{"at": "POINT (1 2 3)"}',
    )

    assert refused(landing_s3) == [
        geo_point_failed(
            {
                "type": "parse_exception",
                "reason": "Invalid WKT format",
                "caused_by": {
                    "type": "illegal_argument_exception",
                    "reason": "found Z value [3.0] but [ignore_z_value] parameter is [false]",
                },
            }
        )
    ]
    assert len(stream.delivered) == 1


def _wkt(cause: dict[str, Any]) -> dict[str, Any]:
    return {"type": "parse_exception", "reason": "Invalid WKT format", "caused_by": cause}


@pytest.mark.parametrize(
    ("document", "cause"),
    [
        pytest.param(
            b'{"at": "POINT (1 2"}',
            _wkt({"type": "parse_exception", "reason": "expected word but found: END-OF-STREAM"}),
            id="unclosed",
        ),
        pytest.param(
            b'{"at": "POINT (1 two)"}',
            _wkt({"type": "parse_exception", "reason": "invalid number found: two"}),
            id="not-a-number",
        ),
        pytest.param(
            b'{"at": "POINTS (1 2)"}',
            _wkt({"type": "illegal_argument_exception", "reason": "Unknown geometry type: points"}),
            id="no-such-type",
        ),
    ],
)
def test_wkt_a_geo_point_cannot_read_fails_with_the_parsers_cause(
    fake: FirehoseFake, landing_s3: Any, document: bytes, cause: dict[str, Any]
) -> None:
    """``GeoPoint.resetFromWKT`` reads the text with ``WellKnownText`` (``coerce`` off):
    whatever it refuses is ``Invalid WKT format`` caused by the parser's own words."""
    stream = index_points(fake, {"type": "geo_point"}, document)

    assert refused(landing_s3) == [geo_point_failed(cause)]
    assert stream.delivered == []


def test_an_empty_wkt_point_is_the_point_0_0(fake: FirehoseFake, landing_s3: Any) -> None:
    """``WellKnownText`` reads ``POINT EMPTY`` as ``Point.EMPTY``, whose coordinates are 0,
    and ``resetFromWKT`` takes them as they are."""
    stream = index_points(fake, {"type": "geo_point"}, b'{"at": "POINT EMPTY"}')

    assert refused(landing_s3) == []
    assert stream.delivered == [b'{"at": "POINT EMPTY"}']


def test_ignore_malformed_or_no_index_and_no_doc_values_takes_a_nan(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    """``ignore_malformed`` leaves the point out (``normalize`` refuses a NaN); a field
    neither indexed nor with doc values encodes no point."""
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "at": {"type": "geo_point", "ignore_malformed": True},
                "kept": {"type": "geo_point", "index": False, "doc_values": False},
            }
        },
    )
    stream = search(fake)
    put_batch(b'{"at": "NaN,1", "kept": "NaN,1"}')
    fake.firehose.flush()

    assert refused(landing_s3) == []
    assert len(stream.delivered) == 1


def test_a_null_value_of_nan_is_taken_and_fails_each_null(
    fake: FirehoseFake, landing_s3: Any
) -> None:
    """``parseNullValue`` checks the range, which a NaN passes: the mapping is taken and
    shows it; each ``null`` is then the NaN point, which Lucene refuses (unless
    ``ignore_malformed``, which leaves it out)."""
    fake.firehose.opensearch_index(
        DOMAIN,
        "logs-*",
        {
            "properties": {
                "at": {"type": "geo_point", "null_value": "NaN,1"},
                "loose": {"type": "geo_point", "null_value": "1,NaN", "ignore_malformed": True},
            }
        },
    )
    stream = search(fake)
    put_batch(b'{"at": null}', b'{"loose": null}', b'{"at": "1,2"}')
    fake.firehose.flush()

    assert refused(landing_s3) == [geo_point_failed(LATITUDE_NAN)]
    assert len(stream.delivered) == 2
    assert fake.firehose.opensearch_mapping(DOMAIN, index_of(fake))["properties"] == {
        "at": {"type": "geo_point", "null_value": {"lat": "NaN", "lon": 1.0}},
        "loose": {
            "type": "geo_point",
            "ignore_malformed": True,
            "null_value": {"lat": 1.0, "lon": "NaN"},
        },
    }
