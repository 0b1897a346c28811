"""Adoption: who is registered, active and engaged; who is new, returning, reactivated or lapsed.

Definitions (stated in every deliverable's appendix):

- *active* in a period: made at least one post, reply or reaction in it (reading is not activity:
  the exports do not carry reads per person);
- *engaged* in a month: active on at least ``engaged_days`` distinct days of it (default 4, a
  weekly habit);
- *registered*: has a platform account (any ``state``) and had joined by the period's end;
- bots and external guests are left out unless asked for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._fast import isin, unique
from ..dataset import Dataset
from ._base import (
    DAY_US,
    NEVER,
    PersonCommunity,
    active_days,
    as_of_end,
    closed_accounts,
    day_dates,
    day_number,
    first_contributions,
    has_reads,
    people_seen,
    person_days,
    population,
    population_rows,
    readers,
    registration_days,
    suppress,
)

__all__ = [
    "monthly_active",
    "adoption_by",
    "stickiness",
    "monthly_flows",
    "growth_summary",
    "adoption_segments",
    "lapsed_people",
    "silent_heavy_contributors",
    "stop_month",
    "heavy_threshold",
    "stop_cluster",
    "people_engaged",
    "cohort_retention",
    "ROGERS",
]

ROGERS = (("innovators", 0.025), ("early adopters", 0.135), ("early majority", 0.34), ("late majority", 0.34), ("laggards", 0.16))


def _month_number(periods: pd.Series) -> pd.Series:
    return periods.dt.year * 12 + periods.dt.month


def _person_months(ds: Dataset, end: pd.Timestamp) -> pd.DataFrame:
    """Distinct (person, month) with activity before ``end``: ``person_id`` (the person's row) and ``month`` (Period), sorted by month then person.

    Counted on integers (a month's ordinal is its months since 1970-01): 0.4 s at 17 M
    person-days, where dropping duplicate (row, Period) pairs took 3 s.
    """
    who, days = active_days(ds, as_of=end - pd.Timedelta(days=1))
    n = len(ds.people) + 1
    month = np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    keys = unique(month * n + who)
    return pd.DataFrame({"person_id": keys % n, "month": pd.PeriodIndex.from_ordinals(keys // n, freq="M")})


def monthly_active(ds: Dataset, *, as_of=None, engaged_days: int = 4, include_external: bool = False) -> pd.DataFrame:
    """Registered, active and engaged people per calendar month up to ``as_of``.

    Returns
    -------
    DataFrame
        ``month`` (Period), ``registered``, ``active``, ``engaged``, ``active_rate`` (active /
        registered), ``partial`` (the as-of date cuts the month short), one row per month from the
        first month with activity to ``as_of``'s month. Registered follows
        :func:`esnkit.metrics._base.registration_days`.

    Examples
    --------
    >>> from esnkit import Dataset
    >>> ds = Dataset(
    ...     people=pd.DataFrame({"person_id": ["a", "b"], "state": ["active", "active"]}),
    ...     groups=pd.DataFrame({"group_id": ["g"]}),
    ...     messages=pd.DataFrame({"message_id": ["1", "2"], "thread_id": ["1", "1"], "group_id": ["g", "g"],
    ...         "author_id": ["a", "b"], "created_at": ["2026-01-05", "2026-02-01"],
    ...         "is_thread_start": [True, False], "is_private": [False, False]}))
    >>> # no join dates: every account counts as registered, whenever it first took part
    >>> monthly_active(ds, as_of="2026-02-28")[["month", "registered", "active"]].to_string(index=False)
    '  month  registered  active\\n2026-01           2       1\\n2026-02           2       1'
    """
    end = as_of_end(as_of, ds)
    who, day = active_days(ds, as_of=end - pd.Timedelta(days=1), include_external=include_external)
    people = population(ds, include_external=include_external)
    people = people[people["state"].notna()]
    last_month = (end - pd.Timedelta(days=1)).tz_localize(None).to_period("M")
    if len(who) == 0:
        return pd.DataFrame(
            {
                "month": pd.PeriodIndex([], freq="M"),
                "registered": [],
                "active": [],
                "engaged": [],
                "active_rate": [],
                "partial": pd.Series([], dtype=bool),
            }
        )
    # Distinct (person, day) pairs as integers (computed once per run): months are counted on codes.
    month = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    first_month = pd.PeriodIndex.from_ordinals([month.min()], freq="M")[0]
    months = pd.period_range(first_month, last_month, freq="M")
    n = len(ds.people)
    person_month, days = np.unique(month * n + who, return_counts=True)
    m_of = person_month // n
    active = pd.Series(np.bincount(m_of - m_of.min()), index=pd.PeriodIndex.from_ordinals(np.arange(m_of.min(), m_of.max() + 1), freq="M"))
    engaged = pd.Series(np.bincount(m_of[days >= engaged_days] - m_of.min(), minlength=len(active)), index=active.index)
    # Registered by the end of each month, by the one rule (registration_days), counted on sorted days.
    rows = isin(ds.people["person_id"], people["person_id"]).to_numpy()
    reg = registration_days(ds)[rows]
    reg = np.sort(reg[reg != NEVER])
    month_ends = np.array([(p + 1).start_time.value // (DAY_US * 1000) for p in months], dtype=np.int64)
    registered = pd.Series(np.searchsorted(reg, month_ends, side="left"), index=months)
    out = pd.DataFrame({"month": months})
    out["registered"] = registered.to_numpy().astype("int64")
    out["active"] = active.reindex(months, fill_value=0).to_numpy().astype("int64")
    out["engaged"] = engaged.reindex(months, fill_value=0).to_numpy().astype("int64")
    out["active_rate"] = (out["active"] / out["registered"].where(out["registered"] > 0)).astype("float64")
    out["partial"] = (out["month"] == last_month) & ((end - pd.Timedelta(days=1)).tz_localize(None).normalize() < last_month.end_time.normalize())
    return out


def adoption_by(ds: Dataset, *, as_of=None, by: str = "department", window_days: int = 90, min_group_size: int = 5) -> pd.DataFrame:
    """Adoption against headcount per value of a people attribute, over the last ``window_days``.

    Headcount is everyone in ``people`` (roster people never seen on the platform included);
    groups with fewer than ``min_group_size`` people are dropped.

    Returns
    -------
    DataFrame
        ``<by>``, ``headcount``, ``registered``, ``active``, ``never_active``, ``adoption_rate``
        (active / headcount), sorted by adoption rate.
    """
    if by not in ds.people.columns:
        raise ValueError(f"people has no column {by!r}; choose one of {', '.join(map(str, ds.people.columns))}")
    end = as_of_end(as_of, ds)
    people = population(ds)
    days = person_days(ds, as_of=end - pd.Timedelta(days=1))
    rows = population_rows(ds)  # people's rows in ds.people
    frame = pd.DataFrame(
        {
            by: people[by].fillna("(unknown)").astype("str"),
            "registered": registration_days(ds)[rows] < day_number(end),  # the one rule: live accounts, joined by then
            "active": people_seen(ds, days, from_day=day_number(end) - window_days)[rows],
            "never_active": ~people_seen(ds, days)[rows] & ~closed_accounts(ds)[rows],  # as the never_activated KPI counts
        }
    )
    out = (
        frame.groupby(by)
        .agg(headcount=("active", "size"), registered=("registered", "sum"), active=("active", "sum"), never_active=("never_active", "sum"))
        .reset_index()
    )
    out = out.astype({c: "int64" for c in ("headcount", "registered", "active", "never_active")})
    out["adoption_rate"] = out["active"] / out["headcount"]
    out = suppress(out, count_column="headcount", min_group_size=min_group_size)
    return out.sort_values(["adoption_rate", by], ascending=[True, True]).reset_index(drop=True)


def stickiness(ds: Dataset, *, as_of=None) -> pd.DataFrame:
    """DAU/MAU per month: the average number of people active per day over those active that month.

    Returns
    -------
    DataFrame
        ``month``, ``dau`` (mean over the month's days), ``mau``, ``stickiness``.
    """
    end = as_of_end(as_of, ds)
    who, days = active_days(ds, as_of=end - pd.Timedelta(days=1))
    if len(who) == 0:
        return pd.DataFrame({"month": pd.PeriodIndex([], freq="M"), "dau": [], "mau": [], "stickiness": []})
    day = day_dates(days)  # distinct (person, day) already
    daily = day.value_counts().sort_index()
    months = pd.period_range(day.min().to_period("M"), (end - pd.Timedelta(days=1)).tz_localize(None).to_period("M"), freq="M")
    all_days = pd.date_range(months[0].start_time, end.tz_localize(None) - pd.Timedelta(days=1), freq="D")
    daily = daily.reindex(all_days, fill_value=0)
    dau = daily.groupby(daily.index.to_period("M")).mean()
    mau = pd.DataFrame({"month": day.dt.to_period("M"), "who": who}).drop_duplicates().groupby("month").size()
    out = pd.DataFrame({"month": months, "dau": dau.reindex(months).to_numpy(), "mau": mau.reindex(months, fill_value=0).to_numpy().astype("int64")})
    out["stickiness"] = out["dau"] / out["mau"].where(out["mau"] > 0)
    return out


def monthly_flows(ds: Dataset, *, as_of=None) -> pd.DataFrame:
    """New, returning, reactivated and stopping people per month.

    *new*: first active month ever; *returning*: active this month and last; *reactivated*:
    active this month, not last month, but some month before; *stopped*: active last month and not
    this one. (Not *lapsed*: that word is the ``lapsed`` KPI's, 90 days without activity.)

    Returns
    -------
    DataFrame
        ``month``, ``active``, ``new``, ``returning``, ``reactivated``, ``stopped``.
    """
    end = as_of_end(as_of, ds)
    cols = ["month", "active", "new", "returning", "reactivated", "stopped"]
    pm = _person_months(ds, end)
    if len(pm) == 0:
        return pd.DataFrame({c: [] for c in cols})
    months = pd.period_range(pm["month"].min(), (end - pd.Timedelta(days=1)).tz_localize(None).to_period("M"), freq="M")
    idx = {p: i for i, p in enumerate(months)}
    pm["m"] = pm["month"].map(idx).astype("int64")
    pm = pm.sort_values(["person_id", "m"])
    prev = pm.groupby("person_id")["m"].shift()
    first = prev.isna()
    consecutive = prev == pm["m"] - 1
    n = len(months)
    new = np.bincount(pm.loc[first, "m"], minlength=n)
    returning = np.bincount(pm.loc[consecutive, "m"], minlength=n)
    reactivated = np.bincount(pm.loc[~first & ~consecutive, "m"], minlength=n)
    # Lapsed in month m+1: active in m and not in m+1.
    nxt = pm.groupby("person_id")["m"].shift(-1)
    lapse_at = pm.loc[(nxt != pm["m"] + 1) & (pm["m"] + 1 < n), "m"] + 1
    lapsed = np.bincount(lapse_at.astype("int64"), minlength=n)
    active = np.bincount(pm["m"], minlength=n)
    return pd.DataFrame(
        {"month": months, "active": active, "new": new, "returning": returning, "reactivated": reactivated, "stopped": lapsed}
    ).astype({c: "int64" for c in cols[1:]})


def growth_summary(monthly: pd.DataFrame, *, since: pd.Timestamp | None = None) -> dict[str, object]:
    """The growth curve's landmarks from :func:`monthly_active`: peak, current, change from peak.

    The current month is the last *complete* one: a month marked ``partial`` is left out, so a
    few days of a new month are never compared with whole months. ``since`` is where the complete
    history starts when the export starts part-way (:func:`esnkit.profile.history_start`): the
    months before it hold only part of what happened then, so the peak is sought from there on and
    ``launch_month`` (the first month of the data) is ``None``: the launch is not in the data.
    ``since_month`` is the first month the peak was sought in.

    Examples
    --------
    >>> t = pd.DataFrame({"month": pd.period_range("2026-01", periods=4, freq="M"), "active": [10, 40, 30, 20]})
    >>> s = growth_summary(t)
    >>> (str(s["peak_month"]), s["peak_active"], s["current_active"], round(s["change_from_peak"], 2))
    ('2026-02', 40, 20, -0.5)
    >>> s = growth_summary(t, since=pd.Timestamp("2026-03-01", tz="UTC"))  # February is before the complete history
    >>> (str(s["peak_month"]), s["peak_active"], s["launch_month"], str(s["since_month"]))
    ('2026-03', 30, None, '2026-03')
    """
    if len(monthly) == 0:
        return {
            "peak_month": None,
            "peak_active": 0,
            "current_month": None,
            "current_active": 0,
            "change_from_peak": float("nan"),
            "launch_month": None,
            "since_month": None,
        }
    launch = None
    if since is not None:
        first = pd.Timestamp(since).tz_localize(None) if pd.Timestamp(since).tzinfo is not None else pd.Timestamp(since)
        first = first.to_period("M") if first.day == 1 else first.to_period("M") + 1
        monthly = monthly[pd.PeriodIndex(monthly["month"], freq="M") >= first]
    else:
        launch = monthly["month"].iloc[0]
    if "partial" in monthly:
        monthly = monthly[~monthly["partial"].astype(bool)]
    if len(monthly) == 0:
        return growth_summary(monthly.iloc[0:0].drop(columns="partial", errors="ignore"))
    peak = monthly.loc[monthly["active"].idxmax()]
    last = monthly.iloc[-1]
    return {
        "launch_month": launch,
        "since_month": monthly["month"].iloc[0] if since is not None else None,
        "peak_month": peak["month"],
        "peak_active": int(peak["active"]),
        "current_month": last["month"],
        "current_active": int(last["active"]),
        "change_from_peak": (int(last["active"]) - int(peak["active"])) / int(peak["active"]) if int(peak["active"]) else float("nan"),
    }


def adoption_segments(ds: Dataset, *, as_of=None) -> pd.DataFrame:
    """Rogers' adoption segments: people ordered by their first activity, cut at 2.5/16/50/84%.

    The population is everyone in ``people`` (the roster when joined in). A segment is *reached*
    when all its people have been active at least once.

    Returns
    -------
    DataFrame
        ``segment``, ``share`` (Rogers), ``people``, ``adopted`` (ever active), ``reached``.
    """
    end = as_of_end(as_of, ds)
    people = population(ds)
    n = len(people)
    n_adopted = int(people_seen(ds, person_days(ds, as_of=end - pd.Timedelta(days=1)))[population_rows(ds)].sum())
    rows = []
    start = 0
    for i, (segment, share) in enumerate(ROGERS):
        stop = n if i == len(ROGERS) - 1 else start + round(share * n)
        size = stop - start
        adopted = int(np.clip(n_adopted - start, 0, size))
        rows.append({"segment": segment, "share": share, "people": size, "adopted": adopted, "reached": adopted == size and size > 0})
        start = stop
    return pd.DataFrame(rows)


def lapsed_people(ds: Dataset, *, as_of=None, inactive_days: int = 90, include_external: bool = False) -> pd.DataFrame:
    """People who were active before and not in the last ``inactive_days`` days up to ``as_of``.

    The people the ``lapsed`` KPI counts (:mod:`esnkit.metrics.kpis`): bots never, external
    guests only when asked for.

    Returns
    -------
    DataFrame
        ``person_id``, ``department``, ``state``, ``first_active``, ``last_active``,
        ``days_inactive``, ``n_messages`` (posts and replies), ``n_posts``, ``n_reactions``,
        most recently lapsed first.

    Examples
    --------
    >>> from esnkit import Dataset
    >>> ds = Dataset(people=pd.DataFrame({"person_id": ["a", "b"], "state": ["active", "active"]}),
    ...     groups=pd.DataFrame({"group_id": ["g"]}),
    ...     messages=pd.DataFrame({"message_id": ["1", "2"], "thread_id": ["1", "2"], "group_id": ["g", "g"],
    ...         "author_id": ["a", "b"], "created_at": ["2026-01-01", "2026-06-01"],
    ...         "is_thread_start": [True, True], "is_private": [False, False]}))
    >>> lapsed_people(ds, as_of="2026-06-30", inactive_days=90)["person_id"].tolist()
    ['a']
    """
    end = as_of_end(as_of, ds)
    # Asked for by steps 1 and 3 and the lapsed KPI's lists: computed once per as-of (a shallow
    # copy each time: copy-on-write keeps the cached frame as it is).
    key = (end, inactive_days, include_external)
    return ds.cached("lapsed_people", key, lambda: _lapsed_people(ds, end, inactive_days, include_external)).copy(deep=False)


def _lapsed_people(ds: Dataset, end: pd.Timestamp, inactive_days: int, include_external: bool) -> pd.DataFrame:
    days = person_days(ds, as_of=end - pd.Timedelta(days=1), include_external=include_external)
    cutoff = end - pd.Timedelta(days=inactive_days)
    # Grouped by the person's row in ds.people (who), not by the id string (3x faster over 10 M
    # person-days), and on the frame itself: a frame of the columns first, with a messages column
    # added, was a copy of 0.5 GiB at the reactivate step's peak. Messages are posts plus replies.
    stats = days.groupby("who").agg(
        last_active=("last_at", "max"),
        n_posts=("posts", "sum"),
        n_replies=("replies", "sum"),
        n_reactions=("reactions", "sum"),
    )
    stats.insert(1, "n_messages", stats["n_posts"] + stats.pop("n_replies"))
    stats = stats[stats["last_active"] < cutoff]
    rows = stats.index.to_numpy()
    first = pd.Series(first_contributions(ds)[rows].astype("datetime64[us]")).dt.tz_localize("UTC")
    stats.insert(0, "first_active", first.array)
    people = ds.people
    lapsed = stats.reset_index(drop=True)
    lapsed.insert(0, "person_id", people["person_id"].take(rows).astype("str").to_numpy())
    lapsed.insert(1, "department", people["department"].take(rows).astype("str").to_numpy())
    lapsed.insert(2, "state", people["state"].take(rows).astype("str").to_numpy())
    lapsed.insert(5, "days_inactive", ((end - lapsed["last_active"]).dt.days).astype("int64"))
    for c in ("n_messages", "n_posts", "n_reactions"):
        lapsed[c] = lapsed[c].astype("int64")
    return lapsed.sort_values(["last_active", "person_id"], ascending=[False, True]).reset_index(drop=True)


def people_engaged(ds: Dataset, *, as_of=None, window_days: int = 90) -> dict[str, object]:
    """Viva Engage's *people engaged*: who read or contributed in the window, where the data carry reads.

    Returns ``{"has_reads", "engaged", "readers", "contributors", "readers_only"}``: counts of
    people (bots and guests excluded) who read or contributed, read, contributed (posted, replied
    or reacted, the KPIs' "active"), and read without contributing. Without reads in the data
    (message exports never carry them) ``engaged`` equals ``contributors`` and ``has_reads`` is False.
    """
    end = as_of_end(as_of, ds)
    days = person_days(ds, as_of=end - pd.Timedelta(days=1))
    contributed = pd.Index(ds.people["person_id"].to_numpy()[people_seen(ds, days, from_day=day_number(end) - window_days)], dtype="str")
    act = ds.activity
    if len(act):  # a usage report's own contributions count too (it covers reads and posts alike)
        overlap = (act["period_end"] > end - pd.Timedelta(days=window_days)) & (act["period_start"] < end)
        gave = overlap & (act[["posted", "liked"]].fillna(0).sum(axis=1) > 0)
        contributed = contributed.union(pd.Index(act.loc[gave, "person_id"].unique(), dtype="str"))
        contributed = contributed[contributed.isin(population(ds)["person_id"])]
    read = readers(ds, as_of=end - pd.Timedelta(days=1), window_days=window_days)
    return {
        "has_reads": has_reads(ds),
        "engaged": len(contributed.union(read)),
        "readers": len(read),
        "contributors": len(contributed),
        "readers_only": len(read.difference(contributed)),
    }


def heavy_threshold(ds: Dataset, *, as_of=None, top_share: float = 0.1) -> int | None:
    """The fewest posts and replies (to ``as_of``) that make a *heavy contributor*: the top ``top_share`` of everyone
    who ever posted or replied, ties kept. ``None`` when nobody has written.

    The one meaning of "heavy" in the deliverables: :func:`silent_heavy_contributors` and the
    invite-back list (:func:`esnkit.steps.reactivate.invite_back`) both take it from here.
    """
    end = as_of_end(as_of, ds)
    days = person_days(ds, as_of=end - pd.Timedelta(days=1))
    per_person = np.bincount(days["who"].to_numpy(), weights=(days["posts"] + days["replies"]).to_numpy(), minlength=len(ds.people)).astype(np.int64)
    writers = np.sort(per_person[per_person > 0])[::-1]
    if len(writers) == 0:
        return None
    return int(writers[max(1, int(np.ceil(top_share * len(writers)))) - 1])


def silent_heavy_contributors(ds: Dataset, *, as_of=None, inactive_days: int = 90, top_share: float = 0.1) -> pd.DataFrame:
    """The heaviest contributors who have gone silent: the lapsed people worth a personal call.

    Heavy: among the top ``top_share`` of everyone who ever posted or replied (bots and guests
    excluded) by posts and replies to ``as_of`` — at least as many as the person at that rank, so
    ties are kept. Silent: lapsed (:func:`lapsed_people`, the ``lapsed`` KPI's people).

    Returns
    -------
    DataFrame
        The :func:`lapsed_people` columns of those people plus ``main_group_id`` (the community
        they posted and replied in most; ties by group id; empty when they wrote only outside
        communities), most messages first (ties by person id).
    """
    end = as_of_end(as_of, ds)
    lapsed = lapsed_people(ds, as_of=as_of, inactive_days=inactive_days)
    cols = [*lapsed.columns, "main_group_id"]
    least = heavy_threshold(ds, as_of=as_of, top_share=top_share)
    if least is None:
        return pd.DataFrame({c: lapsed[c].iloc[:0] if c in lapsed else pd.Series(dtype="str") for c in cols})
    heavy = lapsed[lapsed["n_messages"] >= least]
    main = PersonCommunity(ds, heavy["person_id"], as_of=end - pd.Timedelta(days=1), written_only=True).main_group()
    out = heavy.assign(main_group_id=pd.array(main, dtype="str"))
    return out.sort_values(["n_messages", "person_id"], ascending=[False, True]).reset_index(drop=True)[cols]


def stop_month(lapsed: pd.DataFrame) -> tuple[pd.Period, int]:
    """The month most of ``lapsed`` (a :func:`lapsed_people` frame, or part of one) were last active, and how many; ties: the earliest.

    Examples
    --------
    >>> t = pd.DataFrame({"last_active": pd.to_datetime(["2026-06-03", "2026-06-20", "2026-05-01", "2026-05-09"], utc=True)})
    >>> stop_month(t)
    (Period('2026-05', 'M'), 2)
    """
    months = lapsed["last_active"].dt.tz_localize(None).dt.to_period("M").value_counts().sort_index()
    peak = months.idxmax()
    return peak, int(months[peak])


def stop_cluster(lapsed: pd.DataFrame, *, as_of, inactive_days: int = 90) -> tuple[pd.Period, int] | None:
    """The month many of ``lapsed`` stopped in, when that is an event and not the silence rule's edge; else ``None``.

    People count as lapsed only ``inactive_days`` after their last activity, so the months just
    before that cutoff are the latest anyone can have stopped in: those who stopped then are only
    now becoming lapsed, and they pile up there whatever happened. A month is a cluster (worth
    looking into) when more than one person stopped in it (:func:`stop_month`) and it lies before
    the month ahead of the cutoff's.

    Examples
    --------
    >>> t = pd.DataFrame({"last_active": pd.to_datetime(["2026-03-03", "2026-03-20", "2026-06-01", "2026-06-09", "2026-06-20"], utc=True)})
    >>> stop_cluster(t, as_of="2026-09-30", inactive_days=90) is None  # June: the latest month anyone can have stopped in
    True
    >>> stop_cluster(t.iloc[:3], as_of="2026-09-30", inactive_days=90)
    (Period('2026-03', 'M'), 2)
    """
    if len(lapsed) == 0:
        return None
    peak, stopped = stop_month(lapsed)
    edge = (pd.Timestamp(as_of) - pd.Timedelta(days=inactive_days)).to_period("M") - 1
    return (peak, stopped) if stopped > 1 and peak < edge else None


def cohort_retention(ds: Dataset, *, as_of=None, max_months: int = 12) -> pd.DataFrame:
    """Monthly cohort retention: of the people first active in a month, the share active k months later.

    Returns
    -------
    DataFrame
        ``cohort`` (Period), ``months_since`` (0..max_months), ``cohort_size``, ``active``,
        ``retention``; only cells whose month is not after ``as_of``.
    """
    end = as_of_end(as_of, ds)
    cols = ["cohort", "months_since", "cohort_size", "active", "retention"]
    pm = _person_months(ds, end)
    if len(pm) == 0:
        return pd.DataFrame({c: [] for c in cols})
    first = pm.groupby("person_id")["month"].min().rename("cohort")
    pm = pm.join(first, on="person_id")
    pm["months_since"] = (_month_number(pm["month"]) - _month_number(pm["cohort"])).astype("int64")
    pm = pm[pm["months_since"] <= max_months]
    sizes = first.value_counts()
    grid = pm.groupby(["cohort", "months_since"]).size().rename("active").reset_index()
    last = (end - pd.Timedelta(days=1)).tz_localize(None).to_period("M")
    cohorts = sizes.index.sort_values()
    full = pd.MultiIndex.from_tuples([(c, k) for c in cohorts for k in range(max_months + 1) if (c + k) <= last], names=["cohort", "months_since"])
    out = grid.set_index(["cohort", "months_since"]).reindex(full, fill_value=0).reset_index()
    out["cohort_size"] = out["cohort"].map(sizes).astype("int64")
    out["active"] = out["active"].astype("int64")
    out["retention"] = out["active"] / out["cohort_size"]
    return out[cols]
