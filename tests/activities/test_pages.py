"""Activity pages and feeds: no CDN, htmx fragments, postcode messages, iCalendar, GeoJSON, sheet."""

from __future__ import annotations

import json
import re
from datetime import date

from icalendar import Calendar

from activities.ical import first_session, recurrence


class TestFindPage:
    def test_open_to_everyone_with_map_and_list_and_no_cdn(self, client, activities):
        page = client.get("/activities")
        assert page.status_code == 200
        assert "<strong>5</strong> activities" in page.text
        assert 'src="/static/vendor/leaflet/leaflet.js"' in page.text
        assert 'href="/static/vendor/leaflet.markercluster/MarkerCluster.css"' in page.text
        assert "L.markerClusterGroup" in page.text and "Group of ' + count + ' activities" in page.text
        scripts_and_styles = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert not [u for u in scripts_and_styles if u.startswith("http") and (u.endswith((".js", ".css")))]
        assert "cdn." not in page.text and "unpkg" not in page.text and "jsdelivr" not in page.text
        assert "tile.openstreetmap.org" in page.text  # the default tile layer (a setting)
        assert "Secret Draft" not in page.text

    def test_htmx_filter_returns_map_and_list_together(self, client, activities):
        fragment = client.get("/activities", params={"locality": "calderdale"}, headers={"HX-Request": "true"})
        assert "<html" not in fragment.text and "<form" in fragment.text  # the sheet form is in the list
        assert "Halifax Choir" in fragment.text and "Huddersfield Walking Football" not in fragment.text
        assert "<strong>1</strong> activity" in fragment.text
        # The map is built once with the page; the fragment carries its markers (issue 17), not a new map.
        assert "L.map(" not in fragment.text
        markers = re.search(r'<script type="application/json" id="activity-markers">(.*?)</script>', fragment.text)
        data = json.loads(markers.group(1))
        assert [(data["t"][row[3]], row[0], row[1]) for row in data["m"]] == [("Halifax Choir", 53.721, -1.872)]

    def test_near_postcode_shows_distance_and_order(self, client, activities):
        page = client.get("/activities", params={"postcode": "hd1 2ab", "radius": "10"})
        assert "within 10 miles of HD1 2AB (centre of HD1), nearest first" in page.text
        order = [m for m in re.findall(r'<h3><a href="/activities/\d+">([^<]+)</a>', page.text)]
        assert order == ["Huddersfield Walking Football", "Holmfirth Knit and Natter", "Halifax Choir"]
        assert "0.2 miles away" in page.text

    def test_bad_postcode_gets_a_message_not_an_error_page(self, client, activities):
        page = client.get("/activities", params={"postcode": "BANANA"})
        assert page.status_code == 200
        assert "We could not use that postcode" in page.text and "is not a UK postcode" in page.text

    def test_a_postcode_sector_is_searched_from_its_district_and_says_so(self, client, activities):
        # "HD1 2" was read as the district HD12 and found nothing; "S70 1" was "not a UK postcode".
        for typed in ("HD1 2", "hd12", "HD1 2A"):
            page = client.get("/activities", params={"postcode": typed, "radius": "10"})
            assert "We could not use that postcode" not in page.text, typed
            assert "within 10 miles of HD1 (district centre: sector HD1 2 is searched from its district)" in page.text
            order = re.findall(r'<h3><a href="/activities/\d+">([^<]+)</a>', page.text)
            assert order[0] == "Huddersfield Walking Football", typed
        page = client.get("/activities", params={"postcode": "S70 1", "radius": "1"})
        assert "within 1 mile of S70 (district centre: sector S70 1 is searched from its district)" in page.text

    def test_a_postcode_that_cannot_be_placed_is_not_searched_near(self, client, activities):
        for typed in ("ZE9 9ZZ", "ZE9 1", "BANANA"):
            page = client.get("/activities", params={"postcode": typed, "radius": "1"})
            assert "We could not use that postcode" in page.text, typed
            assert "Nothing below is sorted by distance" in page.text
            assert "within 1 mile" not in page.text and "miles away" not in page.text
            assert "<strong>5</strong> activities." in page.text

    def test_tile_layer_is_a_setting(self, settings, activities):

        from litestar.testing import TestClient

        from creative_minds.app import create_app

        app = create_app(
            settings.model_copy(update=dict(tile_url="/tiles/{z}/{x}/{y}.png", tile_attribution="Trust tiles"))
        )
        with TestClient(app) as client:
            page = client.get("/activities")
            assert '"/tiles/{z}/{x}/{y}.png"' in page.text and "Trust tiles" in page.text
        app.state.engine.dispose()


class TestActivityPages:
    def test_detail_sheet_and_unknown(self, client, activities):
        football = activities["Huddersfield Walking Football"]
        detail = client.get(f"/activities/{football.id}")
        assert "Tuesday, 10am to 12pm, every week" in detail.text
        assert client.get(f"/activities/{activities['Secret Draft'].id}").status_code == 404
        ids = [activities["Halifax Choir"].id, football.id]
        sheet = client.get("/activities/sheet", params=[("id", str(i)) for i in ids + [activities["Secret Draft"].id]])
        assert sheet.text.index("Halifax Choir") < sheet.text.index("Huddersfield Walking Football")
        assert "1 of the chosen activities is no longer running" in sheet.text
        assert client.get("/activities/sheet", params={"id": "abc"}).status_code == 422


class TestActivityPage:
    def test_phone_number_shown_from_the_project_or_else_its_partner(self, client, db, activities):
        choir = activities["Halifax Choir"]
        choir.partner.contact_phone = "01422 555 0199"
        db.add(choir.partner)
        db.commit()
        page = client.get(f"/activities/{choir.id}")
        assert 'Phone: <a href="tel:014225550199">01422 555 0199</a>' in page.text
        choir.contact_phone = "07700 900123"
        db.add(choir)
        db.commit()
        page = client.get(f"/activities/{choir.id}")
        assert 'Phone: <a href="tel:07700900123">07700 900123</a>' in page.text and "01422" not in page.text

    def test_a_small_map_of_where_it_meets_from_the_apps_own_files(self, client, activities):
        page = client.get(f"/activities/{activities['Halifax Choir'].id}")
        assert (
            'id="activity-map"' in page.text and 'data-lat="53.721"' in page.text and 'data-lon="-1.872"' in page.text
        )
        assert (
            'src="/static/vendor/leaflet/leaflet.js"' in page.text and 'src="/static/js/activity-map.js"' in page.text
        )
        assert client.get("/static/js/activity-map.js").status_code == 200


class TestCalendar:
    def test_one_activity_feed(self, client, activities):
        football = activities["Huddersfield Walking Football"]
        response = client.get(f"/activities/{football.id}/calendar.ics")
        assert response.headers["content-type"].startswith("text/calendar")
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"  # named once (issue 15)
        calendar = Calendar.from_ical(response.content)
        events = [c for c in calendar.walk("VEVENT")]
        assert len(events) == 1
        event = events[0]
        assert str(event["summary"]) == "Huddersfield Walking Football"
        assert event.decoded("dtstart").isoformat() == "2027-01-05T10:00:00+00:00"
        assert event["rrule"]["FREQ"] == ["WEEKLY"] and event["rrule"]["BYDAY"] == ["TU"]
        assert str(event["dtstart"].params["TZID"]) == "Europe/London"

    def test_search_feed_follows_the_filters(self, client, activities):
        calendar = Calendar.from_ical(client.get("/activities/calendar.ics", params={"locality": "kirklees"}).content)
        assert sorted(str(e["summary"]) for e in calendar.walk("VEVENT")) == [
            "Holmfirth Knit and Natter",
            "Huddersfield Walking Football",
        ]

    def test_the_quick_feed_writer_gives_icalendars_own_bytes(self, db, activities):
        """fast_calendar writes what icalendar builds, byte for byte, for every kind of schedule and text."""
        from activities.ical import calendar_for, fast_calendar
        from activities.search import ActivityFilters, find_activities

        choir = activities["Halifax Choir"]
        choir.frequency, choir.start_date, choir.end_date = "monthly", date(2027, 3, 1), date(2027, 9, 30)
        choir.description = "Songs; rounds, and a \\ backslash.\r\nA second line with £ and – dashes " + "é" * 60
        knit = activities["Holmfirth Knit and Natter"]
        knit.frequency, knit.accessibility_notes, knit.contact_phone = (
            "fortnightly",
            "Quiet room^" + "x" * 70,
            "01484 1",
        )
        memory = activities["Wakefield Memory Cafe"]
        memory.frequency, memory.start_date = "one_off", date(2027, 2, 5)
        climbing = activities["Barnsley Youth Climbing"]
        climbing.starts_at = None  # no time: left out of the feed
        db.add_all([choir, knit, memory, climbing])
        db.commit()
        rows = [f.project for f in find_activities(db, ActivityFilters())]
        for name in ("Creative Minds activities", "Halifax, Choir; one"):
            expected = calendar_for(rows, name=name, base_url="https://cm.example")
            assert fast_calendar(rows, name=name, base_url="https://cm.example") == expected
            assert fast_calendar(rows[:1], name=name, base_url="https://cm.example") == calendar_for(
                rows[:1], name=name, base_url="https://cm.example"
            )
        assert fast_calendar([], name="Empty", base_url="x") == calendar_for([], name="Empty", base_url="x")
        # The feed's own rows, read straight from the database, give the same bytes as the row objects.
        from activities.ical import FeedRow, ics_columns
        from activities.search import feed_rows

        light = [FeedRow._make(row[:-1]) for row in feed_rows(db, ActivityFilters(), None, ics_columns())]
        assert fast_calendar(light, name="x", base_url="y") == calendar_for(rows, name="x", base_url="y")
        assert len(Calendar.from_ical(fast_calendar(rows, name="x", base_url="y")).walk("VEVENT")) == 4
        # The feed written from each activity's own event, kept or not, gives the same bytes again.
        from activities.feeds import calendar_feed
        from creative_minds.cache import PageCache

        cache = PageCache(1_000_000)
        for filters in (ActivityFilters(locality="kirklees"), ActivityFilters()):  # the second reuses kept events
            expected = calendar_for(
                [f.project for f in find_activities(db, filters)], name="x", base_url="https://cm.example"
            )
            assert calendar_feed(db, filters, None, name="x", base_url="https://cm.example") == expected
            kept = calendar_feed(db, filters, None, name="x", base_url="https://cm.example", cache=cache, key=("t",))
            assert kept == expected
        # One piece kept per activity (an empty one for the activity with no time yet).
        kept_pieces = cache.book(("t",))
        assert sorted(kept_pieces) == sorted(p.id for p in rows) and list(kept_pieces.values()).count(b"") == 1

    def test_recurrence_rules(self, db, activities):
        project = activities["Halifax Choir"]
        project.frequency, project.start_date = "fortnightly", date(2027, 3, 1)
        first = first_session(project)
        assert first == date(2027, 3, 4)  # the first Thursday on or after the start date
        assert recurrence(project, first).to_ical() == b"FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"
        project.frequency = "monthly"
        assert recurrence(project, date(2027, 3, 11)).to_ical() == b"FREQ=MONTHLY;BYDAY=2TH"
        db.rollback()


class TestGeoJson:
    def test_filtered_features(self, client, activities):
        data = client.get("/activities/map.geojson", params={"postcode": "HX1", "radius": "3"}).json()
        assert data["type"] == "FeatureCollection"
        assert [f["properties"]["title"] for f in data["features"]] == ["Halifax Choir"]
        assert data["features"][0]["geometry"] == {"type": "Point", "coordinates": [-1.872, 53.721]}
        assert "Ordnance Survey" in data["attribution"]

    def test_the_feed_read_straight_from_the_database_matches_the_row_objects(self, db, activities, monkeypatch):
        """The quick GeoJSON path (one query, categories included) gives the same document as the row objects."""
        import msgspec

        from activities import feeds, geojson
        from activities.feeds import geojson_feed
        from activities.geocode import locate
        from activities.search import ActivityFilters, feed_rows, find_activities, with_categories
        from creative_minds.cache import PageCache
        from projects.models import ProjectCategory

        cache = PageCache(1_000_000)
        knit = activities["Holmfirth Knit and Natter"]
        knit.category_links.append(ProjectCategory(category="arts_crafts"))  # two categories, sorted
        db.add(knit)
        db.commit()
        for filters, near in [
            (ActivityFilters(), None),
            (ActivityFilters(postcode="HD1", radius=20), locate("HD1")),
            (ActivityFilters(locality="kirklees"), None),
        ]:
            expected = geojson.feature_collection(
                with_categories(db, find_activities(db, filters, near=near)), base_url="https://cm.example"
            )
            rows = feed_rows(db, filters, near, geojson.columns())
            assert geojson.collection_from_rows(rows, base_url="https://cm.example") == expected
            # Written from each activity's own feature (kept from the searches before, or not): the same bytes.
            whole = msgspec.json.encode(expected)
            assert geojson_feed(db, filters, near, base_url="https://cm.example") == whole
            assert geojson_feed(db, filters, near, base_url="https://cm.example", cache=cache, key=("t",)) == whole
            with monkeypatch.context() as patch:  # more to write than one IN list holds: every match read at once
                patch.setattr(feeds, "_BATCH", 1)
                fresh = PageCache(1_000_000)  # (nothing kept in it yet)
                assert geojson_feed(db, filters, near, base_url="https://cm.example", cache=fresh, key=("t",)) == whole
        assert expected["features"][0]["properties"]["categories"] == ["arts_crafts", "knitting_sewing"]

    def test_feeds_are_gzipped_for_clients_that_accept_it_with_the_same_content(self, client, activities):
        import gzip

        for path in ("/activities/map.geojson", "/activities/calendar.ics"):
            plain = client.get(path, headers={"accept-encoding": "identity"})
            assert "content-encoding" not in plain.headers
            assert plain.headers["vary"] == "Accept-Encoding"
            zipped = client.get(path, headers={"accept-encoding": "gzip, deflate"})
            assert zipped.headers["content-encoding"] == "gzip"
            assert zipped.headers["vary"] == "Accept-Encoding"
            assert zipped.content == plain.content  # (the client unpacks it)
            assert len(zipped.content) > 0
            refused = client.get(path, headers={"accept-encoding": "gzip;q=0, identity"})
            assert "content-encoding" not in refused.headers
            assert refused.content == plain.content
            # What goes over the wire really is gzip of the same bytes.
            with client.stream("GET", path, headers={"accept-encoding": "gzip"}) as raw:
                assert gzip.decompress(b"".join(raw.iter_raw())) == plain.content

    def test_which_accept_encoding_headers_accept_gzip(self):
        from activities.controller import accepts_gzip

        assert accepts_gzip("gzip, deflate, br")
        assert accepts_gzip("br;q=1.0, GZIP;q=0.5")
        assert accepts_gzip("*")
        assert not accepts_gzip("")
        assert not accepts_gzip("identity")
        assert not accepts_gzip("gzip;q=0")
        assert not accepts_gzip("gzip;q=0.0, br")
        assert not accepts_gzip("gzip;q=nonsense")

    def test_bad_postcode_is_422(self, client, activities):
        response = client.get(
            "/activities/map.geojson", params={"postcode": "nonsense"}, headers={"accept": "application/json"}
        )
        assert response.status_code == 422
