"""Finding activities: filters, time of day, distance from known places, geocoding offline and online."""

from __future__ import annotations

import httpx
import pytest

from activities.geocode import locate
from activities.search import ActivityFilters, find_activities
from creative_minds.geo import haversine_km
from creative_minds.postcodes import PostcodeError


def titles(db, **filters):
    return [f.project.title for f in find_activities(db, ActivityFilters(**filters))]


class TestFilters:
    def test_only_running_activities_are_shown(self, db, activities):
        assert "Secret Draft" not in titles(db)
        assert len(titles(db)) == 5

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            ({"locality": "calderdale"}, ["Halifax Choir"]),
            ({"category": "football"}, ["Huddersfield Walking Football"]),
            ({"day": "WE"}, ["Holmfirth Knit and Natter"]),
            ({"time_of_day": "morning"}, ["Huddersfield Walking Football", "Wakefield Memory Cafe"]),
            ({"time_of_day": "afternoon"}, ["Barnsley Youth Climbing", "Holmfirth Knit and Natter"]),
            ({"time_of_day": "evening"}, ["Halifax Choir"]),
            ({"focus": "dementia"}, ["Wakefield Memory Cafe"]),
            ({"free": True, "locality": "kirklees"}, ["Huddersfield Walking Football"]),
            ({"wheelchair": True}, ["Huddersfield Walking Football"]),
            ({"peer_led": True}, ["Halifax Choir"]),
            ({"q": "knit"}, ["Holmfirth Knit and Natter"]),
        ],
    )
    def test_each_filter(self, db, activities, filters, expected):
        assert titles(db, **filters) == expected

    def test_age_group_keeps_activities_open_to_all_ages(self, db, activities):
        young = titles(db, age_group="young_people")
        assert "Barnsley Youth Climbing" in young and "Halifax Choir" in young
        assert "Wakefield Memory Cafe" not in young

    def test_filters_come_from_the_query_string_and_go_back_into_links(self):
        filters = ActivityFilters.from_query(
            {"locality": "Kirklees", "day": "XX", "free": "1", "radius": "999", "postcode": "hd1"}
        )
        assert (filters.locality, filters.day, filters.free, filters.radius) == ("kirklees", "", True, 5)
        assert filters.as_params() == {"locality": "kirklees", "free": "1", "postcode": "hd1", "radius": 5}


class TestDistance:
    def test_haversine_against_known_distances(self):
        # Huddersfield to Wakefield town centres: about 19 km; London to Edinburgh about 534 km.
        assert haversine_km(53.6458, -1.7850, 53.6833, -1.4977) == pytest.approx(19.4, abs=0.3)
        assert haversine_km(51.5074, -0.1278, 55.9533, -3.1883) == pytest.approx(534, abs=2)

    def test_near_a_postcode_sorted_by_distance_within_the_radius(self, db, activities):
        place = locate("HD1 2AB")
        found = find_activities(db, ActivityFilters(postcode="HD1 2AB", radius=10), near=place)
        names = [f.project.title for f in found]
        assert names == ["Huddersfield Walking Football", "Holmfirth Knit and Natter", "Halifax Choir"]
        distances = [f.distance_miles for f in found]
        assert distances == sorted(distances)
        # HD1 district centre (53.64685, -1.78902) to the football at (53.6458, -1.7850): 0.3 km.
        assert distances[0] == pytest.approx(haversine_km(53.64685, -1.78902, 53.6458, -1.7850) / 1.609344, abs=0.001)
        assert all(d <= 10 for d in distances)
        wider = find_activities(db, ActivityFilters(postcode="HD1 2AB", radius=20), near=place)
        # Wakefield centre is about 12 miles from HD1 and Barnsley about 14: both inside 20 miles, in that order.
        assert [f.project.title for f in wider][3:] == ["Wakefield Memory Cafe", "Barnsley Youth Climbing"]
        assert [round(f.distance_miles) for f in wider][3:] == [12, 14]


class TestGeocoding:
    def test_offline_outward_and_full_postcodes(self):
        assert locate("hd1").latitude == 53.64685
        place = locate("wf1 1aa")
        assert (place.latitude, place.longitude, place.precise) == (53.68752, -1.4934, False)
        assert place.label == "WF1 1AA (centre of WF1)"

    def test_unknown_district_and_nonsense(self):
        with pytest.raises(PostcodeError, match="could not find where"):
            locate("ZE9")  # a valid-looking district that does not exist
        with pytest.raises(PostcodeError, match="not a UK postcode"):
            locate("not a postcode")

    def test_online_lookup_is_used_when_configured(self):
        def handler(request: httpx.Request) -> httpx.Response:
            assert request.url.raw_path == b"/postcodes/HD1%202AB"
            return httpx.Response(
                200, json={"status": 200, "result": {"postcode": "HD1 2AB", "latitude": 53.6441, "longitude": -1.7801}}
            )

        place = locate("hd12ab", lookup_url="https://postcodes.test/postcodes/", transport=httpx.MockTransport(handler))
        assert (place.latitude, place.longitude, place.precise, place.label) == (53.6441, -1.7801, True, "HD1 2AB")

    @pytest.mark.parametrize(
        "failure",
        [
            lambda request: httpx.Response(404, json={"status": 404, "error": "Postcode not found"}),
            lambda request: httpx.Response(200, text="not json"),
            lambda request: httpx.Response(200, json={"status": 200, "result": None}),
        ],
    )
    def test_any_online_failure_falls_back_to_the_district(self, failure):
        place = locate(
            "HD1 2AB", lookup_url="https://postcodes.test/postcodes/", transport=httpx.MockTransport(failure)
        )
        assert (place.latitude, place.precise) == (53.64685, False)

    def test_timeout_falls_back_too(self):
        def slow(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("too slow", request=request)

        place = locate("HD1 2AB", lookup_url="https://postcodes.test/postcodes/", transport=httpx.MockTransport(slow))
        assert place.precise is False

    def test_outward_code_alone_never_goes_online(self):
        def never(request: httpx.Request) -> httpx.Response:  # pragma: no cover - must not be called
            raise AssertionError("looked up online")

        assert (
            locate("HX1", lookup_url="https://postcodes.test/postcodes/", transport=httpx.MockTransport(never)).precise
            is False
        )


class TestWordSearch:
    """Issue 15: words in any order, accents ignored, across title, description, partner, venue and town."""

    @pytest.fixture
    def cafe(self, db, activities):
        from projects.models import ProjectStatus
        from tests.utils import locality_id, make_partner, make_project, make_user

        coordinator = make_user(db)
        partner = make_partner(db, coordinator, name="Calder Friends")
        project = make_project(
            db,
            partner,
            coordinator,
            title="Le Petit Café Club",
            description="Coffee, cake and conversation.",
            venue_name="Square Chapel",
            venue_address="10 Square Road, Halifax",
            postcode="HX1 1QG",
            latitude=53.7215,
            longitude=-1.8590,
            categories=["social_cafe"],
            locality_id=locality_id(db, "calderdale"),
        )
        project.status = ProjectStatus.ACTIVE.value
        db.commit()
        return project

    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ("cafe halifax", ["Le Petit Café Club"]),  # the title's word and the town, as two words
            ("halifax cafe", ["Le Petit Café Club"]),  # any order
            ("CAFÉ", ["Le Petit Café Club", "Wakefield Memory Cafe"]),  # accents and case ignored both ways
            ("calder friends", ["Le Petit Café Club"]),  # the partner's name
            ("square chapel", ["Le Petit Café Club"]),  # the venue
            ("cake conversation", ["Le Petit Café Club"]),  # the description
            ("cafe barnsley", []),  # every word must match
            ("choir", ["Halifax Choir"]),
            ("knit", ["Holmfirth Knit and Natter"]),
            ("  ", None),  # blank: no word filter at all
        ],
    )
    def test_words(self, db, cafe, q, expected):
        found = titles(db, q=q)
        if expected is None:
            assert len(found) == 6
        else:
            assert found == expected

    def test_choir_finds_music_groups_by_what_they_do(self, db, activities):
        from projects.models import ProjectCategory

        knit = activities["Holmfirth Knit and Natter"]
        knit.category_links.append(ProjectCategory(category="music_singing"))
        db.add(knit)
        db.commit()
        assert titles(db, q="choir") == ["Halifax Choir", "Holmfirth Knit and Natter"]

    def test_renaming_a_partner_updates_its_activities_search(self, db, cafe):
        from partners.models import Partner

        partner = db.get(Partner, cafe.partner_id)
        partner.name = "Pennine Neighbours"
        db.add(partner)
        db.commit()
        assert titles(db, q="pennine") == ["Le Petit Café Club"]
        assert titles(db, q="calder friends") == []

    def test_punctuation_is_not_a_wildcard(self, db, activities):
        assert titles(db, q="100%") == [] and titles(db, q="choir_") == ["Halifax Choir"]
        assert len(titles(db, q="%_")) == 5  # no words at all: no word filter

    def test_the_finder_page_searches_by_words(self, client, cafe):
        page = client.get("/activities", params={"q": "Halifax café"})
        assert "<strong>1</strong> activity" in page.text and "Le Petit Café Club" in page.text
