"""SWEMWBS scoring, the paired statistics and small-number suppression, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sp

from stories.reports.stats import summarise
from stories.reports.suppression import Cell, suppress
from stories.scores import swemwbs

# The published conversion table (../shared/DOMAIN.md), written out again here on purpose.
TABLE = {
    7: "7.00",
    8: "9.51",
    9: "11.25",
    10: "12.40",
    11: "13.33",
    12: "14.08",
    13: "14.75",
    14: "15.32",
    15: "15.84",
    16: "16.36",
    17: "16.88",
    18: "17.43",
    19: "17.98",
    20: "18.59",
    21: "19.25",
    22: "19.98",
    23: "20.73",
    24: "21.54",
    25: "22.35",
    26: "23.21",
    27: "24.11",
    28: "25.03",
    29: "26.02",
    30: "27.03",
    31: "28.13",
    32: "29.31",
    33: "30.70",
    34: "32.55",
    35: "35.00",
}


class TestScoring:
    @pytest.mark.parametrize(("raw", "metric"), TABLE.items())
    def test_every_row_of_the_conversion_table(self, raw, metric):
        assert swemwbs.metric_score(raw) == Decimal(metric)

    def test_raw_is_the_sum_of_seven_answers(self):
        assert swemwbs.score([1, 1, 1, 1, 1, 1, 1]) == (7, Decimal("7.00"))
        assert swemwbs.score([5, 5, 5, 5, 5, 5, 5]) == (35, Decimal("35.00"))
        assert swemwbs.score([3, 4, 2, 3, 3, 4, 3]) == (22, Decimal("19.98"))

    def test_incomplete_forms_are_not_scored(self):
        assert swemwbs.score([3, 4, None, 3, 3, 4, 3]) == (None, None)

    @pytest.mark.parametrize("bad", [[0, 3, 3, 3, 3, 3, 3], [3, 3, 3, 3, 3, 3, 6], [3, 3, 3], [True, 3, 3, 3, 3, 3, 3]])
    def test_answers_outside_one_to_five_are_refused(self, bad):
        with pytest.raises(swemwbs.ItemError):
            swemwbs.score(bad)

    @given(st.lists(st.integers(min_value=1, max_value=5), min_size=7, max_size=7))
    def test_metric_always_comes_from_the_table(self, items):
        raw, metric = swemwbs.score(items)
        assert raw == sum(items) and metric == Decimal(TABLE[raw])

    def test_seven_statements_and_attribution(self):
        assert len(swemwbs.ITEMS) == 7 and swemwbs.ITEMS[0] == "I've been feeling optimistic about the future"
        assert "NHS Health Scotland, University of Warwick and University of Edinburgh" in swemwbs.ATTRIBUTION


BEFORE = [Decimal(x) for x in ("14.08", "17.43", "19.25", "21.54", "15.84")]
AFTER = [Decimal(x) for x in ("17.98", "19.98", "19.25", "25.03", "15.32")]


class TestPairedStatistics:
    def test_hand_computed_example(self):
        # changes 3.90, 2.55, 0.00, 3.49, -0.52: mean 1.884, SD 2.02582, t(4) = 2.0795, 95% CI -0.631 to 4.399
        s = summarise(list(zip(BEFORE, AFTER)))
        assert s.n == 5
        assert s.mean_baseline == pytest.approx(17.628)
        assert s.mean_follow_up == pytest.approx(19.512)
        assert s.mean_change == pytest.approx(1.884)
        assert s.sd_change == pytest.approx(2.025816, abs=1e-5)
        assert s.cohens_dz == pytest.approx(0.92999, abs=1e-4)
        assert s.t_statistic == pytest.approx(2.07954, abs=1e-4)
        assert (s.ci_low, s.ci_high) == (pytest.approx(-0.63138, abs=1e-4), pytest.approx(4.39938, abs=1e-4))
        assert s.percent_change_of_means == pytest.approx(10.6876, abs=1e-3)
        assert (s.meaningful.rose, s.meaningful.stayed, s.meaningful.fell) == (2, 3, 0)
        assert (s.one_point.rose, s.one_point.stayed, s.one_point.fell) == (3, 2, 0)

    def test_agrees_with_scipy_on_the_exact_differences(self):
        s = summarise(list(zip(BEFORE, AFTER)))
        changes = [int((a - b) * 100) for a, b in zip(AFTER, BEFORE)]  # 390, 255, 0, 349, -52 by hand
        assert changes == [390, 255, 0, 349, -52]
        assert s.t_p_value == pytest.approx(sp.ttest_1samp(changes, 0).pvalue)
        interval = sp.t.interval(0.95, 4, loc=float(s.mean_change), scale=sp.sem(changes) / 100)
        assert (s.ci_low, s.ci_high) == pytest.approx(interval)

    def test_the_threshold_is_a_setting(self):
        s = summarise(list(zip(BEFORE, AFTER)), threshold=Decimal("2.5"))
        assert (s.meaningful.rose, s.meaningful.stayed, s.meaningful.fell) == (3, 2, 0)

    def test_degenerate_cases_do_not_crash(self):
        assert summarise([]).n == 0
        one = summarise([(Decimal("14.08"), Decimal("17.98"))])
        assert one.mean_change == pytest.approx(3.90) and one.ci_low is None and one.t_p_value is None
        same = summarise([(Decimal("14.08"), Decimal("14.08"))] * 3)
        assert same.mean_change == 0 and same.wilcoxon_p_value is None and same.cohens_dz is None


class TestSuppression:
    def test_small_cells_are_hidden_and_a_second_cell_too(self):
        cells = suppress([Cell("A", 12, None), Cell("B", 3, None), Cell("C", 7, None), Cell("D", 9, None)], 5)
        hidden = {c.label: c.reason for c in cells if c.hidden}
        assert hidden == {"B": "primary", "C": "secondary"}  # C is the smallest shown: B can't be worked out

    def test_two_small_cells_need_no_secondary(self):
        cells = suppress([Cell("A", 12, None), Cell("B", 3, None), Cell("C", 2, None)], 5)
        assert {c.label for c in cells if c.hidden} == {"B", "C"}

    def test_nothing_hidden_when_all_large(self):
        assert not any(c.hidden for c in suppress([Cell("A", 5, None), Cell("B", 6, None)], 5))

    def test_threshold_is_a_setting(self):
        cells = suppress([Cell("A", 12, None), Cell("B", 8, None), Cell("C", 9, None)], 10)
        assert {c.label for c in cells if c.hidden} == {"B", "C"}


def test_every_equality_answer_fits_its_column():
    from stories.equality import QUESTIONS
    from stories.participants.models import Participant

    for name, question in QUESTIONS.items():
        length = Participant.__table__.columns[name].type.length
        assert max(len(option) for option in question.options) <= length, name
