"""Tally plus both allocation rules for 500 applications and 300 voters (target: under 2 s).

Approvals are skewed like real ballots (a few popular projects, a long tail); each voter
approves about 15 applications. Prints the median of several runs and each part's share.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collectives.allocation import Candidate, draw_lots, run_greedy, run_mes, tally  # noqa: E402

APPLICATIONS, VOTERS, RUNS = 500, 300, 5


def make_round(seed: int) -> tuple[list[Candidate], list[frozenset[int]], int, dict[int, int]]:
    rng = random.Random(seed)
    candidates = [Candidate(i, f"Project {i}", rng.randint(5, 150) * 10_000) for i in range(1, APPLICATIONS + 1)]
    popularity = {c.id: rng.random() ** 2 for c in candidates}
    ballots = [frozenset(c.id for c in candidates if rng.random() < popularity[c.id] * 0.09) for _ in range(VOTERS)]
    budget = sum(c.cost_pence for c in candidates) // 8
    return candidates, ballots, budget, draw_lots(seed, [c.id for c in candidates])


def main() -> None:
    timings: dict[str, list[float]] = {"tally": [], "greedy": [], "mes_pure": [], "mes_add1": [], "total": []}
    for run in range(RUNS):
        candidates, ballots, budget, lots = make_round(run)
        start = time.perf_counter()
        tally(candidates, ballots)
        t1 = time.perf_counter()
        greedy = run_greedy(candidates, ballots, budget, lots)
        t2 = time.perf_counter()
        run_mes(candidates, ballots, budget, lots, complete=False)
        t3 = time.perf_counter()
        mes = run_mes(candidates, ballots, budget, lots)
        t4 = time.perf_counter()
        for key, value in zip(timings, (t1 - start, t2 - t1, t3 - t2, t4 - t3, t4 - start)):
            timings[key].append(value)
    approvals = sum(len(b) for b in ballots) / len(ballots)
    print(f"{APPLICATIONS} applications, {VOTERS} voters, {approvals:.1f} approvals per ballot, {RUNS} runs")
    print(f"last run: greedy funds {len(greedy.selected)}, equal shares funds {len(mes.selected)} "
          f"(Add1 steps {mes.parameters['add1_steps']})")
    for key, values in timings.items():
        print(f"  {key:9} median {statistics.median(values):.3f} s   max {max(values):.3f} s")
    median_total = statistics.median(timings["total"])
    print(f"target under 2 s: {'met' if median_total < 2 else 'NOT met'} ({median_total:.2f} s)")


if __name__ == "__main__":
    main()
