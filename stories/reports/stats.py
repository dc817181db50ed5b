"""Paired before/after statistics for metric SWEMWBS scores, computed on exact changes.

Metric scores have two decimals, so every score and every person's change is an exact whole number
of hundredths. Sums, means and shares are exact fractions; only what needs a square root or a
distribution (SD, confidence interval, t, p-values) becomes a float, and scipy is given the exact
integer differences, so a change of +3.10 and one of -3.10 stay a tie in Wilcoxon's ranks.

The Wilcoxon method is chosen here, not by scipy's "auto" (whose rule has changed between releases),
and is reported with the statistic W.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from creative_minds.labels import LabelledEnum

DEFAULT_THRESHOLD = Decimal("3")
EXACT_UP_TO = 50  # no ties or zeros and at most this many pairs: the exact null distribution
PERMUTE_UP_TO = 13  # ties or zeros and at most this many pairs: every one of the 2^n sign flips


class WilcoxonMethod(LabelledEnum):
    """How the Wilcoxon p-value was found, with the words the report uses for it."""

    EXACT = "exact", "exact distribution (no tied or zero changes)"
    PERMUTATION = "permutation", "exact permutation test over every sign flip (tied or zero changes)"
    NORMAL = "normal approximation", "normal approximation with tie and continuity corrections"


METHOD_EXPLANATIONS = WilcoxonMethod.labels()


def hundredths(value: Decimal | int | str) -> int:
    """A two-decimal metric score as a whole number of hundredths (refuses anything finer)."""
    scaled = Decimal(value) * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} is not a whole number of hundredths")
    return int(scaled)


@dataclass(frozen=True)
class ChangeCounts:
    threshold: Decimal
    rose: int
    stayed: int
    fell: int

    @property
    def total(self) -> int:
        return self.rose + self.stayed + self.fell

    def share(self, count: int) -> Fraction | None:
        return Fraction(100 * count, self.total) if self.total else None


@dataclass(frozen=True)
class PairedSummary:
    n: int
    mean_baseline: Fraction | None
    mean_follow_up: Fraction | None
    mean_change: Fraction | None
    ci_low: float | None
    ci_high: float | None
    sd_change: float | None
    t_statistic: float | None
    t_p_value: float | None
    wilcoxon_p_value: float | None
    wilcoxon_w: float | None
    wilcoxon_method: str | None
    cohens_dz: float | None
    percent_change_of_means: Fraction | None
    meaningful: ChangeCounts
    one_point: ChangeCounts
    zero_changes: int = 0

    @property
    def wilcoxon_explained(self) -> str:
        return METHOD_EXPLANATIONS.get(self.wilcoxon_method or "", "")


def count_changes(changes: Sequence[int] | Any, threshold: Decimal) -> ChangeCounts:
    """How many rose, stayed within, or fell by at least `threshold` metric points (changes in hundredths)."""
    import numpy as np

    values = np.asarray(changes, dtype=np.int64)
    limit = hundredths(threshold)
    rose, fell = int((values >= limit).sum()), int((values <= -limit).sum())
    return ChangeCounts(threshold, rose, len(values) - rose - fell, fell)


def wilcoxon_method(changes: Sequence[int] | Any) -> WilcoxonMethod:
    """The method scipy 1.17's "auto" picks, written down so the choice is ours and is reported."""
    import numpy as np

    values = np.asarray(changes, dtype=np.int64)
    magnitudes = np.abs(values[values != 0])
    ties_or_zeros = len(magnitudes) < len(values) or len(np.unique(magnitudes)) < len(magnitudes)
    if len(changes) > EXACT_UP_TO:
        return WilcoxonMethod.NORMAL
    if not ties_or_zeros:
        return WilcoxonMethod.EXACT
    return WilcoxonMethod.PERMUTATION if len(changes) <= PERMUTE_UP_TO else WilcoxonMethod.NORMAL


def wilcoxon(changes: Sequence[int] | Any) -> tuple[float, float, WilcoxonMethod]:
    """(W, p, method) for exact changes in hundredths; zero changes are dropped (Wilcoxon's method)."""
    import numpy as np
    from scipy import stats as sp

    method = wilcoxon_method(changes)
    argument: object = {
        WilcoxonMethod.EXACT: "exact",
        WilcoxonMethod.PERMUTATION: sp.PermutationMethod(),
        WilcoxonMethod.NORMAL: "asymptotic",
    }[method]
    result = sp.wilcoxon(np.asarray(changes, dtype=np.int64), method=argument)
    return float(result.statistic), float(result.pvalue), method


def summarise(
    pairs: Sequence[tuple[int, int]] | Sequence[tuple[Decimal, Decimal]],
    *,
    threshold: Decimal = DEFAULT_THRESHOLD,
    tests: bool = True,
) -> PairedSummary:
    """Figures for (baseline, follow-up) metric scores, given as Decimals or as hundredths.

    `tests=False` skips the t-test and Wilcoxon (for groups whose figures are never shown)."""
    import numpy as np

    exact = [(b, a) if isinstance(b, int) and isinstance(a, int) else (hundredths(b), hundredths(a)) for b, a in pairs]
    table = np.array(exact, dtype=np.int64).reshape(-1, 2)
    return summarise_arrays(table[:, 0], table[:, 1], threshold=threshold, tests=tests)


def summarise_arrays(
    before: Any, after: Any, *, threshold: Decimal = DEFAULT_THRESHOLD, tests: bool = True
) -> PairedSummary:
    """The same, for numpy integer arrays of hundredths (whole-array sums: exact, and fast for 100,000 pairs)."""
    changes = after - before
    n = len(changes)
    meaningful = count_changes(changes, threshold)
    one_point = count_changes(changes, Decimal("1"))
    zeros = int((changes == 0).sum())
    if n == 0:
        return PairedSummary(
            0, None, None, None, None, None, None, None, None, None, None, None, None, None, meaningful, one_point
        )
    total_before, total_after, total_change = int(before.sum()), int(after.sum()), int(changes.sum())
    mean_before = Fraction(total_before, 100 * n)
    mean_after = Fraction(total_after, 100 * n)
    mean_change = Fraction(total_change, 100 * n)
    percent = Fraction(100 * total_change, total_before) if total_before else None
    ci_low = ci_high = sd = t_stat = t_p = dz = w_p = w_stat = None
    method = None
    if n >= 2:
        # Variance of the changes from exact integer sums, in points squared.
        variance = Fraction(n * int((changes * changes).sum()) - total_change**2, n * (n - 1) * 100 * 100)
        sd = math.sqrt(variance)
        if sd > 0:  # every change identical: no spread, so no t-test, interval or effect size
            dz = float(mean_change) / sd
            if tests:
                from scipy import stats as sp  # imported when a report is made: ~70 MB other pages never need

                standard_error = sd / math.sqrt(n)
                t_stat = float(mean_change) / standard_error
                t_p = float(2 * sp.t.sf(abs(t_stat), n - 1))
                half_width = float(sp.t.ppf(0.975, n - 1)) * standard_error
                ci_low, ci_high = float(mean_change) - half_width, float(mean_change) + half_width
        if tests and zeros < n:
            w_stat, w_p, method = wilcoxon(changes)
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
        w_p,
        w_stat,
        method,
        dz,
        percent,
        meaningful,
        one_point,
        zeros,
    )
