"""GeoJSON (RFC 7946) of activities: longitude before latitude."""

from __future__ import annotations

from typing import Any

from activities.search import Found
from creative_minds.geo import ATTRIBUTION
from creative_minds.web import format_time


def feature(found: Found, *, base_url: str) -> dict[str, Any]:
    p = found.project
    properties: dict[str, Any] = {
        "id": p.id,
        "title": p.title,
        "partner": p.partner_name,
        "locality": p.locality_name,
        "categories": p.categories,
        "day": p.day_label or None,
        "starts_at": format_time(p.starts_at) or None,
        "ends_at": format_time(p.ends_at) or None,
        "frequency": p.frequency,
        "free": p.is_free,
        "cost_pence": p.cost_to_attend_pence,
        "wheelchair_accessible": p.wheelchair_accessible,
        "peer_led": p.peer_led,
        "postcode": p.postcode,
        "url": f"{base_url}/activities/{p.id}",
    }
    if found.distance_miles is not None:
        properties["distance_miles"] = round(found.distance_miles, 2)
    return {"type": "Feature", "id": p.id, "geometry": {"type": "Point", "coordinates": [p.longitude, p.latitude]}, "properties": properties}


def feature_collection(found: list[Found], *, base_url: str) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [feature(f, base_url=base_url) for f in found], "attribution": ATTRIBUTION}
