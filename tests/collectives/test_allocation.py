"""Allocation rules against hand-computed cases, and the Add1 search against pabutools' own loop."""

from __future__ import annotations

from pabutools.election import Cost_Sat
from pabutools.rules import completion_by_rule_combination, greedy_utilitarian_welfare, method_of_equal_shares
from hypothesis import given, settings
from hypothesis import strategies as st

from collectives.allocation import ADD1_STEP_PENCE, Candidate, _Election, compare, draw_lots, run_greedy, run_mes, tally

# PB-NOTES: budget £10,000. Four members approve {cafe, walks, allotment}; three approve {arts, youth}.
CAFE, WALKS, ALLOTMENT, ARTS, YOUTH = 1, 2, 3, 4, 5
CANDIDATES = [
    Candidate(CAFE, "cafe", 400_000), Candidate(WALKS, "walks", 300_000), Candidate(ALLOTMENT, "allotment", 300_000),
    Candidate(ARTS, "arts", 350_000), Candidate(YOUTH, "youth", 250_000),
]
BALLOTS = [frozenset({CAFE, WALKS, ALLOTMENT})] * 4 + [frozenset({ARTS, YOUTH})] * 3
BY_NAME = {ALLOTMENT: 0, ARTS: 1, CAFE: 2, WALKS: 3, YOUTH: 4}  # lot = alphabetical, as in the notes


def test_greedy_gives_everything_to_the_majority():
    outcome = run_greedy(CANDIDATES, BALLOTS, 1_000_000, BY_NAME)
    assert outcome.selected == [ALLOTMENT, WALKS, CAFE]
    assert outcome.funded_pence == 1_000_000
    assert outcome.lines[YOUTH].reason == (
        "Not funded: the budget ran out at this point. It needed £2,500 but only £0 was left when its turn came (3 approvals)."
    )


def test_pure_equal_shares_gives_each_group_its_share():
    outcome = run_mes(CANDIDATES, BALLOTS, 1_000_000, BY_NAME, complete=False)
    assert set(outcome.selected) == {ALLOTMENT, YOUTH}
    assert outcome.funded_pence == 550_000
    # The four supporters each had £10,000/7 = £1,428.57; after allotment (£750 each) £678.57 each: £2,714.28.
    assert "had £2,714.28 left" in outcome.lines[CAFE].reason


def test_completed_equal_shares_adds_walks():
    outcome = run_mes(CANDIDATES, BALLOTS, 1_000_000, BY_NAME)
    assert set(outcome.selected) == {WALKS, ALLOTMENT, YOUTH}
    assert outcome.funded_pence == 850_000
    assert outcome.lines[ARTS].reason.endswith("the £1,500 left over afterwards was not enough either.")


def test_rules_differ_and_compare_shows_all_three():
    outcomes = compare(CANDIDATES, BALLOTS, 1_000_000, BY_NAME)
    assert {k: set(v.selected) for k, v in outcomes.items()} == {
        "greedy": {WALKS, ALLOTMENT, CAFE},
        "mes_pure": {ALLOTMENT, YOUTH},
        "mes": {WALKS, ALLOTMENT, YOUTH},
    }


def test_ties_go_to_lowest_cost_then_approvals_then_the_lot():
    candidates = [Candidate(1, "a", 600), Candidate(2, "b", 500), Candidate(3, "c", 500)]
    ballots = [frozenset({1, 2, 3})]
    assert run_greedy(candidates, ballots, 500, {1: 0, 2: 1, 3: 2}).selected == [2]
    assert run_greedy(candidates, ballots, 500, {1: 0, 2: 2, 3: 1}).selected == [3]


def test_nothing_is_funded_without_approvals():
    candidates = [Candidate(1, "a", 100), Candidate(2, "b", 100)]
    for rule in (run_greedy(candidates, [frozenset({1})], 1_000, {1: 0, 2: 1}), run_mes(candidates, [frozenset({1})], 1_000, {1: 0, 2: 1})):
        assert rule.selected == [1]
        assert rule.lines[2].reason == "Not funded: no member approved it."


def test_no_ballots_funds_nothing():
    outcomes = compare(CANDIDATES, [], 1_000_000, BY_NAME)
    assert all(o.selected == [] for o in outcomes.values())


def test_lots_are_reproducible_from_the_seed():
    assert draw_lots(42, [3, 1, 2]) == draw_lots(42, [1, 2, 3])
    assert sorted(draw_lots(42, [1, 2, 3]).values()) == [0, 1, 2]


def test_tally_counts_approvals():
    assert tally(CANDIDATES, BALLOTS) == {CAFE: 4, WALKS: 4, ALLOTMENT: 4, ARTS: 3, YOUTH: 3}


def test_matches_pabutools_own_rules_directly():
    election = _Election(CANDIDATES, BALLOTS, 1_000_000, BY_NAME)
    direct = greedy_utilitarian_welfare(election.instance, election.profile, sat_class=Cost_Sat, tie_breaking=election.tie_breaking)
    assert sorted(int(p.name) for p in direct) == sorted(run_greedy(CANDIDATES, BALLOTS, 1_000_000, BY_NAME).selected)


ballot_sets = st.lists(st.frozensets(st.integers(min_value=1, max_value=6), max_size=6), min_size=1, max_size=6)
costs = st.lists(st.integers(min_value=1, max_value=40).map(lambda n: n * 5_000), min_size=6, max_size=6)


@settings(max_examples=40, deadline=None)
@given(ballots=ballot_sets, cost_list=costs, budget=st.integers(min_value=5, max_value=60).map(lambda n: n * 5_000))
def test_add1_search_matches_pabutools_one_pound_loop(ballots, cost_list, budget):
    candidates = [Candidate(i + 1, f"p{i + 1}", cost) for i, cost in enumerate(cost_list)]
    lots = {c.id: c.id for c in candidates}
    ours = run_mes(candidates, ballots, budget, lots)
    election = _Election(candidates, ballots, budget, lots)
    if not election.supported():
        assert ours.selected == []
        return
    mes_params = {"sat_class": Cost_Sat, "voter_budget_increment": ADD1_STEP_PENCE, "tie_breaking": election.tie_breaking}
    greedy_params = {"sat_class": Cost_Sat, "tie_breaking": election.tie_breaking}
    direct = completion_by_rule_combination(
        election.instance, election.profile, [method_of_equal_shares, greedy_utilitarian_welfare], [mes_params, greedy_params]
    )
    assert sorted(ours.selected) == sorted(int(p.name) for p in direct)
    assert ours.funded_pence <= budget
