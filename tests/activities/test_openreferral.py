"""The Open Referral UK 3.0 export validates against the standard's own schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from activities.openreferral import stable_id

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "activities" / "data" / "oruk" / "service_with_definitions.json").read_text()
)


def validator():
    cls = jsonschema.validators.validator_for(SCHEMA)
    return cls(SCHEMA, format_checker=cls.FORMAT_CHECKER)


def test_root_says_which_standard(client, activities):
    data = client.get("/openreferral/").json()
    assert data["version"] == "HSDS-UK-3.0" and data["openapi_url"].endswith("/schema/openapi.json")


def test_every_service_validates_and_is_open_to_read(client, activities):
    response = client.get("/openreferral/services", params={"per_page": 100})
    assert response.headers["access-control-allow-origin"] == "*"
    page = response.json()
    assert (page["total_items"], page["total_pages"], page["first_page"], page["last_page"]) == (5, 1, True, True)
    check = validator()
    for service in page["contents"]:
        errors = sorted(check.iter_errors(service), key=lambda e: e.path)
        assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_one_service_fully_nested(client, activities):
    memory = activities["Wakefield Memory Cafe"]
    service_id = stable_id("service", memory.id)
    service = client.get(f"/openreferral/services/{service_id}").json()
    assert not list(validator().iter_errors(service))
    assert service["id"] == service_id and service["status"] == "active"
    assert service["minimum_age"] == 65 and "maximum_age" not in service
    assert service["schedules"][0] | {"id": None} == {
        "id": None,
        "service_id": service_id,
        "freq": "WEEKLY",
        "interval": 1,
        "byday": "FR",
        "dtstart": "2027-01-08",
        "valid_from": "2027-01-05",
        "opens_at": "10:30:00",
        "closes_at": "12:00:00",
        "description": "Every week: Fridays, 10:30am",
    }
    location = service["service_at_locations"][0]["location"]
    assert (location["latitude"], location["longitude"], location["addresses"][0]["postal_code"]) == (
        53.6833,
        -1.4977,
        "WF1 1AA",
    )
    assert service["cost_options"][0]["amount"] == 0
    terms = {a["taxonomy_term"]["term"] for a in service["attributes"]}
    assert {"memory_group", "older_people", "dementia", "wakefield"} <= terms


def test_ids_are_stable_and_unknown_ids_are_404(client, activities):
    first = client.get("/openreferral/services").json()["contents"]
    second = client.get("/openreferral/services").json()["contents"]
    assert [s["id"] for s in first] == [s["id"] for s in second]
    assert client.get("/openreferral/services/00000000-0000-0000-0000-000000000000").status_code == 404
    assert stable_id("service", activities["Secret Draft"].id) not in {s["id"] for s in first}


def test_paging_and_organizations(client, activities):
    page = client.get("/openreferral/services", params={"per_page": 2, "page": 3}).json()
    assert (page["page_number"], page["size"], page["total_pages"], len(page["contents"]), page["last_page"]) == (
        3,
        2,
        3,
        1,
        True,
    )
    assert client.get("/openreferral/services", params={"per_page": 1000}).status_code == 400
    orgs = client.get("/openreferral/organizations").json()
    assert orgs["contents"][0]["name"] == "Activity Partner"


class TestOpenAndMachineReadable:
    """Issue 15: errors come back as JSON, and anonymous calls get no cookies."""

    def test_errors_are_json_whatever_the_client_accepts(self, client, activities):
        missing = client.get(f"/openreferral/services/{stable_id('service', 999_999)}", headers={"accept": "text/html"})
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/json")
        assert missing.json()["detail"] == "There is no running activity with this service id."
        bad_page = client.get("/openreferral/services", params={"page": "0"}, headers={"accept": "*/*"})
        assert bad_page.status_code == 400 and bad_page.json()["errors"]
        nowhere = client.get("/openreferral/nothing-here")
        assert nowhere.status_code == 404 and nowhere.headers["content-type"].startswith("application/json")

    def test_no_cookies_on_anonymous_calls(self, client, activities):
        for path in ("/openreferral/", "/openreferral/services", "/openreferral/organizations"):
            client.cookies.clear()
            response = client.get(path)
            assert response.status_code == 200
            assert "set-cookie" not in response.headers, path

    def test_a_page_far_past_the_last_is_empty_not_an_error(self, client, activities):
        page = client.get("/openreferral/services", params={"page": str(2**63), "per_page": 93}).json()
        assert (page["total_items"], page["contents"], page["empty"]) == (5, [], True)

    def test_pages_follow_title_order_and_cover_every_service_once(self, client, activities):
        names = []
        for number in (1, 2, 3):
            page = client.get("/openreferral/services", params={"per_page": 2, "page": number}).json()
            assert (page["total_items"], page["total_pages"], page["page_number"]) == (5, 3, number)
            names += [service["name"] for service in page["contents"]]
        assert names == sorted(
            [
                "Barnsley Youth Climbing",
                "Halifax Choir",
                "Holmfirth Knit and Natter",
                "Huddersfield Walking Football",
                "Wakefield Memory Cafe",
            ]
        )
