"""A reporter's work is never lost: forms are corrected or replaced with their history kept."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from creative_minds.accounts.models import Role
from creative_minds.audit.models import AuditEvent
from creative_minds.exceptions import Forbidden, Invalid
from stories.participants import service as participants
from stories.scores import service as scores
from stories.scores.forms import ScoreInput
from stories.scores.models import WellbeingScore, WellbeingScoreRevision
from tests.stories.test_routes import score_form
from tests.utils import login, make_user, post_form

MISSED_THIRD = [4, 4, None, 3, 3, 2, 4]
ALL_SEVEN = [4, 4, 3, 3, 3, 2, 4]  # raw 23, metric 20.73


def _input(project_id, kind, items, on):
    return ScoreInput(
        project_id=project_id, kind=kind, completed_on=on, **{f"item_{i}": v for i, v in enumerate(items, start=1)}
    )


def _checked(html: str, name: str, value) -> bool:
    return f'name="{name}" value="{value}" checked' in html


class TestService:
    def test_replacing_an_incomplete_follow_up_keeps_the_earlier_version(self, db, people):
        person = people.participant()
        people.score(person, "baseline", ALL_SEVEN)
        first = people.score(person, "follow_up", MISSED_THIRD)
        assert not first.is_scored and first.missing_items == [3]
        data = _input(people.project.id, "follow_up", ALL_SEVEN, date.today() - timedelta(days=1))
        with pytest.raises(scores.AlreadyRecorded) as refused:
            scores.record_score(db, person, data, by=people.reporter)
        assert "statement 3 unanswered" in refused.value.message
        db.rollback()
        person = participants.get_participant(db, person.id, by=people.reporter)
        fixed = scores.record_score(
            db, person, data, by=people.reporter, replace=True, reason="Statement 3 was missed when typing"
        )
        db.commit()
        assert fixed.id == first.id and (fixed.raw_score, fixed.metric_score) == (23, Decimal("20.73"))
        (old,) = db.exec(select(WellbeingScoreRevision).where(WellbeingScoreRevision.score_id == fixed.id)).all()
        assert (old.item_3, old.raw_score, old.replaced_by_id) == (None, None, people.reporter.id)
        assert old.reason == "Statement 3 was missed when typing" and old.recorded_by_id == people.reporter.id
        trail = db.exec(select(AuditEvent).where(AuditEvent.subject == "score", AuditEvent.action == "change")).all()
        assert [e.subject_label for e in trail] == [person.code] and "Statement 3 was missed" in trail[0].detail

    def test_a_reason_is_needed(self, db, people):
        person = people.participant()
        score = people.score(person, "baseline", MISSED_THIRD)
        with pytest.raises(Invalid) as caught:
            scores.correct_score(
                db,
                person,
                score,
                _input(people.project.id, "baseline", ALL_SEVEN, score.completed_on),
                reason="",
                by=people.reporter,
            )
        assert "reason" in caught.value.errors

    def test_only_the_reporter_who_entered_it_or_a_coordinator(self, db, people):
        person = people.participant()
        score = people.score(person, "baseline", MISSED_THIRD)
        other = make_user(db, Role.REPORTER)
        participants.assign(db, other.id, project_id=people.project.id, by=people.coordinator)
        db.commit()
        data = _input(people.project.id, "baseline", ALL_SEVEN, score.completed_on)
        with pytest.raises(Forbidden):
            scores.correct_score(db, person, score, data, reason="I saw the paper form", by=other)
        scores.correct_score(db, person, score, data, reason="The paper form has statement 3", by=people.coordinator)
        db.commit()
        assert db.get(WellbeingScore, score.id).raw_score == 23

    def test_a_corrected_baseline_cannot_move_after_its_follow_up(self, db, people):
        person = people.participant()
        baseline = people.score(person, "baseline", ALL_SEVEN, on=date.today() - timedelta(days=90))
        people.score(person, "follow_up", ALL_SEVEN, on=date.today() - timedelta(days=10))
        with pytest.raises(Invalid) as caught:
            scores.correct_score(
                db,
                person,
                baseline,
                _input(people.project.id, "baseline", ALL_SEVEN, date.today() - timedelta(days=5)),
                reason="Wrong date typed",
                by=people.reporter,
            )
        assert "follow-up was on" in caught.value.errors["completed_on"]

    def test_form_type_defaults_to_follow_up_once_a_baseline_exists_and_project_is_preselected(self, db, people):
        person = people.participant()
        person = participants.get_participant(db, person.id, by=people.reporter)
        assert scores.form_defaults(person)["kind"] == "baseline"
        assert scores.form_defaults(person)["project_id"] == people.project.id
        people.score(person, "baseline", ALL_SEVEN)
        db.expire_all()
        person = participants.get_participant(db, person.id, by=people.reporter)
        assert (scores.form_defaults(person)["kind"], scores.form_defaults(person)["project_id"]) == (
            "follow_up",
            people.project.id,
        )


class TestPages:
    def test_refused_save_reshows_typed_answers_then_replaces_with_history(self, client, db, people):
        person = people.participant()
        people.score(person, "baseline", ALL_SEVEN)
        people.score(person, "follow_up", MISSED_THIRD)
        login(client, people.reporter.email)
        url = f"/participants/{person.id}/scores/new"
        typed = score_form(people.project.id, "follow_up", items=(5, 4, 2, 3, 3, 2, 4), on=str(date.today()))
        refused = post_form(client, url, typed)
        assert refused.status_code == 422
        assert "already has a follow-up" in refused.text and "statement 3 unanswered" in refused.text
        assert _checked(refused.text, "item_1", 5) and _checked(refused.text, "item_3", 2)  # nothing typed is lost
        no_reason = post_form(client, url, {**typed, "replace": "on"})
        assert no_reason.status_code == 422 and _checked(no_reason.text, "item_3", 2)
        done = post_form(client, url, {**typed, "replace": "on", "reason": "Statement 3 was missed"})
        assert done.status_code == 303
        page = client.get(f"/participants/{person.id}")
        assert "History (1 earlier version)" in page.text and "Statement 3 was missed" in page.text
        assert people.reporter.full_name in page.text
        saved = db.exec(select(WellbeingScore).where(WellbeingScore.kind == "follow_up")).one()
        db.refresh(saved)
        assert saved.raw_score == 23  # 5+4+2+3+3+2+4

    def test_new_form_preselects_project_and_follow_up(self, client, db, people):
        person = people.participant()
        people.score(person, "baseline", ALL_SEVEN)
        login(client, people.reporter.email)
        page = client.get(f"/participants/{person.id}/scores/new")
        assert f'<option value="{people.project.id}" selected>' in page.text
        assert '<option value="follow_up" selected>' in page.text

    def test_correct_page_for_the_reporter_refused_for_another(self, client, db, people):
        person = people.participant()
        score = people.score(person, "baseline", MISSED_THIRD)
        other = make_user(db, Role.REPORTER)
        participants.assign(db, other.id, project_id=people.project.id, by=people.coordinator)
        db.commit()
        url = f"/participants/{person.id}/scores/{score.id}/edit"
        login(client, other.email)
        assert client.get(url).status_code == 403
        assert post_form(client, url, {**score_form(people.project.id), "reason": "mine now"}).status_code == 403
        login(client, people.reporter.email)
        page = client.get(url)
        assert page.status_code == 200 and _checked(page.text, "item_1", 4) and not _checked(page.text, "item_3", 3)
        form = {
            **score_form(people.project.id, items=ALL_SEVEN, on=str(score.completed_on)),
            "completion_mode": "read_out",
        }
        assert post_form(client, url, form).status_code == 422  # no reason given
        assert post_form(client, url, {**form, "reason": "Statement 3 found on paper"}).status_code == 303
        db.refresh(score)
        assert (score.raw_score, score.completion_mode) == (23, "read_out")
        assert client.get(f"/participants/{person.id}/scores/999999/edit").status_code == 404
