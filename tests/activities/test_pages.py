"""Activity pages and feeds: no CDN, htmx fragments, postcode messages, iCalendar, GeoJSON, sheet."""

from __future__ import annotations

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
        assert not [u for u in scripts_and_styles if u.startswith("http") and (u.endswith(".js") or u.endswith(".css"))]
        assert "cdn." not in page.text and "unpkg" not in page.text and "jsdelivr" not in page.text
        assert "tile.openstreetmap.org" in page.text  # the default tile layer (a setting)
        assert "Secret Draft" not in page.text

    def test_htmx_filter_returns_map_and_list_together(self, client, activities):
        fragment = client.get("/activities", params={"locality": "calderdale"}, headers={"HX-Request": "true"})
        assert "<html" not in fragment.text and "<form" in fragment.text  # the sheet form is in the list
        assert "Halifax Choir" in fragment.text and "Huddersfield Walking Football" not in fragment.text
        assert "L.map(" in fragment.text and "<strong>1</strong> activity" in fragment.text

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

    def test_tile_layer_is_a_setting(self, settings, activities):
        from dataclasses import replace

        from litestar.testing import TestClient

        from creative_minds.app import create_app

        app = create_app(replace(settings, tile_url="/tiles/{z}/{x}/{y}.png", tile_attribution="Trust tiles"))
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


class TestCalendar:
    def test_one_activity_feed(self, client, activities):
        football = activities["Huddersfield Walking Football"]
        response = client.get(f"/activities/{football.id}/calendar.ics")
        assert response.headers["content-type"].startswith("text/calendar")
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
        assert sorted(str(e["summary"]) for e in calendar.walk("VEVENT")) == ["Holmfirth Knit and Natter", "Huddersfield Walking Football"]

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

    def test_bad_postcode_is_422(self, client, activities):
        response = client.get("/activities/map.geojson", params={"postcode": "nonsense"}, headers={"accept": "application/json"})
        assert response.status_code == 422
