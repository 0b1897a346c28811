"""Conversations: do posts get answered, how fast, and when do people talk?

Definitions:

- *response*: a reply or a reaction to a thread by someone other than its author (CHAOSS);
- *response rate* (SWOOP): share of thread starts that got a response;
- *time to first response* (CHAOSS): first response's time minus the thread start's time;
- *unanswered*: a thread start with no response, older than ``min_age_days``.

Private conversations are included in network-wide figures and never shown per group.
"""

from __future__ import annotations

import numpy as np  # noqa: F401  (the doctests use it)
import pandas as pd

from .._fast import isin, lookup
from ..dataset import Dataset
from ._base import as_of_end, memo

__all__ = ["thread_responses", "response_rate", "unanswered_threads", "thread_depth", "activity_heatmap"]


def thread_responses(ds: Dataset, *, as_of=None) -> pd.DataFrame:
    """One row per thread start up to ``as_of`` with its first response by someone else.

    Returns
    -------
    DataFrame
        ``thread_id``, ``group_id``, ``author_id``, ``created_at``, ``is_private``,
        ``first_response_at`` (NaT when none), ``hours_to_first_response``, ``n_replies``,
        ``n_participants`` (author included), ``answered``, ``department`` (the author's, for
        breakdowns by department).

    Examples
    --------
    >>> from esnkit import Dataset
    >>> ds = Dataset(people=pd.DataFrame({"person_id": ["a", "b"]}), groups=pd.DataFrame({"group_id": ["g"]}),
    ...     messages=pd.DataFrame({"message_id": ["1", "2", "3"], "thread_id": ["1", "1", "3"],
    ...         "group_id": ["g", "g", "g"], "author_id": ["a", "b", "a"],
    ...         "created_at": ["2026-01-01 09:00", "2026-01-01 12:00", "2026-01-02"],
    ...         "is_thread_start": [True, False, True], "is_private": [False, False, False]}))
    >>> thread_responses(ds, as_of="2026-01-31")[["thread_id", "hours_to_first_response", "answered"]].to_string(index=False)
    'thread_id  hours_to_first_response  answered\\n        1                      3.0      True\\n        3                      NaN     False'
    """
    end = as_of_end(as_of, ds)
    return memo("threads", ds, (end,), lambda: _thread_responses(ds, end))


def _thread_responses(ds: Dataset, end: pd.Timestamp) -> pd.DataFrame:
    m = ds.messages[ds.messages["created_at"] < end]
    starts = m[m["is_thread_start"]].set_index("thread_id")
    start_ids, start_authors = pd.Series(starts.index, dtype="str"), starts["author_id"].reset_index(drop=True)
    in_thread = ~m["is_thread_start"] & isin(m["thread_id"], starts.index)
    all_replies = m[in_thread]
    replies = all_replies[all_replies["author_id"] != lookup(all_replies["thread_id"], start_ids, start_authors)]
    first_reply = replies.groupby("thread_id")["created_at"].min()
    r = ds.reactions
    if len(r):
        reacted = pd.DataFrame({"thread_id": lookup(r["message_id"], m["message_id"], m["thread_id"]), "person_id": r["person_id"], "created_at": r["created_at"]})
        reacted = reacted[isin(reacted["thread_id"], starts.index) & (reacted["created_at"] < end)]
        reacted = reacted[reacted["person_id"] != lookup(reacted["thread_id"], start_ids, start_authors)]
        first_reaction = reacted.groupby("thread_id")["created_at"].min()
        first = pd.concat([first_reply, first_reaction]).groupby(level=0).min()
    else:
        first = first_reply
    n_replies = all_replies.groupby("thread_id").size()
    participants = pd.concat([all_replies[["thread_id", "author_id"]], starts["author_id"].reset_index()]).drop_duplicates()
    n_participants = participants.groupby("thread_id").size()
    out = pd.DataFrame(
        {
            "thread_id": starts.index.astype("str"),
            "group_id": starts["group_id"].to_numpy(),
            "author_id": starts["author_id"].to_numpy(),
            "created_at": starts["created_at"].array,
            "is_private": starts["is_private"].to_numpy(dtype=bool),
        }
    )
    first = first.astype("datetime64[us, UTC]")
    out["first_response_at"] = first.reindex(out["thread_id"]).array
    out["hours_to_first_response"] = ((out["first_response_at"] - out["created_at"]).dt.total_seconds() / 3600).astype("float64")
    out["n_replies"] = out["thread_id"].map(n_replies).fillna(0).astype("int64")
    out["n_participants"] = out["thread_id"].map(n_participants).fillna(1).astype("int64")
    out["answered"] = out["first_response_at"].notna()
    out["department"] = out["author_id"].map(ds.people.set_index("person_id")["department"]).astype("str")
    return out.sort_values("created_at", kind="stable").reset_index(drop=True)


def response_rate(threads: pd.DataFrame, *, by: str | list[str] | None = None, period: str | None = None) -> pd.DataFrame:
    """Response rate and median time to first response from :func:`thread_responses`.

    Parameters
    ----------
    threads : DataFrame
        The output of :func:`thread_responses`.
    by : str or list of str, optional
        Columns of ``threads`` to break down by (e.g. ``"group_id"``).
    period : {"M", "Q", "W"}, optional
        Also break down by the thread start's calendar period.

    Returns
    -------
    DataFrame
        the ``by`` columns (and ``period``), ``threads``, ``answered``, ``response_rate``,
        ``median_hours_to_first_response`` (over answered threads).

    Examples
    --------
    >>> t = pd.DataFrame({"group_id": ["g", "g", "h"], "answered": [True, False, True],
    ...     "hours_to_first_response": [2.0, np.nan, 6.0], "created_at": pd.to_datetime(["2026-01-01"] * 3, utc=True)})
    >>> response_rate(t, by="group_id").to_string(index=False)
    'group_id  threads  answered  response_rate  median_hours_to_first_response\\n       g        2         1            0.5                             2.0\\n       h        1         1            1.0                             6.0'
    """
    keys = [by] if isinstance(by, str) else list(by or [])
    frame = threads
    if period:
        frame = frame.assign(period=frame["created_at"].dt.tz_localize(None).dt.to_period(period))
        keys = keys + ["period"]
    if not keys:
        frame = frame.assign(_all="all")
        keys = ["_all"]
    out = frame.groupby(keys, dropna=True).agg(
        threads=("answered", "size"), answered=("answered", "sum"), median_hours_to_first_response=("hours_to_first_response", "median")
    ).reset_index()
    out["threads"] = out["threads"].astype("int64")
    out["answered"] = out["answered"].astype("int64")
    out.insert(len(keys) + 2, "response_rate", out["answered"] / out["threads"])
    if keys == ["_all"]:
        out = out.drop(columns="_all")
    return out


def unanswered_threads(threads: pd.DataFrame, *, as_of, min_age_days: int = 2) -> pd.DataFrame:
    """Public thread starts with no response that are at least ``min_age_days`` old, newest first."""
    end = as_of_end(as_of)
    old = threads["created_at"] <= end - pd.Timedelta(days=min_age_days)
    out = threads[~threads["answered"] & old & ~threads["is_private"].astype(bool)]
    out = out.assign(age_days=((end - out["created_at"]).dt.days).astype("int64"))
    return out[["thread_id", "group_id", "author_id", "created_at", "age_days"]].sort_values("created_at", ascending=False).reset_index(drop=True)


def thread_depth(threads: pd.DataFrame) -> pd.DataFrame:
    """Distribution of replies per thread: ``n_replies`` (0, 1, 2, ... capped at '10+'), ``threads``, ``share``."""
    capped = threads["n_replies"].clip(upper=10)
    counts = capped.value_counts().sort_index()
    labels = [f"{i}" if i < 10 else "10+" for i in counts.index]
    out = pd.DataFrame({"n_replies": labels, "threads": counts.to_numpy().astype("int64")})
    out["share"] = out["threads"] / out["threads"].sum() if len(out) else []
    return out


def activity_heatmap(ds: Dataset, *, as_of=None, tz: str = "UTC") -> pd.DataFrame:
    """Messages by weekday and hour (in ``tz``): ``weekday`` (0=Monday), ``hour``, ``messages``; all 168 cells."""
    end = as_of_end(as_of, ds)
    m = ds.messages[ds.messages["created_at"] < end]
    local = m["created_at"].dt.tz_convert(tz)
    counts = pd.DataFrame({"weekday": local.dt.day_of_week, "hour": local.dt.hour}).value_counts()
    grid = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    out = counts.reindex(grid, fill_value=0).rename("messages").reset_index()
    return out.astype({"weekday": "int64", "hour": "int64", "messages": "int64"})
