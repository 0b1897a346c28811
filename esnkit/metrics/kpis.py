"""The headline KPIs: each defined once, here, and computed for a Dataset at an as-of date.

Step 1's headline and tiles, step 2's baselines, step 5's "now", the explorer's tiles and
``reports/<as_of>/kpis.json`` all take their values from :func:`kpi_values` (or
:func:`kpi_history` for a monthly series), and print them with :func:`display`. The appendix of
every deliverable prints :data:`KPIS`' definitions.

Choices made once, for every KPI:

- **Who counts**: people, not bots; the organisation's own people, not external guests
  (:func:`esnkit.metrics._base.population`). A roster adds people who never joined.
- **Registered**: :func:`esnkit.metrics._base.registration_days` — a live account (not deactivated
  or deleted) from the day it joined, or, without a join date, every live account whether or not it
  took part; roster-only people are not registered.
- **Active**: made at least one post, reply or reaction. Exports carry no reads, so reading alone
  does not count.
- **Windows** end with the as-of day and are counted in whole UTC days (the last 30 days are the
  as-of day and the 29 before it).
- **Answered**: a thread start got a reply or a reaction from someone other than its author, by the
  end of the as-of day (SWOOP's response rate; CHAOSS's time to first response). Threads started
  by bots or guests are not counted.

Examples
--------
>>> display("interactive_share", 0.7368), display("active_30", 1204.0), display("median_hours_to_first_response", 14.04)
('73.7%', '1,204', '14.0 h')
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from .._fast import isin, unique
from ..dataset import Dataset
from . import communities, conversations, measures, network, trends
from ._base import active_days, as_of_end, closed_accounts, day_number, period_contributors, population, registration_days
from .measures import KPIS, Measure, in_unit, label_of

__all__ = [
    "KPI",
    "KPIS",
    "kpi",
    "kpi_values",
    "kpi_table",
    "kpi_definition",
    "unavailable",
    "NOT_AVAILABLE",
    "kpi_history",
    "display",
    "quantise",
    "bounds",
    "clip",
    "month_ends",
    "kpi_forecast",
    "kpi_trend_path",
    "HEALTHY",
]

#: Community statuses that count as healthy.
HEALTHY = ("thriving", "growing")
#: Months between measurements of a KPI's history, where not every month: the community census needs a scorecard each time.
MEASURED_EVERY = {"healthy_communities": 3}
#: Days in the window of each "people active" KPI.
ACTIVE_WINDOWS = {"active_30": 30, "active_90": 90}


#: A headline KPI is a registered measure (:mod:`esnkit.metrics.measures`, where every KPI is defined).
KPI = Measure

#: Days of data one value of a KPI counts (absent: the client's inactive_days, for lapsed): a value
#: measured before a whole window lies inside the data is on the ramp where the data begin, and
#: the trends leave it out (:func:`kpi_forecast`). The community status reads two 90-day quarters.
WINDOW_DAYS = {
    "interactive_share": 180,
    "active_30": 30,
    "active_90": 90,
    "engaged_30": 30,
    "response_rate": 90,
    "median_hours_to_first_response": 90,
    "healthy_communities": 180,
    "cross_department_share": 365,
    "never_activated": 90,
}
_BY_ID = {k.id: k for k in KPIS}


def kpi(kpi_id: str) -> KPI:
    """The KPI of that id; a ``ValueError`` that lists the ids otherwise."""
    try:
        return _BY_ID[kpi_id]
    except KeyError:
        raise ValueError(f"unknown KPI {kpi_id!r}; choose one of {', '.join(_BY_ID)}") from None


def display(kpi_id: str, value: float | None) -> str:
    """The exact text the deliverables print for a KPI value: ``73.7%``, ``1,204``, ``14.0 h``, or ``–``."""
    return measures.display(kpi(kpi_id).id, value)


def quantise(kpi_id: str, value: float) -> float:
    """A value rounded as it is displayed, so comparisons agree with what the reader sees.

    Examples
    --------
    >>> quantise("response_rate", 0.33349), quantise("active_30", 171.6), quantise("median_hours_to_first_response", 2.04)
    (0.333, 172.0, 2.0)
    """
    if value is None or not np.isfinite(value):
        return float("nan")
    unit = kpi(kpi_id).unit
    return round(float(value), 3 if unit == "share" else 1 if unit == "hours" else 0)


def _segment_mask(ds: Dataset, people: Iterable[str] | None) -> np.ndarray:
    """Booleans over ``ds.people`` rows: in the population and, when ``people`` is given, among them (kept per Dataset)."""
    key = None if people is None else tuple(sorted(set(map(str, people))))
    return ds.cached("kpi_people", (key,), lambda: _segment_rows(ds, key))


def _segment_rows(ds: Dataset, people: tuple[str, ...] | None) -> np.ndarray:
    mask = isin(ds.people["person_id"], population(ds)["person_id"]).to_numpy()
    if people is not None:
        mask = mask & isin(ds.people["person_id"], pd.Series(list(people), dtype="str")).to_numpy()
    mask.flags.writeable = False  # shared through the cache
    return mask


def bounds(ds: Dataset, kpi_id: str, *, people: Iterable[str] | None = None, as_of=None) -> tuple[float, float]:
    """The values a KPI can take for this Dataset: ``(lowest, highest)``.

    A share lies in [0, 1]; a count of people is at most the people it counts from (registered
    people for the active figures, everyone in the population for lapsed and never-activated); a
    count of communities at most the communities there are; hours are at least 0.
    """
    k = kpi(kpi_id)
    if k.unit == "share":
        return 0.0, 1.0
    if k.unit == "hours":
        return 0.0, float("inf")
    if kpi_id == "healthy_communities":
        return 0.0, float(len(communities.community_scorecard(ds, as_of=as_of))) if as_of is not None else float(len(ds.groups))
    mask = _segment_mask(ds, people)
    if kpi_id in ("active_30", "active_90", "engaged_30"):
        mask = mask & ds.people["state"].notna().to_numpy()  # an account of any state: a deleted account's activity counts
    return 0.0, float(mask.sum())


def kpi_values(
    ds: Dataset, *, as_of, inactive_days: int = 90, people: Iterable[str] | None = None, which: Iterable[str] | None = None
) -> dict[str, float]:
    """The KPIs of :data:`KPIS` (or only ``which``) for ``ds`` at the end of ``as_of``; NaN where one cannot be measured.

    ``people`` restricts every segmentable KPI to those person ids (a department, say); the
    community count is always the whole network's. Values are kept in the Dataset's cache.
    """
    end = as_of_end(as_of, ds)
    ids = [k.id for k in KPIS] if which is None else [kpi(i).id for i in which]
    segment = None if people is None else tuple(sorted(set(map(str, people))))
    # shared by this call's KPIs, not kept; the whole population needs no mask beyond active_days' own
    days = functools.cache(lambda: _segment_days(ds, end, None if segment is None else _segment_mask(ds, segment)))
    return {i: ds.cached("kpi", (i, end, inactive_days, segment), lambda i=i: _measure(ds, i, end, inactive_days, segment, days)) for i in ids}


def _measure(
    ds: Dataset, kpi_id: str, end: pd.Timestamp, inactive_days: int, people: tuple[str, ...] | None, days: Callable[[], tuple[np.ndarray, np.ndarray]]
) -> float:
    """One KPI at the instant ``end`` (exclusive), over the population (and ``people``); ``days()`` gives their active days."""
    seg = _segment_mask(ds, people)
    if kpi_id == "healthy_communities":
        scorecard = communities.community_scorecard(ds, as_of=end - pd.Timedelta(days=1))
        return float(isin(scorecard["status"], list(HEALTHY)).sum()) if len(scorecard) else float("nan")
    if kpi_id == "cross_department_share":
        return network.cross_department_share(ds, as_of=end - pd.Timedelta(days=1), window_days=365, people=people)
    if kpi_id in ("response_rate", "median_hours_to_first_response"):
        threads = _recent_threads(ds, end, seg)
        answered = threads["answered"].to_numpy(dtype=bool)
        if kpi_id == "response_rate":
            return float(answered.mean()) if len(threads) else float("nan")
        hours = threads["hours_to_first_response"].dropna()  # dated responses only: an undated reaction gives no time
        return float(hours.median()) if len(hours) else float("nan")
    if ds.rows("messages") == 0 and ds.rows("activity"):
        return _from_usage_reports(ds, kpi_id, end, seg)
    end_day = day_number(end)
    who, day = days()
    n = len(ds.people)

    def since(first_day: int) -> np.ndarray:  # who was active from first_day on (the days are sorted)
        return who[int(np.searchsorted(day, first_day, side="left")) :]

    if kpi_id == "interactive_share":
        registered = seg & (registration_days(ds) < end_day)
        total = int(registered.sum())
        return float(registered[unique(since(end_day - 180))].sum() / total) if total else float("nan")
    if kpi_id in ACTIVE_WINDOWS:
        return float(len(unique(since(end_day - ACTIVE_WINDOWS[kpi_id]))))
    if kpi_id == "engaged_30":
        return float((np.bincount(since(end_day - 30), minlength=n) >= 4).sum())
    ever = np.zeros(n, dtype=bool)
    ever[who] = True
    if kpi_id == "never_activated":  # a closed account is not someone who has yet to take part
        return float((seg & ~ever & ~closed_accounts(ds)).sum())
    last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, who, day)
    return float((ever & (last < end_day - inactive_days)).sum())  # lapsed


def _from_usage_reports(ds: Dataset, kpi_id: str, end: pd.Timestamp, seg: np.ndarray) -> float:
    """A people KPI from usage reports alone: measured only over report periods that fit its window, else NaN.

    Reports count a period's posts and likes, not days: "engaged" (4+ active days), "lapsed" (a last
    active day) and "never taken part" (ever) cannot be read off them.
    """
    window = {"interactive_share": 180, **ACTIVE_WINDOWS}.get(kpi_id)
    acted = period_contributors(ds, as_of=end - pd.Timedelta(days=1), window_days=window) if window else None
    if acted is None:
        return float("nan")
    if kpi_id == "interactive_share":
        registered = seg & (registration_days(ds) < day_number(end))
        return float((registered & acted).sum() / registered.sum()) if registered.any() else float("nan")
    return float((seg & acted).sum())


def _segment_days(ds: Dataset, end: pd.Timestamp, seg: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`active_days` before ``end`` of the people in ``seg`` (sorted by day), shared by the KPIs of one instant.

    ``seg`` None is the whole population, which :func:`active_days` already keeps to.
    """
    who, day = active_days(ds, as_of=end - pd.Timedelta(days=1))
    if seg is None:
        return who, day
    keep = seg[who]
    return who[keep], day[keep]


def _recent_threads(ds: Dataset, end: pd.Timestamp, seg: np.ndarray, *, days: int = 90) -> pd.DataFrame:
    """The counted threads (:func:`~esnkit.metrics.conversations.counted_threads`) of the window, started by people of ``seg``."""
    threads = conversations.thread_responses(ds, as_of=end - pd.Timedelta(days=1), since=end - pd.Timedelta(days=days))
    return threads[isin(threads["author_id"], ds.people["person_id"][seg])]  # seg lies inside the population


#: What a tile, kpis.json and the appendix print for a KPI the data cannot measure (:func:`unavailable`).
NOT_AVAILABLE = "not available"


def unavailable(kpi_id: str, profile) -> str | None:
    """Why the data cannot measure this KPI at all (a sentence a client understands), or None when they can.

    ``profile`` is the data's :class:`esnkit.profile.DataProfile`. Interactions between departments
    need departments: without them the KPI is not a zero, it is not available.
    """
    if kpi_id == "cross_department_share" and not profile.has_departments:
        return "these data have no departments"
    return None


def kpi_definition(kpi_id: str, profile) -> str:
    """A KPI's definition as the appendix and kpis.json print it: in the data's unit of conversation, or why it is not available.

    >>> from esnkit.profile import DataProfile
    >>> p = DataProfile(7, 0, 0, 9, 0, 0, 9, 0, 0, 0, False, False, 0, 0, False, None, None, None, "")
    >>> kpi_definition("cross_department_share", p)
    'Not available: these data have no departments.'
    >>> kpi_definition("median_hours_to_first_response", p)[:40]
    'Over the posts of those 90 days with a d'
    """
    why = unavailable(kpi_id, profile)
    if why:
        return f"{NOT_AVAILABLE.capitalize()}: {why}."
    return in_unit(kpi(kpi_id).definition, profile.unit())


def kpi_table(ds: Dataset, *, as_of, inactive_days: int = 90) -> pd.DataFrame:
    """The KPIs as the machine-readable record holds them, labelled in the data's unit of conversation (:func:`~esnkit.metrics.measures.in_unit`).

    Returns
    -------
    DataFrame
        ``kpi``, ``label``, ``value`` (float, NaN when it cannot be measured), ``display`` (what
        the deliverables print; :data:`NOT_AVAILABLE` where the data cannot measure it at all,
        :func:`unavailable`), ``unit``, ``definition``, ``unavailable`` (why, or ""), ``higher_is_better``, in :data:`KPIS` order.
    """
    from ..profile import data_profile

    profile = data_profile(ds)
    values = kpi_values(ds, as_of=as_of, inactive_days=inactive_days)
    missing = {k.id for k in KPIS if unavailable(k.id, profile)}
    values = {k: float("nan") if k in missing else v for k, v in values.items()}
    return pd.DataFrame(
        {
            "kpi": [k.id for k in KPIS],
            "label": [label_of(k.id, unit=profile.unit()) for k in KPIS],
            "value": [values[k.id] for k in KPIS],
            "display": [NOT_AVAILABLE if k.id in missing else display(k.id, values[k.id]) for k in KPIS],
            "unit": [k.unit for k in KPIS],
            "definition": [kpi_definition(k.id, profile) for k in KPIS],
            "unavailable": [unavailable(k.id, profile) or "" for k in KPIS],  # why the data cannot measure it, else ""
            "higher_is_better": [k.higher_is_better for k in KPIS],
        }
    )


def month_ends(ds: Dataset, *, as_of, months: int) -> list[tuple[pd.Period, pd.Timestamp, bool]]:
    """The last ``months`` months to ``as_of`` that lie inside the data, each as ``(month, as-of day, partial)``.

    Complete months are measured on their last day; a month the as-of date cuts short is measured
    on the as-of date and marked partial. Months before the data's first month are left out.
    """
    end = as_of_end(as_of, ds)
    last_day = (end - pd.Timedelta(days=1)).tz_localize(None)
    last = last_day.to_period("M")
    start, _ = ds.coverage()
    first = start.tz_localize(None).to_period("M") if start is not None else last
    periods = [p for p in pd.period_range(last - (months - 1), last, freq="M") if p >= first]
    out = []
    for p in periods:
        day = min(p.end_time.normalize(), last_day.normalize())
        out.append((p, pd.Timestamp(day), day < p.end_time.normalize()))
    return out


def kpi_history(
    ds: Dataset, kpi_id: str, *, as_of, months: int = 12, people: Iterable[str] | None = None, inactive_days: int = 90, every: int | None = None
) -> pd.DataFrame:
    """A KPI measured at the end of each of the last ``months`` months inside the data.

    ``every`` measures only every n-th month back from ``as_of`` (the others are NaN): the community
    census needs a scorecard per measurement, so it is taken quarterly by default.

    Returns
    -------
    DataFrame
        ``month`` (Period), ``value``, ``partial`` (the as-of date cuts that month short).
    """
    kpi(kpi_id)
    every = every or MEASURED_EVERY.get(kpi_id, 1)
    ends = month_ends(ds, as_of=as_of, months=months)
    if kpi_id == "cross_department_share":  # one pass over the ties for every month end, not a graph a month
        segment = None if people is None else sorted(set(map(str, people)))
        values = network.cross_department_share_history(ds, [as_of_end(day, ds) for _, day, _ in ends], window_days=365, people=segment)
    else:
        values = []
        for i, (_, day, _) in enumerate(ends):  # a loop over months; each measurement is vectorised
            measured = (len(ends) - 1 - i) % every == 0
            values.append(kpi_values(ds, as_of=day, inactive_days=inactive_days, people=people, which=[kpi_id])[kpi_id] if measured else float("nan"))
    return pd.DataFrame(
        {
            "month": pd.PeriodIndex([m for m, _, _ in ends], freq="M"),
            "value": np.asarray(values, dtype="float64"),
            "partial": np.asarray([p for _, _, p in ends], dtype=bool),
        }
    )


def clip(ds: Dataset, kpi_id: str, value: float, *, people: Iterable[str] | None = None, as_of=None) -> float:
    """``value`` held within :func:`bounds` (a forecast or a target can never be impossible)."""
    lo, hi = bounds(ds, kpi_id, people=people, as_of=as_of)
    if value is None or not math.isfinite(value):
        return value
    return float(min(max(value, lo), hi))


def kpi_forecast(
    ds: Dataset, kpi_id: str, history: pd.DataFrame, *, until, as_of, people: Iterable[str] | None = None, inactive_days: int = 90
) -> trends.Forecast:
    """Where a KPI of ``ds`` ends at the end of month ``until`` on the trend of ``history`` (:func:`esnkit.metrics.trends.forecast`).

    Held within :func:`bounds`; the values measured before the KPI's window lay wholly inside the
    data (its first :data:`WINDOW_DAYS`, :func:`esnkit.metrics.trends.settled_from`) are left out;
    where the export starts part-way, inside its complete history (:func:`esnkit.profile.history_start`).
    """
    return trends.forecast(history, until=pd.Period(until, "M"), **_trend_options(ds, kpi_id, people, as_of, inactive_days))


def kpi_trend_path(
    ds: Dataset, kpi_id: str, history: pd.DataFrame, *, until, as_of, people: Iterable[str] | None = None, inactive_days: int = 90
) -> pd.DataFrame:
    """:func:`kpi_forecast` at the end of each month from the history's last to ``until`` (:func:`esnkit.metrics.trends.trend_path`)."""
    return trends.trend_path(history, until=pd.Period(until, "M"), **_trend_options(ds, kpi_id, people, as_of, inactive_days))


def _trend_options(ds: Dataset, kpi_id: str, people, as_of, inactive_days: int) -> dict:
    """The trend model's settings for one KPI of ``ds``: its bounds, where its ramp ends, how often it is measured."""
    k = kpi(kpi_id)
    lo, hi = bounds(ds, k.id, people=people, as_of=as_of)
    from ..profile import history_start  # a partial history: windows only inside its complete part

    start = history_start(ds)
    since = trends.settled_from(ds.coverage()[0] if start is None else start, WINDOW_DAYS.get(k.id, inactive_days))
    return {"lower": lo, "upper": hi, "proportional": True, "since": since, "every": MEASURED_EVERY.get(k.id)}
