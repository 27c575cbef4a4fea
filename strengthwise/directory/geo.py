"""Distances and search boxes on the Earth, for "services near this client".

Pure functions, no database. The Earth is treated as a sphere with the mean radius (IUGG
R1 = 6371.0088 km); against the true ellipsoid this is off by at most about 0.5 %, which is far
below what matters for "which pantry is closer".

A radius search runs in two steps: a `bounding_box` the database can use with its latitude /
longitude index (cheap, a superset of the circle), then `haversine_km` on the candidates to keep
those really within the radius and sort them.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088

# A box is widened by this much (about 1 mm) so that floating-point rounding can never leave a
# point that haversine_km puts exactly on the circle just outside its box.
_PAD_KM = 1e-6


def validate_coordinates(latitude: Any, longitude: Any) -> tuple[float, float]:
    """(latitude, longitude) as floats, or ValueError saying what is wrong.

    Latitude must be within -90..90 and longitude within -180..180 (decimal degrees, WGS 84).
    Numbers given as strings ("38.6") are accepted; booleans, NaN and infinities are not.
    """
    lat = _number(latitude, "latitude")
    lon = _number(longitude, "longitude")
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude must be between -90 and 90 degrees, got {lat!r}")
    if not -180.0 <= lon <= 180.0:
        raise ValueError(f"longitude must be between -180 and 180 degrees, got {lon!r}")
    return lat, lon


def _number(value: Any, name: str) -> float:
    if value is None or isinstance(value, bool):
        raise ValueError(f"{name} must be a number in decimal degrees, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in decimal degrees, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return number


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in decimal degrees."""
    return prepared_haversine_km(
        prepare(*validate_coordinates(lat1, lon1)), prepare(*validate_coordinates(lat2, lon2))
    )


class Prepared(NamedTuple):
    """A point checked by `validate_coordinates`, with what the distance formula needs of it
    worked out once (for a search that measures from one point to thousands kept in memory)."""

    latitude: float
    longitude: float
    phi: float  # latitude, radians
    lam: float  # longitude, radians
    cos_phi: float


def prepare(latitude: float, longitude: float) -> Prepared:
    """A point for `prepared_haversine_km`; the coordinates must be valid already."""
    phi = math.radians(latitude)
    return Prepared(latitude, longitude, phi, math.radians(longitude), math.cos(phi))


def prepared_haversine_km(a: Prepared, b: Prepared) -> float:
    """`haversine_km` between two prepared points (the one formula both use)."""
    h = (
        math.sin((b.phi - a.phi) / 2) ** 2
        + a.cos_phi * b.cos_phi * math.sin((b.lam - a.lam) / 2) ** 2
    )
    # Rounding can push h a hair above 1 for antipodal points; asin would then fail.
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, h))))


def prepared_haversine_km_many(
    a: Prepared,
    phi: npt.NDArray[np.float64],
    lam: npt.NDArray[np.float64],
    cos_phi: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """`prepared_haversine_km` from `a` to many points at once, given as arrays of their
    `Prepared` fields (the same formula, step for step; numpy's sine may differ from the C
    library's in the last bit)."""
    h = np.sin((phi - a.phi) / 2) ** 2 + a.cos_phi * cos_phi * np.sin((lam - a.lam) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


class BoundingBox(NamedTuple):
    """A latitude/longitude box that holds every point within a radius of a centre.

    Unpacks as (min_lat, max_lat, min_lon, max_lon). When the box crosses the antimeridian
    (180°), min_lon is greater than max_lon (as in GeoJSON, RFC 7946 §5.2): the box covers
    min_lon..180 and -180..max_lon. `longitude_ranges()` gives the one or two ranges a query
    needs, e.g. `Q(longitude__range=r1) | Q(longitude__range=r2)`.
    """

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    @property
    def crosses_antimeridian(self) -> bool:
        return self.min_lon > self.max_lon

    def longitude_ranges(self) -> list[tuple[float, float]]:
        """One (min, max) range, or two when the box crosses the antimeridian."""
        if self.crosses_antimeridian:
            return [(self.min_lon, 180.0), (-180.0, self.max_lon)]
        return [(self.min_lon, self.max_lon)]

    def contains(self, latitude: float, longitude: float) -> bool:
        if not self.min_lat <= latitude <= self.max_lat:
            return False
        return any(low <= longitude <= high for low, high in self.longitude_ranges())


def bounding_box(latitude: float, longitude: float, km: float) -> BoundingBox:
    """The smallest latitude/longitude box holding every point within `km` of the centre.

    Method: J. P. Matuschek, "Finding points within a distance of a latitude/longitude using
    bounding coordinates". Latitude extends by the angular radius r = km / R. Longitude extends
    by asin(sin r / cos lat), the longitude of the circle's tangent meridians, which is wider
    than r away from the equator.
    - Near a pole: when the circle reaches over a pole, every longitude is inside, so the box
      spans -180..180 and latitude is clamped to ±90.
    - At the antimeridian: a box running past ±180 wraps to the other side, giving
      min_lon > max_lon (see `BoundingBox.longitude_ranges`).
    Raises ValueError for invalid coordinates or a negative or non-finite radius.
    """
    lat, lon = validate_coordinates(latitude, longitude)
    radius = _number(km, "radius (km)")
    if radius < 0:
        raise ValueError(f"radius (km) must not be negative, got {km!r}")
    r = (radius + _PAD_KM) / EARTH_RADIUS_KM  # angular radius, radians
    r_deg = math.degrees(r)
    min_lat, max_lat = lat - r_deg, lat + r_deg
    if r >= math.pi or max_lat >= 90.0 or min_lat <= -90.0:
        # The circle covers a pole (or the whole globe): all longitudes.
        return BoundingBox(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)
    d_lon = math.degrees(math.asin(min(1.0, math.sin(r) / math.cos(math.radians(lat)))))
    min_lon, max_lon = lon - d_lon, lon + d_lon
    if max_lon - min_lon >= 360.0:
        return BoundingBox(min_lat, max_lat, -180.0, 180.0)
    if min_lon < -180.0:
        min_lon += 360.0
    if max_lon > 180.0:
        max_lon -= 360.0
    return BoundingBox(min_lat, max_lat, min_lon, max_lon)
