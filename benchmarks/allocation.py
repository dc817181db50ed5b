"""Tally plus both allocation rules for 500 applications and 300 voters, from the database.

Builds a round in a temporary SQLite database through the app's own services (500 eligible
applications, 300 admitted members, ballots skewed like real ones: a few popular projects, a long
tail, about 15 approvals each), then times:

- the app: `compute_results` (ballots and conflicts read from the database, the tally, greedy,
  pure Method of Equal Shares, and Equal Shares with the Add1 completion then greedy, with a
  reason for every application), with nothing kept from an earlier run;
- pabutools alone on the same instance: the pabutools calls that give the same three outcomes
  once the Add1 share is known (greedy; MES at the equal share; MES at the Add1 share; greedy
  completion), starting from the candidates and ballots in memory;
- the results page's second view of an unchanged round (the outcomes are kept per round state).

Prints medians of several runs and the ratio of the app to pabutools alone (target: at most 2).
With `--split`, also where the app's time goes (medians per run): the database reads, the Add1 step
search (the quick exact Equal Shares at each £1 step) and the app's own pabutools calls.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from argon2.profiles import CHEAPEST
from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule
from sqlmodel import Session

from collectives.decisions.allocation import ADD1_STEP_PENCE, Candidate, draw_lots, tally
from collectives.decisions.service import compute_results
from collectives.rounds.service import get_round
from creative_minds import passwords
from creative_minds.cli import run_alembic
from creative_minds.db import import_models, make_engine
from creative_minds.settings import Settings

try:  # (so the same script can time the code from before the outcomes were kept)
    from collectives.decisions.allocation import forget_compared
except ImportError:  # pragma: no cover

    def forget_compared() -> None:
        pass


APPLICATIONS, VOTERS = 500, 300


def make_round(seed: int) -> tuple[list[Candidate], list[frozenset[int]], int, dict[int, int]]:
    """Candidates 1..500 with costs, and 300 ballots of candidate numbers (the same shape as before)."""
    rng = random.Random(seed)
    candidates = [Candidate(i, f"Project {i}", rng.randint(5, 150) * 10_000) for i in range(1, APPLICATIONS + 1)]
    popularity = {c.id: rng.random() ** 2 for c in candidates}
    ballots = [frozenset(c.id for c in candidates if rng.random() < popularity[c.id] * 0.09) for _ in range(VOTERS)]
    budget = sum(c.cost_pence for c in candidates) // 8
    return candidates, ballots, budget, draw_lots(seed, [c.id for c in candidates])


def build(session: Session, seed: int) -> int:
    """The round in the database, through the services; returns its id."""
    from tests.collectives.conftest import make_network

    candidates, ballots, budget, _ = make_round(seed)
    network = make_network(session, share_pence=budget * 2, budget_pence=budget, min_voters=1)
    ids = {}
    for candidate in candidates:
        ids[candidate.id] = network.apply(candidate.title, candidate.cost_pence).id
    members = [network.add_member() for _ in range(VOTERS)]
    network.to_voting()
    for member, ballot in zip(members, ballots):
        from collectives.voting import service as voting

        voting.cast_ballot(session, network.round, [ids[c] for c in sorted(ballot)], by=member)
    session.commit()
    network.advance()  # voting closed: deciding
    return network.round.id


def pabutools_alone(candidates, ballots, budget: int, lots: dict[int, int], share: Fraction) -> float:
    """Time the pabutools calls that give the three outcomes, the Add1 share being known."""
    start = time.perf_counter()
    approvals = tally(candidates, ballots)
    projects = {c.id: Project(str(c.id), c.cost_pence) for c in candidates}
    instance = Instance([projects[c] for c, n in approvals.items() if n > 0], budget_limit=budget)
    profile = ApprovalProfile([ApprovalBallot([projects[c] for c in sorted(b)]) for b in ballots])
    tie = TieBreakingRule(lambda _i, _p, p: (p.cost, -approvals[int(p.name)], lots[int(p.name)]))
    greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=tie)
    method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=tie)
    raised = Instance(list(instance), budget_limit=share * profile.num_ballots())
    completed = method_of_equal_shares(raised, profile, sat_class=Cost_Sat, tie_breaking=tie)
    greedy_utilitarian_welfare(
        instance, profile, sat_class=Cost_Sat, tie_breaking=tie, initial_budget_allocation=list(completed)
    )
    return time.perf_counter() - start


def time_parts() -> dict[str, list[float]]:
    """Wrap the app's parts in timers (for --split); returns the seconds each takes, one entry per run."""
    from collectives.decisions import allocation, service

    parts: dict[str, list[float]] = {}

    def timed(owner, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                parts[label][-1] += time.perf_counter() - start

        parts[label] = []
        setattr(owner, name, wrapper)

    timed(allocation, "_walk", "greedy and completion walks")
    timed(allocation._Election, "mes_at", "pabutools MES (both calls)")
    timed(allocation, "_first_stop", "Add1 step search (quick exact MES)")
    for name in ("applications_in", "ballots_for_count", "conflicted_partners_of", "quorum", "counted_receipts"):
        timed(service, name, "database reads")
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", action="store_true", help="also print where the app's time goes")
    args = parser.parse_args()
    parts = time_parts() if args.split else {}
    passwords.use_parameters(CHEAPEST)  # 800 demo accounts; hashing is not what is measured
    import_models()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/allocation.db", secret_key="benchmark" * 4)
        run_alembic(settings, "upgrade")
        engine = make_engine(settings)
        start = time.perf_counter()
        with Session(engine, expire_on_commit=False) as session:
            round_id = build(session, args.seed)
        print(f"built {APPLICATIONS} applications, {VOTERS} voters in {time.perf_counter() - start:.0f} s")
        app_times, alone_times, warm_times = [], [], []
        for _ in range(args.runs):
            forget_compared()
            with Session(engine, expire_on_commit=False) as session:
                for times in parts.values():
                    times.append(0.0)
                start = time.perf_counter()
                results = compute_results(session, get_round(session, round_id))
                app_times.append(time.perf_counter() - start)
                for times in parts.values():
                    times.append(0.0)
                start = time.perf_counter()
                compute_results(session, get_round(session, round_id))
                warm_times.append(time.perf_counter() - start)
            mes = results.outcomes["mes"]
            share = Fraction(str(mes.parameters["equal_share_pence"]))
            alone_times.append(
                pabutools_alone(results.candidates, results.ballots, results.round.budget_pence, results.lots, share)
            )
        engine.dispose()
    app, alone, warm = (statistics.median(t) for t in (app_times, alone_times, warm_times))
    approvals = sum(len(b) for b in results.ballots) / len(results.ballots)
    print(f"{APPLICATIONS} applications, {VOTERS} voters, {approvals:.1f} approvals per ballot, {args.runs} runs")
    print(
        f"greedy funds {len(results.outcomes['greedy'].selected)}, equal shares funds {len(mes.selected)} "
        f"(Add1 steps {mes.parameters['add1_steps']} of £{ADD1_STEP_PENCE // 100} per voter)"
    )
    print(f"  app, from the database  median {app:.3f} s   max {max(app_times):.3f} s")
    print(f"  pabutools alone         median {alone:.3f} s   max {max(alone_times):.3f} s")
    print(f"  results page, unchanged round (kept outcomes)  median {warm * 1000:.1f} ms")
    for label, times in parts.items():
        first_view = times[0::2]  # (the even entries: each run's first view; the odd ones are the kept outcomes)
        print(f"    of which {label:38s} median {statistics.median(first_view) * 1000:6.1f} ms")
    ratio = app / alone
    print(f"ratio to pabutools alone: {ratio:.2f}x (target at most 2x: {'met' if ratio <= 2 else 'NOT met'})")


if __name__ == "__main__":
    main()
