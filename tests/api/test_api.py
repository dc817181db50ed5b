"""The JSON API for partners and projects: shapes, errors and access for every write route."""

from __future__ import annotations

import re

import pytest
from sqlmodel import func, select

from creative_minds.accounts.models import Role
from partners.models import Partner
from projects.models import Project
from tests.utils import api, locality_id, login, make_partner, make_project, make_user, partner_data, project_data


@pytest.fixture
def world(db):
    coordinator = make_user(db)
    own = make_partner(db, coordinator, name="Own Group")
    other = make_partner(db, coordinator, name="Other Group")
    owner = make_user(db, Role.PARTNER, partner_id=own.id)
    project = make_project(db, own, owner, title="Own Project")
    return {"coordinator": coordinator, "own": own, "other": other, "owner": owner, "project": project}


class TestReading:
    def test_signed_out_gets_401_json(self, client, db):
        response = client.get("/api/partners")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/json")

    def test_list_and_detail(self, client, db, world):
        login(client, world["owner"].email)
        listing = client.get("/api/partners", params={"q": "own"}).json()
        assert listing["total"] == 1 and listing["items"][0]["name"] == "Own Group"
        assert listing["items"][0]["localities"] == ["kirklees"]
        detail = client.get(f"/api/projects/{world['project'].id}").json()
        assert detail["partner_name"] == "Own Group" and detail["requested_pence"] == 300_000
        assert detail["categories"] == ["football"] and detail["status"] == "draft"

    def test_unknown_ids_are_404(self, client, db, world):
        login(client, world["coordinator"].email)
        assert client.get("/api/partners/424242").status_code == 404
        response = client.get("/api/projects/424242")
        assert response.status_code == 404 and "no project number" in response.json()["detail"]

    def test_openapi_schema_lists_the_api(self, client, db):
        schema = client.get("/schema/openapi.json").json()
        assert "/api/partners" in schema["paths"] and "/api/projects/{project_id}/status" in schema["paths"]

    def test_the_api_explorer_works_offline(self, client, db):
        """/schema loaded Swagger UI from a CDN and was blank on an intranet."""
        page = client.get("/schema")
        assert page.status_code == 200
        assets = re.findall(r'(?:src|href)=["\']([^"\']+)["\']', page.text)
        assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in assets
        assert "/static/vendor/swagger-ui/swagger-ui.css" in assets
        assert not [a for a in assets if "//" in a], assets  # nothing from another host
        for asset in assets:
            assert client.get(asset).status_code == 200, asset
        # The start-up script runs under the strict policy: it carries the nonce, no 'unsafe-inline'.
        policy = page.headers["content-security-policy"]
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        assert f"<script nonce='{nonce}'>" in page.text

    def test_list_filters_are_documented_and_read_as_the_pages_read_them(self, client, db, world):
        schema = client.get("/schema/openapi.json").json()
        documented = {
            p: {q["name"] for q in schema["paths"][p]["get"]["parameters"]} for p in ("/api/partners", "/api/projects")
        }
        assert documented["/api/partners"] >= {"q", "kind", "locality", "status", "agreement", "page"}
        assert documented["/api/projects"] >= {"q", "locality", "category", "status", "partner_id", "page"}
        login(client, world["owner"].email)
        # A word search longer than the pages keep is cut the same way: the first 100 characters.
        long_words = "own" + " " * 97 + "nothing-like-this"
        assert client.get("/api/partners", params={"q": long_words}).json()["total"] == 1
        assert client.get("/api/partners", params={"page": 0}).status_code == 400


class TestWriting:
    def test_coordinator_creates_a_partner(self, client, db, world):
        login(client, world["coordinator"].email)
        response = api(client, "POST", "/api/partners", json=partner_data(db, name="API Group", postcode="wf1 1aa"))
        assert response.status_code == 201
        assert response.json()["postcode"] == "WF1 1AA" and response.json()["preferred_supplier"] is True

    def test_partner_creates_and_submits_a_project(self, client, db, world):
        login(client, world["owner"].email)
        created = api(client, "POST", "/api/projects", json=project_data(db, world["own"].id, title="API Project"))
        assert created.status_code == 201, created.text
        project_id = created.json()["id"]
        moved = api(client, "POST", f"/api/projects/{project_id}/status", json={"status": "submitted"})
        assert moved.status_code == 200 and moved.json()["status"] == "submitted"
        refused = api(client, "POST", f"/api/projects/{project_id}/status", json={"status": "funded"})
        assert refused.status_code == 403

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"postcode": "NOT A POSTCODE"}, "postcode"),
            ({"total_cost_pence": -100}, "total_cost_pence"),
            ({"total_cost_pence": "a lot"}, "total_cost_pence"),
            ({"title": "x" * 500}, "title"),
            ({"categories": ["juggling"]}, "categories"),
        ],
    )
    def test_bad_project_input_is_400_with_the_field_named(self, client, db, world, change, field):
        login(client, world["owner"].email)
        response = api(client, "POST", "/api/projects", json=project_data(db, world["own"].id, **change))
        assert response.status_code == 400
        body = response.json()
        assert field in {key.split(".")[0] for key in body["errors"]}, body
        assert db.exec(select(func.count()).select_from(Project)).one() == 1

    def test_rule_breaking_input_is_422_with_field_errors(self, client, db, world):
        login(client, world["owner"].email)
        response = api(client, "POST", "/api/projects", json=project_data(db, world["own"].id, locality_id=9999))
        assert response.status_code == 422
        assert response.json()["errors"] == {"locality_id": "Choose a locality from the list."}

    def test_malformed_json_is_400(self, client, db, world):
        login(client, world["owner"].email)
        response = api(
            client, "POST", "/api/projects", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert response.status_code == 400


class TestWriteAccess:
    @pytest.mark.parametrize("role", [Role.PARTNER, Role.CHAMPION, Role.COLLECTIVE_MEMBER, Role.REPORTER])
    def test_partner_writes_by_others_are_403(self, client, db, world, role):
        extra = {"partner_id": world["own"].id} if role == Role.PARTNER else {}
        if role == Role.COLLECTIVE_MEMBER:
            extra = {"locality_id": locality_id(db)}
        login(client, make_user(db, role, **extra).email)
        target = world["other"]
        assert (
            api(client, "PUT", f"/api/partners/{target.id}", json=partner_data(db, name="Hijacked")).status_code == 403
        )
        assert api(client, "POST", "/api/partners", json=partner_data(db, name="Sneaky")).status_code == 403
        assert api(client, "POST", f"/api/partners/{target.id}/approve").status_code == 403
        assert api(client, "POST", f"/api/partners/{target.id}/archive").status_code == 403
        db.refresh(target)
        assert (target.name, target.status) == ("Other Group", "approved")
        assert db.exec(select(func.count()).select_from(Partner)).one() == 2

    @pytest.mark.parametrize("role", [Role.PARTNER, Role.CHAMPION, Role.COLLECTIVE_MEMBER, Role.REPORTER])
    def test_project_writes_by_others_are_403(self, client, db, world, role):
        extra = {"partner_id": world["other"].id} if role == Role.PARTNER else {}
        if role == Role.COLLECTIVE_MEMBER:
            extra = {"locality_id": locality_id(db)}
        login(client, make_user(db, role, **extra).email)
        project = world["project"]
        body = project_data(db, world["own"].id, title="Hijacked")
        assert api(client, "PUT", f"/api/projects/{project.id}", json=body).status_code == 403
        assert (
            api(client, "POST", f"/api/projects/{project.id}/status", json={"status": "withdrawn"}).status_code == 403
        )
        assert api(client, "POST", "/api/projects", json=body).status_code == 403
        db.refresh(project)
        assert (project.title, project.status) == ("Own Project", "draft")

    def test_partner_user_updates_its_own_partner_but_not_its_agreement(self, client, db, world):
        login(client, world["owner"].email)
        body = partner_data(db, name="Own Group Renamed", agreement_status="none", agreement_signed_on=None)
        response = api(client, "PUT", f"/api/partners/{world['own'].id}", json=body)
        assert response.status_code == 200
        assert response.json()["name"] == "Own Group Renamed"
        assert response.json()["agreement_status"] == "signed"
