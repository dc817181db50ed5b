"""Shared pages are kept until the data they show changes, on any instance (creative_minds/cache.py)."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from creative_minds.cache import PageCache, data_version
from partners.models import Partner
from projects.models import Project


def test_a_repeated_search_is_kept_and_any_change_is_seen_at_once(client, db, activities, monkeypatch):
    import activities.controller as finder

    calls = []
    real_search = finder.search
    monkeypatch.setattr(finder, "search", lambda *a, **k: calls.append(1) or real_search(*a, **k))
    first = client.get("/activities", params={"locality": "calderdale"}, headers={"HX-Request": "true"})
    again = client.get("/activities", params={"locality": "calderdale"}, headers={"HX-Request": "true"})
    assert first.text == again.text and "Halifax Choir" in again.text
    assert len(calls) == 1  # the second answer was the kept one

    choir = activities["Halifax Choir"]
    choir.title = "Halifax Community Choir"
    db.add(choir)
    db.commit()
    changed = client.get("/activities", params={"locality": "calderdale"}, headers={"HX-Request": "true"})
    assert "Halifax Community Choir" in changed.text and len(calls) == 2


def test_a_partner_renamed_on_another_instance_shows_on_this_one(client, settings, engine, activities):
    from litestar.testing import TestClient

    from creative_minds.app import create_app

    before = client.get("/activities", params={"q": "activity partner"}, headers={"HX-Request": "true"})
    assert "Activity Partner" in before.text
    other = create_app(settings)  # another instance on the same database
    with TestClient(other), Session(other.state.engine) as session:
        partner = session.get(Partner, activities["Halifax Choir"].partner_id)
        partner.name = "Renamed Partner"
        session.add(partner)
        session.commit()
    other.state.engine.dispose()
    after = client.get("/activities", params={"q": "activity partner"}, headers={"HX-Request": "true"})
    assert "Renamed Partner" not in after.text and "No activities match" in after.text
    renamed = client.get("/activities", params={"q": "renamed"}, headers={"HX-Request": "true"})
    assert "<strong>5</strong> activities" in renamed.text


def test_bulk_updates_change_the_token_and_rollbacks_do_not(engine, activities):
    with Session(engine) as session:
        token = data_version(session)
        session.execute(update(Project).values(cost_to_attend_pence=100))
        session.rollback()
        assert data_version(session) == token
        session.execute(update(Project).values(cost_to_attend_pence=100))
        session.commit()
        assert data_version(session) not in (None, token)


def test_the_cache_keeps_to_its_size_and_drops_the_least_used():
    cache = PageCache(max_bytes=1_000)
    made = []

    def make(text):
        made.append(text)
        return text

    cache.get_or_make(("a",), lambda: make("x" * 200))
    cache.get_or_make(("b",), lambda: make("y" * 200))
    cache.get_or_make(("a",), lambda: make("never"))  # kept; now the most recently used
    cache.get_or_make(("c",), lambda: make("z" * 200))
    cache.get_or_make(("d",), lambda: make("w" * 200))  # over 1,000 bytes: "b" goes first
    assert made == ["x" * 200, "y" * 200, "z" * 200, "w" * 200]
    cache.get_or_make(("b",), lambda: make("Y" * 200))
    cache.get_or_make(("a",), lambda: make("A" * 200))
    assert made[-2:] == ["Y" * 200, "A" * 200]  # "b" had gone; keeping it again pushed out "a"
    assert PageCache(0).get_or_make(("a",), lambda: "fresh") == "fresh"
    assert cache.get_or_make(None, lambda: "no key") == "no key"


def test_requests_asking_the_same_at_once_wait_for_one_answer():
    import threading
    import time

    cache = PageCache(max_bytes=10_000)
    made = []

    def slow():
        made.append(1)
        time.sleep(0.2)
        return "answer"

    answers = []
    threads = [threading.Thread(target=lambda: answers.append(cache.get_or_make(("q",), slow))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["answer"] * 8 and made == [1]


def test_a_book_of_pieces_grows_within_half_the_room_and_nothing_is_kept_when_off():
    cache = PageCache(10_000)
    cache.add_to_book(("feed",), {1: b"a" * 1_000, 2: b"b" * 1_000})
    assert cache.book(("feed",)) == {1: b"a" * 1_000, 2: b"b" * 1_000}
    # Each piece counts its bytes and 164 more for its entry, the book 64: three more (5,884 in all) would pass
    # half the room (5,000).
    cache.add_to_book(("feed",), {3: b"c" * 1_000, 4: b"d" * 1_000, 5: b"e" * 1_000})
    assert sorted(cache.book(("feed",))) == [1, 2]  # kept as it was, not grown
    cache.add_to_book(("feed",), {3: b"c" * 1_000})
    assert sorted(cache.book(("feed",))) == [1, 2, 3]
    assert cache.book(("other",)) == {}
    off = PageCache(0)
    off.add_to_book(("feed",), {1: b"a"})
    assert off.book(("feed",)) == {}
