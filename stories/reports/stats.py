"""Paired before/after statistics for metric SWEMWBS scores (scipy), labelled with n.

Everything here takes paired metric scores (baseline, follow-up) and returns plain numbers, so
the report can say exactly what it measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

DEFAULT_THRESHOLD = Decimal("3")


@dataclass(frozen=True)
class ChangeCounts:
    threshold: Decimal
    rose: int
    stayed: int
    fell: int

    @property
    def total(self) -> int:
        return self.rose + self.stayed + self.fell


@dataclass(frozen=True)
class PairedSummary:
    n: int
    mean_baseline: float | None
    mean_follow_up: float | None
    mean_change: float | None
    ci_low: float | None
    ci_high: float | None
    sd_change: float | None
    t_statistic: float | None
    t_p_value: float | None
    wilcoxon_p_value: float | None
    cohens_dz: float | None
    percent_change_of_means: float | None
    meaningful: ChangeCounts
    one_point: ChangeCounts


def count_changes(changes: list[Decimal], threshold: Decimal) -> ChangeCounts:
    """How many rose, stayed within, or fell by at least `threshold` metric points."""
    rose = sum(1 for c in changes if c >= threshold)
    fell = sum(1 for c in changes if c <= -threshold)
    return ChangeCounts(threshold, rose, len(changes) - rose - fell, fell)


def summarise(pairs: list[tuple[Decimal, Decimal]], *, threshold: Decimal = DEFAULT_THRESHOLD) -> PairedSummary:
    from scipy import stats as sp  # imported when a report is made: it holds ~70 MB the other pages never need

    changes = [after - before for before, after in pairs]
    n = len(pairs)
    meaningful = count_changes(changes, threshold)
    one_point = count_changes(changes, Decimal("1"))
    if n == 0:
        return PairedSummary(0, None, None, None, None, None, None, None, None, None, None, None, meaningful, one_point)
    before = [float(b) for b, _ in pairs]
    after = [float(a) for _, a in pairs]
    diffs = [float(c) for c in changes]
    mean_before = sum(before) / n
    mean_after = sum(after) / n
    mean_change = sum(diffs) / n
    percent = (mean_after - mean_before) / mean_before * 100
    if n < 2:
        return PairedSummary(
            n,
            mean_before,
            mean_after,
            mean_change,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            percent,
            meaningful,
            one_point,
        )
    sd = math.sqrt(sum((d - mean_change) ** 2 for d in diffs) / (n - 1))
    if sd == 0:  # every change identical: no spread, so no t-test, interval or effect size
        ci_low = ci_high = t_stat = t_p = dz = None
    else:
        half_width = sp.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
        ci_low, ci_high = mean_change - half_width, mean_change + half_width
        test = sp.ttest_rel(after, before)
        t_stat, t_p = float(test.statistic), float(test.pvalue)
        dz = mean_change / sd
    wilcoxon_p = None
    if any(d != 0 for d in diffs):
        wilcoxon_p = float(sp.wilcoxon(after, before).pvalue)
    return PairedSummary(
        n,
        mean_before,
        mean_after,
        mean_change,
        ci_low,
        ci_high,
        sd,
        t_stat,
        t_p,
        wilcoxon_p,
        dz,
        percent,
        meaningful,
        one_point,
    )
