"""The one trend model (esnkit.metrics.trends): every answer worked out by hand on small series."""

import math

import numpy as np
import pandas as pd
import pytest
from helpers import AS_OF, small_dataset
from pandas.testing import assert_frame_equal

from esnkit.metrics import kpis, trends


def history(start: str, values) -> pd.DataFrame:
    return pd.DataFrame({"month": pd.period_range(start, periods=len(values), freq="M"), "value": np.asarray(values, dtype="float64")})


def month(text: str) -> pd.Period:
    return pd.Period(text, "M")


def test_a_flat_quarterly_kpi_is_forecast_flat_not_three_times_its_change():
    # healthy communities at 4 in four census months, three months apart; the old forecast read the
    # quarterly points as monthly ones and (with every other month NaN) ran away to the bound
    nan = float("nan")
    h = history("2025-10", [4, nan, nan, 4, nan, nan, 4, nan, nan, 4])
    f = trends.forecast(h, until=month("2027-06"), lower=0, upper=20, proportional=True)
    assert (f.central, f.low, f.high, f.pace, f.observations, f.cadence, f.model, f.reason) == (4.0, 4.0, 4.0, 0.0, 4, 3, "line", "")
    assert (f.first, f.last) == (month("2025-10"), month("2026-07"))


def test_a_quarterly_rise_is_a_third_of_its_change_a_month():
    nan = float("nan")
    h = history("2025-10", [4, nan, nan, 7, nan, nan, 10, nan, nan, 13])  # +3 a quarter
    f = trends.forecast(h, until=month("2026-10"), lower=0, upper=100, proportional=True)
    assert (f.pace, f.central) == (1.0, 16.0)  # three months after 13


def test_plus_one_a_month_is_25_six_months_on_from_19():
    f = trends.forecast(history("2026-01", [14, 15, 16, 17, 18, 19]), until=month("2026-12"), lower=0, upper=1000, proportional=True)
    assert (f.central, f.low, f.high, f.pace, f.pace_low, f.pace_high) == (25.0, 25.0, 25.0, 1.0, 1.0, 1.0)


def test_the_interval_of_a_noisy_line_by_hand():
    # y = x + e with e = (1, -1, 0, 0, -1, 1), which sums to 0 and is orthogonal to x: the fit is y = x.
    # SSE = 4, s = sqrt(4 / 4) = 1; Sxx = 17.5; at x0 = 11: half = t(0.9, 4) * sqrt(1/6 + 8.5**2 / 17.5)
    f = trends.forecast(history("2026-01", [1, 0, 2, 3, 3, 6]), until=month("2026-12"))
    t = 1.5332062740589443  # Student's t, 90th percentile, 4 degrees of freedom (tables: 1.533)
    half = t * math.sqrt(1 / 6 + 8.5**2 / 17.5)
    # the forecast starts from the last value measured (6 in June) at the fitted pace (+1 a month): 6 + 6 = 12,
    # as wide as the fitted line's interval there (the line itself reads 11)
    assert f.central == pytest.approx(12.0)
    assert (f.low, f.high) == (pytest.approx(12.0 - half), pytest.approx(12.0 + half))
    assert half == pytest.approx(3.1776, abs=1e-4)
    assert (f.pace_low, f.pace_high) == (pytest.approx(1 - t / math.sqrt(17.5)), pytest.approx(1 + t / math.sqrt(17.5)))


def test_a_share_is_never_forecast_above_one():
    f = trends.forecast(history("2026-01", [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]), until=month("2026-09"), lower=0, upper=1)
    assert (f.central, f.low, f.high) == (1.0, 1.0, 1.0)
    got = trends.trend_path(history("2026-01", [0.4, 0.5, 0.6, 0.7, 0.8, 0.9]), until=month("2026-08"), lower=0, upper=1)
    expected = pd.DataFrame({"month": pd.period_range("2026-06", "2026-08", freq="M"), "central": [0.9, 1.0, 1.0]})
    expected = expected.assign(low=expected["central"], high=expected["central"])
    assert_frame_equal(got.round({"central": 9, "low": 9, "high": 9}), expected)


def test_a_count_is_never_forecast_above_its_bound():
    f = trends.forecast(history("2026-01", [10, 20, 30, 40, 50, 60]), until=month("2026-08"), lower=0, upper=65, proportional=True)
    assert (f.central, f.low, f.high, f.pace) == (65.0, 65.0, 65.0, 10.0)  # the line says 80


def test_a_falling_count_approaches_zero_at_a_constant_rate_instead_of_reaching_it():
    # halving each month: a straight line would reach 0 within two months; the rate model keeps halving
    f = trends.forecast(history("2026-01", [64, 32, 16, 8, 4, 2]), until=month("2026-08"), lower=0, upper=100, proportional=True)
    assert f.model == "rate"
    assert (f.central, f.low, f.high) == (pytest.approx(0.5), pytest.approx(0.5), pytest.approx(0.5))
    # the pace printed is the average a month to August: from 2 in June to 0.5 two months on, -0.75 a month,
    # so the value now plus the pace times the months ahead is the forecast printed beside it
    assert f.pace == pytest.approx(-0.75)
    # a count already at its bound: the straight line (-10 a month, -30 by September), held at 0
    line = trends.forecast(history("2026-01", [50, 40, 30, 20, 10, 0]), until=month("2026-09"), lower=0, upper=100, proportional=True)
    assert (line.model, line.central) == ("line", 0.0)
    # back above the bound now: the 0 counts as half the smallest value above it (2.5), and the
    # constant rate keeps the forecast above zero and below today's 5 (the line: -7.3 a month, below 0 by September)
    back = trends.forecast(history("2026-01", [40, 30, 20, 0, 10, 5]), until=month("2026-09"), lower=0, upper=100, proportional=True)
    assert back.model == "rate" and 0 < back.central < 5 and 0 < back.low <= back.central <= back.high


def test_fewer_than_six_monthly_values_or_four_quarterly_give_no_forecast_and_say_why():
    f = trends.forecast(history("2026-01", [1, 2, 3, 4, 5]), until=month("2026-12"))
    assert math.isnan(f.central) and math.isnan(f.low) and math.isnan(f.pace) and not f.ok
    assert (f.observations, f.reason) == (5, "5 monthly values so far; a trend needs 6")
    nan = float("nan")
    q = trends.forecast(history("2026-01", [4, nan, nan, 5, nan, nan, 6]), until=month("2026-12"))
    assert (q.ok, q.reason) == (False, "3 quarterly values so far; a trend needs 4")
    none = trends.forecast(history("2026-01", [nan, nan]), until=month("2026-12"))
    assert (none.ok, none.reason) == (False, "not measured month by month: re-measure at the deadline (2026-12)")
    assert trends.forecast(history("2026-01", [1.0]), until=month("2026-12")).reason == "1 monthly value so far; a trend needs 6"


def test_values_measured_while_the_window_filled_are_left_out_and_the_reason_says_so():
    since = trends.settled_from(pd.Timestamp("2026-01-15 09:30", tz="UTC"), 90)
    assert since == pd.Timestamp("2026-04-14")  # Jan 15 is day 1 of 90
    jump = [1, 20, 40, 50, 51, 52, 53, 54, 55]  # Jan to Mar: the window filling
    f = trends.forecast(history("2026-01", jump), until=month("2026-12"), since=since)
    assert (f.first, f.observations, f.pace, f.central) == (month("2026-04"), 6, 1.0, 58.0)
    short = trends.forecast(history("2026-01", jump[:8]), until=month("2026-12"), since=since)
    assert short.reason == "5 monthly values so far, after the first 3 months (left out while the KPI's window was still filling); a trend needs 6"
    got = trends.settled(history("2026-01", [1, 2, 3]), pd.Timestamp("2026-02-28"))
    assert_frame_equal(got, history("2026-01", [float("nan"), 2, 3]))


@pytest.mark.parametrize(
    ("target", "central", "low", "high", "higher_is_better", "expected"),
    [
        (0.9, 0.95, 0.9, 0.99, True, "on track"),  # the pessimistic end reaches the target exactly
        (0.9, 0.95, 0.899, 0.99, True, "at risk"),  # only the central estimate does
        (0.9, 0.9, 0.85, 0.95, True, "at risk"),
        (0.9, 0.899, 0.85, 0.95, True, "off track"),
        (4.0, 3.0, 2.0, 4.0, False, "on track"),  # hours: lower is better, the pessimistic end is the high one
        (4.0, 3.9, 3.0, 4.1, False, "at risk"),
        (4.0, 4.1, 3.0, 5.0, False, "off track"),
        (100.0, float("nan"), float("nan"), float("nan"), True, "no forecast"),
    ],
)
def test_status_from_the_interval_at_the_deadline(target, central, low, high, higher_is_better, expected):
    assert trends.status(target, central, low, high, higher_is_better=higher_is_better) == expected


def test_cadence_t_quantile_and_bad_input():
    nan = float("nan")
    assert trends.cadence(history("2026-01", [1, 2, 3])) == 1
    assert trends.cadence(history("2026-01", [1, nan, nan, 2, nan, nan, 3])) == 3
    assert [round(trends.t_quantile(p, df), 3) for p, df in [(0.9, 4), (0.9, 10), (0.975, 2), (0.1, 4)]] == [1.533, 1.372, 4.303, -1.533]
    with pytest.raises(ValueError, match="needs `month`"):
        trends.forecast(pd.DataFrame({"value": [1.0]}), until=month("2026-12"))
    with pytest.raises(ValueError, match="use 'line', 'rate' or None"):
        trends.forecast(history("2026-01", [1, 2, 3, 4, 5, 6]), until=month("2026-12"), model="curve")
    with pytest.raises(ValueError, match="0 < p < 1"):
        trends.t_quantile(1.0, 3)


def test_kpi_forecast_leaves_out_the_ramp_of_the_small_network():
    # small_dataset's data begin 2026-01-05: the 30-day window is whole from 2026-02-03, so January is
    # on the ramp; February and March leave two values, too few for a trend
    ds = small_dataset()
    h = kpis.kpi_history(ds, "active_30", as_of=AS_OF, months=3)
    f = kpis.kpi_forecast(ds, "active_30", h, until=month("2026-12"), as_of=AS_OF)
    assert f.reason == "2 monthly values so far, after the first month (left out while the KPI's window was still filling); a trend needs 6"
