"""Distances and search boxes: known distances, boxes that never miss a point in the circle,
and the two places where latitude/longitude boxes go wrong — the poles and the antimeridian."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from strengthwise.directory.geo import (
    EARTH_RADIUS_KM,
    BoundingBox,
    bounding_box,
    haversine_km,
    validate_coordinates,
)

# Reference distances on the WGS 84 ellipsoid (Vincenty's inverse formula), in km.
KNOWN = [
    ("London–Paris", (51.5074, -0.1278), (48.8566, 2.3522), 343.9),
    ("New York–Los Angeles", (40.7128, -74.0060), (34.0522, -118.2437), 3944.4),
    ("St. Louis–Chicago", (38.6270, -90.1994), (41.8781, -87.6298), 422.0),
    ("Sydney–Auckland", (-33.8688, 151.2093), (-36.8485, 174.7633), 2160.5),
    ("Suva–Apia, across 180°", (-18.1416, 178.4419), (-13.8333, -171.7667), 1151.1),
    ("Quito–Nairobi", (-0.1807, -78.4678), (-1.2921, 36.8219), 12832.7),
    ("Anchorage–Tokyo", (61.2181, -149.9003), (35.6762, 139.6503), 5578.0),
    ("North Pole–equator", (90.0, 0.0), (0.0, 0.0), 10001.97),
    ("1° along the equator", (0.0, 0.0), (0.0, 1.0), 111.32),
]


@pytest.mark.parametrize(("name", "a", "b", "km"), KNOWN, ids=[k[0] for k in KNOWN])
def test_known_distances_within_half_a_percent(name, a, b, km):
    assert haversine_km(*a, *b) == pytest.approx(km, rel=0.005)
    assert haversine_km(*b, *a) == pytest.approx(km, rel=0.005)


def test_distance_edge_cases():
    assert haversine_km(38.6, -90.2, 38.6, -90.2) == 0
    # Antipodes: half the circumference, without a math domain error from rounding.
    assert haversine_km(10, 20, -10, -160) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    # -180 and 180 are the same meridian.
    assert haversine_km(0, -180, 0, 180) == pytest.approx(0, abs=1e-9)


latitudes = st.floats(-90, 90, allow_nan=False)
longitudes = st.floats(-180, 180, allow_nan=False)


@given(latitudes, longitudes, latitudes, longitudes)
def test_distance_is_symmetric_and_bounded(lat1, lon1, lat2, lon2):
    d = haversine_km(lat1, lon1, lat2, lon2)
    assert 0 <= d <= math.pi * EARTH_RADIUS_KM + 1e-6
    assert d == pytest.approx(haversine_km(lat2, lon2, lat1, lon1), abs=1e-6)


def _destination(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point `km` from (lat, lon) on the initial bearing (spherical direct problem)."""
    phi, lam, theta = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    delta = km / EARTH_RADIUS_KM
    phi2 = math.asin(
        max(
            -1.0,
            min(
                1.0,
                math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta),
            ),
        )
    )
    lam2 = lam + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi),
        math.cos(delta) - math.sin(phi) * math.sin(phi2),
    )
    lon2 = (math.degrees(lam2) + 540.0) % 360.0 - 180.0  # back into -180..180
    return math.degrees(phi2), lon2


@given(
    lat=latitudes,
    lon=longitudes,
    km=st.floats(0, 3000, allow_nan=False),
    bearing=st.floats(0, 360, allow_nan=False),
    fraction=st.floats(0, 1, allow_nan=False),
)
def test_box_contains_every_point_within_the_radius(lat, lon, km, bearing, fraction):
    _assert_box_holds(lat, lon, km, bearing, fraction)


def _assert_box_holds(lat, lon, km, bearing, fraction):
    """A point on `bearing` at `fraction` of the radius is inside the box of that radius."""
    lat2, lon2 = _destination(lat, lon, bearing, km * fraction)
    assume(-90 <= lat2 <= 90 and -180 <= lon2 <= 180)
    assume(haversine_km(lat, lon, lat2, lon2) <= km)
    box = bounding_box(lat, lon, km)
    assert box.contains(lat2, lon2), (box, lat2, lon2)


@given(
    lat=st.one_of(st.floats(85, 90), st.floats(-90, -85)),
    lon=st.one_of(st.floats(175, 180), st.floats(-180, -175), longitudes),
    km=st.floats(0, 800, allow_nan=False),
    bearing=st.floats(0, 360, allow_nan=False),
    fraction=st.floats(0.9, 1, allow_nan=False),
)
def test_box_contains_the_circle_near_poles_and_the_antimeridian(lat, lon, km, bearing, fraction):
    # The same property where boxes usually break, with points close to the circle's edge.
    _assert_box_holds(lat, lon, km, bearing, fraction)


@given(
    lat=st.floats(-60, 60, allow_nan=False),
    lon=longitudes,
    km=st.floats(0.1, 500, allow_nan=False),
)
def test_box_is_tight_away_from_the_poles(lat, lon, km):
    box = bounding_box(lat, lon, km)
    # Latitude: exactly the radius each way (plus the millimetre of padding).
    assert box.max_lat - box.min_lat == pytest.approx(2 * km / 111.195, rel=1e-3)
    # The box's corners-of-edges are on the circle: its east edge at the centre's latitude
    # is never closer than the radius (and not absurdly farther: the tangent meridian).
    east = box.max_lon if box.max_lon >= lon else box.max_lon + 360
    assert east - lon <= 90
    assert haversine_km(lat, lon, lat, (east + 180) % 360 - 180) >= km * 0.999


def test_box_is_a_plain_tuple_for_queries():
    min_lat, max_lat, min_lon, max_lon = bounding_box(38.627, -90.199, 10)
    assert min_lat < 38.627 < max_lat and min_lon < -90.199 < max_lon
    assert max_lat - min_lat == pytest.approx(20 / 111.195, rel=1e-3)
    # 10 km is about 0.115° of longitude at this latitude (wider than of latitude).
    assert max_lon - min_lon == pytest.approx(2 * 0.1151, rel=0.01)


def test_box_over_a_pole_takes_every_longitude():
    box = bounding_box(89.95, 10, 20)  # 20 km reaches over the North Pole
    assert box.max_lat == 90 and box.min_lon == -180 and box.max_lon == 180
    assert box.contains(89.99, -170)
    south = bounding_box(-90, 0, 1)
    assert south.min_lat == -90 and south.longitude_ranges() == [(-180.0, 180.0)]
    whole = bounding_box(0, 0, 30000)  # more than half way round: the whole globe
    assert whole == BoundingBox(-90.0, 90.0, -180.0, 180.0)


def test_box_across_the_antimeridian_has_two_longitude_ranges():
    box = bounding_box(-17.0, 179.95, 50)  # Fiji, just west of 180°
    assert box.crosses_antimeridian
    assert box.min_lon > box.max_lon
    (west_lo, west_hi), (east_lo, east_hi) = box.longitude_ranges()
    assert west_hi == 180.0 and east_lo == -180.0
    assert west_lo < 179.95 and -180 < east_hi < -179
    assert box.contains(-17.0, -179.9)  # across the line, 11 km away
    assert box.contains(-17.0, 179.8)
    assert not box.contains(-17.0, 0.0)
    assert not box.contains(-17.0, -170.0)
    other_side = bounding_box(-17.0, -179.95, 50)
    assert other_side.crosses_antimeridian and other_side.contains(-17.0, 179.9)
    assert not bounding_box(38.6, -90.2, 50).crosses_antimeridian


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (91, 0, "latitude must be between -90 and 90"),
        (-90.0001, 0, "latitude must be between -90 and 90"),
        (0, 180.5, "longitude must be between -180 and 180"),
        (0, -181, "longitude must be between -180 and 180"),
        (float("nan"), 0, "latitude must be a finite number"),
        (0, float("inf"), "longitude must be a finite number"),
        ("north", 0, "latitude must be a number"),
        (None, 0, "latitude must be a number"),
        (True, 0, "latitude must be a number"),
    ],
)
def test_invalid_coordinates_are_refused_clearly(lat, lon, message):
    with pytest.raises(ValueError, match=message):
        validate_coordinates(lat, lon)
    with pytest.raises(ValueError, match=message):
        haversine_km(lat, lon, 0, 0)
    with pytest.raises(ValueError, match=message):
        bounding_box(lat, lon, 5)


def test_coordinates_as_strings_and_bad_radius():
    assert validate_coordinates("38.627", "-90.199") == (38.627, -90.199)
    with pytest.raises(ValueError, match="radius .* must not be negative"):
        bounding_box(0, 0, -1)
    with pytest.raises(ValueError, match="radius .* finite"):
        bounding_box(0, 0, float("inf"))
