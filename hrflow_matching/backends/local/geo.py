"""The box around a circle on the Earth, which both distance filters test before haversine.

Why a box first: it is two range tests (B-tree indexes in SQL, vector comparisons on the
snapshot) that leave the exact haversine to the few rows inside. The box must contain the
whole circle, or rows within the distance are lost: the longitude half-width is
``asin(sin r / cos lat0)`` (``r`` the angular radius), wider than the ``r / cos lat0`` of flat
geometry for large radii, and every longitude when the circle reaches a pole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_KM = 6371.0088


@dataclass(frozen=True)
class Box:
    lat_min: float
    lat_max: float
    #: Longitude ranges (one, or two when the box crosses the antimeridian); None: all of them.
    lng_ranges: tuple[tuple[float, float], ...] | None


def bounding_box(lat0: float, lng0: float, km: float) -> Box:
    """The smallest latitude/longitude box holding every point within ``km`` of the centre."""
    r = km / EARTH_KM
    lat_min, lat_max = lat0 - math.degrees(r), lat0 + math.degrees(r)
    if lat_min <= -90 or lat_max >= 90 or r >= math.pi / 2:
        return Box(max(lat_min, -90.0), min(lat_max, 90.0), None)  # a pole is inside
    dlng = math.degrees(math.asin(min(1.0, math.sin(r) / math.cos(math.radians(lat0)))))
    lo, hi = lng0 - dlng, lng0 + dlng
    if lo < -180:
        return Box(lat_min, lat_max, ((lo + 360, 180.0), (-180.0, hi)))
    if hi > 180:
        return Box(lat_min, lat_max, ((lo, 180.0), (-180.0, hi - 360)))
    return Box(lat_min, lat_max, ((lo, hi),))
