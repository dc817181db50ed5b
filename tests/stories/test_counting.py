"""Counting people, not forms: someone at two projects counts once above project level (by their
earliest complete pair) and at each project in that project's own view; and the counts of
incomplete or missing forms are exact only for the people the reader may see."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from fractions import Fraction

import pytest
from sqlmodel import select

from creative_minds.accounts.models import Role
from creative_minds.localities import Locality
from stories.participants.models import Participant, ParticipantProject
from stories.reports import service as reports
from stories.scores.models import WellbeingScore
from stories.scores.swemwbs import METRIC
from tests.stories import test_evidence as evidence
from tests.stories.test_evidence import LAST_YEAR, SPRING, K, _items, evaluate
from tests.utils import login, make_partner, make_project, make_user

MAY = date(LAST_YEAR, 5, 1)


def person(db, code: str) -> Participant:
    someone = Participant(code=code)
    db.add(someone)
    db.flush()
    return someone


def course(db, someone, project, before, after, on=SPRING, weeks=13):
    """A baseline (raw `before`) and, unless `after` is False, a follow-up `weeks` later (raw `after`)."""
    db.add(ParticipantProject(participant_id=someone.id, project_id=project.id))
    forms = [("baseline", before, on)] + ([("follow_up", after, on + timedelta(weeks=weeks))] if after else [])
    for kind, raw, day in forms:
        db.add(
            WellbeingScore(
                participant_id=someone.id,
                project_id=project.id,
                kind=kind,
                completed_on=day,
                raw_score=raw,
                metric_score=METRIC[raw],
                **{f"item_{i}": v for i, v in enumerate(_items(raw), start=1)},
            )
        )
    db.commit()


ONLY_A = [(14, 20), (15, 21), (16, 22), (17, 23), (18, 24)]
BOTH_AT_A = [(20, 25), (21, 26), (22, 27), (23, 28), (24, 29)]  # on 1 March: their earliest pair
BOTH_AT_B = [(10, 11), (11, 12), (12, 13), (13, 14), (14, 15)]  # the same people on 1 May
ONLY_B = [(25, 30), (26, 31), (27, 32), (28, 33), (29, 34)]


@pytest.fixture
def twice(db):
    """Partner X runs project A (Kirklees) and project B (Calderdale). Five people only at A, five only
    at B, five at both (A first), and one with only a baseline at A in January and a pair at B."""
    coordinator = make_user(db)
    x = make_partner(db, coordinator, name="Partner X")
    calderdale = db.exec(select(Locality).where(Locality.slug == "calderdale")).one()
    a = make_project(db, x, coordinator, title="Project A")
    b = make_project(db, x, coordinator, title="Project B", locality_id=calderdale.id, postcode="HX1 1AA")
    for project in (a, b):
        project.status = "active"
    db.commit()
    for i, (before, after) in enumerate(ONLY_A):
        course(db, person(db, f"A-{i}"), a, before, after)
    both = []
    for i, ((a_before, a_after), (b_before, b_after)) in enumerate(zip(BOTH_AT_A, BOTH_AT_B)):
        someone = person(db, f"AB-{i}")
        course(db, someone, a, a_before, a_after)
        course(db, someone, b, b_before, b_after, on=MAY)
        both.append(someone)
    for i, (before, after) in enumerate(ONLY_B):
        course(db, person(db, f"B-{i}"), b, before, after)
    late = person(db, "S-1")
    course(db, late, a, 19, False, on=date(LAST_YEAR, 1, 10))  # earlier, but no pair: not what counts
    course(db, late, b, 30, 35)
    return {"a": a, "b": b, "c": b, "x": x, "y": x, "coordinator": coordinator, "both": both}


def metric_mean(raws: list[int]) -> Fraction:
    return sum((Fraction(METRIC[r]) for r in raws), Fraction(0)) / len(raws)


class TestSomeoneAtTwoProjects:
    def test_counts_once_above_project_level_by_the_earliest_complete_pair(self, db, twice):
        counted = ONLY_A + BOTH_AT_A + ONLY_B + [(30, 35)]  # worked out by hand: 16 people, 16 pairs
        network = evaluate(db)
        assert (network.participants, network.scored_baselines, network.summary.n) == (16, 16, 16)
        assert network.summary.mean_baseline == metric_mean([b for b, _ in counted])
        assert network.summary.mean_follow_up == metric_mean([f for _, f in counted])
        assert {
            (p.participant_id, p.project_id) for p in network.pairs if p.participant_id in {s.id for s in twice["both"]}
        } == {(s.id, twice["a"].id) for s in twice["both"]}
        assert evaluate(db, reports.Scope(partner_id=twice["x"].id)).summary.n == 16
        kirklees = evaluate(db, reports.Scope(locality="kirklees")).summary.n
        calderdale = evaluate(db, reports.Scope(locality="calderdale")).summary.n
        assert (kirklees, calderdale) == (10, 6)  # and they add up to the network: nobody twice
        assert evaluate(db, reports.Scope(year=LAST_YEAR)).summary.n == 16

    def test_each_project_keeps_its_own_pair(self, db, twice):
        a = evaluate(db, reports.Scope(project_id=twice["a"].id))
        b = evaluate(db, reports.Scope(project_id=twice["b"].id))
        assert (a.summary.n, b.summary.n) == (10, 11)
        assert b.summary.mean_baseline == metric_mean([r for r, _ in BOTH_AT_B + ONLY_B] + [30])
        assert b.second_courses == 5 and a.second_courses == 0

    def test_the_method_is_stated_on_the_report(self, client, db, twice):
        login(client, twice["coordinator"].email)
        page = client.get("/reports/evaluation").text
        assert "counts once in the figures for the network, a locality or a partner" in page
        assert "earliest complete pair" in page
        project_b = client.get(f"/reports/evaluation?project_id={twice['b'].id}").text
        assert (
            "Here 5 of the people counted are counted by another project in the figures above project level."
            in project_b
        )

    def test_too_few_at_a_second_project_are_left_out_of_its_view(self, db, twice):
        # B's view shows the people counted elsewhere only as a group of at least K: with 7 it does;
        # with 3 it leaves them out (beside the network's figures, 3 would be given away).
        b = twice["b"]
        for i in range(2):
            someone = person(db, f"AB2-{i}")
            course(db, someone, twice["a"], 20, 22)
            course(db, someone, b, 20, 21, on=MAY)
        assert evaluate(db, reports.Scope(project_id=b.id)).summary.n == 6 + 7
        for someone in twice["both"][:4]:  # 3 left at both
            for form in db.exec(
                select(WellbeingScore).where(
                    WellbeingScore.participant_id == someone.id, WellbeingScore.project_id == b.id
                )
            ):
                db.delete(form)
        db.commit()
        assert evaluate(db, reports.Scope(project_id=b.id)).summary.n == 6
        assert evaluate(db).summary.n == 5 + 5 + 2 + 5 + 1


class TestAttackWithPeopleAtTwoProjects:
    """The span attack of test_evidence (every view, every combination of shown figures) on the
    network above, and with a group of people at both projects too small to show."""

    def views(self, db, network):
        for project, partner, locality, year, mode in itertools.product(
            [None, network["a"].id, network["b"].id],
            [None, network["x"].id],
            ["", "kirklees", "calderdale"],
            [None, LAST_YEAR],
            ["", "self"],
        ):
            yield reports.Scope(project, partner, locality, year, mode)

    def smallest_disclosed(self, db, network) -> int | None:
        attacker = evidence.TestSubtractionAttack()
        attacker.views = self.views  # type: ignore[method-assign]
        groups = attacker.shown_groups(db, network, "pairs")
        assert groups
        return attacker.smallest_disclosed(groups)

    def test_nothing_small_comes_out(self, db, twice):
        assert self.smallest_disclosed(db, twice) >= K

    def test_with_a_small_group_at_both(self, db, twice):
        for someone in twice["both"][:2]:  # 3 left at both projects
            for form in db.exec(
                select(WellbeingScore).where(
                    WellbeingScore.participant_id == someone.id, WellbeingScore.project_id == twice["b"].id
                )
            ):
                db.delete(form)
        db.commit()
        assert self.smallest_disclosed(db, twice) >= K


@pytest.fixture
def untidy(db):
    """Project A: 6 pairs, 5 scored baselines with no follow-up (window closed) and 1 baseline with
    statement 3 unanswered. Reporter "mine" recorded one of the pairs and one of those without a
    follow-up; reporter "stranger" recorded nobody and is assigned nowhere."""
    coordinator = make_user(db)
    x = make_partner(db, coordinator, name="Partner X")
    a = make_project(db, x, coordinator, title="Project A")
    a.status = "active"
    mine = make_user(db, Role.REPORTER)
    stranger = make_user(db, Role.REPORTER)
    db.commit()
    pairs = []
    for i, (before, after) in enumerate([(14, 20), (15, 21), (16, 22), (17, 23), (18, 24), (19, 25)]):
        someone = person(db, f"U-{i}")
        course(db, someone, a, before, after)
        pairs.append(someone)
    gaps = []
    for i, before in enumerate([19, 20, 21, 22, 23]):
        someone = person(db, f"U-gap-{i}")
        course(db, someone, a, before, False, on=date(LAST_YEAR, 1, 10))
        gaps.append(someone)
    blank = person(db, "U-blank")
    db.add(ParticipantProject(participant_id=blank.id, project_id=a.id))
    db.add(
        WellbeingScore(
            participant_id=blank.id,
            project_id=a.id,
            kind="baseline",
            completed_on=SPRING,
            **{f"item_{i}": v for i, v in enumerate([3, 3, None, 3, 3, 3, 3], start=1)},
        )
    )
    for someone in (pairs[0], gaps[0]):
        someone.created_by_id = mine.id
    db.commit()
    return {"a": a, "x": x, "coordinator": coordinator, "mine": mine, "stranger": stranger}


class TestDataQualityCounts:
    """Counts of incomplete and missing forms: a coordinator's are exact for the whole view; a
    reporter's count only the people that reporter may see, in every view they can ask for."""

    def scopes(self, untidy):
        for project in (None, untidy["a"].id):
            for partner in (None, untidy["x"].id):
                for locality in ("", "kirklees"):
                    for year in (None, LAST_YEAR):
                        yield reports.Scope(project, partner, locality, year)

    def test_coordinator_sees_exact_counts(self, db, untidy):
        for scope in self.scopes(untidy):
            result = evaluate(db, scope, by=untidy["coordinator"])
            assert result.entitled
            assert (result.participants, result.scored_baselines, result.scored_follow_ups) == (12, 11, 6), scope
            assert (result.no_follow_up, result.past_due, result.summary.n) == (5, 5, 6), scope

    def test_a_reporter_never_gets_counts_of_other_peoples_forms(self, db, untidy):
        for scope in self.scopes(untidy):
            stranger = evaluate(db, scope, by=untidy["stranger"])
            assert not stranger.entitled
            counts = (stranger.participants, stranger.scored_follow_ups, stranger.no_follow_up, stranger.past_due)
            assert counts == (0, 0, 0, 0), scope
            assert not any(stranger.exclusions.values())
            # What stays is made of whole blocks of at least K (pairs and scored baselines without one),
            # so the one unscored baseline cannot be had as 12 - 11.
            assert (stranger.scored_baselines, stranger.summary.n, stranger.non_completers) == (11, 6, 5), scope
            mine = evaluate(db, scope, by=untidy["mine"])
            # Their own two people: one pair, one scored baseline with no follow-up (window closed).
            assert (mine.participants, mine.scored_follow_ups, mine.no_follow_up, mine.past_due) == (2, 1, 1, 1), scope

    def test_the_page_shows_a_reporter_only_their_own_counts(self, client, db, untidy):
        login(client, untidy["stranger"].email)
        page = client.get("/reports/evaluation").text
        assert "Of the people you can see here" in page
        assert "People with a baseline form</dt><dd>0</dd>" in page
        assert "<dd>12</dd>" not in page and "<dd>5, of which 5 past" not in page
        assert "Scored baselines</dt><dd>11</dd>" in page
        client.cookies.clear()
        login(client, untidy["coordinator"].email)
        page = client.get("/reports/evaluation").text
        assert "People with a baseline form</dt><dd>12</dd>" in page
        assert "Of the people you can see here" not in page


def test_the_column_wise_pair_mode_is_pair_mode_for_every_combination():
    """The report codes each form's way of completing as a number; its rule for a pair's mode must be
    pair_mode's, for every combination (an unknown value counting as by the person alone)."""
    from stories.scores.models import CompletionMode

    values = [mode.value for mode in CompletionMode] + ["something else"]
    combos = [(b, f) for b in values for f in values]
    day = SPRING.toordinal()
    rows = []
    for i, (b, f) in enumerate(combos):
        b_code = reports._COMPLETION_CODES.get(b, 0)
        f_code = reports._COMPLETION_CODES.get(f, 0)
        forms = 20 | (b_code << 6) | ((22 | (f_code << 6)) << 8)
        rows.append([i + 1, 1, 2 * i + 1, day, 2 * i + 2, day + 91, forms])
    table = reports.Table(rows, False, reports.Window(), date(LAST_YEAR + 1, 1, 1))
    got = [reports.PAIR_MODES[m] for m in table.mode.tolist()]
    assert table.paired.all()
    assert got == [reports.pair_mode(b, f) for b, f in combos]
