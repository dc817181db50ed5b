"""GeoJSON (RFC 7946) of activities: longitude before latitude."""

from __future__ import annotations

from datetime import time
from functools import lru_cache
from typing import Any

import msgspec

from activities.search import Found
from creative_minds.formatting import format_time
from creative_minds.geo import ATTRIBUTION
from projects.models import WEEKDAY_LABELS

_DAYS = {d.value: label for d, label in WEEKDAY_LABELS.items()}


@lru_cache(maxsize=2048)
def _time(value: time | None) -> str | None:
    return format_time(value) or None


def _degrees(value: float | None) -> float | None:
    """Five decimal places of a degree: about a metre, finer than any address (and a fifth of the bytes less)."""
    return round(value, 5) if value is not None else None


def feature(found: Found, *, base_url: str) -> dict[str, Any]:
    p = found.project
    properties: dict[str, Any] = {
        "id": p.id,
        "title": p.title,
        "partner": p.partner_name,
        "locality": p.locality_name,
        "categories": p.categories,
        "day": _DAYS.get(p.day_of_week) if p.day_of_week else None,
        "starts_at": _time(p.starts_at),
        "ends_at": _time(p.ends_at),
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
    return {
        "type": "Feature",
        "id": p.id,
        "geometry": {"type": "Point", "coordinates": [_degrees(p.longitude), _degrees(p.latitude)]},
        "properties": properties,
    }


def feature_collection(found: list[Found], *, base_url: str) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [feature(f, base_url=base_url) for f in found],
        "attribution": ATTRIBUTION,
    }


def _categories() -> Any:
    """Each project's categories, in the same query: one comma-separated string."""
    from sqlmodel import col, func, select

    from projects.models import Project, ProjectCategory

    return (
        select(func.aggregate_strings(ProjectCategory.category, ","))
        .where(col(ProjectCategory.project_id) == col(Project.id))
        .scalar_subquery()
    )


def columns() -> tuple[Any, ...]:
    """What a feature needs, read straight from the database (no row objects)."""
    from creative_minds.localities import Locality
    from partners.models import Partner
    from projects.models import Project

    return (
        Project.id,
        Project.title,
        Partner.name,
        Locality.name,
        _categories(),
        Project.day_of_week,
        Project.starts_at,
        Project.ends_at,
        Project.frequency,
        Project.cost_to_attend_pence,
        Project.wheelchair_accessible,
        Project.peer_led,
        Project.postcode,
        Project.longitude,
        Project.latitude,
    )


def feature_from_row(row: tuple, *, base_url: str, miles: float | None = None) -> dict[str, Any]:
    """One Feature from a `columns()` row."""
    pid, title, partner, locality, cats, day, starts, ends, freq, cost, wheelchair, peer, postcode, lon, lat = row
    properties: dict[str, Any] = {
        "id": pid,
        "title": title,
        "partner": partner,
        "locality": locality,
        "categories": sorted(cats.split(",")) if cats else [],
        "day": _DAYS.get(day) if day else None,
        "starts_at": _time(starts),
        "ends_at": _time(ends),
        "frequency": freq,
        "free": cost == 0,
        "cost_pence": cost,
        "wheelchair_accessible": wheelchair,
        "peer_led": peer,
        "postcode": postcode,
        "url": f"{base_url}/activities/{pid}",
    }
    if miles is not None:
        properties["distance_miles"] = round(miles, 2)
    return {
        "type": "Feature",
        "id": pid,
        "geometry": {"type": "Point", "coordinates": [_degrees(lon), _degrees(lat)]},
        "properties": properties,
    }


def collection_from_rows(rows: list, *, base_url: str) -> dict[str, Any]:
    """The same FeatureCollection as `feature_collection`, from `columns()` rows (each ending with its miles)."""
    features = [feature_from_row(row[:-1], base_url=base_url, miles=row[-1]) for row in rows]
    return {"type": "FeatureCollection", "features": features, "attribution": ATTRIBUTION}


# The same collection as JSON, from each feature's JSON (kept until the data changes) -----------------

_OPEN = b'{"type":"FeatureCollection","features":['


def feature_piece(row: tuple, *, base_url: str) -> bytes:
    """A feature's JSON, without a distance."""
    return msgspec.json.encode(feature_from_row(row, base_url=base_url))


def collection_from_pieces(pieces: list[tuple[bytes, float | None]]) -> bytes:
    """The bytes msgspec gives for `collection_from_rows`, from (feature piece, miles) pairs. A
    distance goes last in the properties, the feature's last member: just before its closing `}}`."""
    features = [
        piece if miles is None else piece[:-2] + b',"distance_miles":' + msgspec.json.encode(round(miles, 2)) + b"}}"
        for piece, miles in pieces
    ]
    return _OPEN + b",".join(features) + b'],"attribution":' + msgspec.json.encode(ATTRIBUTION) + b"}"


def collection_of_features(features: list[bytes]) -> bytes:
    """The same, for features with no distance (a search with no place)."""
    return _OPEN + b",".join(features) + b'],"attribution":' + msgspec.json.encode(ATTRIBUTION) + b"}"
