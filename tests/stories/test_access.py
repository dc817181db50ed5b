"""Reporters see only their own participants, erasure is a coordinator's act, and the audit trail records it all."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from creative_minds.accounts.models import Role
from creative_minds.audit.models import AppendOnly, AuditEvent
from stories.participants.models import Participant
from stories.publishing import service as publishing
from stories.publishing.forms import StoryInput
from tests.utils import locality_id, login, make_partner, make_project, make_user, post_form


@pytest.fixture
def two_reporters(people, db):
    person = people.participant()
    story = publishing.record_story(
        db,
        person,
        StoryInput(project_id=people.project.id, text="Clay helps.", consent="public_anonymous"),
        by=people.reporter,
    )
    db.commit()
    other = make_user(db, Role.REPORTER, full_name="Other Reporter")
    return person, story, other


class TestReporterScope:
    def test_another_reporter_cannot_list_read_change_or_erase(self, client, people, db, two_reporters):
        person, story, other = two_reporters
        login(client, other.email)
        assert person.code not in client.get("/participants").text
        for url in (f"/participants/{person.id}", f"/participants/{person.id}/edit", f"/stories/{story.id}"):
            assert client.get(url).status_code == 403, url
        assert post_form(client, f"/stories/{story.id}/consent", {"consent": "not_for_sharing"}).status_code == 403
        assert (
            post_form(
                client, f"/participants/{person.id}/erase", {"confirm": person.code, "reason": "Tidying up"}
            ).status_code
            == 403
        )
        assert (
            post_form(
                client,
                f"/participants/{person.id}/scores/new",
                {
                    "project_id": people.project.id,
                    "kind": "baseline",
                    "completed_on": "2026-01-05",
                    **{f"item_{i}": "3" for i in range(1, 8)},
                },
            ).status_code
            == 403
        )
        db.expire_all()
        assert db.get(Participant, person.id) is not None
        assert publishing.get_story(db, story.id, by=people.coordinator).consent == "public_anonymous"

    def test_the_reporter_who_recorded_them_cannot_erase_either(self, client, people, db, two_reporters):
        person, _, _ = two_reporters
        login(client, people.reporter.email)
        assert client.get(f"/participants/{person.id}").status_code == 200
        response = post_form(client, f"/participants/{person.id}/erase", {"confirm": person.code, "reason": "Asked"})
        assert response.status_code == 403
        assert db.get(Participant, person.id) is not None

    @pytest.mark.parametrize("by", ["project", "locality"])
    def test_a_coordinator_assignment_lets_another_reporter_in(self, client, people, db, two_reporters, by):
        person, _, other = two_reporters
        elsewhere = make_project(
            db,
            make_partner(db, people.coordinator, name="Elsewhere"),
            people.coordinator,
            title="Far away",
            locality_id=locality_id(db, "barnsley"),
        )
        login(client, people.coordinator.email)
        scope = {"project_id": people.project.id} if by == "project" else {"locality_id": people.project.locality_id}
        assert post_form(client, "/participants/assignments", {"reporter_id": other.id, **scope}).status_code == 303
        # An assignment elsewhere does not reach this person.
        assert (
            post_form(
                client, "/participants/assignments", {"reporter_id": other.id, "project_id": elsewhere.id}
            ).status_code
            == 303
        )
        client.cookies.clear()
        login(client, other.email)
        assert person.code in client.get("/participants").text
        assert client.get(f"/participants/{person.id}").status_code == 200

    def test_only_coordinators_assign(self, client, people, db, two_reporters):
        _, _, other = two_reporters
        login(client, people.reporter.email)
        assert client.get("/participants/assignments").status_code == 403
        assert (
            post_form(
                client, "/participants/assignments", {"reporter_id": other.id, "project_id": people.project.id}
            ).status_code
            == 403
        )


class TestAuditTrail:
    def test_reads_changes_consent_and_erasure_are_recorded_with_who_and_why(self, client, people, db, two_reporters):
        person, story, _ = two_reporters
        code, person_id = person.code, person.id
        login(client, people.reporter.email)
        client.get(f"/participants/{person_id}")
        post_form(client, f"/stories/{story.id}/consent", {"consent": "not_for_sharing"})
        client.cookies.clear()
        login(client, people.coordinator.email)
        post_form(
            client, f"/participants/{person.id}/erase", {"confirm": person.code, "reason": "The person asked us to."}
        )
        db.expire_all()
        events = db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
        seen = [(e.user_name, e.action, e.subject, e.subject_label) for e in events]
        assert (people.reporter.full_name, "read", "participant", code) in seen
        assert (people.reporter.full_name, "consent", "story", code) in seen
        erased = next(e for e in events if e.action == "erase")
        assert (erased.user_name, erased.subject_label, erased.detail) == (
            people.coordinator.full_name,
            code,
            "The person asked us to.",
        )
        assert erased.address  # from where: the test client's address
        page = client.get("/audit", params={"action": "erase"})
        assert page.status_code == 200 and code in page.text and "The person asked us to." in page.text

    @pytest.mark.parametrize("role", [Role.REPORTER, Role.CHAMPION, Role.PARTNER, Role.COLLECTIVE_MEMBER])
    def test_only_coordinators_read_the_trail(self, client, db, people, role):
        extra = (
            {"partner_id": make_partner(db, people.coordinator, name="Pottery Group").id}
            if role == Role.PARTNER
            else {}
        )
        if role == Role.COLLECTIVE_MEMBER:
            extra = {"locality_id": locality_id(db)}
        login(client, make_user(db, role, **extra).email)
        assert client.get("/audit").status_code == 403

    def test_the_trail_is_append_only_in_the_orm_and_in_the_database(self, db, engine, people):
        people.participant()
        event = db.exec(select(AuditEvent)).first()
        assert event is not None
        event.detail = "rewritten"
        with pytest.raises(AppendOnly):
            db.flush()
        db.rollback()
        for statement in ("UPDATE audit_event SET detail = 'rewritten'", "DELETE FROM audit_event"):
            with Session(engine) as raw, pytest.raises(sa.exc.DatabaseError):
                raw.execute(sa.text(statement))
                raw.commit()
        with Session(engine) as check:
            assert check.exec(select(func.count()).select_from(AuditEvent)).one() >= 1
            assert "rewritten" not in {e.detail for e in check.exec(select(AuditEvent))}
