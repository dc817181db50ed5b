"""Obligations kept in step with the records by the daily scan; reminders queued once per stage;
messages written in the change's own transaction, following each person's choice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from collectives.decisions import service as decisions
from collectives.membership import service as membership
from collectives.membership.forms import JoinInput
from collectives.membership.models import Constituency
from collectives.rounds import service as rounds
from collectives.rounds.models import Rule
from creative_minds.accounts.models import Role
from creative_minds.exceptions import Conflict, Invalid
from creative_minds.timeutil import today
from obligations import outbox
from obligations import service as obligations
from obligations.models import (
    Delivery,
    MessageState,
    NotificationChoice,
    Obligation,
    OutboxMessage,
    OverrideAction,
    RiskOverride,
)
from partners.models import Partner
from stories.participants import service as participants
from stories.participants.forms import ParticipantInput
from stories.scores import service as scores
from stories.scores.forms import ScoreInput
from tests.collectives.conftest import make_network
from tests.utils import at_once, locality_id, make_partner, make_project, make_user


def _obligations(db) -> dict[str, Obligation]:
    db.expire_all()
    return {o.key: o for o in db.exec(select(Obligation))}


def _messages(db, **where) -> list[OutboxMessage]:
    db.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(db.exec(query))


def _approved_partner(db, *, insurance: date, safeguarding: date, signed: date):
    coordinator = make_user(db)
    partner = make_partner(
        db,
        coordinator,
        name="Barnsley Bowls",
        insurance_expires_on=insurance.isoformat(),
        safeguarding_review_due_on=safeguarding.isoformat(),
        agreement_signed_on=signed.isoformat(),
    )
    owner = make_user(db, Role.PARTNER, partner_id=partner.id, email="bowls@example.org")
    return coordinator, partner, owner


class TestTheDailyScan:
    def test_each_dated_duty_of_a_partner_becomes_one_obligation_with_its_date(self, db):
        _, partner, _ = _approved_partner(
            db, insurance=date(2027, 3, 31), safeguarding=date(2027, 6, 1), signed=date(2026, 2, 28)
        )
        result = obligations.remind(db, on=date(2026, 12, 1))
        db.commit()
        found = _obligations(db)
        assert result.added == 3
        pid = partner.id
        assert found[f"insurance:p{pid}:2027-03-31"].due_on == date(2027, 3, 31)
        assert found[f"safeguarding:p{pid}:2027-06-01"].title == "Barnsley Bowls: safeguarding policy review"
        # An agreement signed on 28 February 2026 is renewed a year later.
        assert found[f"agreement:p{pid}:2027-02-28"].due_on == date(2027, 2, 28)
        assert {o.state for o in found.values()} == {"due"}

    def test_running_the_scan_twice_adds_nothing_and_queues_nothing_new(self, db):
        on = today()
        _approved_partner(db, insurance=on + timedelta(days=10), safeguarding=on - timedelta(days=3), signed=on)
        first = obligations.remind(db, on=on)
        db.commit()
        second = obligations.remind(db, on=on)
        db.commit()
        # Insurance due soon (to the group), safeguarding overdue (to the group and the coordinator).
        assert (first.added, first.reminders) == (3, 3)
        assert (second.added, second.reminders) == (0, 0)
        assert len(_obligations(db)) == 3

    def test_a_new_date_closes_the_old_obligation_and_opens_one_for_the_new_date(self, db):
        _, partner, _ = _approved_partner(
            db, insurance=date(2027, 3, 31), safeguarding=date(2027, 6, 1), signed=date(2026, 2, 28)
        )
        obligations.remind(db, on=date(2026, 12, 1))
        db.commit()
        fresh = db.get(Partner, partner.id)
        fresh.insurance_expires_on = date(2028, 3, 31)
        db.add(fresh)
        db.commit()
        result = obligations.remind(db, on=date(2026, 12, 2))
        db.commit()
        found = _obligations(db)
        assert (result.added, result.closed) == (1, 1)
        assert found[f"insurance:p{partner.id}:2027-03-31"].state == "done"
        assert found[f"insurance:p{partner.id}:2028-03-31"].state == "due"

    def test_overdue_is_a_due_obligation_whose_date_has_passed(self, db):
        on = today()
        _approved_partner(db, insurance=on - timedelta(days=1), safeguarding=on, signed=on)
        obligations.remind(db, on=on)
        db.commit()
        by_kind = {o.kind: o for o in _obligations(db).values()}
        assert by_kind["insurance"].state_label == "Overdue"
        assert by_kind["safeguarding"].state_label == "Due"  # due today is not overdue yet

    def test_a_follow_up_is_due_three_months_after_the_baseline_and_closes_when_recorded(self, db):
        coordinator = make_user(db)
        reporter = make_user(db, Role.REPORTER)
        partner = make_partner(db, coordinator)
        project = make_project(db, partner, coordinator, title="Clay and Calm")
        project.status = "active"
        db.commit()
        person = participants.create_participant(db, ParticipantInput(project_ids=[project.id]), by=reporter)
        items = {f"item_{i}": 3 for i in range(1, 8)}
        scores.record_score(
            db,
            person,
            ScoreInput(project_id=project.id, kind="baseline", completed_on=date(2026, 8, 31), **items),
            by=reporter,
        )
        db.commit()
        obligations.remind(db, on=date(2026, 11, 1))
        db.commit()
        [follow_up] = [o for o in _obligations(db).values() if o.kind == "follow_up"]
        assert follow_up.due_on == date(2026, 11, 30)  # 31 August + 3 months: the last day of November
        assert follow_up.owner_user_id == reporter.id
        scores.record_score(
            db,
            person,
            ScoreInput(project_id=project.id, kind="follow_up", completed_on=date(2026, 11, 20), **items),
            by=reporter,
        )
        db.commit()
        result = obligations.remind(db, on=date(2026, 11, 21))
        db.commit()
        assert result.closed == 1
        assert _obligations(db)[follow_up.key].state == "done"


class TestReminders:
    def test_a_renewal_is_reminded_in_14_days_then_today_then_overdue_to_coordinators_too(self, db):
        due = date(2027, 3, 31)
        coordinator, partner, _owner = _approved_partner(
            db, insurance=due, safeguarding=date(2028, 1, 1), signed=date(2026, 6, 1)
        )
        for day in (date(2027, 3, 1), date(2027, 3, 17), date(2027, 3, 18), date(2027, 3, 31), date(2027, 4, 1)):
            obligations.remind(db, on=day)
            db.commit()
        insurance = _messages(db, topic="reminders")
        assert [(m.to_address, m.subject) for m in insurance[:2]] == [
            ("bowls@example.org", "Insurance renewal due in 14 days"),
            ("bowls@example.org", "Insurance renewal due today"),
        ]
        assert sorted((m.to_address, m.subject) for m in insurance[2:]) == [
            ("bowls@example.org", "Insurance renewal overdue by 1 day"),
            (coordinator.email, "Insurance renewal overdue by 1 day"),
        ]
        assert f"{outbox.APP}/partners/{partner.id}" in insurance[0].body

    def test_members_hear_when_a_vote_opens_and_two_days_before_it_closes(self, db):
        net = make_network(db)
        member = net.add_member()
        net.apply("Walking football", 300_000)
        net.round.voting_closes_on = today() + timedelta(days=5)
        db.add(net.round)
        db.commit()
        net.to_voting()
        opened = _messages(db, to_address=member.email)
        assert [m.subject for m in opened] == [f"Voting is open: {net.round.name}"]
        obligations.remind(db, on=today() + timedelta(days=2))  # three days left: nothing yet
        obligations.remind(db, on=today() + timedelta(days=3))
        obligations.remind(db, on=today() + timedelta(days=4))
        db.commit()
        closing = [m.subject for m in _messages(db, to_address=member.email)][1:]
        assert closing == [f"Voting closes in 2 days: {net.round.name}"]


class TestEventMessages:
    def test_the_partner_hears_of_receipt_eligibility_and_the_funding_decision_with_its_reason(self, db):
        net = make_network(db, min_voters=1)
        member = net.add_member()
        net.apply("Walking football", 300_000)
        net.apply("Pottery", 200_000)
        net.to_voting()
        net.vote(member, "Walking football")
        net.advance()
        decisions.confirm_decision(db, net.round.id, Rule.GREEDY, by=net.coordinator, confirmed=True)
        db.commit()
        # Applicants hear of the outcome when the coordinator publishes it to them, not before.
        assert len(_messages(db, to_address=net.owners["Walking football"].email)) == 2
        rounds.publish_outcomes(db, net.round, by=net.coordinator)
        db.commit()
        football = [m.subject for m in _messages(db, to_address=net.owners["Walking football"].email)]
        assert football == [
            "Your application has been received",
            "Your application is eligible",
            "Your application is funded",
        ]
        [not_funded] = _messages(db, to_address=net.owners["Pottery"].email)[2:]
        assert not_funded.subject == "Your application was not funded this time"
        assert "Pottery: not funded.\nWhy: Not funded: no member approved it.\n" in not_funded.body

    def test_funded_projects_get_interim_and_final_report_dates_from_the_decision(self, db):
        net = make_network(db, min_voters=1)
        member = net.add_member()
        net.apply("Walking football", 300_000)
        net.to_voting()
        net.vote(member, "Walking football")
        net.advance()
        decisions.confirm_decision(db, net.round.id, Rule.GREEDY, by=net.coordinator, confirmed=True)
        db.commit()
        obligations.remind(db)
        db.commit()
        reports = sorted((o for o in _obligations(db).values() if o.kind == "report"), key=lambda o: o.due_on)
        decided = today()
        assert [o.title for o in reports] == [
            "Walking football: interim report on the funded project",
            "Walking football: final report on the funded project",
        ]
        assert reports[0].due_on == participants.add_months(decided, 6)
        assert reports[1].due_on == participants.add_months(decided, 12)

    def test_the_coordinator_sets_the_grant_period_and_report_months_when_confirming(self, db):
        from collectives.decisions.forms import GrantTerms

        net = make_network(db, min_voters=1)
        member = net.add_member()
        net.apply("Walking football", 300_000)
        net.to_voting()
        net.vote(member, "Walking football")
        net.advance()
        terms = GrantTerms(grant_months=18, report_months="3, 9 18")
        decisions.confirm_decision(db, net.round.id, Rule.GREEDY, by=net.coordinator, confirmed=True, terms=terms)
        db.commit()
        obligations.remind(db)
        db.commit()
        reports = sorted((o for o in _obligations(db).values() if o.kind == "report"), key=lambda o: o.due_on)
        decided = today()
        assert [o.due_on for o in reports] == [participants.add_months(decided, m) for m in (3, 9, 18)]
        assert [o.title.split(": ")[1] for o in reports] == [
            "interim report on the funded project",
            "interim report on the funded project",
            "final report on the funded project",
        ]

    def test_a_join_request_tells_coordinators_without_saying_who_or_as_what(self, db):
        coordinator = make_user(db)
        champion = make_user(db, Role.CHAMPION, full_name="Sam Private")
        membership.request_to_join(
            db,
            champion,
            JoinInput(
                locality_id=locality_id(db),
                constituency=Constituency.LIVED_EXPERIENCE,
                reason="I want to help.",
            ),
        )
        db.commit()
        [message] = _messages(db)
        assert message.to_address == coordinator.email
        assert message.subject == "A request to join the Kirklees collective is waiting"
        for private in ("Sam", "Private", "lived", "experience", "I want to help"):
            assert private.lower() not in message.body.lower()

    def test_a_message_written_inside_a_change_that_is_rolled_back_is_never_sent(self, db):
        make_user(db)
        champion = make_user(db, Role.CHAMPION)
        membership.request_to_join(
            db, champion, JoinInput(locality_id=locality_id(db), constituency=Constituency.CARER, reason="")
        )
        db.rollback()
        assert _messages(db) == []


class TestStoryMessages:
    def test_the_reporter_hears_of_publication_and_both_hear_of_withdrawn_consent_without_the_story(self, db):
        from stories.publishing import service as publishing
        from stories.publishing.forms import StoryInput
        from stories.publishing.models import Consent

        coordinator = make_user(db)
        reporter = make_user(db, Role.REPORTER)
        partner = make_partner(db, coordinator)
        project = make_project(db, partner, coordinator, title="Clay and Calm")
        project.status = "active"
        db.commit()
        person = participants.create_participant(db, ParticipantInput(project_ids=[project.id]), by=reporter)
        story = publishing.record_story(
            db,
            person,
            StoryInput(project_id=project.id, text="Clay helps me sleep again.", consent="public_anonymous"),
            by=reporter,
        )
        publishing.review(db, story, publish=True, by=coordinator)
        db.commit()
        [published] = _messages(db)
        assert (published.to_address, published.subject) == (reporter.email, "A story you recorded has been published")
        publishing.change_consent(db, story, Consent.NOT_FOR_SHARING, by=reporter)
        db.commit()
        withdrawn = _messages(db)[1:]
        assert sorted(m.to_address for m in withdrawn) == sorted([coordinator.email, reporter.email])
        for message in _messages(db):
            assert "Clay helps" not in message.body and person.code not in message.body


class TestChoices:
    def _join(self, db, champion):
        membership.request_to_join(
            db, champion, JoinInput(locality_id=locality_id(db), constituency=Constituency.CARER, reason="")
        )
        db.commit()

    def test_someone_who_chose_not_to_hear_gets_nothing(self, db):
        coordinator = make_user(db)
        db.add(NotificationChoice(user_id=coordinator.id, topic="join_requests", delivery=Delivery.NONE))
        db.commit()
        self._join(db, make_user(db, Role.CHAMPION))
        assert _messages(db) == []

    def test_a_weekly_digest_gathers_held_messages_into_one_once(self, db):
        coordinator = make_user(db)
        db.add(NotificationChoice(user_id=coordinator.id, topic="join_requests", delivery=Delivery.DIGEST))
        db.commit()
        self._join(db, make_user(db, Role.CHAMPION))
        self._join(db, make_user(db, Role.REPORTER))
        assert [m.state for m in _messages(db)] == ["digest", "digest"]
        monday = date(2026, 11, 23)
        first = obligations.remind(db, on=monday)
        second = obligations.remind(db, on=monday)
        db.commit()
        assert (first.digests, second.digests) == (1, 0)
        digest = _messages(db, state=MessageState.PENDING)
        assert len(digest) == 1
        assert digest[0].subject == "Creative Minds: your weekly digest (2 items)"
        assert digest[0].body.count("A request to join the Kirklees collective is waiting") == 2

    def test_no_digest_on_other_days(self, db):
        coordinator = make_user(db)
        db.add(NotificationChoice(user_id=coordinator.id, topic="join_requests", delivery=Delivery.DIGEST))
        db.commit()
        self._join(db, make_user(db, Role.CHAMPION))
        assert obligations.remind(db, on=date(2026, 11, 24)).digests == 0  # a Tuesday


class TestClosingAndOverrides:
    def test_waiving_needs_a_reason_and_keeps_it(self, db):
        coordinator, *_ = _approved_partner(
            db, insurance=date(2027, 3, 31), safeguarding=date(2027, 6, 1), signed=date(2026, 2, 28)
        )
        obligations.remind(db, on=date(2026, 12, 1))
        db.commit()
        obligation = next(o for o in _obligations(db).values() if o.kind == "insurance")
        with pytest.raises(Invalid) as refused:
            obligations.close(db, obligation, waive=True, reason="  ", by=coordinator)
        assert "reason" in refused.value.errors
        obligations.close(db, obligation, waive=True, reason="Covered by the council's policy", by=coordinator)
        db.commit()
        kept = _obligations(db)[obligation.key]
        assert (kept.state, kept.reason, kept.closed_by_id) == (
            "waived",
            "Covered by the council's policy",
            coordinator.id,
        )
        with pytest.raises(Conflict):
            obligations.close(db, kept, waive=False, reason="", by=coordinator)

    def test_going_on_despite_an_expired_insurance_needs_a_reason_which_is_kept(self, db):
        coordinator, partner, _ = _approved_partner(
            db, insurance=today() - timedelta(days=1), safeguarding=today() + timedelta(days=30), signed=today()
        )
        with pytest.raises(obligations.NeedsReason) as refused:
            obligations.go_on_despite(db, partner, action=OverrideAction.APPROVE_PARTNER, reason="", by=coordinator)
        assert refused.value.problems == ["Insurance missing or expired"]
        obligations.go_on_despite(
            db, partner, action=OverrideAction.APPROVE_PARTNER, reason="New certificate seen", by=coordinator
        )
        db.commit()
        [kept] = db.exec(select(RiskOverride)).all()
        assert (kept.problems, kept.reason, kept.by_id) == ("insurance", "New certificate seen", coordinator.id)

    def test_a_partner_in_order_needs_no_reason(self, db):
        coordinator, partner, _ = _approved_partner(
            db, insurance=today() + timedelta(days=99), safeguarding=today() + timedelta(days=99), signed=today()
        )
        assert (
            obligations.go_on_despite(db, partner, action=OverrideAction.RECORD_PAYMENT, reason="", by=coordinator)
            is None
        )


class TestSeveralInstances:
    def test_two_scans_at_the_same_moment_add_and_queue_everything_once(self, db, engine):
        from sqlmodel import func

        on = today()
        coordinator = make_user(db)
        for n in range(6):
            partner = make_partner(
                db,
                coordinator,
                name=f"Group {n}",
                insurance_expires_on=(on + timedelta(days=n - 2)).isoformat(),
                safeguarding_review_due_on=(on + timedelta(days=n + 10)).isoformat(),
            )
            make_user(db, Role.PARTNER, partner_id=partner.id)

        def scan(session, go) -> None:
            go()
            obligations.remind(session, on=on)

        _, errors = at_once(engine, scan)
        assert errors == []
        keys = db.exec(select(Obligation.key)).all()
        assert len(keys) == len(set(keys)) == 6 * 3  # insurance, safeguarding, agreement for each group
        messages = db.exec(select(OutboxMessage.key)).all()
        assert len(messages) == len(set(messages))
        # Insurance: 2 overdue (to the group and the coordinator each), 1 due today, 3 due within 14 days;
        # safeguarding: due in 10 to 15 days, so 5 within 14 days.
        assert db.exec(select(func.count()).select_from(OutboxMessage)).one() == 2 * 2 + 1 + 3 + 5
