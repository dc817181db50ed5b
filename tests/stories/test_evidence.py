"""Complete, honest and safe evidence: the follow-up window, loss to follow-up, warnings, completion
mode, who is left out and why, the CSV's reason in the audit trail, and the subtraction attack."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from sqlmodel import select

from creative_minds.accounts.models import Role
from creative_minds.audit.models import AuditEvent
from creative_minds.localities import Locality
from stories.participants.models import Participant, ParticipantProject
from stories.reports import service as reports
from stories.scores.models import WellbeingScore
from stories.scores.swemwbs import METRIC
from tests.stories.test_routes import download
from tests.utils import login, make_partner, make_project, make_user

K = 5
LAST_YEAR = date.today().year - 1
EARLIER = LAST_YEAR - 1
SPRING = date(LAST_YEAR, 3, 1)


def add_course(db, project, before, after=None, *, on=SPRING, weeks=13, modes=("self", "self"), sex=None, by=None):
    """A person at a project with a baseline (raw score `before`, None = incomplete) and optionally a
    follow-up `weeks` later (raw `after`, None = incomplete; pass after=False for no follow-up)."""
    person = Participant(code=f"P-{db.exec(select(Participant)).all().__len__() + 100:06d}", sex=sex)
    person.created_by_id = by.id if by else None
    db.add(person)
    db.flush()
    db.add(ParticipantProject(participant_id=person.id, project_id=project.id))

    def form(kind, raw, day, mode):
        items = [None] * 7 if raw is None else _items(raw)
        if raw is None:
            items = [3, 3, None, 3, 3, 3, 3]
        db.add(
            WellbeingScore(
                participant_id=person.id,
                project_id=project.id,
                kind=kind,
                completed_on=day,
                raw_score=raw,
                metric_score=METRIC[raw] if raw is not None else None,
                completion_mode=mode,
                **{f"item_{i}": v for i, v in enumerate(items, start=1)},
            )
        )

    form("baseline", before, on, modes[0])
    if after is not False:
        form("follow_up", after, on + timedelta(weeks=weeks), modes[1])
    db.commit()
    return person


def _items(raw: int) -> list[int]:
    items, left = [1] * 7, raw - 7
    for i in range(7):
        step = min(4, left)
        items[i] += step
        left -= step
    return items


def evaluate(db, scope=None, **kwargs):
    kwargs.setdefault("threshold", Decimal(3))
    kwargs.setdefault("small_number", K)
    return reports.evaluate(db, scope or reports.Scope(), **kwargs)


@pytest.fixture
def network(db):
    """Kirklees: project A (partner X) with 5 pairs last year (3 by the person alone, 2 assisted), and
    2 pairs the year before. Calderdale: project B (partner X) 3 pairs, project C (partner Y) 3 pairs."""
    coordinator = make_user(db)
    x = make_partner(db, coordinator, name="Partner X")
    y = make_partner(db, coordinator, name="Partner Y")
    calderdale = db.exec(select(Locality).where(Locality.slug == "calderdale")).one()
    a = make_project(db, x, coordinator, title="Project A")
    b = make_project(db, x, coordinator, title="Project B", locality_id=calderdale.id, postcode="HX1 1AA")
    c = make_project(db, y, coordinator, title="Project C", locality_id=calderdale.id, postcode="HX1 1AA")
    for project in (a, b, c):
        project.status = "active"
    db.commit()
    sexes = iter(["Female", "Female", "Female", "Male", "Male", "Female", "Male", "Female", "Female", "Male", "Male"])
    for before, after, modes in [
        (15, 18, ("self", "self")),
        (20, 24, ("self", "self")),
        (22, 22, ("self", "self")),
        (18, 25, ("read_out", "self")),
        (16, 21, ("self", "by_reporter")),
    ]:
        add_course(db, a, before, after, modes=modes, sex=next(sexes))
    for before, after in [(12, 20), (25, 23), (19, 26)]:
        add_course(db, b, before, after, sex=next(sexes))
    for before, after in [(21, 28), (14, 14), (17, 23)]:
        add_course(db, c, before, after, sex=next(sexes))
    for before, after in [(20, 30), (11, 13)]:
        add_course(db, a, before, after, on=date(EARLIER, 3, 1))
    return {"a": a, "b": b, "c": c, "x": x, "y": y, "coordinator": coordinator}


class TestSubtractionAttack:
    """Ask for every level, period and way of completing; then try every combination of the shown
    figures. Any figure is a sum over the people it counts, so a group is disclosed exactly when its
    indicator lies in the span of the shown groups' indicators; such a group is always a union of the
    classes of people counted in exactly the same shown groups. Try every union."""

    def views(self, db, network):
        localities = ["", "kirklees", "calderdale"]
        projects = [None, network["a"].id, network["b"].id, network["c"].id]
        partners = [None, network["x"].id, network["y"].id]
        for project, partner, locality, year, mode in itertools.product(
            projects, partners, localities, [None, LAST_YEAR, EARLIER], ["", "self", "assisted"]
        ):
            yield reports.Scope(project, partner, locality, year, mode)

    def shown_groups(self, db, network, population):
        groups = []
        for scope in self.views(db, network):
            result = evaluate(db, scope)
            if population == "pairs":
                if result.shown:
                    groups.append({(p.participant_id, p.project_id) for p in result.pairs})
                for cell in result.modes:
                    if not cell.hidden and cell.n:
                        groups.append({(p.participant_id, p.project_id) for p in cell.members})
                for cell in (c for cells in result.breakdowns.values() for c in cells):
                    if not cell.hidden and cell.n:
                        members = [p for p, counted in zip(result.pairs, cell.mask) if counted]
                        assert len(members) == cell.n
                        groups.append({(p.participant_id, p.project_id) for p in members})
            else:  # the mean baseline of those without a pair
                if result.non_completers >= K:
                    members = {
                        (c.participant_id, c.project_id)
                        for b in result.blocks
                        if reports.in_view(b, scope, result.projects)
                        for c in b.non_completers
                    }
                    groups.append(members)
        return groups

    def smallest_disclosed(self, groups) -> int | None:
        people = sorted(set().union(*groups))
        if not people:
            return None
        matrix = np.array([[1 if p in g else 0 for p in people] for g in groups], dtype=float)
        signature: dict[tuple, list[int]] = {}
        for column, _ in enumerate(people):
            signature.setdefault(tuple(matrix[:, column]), []).append(column)
        classes = list(signature.values())
        rank = np.linalg.matrix_rank(matrix)
        smallest = None
        for size in range(1, len(classes) + 1):
            for chosen in itertools.combinations(classes, size):
                vector = np.zeros(len(people))
                for cls in chosen:
                    vector[cls] = 1
                count = int(vector.sum())
                if np.linalg.matrix_rank(np.vstack([matrix, vector])) == rank:
                    smallest = count if smallest is None else min(smallest, count)
        return smallest

    def test_no_combination_of_shown_figures_reveals_a_small_group(self, db, network):
        groups = self.shown_groups(db, network, "pairs")
        assert groups, "something must be shown"
        assert self.smallest_disclosed(groups) >= K

    def test_with_cells_that_need_complementary_hiding(self, db, network):
        # Project C grows to 8 pairs: 6 by the person alone, 2 assisted. Showing the 6 beside the 8 would
        # give the 2 away, so the 6 is hidden too; and 2 of the new people leave "Sex" unanswered.
        for modes, sex in [(("self", "self"), "Male")] * 3 + [(("read_out", "self"), None)] * 2:
            add_course(db, network["c"], 17, 20, modes=modes, sex=sex)
        c = evaluate(db, reports.Scope(project_id=network["c"].id))
        assert c.summary.n == 8 and all(cell.hidden for cell in c.modes)
        assert self.smallest_disclosed(self.shown_groups(db, network, "pairs")) >= K

    def test_the_issue_case_network_minus_locality(self, db, network):
        network_n = evaluate(db).summary.n
        kirklees = evaluate(db, reports.Scope(locality="kirklees")).summary.n
        calderdale = evaluate(db, reports.Scope(locality="calderdale")).summary.n
        # Calderdale's two projects (3 + 3) are pooled into one locality block of 6; Kirklees has project A's
        # 5 from last year; project A's 2 from the year before are too few anywhere and are left out.
        assert (network_n, kirklees, calderdale) == (11, 5, 6)
        assert not evaluate(db, reports.Scope(project_id=network["b"].id)).shown
        assert not evaluate(db, reports.Scope(partner_id=network["y"].id)).shown
        assert evaluate(db, reports.Scope(partner_id=network["x"].id)).summary.n == 5  # A only, B is pooled
        assert evaluate(db, reports.Scope(year=EARLIER)).summary.n == 0

    def test_completion_mode_split_hides_complementary_cells(self, db, network):
        a = evaluate(db, reports.Scope(project_id=network["a"].id))
        assert a.summary.n == 5
        modes = {c.label: c for c in a.modes}
        # 3 alone and 2 assisted in one block: 2 is hidden, so 3 must be too (else 5 - 3 = 2 comes out).
        assert modes[reports.PAIR_MODE_LABELS["self"]].hidden and modes[reports.PAIR_MODE_LABELS["assisted"]].hidden
        assert not evaluate(db, reports.Scope(project_id=network["a"].id, mode="self")).shown

    def test_network_csv_names_only_groups_that_are_shown(self, client, db, network):
        login(client, network["coordinator"].email)
        rows = list(csv.DictReader(io.StringIO(download(client).text)))
        assert len(rows) == 11
        projects = {(r["Project"], r["Partner"], r["Locality"]) for r in rows}
        assert projects == {("Project A", "Partner X", "Kirklees"), ("", "", "Calderdale")}
        assert {r["How completed"] for r in rows if r["Project"] == "Project A"} == {""}  # split hidden
        by_sex = list(csv.DictReader(io.StringIO(download(client, question="sex").text)))
        assert len(by_sex) == 11 and set(by_sex[0]) == {
            "Baseline year",
            "Sex",
            "Baseline metric",
            "Follow-up metric",
            "Change (metric)",
        }
        assert sorted(r["Sex"] for r in by_sex) == ["Female"] * 6 + ["Male"] * 5


class TestHonestFigures:
    def test_window_loss_to_follow_up_and_who_is_left_out(self, db, network):
        a, coordinator = network["a"], network["coordinator"]
        add_course(db, a, 10, 30, weeks=5)  # too soon: kept, listed, not paired
        add_course(db, a, 13, False, on=date.today() - timedelta(weeks=30))  # no follow-up, window closed
        add_course(db, a, 12, False, on=date.today() - timedelta(weeks=2))  # no follow-up yet
        add_course(db, a, None, 20)  # baseline missing statement 3
        add_course(db, a, 16, None)  # follow-up missing statement 3
        result = evaluate(db, reports.Scope(locality="kirklees"), by=coordinator)
        listed = {reason: [(e.project_title, e.detail) for e in rows] for reason, rows in result.exclusions.items()}
        assert listed[reports.Reason.OUTSIDE_WINDOW] == [("Project A", "5.0 weeks after the baseline (window 8 to 26)")]
        assert listed[reports.Reason.INCOMPLETE_BASELINE] == [("Project A", "statement 3 unanswered")]
        assert listed[reports.Reason.INCOMPLETE_FOLLOW_UP] == [("Project A", "statement 3 unanswered")]
        assert len(listed[reports.Reason.PAST_DUE]) == 1 and len(listed[reports.Reason.NOT_YET]) == 1
        assert len(listed[reports.Reason.NOT_YET]) == 1
        # The window is a setting: from 4 weeks the early form pairs.
        wider = evaluate(db, reports.Scope(project_id=a.id), by=coordinator, window=reports.Window(4, 26))
        assert all(e.reason != reports.Reason.OUTSIDE_WINDOW for rows in wider.exclusions.values() for e in rows)

    def test_loss_to_follow_up_means_by_hand(self, db, network):
        a = network["a"]
        for before in (10, 11, 12, 13, 14):  # five scored baselines, no follow-up, window closed
            add_course(db, a, before, False, on=date(LAST_YEAR, 1, 10))
        result = evaluate(db, reports.Scope(project_id=a.id, year=LAST_YEAR))
        assert (result.participants, result.scored_baselines, result.scored_follow_ups) == (10, 10, 5)
        assert (result.no_follow_up, result.past_due, result.non_completers) == (5, 5, 5)
        # metric 12.40, 13.33, 14.08, 14.75, 15.32 -> 69.88 / 5 = 13.976
        assert result.non_completers_baseline == Fraction(6988, 500)
        # completers: raw 15, 20, 22, 18, 16 -> 15.84 + 18.59 + 19.98 + 17.43 + 16.36 = 88.20 / 5 = 17.64
        assert result.completers_baseline == Fraction(8820, 500)

    def test_a_block_with_one_to_four_left_without_a_pair_is_pooled(self, db, network):
        add_course(db, network["a"], 10, False, on=date(LAST_YEAR, 1, 10))
        # Project A last year: 5 pairs and 1 without: its baseline mean would identify them. Pooled instead
        # with nothing else in Kirklees, so it cannot be shown at any level.
        assert not evaluate(db, reports.Scope(project_id=network["a"].id)).shown
        assert evaluate(db).summary.n == 6  # Calderdale only

    def test_fewer_than_thirty_warns_and_norms_are_context(self, client, db, network):
        login(client, network["coordinator"].email)
        page = client.get("/reports/evaluation").text
        assert "Only 11 people have both forms" in page and "too few to generalise from" in page
        assert "23.7 for men, 23.2 for women" in page and "n = 27,169 (Ng Fat et al. 2017)" in page
        assert "Context, not a target" in page

    def test_thirty_pairs_carry_no_warning(self, client, db, network):
        for _ in range(22):  # C: 25 pairs; B's 3 are too few even pooled (nothing else pools with them)
            add_course(db, network["c"], 18, 21, sex="Female")
        login(client, network["coordinator"].email)
        page = client.get("/reports/evaluation").text
        assert "Paired change in metric SWEMWBS score, n = 30" in page and "too few to generalise" not in page

    def test_completion_mode_filter(self, db, network):
        for _ in range(3):
            add_course(db, network["c"], 18, 21, modes=("by_reporter", "self"))
        c = evaluate(db, reports.Scope(project_id=network["c"].id))
        # Project C now has 6: 3 alone, 3 assisted; each cell has fewer than 5, both hidden.
        assert c.summary.n == 6 and all(cell.hidden for cell in c.modes)
        calderdale_assisted = evaluate(db, reports.Scope(locality="calderdale", mode="assisted"))
        assert not calderdale_assisted.shown  # B (3, pooled) plus nothing assisted there

    def test_exclusions_list_only_people_the_reader_can_see(self, db, network):
        add_course(db, network["a"], None, 20)
        stranger = make_user(db, Role.REPORTER)
        result = evaluate(db, by=stranger)
        assert not any(result.exclusions.values())
        assert evaluate(db, by=network["coordinator"]).exclusions[reports.Reason.INCOMPLETE_BASELINE]


class TestDownloadReason:
    def test_csv_asks_why_and_the_trail_keeps_who_when_what_why(self, client, db, network):
        login(client, network["coordinator"].email)
        refused = download(client, reason="", locality="kirklees")
        assert refused.status_code == 422 and "Say why you are downloading this data" in refused.text
        assert not db.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
        kept = download(client, reason="So", locality="kirklees")
        assert kept.status_code == 422 and ">So</textarea>" in kept.text
        done = download(client, reason="Quarterly return to the trust board", locality="kirklees")
        assert done.status_code == 200 and done.headers["content-type"].startswith("text/csv")
        (event,) = db.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
        assert event.user_id == network["coordinator"].id and event.at is not None
        assert "Kirklees" in event.detail and "5 pairs" in event.detail
        assert event.detail.endswith("Reason: Quarterly return to the trust board")

    def test_a_hidden_view_exports_nothing(self, client, db, network):
        login(client, network["coordinator"].email)
        assert download(client, project_id=network["b"].id).status_code == 422
        assert not db.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
