"""The pages: each role's "needs you now", the coordinators' obligations and outbox, and everyone's
choice of what they hear about; who may use each page and who is refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from collectives.membership.models import Constituency
from creative_minds.accounts.models import Role
from creative_minds.timeutil import today
from obligations import service as obligations
from obligations.models import NotificationChoice, Obligation, OutboxMessage
from partners.models import Partner
from stories.participants import service as participants
from stories.participants.forms import ParticipantInput
from stories.scores import service as scores
from stories.scores.forms import ScoreInput
from tests.collectives.conftest import make_network
from tests.utils import field_error, locality_id, login, make_partner, make_project, make_user, post_form

# Every role on every route: tests/test_access_matrix.py (RULES). These check what each refusal leaves.
COORDINATOR_ONLY = [("GET", "/obligations"), ("GET", "/notifications/outbox")]


@pytest.fixture
def overdue_partner(db):
    coordinator = make_user(db, email="coord@example.org")
    partner = make_partner(
        db,
        coordinator,
        name="Halifax Harmonies",
        insurance_expires_on=(today() - timedelta(days=3)).isoformat(),
        safeguarding_review_due_on=(today() + timedelta(days=300)).isoformat(),
    )
    owner = make_user(db, Role.PARTNER, partner_id=partner.id, email="harmonies@example.org")
    obligations.remind(db)
    db.commit()
    return coordinator, partner, owner


def _obligation(db, kind: str) -> Obligation:
    db.expire_all()
    return db.exec(select(Obligation).where(Obligation.kind == kind)).one()


class TestAccess:
    @pytest.mark.parametrize("role", [Role.PARTNER, Role.COLLECTIVE_MEMBER, Role.CHAMPION, Role.REPORTER])
    def test_only_coordinators_see_obligations_and_the_outbox(self, client, db, overdue_partner, role):
        _, partner, _ = overdue_partner
        extra = {Role.PARTNER: {"partner_id": partner.id}, Role.COLLECTIVE_MEMBER: {"locality_id": locality_id(db)}}
        user = make_user(db, role, **extra.get(role, {}))
        login(client, user.email)
        for _method, url in COORDINATOR_ONLY:
            assert client.get(url).status_code == 403, url
        insurance = _obligation(db, "insurance")
        refused = post_form(client, f"/obligations/{insurance.id}/close", {"reason": "x", "waive": "on"})
        assert refused.status_code == 403
        assert _obligation(db, "insurance").state == "due"

    def test_signed_out_visitors_are_sent_to_sign_in(self, client, db, overdue_partner):
        for url in ("/obligations", "/notifications/outbox", "/notifications/choices"):
            response = client.get(url, follow_redirects=False)
            assert response.status_code in (302, 303, 401), url
            if response.status_code != 401:
                assert "/login" in response.headers["location"]

    def test_a_coordinator_sees_everything_overdue(self, client, db, overdue_partner):
        coordinator, _, _ = overdue_partner
        login(client, coordinator.email)
        page = client.get("/obligations")
        assert page.status_code == 200
        assert "Halifax Harmonies: insurance renewal" in page.text
        assert "Overdue" in page.text
        assert "Halifax Harmonies: safeguarding policy review" not in page.text  # due in 300 days


class TestClosing:
    def test_waiving_without_a_reason_is_refused_with_a_message_and_nothing_changes(self, client, db, overdue_partner):
        coordinator, _, _ = overdue_partner
        login(client, coordinator.email)
        insurance = _obligation(db, "insurance")
        response = post_form(client, f"/obligations/{insurance.id}/close", {"reason": "", "waive": "on"})
        assert response.status_code == 422
        assert "Give the reason for waiving this" in response.text
        assert _obligation(db, "insurance").state == "due"

    def test_waiving_with_a_reason_keeps_it(self, client, db, overdue_partner):
        coordinator, _, _ = overdue_partner
        login(client, coordinator.email)
        insurance = _obligation(db, "insurance")
        response = post_form(
            client, f"/obligations/{insurance.id}/close", {"reason": "Council cover until March", "waive": "on"}
        )
        assert response.status_code == 303
        kept = _obligation(db, "insurance")
        assert (kept.state, kept.reason) == ("waived", "Council cover until March")
        again = post_form(client, f"/obligations/{insurance.id}/close", {"reason": ""})
        assert again.status_code == 409

    def test_an_unknown_obligation_is_a_clear_404(self, client, db, overdue_partner):
        coordinator, _, _ = overdue_partner
        login(client, coordinator.email)
        response = post_form(client, "/obligations/999999/close", {"reason": ""})
        assert response.status_code == 404
        assert "There is no obligation number 999999." in response.text


class TestOutboxPage:
    def test_with_no_smtp_server_coordinators_read_the_waiting_messages(self, client, db, overdue_partner):
        coordinator, _, _ = overdue_partner
        login(client, coordinator.email)
        page = client.get("/notifications/outbox")
        assert page.status_code == 200
        assert "No SMTP server is set" in page.text
        assert "to harmonies@example.org: Insurance renewal overdue by 3 days" in page.text
        assert "http://127.0.0.1:8000/partners/" in page.text  # links are made whole with CM_BASE_URL


class TestChoices:
    def test_anyone_signed_in_chooses_and_the_choice_is_followed(self, client, db, overdue_partner):
        _, partner, owner = overdue_partner
        login(client, owner.email)
        assert client.get("/notifications/choices").status_code == 200
        response = post_form(
            client,
            "/notifications/choices",
            {
                "topic_votes": "email",
                "topic_applications": "digest",
                "topic_reminders": "none",
                "topic_join_requests": "email",
                "topic_stories": "email",
            },
        )
        assert response.status_code == 303
        db.expire_all()
        saved = {
            c.topic: c.delivery
            for c in db.exec(select(NotificationChoice).where(NotificationChoice.user_id == owner.id))
        }
        assert saved["reminders"] == "none" and saved["applications"] == "digest"
        fresh = db.get(Partner, partner.id)
        fresh.safeguarding_review_due_on = today() + timedelta(days=5)
        db.add(fresh)
        db.commit()
        obligations.remind(db)
        db.commit()
        to_owner = db.exec(select(OutboxMessage.subject).where(OutboxMessage.user_id == owner.id)).all()
        assert "Safeguarding policy review due in 5 days" not in to_owner

    def test_a_made_up_choice_is_refused_and_what_was_chosen_stays(self, client, db, overdue_partner):
        _, _, owner = overdue_partner
        login(client, owner.email)
        response = post_form(client, "/notifications/choices", {"topic_votes": "pigeon", "topic_stories": "none"})
        assert response.status_code == 422
        assert field_error(response.text, "topic_votes") == "Choose one of the options."
        assert 'value="none" selected' in response.text


class TestNeedsYouNow:
    def test_a_partner_sees_its_overdue_insurance_first(self, client, db, overdue_partner):
        _, _, owner = overdue_partner
        login(client, owner.email)
        home = client.get("/").text
        needs = home[home.index("Needs you now") :]
        assert "Halifax Harmonies: insurance renewal" in needs
        assert "overdue by 3 days" in needs

    def test_a_coordinator_sees_what_is_overdue_across_the_network(self, client, db, overdue_partner):
        coordinator, _, _ = overdue_partner
        login(client, coordinator.email)
        home = client.get("/").text
        assert "Insurance renewal overdue by 3 days" in home[home.index("Needs you now") :]

    def test_a_member_sees_the_open_vote_and_when_it_closes(self, client, db):
        net = make_network(db)
        member = net.add_member(Constituency.CARER)
        net.apply("Sea shanties", 200_000)
        net.round.voting_closes_on = date(2030, 1, 4)
        db.add(net.round)
        db.commit()
        net.to_voting()
        login(client, member.email)
        needs = client.get("/").text
        needs = needs[needs.index("Needs you now") :]
        assert f"Vote open: {net.round.name}" in needs
        assert "Voting closes Friday 4 January. You have not voted yet." in needs

    def test_a_reporter_sees_this_weeks_follow_ups(self, client, db):
        coordinator = make_user(db)
        reporter = make_user(db, Role.REPORTER)
        partner = make_partner(db, coordinator)
        project = make_project(db, partner, coordinator, title="Clay and Calm")
        project.status = "active"
        db.commit()
        person = participants.create_participant(db, ParticipantInput(project_ids=[project.id]), by=reporter)
        baseline = participants.add_months(today(), -3) + timedelta(days=2)  # follow-up due in 2 days
        scores.record_score(
            db,
            person,
            ScoreInput(
                project_id=project.id, kind="baseline", completed_on=baseline, **{f"item_{i}": 3 for i in range(1, 8)}
            ),
            by=reporter,
        )
        db.commit()
        login(client, reporter.email)
        needs = client.get("/").text
        needs = needs[needs.index("Needs you now") :]
        assert f"Follow-up form: {person.code}" in needs
        assert "Clay and Calm — due in 2 days" in needs
