"""The funnel's figures, worked out by hand, and the small-number rules that hide them from all but coordinators."""

from __future__ import annotations

import pytest

from connections.funnel import STAGES, FunnelScope, Row, funnel, hide
from stories.participants import service as participants
from stories.participants.forms import ParticipantInput
from stories.scores import service as scores
from stories.scores.forms import ScoreInput
from tests.connections.conftest import days_ago
from tests.utils import locality_id


def row(label, connected, came=0, still_going=0, paired=0):
    return Row(label, {"connected": connected, "came": came, "still_going": still_going, "paired": paired})


class TestHidingRules:
    def test_small_cells_and_one_more_so_the_total_does_not_give_them_away(self):
        a, b, c = hide([row("A", 10), row("B", 3), row("C", 6)], 5)
        assert "connected" not in a.hidden
        assert b.hidden == set(STAGES)  # fewer than 5: the whole row
        assert "connected" in c.hidden  # the smallest other cell, else 19 - 10 - 6 = 3

    def test_a_stage_is_hidden_when_the_drop_since_an_earlier_stage_is_small(self):
        (r,) = hide([row("A", 12, came=9, still_going=9, paired=0)], 5, with_total=False)
        assert r.hidden == {"came", "still_going"}  # 12 - 9 = 3 did not come, whichever stage says so
        (r,) = hide([row("A", 12, came=7, still_going=0, paired=7)], 5, with_total=False)
        assert r.hidden == set()  # drops of 5, 12 and 7 people

    def test_zero_is_shown(self):
        (r,) = hide([row("A", 10, came=0)], 5, with_total=False)
        assert r.hidden == set()


@pytest.fixture
def journeys(db, net):
    """Holmfirth's Clay and Calm (Kirklees): 12 people connected, 7 came, 2 still going, 1 with both forms
    (and one more with both forms who never came, so not counted). Striders Walk (Barnsley): 3 connected."""
    people = []
    for i in range(12):
        person = participants.create_participant(
            db,
            ParticipantInput(project_ids=[net.activity.id], sex="Female" if i < 6 else "Male"),
            by=net.reporter,
        )
        db.commit()
        connection = net.connect(person, on=days_ago(200))
        if i < 7:
            net.attend(connection, "came", on=days_ago(190))
        if i < 2:
            net.attend(connection, "still_going", on=days_ago(5))
        people.append(person)
    for person in (people[0], people[11]):
        for kind, on, answer in (("baseline", days_ago(190), 2), ("follow_up", days_ago(5), 4)):
            scores.record_score(
                db,
                person,
                ScoreInput(
                    project_id=net.activity.id, kind=kind, completed_on=on, **{f"item_{i}": answer for i in range(1, 8)}
                ),
                by=net.reporter,
            )
        db.commit()
    for _ in range(3):
        net.connect(net.person(), activity=net.other_activity, by=net.other_champion)
    return people


def shown(result, target=None):
    target = target or result.total
    return [result.display(target, stage) for stage in STAGES]


class TestFunnel:
    def test_coordinators_see_exact_figures(self, db, net, journeys):
        network = funnel(db, FunnelScope(), small_number=5, exact=True)
        assert network.total.counts == {"connected": 15, "came": 7, "still_going": 2, "paired": 1}
        activity = funnel(db, FunnelScope(project_id=net.activity.id), small_number=5, exact=True)
        assert shown(activity) == ["12", "7", "2", "1"]
        assert activity.label == "Clay and Calm"

    def test_others_see_small_numbers_hidden(self, db, net, journeys):
        network = funnel(db, FunnelScope(), small_number=5, exact=False)
        assert shown(network) == ["15", "7", "fewer than 5", "fewer than 5"]

    def test_a_locality_or_activity_is_hidden_where_the_network_minus_it_would_give_a_small_number(
        self, db, net, journeys
    ):
        kirklees = funnel(db, FunnelScope(locality_id=locality_id(db)), small_number=5, exact=False)
        assert shown(kirklees)[0] == "hidden"  # else 15 - 12 = 3 people connected in Barnsley
        activity = funnel(db, FunnelScope(project_id=net.activity.id), small_number=5, exact=False)
        assert shown(activity)[0] == "hidden"
        for _ in range(2):
            net.connect(net.person(), activity=net.other_activity, by=net.other_champion)
        activity = funnel(db, FunnelScope(project_id=net.activity.id), small_number=5, exact=False)
        assert shown(activity) == ["12", "7", "fewer than 5", "fewer than 5"]

    def test_breakdowns_hide_a_second_cell_in_the_same_column(self, db, net, journeys):
        for _ in range(2):
            net.connect(net.person(), activity=net.other_activity, by=net.other_champion)
        activity = funnel(db, FunnelScope(project_id=net.activity.id), small_number=5, exact=False)
        female, male = activity.by_equality["Sex"]
        assert (female.label, male.label) == ("Female", "Male")
        assert shown(activity, female)[:2] == ["6", "hidden"]  # 6 came: shown alone it gives away Male's 1
        assert shown(activity, male)[:2] == ["6", "fewer than 5"]
        assert [r.label for r in activity.by_source] == ["Community mental health team"]
        exact = funnel(db, FunnelScope(project_id=net.activity.id), small_number=5, exact=True)
        female, male = exact.by_equality["Sex"]
        assert shown(exact, female) == ["6", "6", "2", "1"] and shown(exact, male) == ["6", "1", "0", "0"]

    def test_partner_and_date_scopes(self, db, net, journeys):
        partner = funnel(db, FunnelScope(partner_id=net.other_partner.id), small_number=5, exact=True)
        assert partner.total.counts["connected"] == 3
        recent = funnel(db, FunnelScope(date_from=days_ago(150)), small_number=5, exact=True)
        assert recent.total.counts["connected"] == 3  # Striders' were connected 120 days ago

    def test_a_breakdown_cell_is_hidden_where_the_level_above_minus_it_is_small(self, db, net, journeys):
        for _ in range(2):  # two more women, connected in Barnsley: the network has 8 women, Clay and Calm 6
            net.connect(net.person(sex="Female"), activity=net.other_activity, by=net.other_champion)
        activity = funnel(db, FunnelScope(project_id=net.activity.id), small_number=5, exact=False)
        assert shown(activity)[0] == "12"
        female, male = activity.by_equality["Sex"]
        assert shown(activity, female)[0] == "hidden"  # else 8 - 6 = 2 women connected elsewhere
        assert shown(activity, male)[0] == "hidden"  # else Female = 12 - 6
        network = funnel(db, FunnelScope(), small_number=5, exact=False)
        # 3 not answered (Barnsley): hidden, and so is the smallest other cell, else 17 - 8 - 6 = 3
        assert [shown(network, r)[0] for r in network.by_equality["Sex"]] == ["8", "hidden", "fewer than 5"]


class TestSubtractingDateRanges:
    """An attacker who sees figures with small numbers hidden asks for many date ranges and subtracts
    every figure shown for one range from the same figure shown for another: nothing hidden comes out."""

    @pytest.fixture
    def spread(self, db, net):
        """Clay and Calm: 10 people connected 200 days ago (6 came), 3 more 40 days ago (2 came).
        Striders Walk: 6 connected 100 days ago."""
        for i in range(13):
            connection = net.connect(net.person(sex="Female" if i % 2 else "Male"), on=days_ago(200 if i < 10 else 40))
            if i < 6 or i in (10, 11):
                net.attend(connection, "came", on=days_ago(190 if i < 10 else 30))
        for _ in range(6):
            net.connect(net.person(), activity=net.other_activity, on=days_ago(100), by=net.other_champion)

    def _shown(self, db, net, scope_dates, *, exact):
        """Every figure shown as a number, by (scope, table, row, stage), for one range."""
        found = {}
        for name, scope in {
            "network": FunnelScope(),
            "clay": FunnelScope(project_id=net.activity.id),
            "striders": FunnelScope(project_id=net.other_activity.id),
            "holmfirth makers": FunnelScope(partner_id=net.partner.id),
            "kirklees": FunnelScope(locality_id=locality_id(db)),
        }.items():
            result = funnel(db, FunnelScope(**{**scope.__dict__, **scope_dates}), small_number=5, exact=exact)
            rows = [("total", result.total)] + [("source", r) for r in result.by_source]
            rows += [(table, r) for table, table_rows in result.by_equality.items() for r in table_rows]
            for table, row in rows:
                for stage in STAGES:
                    text = result.display(row, stage).replace(",", "")
                    if text.isdigit():
                        found[(name, table, row.label, stage)] = int(text)
        return found

    def _differences(self, views):
        small = set()
        for i, one in enumerate(views):
            for other in views[i + 1 :]:
                for cell in one.keys() & other.keys():
                    if 0 < abs(one[cell] - other[cell]) < 5:
                        small.add((cell, abs(one[cell] - other[cell])))
        return small

    def test_no_two_ranges_give_a_small_number_by_subtraction(self, db, net, spread):
        days = [None] + [days_ago(n) for n in range(250, -1, -30)]
        ranges = [
            {"date_from": start, "date_to": end}
            for start in days
            for end in days
            if start is None or end is None or start <= end
        ]
        assert len(ranges) > 50
        hidden = [self._shown(db, net, dates, exact=False) for dates in ranges]
        assert self._differences(hidden) == set()
        assert all(view == hidden[0] for view in hidden)  # every range gives the all-dates figures
        assert hidden[0][("clay", "total", "Everyone", "connected")] == 13

        # The same ranges with exact figures give the three people connected 40 days ago (and more) away:
        # what the rule stops.
        exact = [self._shown(db, net, dates, exact=True) for dates in ranges[:: max(1, len(ranges) // 12)]]
        assert (("clay", "total", "Everyone", "connected"), 3) in self._differences(exact)
