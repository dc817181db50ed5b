"""Project pages: add, edit, list, status buttons, bad input and who may do what."""

from __future__ import annotations

import re

import pytest
from sqlmodel import func, select

from creative_minds.accounts.models import Role
from projects.models import Project
from tests.utils import field_error, locality_id, login, make_partner, make_project, make_user, post_form


def form(db, **changes):
    data = {
        "locality_id": str(locality_id(db)),
        "title": "Pottery for Calm",
        "description": "Hand-building with clay.",
        "categories": ["pottery", "arts_crafts"],
        "condition_focus": "open_to_all",
        "postcode": "hd1 2ab",
        "day_of_week": "WE",
        "starts_at": "13:30",
        "ends_at": "15:30",
        "frequency": "weekly",
        "cost_to_attend": "",
        "total_cost": "2,500.50",
        "match": "1000",
        "requested": "1500.50",
        "wheelchair_accessible": "on",
    }
    data.update(changes)
    return data


def project_count(db) -> int:
    return db.exec(select(func.count()).select_from(Project)).one()


@pytest.fixture
def group(db):
    coordinator = make_user(db)
    partner = make_partner(db, coordinator)
    return coordinator, partner, make_user(db, Role.PARTNER, partner_id=partner.id)


class TestAddProject:
    def test_partner_adds_a_project_and_sees_it_in_the_list(self, client, db, group):
        _, partner, owner = group
        login(client, owner.email)
        response = post_form(client, "/projects/new", form(db))
        assert response.status_code == 303
        project = db.exec(select(Project)).one()
        assert (project.partner_id, project.status) == (partner.id, "draft")
        assert (project.total_cost_pence, project.match_pence, project.requested_pence) == (250_050, 100_000, 150_050)
        assert project.cost_to_attend_pence == 0 and project.wheelchair_accessible
        detail = client.get(response.headers["location"])
        assert "£2,500.50" in detail.text and "Free" in detail.text
        listing = client.get("/projects")
        assert "Pottery for Calm" in listing.text

    def test_back_then_save_does_not_add_a_second_project(self, client, db, group):
        login(client, group[2].email)
        page = client.get("/projects/new")
        token = re.search(r'name="form_once" value="([^"]+)"', page.text).group(1)
        first = post_form(client, "/projects/new", form(db, form_once=token))
        assert first.status_code == 303
        again = post_form(client, "/projects/new", form(db, form_once=token))
        assert again.status_code == 303 and again.headers["location"] == first.headers["location"]
        assert project_count(db) == 1
        assert "saved the first time, so nothing new was added" in client.get(again.headers["location"]).text
        # Back can reload the form with a new token while the browser puts back what was typed: the same
        # answers again are the same send.
        fresh = re.search(r'name="form_once" value="([^"]+)"', client.get("/projects/new").text).group(1)
        assert fresh != token
        reloaded = post_form(client, "/projects/new", form(db, form_once=fresh))
        assert reloaded.headers["location"] == first.headers["location"] and project_count(db) == 1
        # A new form with other answers adds a new project.
        newer = re.search(r'name="form_once" value="([^"]+)"', client.get("/projects/new").text).group(1)
        other = post_form(client, "/projects/new", form(db, form_once=newer, title="Pottery for Calm (evenings)"))
        assert other.status_code == 303 and other.headers["location"] != first.headers["location"]
        assert project_count(db) == 2

    def test_a_form_with_mistakes_keeps_its_token_and_saves_once_corrected(self, client, db, group):
        login(client, group[2].email)
        token = re.search(r'name="form_once" value="([^"]+)"', client.get("/projects/new").text).group(1)
        wrong = post_form(client, "/projects/new", form(db, form_once=token, total_cost="lots"))
        assert wrong.status_code == 422 and f'name="form_once" value="{token}"' in wrong.text
        assert post_form(client, "/projects/new", form(db, form_once=token)).status_code == 303
        assert project_count(db) == 1

    def test_partner_id_in_the_form_cannot_point_at_another_group(self, client, db, group):
        coordinator, _, owner = group
        other = make_partner(db, coordinator, name="Other Group")
        login(client, owner.email)
        post_form(client, "/projects/new", form(db, partner_id=str(other.id)))
        assert db.exec(select(Project)).one().partner_id == owner.partner_id

    @pytest.mark.parametrize(
        ("field", "value", "error_field", "message"),
        [
            ("total_cost", "-5", "total_cost_pence", "cannot be negative"),
            ("total_cost", "lots", "total_cost_pence", "numbers only"),
            ("match", "12.345", "match_pence", "numbers only"),
            ("total_cost", "£1,2,3,4", "total_cost_pence", "Check the commas"),
            ("match", "1,00", "match_pence", "Check the commas"),
            ("requested", "5000", "requested_pence", "cannot be more than the total cost"),
            ("postcode", "HD1 XYZ", "postcode", "not a full UK postcode"),
            ("title", "x" * 201, "title", "200 characters or fewer"),
            ("capacity", "0", "capacity", "1 or more"),
            ("starts_at", "25:99", "starts_at", "Enter a time"),
            ("categories", [], "categories", "Choose at least one"),
            ("locality_id", "9999", "locality_id", "Choose a locality"),
        ],
    )
    def test_bad_input_is_shown_beside_the_field_and_nothing_is_saved(
        self, client, db, group, field, value, error_field, message
    ):
        login(client, group[2].email)
        response = post_form(client, "/projects/new", form(db, **{field: value}))
        assert response.status_code == 422
        shown = field_error(response.text, error_field.replace("_pence", "")) or ""
        assert message in shown
        assert project_count(db) == 0

    def test_typed_money_is_kept_when_the_form_comes_back(self, client, db, group):
        login(client, group[2].email)
        response = post_form(client, "/projects/new", form(db, total_cost="lots", postcode="nope"))
        assert 'value="lots"' in response.text
        assert 'value="Pottery for Calm"' in response.text

    def test_script_in_the_description_is_escaped(self, client, db, group):
        login(client, group[2].email)
        response = post_form(client, "/projects/new", form(db, description='<img src=x onerror="alert(1)">'))
        page = client.get(response.headers["location"])
        assert "<img src=x onerror" not in page.text
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page.text


class TestEditAndStatus:
    def test_owner_edits_and_submits(self, client, db, group):
        _, partner, owner = group
        project = make_project(db, partner, owner)
        login(client, owner.email)
        response = post_form(client, f"/projects/{project.id}/edit", form(db, title="Renamed"))
        assert response.status_code == 303
        assert post_form(client, f"/projects/{project.id}/status", {"status": "submitted"}).status_code == 303
        db.refresh(project)
        assert (project.title, project.status) == ("Renamed", "submitted")

    def test_an_edit_refused_because_the_project_was_withdrawn_keeps_what_was_typed(self, client, db, group):
        _, partner, owner = group
        project = make_project(db, partner, owner)
        project.status = "withdrawn"
        db.add(project)
        db.commit()
        login(client, owner.email)
        response = post_form(client, f"/projects/{project.id}/edit", form(db, title="Renamed while withdrawn"))
        assert response.status_code == 409
        assert "Go to the home page" not in response.text
        assert "so it can no longer be changed" in response.text
        assert 'value="Renamed while withdrawn"' in response.text
        assert '<a href="#__all__">' not in response.text
        db.refresh(project)
        assert project.title != "Renamed while withdrawn"

    def test_edit_form_shows_saved_values_in_pounds(self, client, db, group):
        _, partner, owner = group
        project = make_project(db, partner, owner, total_cost_pence=1_234_56 * 10)
        login(client, owner.email)
        page = client.get(f"/projects/{project.id}/edit")
        assert 'value="12345.60"' in page.text

    def test_invalid_status_move_is_a_clear_409(self, client, db, group):
        coordinator, partner, owner = group
        project = make_project(db, partner, owner)
        login(client, coordinator.email)
        response = post_form(client, f"/projects/{project.id}/status", {"status": "completed"})
        assert response.status_code == 409
        assert "cannot become completed" in response.text
        unknown = post_form(client, f"/projects/{project.id}/status", {"status": "flying"})
        assert unknown.status_code == 422

    def test_unknown_project_is_404(self, client, db, group):
        login(client, group[0].email)
        assert client.get("/projects/999999").status_code == 404
        assert post_form(client, "/projects/999999/edit", form(db)).status_code == 404


class TestWriteAccess:
    @pytest.fixture
    def others(self, db, group):
        coordinator, partner, owner = group
        project = make_project(db, partner, owner, title="Owned Project")
        project.status = "submitted"
        db.commit()
        stranger_group = make_partner(db, coordinator, name="Stranger Group")
        return project, {
            "stranger": make_user(db, Role.PARTNER, partner_id=stranger_group.id),
            "champion": make_user(db, Role.CHAMPION),
            "member": make_user(db, Role.COLLECTIVE_MEMBER, locality_id=locality_id(db)),
            "reporter": make_user(db, Role.REPORTER),
        }

    @pytest.mark.parametrize("who", ["stranger", "champion", "member", "reporter"])
    def test_only_the_owner_or_a_coordinator_changes_a_project(self, client, db, others, who):
        project, users = others
        login(client, users[who].email)
        assert post_form(client, f"/projects/{project.id}/edit", form(db, title="Hijacked")).status_code == 403
        assert post_form(client, f"/projects/{project.id}/status", {"status": "withdrawn"}).status_code == 403
        assert client.get(f"/projects/{project.id}/edit").status_code == 403
        db.refresh(project)
        assert (project.title, project.status) == ("Owned Project", "submitted")

    @pytest.mark.parametrize("who", ["champion", "member", "reporter"])
    def test_only_partners_and_coordinators_add_projects(self, client, db, others, who):
        _, users = others
        login(client, users[who].email)
        assert post_form(client, "/projects/new", form(db)).status_code == 403
        assert project_count(db) == 1
