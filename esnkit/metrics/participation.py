"""Participation: how unequal is contribution, how habitual is use, what role does each person play?

Definitions:

- *contribution*: a post, reply or reaction;
- *contributor absence factor* (CHAOSS): the fewest people who account for 50% of contributions;
- *core contributors* (``heavy_share``): those people (the absence-factor set); *other*
  contributors (``occasional_share``): the rest who contributed. Not the *heavy contributors* of
  :func:`esnkit.metrics.adoption.silent_heavy_contributors` (the top 10% by posts and replies),
  which is the one meaning of "heavy" in the deliverables; *lurkers*: registered people with no contribution — compared with 90-9-1; where
  the data carry reads (usage reports), lurkers are those who read but did not contribute, and
  people who did neither are not lurkers but absent;
- *usage segments* (vivainsights), over the last 12 complete weeks: **power** active in ≥9
  weeks with a weekly average ≥15 contributions; **habitual** active in ≥9 weeks; **novice**
  weekly average ≥1; **low** any contribution; **non-user** none;
- *personas* (after SWOOP), over ``window_days``: *given* = posts + replies + reactions made;
  *received* = replies + reactions + mentions received from others. With ratio
  ``r = (received + 1) / (given + 1)``: **Observer** gave nothing (and, where the data carry
  reads, read something; who neither read nor gave is **Inactive**); **Catalyst** r > 2;
  **Engager** 0.5 ≤ r ≤ 2; otherwise (r < 0.5) **Broadcaster** when at least half of what they
  gave were new posts, else **Responder**. SWOOP publishes no cut-offs; these are ours.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._fast import unique
from ..dataset import Dataset
from ..reduce import query
from ._base import as_of_end, day_number, gini, has_reads, person_days, population, readers, registered_people, sums_by_person

__all__ = ["contribution_inequality", "absence_factor", "usage_segments", "personas", "SEGMENTS", "PERSONAS"]

SEGMENTS = ("power", "habitual", "novice", "low", "non-user")
PERSONAS = ("Engager", "Catalyst", "Responder", "Broadcaster", "Observer", "Inactive")


def absence_factor(counts: pd.Series | np.ndarray, *, share: float = 0.5) -> int:
    """The fewest contributors accounting for ``share`` of all contributions (CHAOSS).

    Examples
    --------
    >>> absence_factor([10, 1, 1, 1, 1])
    1
    >>> absence_factor([3, 3, 3, 3])
    2
    >>> absence_factor([])
    0
    """
    counts = np.asarray(counts, dtype=float)
    return int(absence_factors(np.zeros(len(counts), dtype=np.int64), counts, 1, share=share)[0])


def absence_factors(groups: np.ndarray, counts: np.ndarray, n_groups: int, *, share: float = 0.5, with_share: bool = False):
    """:func:`absence_factor` of many groups at once: contributor ``i`` of group ``groups[i]`` made ``counts[i]``.

    Groups are numbered ``0 .. n_groups - 1``; a group without contributions gets 0. With
    ``with_share``, also the share of each group's contributions those people make (NaN without any).

    Examples
    --------
    >>> absence_factors(np.array([0, 0, 0, 0, 0, 1, 1, 1, 1]), np.array([10, 1, 1, 1, 1, 3, 3, 3, 3]), 3).tolist()
    [1, 2, 0]
    >>> absence_factors(np.array([0, 0, 0, 0, 0, 1, 1, 1, 1]), np.array([10, 1, 1, 1, 1, 3, 3, 3, 3]), 3, with_share=True)[1].round(3).tolist()
    [0.714, 0.5, nan]
    """
    groups, counts = np.asarray(groups, dtype=np.int64), np.asarray(counts, dtype=float)
    groups, counts = groups[counts > 0], counts[counts > 0]
    order = np.lexsort((-counts, groups))  # each group's biggest contributors first
    groups, counts = groups[order], counts[order]
    total = np.bincount(groups, weights=counts, minlength=n_groups)
    running = np.cumsum(counts)
    start = np.searchsorted(groups, np.arange(n_groups))
    running -= np.concatenate([[0.0], running])[start][groups]  # cumulative sums restarted per group
    below = running < share * total[groups] - 1e-9
    factors = np.where(total > 0, np.bincount(groups[below], minlength=n_groups) + 1, 0).astype("int64")
    if not with_share:
        return factors
    rank = np.arange(len(groups)) - start[groups]  # 0 for each group's biggest contributor
    carried = np.bincount(groups[rank < factors[groups]], weights=counts[rank < factors[groups]], minlength=n_groups)
    return factors, np.where(total > 0, carried / np.where(total > 0, total, 1), np.nan)


def _window(ds: Dataset, end: pd.Timestamp, start: pd.Timestamp | None) -> pd.DataFrame:
    """:func:`person_days` of the population from ``start`` (a day's start; None: all time) to ``end``."""
    days = person_days(ds, as_of=end - pd.Timedelta(days=1))
    return days if start is None else days[days["day"] >= day_number(start)]


def _given(ds: Dataset, end: pd.Timestamp, start: pd.Timestamp | None) -> pd.DataFrame:
    """Posts, replies and reactions each person of the population gave in ``[start, end)``, by person id (sorted)."""
    return sums_by_person(ds, _window(ds, end, start), ["posts", "replies", "reactions"])


def contribution_inequality(ds: Dataset, *, as_of=None, window_days: int | None = 180) -> pd.DataFrame:
    """How concentrated contribution is, against 90-9-1, over the last ``window_days`` (None = all time).

    Returns
    -------
    DataFrame
        one row: ``registered``, ``contributors``, ``contributions``, ``gini`` (over registered
        people, lurkers as zeros), ``top1_share``, ``top10_share`` (share of contributions by the top
        1% / 10% of registered people), ``absence_factor``, ``heavy_share``, ``occasional_share``,
        ``lurker_share`` (shares of registered people; 90-9-1 reads 0.01, 0.09, 0.90).
    """
    end = as_of_end(as_of, ds)
    given = _given(ds, end, None if window_days is None else end - pd.Timedelta(days=window_days)).sum(axis=1)
    registered = registered_people(ds, as_of=end - pd.Timedelta(days=1))["person_id"]  # the one rule, as the KPIs count them
    # Registered people only, as the definitions say (a deleted account's contributions are not a registered person's)
    counts = given.reindex(registered, fill_value=0)
    n = len(counts)
    values = np.sort(counts.to_numpy())[::-1]
    total = values.sum()
    af = absence_factor(values)

    def top(share: float) -> float:
        k = max(1, int(np.ceil(share * n))) if n else 0
        return float(values[:k].sum() / total) if total else 0.0

    contributors = int((values > 0).sum())
    lurkers = n - contributors
    if has_reads(ds):  # lurking is reading without contributing
        read = readers(ds, as_of=end - pd.Timedelta(days=1), window_days=window_days or 100_000)
        lurkers = int((counts[counts.index.isin(read)] == 0).sum())
    return pd.DataFrame(
        {
            "registered": [n],
            "contributors": [contributors],
            "contributions": [int(total)],
            "gini": [gini(values)],
            "top1_share": [top(0.01)],
            "top10_share": [top(0.10)],
            "absence_factor": [af],
            "heavy_share": [af / n if n else 0.0],
            "occasional_share": [(contributors - af) / n if n else 0.0],
            "lurker_share": [lurkers / n if n else 0.0],
        }
    )


def usage_segments(ds: Dataset, *, as_of=None, weeks: int = 12) -> pd.DataFrame:
    """Each registered person's usage segment over the last ``weeks`` weeks before ``as_of``.

    Returns
    -------
    DataFrame
        ``person_id``, ``active_weeks``, ``weekly_average``, ``segment`` (see module docs).
    """
    end = as_of_end(as_of, ds)
    start = end - pd.Timedelta(weeks=weeks)
    days = _window(ds, end, start)
    registered = registered_people(ds, as_of=end - pd.Timedelta(days=1))["person_id"]  # the one rule, as the KPIs count them
    # Distinct (person, week) pairs on the people's row codes, then counted per person.
    person_week = unique(days["who"].to_numpy().astype(np.int64) * weeks + (days["day"].to_numpy() - day_number(start)) // 7)
    n_weeks = np.bincount(person_week // weeks, minlength=len(ds.people))
    rows = np.flatnonzero(n_weeks)
    active_weeks = pd.Series(n_weeks[rows], index=pd.Index(ds.people["person_id"].to_numpy()[rows], dtype="str"))
    total = _given(ds, end, start).sum(axis=1)
    ids = pd.Index(registered).union(total.index)
    out = pd.DataFrame({"person_id": ids.astype("str")})
    out["active_weeks"] = out["person_id"].map(active_weeks).fillna(0).astype("int64")
    out["weekly_average"] = out["person_id"].map(total).fillna(0).astype("float64") / weeks
    out["segment"] = np.select(
        [
            (out["active_weeks"] >= 9) & (out["weekly_average"] >= 15),
            out["active_weeks"] >= 9,
            out["weekly_average"] >= 1,
            out["weekly_average"] > 0,
        ],
        ["power", "habitual", "novice", "low"],
        default="non-user",
    )
    out["segment"] = out["segment"].astype("str")
    return out


def personas(ds: Dataset, *, as_of=None, window_days: int = 180) -> pd.DataFrame:
    """Each registered person's SWOOP-style persona over the last ``window_days`` (rules in module docs).

    Returns
    -------
    DataFrame
        ``person_id``, ``posts``, ``replies``, ``reactions``, ``given``, ``received``, ``persona``.
    """
    end = as_of_end(as_of, ds)
    start = end - pd.Timedelta(days=window_days)
    kinds = _given(ds, end, start)
    # Counted by the engine over the events: a reaction is received when it and its message are both
    # in the window, which no reduction dated by one day can tell.
    got = query(ds, "received", start=start, end=end).set_index("person_id")["received"]
    people = population(ds)
    ids = pd.Index(people.loc[people["state"].notna(), "person_id"]).union(kinds.index)
    out = pd.DataFrame({"person_id": ids.astype("str")})
    out["posts"] = out["person_id"].map(kinds["posts"]).fillna(0).astype("int64")
    out["replies"] = out["person_id"].map(kinds["replies"]).fillna(0).astype("int64")
    out["reactions"] = out["person_id"].map(kinds["reactions"]).fillna(0).astype("int64")
    out["given"] = out["posts"] + out["replies"] + out["reactions"]
    out["received"] = out["person_id"].map(got).fillna(0).astype("int64")
    ratio = (out["received"] + 1) / (out["given"] + 1)
    out["persona"] = np.select(
        [out["given"] == 0, ratio > 2, ratio >= 0.5, out["posts"] * 2 >= out["given"]],
        ["Observer", "Catalyst", "Engager", "Broadcaster"],
        default="Responder",
    )
    if has_reads(ds):  # an Observer reads; who neither read nor gave is Inactive
        read = readers(ds, as_of=end - pd.Timedelta(days=1), window_days=window_days)
        out.loc[(out["given"] == 0) & ~out["person_id"].isin(read), "persona"] = "Inactive"
    out["persona"] = out["persona"].astype("str")
    return out
