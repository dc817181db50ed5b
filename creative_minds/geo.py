"""Where places are: postcode district centroids shipped with the app, and distances.

Postcode district locations are derived from OS Code-Point Open (see data/uk-outcode-centroids.LICENCE.md):
Contains Ordnance Survey data © Crown copyright and database right 2025.
Contains Royal Mail data © Royal Mail copyright and database right 2025.
Contains National Statistics data © Crown copyright and database right 2025.
"""

from __future__ import annotations

import csv
import math
from functools import lru_cache

from creative_minds import PACKAGE_DIR

CENTROIDS_FILE = PACKAGE_DIR / "data" / "uk-outcode-centroids.csv"
ATTRIBUTION = (
    "Postcode district locations derived from OS Code-Point Open, Open Government Licence v3.0. "
    "Contains Ordnance Survey data © Crown copyright and database right 2025. "
    "Contains Royal Mail data © Royal Mail copyright and database right 2025. "
    "Contains National Statistics data © Crown copyright and database right 2025."
)
EARTH_RADIUS_KM = 6371.0088

# Great Britain, generously: anything outside is a typing mistake for this network.
GB_LATITUDE = (49.8, 60.9)
GB_LONGITUDE = (-8.7, 1.8)


@lru_cache(maxsize=1)
def outcode_centroids() -> dict[str, tuple[float, float]]:
    with CENTROIDS_FILE.open(newline="", encoding="utf-8") as handle:
        return {row["outcode"]: (float(row["latitude"]), float(row["longitude"])) for row in csv.DictReader(handle)}


def centroid(outcode: str) -> tuple[float, float] | None:
    return outcode_centroids().get(outcode.strip().upper())


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = math.radians(lat2 - lat1)
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def in_great_britain(latitude: float, longitude: float) -> bool:
    return GB_LATITUDE[0] <= latitude <= GB_LATITUDE[1] and GB_LONGITUDE[0] <= longitude <= GB_LONGITUDE[1]
