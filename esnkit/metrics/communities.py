"""Communities: a scorecard per community, a lifecycle status with the rule that decided it.

Windows end at ``as_of``: *q0* is the last 90 days, *q1* the 90 before, and so on.

Status rules, checked in this order (the first that matches decides):

1. **dormant** — no post, reply or reaction in q0;
2. **idle** — fewer than 3 active members or fewer than 6 messages in q0;
   *Where the export starts part-way* (:func:`esnkit.profile.history_start`) *and q1 begins before
   its complete history* (and the community was not created inside it), q0 cannot be compared with
   q1: no community is then called growing, declining or stable. It is **thriving** when busy as in
   rule 4 (steadiness unknown), else **new** — *new in these data*: too little complete history to
   say where it is heading. Otherwise:
3. **growing** — q0 messages at least 1.25x q1's (and q1 > 0, or new this quarter);
4. **thriving** — steady (q0 messages at least 0.8x q1's) and busy: q0 messages at least the
   75th percentile of this network's live communities (and at least 12), at least 5 active members
   and a response rate of at least 50% over q0 and q1. "Busy" is relative to the network, so the
   rule reads a 300-person client and a 100,000-person one alike;
5. **declining** — q0 messages at most 0.7x q1's;
6. **stable** — everything else.

Microsoft's own rule, "active when at least 5% of members reacted or replied", is reported beside
it (``ms_active``) where memberships are known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._fast import isin, micros, min_by_key, pair_keys, unique
from .._text import count, signed
from ..dataset import Dataset
from ._base import as_of_end, day_number, person_days
from .conversations import counted_threads, thread_responses
from .participation import absence_factors

__all__ = ["community_scorecard", "key_communities", "STATUSES", "QUARTER_DAYS"]

STATUSES = ("thriving", "growing", "stable", "new", "declining", "idle", "dormant")
QUARTER_DAYS = 90
IDLE_MIN_MEMBERS, IDLE_MIN_MESSAGES = 3, 6
GROWING_RATIO, THRIVING_RATIO, DECLINING_RATIO = 1.25, 0.8, 0.7
THRIVING_MIN_MESSAGES, THRIVING_MIN_MEMBERS, THRIVING_MIN_RESPONSE, BUSY_QUANTILE = 12, 5, 0.5, 0.75


def _status(row: pd.Series, busy: float = THRIVING_MIN_MESSAGES) -> tuple[str, str]:
    q0, q1 = row["messages_q0"], row["messages_q1"]
    if row["contributions_q0"] == 0:
        return "dormant", "no activity in the last 90 days"
    if row["active_members"] < IDLE_MIN_MEMBERS or q0 < IDLE_MIN_MESSAGES:
        return "idle", f"{count(row['active_members'], 'active member')} and {count(q0, 'message')} in the last 90 days"
    rr = row["response_rate"]
    busy_now = q0 >= busy and row["active_members"] >= THRIVING_MIN_MEMBERS and rr >= THRIVING_MIN_RESPONSE
    if not row.get("compared", True):
        if busy_now:
            return "thriving", f"{int(q0):,} messages from {int(row['active_members']):,} active members, {rr:.0%} of threads answered"
        return "new", "new in these data: the complete history is too short to compare the last 90 days with the 90 before"
    ratio = q0 / q1 if q1 else np.inf
    if ratio >= GROWING_RATIO:
        return "growing", f"messages up {('from none' if q1 == 0 else f'{ratio - 1:+.0%}')} on the previous 90 days"
    if ratio >= THRIVING_RATIO and busy_now:
        return "thriving", f"{int(q0):,} messages from {int(row['active_members']):,} active members, {rr:.0%} of threads answered, steady volume"
    if ratio <= DECLINING_RATIO:
        return "declining", f"messages down {1 - ratio:.0%} on the previous 90 days"
    return "stable", f"messages {signed(ratio - 1, '+.0%')} on the previous 90 days"


def community_scorecard(ds: Dataset, *, as_of=None, quarters: int = 4) -> pd.DataFrame:
    """One row per community (group) with its health figures and lifecycle status.

    Returns
    -------
    DataFrame
        ``group_id``, ``name``, ``members`` (current, null when unknown), ``active_members``
        (people who contributed in q0), ``messages_q0`` .. ``messages_q{quarters-1}``,
        ``contributions_q0``, ``posts_per_active_member``, ``response_rate`` and
        ``median_hours_to_first_response`` (threads started in q0 and q1),
        ``absence_factor`` (q0 and q1), ``key_people_share`` (the share of q0 and q1's contributions
        those absence-factor people make), ``newcomer_share`` (share of q0's active members whose
        first contribution to the community was in q0), ``trend`` (q0 / q1 - 1), ``ms_active``,
        ``last_activity``, ``compared`` (q0 compared with q1: false where q1 begins before the
        complete history, :func:`esnkit.profile.history_start`, and ``trend`` is then null),
        ``status``, ``rule``.
    """
    from ..profile import history_start

    end = as_of_end(as_of, ds)
    since = history_start(ds)
    return ds.cached("scorecard", (end, quarters, since), lambda: _scorecard(ds, end, quarters, since))


def _first_in_group(ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Each (group row, person row) pair's first day with a contribution (days since 1970-01-01), keys sorted: computed once per Dataset."""
    days = person_days(ds, include_external=True)
    return min_by_key(pair_keys(days["where"].to_numpy(), days["who"].to_numpy(), len(ds.people) + 1), days["day"].to_numpy())


#: Person-days :func:`_last_activity` reads at a time (its temporaries hold a chunk, not all of them).
DAY_CHUNK = 4_000_000


def _scorecard(ds: Dataset, end: pd.Timestamp, quarters: int, since: pd.Timestamp | None = None) -> pd.DataFrame:
    # Counted on integer codes of the person_day reduction: string group-bys over 10 M events
    # cost seconds per scorecard, and step 2 takes one per quarter of history. A quarter is
    # QUARTER_DAYS whole days counted back from the as-of, like every other window.
    q = pd.Timedelta(days=QUARTER_DAYS)
    rows = np.flatnonzero((ds.groups["kind"].fillna("community") != "dm").to_numpy())
    groups = ds.groups.take(rows)
    n_groups, n_people = len(groups), len(ds.people) + 1
    # Each group row's slot among the communities. Direct messages and person-days outside any
    # community (where = -1, the last entry) go to one more slot, n_groups, counted and dropped:
    # every column below is then a view of the person-days, never a masked copy.
    slots = n_groups + 1
    slot = np.full(len(ds.groups) + 1, n_groups, dtype=np.int32)
    slot[rows] = np.arange(n_groups, dtype=np.int32)
    days = person_days(ds, as_of=end - pd.Timedelta(days=1), include_external=True)
    end_day = day_number(end)
    # Sorted by day: the last ``quarters`` quarters are the rows from ``start``, the last two from
    # ``half`` and the last one from ``recent``, each a suffix of the one before.
    day = days["day"].to_numpy()
    start, half, recent = (int(np.searchsorted(day, end_day - k * QUARTER_DAYS, side="left")) for k in (quarters, min(2, quarters), 1))
    g = slot[days["where"].to_numpy()[start:]]
    who = days["who"].to_numpy()[start:]
    posts, replies, reactions = (days[c].to_numpy()[start:] for c in ("posts", "replies", "reactions"))
    written = posts + replies  # messages: posts and replies
    given = written + reactions  # contributions: reactions too
    age_q = (end_day - 1 - day[start:]) // QUARTER_DAYS
    half, recent = half - start, recent - start

    def per_group(keys: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:  # summed per community, the extra slot dropped
        return np.bincount(keys, weights=weights, minlength=slots)[:n_groups].astype(np.int64)

    out = pd.DataFrame({"group_id": groups["group_id"].to_numpy(), "name": groups["name"].to_numpy()})
    per_q = np.bincount(g * quarters + age_q, weights=written, minlength=slots * quarters).astype(np.int64).reshape(slots, quarters)
    for k in range(quarters):
        out[f"messages_q{k}"] = per_q[:n_groups, k].astype("int64")
    out["contributions_q0"] = per_group(g[recent:], given[recent:])
    out["active_members"] = per_group(unique(pair_keys(g[recent:], who[recent:], n_people)) // n_people)
    mem = ds.memberships
    if len(mem):
        current = mem[(mem["joined_at"].isna() | (mem["joined_at"] < end)) & (mem["left_at"].isna() | (mem["left_at"] >= end))]
        members = current.drop_duplicates(["group_id", "person_id"]).groupby("group_id").size()
        out["members"] = out["group_id"].map(members).astype("Int64")
    else:
        out["members"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["posts_per_active_member"] = (out["messages_q0"] / out["active_members"].where(out["active_members"] > 0)).astype("float64")
    threads = counted_threads(ds, thread_responses(ds, as_of=end - pd.Timedelta(days=1), since=end - 2 * q))
    threads = threads[threads["group_id"].notna()]
    by_group = threads.groupby("group_id").agg(
        threads=("answered", "size"), answered=("answered", "sum"), median_h=("hours_to_first_response", "median")
    )
    out["response_rate"] = out["group_id"].map(by_group["answered"] / by_group["threads"]).astype("float64")
    out["median_hours_to_first_response"] = out["group_id"].map(by_group["median_h"]).astype("float64")
    half_pairs, at = np.unique(pair_keys(g[half:], who[half:], n_people), return_inverse=True)
    half_counts = np.bincount(at, weights=given[half:], minlength=len(half_pairs)).astype(np.int64)
    del at
    mine = int(np.searchsorted(half_pairs, n_groups * n_people, side="left"))  # sorted: the extra slot's pairs come last
    factors, out["key_people_share"] = absence_factors(half_pairs[:mine] // n_people, half_counts[:mine], n_groups, with_share=True)
    out["absence_factor"] = pd.array(np.where(factors > 0, factors, 0), dtype="Int64")
    out.loc[factors == 0, "absence_factor"] = pd.NA  # no contribution in 180 days: no fewest people making half of it
    # A newcomer's first contribution to the community ever (not just before as_of: the same, as they were active in q0).
    keys, first_day = ds.cached("first_in_group", (), lambda: _first_in_group(ds))
    where = days["where"].to_numpy()[start + recent :]
    recent_keys = unique(pair_keys(where, who[recent:], n_people))
    newcomer = first_day[np.searchsorted(keys, recent_keys)] >= end_day - QUARTER_DAYS
    if since is not None:  # first seen where a partial history begins: perhaps someone quiet when the export began
        from ..profile import newcomers_from

        newcomer &= first_day[np.searchsorted(keys, recent_keys)] >= day_number(newcomers_from(ds, QUARTER_DAYS))
    newcomers = np.bincount(slot[recent_keys[newcomer] // n_people], minlength=slots)[:n_groups]
    out["newcomer_share"] = (newcomers / out["active_members"].where(out["active_members"] > 0)).astype("float64")
    # q0 against q1 only where q1 lies inside the complete history, or the community began inside it
    if since is None or end - 2 * q >= since:
        out["compared"] = True
    else:
        out["compared"] = (groups["created_at"] >= since).fillna(False).to_numpy(dtype=bool)
    out["trend"] = (out["messages_q0"] / out["messages_q1"].where(out["messages_q1"] > 0) - 1).astype("float64").where(out["compared"])
    answering = (replies[recent:] + reactions[recent:]) > 0
    responders = per_group(unique(pair_keys(g[recent:][answering], who[recent:][answering], n_people)) // n_people)
    ms = pd.Series(responders, index=out.index) >= 0.05 * out["members"].astype("float64")
    out["ms_active"] = ms.astype("boolean").where(out["members"].notna())
    last = _last_activity(days, slot, n_groups)
    seen = last != np.iinfo(np.int64).min
    out["last_activity"] = pd.Series(np.where(seen, last, 0).astype("datetime64[us]")).dt.tz_localize("UTC").where(seen).array
    live = out.loc[out["contributions_q0"] > 0, "messages_q0"]
    busy = max(THRIVING_MIN_MESSAGES, float(live.quantile(BUSY_QUANTILE)) if len(live) else 0.0)
    decided = out.apply(_status, axis=1, result_type="expand", busy=busy) if len(out) else pd.DataFrame(columns=[0, 1])
    out["status"] = decided[0].astype("str") if len(out) else pd.Series([], dtype="str")
    out["rule"] = decided[1].astype("str") if len(out) else pd.Series([], dtype="str")
    if len(out):  # "72% of threads answered", in the data's unit of conversation (posts where nothing replies to anything)
        from ..profile import data_profile
        from .measures import in_unit

        unit = data_profile(ds).unit()
        out["rule"] = out["rule"].map(lambda rule: in_unit(rule, unit)).astype("str")
    order = {s: i for i, s in enumerate(STATUSES)}
    return out.sort_values(["status", "messages_q0"], key=lambda s: s.map(order) if s.name == "status" else -s).reset_index(drop=True)


def _last_activity(days: pd.DataFrame, slot: np.ndarray, n_groups: int) -> np.ndarray:
    """Each community's last contribution (µs) among ``days``, all of them, not only the recent quarters; int64 min when none.

    ``slot`` sends rows outside any community to its last slot, n_groups. Read :data:`DAY_CHUNK` rows at a time.
    """
    last = np.full(n_groups + 1, np.iinfo(np.int64).min, dtype=np.int64)
    for first in range(0, len(days), DAY_CHUNK):  # a loop over chunks of rows; each is vectorised
        part = days.iloc[first : first + DAY_CHUNK]
        np.maximum.at(last, slot[part["where"].to_numpy()], micros(part["last_at"]))
    return last[:n_groups]


def key_communities(scorecard: pd.DataFrame, *, top: int = 10) -> pd.DataFrame:
    """The communities to build on, ranked: thriving and growing first, then by active members.

    Returns
    -------
    DataFrame
        ``rank``, ``group_id``, ``name``, ``status``, ``active_members``, ``response_rate``, ``reason``.
    """
    live = scorecard[isin(scorecard["status"], ["thriving", "growing", "stable"])].copy()
    weight = live["status"].map({"thriving": 3, "growing": 2, "stable": 1}).astype("float64")  # an empty map keeps the str dtype
    live["score"] = weight * 1000 + live["active_members"] * (0.5 + live["response_rate"].fillna(0))
    live = live.sort_values(["score", "group_id"], ascending=[False, True]).head(top)
    live["reason"] = live["status"].str.capitalize() + ": " + live["rule"]
    live.insert(0, "rank", np.arange(1, len(live) + 1))
    return live[["rank", "group_id", "name", "status", "active_members", "response_rate", "reason"]].reset_index(drop=True)
