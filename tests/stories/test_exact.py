"""Exact changes: tied absolute changes stay tied, zeros are dropped, and figures round half-up.

The Wilcoxon case below is worked out by hand (no call to the code's own computation):

    pair  before  after  change (hundredths)
    1     16.88   19.98   +310
    2     28.13   25.03   -310   <- |change| ties with pair 1; as floats 3.1000000000000014 vs 3.099999999999998
    3     16.88   17.43    +55
    4     17.43   17.98    +55
    5     19.25   19.25      0   <- zero: dropped (Wilcoxon's method)
    6     22.35   22.35      0
    7     14.08   18.59   +451
    8     15.84   20.73   +489
    9     20.73   22.35   +162

Non-zero |changes| ranked: 55, 55 -> 1.5 each; 162 -> 3; 310, 310 -> 4.5 each; 451 -> 6; 489 -> 7.
R- = 4.5 (pair 2), R+ = 28 - 4.5 = 23.5, so W = min = 4.5.
Ties and zeros with 9 pairs: the exact permutation test over every sign flip. The zeros' signs change
nothing, so count over the 2^7 = 128 sign patterns of the non-zero changes: patterns with R- <= 4.5 are
the negative sets {}, {1.5a}, {1.5b}, {3}, {1.5a,1.5b}, {4.5a}, {4.5b}, {1.5a,3}, {1.5b,3}: 9 of them.
Two-sided p = 2 x 9/128 = 18/128 = 0.140625.
With float subtraction the 3.10s untie (ranks 4 and 5), R- = 4, and p = 2 x 6/128 = 0.09375: wrong.
Sum of changes 1212 hundredths over 9 pairs: mean change 1.34666... shown +1.35.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from scipy import stats as sp

from creative_minds.formatting import format_p, format_percent, format_signed, half_up
from stories.reports.stats import WilcoxonMethod, summarise

D = Decimal
PAIRS = [
    (D("16.88"), D("19.98")),
    (D("28.13"), D("25.03")),
    (D("16.88"), D("17.43")),
    (D("17.43"), D("17.98")),
    (D("19.25"), D("19.25")),
    (D("22.35"), D("22.35")),
    (D("14.08"), D("18.59")),
    (D("15.84"), D("20.73")),
    (D("20.73"), D("22.35")),
]


class TestExactWilcoxon:
    def test_tied_absolute_changes_and_zeros_give_the_hand_worked_p(self):
        s = summarise(PAIRS)
        assert s.wilcoxon_w == 4.5
        assert s.wilcoxon_p_value == pytest.approx(18 / 128, abs=1e-12)
        assert s.wilcoxon_method == WilcoxonMethod.PERMUTATION
        assert s.zero_changes == 2

    def test_float_subtraction_would_have_given_another_answer(self):
        # The mistake this guards against, kept visible: scipy on float scores unties the 3.10s.
        floats = sp.wilcoxon([float(a) for _, a in PAIRS], [float(b) for b, _ in PAIRS])
        assert floats.pvalue == pytest.approx(12 / 128)
        assert summarise(PAIRS).wilcoxon_p_value != pytest.approx(floats.pvalue)

    def test_means_and_change_are_exact_fractions(self):
        s = summarise(PAIRS)
        assert s.mean_change == Fraction(1212, 900)
        assert s.mean_baseline == Fraction(17157, 900)  # 1688+2813+1688+1743+1925+2235+1408+1584+2073
        assert format_signed(s.mean_change) == "+1.35"

    def test_no_ties_no_zeros_uses_the_exact_distribution(self):
        # changes +55, +162, -310, +451, +489: ranks 1, 2, 3, 4, 5; R- = 3 = W.
        # Exact: sign sets with R- <= 3 are {}, {1}, {2}, {3}, {1,2}: 5 of 32; p = 2 x 5/32 = 0.3125.
        s = summarise([PAIRS[2], PAIRS[8], PAIRS[1], PAIRS[6], PAIRS[7]])
        assert (s.wilcoxon_w, s.wilcoxon_method) == (3.0, WilcoxonMethod.EXACT)
        assert s.wilcoxon_p_value == pytest.approx(0.3125)

    def test_more_than_fifty_pairs_use_the_normal_approximation(self):
        s = summarise([(D("14.08"), D("17.98"))] * 30 + [(D("17.98"), D("14.08"))] * 21)
        assert s.wilcoxon_method == WilcoxonMethod.NORMAL

    def test_hidden_groups_skip_the_tests(self):
        s = summarise(PAIRS, tests=False)
        assert s.wilcoxon_p_value is None and s.t_p_value is None and s.mean_change == Fraction(1212, 900)

    def test_sd_of_the_change_from_exact_sums(self):
        # changes 1.00 and 2.00: mean 1.5, SD sqrt(((-.5)^2 + .5^2) / 1) = 0.70710678...
        s = summarise([(D("14.08"), D("15.08")), (D("14.08"), D("16.08"))])
        assert s.sd_change == pytest.approx(0.7071067811865476)


class TestHalfUp:
    @pytest.mark.parametrize(
        ("value", "places", "shown"),
        [
            (Fraction(125, 2), 0, "63"),  # 62.5% shows 63%, not 62 (half to even)
            (62.5, 0, "63"),
            (D("1.015"), 2, "1.02"),
            (1.015, 2, "1.02"),  # the float is 1.01499999...; its shortest form 1.015 rounds up
            (2.5, 0, "3"),
            (Fraction(1, 3), 2, "0.33"),
            (-0.125, 2, "-0.13"),
            (0, 2, "0.00"),
        ],
    )
    def test_rounds_half_up(self, value, places, shown):
        assert half_up(value, places) == shown

    def test_signed_and_percent_and_p(self):
        assert format_signed(Fraction(-1, 2)) == "−0.50"
        assert format_signed(D("0.004")) == "0.00"
        assert format_percent(5, 8) == "63%"
        assert format_percent(1, 8) == "13%"  # 12.5
        assert format_p(0.00005) == "p < 0.0001"
        assert format_p(0.140625) == "p = 0.1406"
        assert format_p(0.03125) == "p = 0.0313"  # half-up where :.4f would give 0.0312


def test_scipy_is_pinned():
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert any(dep.startswith("scipy==") for dep in project["project"]["dependencies"])
