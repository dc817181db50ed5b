"""The GeoJSON and calendar feeds of a finder search, from each activity's own piece.

A feed of every activity is several megabytes, and most of the time to make it goes into writing
each activity's feature or event. Those pieces depend only on the activity (and the site's address,
and for a calendar the day), so they are kept in the page cache until the data changes (the same
token as kept pages, creative_minds/cache.py): a new search reads only which activities match, in
the finder's order with their distances, and writes the pieces it has not seen. A calendar event
carries the activity's cancelled, moved and extra sessions; changing one changes the token too. The bytes are the
same as writing the whole feed at once (checked in tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from sqlmodel import Session

from activities import geojson
from activities.geocode import Place
from activities.ical import FeedRow, calendar_from_events, event_piece, fast_calendar, ics_columns
from activities.search import ActivityFilters, _query, feed_rows
from creative_minds.cache import PageCache
from projects.models import Project
from projects.sessions import changes_for

_BATCH = 500  # at most this many ids in one IN list (more: read every activity the filters match)


def _pieces(
    session: Session,
    filters: ActivityFilters,
    ids: list[int],
    *,
    columns: tuple[Any, ...],
    write: Callable[[tuple, list[Any]], bytes],
    cache: PageCache | None,
    key: tuple | None,
    sessions: bool = False,
) -> list[bytes | None]:
    """Each activity's piece, in the order of `ids`: kept ones, and the rest written (None for an
    activity that stopped running since its id was read)."""
    book = cache.book(key) if cache is not None and key is not None else {}
    missing = [pid for pid in ids if pid not in book]
    made: dict[int, bytes] = {}
    if len(missing) > _BATCH:  # most of them: one query for every activity the filters match
        wanted = set(missing)
        changes = changes_for(session) if sessions else {}  # every activity's single-session changes
        for row in session.execute(_query(filters, columns=columns, joined=True)):
            if row[0] in wanted:
                made[row[0]] = write(tuple(row), changes.get(row[0], []))
    elif missing:
        changes = changes_for(session, missing) if sessions else {}
        for row in session.execute(_query(ActivityFilters(), ids=missing, columns=columns, joined=True)):
            made[row[0]] = write(tuple(row), changes.get(row[0], []))
    if cache is not None and key is not None:
        cache.add_to_book(key, made)
    if not made:
        return [book[pid] for pid in ids]
    return [book[pid] if pid in book else made.get(pid) for pid in ids]


def _keeping(cache: PageCache | None, key: tuple | None) -> bool:
    return cache is not None and key is not None and cache.max_bytes > 0


def _matches(session: Session, filters: ActivityFilters, near: Place | None) -> list[tuple[int, float | None]]:
    """The ids of the matching activities in the finder's order, each with its distance in miles (or None)."""
    if near is None:  # (read without row objects: thousands of ids)
        query = _query(filters, columns=(Project.id,), joined=True).order_by(Project.sort_title, Project.id)
        return [(pid, None) for pid in session.connection().execute(query).scalars()]
    return [(row[0], row[1]) for row in feed_rows(session, filters, near, (Project.id,))]


def geojson_feed(
    session: Session,
    filters: ActivityFilters,
    near: Place | None,
    *,
    base_url: str,
    cache: PageCache | None = None,
    key: tuple | None = None,
) -> bytes:
    """The search as a GeoJSON FeatureCollection (the bytes of `geojson.collection_from_rows`)."""
    if not _keeping(cache, key):  # nothing kept: the whole feed in one query and one encoding
        rows = feed_rows(session, filters, near, geojson.columns())
        return msgspec.json.encode(geojson.collection_from_rows(rows, base_url=base_url))
    matches = _matches(session, filters, near)
    pieces = _pieces(
        session,
        filters,
        [pid for pid, _ in matches],
        columns=geojson.columns(),
        write=lambda row, _changes: geojson.feature_piece(row, base_url=base_url),
        cache=cache,
        key=key,
    )
    if near is None:
        return geojson.collection_of_features([piece for piece in pieces if piece is not None])
    return geojson.collection_from_pieces(
        [(piece, miles) for piece, (_, miles) in zip(pieces, matches, strict=True) if piece is not None]
    )


def calendar_feed(
    session: Session,
    filters: ActivityFilters,
    near: Place | None,
    *,
    name: str,
    base_url: str,
    cache: PageCache | None = None,
    key: tuple | None = None,
) -> bytes:
    """The search as an iCalendar feed (the bytes of `ical.fast_calendar`)."""
    if not _keeping(cache, key):  # nothing kept: the whole feed in one query
        rows = feed_rows(session, filters, near, ics_columns())
        return fast_calendar(
            [FeedRow._make(row[:-1]) for row in rows], name=name, base_url=base_url, changes=changes_for(session)
        )
    pieces = _pieces(
        session,
        filters,
        [pid for pid, _ in _matches(session, filters, near)],
        columns=ics_columns(),
        write=lambda row, changes: event_piece(FeedRow._make(row), base_url=base_url, changes=changes),
        cache=cache,
        key=key,
        sessions=True,
    )
    return calendar_from_events([piece for piece in pieces if piece is not None], name=name)
