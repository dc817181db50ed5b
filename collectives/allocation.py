"""Allocation rules, run by pabutools: greedy by approvals, and the Method of Equal Shares.

Pure functions: candidates and ballots in, outcomes with a plain-words reason for every
candidate out. Money is whole pence; pabutools does exact (rational) arithmetic.

Tie-breaks (PB-NOTES): lowest cost first, then most approvals, then a lot drawn in advance.

Method of Equal Shares uses the "Add1" completion: every voter's equal share is raised step by
step while the outcome stays within the budget, then any money left is filled greedily by
approvals. Shares are in pence, so stepping one unit at a time would take minutes; the step is
one pound per voter, and the last step that keeps the outcome within budget is found by
doubling then halving the number of steps (pabutools runs MES at each step tried). On small
rounds this gives the same outcome as pabutools' own one-pound Add1 loop (checked in tests).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction

from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule

from creative_minds.money import format_pence

ADD1_STEP_PENCE = 100  # raise each voter's equal share by £1 per step


@dataclass(frozen=True)
class Candidate:
    id: int
    title: str
    cost_pence: int


@dataclass
class Line:
    candidate_id: int
    funded: bool
    approvals: int
    reason: str
    position: int = 0  # order of selection (funded) or of consideration


@dataclass
class Outcome:
    rule: str
    budget_pence: int
    selected: list[int]  # candidate ids in the order they were chosen
    lines: dict[int, Line] = field(default_factory=dict)
    parameters: dict[str, object] = field(default_factory=dict)

    @property
    def funded_pence(self) -> int:
        return sum(self.costs[c] for c in self.selected)

    costs: dict[int, int] = field(default_factory=dict)

    @property
    def left_pence(self) -> int:
        return self.budget_pence - self.funded_pence


def draw_lots(seed: int, candidate_ids: list[int]) -> dict[int, int]:
    """The lot for the last tie-break: a random order fixed by the round's stored seed."""
    order = sorted(candidate_ids)
    random.Random(seed).shuffle(order)
    return {cid: position for position, cid in enumerate(order)}


def tally(candidates: list[Candidate], ballots: list[frozenset[int]]) -> dict[int, int]:
    counts = {c.id: 0 for c in candidates}
    for ballot in ballots:
        for cid in ballot:
            if cid in counts:
                counts[cid] += 1
    return counts


class _Election:
    """The pabutools instance and profile for one round, plus the tie-break rule."""

    def __init__(self, candidates: list[Candidate], ballots: list[frozenset[int]], budget_pence: int, lots: dict[int, int]):
        self.candidates = {c.id: c for c in candidates}
        self.projects = {c.id: Project(str(c.id), c.cost_pence) for c in candidates}
        self.budget = budget_pence
        self.approvals = tally(candidates, ballots)
        # pabutools would fund a project nobody approved if money were left: leave those out.
        self.instance = Instance(self.supported(), budget_limit=budget_pence)
        self.profile = ApprovalProfile(
            [ApprovalBallot([self.projects[cid] for cid in sorted(b) if cid in self.projects]) for b in ballots]
        )
        self.lots = lots
        # One satisfaction profile for every run: pabutools caches each voter's scores in it.
        self.sat_profile = self.profile.as_sat_profile(Cost_Sat)

        def key(_inst, _prof, project):  # type: ignore[no-untyped-def]
            cid = int(project.name)
            return (project.cost, -self.approvals[cid], lots[cid])

        self.tie_breaking = TieBreakingRule(key)

    def ids(self, projects) -> list[int]:  # type: ignore[no-untyped-def]
        return [int(p.name) for p in projects]

    def supported(self) -> list[Project]:
        return [self.projects[cid] for cid, n in self.approvals.items() if n > 0]

    def greedy(self, initial: list[int] | None = None) -> list[int]:
        chosen = greedy_utilitarian_welfare(
            self.instance,
            self.profile,
            sat_class=Cost_Sat,  # (a shared sat_profile would take pabutools' slow generic path here)
            tie_breaking=self.tie_breaking,
            initial_budget_allocation=[self.projects[c] for c in initial] if initial else None,
        )
        return self.ids(chosen)

    def mes_at(self, share_pence: Fraction, *, analytics: bool = False):  # type: ignore[no-untyped-def]
        """Pure MES with every voter holding `share_pence` (the budget split equally, or raised)."""
        virtual = Instance(self.supported(), budget_limit=share_pence * self.profile.num_ballots())
        return method_of_equal_shares(
            virtual, self.profile, sat_profile=self.sat_profile, tie_breaking=self.tie_breaking, analytics=analytics
        )


def _greedy_order(election: _Election, ids: list[int]) -> list[int]:
    """The order greedy considers candidates: most approvals, then the tie-breaks."""
    return sorted(
        ids,
        key=lambda cid: (-election.approvals[cid], election.candidates[cid].cost_pence, election.lots[cid]),
    )


def _walk(election: _Election, budget_left: int, ids: list[int], lines: dict[int, Line], *, phase: str, start: int) -> tuple[list[int], int]:
    """Consider candidates in greedy order; say for each why it was or was not funded."""
    chosen: list[int] = []
    position = start
    for cid in _greedy_order(election, ids):
        cost = election.candidates[cid].cost_pence
        approvals = election.approvals[cid]
        position += 1
        if approvals == 0:
            lines[cid] = Line(cid, False, 0, "Not funded: no member approved it.", position)
        elif cost <= budget_left:
            budget_left -= cost
            chosen.append(cid)
            lines[cid] = Line(
                cid, True, approvals,
                f"Funded {phase}with {approvals} approval{'s' if approvals != 1 else ''}; "
                f"{format_pence(budget_left)} of the budget was left after it.",
                position,
            )
        else:
            lines[cid] = Line(
                cid, False, approvals,
                f"Not funded: the budget ran out at this point. It needed {format_pence(cost)} "
                f"but only {format_pence(budget_left)} was left when its turn came ({approvals} approvals).",
                position,
            )
    return chosen, budget_left


def run_greedy(candidates: list[Candidate], ballots: list[frozenset[int]], budget_pence: int, lots: dict[int, int]) -> Outcome:
    election = _Election(candidates, ballots, budget_pence, lots)
    chosen = election.greedy() if election.supported() else []
    lines: dict[int, Line] = {}
    walked, _ = _walk(election, budget_pence, list(election.candidates), lines, phase="", start=0)
    if set(walked) != set(chosen):  # pragma: no cover - the walk must tell pabutools' own story
        raise AssertionError(f"greedy explanation {walked} differs from pabutools {chosen}")
    return Outcome(
        rule="greedy", budget_pence=budget_pence, selected=walked, lines=lines,
        costs={c.id: c.cost_pence for c in candidates},
        parameters={"satisfaction": "cost (approval)", "tie_break": ["lowest cost", "most approvals", "lot"]},
    )


def _mes_add1(election: _Election) -> tuple[object, Fraction, int]:
    """MES with the Add1 completion: the largest raised equal share that keeps the outcome in budget."""
    voters = election.profile.num_ballots()
    base = Fraction(election.budget, voters)
    available = election.supported()
    cache: dict[int, object] = {}

    def run(steps: int):  # type: ignore[no-untyped-def]
        if steps not in cache:
            cache[steps] = election.mes_at(base + steps * ADD1_STEP_PENCE)
        return cache[steps]

    def stop(steps: int) -> bool:  # Add1 stops once an outcome overspends or cannot take any more
        outcome = run(steps)
        return not election.instance.is_feasible(outcome) or election.instance.is_exhaustive(outcome, available_projects=available)

    if stop(0):
        chosen_steps = 0
    else:
        high = 1
        while not stop(high):
            high *= 2
            if base + high * ADD1_STEP_PENCE > election.budget:  # a share above the whole budget changes nothing more
                break
        low = high // 2  # last known step that does not stop (0 if high == 1)
        while high - low > 1:
            middle = (low + high) // 2
            if stop(middle):
                high = middle
            else:
                low = middle
        chosen_steps = high
    if not election.instance.is_feasible(run(chosen_steps)):
        chosen_steps -= 1
    share = base + chosen_steps * ADD1_STEP_PENCE
    return election.mes_at(share, analytics=True), share, chosen_steps


def _supporters_left(election: _Election, details, cid: int) -> Fraction:  # type: ignore[no-untyped-def]
    """What a candidate's supporters had left of their equal shares when MES finished."""
    iterations = [it for it in details.iterations if it.voters_budget is not None]
    if not iterations:
        return Fraction(0)
    last = iterations[-1]
    budgets = last.voters_budget_after_selection if last.selected_project is not None and last.voters_budget_after_selection else last.voters_budget
    project = election.projects[cid]
    return sum(
        (Fraction(budgets[i]) for i, ballot in enumerate(election.profile) if project in ballot), Fraction(0)
    )


def run_mes(candidates: list[Candidate], ballots: list[frozenset[int]], budget_pence: int, lots: dict[int, int], *, complete: bool = True) -> Outcome:
    """Method of Equal Shares; with `complete`, the Add1 completion then greedy with what is left."""
    election = _Election(candidates, ballots, budget_pence, lots)
    lines: dict[int, Line] = {}
    costs = {c.id: c.cost_pence for c in candidates}
    if not election.supported():
        _walk(election, budget_pence, list(election.candidates), lines, phase="", start=0)
        return Outcome("mes" if complete else "mes_pure", budget_pence, [], lines, {}, costs)
    if complete:
        outcome, share, steps = _mes_add1(election)
    else:
        share = Fraction(budget_pence, election.profile.num_ballots())
        outcome, steps = election.mes_at(share, analytics=True), 0
    mes_ids = election.ids(outcome)
    position = 0
    for cid in mes_ids:
        position += 1
        n = election.approvals[cid]
        lines[cid] = Line(
            cid, True, n,
            f"Funded by equal shares: its {n} supporter{'s' if n != 1 else ''} could pay its "
            f"{format_pence(costs[cid])} cost from their equal shares of the budget.",
            position,
        )
    left = budget_pence - sum(costs[c] for c in mes_ids)
    rest = [cid for cid in election.candidates if cid not in lines]
    selected = list(mes_ids)
    if complete:
        chosen = election.greedy(initial=mes_ids)
        walked, _ = _walk(election, left, rest, lines, phase="with the money left after equal shares, ", start=position)
        if set(mes_ids) | set(walked) != set(chosen):  # pragma: no cover - must match pabutools' completion
            raise AssertionError(f"completion explanation differs from pabutools: {walked} vs {chosen}")
        selected += walked
    final_left = budget_pence - sum(costs[c] for c in selected)
    for cid in rest:
        line = lines.get(cid)
        if line is not None and line.funded:
            continue
        n = election.approvals[cid]
        if n == 0:
            lines[cid] = Line(cid, False, 0, "Not funded: no member approved it.", line.position if line else 0)
            continue
        supporters_left = _supporters_left(election, outcome.details, cid)
        reason = (
            f"Not funded: its {n} supporter{'s' if n != 1 else ''} had {format_pence(int(supporters_left))} left of their "
            f"equal shares after helping fund other projects, less than its {format_pence(costs[cid])} cost"
        )
        if complete:
            reason += f"; the {format_pence(final_left)} left over afterwards was not enough either."
        else:
            reason += "."
        lines[cid] = Line(cid, False, n, reason, line.position if line else 0)
    return Outcome(
        rule="mes" if complete else "mes_pure",
        budget_pence=budget_pence,
        selected=selected,
        lines=lines,
        costs=costs,
        parameters={
            "satisfaction": "cost (approval)",
            "tie_break": ["lowest cost", "most approvals", "lot"],
            "completion": "Add1 in £1 steps per voter, then greedy by approvals" if complete else "none",
            "equal_share_pence": str(share),
            "add1_steps": steps,
        },
    )


def compare(candidates: list[Candidate], ballots: list[frozenset[int]], budget_pence: int, lots: dict[int, int]) -> dict[str, Outcome]:
    """Greedy, pure MES and completed MES side by side."""
    return {
        "greedy": run_greedy(candidates, ballots, budget_pence, lots),
        "mes_pure": run_mes(candidates, ballots, budget_pence, lots, complete=False),
        "mes": run_mes(candidates, ballots, budget_pence, lots, complete=True),
    }
