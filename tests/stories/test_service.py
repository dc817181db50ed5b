"""Participants, scores, stories and reports through the services: privacy, pairing, consent, erasure."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlmodel import func, select

from creative_minds.accounts.models import Role
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from stories.participants import service as participants
from stories.participants.models import Participant
from stories.publishing import service as publishing
from stories.publishing.forms import StoryInput
from stories.publishing.models import Consent, Story, StoryTheme
from stories.reports import service as reports
from stories.scores.models import WellbeingScore
from stories.scores.service import AlreadyRecorded
from tests.utils import make_user

SEVEN_THREES = [3] * 7  # raw 21, metric 19.25


class TestPrivacy:
    @pytest.mark.parametrize("role", [Role.CHAMPION, Role.COLLECTIVE_MEMBER, Role.PARTNER])
    def test_only_reporters_and_coordinators_see_participants(self, db, people, role):
        person = people.participant()
        extra = {"locality_id": people.project.locality_id} if role == Role.COLLECTIVE_MEMBER else {}
        if role == Role.PARTNER:
            extra = {"partner_id": people.project.partner_id}
        outsider = make_user(db, role, **extra)
        with pytest.raises(Forbidden):
            participants.get_participant(db, person.id, by=outsider)
        with pytest.raises(Forbidden):
            participants.list_participants(db, by=outsider)

    def test_codes_are_generated_and_no_name_is_kept(self, db, people):
        person = people.participant(age_band="25 to 34", ethnic_group="Prefer not to say")
        assert person.code.startswith("P-") and len(person.code) == 8
        assert not any("name" in column.name for column in Participant.__table__.columns)


class TestScores:
    def test_complete_form_is_scored_with_the_table(self, people):
        score = people.score(people.participant(), "baseline", [4, 4, 3, 3, 3, 2, 4])
        assert (score.raw_score, score.metric_score) == (23, Decimal("20.73"))

    def test_incomplete_form_is_kept_but_not_scored(self, people):
        score = people.score(people.participant(), "baseline", [4, 4, None, 3, 3, 2, 4])
        assert score.id is not None and score.raw_score is None and score.metric_score is None and not score.is_scored

    def test_follow_up_needs_a_baseline(self, people):
        with pytest.raises(Invalid) as caught:
            people.score(people.participant(), "follow_up", SEVEN_THREES)
        assert "baseline" in caught.value.errors["kind"]

    def test_follow_up_cannot_be_dated_before_the_baseline(self, people):
        person = people.participant()
        people.score(person, "baseline", SEVEN_THREES, on=date.today() - timedelta(days=10))
        with pytest.raises(Invalid):
            people.score(person, "follow_up", SEVEN_THREES, on=date.today() - timedelta(days=20))

    def test_second_baseline_for_the_same_project_is_refused(self, people):
        person = people.participant()
        people.score(person, "baseline", SEVEN_THREES)
        with pytest.raises(AlreadyRecorded):
            people.score(person, "baseline", SEVEN_THREES)

    def test_item_out_of_range_is_refused(self, people):
        with pytest.raises(ValueError):
            people.score(people.participant(), "baseline", [6, 3, 3, 3, 3, 3, 3])

    def test_follow_up_due_three_months_after_baseline_or_at_project_end(self, db, people):
        person = people.participant()
        people.score(person, "baseline", SEVEN_THREES, on=date.today() - timedelta(days=100))
        due = participants.follow_ups_due(db, by=people.reporter)
        assert [(d.participant.code, d.due_on) for d in due] == [
            (person.code, participants.add_months(date.today() - timedelta(days=100), 3))
        ]
        assert participants.due_on(date(2027, 1, 31), None) == date(2027, 4, 30)
        assert participants.due_on(date(2027, 1, 10), date(2027, 2, 28)) == date(2027, 2, 28)
        people.score(person, "follow_up", SEVEN_THREES, on=date.today())
        assert participants.follow_ups_due(db, by=people.reporter) == []


class TestStories:
    def story(self, people, consent=Consent.PUBLIC_ANONYMOUS, **extra):
        person = people.participant()
        data = StoryInput(
            project_id=people.project.id,
            text="Coming here gave me something to get up for.",
            consent=consent,
            themes=["hope", "connectedness"],
            **extra,
        )
        story = publishing.record_story(people.db, person, data, by=people.reporter)
        people.db.commit()
        return story

    def test_nothing_is_public_until_a_coordinator_publishes(self, db, people):
        story = self.story(people)
        assert publishing.public_stories(db) == []
        with pytest.raises(Forbidden):
            publishing.review(db, story, publish=True, by=people.reporter)
        publishing.review(db, story, publish=True, by=people.coordinator)
        assert [s.id for s in publishing.public_stories(db, theme="hope")] == [story.id]
        assert publishing.public_stories(db, theme="identity") == []

    def test_stories_without_public_consent_cannot_be_published(self, db, people):
        story = self.story(people, consent=Consent.INTERNAL)
        with pytest.raises(Conflict):
            publishing.review(db, story, publish=True, by=people.coordinator)

    def test_withdrawing_consent_removes_it_from_public_at_once(self, db, people):
        story = self.story(people)
        publishing.review(db, story, publish=True, by=people.coordinator)
        publishing.change_consent(db, story, Consent.NOT_FOR_SHARING, by=people.reporter)
        db.commit()
        assert publishing.public_stories(db) == []
        assert story.status == "not_published"

    def test_first_name_only_with_that_consent(self, db, people):
        with pytest.raises(ValueError):
            StoryInput(project_id=1, text="A story long enough.", consent=Consent.PUBLIC_FIRST_NAME)
        story = self.story(people, consent=Consent.PUBLIC_FIRST_NAME, first_name="Sam")
        assert story.byline == "Sam"
        assert self.story(people, first_name="Sam").first_name is None


class TestErasure:
    def test_erasing_removes_scores_answers_and_stories_everywhere(self, db, people):
        person = people.pair(SEVEN_THREES, [4] * 7, sex="Female")
        keep = people.pair(SEVEN_THREES, [3] * 7)
        publishing.record_story(
            db,
            person,
            StoryInput(
                project_id=people.project.id,
                text="My story, in my words.",
                consent=Consent.PUBLIC_ANONYMOUS,
                themes=["hope"],
            ),
            by=people.reporter,
        )
        db.commit()
        participants.erase(db, person.id, reason="The person asked us to.", by=people.coordinator)
        db.commit()
        assert db.get(Participant, person.id) is None
        assert db.exec(select(func.count()).select_from(WellbeingScore)).one() == 2  # only the other person's
        assert db.exec(select(func.count()).select_from(Story)).one() == 0
        assert db.exec(select(func.count()).select_from(StoryTheme)).one() == 0
        result = reports.evaluate(db, reports.Scope(), threshold=Decimal(3), small_number=1)
        assert [p.participant_id for p in result.pairs] == [keep.id]


class TestReport:
    def test_paired_change_and_suppression(self, db, people):
        # Five pairs: the hand-computed example in test_scoring (metric changes 3.90, 2.55, 0, 3.49, -0.52).
        raws = [(12, 19), (18, 22), (21, 21), (24, 28), (15, 14)]
        sexes = ["Female", "Female", "Female", "Female", "Male"]
        for (before, after), sex in zip(raws, sexes):
            people.pair(_items(before), _items(after), sex=sex)
        result = reports.evaluate(db, reports.Scope(), threshold=Decimal(3), small_number=5)
        assert result.shown and result.summary.n == 5
        assert result.summary.mean_change == Fraction(942, 500)  # 1.884 exactly
        by_sex = {c.label: c for c in result.breakdowns["sex"]}
        assert by_sex["Male"].hidden and by_sex["Female"].hidden  # 1 hidden would be derivable: both hidden
        smaller = reports.evaluate(
            db, reports.Scope(project_id=people.project.id), threshold=Decimal(3), small_number=6
        )
        assert not smaller.shown

    def test_scope_by_locality_and_year(self, db, people):
        people.pair(SEVEN_THREES, [4] * 7)
        slug = people.project.locality.slug if people.project.locality else "kirklees"
        assert reports.evaluate(db, reports.Scope(locality=slug), threshold=Decimal(3), small_number=1).summary.n == 1
        assert (
            reports.evaluate(db, reports.Scope(locality="barnsley"), threshold=Decimal(3), small_number=1).summary.n
            == 0
        )
        future = reports.Scope(year=date.today().year + 1)
        assert reports.evaluate(db, future, threshold=Decimal(3), small_number=1).summary.n == 0


def _items(raw: int) -> list[int]:
    """Seven answers that add up to `raw`."""
    items = [1] * 7
    left = raw - 7
    for i in range(7):
        step = min(4, left)
        items[i] += step
        left -= step
    return items
