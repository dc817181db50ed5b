"""Stories pages over HTTP: who sees what, bad input, consent, the report and its CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlmodel import func, select

from creative_minds.accounts.models import Role
from stories.participants.models import Participant
from stories.scores.models import WellbeingScore
from tests.stories.test_service import _items
from tests.utils import field_error, login, make_partner, make_project, make_user, post_form


def score_form(project_id, kind="baseline", items=(3, 3, 3, 3, 3, 3, 3), on="2026-08-01"):
    data = {"project_id": str(project_id), "kind": kind, "completed_on": on}
    data.update({f"item_{i}": str(v) for i, v in enumerate(items, start=1) if v is not None})
    return data


class TestAccess:
    @pytest.mark.parametrize("role", [Role.CHAMPION, Role.COLLECTIVE_MEMBER])
    def test_others_cannot_see_or_write_participant_records(self, client, db, people, role):
        person = people.participant()
        extra = {"locality_id": people.project.locality_id} if role == Role.COLLECTIVE_MEMBER else {}
        login(client, make_user(db, role, **extra).email)
        assert client.get("/participants").status_code == 403
        assert client.get(f"/participants/{person.id}").status_code == 403
        assert client.get("/reports/evaluation").status_code == 403
        assert (
            post_form(client, f"/participants/{person.id}/scores/new", score_form(people.project.id)).status_code == 403
        )
        assert post_form(client, f"/participants/{person.id}/erase", {"confirm": person.code}).status_code == 403
        assert post_form(client, "/participants/new", {}).status_code == 403
        assert db.get(Participant, person.id) is not None

    def test_signed_out_people_see_only_public_stories(self, client, db, people):
        assert client.get("/participants", follow_redirects=False).status_code == 303
        assert client.get("/stories").status_code == 200


class TestForms:
    def test_reporter_records_a_baseline_and_sees_the_scores(self, client, db, people):
        person = people.participant()
        login(client, people.reporter.email)
        response = post_form(
            client, f"/participants/{person.id}/scores/new", score_form(people.project.id, items=(4, 4, 3, 3, 3, 2, 4))
        )
        assert response.status_code == 303
        page = client.get(response.headers["location"])
        assert "raw score 23, metric score 20.73" in page.text

    def test_form_shows_the_official_attribution(self, client, db, people):
        person = people.participant()
        login(client, people.reporter.email)
        page = client.get(f"/participants/{person.id}/scores/new")
        assert "NHS Health Scotland, University of Warwick and University of Edinburgh" in page.text
        assert "I&#39;ve been able to make up my own mind about things" in page.text

    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"item_3": "6"}, "item_3", "5 or less"),
            ({"item_3": "0"}, "item_3", "1 or more"),
            ({"item_3": "often"}, "item_3", "whole number"),
            ({"kind": "follow_up"}, "kind", "baseline"),
            ({"completed_on": "2999-01-01"}, "completed_on", "future"),
            ({"project_id": "999999"}, "project_id", "participant"),
        ],
    )
    def test_bad_score_input(self, client, db, people, change, field, message):
        person = people.participant()
        login(client, people.reporter.email)
        data = score_form(people.project.id)
        data.update(change)
        response = post_form(client, f"/participants/{person.id}/scores/new", data)
        assert response.status_code == 422
        assert message in (field_error(response.text, field) or "")
        assert db.exec(select(func.count()).select_from(WellbeingScore)).one() == 0

    def test_incomplete_form_is_saved_and_says_so(self, client, db, people):
        person = people.participant()
        login(client, people.reporter.email)
        response = post_form(
            client,
            f"/participants/{person.id}/scores/new",
            score_form(people.project.id, items=(3, 3, None, 3, 3, 3, 3)),
        )
        assert "not scored" in client.get(response.headers["location"]).text

    def test_erase_needs_the_code_typed(self, client, db, people):
        person = people.participant()
        person_id, code = person.id, person.code
        login(client, people.coordinator.email)
        refused = post_form(
            client, f"/participants/{person_id}/erase", {"confirm": "wrong", "reason": "They asked us to."}
        )
        assert refused.status_code == 422
        assert "They asked us to." in refused.text  # what was typed is kept
        no_reason = post_form(client, f"/participants/{person_id}/erase", {"confirm": code})
        assert no_reason.status_code == 422 and "Say why you are erasing" in no_reason.text
        assert (
            post_form(
                client, f"/participants/{person_id}/erase", {"confirm": code.lower(), "reason": "They asked us to."}
            ).status_code
            == 303
        )
        db.expire_all()
        assert db.exec(select(func.count()).select_from(Participant)).one() == 0


class TestStoriesAndConsent:
    def test_story_published_then_withdrawn(self, client, db, people):
        person = people.participant()
        login(client, people.reporter.email)
        response = post_form(
            client,
            f"/participants/{person.id}/stories/new",
            {
                "project_id": str(people.project.id),
                "text": "I <b>never</b> thought I'd enjoy clay this much.",
                "themes": ["hope", "identity"],
                "consent": "public_first_name",
                "first_name": "Jo",
            },
        )
        story_url = response.headers["location"]
        assert "Jo" not in client.get("/stories").text
        client.cookies.clear()
        login(client, people.coordinator.email)
        post_form(client, f"{story_url}/review", {"decision": "publish"})
        public = client.get("/stories", params={"theme": "hope"}).text
        assert "I &lt;b&gt;never&lt;/b&gt; thought" in public and "– Jo, Clay and Calm" in public
        assert "Jo" not in client.get("/stories", params={"theme": "meaning"}).text
        post_form(client, f"{story_url}/consent", {"consent": "not_for_sharing"})
        assert "never" not in client.get("/stories").text
        assert post_form(client, f"{story_url}/review", {"decision": "publish"}).status_code == 409

    def test_bad_story_input(self, client, db, people):
        person = people.participant()
        login(client, people.reporter.email)
        response = post_form(
            client,
            f"/participants/{person.id}/stories/new",
            {
                "project_id": str(people.project.id),
                "text": "short",
                "consent": "public_first_name",
                "media_url": "javascript:alert(1)",
            },
        )
        assert response.status_code == 422
        assert "at least 10" in field_error(response.text, "text")


def download(client, reason="Quarterly return to the trust board", **scope):
    return post_form(client, "/reports/evaluation.csv", {**{k: str(v) for k, v in scope.items()}, "reason": reason})


class TestReportPages:
    def test_evaluation_csv_names_its_charset_once(self, client, db, people):
        for before, after in [(12, 19), (18, 22), (21, 21), (24, 28), (15, 14)]:
            people.pair(_items(before), _items(after), sex="Female")
        login(client, people.reporter.email)
        response = download(client, project_id=people.project.id)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"

    def test_report_shows_the_paired_change_and_csv(self, client, db, people):
        raws = [(12, 19), (18, 22), (21, 21), (24, 28), (15, 14)]
        for before, after in raws:
            people.pair(_items(before), _items(after), sex="Female")
        login(client, people.reporter.email)
        page = client.get("/reports/evaluation", params={"project_id": people.project.id})
        assert "Paired change in metric SWEMWBS score, n = 5" in page.text
        assert "+1.88" in page.text and "−0.63 to +4.40" in page.text and "+10.7% (n = 5)" in page.text
        assert "<svg" in page.text and "<title>Change in each person&#39;s wellbeing score</title>" in page.text
        rows = list(csv.reader(io.StringIO(download(client, project_id=people.project.id).text)))
        assert rows[0][0] == "Project" and len(rows) == 6
        assert sorted(row[9] for row in rows[1:]) == sorted(["3.90", "2.55", "0.00", "3.49", "-0.52"])
        assert not any(cell.startswith("P-") for row in rows for cell in row)  # no participant codes

    def test_small_numbers_hide_figures_and_csv(self, client, db, people):
        people.pair(_items(12), _items(19))
        login(client, people.reporter.email)
        page = client.get("/reports/evaluation")
        assert "Fewer than 5 people have both a baseline and a follow-up here" in page.text
        assert "Mean score before" not in page.text
        assert download(client).status_code == 422

    def test_bad_report_parameters(self, client, db, people):
        login(client, people.reporter.email)
        assert client.get("/reports/evaluation", params={"year": "yesterday"}).status_code == 422
        assert client.get("/reports/evaluation", params={"mode": "telepathy"}).status_code == 422
        assert client.get("/reports/evaluation", params={"project_id": "one"}).status_code == 422
        assert client.get("/reports/annual", params={"year": "nineteen"}).status_code == 422
        assert client.get("/reports/annual", params={"year": "2026"}).status_code == 200


class TestProjectChooser:
    """823 checkboxes with 198 repeated titles became a search that tells projects apart (no script needed)."""

    @pytest.fixture
    def twins(self, db, people):
        coordinator = people.coordinator
        halifax = make_partner(db, coordinator, name="Halifax Arts")
        dewsbury = make_partner(db, coordinator, name="Dewsbury Arts")
        made = []
        for partner, venue, postcode, day in (
            (halifax, "Square Chapel", "HX1 1QG", "TU"),
            (dewsbury, "Town Hall", "WF13 1AA", "TH"),
        ):
            project = make_project(
                db, partner, coordinator, title="Open Choir", venue_name=venue, postcode=postcode, day_of_week=day
            )
            project.status = "active"
            made.append(project)
        draft = make_project(db, halifax, coordinator, title="Open Choir Draft")
        db.commit()
        return made + [draft]

    def test_search_finds_by_words_day_and_shows_what_tells_them_apart(self, client, db, people, twins):
        login(client, people.reporter.email)
        page = client.get("/participants/new")
        assert page.status_code == 200 and 'name="project_ids"' not in page.text  # no wall of checkboxes
        found = post_form(client, "/participants/new", {"project_q": "choir", "find_projects": "1", "age_band": ""})
        assert found.status_code == 200
        labels = re.findall(r'<label for="project_ids-\d+">(.*?)</label>', found.text)
        assert labels == [
            "<strong>Open Choir</strong> – Dewsbury Arts · Town Hall, WF13 1AA · Thursday 10:00",
            "<strong>Open Choir</strong> – Halifax Arts · Square Chapel, HX1 1QG · Tuesday 10:00",
        ]
        assert "Open Choir Draft" not in found.text  # only running projects
        tuesday = post_form(client, "/participants/new", {"project_q": "choir tue", "find_projects": "1"})
        assert re.findall(r'<label for="project_ids-\d+">(.*?)</label>', tuesday.text) == [labels[1]]
        halifax = post_form(client, "/participants/new", {"project_q": "HALIFAX chapel", "find_projects": "1"})
        assert re.findall(r'<label for="project_ids-\d+">(.*?)</label>', halifax.text) == [labels[1]]

    def test_ticks_survive_another_search_and_are_saved(self, client, db, people, twins):
        login(client, people.reporter.email)
        halifax_choir, dewsbury_choir = twins[0], twins[1]
        first = {"project_ids": [str(halifax_choir.id)], "project_q": "dewsbury", "find_projects": "1"}
        page = post_form(client, "/participants/new", {**first, "sex": "Female"})
        assert f'value="{halifax_choir.id}" checked' in page.text  # still ticked
        assert f'value="{dewsbury_choir.id}">' in page.text  # found, not ticked
        assert '<option value="Female" selected>' in page.text  # other answers kept
        saved = post_form(client, "/participants/new", {"project_ids": [str(halifax_choir.id), str(dewsbury_choir.id)]})
        assert saved.status_code == 303
        person = db.exec(select(Participant).order_by(Participant.id.desc())).first()
        db.refresh(person)
        assert sorted(link.project_id for link in person.project_links) == sorted([halifax_choir.id, dewsbury_choir.id])

    def test_filters_tell_projects_apart(self, client, db, people, twins):
        login(client, people.coordinator.email)
        page = client.get("/reports/evaluation")
        assert "Open Choir – Halifax Arts · Square Chapel, HX1 1QG · Tuesday 10:00</option>" in page.text
        assert "Open Choir – Dewsbury Arts · Town Hall, WF13 1AA · Thursday 10:00</option>" in page.text
