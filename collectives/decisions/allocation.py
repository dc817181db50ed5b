"""Allocation rules: greedy by approvals, and the Method of Equal Shares run by pabutools.

Greedy (and the greedy completion after equal shares) is one pass in pabutools' own order, the
same walk that explains each decision; tests check it against pabutools' greedy_utilitarian_welfare.

Pure functions: candidates and ballots in, outcomes with a plain-words reason for every
candidate out. Money is whole pence; pabutools does exact (rational) arithmetic.

Tie-breaks (PB-NOTES): lowest cost first, then most approvals, then the round's published last
step (`lots`: a place per candidate, lower first; lots drawn when voting opened, or the order the
applications were sent). Money in the reasons is shown to the penny, rounded half-up.

Method of Equal Shares uses the "Add1" completion: every voter's equal share is raised step by
step while the outcome stays within the budget, then any money left is filled greedily by
approvals. Shares are in pence, so stepping one unit at a time would take minutes; the step is
one pound per voter, exactly as pabutools' own loop (`voter_budget_increment`): it stops at the
first step whose outcome overspends (keeping the step before) or leaves no room for anything
more. The outcome does not change monotonically with the share (a rule that has stopped can have
room again a few steps later), so every step is looked at in turn, by a quick exact copy of
pabutools' MES that says how many following steps must give the same outcome; pabutools itself
then runs at the step found. The outcome is pabutools' own Add1 completion (checked in tests).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import logging
import math
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from gmpy2 import mpq

from creative_minds.money import format_pence_exact as format_pence
from creative_minds.money import round_pence

if TYPE_CHECKING:
    from pabutools.election import Project

log = logging.getLogger("creative_minds")

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
    supporters_left_pence: int | None = None  # Equal Shares: what its supporters had left (not funded)
    stage: str = ""  # how it was funded: "equal shares" or "completion" (the money left, by approvals)


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

    def __init__(
        self, candidates: list[Candidate], ballots: list[frozenset[int]], budget_pence: int, lots: dict[int, int]
    ):
        # pabutools is imported when a rule runs, not when the app starts (it holds memory other pages never need).
        from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
        from pabutools.tiebreaking import TieBreakingRule

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

        def key(_inst, _prof, project):
            cid = int(project.name)
            return (project.cost, -self.approvals[cid], lots[cid])

        self.tie_breaking = TieBreakingRule(key)

    def supporter_indices(self) -> dict[int, list[int]]:
        """Each candidate's supporters, as positions in the profile (computed once)."""
        if not hasattr(self, "_supporters"):
            supporters: dict[int, list[int]] = {cid: [] for cid in self.candidates}
            for index, ballot in enumerate(self.profile):
                for project in ballot:
                    supporters[int(project.name)].append(index)
            self._supporters = supporters
        return self._supporters

    def ids(self, projects) -> list[int]:
        return [int(p.name) for p in projects]

    def quick(self) -> _EqualShares:
        """The quick exact MES for this round (built once; it keeps its last few outcomes)."""
        if not hasattr(self, "_quick"):
            self._quick = _EqualShares(self)
        return self._quick

    def supported(self) -> list[Project]:
        return [self.projects[cid] for cid, n in self.approvals.items() if n > 0]

    def mes_at(self, share_pence: Fraction, *, analytics: bool = False):
        """Pure MES with every voter holding `share_pence` (the budget split equally, or raised)."""
        from pabutools.election import Instance
        from pabutools.rules import method_of_equal_shares

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


def _walk(
    election: _Election, budget_left: int, ids: list[int], lines: dict[int, Line], *, phase: str, start: int
) -> tuple[list[int], int]:
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
                cid,
                True,
                approvals,
                f"Funded {phase}with {approvals} approval{'s' if approvals != 1 else ''}; "
                f"{format_pence(budget_left)} of the budget was left after it.",
                position,
            )
        else:
            lines[cid] = Line(
                cid,
                False,
                approvals,
                f"Not funded: the budget ran out at this point. It needed {format_pence(cost)} "
                f"but only {format_pence(budget_left)} was left when its turn came "
                f"({approvals} approval{'s' if approvals != 1 else ''}).",
                position,
            )
    return chosen, budget_left


def run_greedy(
    candidates: list[Candidate],
    ballots: list[frozenset[int]],
    budget_pence: int,
    lots: dict[int, int],
    *,
    election: _Election | None = None,
) -> Outcome:
    election = election or _Election(candidates, ballots, budget_pence, lots)
    lines: dict[int, Line] = {}
    # Greedy by approvals is one pass in pabutools' own order (most approvals, then the round's
    # tie-breaks), so the walk that explains each decision is the rule itself; tests check it
    # against pabutools' greedy_utilitarian_welfare on random rounds (tests/collectives).
    walked, _ = _walk(election, budget_pence, list(election.candidates), lines, phase="", start=0)
    return Outcome(
        rule="greedy",
        budget_pence=budget_pence,
        selected=walked,
        lines=lines,
        costs={c.id: c.cost_pence for c in candidates},
        parameters={"satisfaction": "cost (approval)", "tie_break": ["lowest cost", "most approvals", "lot"]},
    )


def _shared_price(cost: Any, held: list[int], budgets: list, capped: list[int]) -> tuple[Any, int]:
    """The price each supporter pays for `cost` when those who cannot pay it give all they have and the
    rest share what is left equally: (the price, how many pay it). `held` lists the supporters with money,
    least first; the ones who fall short are added to `capped`."""
    left = mpq(cost)  # what the supporters not yet counted as short must pay between them
    remaining = len(held)
    for i in held:
        price = left / remaining
        if price <= budgets[i]:
            break
        left -= budgets[i]
        remaining -= 1
        capped.append(i)
    return price, remaining


class _EqualShares:
    """The Method of Equal Shares for approval ballots with cost satisfaction, worked out exactly
    with the same arithmetic as pabutools' `mes_inner_algo` (gmpy2 rationals: each project's
    affordability, the lowest one chosen, ties broken by the round's rule, each supporter paying
    the same share or all they have left).

    Used only to find the Add1 step quickly: it builds its voters and projects once for every step
    tried, can stop as soon as an outcome overspends, and can say how far the equal share may rise
    before any choice it made could turn out differently (so the steps below that need no run of
    their own). The outcome shown is always the one pabutools itself gives at the step found, and
    the two are checked to agree.
    """

    def __init__(self, election: _Election):
        self.voters = election.profile.num_ballots()
        self.costs = {cid: election.candidates[cid].cost_pence for cid in election.approvals}
        self.supporters = {cid: v for cid, v in election.supporter_indices().items() if v and self.costs[cid] > 0}
        self.budgets: list = []
        self.tie = {cid: (self.costs[cid], -election.approvals[cid], election.lots[cid]) for cid in self.supporters}
        # What each supporter pays when none of them runs short: the cost split equally.
        self.equal_price = {cid: mpq(self.costs[cid], len(v)) for cid, v in self.supporters.items()}
        self.equal_afford = {cid: mpq(1, len(v)) for cid, v in self.supporters.items()}
        # Every project queued at the start, lowest possible affordability first (each run copies it).
        self.start = [(self.equal_afford[cid], self.tie[cid], cid) for cid in self.supporters]
        heapq.heapify(self.start)
        # The same as floats, for the quick sure answers of `_run_plain`, and how far such a float answer may be
        # off (relative; generous: rounding in a sum or a price over n supporters is well within n * n * 2**-52).
        self.equal_price_float = {cid: float(price) for cid, price in self.equal_price.items()}
        self.tolerance = {cid: 1e-9 + len(v) ** 2 * 2.0**-48 for cid, v in self.supporters.items()}
        # The sure lines for each project: its cost and its equal price give or take that much, and the factor
        # that makes a float affordability a sure lower bound.
        self.sure = {
            cid: (
                self.costs[cid],
                self.supporters[cid],
                self.costs[cid] * (1 - margin),
                self.costs[cid] * (1 + margin),
                self.equal_price_float[cid] * (1 - margin),
                self.equal_price_float[cid] * (1 + margin),
                (1 - margin) / self.costs[cid],
            )
            for cid, margin in self.tolerance.items()
        }
        # Its queue: the float first (the order is the same, since rounding keeps order; most comparisons end there).
        # Queued in the order of the share from which its supporters could pay for it at all (its cost over their
        # number): a run leaves out those still above its share.
        self.start_plain = sorted(
            ((float(a), a, key, cid) for a, key, cid in self.start), key=lambda e: self.equal_price[e[3]]
        )
        self.reachable_from = [self.equal_price[e[3]] for e in self.start_plain]
        # For keeping the float budgets by subtracting each price's float (see `_run_plain`): the most payments one
        # voter can make (the most projects on one ballot), the most supporters of a project, the least cost.
        self.most_payments = max(map(len, election.profile), default=0)
        self.most_supporters = max(map(len, self.supporters.values()), default=0)
        self.least_cost = min((self.costs[cid] for cid in self.supporters), default=0)
        self.subtracting = False  # whether the last quick run kept its float budgets by subtraction
        self.limit: Any = None
        self._kept: OrderedDict[Fraction, tuple[list[int], list]] = OrderedDict()  # the last few whole outcomes

    def outcome(self, share: Fraction) -> tuple[list[int], list]:
        """The projects chosen at `share` and what each voter had left (kept from a recent run)."""
        if share not in self._kept:
            self.run(share)
        return self._kept[share]

    def run(self, share: Fraction, *, stop_above: int | None = None, track: bool = False) -> tuple[list[int], bool]:
        """The projects chosen, in order, with every voter holding `share`; and whether their cost
        went above `stop_above` (the work stops there: the outcome can only cost more).

        With `track`, also works out `self.limit`: a share (or None for none) below which every
        higher share gives this same outcome. Every quantity the rule compares is then a straight
        line in the share (each voter's budget, each project's price per supporter), as long as
        the same voters run short; `limit` is the lowest share above this one at which any of
        those comparisons could change its answer (a conservative bound: at and above it the rule
        must be run again)."""
        zero = mpq(0)
        s = mpq(share.numerator, share.denominator)
        if not track:
            return self._run_plain(share, s, stop_above)
        budgets = [s] * self.voters
        self.budgets = budgets  # what each voter has left (the last run's), for the explanations
        costs, supporters, equal_price = self.costs, self.supporters, self.equal_price
        # Budget of voter i at share x: slopes[i] * x + offsets[i] (only kept when tracking).
        slopes = [mpq(1)] * self.voters if track else []
        offsets = [zero] * self.voters if track else []
        limit = None
        falling: dict[int, tuple[Any, Any]] = {}  # queued lower bounds that fall as the share rises

        def keep_while(d_a: Any, d_b: Any) -> None:
            """A comparison that holds at this share as d_a * x + d_b >= 0: note where it may stop holding."""
            nonlocal limit
            if d_a < 0:
                root = -d_b / d_a
                if limit is None or root < limit:
                    limit = root

        heap = list(self.start)
        equal_afford = self.equal_afford
        chosen: list[int] = []
        spent = 0
        while heap:
            lower, key, cid = heapq.heappop(heap)
            if track:
                falling.pop(cid, None)
            cost = costs[cid]
            sup = supporters[cid]
            price = equal_price[cid]
            capped: list[int] = []
            if min(map(budgets.__getitem__, sup)) >= price:
                afford = equal_afford[cid]  # every supporter can pay an equal share
                q_a, q_b = zero, price
                paying = sup
            else:
                if sum(map(budgets.__getitem__, sup), zero) < cost:  # its supporters cannot pay for it
                    if track:
                        keep_while(
                            -sum(map(slopes.__getitem__, sup), zero), cost - sum(map(offsets.__getitem__, sup), zero)
                        )
                    continue
                held = sorted(
                    (i for i in sup if budgets[i]), key=budgets.__getitem__
                )  # (those with nothing pay nothing)
                if track:
                    capped = [i for i in sup if not budgets[i]]
                price, remaining = _shared_price(cost, held, budgets, capped)
                paying = held[len(held) - remaining :]
                afford = price / cost
                if track:  # the price per paying supporter, as a line in the share
                    q_a = -sum(map(slopes.__getitem__, capped), zero) / remaining
                    q_b = (cost - sum(map(offsets.__getitem__, capped), zero)) / remaining
                    for i in capped:  # each capped voter stays unable to pay the price
                        keep_while(q_a - slopes[i], q_b - offsets[i])
            if afford != lower:  # its supporters have spent since: try again with the true value
                heapq.heappush(heap, (afford, key, cid))
                if track and q_a < 0:
                    falling[cid] = (q_a / cost, q_b / cost)
                continue
            if track:  # every project still queued stays no more affordable than this one
                r_a, r_b = q_a / cost, q_b / cost
                for o_a, o_b in falling.values():
                    keep_while(o_a - r_a, o_b - r_b)
            chosen.append(cid)
            spent += cost
            if stop_above is not None and spent > stop_above:
                self.limit = limit
                return chosen, True
            for i in capped:  # they pay all they have
                budgets[i] = zero
                if track:
                    slopes[i] = offsets[i] = zero
            for i in paying:
                budgets[i] = budgets[i] - price
                if track:
                    slopes[i] = slopes[i] - q_a
                    offsets[i] = offsets[i] - q_b
        self.limit = limit
        self._kept[share] = (chosen, budgets)
        while len(self._kept) > 3:
            self._kept.popitem(last=False)
        return chosen, False

    def _run_plain(self, share: Fraction, s: Any, stop_above: int | None) -> tuple[list[int], bool]:
        """`run` without tracking, the same choices quicker: a float copy of each voter's budget gives
        the sure answers (a project its supporters cannot pay for, one they can all pay an equal
        share of, a lower bound of an affordability for the queue) whenever the float is far enough
        from the line; every close call, every choice and every payment is worked out exactly."""
        zero = mpq(0)
        budgets = [s] * self.voters
        floats = [float(s)] * self.voters
        self.budgets = budgets  # what each voter has left (the last run's), for the explanations
        costs, equal_price, equal_afford, sure = self.costs, self.equal_price, self.equal_afford, self.sure
        exact, rough = budgets.__getitem__, floats.__getitem__
        heap = self.start_plain[: bisect.bisect_right(self.reachable_from, s)]  # (the others cannot be paid for)
        heapq.heapify(heap)
        chosen: list[int] = []
        spent = 0
        # Exact affordabilities worked out since the last choice (budgets unchanged): a project queued again with
        # one is chosen without working it out again when its turn comes.
        worked_out: dict[int, tuple[Any, Any, list[int], list[int]]] = {}
        capped: list[int]

        # Each float budget is within rounding of the exact one. Subtracting each price's float from it instead of
        # converting the new exact budget adds at most 2**-52 of the share per payment; while that, over a voter's
        # payments and a project's supporters, stays within a tenth of the sure lines' 1e-9 (relative to the least
        # cost), the sure answers stay sure (a price moves by at most the supporters' summed error).
        drift = (self.most_payments + 1) * 2.0**-52 * float(s) * self.most_supporters**2
        subtract = self.subtracting = drift <= 1e-10 * self.least_cost

        def pay(price: Any, paying: list[int], capped: list[int]) -> None:
            for i in capped:  # they pay all they have
                budgets[i] = zero
                floats[i] = 0.0
            if subtract:
                price_float = float(price)
                for i in paying:
                    budgets[i] = budgets[i] - price
                    floats[i] -= price_float
                return
            for i in paying:
                budgets[i] = left_of = budgets[i] - price
                floats[i] = float(left_of)

        while heap:
            queued, lower, key, cid = heapq.heappop(heap)  # (the float, and the exact lower bound)
            if worked_out and cid in worked_out:  # worked out exactly since the last choice: its turn now
                afford, price, paying, capped = worked_out.pop(cid)
                if afford == lower:
                    chosen.append(cid)
                    spent += costs[cid]
                    if stop_above is not None and spent > stop_above:
                        self.limit = None
                        return chosen, True
                    pay(price, paying, capped)
                    worked_out.clear()
                    continue
            cost, sup, cost_low, cost_high, equal_low, equal_high, shrink = sure[cid]
            total = sum(map(rough, sup))
            if total < cost_low:  # surely its supporters cannot pay for it
                continue
            ordered = sorted(map(rough, sup))  # (its least for the sure equal share, then the rough price)
            least = ordered[0]
            capped = []
            if least > equal_high or (least >= equal_low and min(map(exact, sup)) >= equal_price[cid]):
                afford = equal_afford[cid]  # every supporter can pay an equal share
                price = equal_price[cid]
                paying = sup
            else:
                if total <= cost_high and sum(map(exact, sup), zero) < cost:
                    continue  # its supporters cannot pay for it
                # The price roughly, by the same steps as the exact ones below (those with nothing are skipped at once).
                first = bisect.bisect_right(ordered, 0.0)
                left, remaining = float(cost), len(ordered) - first
                for budget in itertools.islice(ordered, first, None):
                    price_float = left / remaining
                    if price_float <= budget:
                        break
                    left -= budget
                    remaining -= 1
                if not remaining:  # (rounding: worked out exactly below)
                    price_float = 0.0
                bound = price_float * shrink
                if queued < bound:  # surely above its queued bound: queue it again with a sure lower bound
                    # (the float itself as the exact bound: gmpy2 compares a rational with a float exactly)
                    heapq.heappush(heap, (bound, bound, key, cid))
                    continue
                held = sorted((i for i in sup if budgets[i]), key=exact)  # (those with nothing pay nothing)
                price, remaining = _shared_price(cost, held, budgets, capped)
                paying = held[len(held) - remaining :]
                afford = price / cost
            if afford != lower:  # its supporters have spent since: try again with the true value
                entry = (float(afford), afford, key, cid)
                if heap and heap[0] < entry:  # (else it would be the next taken from the queue: its turn now)
                    heapq.heappush(heap, entry)
                    worked_out[cid] = (afford, price, paying, capped)
                    continue
            chosen.append(cid)
            spent += cost
            if stop_above is not None and spent > stop_above:
                self.limit = None
                return chosen, True
            pay(price, paying, capped)
            worked_out.clear()
        self.limit = None
        self._kept[share] = (chosen, budgets)
        while len(self._kept) > 3:
            self._kept.popitem(last=False)
        return chosen, False


def _mes_add1(election: _Election) -> tuple[object, Fraction, int, list]:
    """MES with the Add1 completion, exactly as pabutools' own loop: the share rises £1 per voter at
    a time until the outcome overspends (then the step before is taken) or nothing more fits."""
    base = Fraction(election.budget, election.profile.num_ballots())
    fast = election.quick()
    available = sorted((cost, cid) for cid, cost in fast.costs.items() if cid in fast.supporters)  # cheapest first

    overspent = False

    def stops(steps: int, track: bool) -> bool:
        nonlocal overspent
        share = base + steps * ADD1_STEP_PENCE
        if share in fast._kept and not track:
            chosen, overspent = fast._kept[share][0], False
        else:
            chosen, overspent = fast.run(share, stop_above=election.budget, track=track)
        if overspent:
            return True
        left = election.budget - sum(map(fast.costs.__getitem__, chosen))
        taken = set(chosen)
        cheapest = next((cost for cost, cid in available if cid not in taken), None)  # (of those not chosen)
        return cheapest is None or cheapest > left

    steps = _first_stop(base, stops, lambda: fast.limit)
    chosen_steps = steps - 1 if overspent else steps  # (an outcome over budget: pabutools keeps the step before)
    share = base + chosen_steps * ADD1_STEP_PENCE
    outcome = election.mes_at(share)
    chosen, budgets = fast.outcome(share)
    if election.ids(outcome) != chosen:  # pragma: no cover - must never happen; pabutools decides
        log.error("Equal shares worked out here differs from pabutools at %s; using pabutools at every step", share)
        return _mes_add1_by_pabutools(election)
    return outcome, share, chosen_steps, budgets


def _first_stop(base: Fraction, stops, limit) -> int:
    """The first step at which the Add1 loop stops (pabutools tries every step in turn; the rule's
    outcome does not change monotonically with the share, so no step may be passed over unseen).

    A step is passed over only when the run before it showed its outcome is the same (the share
    stays below that run's `limit`). Working the bound out makes a run several times slower, so it
    is worked out again after a step it did not help with only every 128 steps (where the outcome
    changes at almost every step, as in large rounds, it seldom helps; the steps are the same
    either way)."""
    steps, track, misses = 0, True, 0
    while True:
        if stops(steps, track):
            return steps
        following = steps + 1
        if track:
            bound = limit()  # (None: no bound was found, so the next step is looked at as usual)
            if bound is not None:
                skip = math.ceil((Fraction(int(bound.numerator), int(bound.denominator)) - base) / ADD1_STEP_PENCE)
                following = max(following, skip)
            misses = 0 if following > steps + 1 else misses + 1
        steps = following
        track = misses < 1 or steps % 128 == 0


def _mes_add1_by_pabutools(election: _Election) -> tuple[object, Fraction, int, list]:
    """The same loop with pabutools at every step (slow; the fallback if the two ever disagree)."""
    base = Fraction(election.budget, election.profile.num_ballots())
    available = election.supported()
    steps = 0
    while True:
        outcome = election.mes_at(base + steps * ADD1_STEP_PENCE)
        if not election.instance.is_feasible(outcome):
            steps -= 1
            break
        if election.instance.is_exhaustive(outcome, available_projects=available):
            break
        steps += 1
    share = base + steps * ADD1_STEP_PENCE
    outcome = election.mes_at(share, analytics=True)
    return outcome, share, steps, _final_budgets(outcome.details)


def _pure_mes(election: _Election, share: Fraction) -> tuple[object, list]:
    """Pure MES at the equal share, by pabutools, with what each voter had left at the end."""
    outcome = election.mes_at(share)
    chosen, budgets = election.quick().outcome(share)
    if election.ids(outcome) != chosen:  # pragma: no cover - must never happen; pabutools decides
        log.error("Equal shares worked out here differs from pabutools at %s; using pabutools' own record", share)
        outcome = election.mes_at(share, analytics=True)
        return outcome, _final_budgets(outcome.details)
    return outcome, budgets


def _final_budgets(details) -> list:
    """Each voter's budget when pabutools' MES finished, from its own record of the run."""
    iterations = [it for it in details.iterations if it.voters_budget is not None]
    if not iterations:  # pragma: no cover - every run records at least one iteration
        return []
    last = iterations[-1]
    if last.selected_project is not None and last.voters_budget_after_selection:
        return list(last.voters_budget_after_selection)
    return list(last.voters_budget)


def _supporters_left(supporters: list[int], budgets: list) -> Fraction:
    """What a candidate's supporters had left of their equal shares when MES finished."""
    total = sum((budgets[i] for i in supporters), mpq(0)) if budgets else mpq(0)
    return Fraction(int(total.numerator), int(total.denominator))


def run_mes(
    candidates: list[Candidate],
    ballots: list[frozenset[int]],
    budget_pence: int,
    lots: dict[int, int],
    *,
    complete: bool = True,
    election: _Election | None = None,
) -> Outcome:
    """Method of Equal Shares; with `complete`, the Add1 completion then greedy with what is left."""
    election = election or _Election(candidates, ballots, budget_pence, lots)
    lines: dict[int, Line] = {}
    costs = {c.id: c.cost_pence for c in candidates}
    if not election.supported():
        _walk(election, budget_pence, list(election.candidates), lines, phase="", start=0)
        return Outcome("mes" if complete else "mes_pure", budget_pence, [], lines, {}, costs)
    if complete:
        outcome, share, steps, budgets = _mes_add1(election)
    else:
        share = Fraction(budget_pence, election.profile.num_ballots())
        (outcome, budgets), steps = _pure_mes(election, share), 0
    supporters = election.supporter_indices()
    mes_ids = election.ids(outcome)
    position = 0
    raised = (
        f" (everyone's share was raised to {format_pence(round_pence(share))} so more of the budget could be used)"
        if steps
        else ""
    )
    for cid in mes_ids:
        position += 1
        n = election.approvals[cid]
        lines[cid] = Line(
            cid,
            True,
            n,
            f"Funded by equal shares: its {n} supporter{'s' if n != 1 else ''} could pay its "
            f"{format_pence(costs[cid])} cost from their equal shares of the budget{raised}.",
            position,
            stage="equal shares",
        )
    left = budget_pence - sum(costs[c] for c in mes_ids)
    rest = [cid for cid in election.candidates if cid not in lines]
    selected = list(mes_ids)
    if complete:
        # pabutools' greedy completion, as the same one-pass walk over what equal shares left
        # (checked against pabutools' completion_by_rule_combination by the tests).
        walked, _ = _walk(election, left, rest, lines, phase="with the money left after equal shares, ", start=position)
        for cid in walked:
            lines[cid].stage = "completion"
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
        supporters_left = round_pence(_supporters_left(supporters[cid], budgets))
        reason = (
            f"Not funded: its {n} supporter{'s' if n != 1 else ''} had {format_pence(supporters_left)} left of their "
            f"equal shares after helping fund other projects, less than its {format_pence(costs[cid])} cost"
        )
        if complete:
            reason += f"; the {format_pence(final_left)} left over afterwards was not enough either."
        else:
            reason += "."
        lines[cid] = Line(cid, False, n, reason, line.position if line else 0, supporters_left)
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


_COMPARED: OrderedDict[tuple, dict[str, Outcome]] = OrderedDict()
_COMPARED_KEEP = 16
_COMPARED_LOCK = threading.Lock()


def compare(
    candidates: list[Candidate], ballots: list[frozenset[int]], budget_pence: int, lots: dict[int, int]
) -> dict[str, Outcome]:
    """Greedy, pure MES and completed MES side by side.

    The rules are pure functions of their input, so the outcomes of the last few inputs are kept:
    the results page of a round whose ballots, applications and budget have not changed is not
    worked out again. The key is the whole input, so any change (a vote, a budget) is a new key.
    """
    key = (
        tuple((c.id, c.title, c.cost_pence) for c in candidates),
        tuple(tuple(sorted(b)) for b in ballots),
        budget_pence,
        tuple(sorted(lots.items())),
    )
    with _COMPARED_LOCK:
        if key in _COMPARED:
            _COMPARED.move_to_end(key)
            return _COMPARED[key]
    election = _Election(candidates, ballots, budget_pence, lots)  # one instance and profile for the three
    outcomes = {
        "greedy": run_greedy(candidates, ballots, budget_pence, lots, election=election),
        "mes_pure": run_mes(candidates, ballots, budget_pence, lots, complete=False, election=election),
        "mes": run_mes(candidates, ballots, budget_pence, lots, complete=True, election=election),
    }
    with _COMPARED_LOCK:
        _COMPARED[key] = outcomes
        while len(_COMPARED) > _COMPARED_KEEP:
            _COMPARED.popitem(last=False)
    return outcomes


def forget_compared() -> None:
    """Empty the kept outcomes (benchmarks time the work itself)."""
    with _COMPARED_LOCK:
        _COMPARED.clear()
