"""Trends: one model for every KPI history, behind step 2's feasibility and targets and step 5's forecasts and status.

A history is a KPI measured at month ends (:func:`esnkit.metrics.kpis.kpi_history`): a ``month``
(Period) and a ``value`` column, NaN in months not measured (the community census is taken every
third month). The model, decided once here:

- **Cadence**: the usual spacing of the months measured: monthly (1) or quarterly (3). The trend is
  fitted on the measured values at their own months, so a quarterly change is never read as a
  monthly one.
- **Settled months only**: a value measured before the KPI's window lies wholly inside the data
  (the first 90 days of data for a 90-day KPI, the first 180 for the interactive share...) is left
  out: it counts only part of a window and jumps as the window fills (:func:`settled_from`).
- **Enough values**: no trend from fewer than six monthly values, or four quarterly ones
  (:data:`MIN_OBSERVATIONS`); the forecast is then NaN and ``reason`` says why.
- **The line**: ordinary least squares of the value on the month; its slope is the pace a month.
  The forecast starts from the last value measured and goes on at that pace (so "now + pace ×
  months" is the forecast a reader can check); its interval is as wide as the :data:`LEVEL` (80%)
  confidence interval of the fitted line (Student's t with n − 2 degrees of freedom) at the month
  asked for.
- **Bounds**: forecasts and both ends of the interval are held within the KPI's bounds
  (:func:`esnkit.metrics.kpis.bounds`): a share within 0–100%, a count within 0 and the people or
  communities there are. A KPI whose straight line would reach its lower bound (zero) before the
  month asked for, from above it (its last value is above the bound), is fitted instead as a
  constant monthly *rate* (the logarithm of the value above its bound is fitted; a value at the
  bound counts as half the smallest above it), which approaches the bound without reaching it:
  people active do not fall to nobody, nor a share to 0%, because a straight line says so
  (``proportional=True``; :func:`esnkit.metrics.kpis.kpi_forecast` asks it of every KPI).

Examples
--------
>>> months = pd.period_range("2026-01", "2026-06", freq="M")
>>> f = forecast(pd.DataFrame({"month": months, "value": [14.0, 15, 16, 17, 18, 19]}), until=pd.Period("2026-12", "M"))
>>> f.central, f.pace, f.observations
(25.0, 1.0, 6)
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

__all__ = [
    "LEVEL",
    "MIN_OBSERVATIONS",
    "Forecast",
    "cadence",
    "settled_from",
    "settled",
    "forecast",
    "trend_path",
    "status",
    "t_quantile",
]

#: The interval's coverage: an 80% interval of the fitted line (10% beyond each end).
LEVEL = 0.8
#: The fewest values a trend is fitted from, by cadence (months between measurements): six months, or four quarters.
MIN_OBSERVATIONS = {1: 6, 3: 4}


@dataclasses.dataclass(frozen=True)
class Forecast:
    """Where a KPI ends at ``month`` if its trend continues, with the interval; NaN and a ``reason`` when there is no trend.

    ``pace`` (with ``pace_low``, ``pace_high``) is the slope a month of the straight line (for a
    ``rate`` model, the average change a month from the last value measured to ``month``, so that
    the last value plus ``pace`` times the months ahead is ``central`` either way); ``observations`` the values
    fitted; ``cadence`` the months between them; ``first``/``last`` the first and last months
    fitted; ``model`` ``"line"``, ``"rate"`` or ``""`` (no trend).
    """

    month: pd.Period | None
    central: float
    low: float
    high: float
    pace: float
    pace_low: float
    pace_high: float
    observations: int
    cadence: int
    first: pd.Period | None
    last: pd.Period | None
    model: str
    reason: str

    @property
    def ok(self) -> bool:
        """A trend was fitted and the forecast is a number."""
        return bool(np.isfinite(self.central))


def t_quantile(p: float, df: int) -> float:
    """Student's t quantile: the value below which a share ``p`` of the distribution lies (scipy's ``t.ppf``).

    Worked by bisection on the distribution function, written with the regularised incomplete beta.

    Examples
    --------
    >>> round(t_quantile(0.9, 4), 3), round(t_quantile(0.975, 10), 3), round(t_quantile(0.9, 1), 3)
    (1.533, 2.228, 3.078)
    """
    if not 0 < p < 1 or df < 1:
        raise ValueError(f"t_quantile needs 0 < p < 1 and at least 1 degree of freedom (got p={p}, df={df})")
    if p < 0.5:
        return -t_quantile(1 - p, df)
    lo, hi = 0.0, 1.0
    while _t_cdf(hi, df) < p:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if _t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return (lo + hi) / 2


def _t_cdf(t: float, df: float) -> float:
    x = df / (df + t * t)
    tail = 0.5 * _beta_inc(df / 2, 0.5, x)
    return 1 - tail if t >= 0 else tail


def _beta_inc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b) by its continued fraction (Numerical Recipes' betacf)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x))
    if x > (a + 1) / (a + b + 2):
        return 1 - _beta_inc(b, a, 1 - x)
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)), -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + num * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return front * h / a


def _measured(history: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Month ordinals and values of the months measured (NaN dropped), in month order."""
    if not {"month", "value"} <= set(history.columns):
        raise ValueError("a KPI history needs `month` (Period) and `value` columns, as kpis.kpi_history returns them")
    months = pd.PeriodIndex(history["month"], freq="M").asi8
    values = history["value"].to_numpy(dtype="float64")
    keep = np.isfinite(values)
    order = np.argsort(months[keep], kind="stable")
    return months[keep][order], values[keep][order]


def cadence(history: pd.DataFrame) -> int:
    """Months between measurements: the most common spacing of the months measured (1 with fewer than two).

    Examples
    --------
    >>> h = pd.DataFrame({"month": pd.period_range("2026-01", "2026-07", freq="M"), "value": [4.0, None, None, 4, None, None, 5]})
    >>> cadence(h)
    3
    """
    x, _ = _measured(history)
    if len(x) < 2:
        return 1
    gaps, counts = np.unique(np.diff(x), return_counts=True)
    return int(gaps[np.argmax(counts)])


def settled_from(data_start, window_days: int) -> pd.Timestamp | None:
    """The first day a KPI measured over ``window_days`` days counts a whole window of data: ``data_start`` + window − 1 day.

    ``None`` when the data have no start (an empty dataset).

    Examples
    --------
    >>> settled_from(pd.Timestamp("2026-01-15 10:00", tz="UTC"), 90)
    Timestamp('2026-04-14 00:00:00')
    """
    if data_start is None or pd.isna(data_start):
        return None
    start = pd.Timestamp(data_start)
    start = start.tz_convert(None) if start.tzinfo is not None else start
    return start.normalize() + pd.Timedelta(days=int(window_days) - 1)


def settled(history: pd.DataFrame, since: pd.Timestamp | None) -> pd.DataFrame:
    """``history`` with the values measured before ``since`` (:func:`settled_from`) set to NaN: the ramp where the data begin.

    A month is measured on its last day (a partial month on the as-of day, which is earlier: it is kept
    when its month's end is on or after ``since``).

    Examples
    --------
    >>> h = pd.DataFrame({"month": pd.period_range("2026-01", "2026-04", freq="M"), "value": [1.0, 5.0, 9.0, 9.0]})
    >>> settled(h, pd.Timestamp("2026-02-28"))["value"].tolist()
    [nan, 5.0, 9.0, 9.0]
    """
    if since is None:
        return history.copy()
    ends = pd.PeriodIndex(history["month"], freq="M").end_time.normalize()
    out = history.copy()
    out["value"] = out["value"].astype("float64").where(np.asarray(ends >= pd.Timestamp(since).normalize()))
    return out


def _none(reason: str, month, n: int = 0, c: int = 1, first=None, last=None) -> Forecast:
    nan = float("nan")
    return Forecast(month, nan, nan, nan, nan, nan, nan, n, c, first, last, "", reason)


def forecast(
    history: pd.DataFrame,
    *,
    until: pd.Period,
    lower: float = -math.inf,
    upper: float = math.inf,
    proportional: bool = False,
    level: float = LEVEL,
    since: pd.Timestamp | None = None,
    model: str | None = None,
    every: int | None = None,
) -> Forecast:
    """The KPI at the end of month ``until`` if the trend of ``history`` continues (rules in the module docs).

    ``lower``/``upper`` are the KPI's bounds; ``proportional`` lets a value falling to its lower
    bound be fitted as a constant rate; ``since`` (:func:`settled_from`) leaves out the values
    measured before it, and the reason names how many; ``every`` gives the months between
    measurements where the history is too short to show it (else it is read from the history);
    ``model`` (``"line"`` or ``"rate"``) imposes the model, so a path keeps one.

    Examples
    --------
    >>> q = pd.DataFrame({"month": pd.period_range("2025-10", "2026-07", freq="M"), "value": [4.0, None, None, 4, None, None, 4, None, None, 4]})
    >>> f = forecast(q, until=pd.Period("2027-06", "M"), lower=0, upper=20, proportional=True)
    >>> f.central, f.low, f.high, f.cadence
    (4.0, 4.0, 4.0, 3)
    >>> forecast(q.iloc[3:], until=pd.Period("2027-06", "M")).reason
    '3 quarterly values so far; a trend needs 4'
    """
    if model not in (None, "line", "rate"):
        raise ValueError(f"forecast model {model!r}: use 'line', 'rate' or None (chosen from the history)")
    until = pd.Period(until, "M")
    skipped = len(_measured(history)[0])
    c = every or cadence(history)  # of every value measured: the ramp's say how often the KPI is measured too
    history = settled(history, since)
    x, y = _measured(history)
    skipped -= len(x)
    need = MIN_OBSERVATIONS.get(c, MIN_OBSERVATIONS[3] if c > 1 else MIN_OBSERVATIONS[1])
    first, last = (pd.Period(ordinal=int(x[0]), freq="M"), pd.Period(ordinal=int(x[-1]), freq="M")) if len(x) else (None, None)
    if len(x) == 0 and not skipped:
        return _none(f"not measured month by month: re-measure at the deadline ({until})", until)
    if len(x) < need:
        word = "monthly" if c == 1 else "quarterly" if c == 3 else f"{c}-monthly"
        have = f"no {word} value yet" if len(x) == 0 else f"{len(x)} {word} {'value' if len(x) == 1 else 'values'} so far"
        ramp = (
            f", after the first {'month' if skipped == 1 else f'{skipped} months'} (left out while the KPI's window was still filling)"
            if skipped
            else ""
        )
        return _none(f"{have}{ramp}; a trend needs {need}", until, len(x), c, first, last)
    x0 = float(until.ordinal)
    line = _ols(x, y, x0, level)
    # a value above its lower bound now, whose straight line would take it there by `until`
    anchored = float(y[-1] + line[3] * (x0 - x[-1]))  # the line from the value measured last (below)
    falls_to_bound = proportional and np.isfinite(lower) and anchored <= lower and y[-1] > lower and x0 > x[-1]
    if model == "rate" or (model is None and falls_to_bound):
        above = y - lower
        z = _ols(x, np.log(np.where(above > 0, above, above[above > 0].min() / 2)), x0, level)
        to = lambda u: float(np.exp(u) + lower)
        # From the last value measured (above its bound), at the fitted rate: where it is now, then the trend.
        base = float(above[-1]) if above[-1] > 0 else float(np.exp(z[0] - z[3] * (x0 - x[-1])))
        shift = math.log(base) + z[3] * (x0 - x[-1]) - z[0]
        central, low, high = to(z[0] + shift), to(z[1] + shift), to(z[2] + shift)
        # the pace printed is the average change a month to `until`, so "now + pace x months" is still the forecast
        ahead = x0 - x[-1]
        pace, pace_low, pace_high = ((v - float(y[-1])) / ahead for v in (central, low, high))
        model = "rate"
    else:
        # From the last value measured, at the fitted pace: "now + pace x months" is what a reader can check,
        # where the fitted line's own value at the last month could differ from the value printed beside it.
        fitted, lo_, hi_, pace, pace_low, pace_high = line
        central = float(y[-1] + pace * (x0 - x[-1]))
        low, high = central - (fitted - lo_), central + (hi_ - fitted)
        model = "line"
    hold = lambda v: float(min(max(v, lower), upper))
    return Forecast(until, hold(central), hold(low), hold(high), pace, pace_low, pace_high, len(x), c, first, last, model, "")


def _ols(x: np.ndarray, y: np.ndarray, x0: float, level: float) -> tuple[float, float, float, float, float, float]:
    """Fitted value at ``x0`` with its interval, and the slope with its interval."""
    n = len(x)
    xbar, ybar = x.mean(), y.mean()
    sxx = float(((x - xbar) ** 2).sum())
    slope = float(((x - xbar) * (y - ybar)).sum() / sxx)
    fitted = ybar + slope * (x - xbar)
    sse = float(((y - fitted) ** 2).sum())
    s = math.sqrt(sse / (n - 2)) if sse > 1e-20 * max(1.0, float((y * y).sum())) else 0.0  # an exact line: no spread
    t = t_quantile(0.5 + level / 2, n - 2)
    central = float(ybar + slope * (x0 - xbar))
    half = t * s * math.sqrt(1 / n + (x0 - xbar) ** 2 / sxx)
    half_slope = t * s / math.sqrt(sxx)
    return central, central - half, central + half, slope, slope - half_slope, slope + half_slope


def trend_path(
    history: pd.DataFrame,
    *,
    until: pd.Period,
    lower: float = -math.inf,
    upper: float = math.inf,
    proportional: bool = False,
    since: pd.Timestamp | None = None,
    every: int | None = None,
) -> pd.DataFrame:
    """The forecast at the end of each month from the last measured to ``until``: ``month``, ``central``, ``low``, ``high``.

    Empty when there is no trend (the reason is :func:`forecast`'s).

    Examples
    --------
    >>> h = pd.DataFrame({"month": pd.period_range("2026-01", "2026-06", freq="M"), "value": [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]})
    >>> trend_path(h, until=pd.Period("2026-08", "M"), lower=0, upper=1)["central"].round(6).tolist()  # a share never above 1
    [1.0, 1.0, 1.0]
    """
    f = forecast(history, until=until, lower=lower, upper=upper, proportional=proportional, since=since, every=every)
    if not f.ok or f.last is None:
        return pd.DataFrame({"month": pd.PeriodIndex([], freq="M"), "central": [], "low": [], "high": []}).astype(
            {"central": "float64", "low": "float64", "high": "float64"}
        )
    months = pd.period_range(f.last, until, freq="M")
    points = [
        forecast(history, until=m, lower=lower, upper=upper, proportional=proportional, since=since, model=f.model, every=every) for m in months
    ]
    return pd.DataFrame(
        {
            "month": months,
            "central": [p.central for p in points],
            "low": [p.low for p in points],
            "high": [p.high for p in points],
        }
    )


def status(target: float, central: float, low: float, high: float, *, higher_is_better: bool = True) -> str:
    """An objective's status from its forecast at the deadline.

    **on track** when the interval's pessimistic end (``low`` when higher is better, ``high``
    otherwise) reaches the target; **at risk** when only the central estimate does; **off track**
    otherwise; **no forecast** when there is no trend to forecast from. Compare values as they
    print (round them with :func:`esnkit.metrics.kpis.quantise` first).

    Examples
    --------
    >>> status(0.9, 0.92, 0.905, 0.94), status(0.9, 0.92, 0.85, 0.99), status(0.9, 0.88, 0.8, 0.95)
    ('on track', 'at risk', 'off track')
    >>> status(4.0, 3.5, 3.0, 4.5, higher_is_better=False), status(100, float("nan"), float("nan"), float("nan"))
    ('at risk', 'no forecast')
    """
    if not np.isfinite(central):
        return "no forecast"
    pessimistic = low if higher_is_better else high
    reaches = (lambda v: v >= target) if higher_is_better else (lambda v: v <= target)
    if np.isfinite(pessimistic) and reaches(pessimistic):
        return "on track"
    return "at risk" if reaches(central) else "off track"
