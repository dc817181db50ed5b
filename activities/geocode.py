"""Where a typed postcode is: offline from postcode district centroids, optionally online for full postcodes.

The online lookup (postcodes.io API shape: GET {base}{postcode} -> {"result": {"latitude", "longitude"}})
is used only when a URL is configured, with a short timeout; any failure falls back to the offline data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from creative_minds.geo import centroid
from creative_minds.postcodes import PostcodeError, read_search_postcode

log = logging.getLogger("creative_minds")


@dataclass(frozen=True)
class Place:
    label: str  # what to show: "HD1 2AB" or "HD1 (district centre)"
    latitude: float
    longitude: float
    precise: bool  # True when the full postcode was looked up online


def locate(
    text: str,
    *,
    lookup_url: str | None = None,
    timeout: float = 2.0,
    transport: httpx.BaseTransport | None = None,
) -> Place:
    """Find a postcode or postcode district; raises PostcodeError with a plain message."""
    typed = read_search_postcode(text)
    if typed.full and lookup_url:
        place = _lookup_online(typed.full, lookup_url, timeout, transport)
        if place is not None:
            return place
    point = centroid(typed.outward)
    if point is None and (sector := typed.outward_if_sector_lost()) is not None:
        point = centroid(sector.outward)
        typed = sector if point is not None else typed
    if point is None:
        raise PostcodeError(
            f"We could not find where {typed.outward} is, so nothing is sorted by distance. "
            "Check the postcode, or try a nearby one."
        )
    if typed.full:
        label = f"{typed.full} (centre of {typed.outward})"
    elif typed.sector:
        label = f"{typed.outward} (district centre: sector {typed.sector} is searched from its district)"
    else:
        label = f"{typed.outward} (district centre)"
    return Place(label, point[0], point[1], precise=False)


def _lookup_online(postcode: str, base_url: str, timeout: float, transport: httpx.BaseTransport | None) -> Place | None:
    url = base_url.rstrip("/") + "/" + quote(postcode)
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            response = client.get(url)
            response.raise_for_status()
            result = response.json()["result"]
            latitude, longitude = float(result["latitude"]), float(result["longitude"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        log.info("Online postcode lookup failed for %s (%s); using the district centre", postcode, exc)
        return None
    return Place(postcode, latitude, longitude, precise=True)
