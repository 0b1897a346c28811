"""Conversations: do posts get answered, how fast, and when do people talk?

Definitions:

- *response*: a reply or a reaction to a thread by someone other than its author (CHAOSS);
- *response rate* (SWOOP): share of thread starts that got a response;
- *time to first response* (CHAOSS): first response's time minus the thread start's time, from
  dated responses only (a standard Slack export gives reactions no time: such a reaction answers
  the thread, at its message's time, but gives it no time to first response);
- *unanswered*: a thread start with no response, older than ``min_age_days``.

Private conversations are included in network-wide figures and never shown per group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._fast import factorize, isin, lookup, micros, min_by_key, positions
from ..dataset import Dataset
from ..reduce import query
from ._base import DAY_US, as_of_end

__all__ = ["thread_responses", "response_rate", "unanswered_threads", "thread_depth", "activity_heatmap", "questions", "marks_questions"]


def thread_responses(ds: Dataset, *, as_of=None, since=None) -> pd.DataFrame:
    """One row per thread start up to ``as_of`` with its first response by someone else.

    ``since`` (an instant) keeps only the threads started at or after it: the rows a filter on
    ``created_at`` would keep, with only those rows' replies counted (a window's threads, as the
    KPI history and the community scorecard ask for, without a cut of every thread before).

    Returns
    -------
    DataFrame
        ``thread_id``, ``group_id``, ``author_id``, ``created_at``, ``is_private``,
        ``first_response_at`` (the first *dated* response; NaT when none), ``answered_at`` (the
        first response of any kind, a reaction without a time at its message's time, as a standard
        Slack export gives them; NaT when none), ``hours_to_first_response`` (from
        ``first_response_at``: a reaction without a time gives no time to first response),
        ``n_replies``, ``n_participants`` (author included), ``answered`` (``answered_at`` is set),
        ``department`` (the author's, for breakdowns by department).

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
    return _threads_at(ds, end, None if since is None else pd.Timestamp(since))


class _ThreadBase:
    """Every thread of the Dataset, from the ``threads`` and ``thread_replies`` reductions; :func:`thread_responses` cuts it at any as-of.

    ``table`` holds the thread starts sorted by time (then thread id), with the first response by
    someone else over all the data. Cut at the end of an earlier day, the threads are a prefix of
    ``table``; a first response is still the first one if it came before the cut and there was
    none otherwise (it is a minimum), so only the reply and participant counts need the replies
    again: the reduction keeps them per thread, replier and day, and they are counted with
    ``bincount`` over the days before the cut.
    """

    def __init__(self, ds: Dataset):
        from ..reduce import read_uncached, sorted_threads  # held here only: sorted, and the replies as arrays

        starts = sorted_threads(read_uncached(ds, "threads"))
        self.start_times = micros(starts["created_at"])
        replies = read_uncached(ds, "thread_replies")
        # Kept across the steps (26 M replies at 1,000,000 people): positions, days and counts as int32.
        reply_pos = positions(replies["thread_id"], starts["thread_id"])
        self.reply_pos = reply_pos.astype(np.int32)
        self.reply_days = replies["day"].to_numpy().astype(np.int32)
        self.reply_counts = replies["replies"].to_numpy().astype(np.int32)
        # (thread, replier other than the starter) pairs, on the day of that replier's first reply
        others = (replies["person_id"] != starts["author_id"].array.take(reply_pos)).to_numpy(dtype=bool, na_value=True)
        person = factorize(replies["person_id"])
        others, repliers = others & (person >= 0), int(person.max(initial=-1)) + 1
        pair_keys, pair_days = min_by_key(reply_pos[others] * repliers + person[others], self.reply_days[others])
        self.pair_pos, self.pair_days = (pair_keys // repliers).astype(np.int32), pair_days.astype(np.int32)
        del reply_pos, pair_keys
        first = micros(starts["first_response_at"])
        has = starts["first_response_at"].notna().to_numpy()
        out = starts[["thread_id", "group_id", "author_id", "created_at"]].copy()
        out["is_private"] = starts["is_private"].to_numpy(dtype=bool, na_value=False)
        out["first_response_at"] = starts["first_response_at"].array
        out["answered_at"] = starts["answered_at"].array
        out["hours_to_first_response"] = np.where(has, (first - self.start_times) / 3.6e9, np.nan)
        out["n_replies"] = self._replies(0, len(out))
        out["n_participants"] = self._participants(0, len(out))
        out["answered"] = starts["answered_at"].notna().to_numpy()
        out["department"] = lookup(out["author_id"], ds.people["person_id"], ds.people["department"]).astype("str").array
        self.table = out
        self._kept: dict[bool, dict[tuple, pd.DataFrame]] = {}  # whole cuts (True) and windows (False), each oldest first
        last_reply = (int(self.reply_days.max()) + 1) * DAY_US if len(self.reply_days) else 0
        answered = micros(starts["answered_at"])[out["answered"].to_numpy()]
        self.last = int(max(self.start_times.max(initial=0), last_reply, first[has].max(initial=0), answered.max(initial=0)))

    def _rows(self, pos: np.ndarray, days: np.ndarray, lo: int, hi: int, before_day: int | None) -> np.ndarray | slice:
        """Which replies (or replier pairs) are on the threads ``lo:hi`` and before ``before_day``."""
        keep = slice(None) if before_day is None else days < before_day
        if lo > 0 or hi < len(self.start_times):
            inside = (pos >= lo) & (pos < hi)
            keep = inside if before_day is None else keep & inside
        return keep

    def _replies(self, lo: int, hi: int, before_day: int | None = None) -> np.ndarray:
        """Replies to each thread ``lo:hi`` (before ``before_day``)."""
        keep = self._rows(self.reply_pos, self.reply_days, lo, hi, before_day)
        return np.bincount(self.reply_pos[keep] - lo, weights=self.reply_counts[keep], minlength=hi - lo).astype("int64")

    def _participants(self, lo: int, hi: int, before_day: int | None = None) -> np.ndarray:
        """People in each thread ``lo:hi`` (before ``before_day``): the starter and each other replier."""
        keep = self._rows(self.pair_pos, self.pair_days, lo, hi, before_day)
        return (1 + np.bincount(self.pair_pos[keep] - lo, minlength=hi - lo)).astype("int64")

    #: How many cuts :meth:`recent` keeps of each kind, whole and windowed: the steps ask for one
    #: as-of many times and for a history of earlier ones once each; keeping every month's cut held
    #: 2 GiB at 100,000 people. The kinds are kept apart, so that a history's windows never push
    #: out the whole cut at the as-of that step 1 asks for again and again.
    KEEP = 2

    def recent(self, end: pd.Timestamp, since: pd.Timestamp | None = None) -> pd.DataFrame:
        """:meth:`at`, keeping the last :data:`KEEP` cuts of its kind asked for (a copy-on-write view of each)."""
        kept = self._kept.setdefault(since is None, {})
        key = (end, since)
        table = kept.pop(key) if key in kept else self.at(end, since)
        kept[key] = table  # the last asked for is last; the first is the one to drop
        if len(kept) > self.KEEP:
            del kept[next(iter(kept))]
        return table.copy(deep=False)

    def at(self, end: pd.Timestamp, since: pd.Timestamp | None = None) -> pd.DataFrame:
        """The threads started before ``end`` (and at or after ``since``) as they stood at ``end``."""
        cut = micros(end)
        n = int(np.searchsorted(self.start_times, cut, side="left"))
        lo = 0 if since is None else min(int(np.searchsorted(self.start_times, micros(since), side="left")), n)
        out = self.table.iloc[lo:n].reset_index(drop=True)
        if cut > self.last:
            return out
        if cut % DAY_US:
            raise ValueError(f"threads are cut at the end of a day, not at {end}")
        late = (out["first_response_at"] >= end).to_numpy(dtype=bool, na_value=False)
        out["first_response_at"] = out["first_response_at"].mask(late)
        out["hours_to_first_response"] = out["hours_to_first_response"].mask(late)
        unanswered = (out["answered_at"] >= end).to_numpy(dtype=bool, na_value=False)
        out["answered_at"] = out["answered_at"].mask(unanswered)
        out["answered"] = out["answered"] & ~unanswered
        out["n_replies"] = self._replies(lo, n, cut // DAY_US)
        out["n_participants"] = self._participants(lo, n, cut // DAY_US)
        return out


def counted_threads(ds: Dataset, threads: pd.DataFrame) -> pd.DataFrame:
    """The threads every response figure counts: those started by people of the population (not bots, not guests).

    One rule for the threads-answered KPI, step 1's quarterly response rate and replies per thread,
    and the community scorecard, so that one figure is never computed three ways.
    """
    from ._base import population_rows

    people = ds.people["person_id"].take(population_rows(ds))
    return threads[isin(threads["author_id"], people).to_numpy()]


def _threads_at(ds: Dataset, end: pd.Timestamp, since: pd.Timestamp | None = None) -> pd.DataFrame:
    return ds.cached("thread_base", (), lambda: _ThreadBase(ds)).recent(end, since)


def response_rate(threads: pd.DataFrame, *, by: str | list[str] | None = None, period: str | None = None, min_group_size: int = 1) -> pd.DataFrame:
    """Response rate and median time to first response from :func:`thread_responses`.

    Parameters
    ----------
    threads : DataFrame
        The output of :func:`thread_responses`.
    by : str or list of str, optional
        Columns of ``threads`` to break down by (e.g. ``"group_id"``).
    period : {"M", "Q", "W"}, optional
        Also break down by the thread start's calendar period.
    min_group_size : int
        With ``by``, rows whose threads come from fewer distinct authors are dropped (pass the
        client's floor when ``by`` is an HR attribute such as ``department``).

    Returns
    -------
    DataFrame
        the ``by`` columns (and ``period``), ``threads``, ``answered``, ``response_rate``,
        ``median_hours_to_first_response`` (over the threads with a dated response).

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
    out = (
        frame.groupby(keys, dropna=True)
        .agg(
            threads=("answered", "size"),
            answered=("answered", "sum"),
            median_hours_to_first_response=("hours_to_first_response", "median"),
            **({"_authors": ("author_id", "nunique")} if by is not None and min_group_size > 1 else {}),
        )
        .reset_index()
    )
    if "_authors" in out:
        out = out[out["_authors"] >= min_group_size].drop(columns="_authors").reset_index(drop=True)
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
    """Messages by weekday and hour in the client's time zone ``tz`` (client.yml's ``timezone``, an IANA name).

    Every message up to the end of the as-of day *in that zone* (its midnight, not UTC's), each at
    its local weekday and hour, summer time included: a message at 23:30 UTC on a Monday in
    January is Tuesday 00:30 in Europe/Berlin.

    Returns
    -------
    DataFrame
        ``weekday`` (0=Monday), ``hour`` (0-23), ``messages``; all 168 cells. ``attrs["timezone"]``
        is ``tz``, for the chart to say which hours these are.
    """
    # The engine counts messages per UTC minute; each minute then falls in one local weekday and hour
    # (every time zone's offset is a whole number of minutes).
    day = (as_of_end(as_of, ds) - pd.Timedelta(days=1)).date()
    end = pd.Timestamp(day + pd.Timedelta(days=1)).tz_localize(tz).tz_convert("UTC")
    minutes = query(ds, "message_minutes", end=end)
    local = minutes["minute"].dt.tz_convert(tz)
    cell = (local.dt.day_of_week * 24 + local.dt.hour).to_numpy(dtype=np.int64)
    counts = np.bincount(cell, weights=minutes["messages"].to_numpy(dtype=np.float64), minlength=7 * 24)
    out = pd.DataFrame(
        {
            "weekday": np.repeat(np.arange(7, dtype=np.int64), 24),
            "hour": np.tile(np.arange(24, dtype=np.int64), 7),
            "messages": counts.astype(np.int64),
        }
    )
    out.attrs["timezone"] = tz
    return out


def questions(ds: Dataset, *, as_of=None, window_days: int = 90) -> pd.DataFrame:
    """Questions and answers by community, where the export marks questions (Viva Engage's ``message_type``).

    A question is a thread start of type ``question`` posted in the ``window_days`` to ``as_of``;
    it is *answered* when someone other than its author replied by the end of the as-of day (a
    reaction is not an answer). Slack and Teams exports have no question type, and Viva Engage
    exports mark no best answer, so neither is measured; :func:`marks_questions` says whether the
    export marks any message type at all.

    Returns
    -------
    DataFrame
        ``group_id`` (null: private conversations), ``questions``, ``answered``, ``answer_rate``,
        ``median_hours_to_first_answer``, ``unanswered``; most unanswered first (ties by group id).
    """
    end = as_of_end(as_of, ds)
    cols = ["group_id", "questions", "answered", "answer_rate", "median_hours_to_first_answer", "unanswered"]
    q = query(ds, "questions", start=end - pd.Timedelta(days=window_days), end=end)  # the engine reads the messages
    if len(q) == 0:
        return pd.DataFrame({c: pd.Series(dtype="str" if c == "group_id" else "float64") for c in cols})
    q["hours"] = (q["first_answer"] - q["created_at"]).dt.total_seconds() / 3600
    q["answered"] = q["first_answer"].notna()
    out = (
        q.groupby("group_id", dropna=False)
        .agg(questions=("thread_id", "size"), answered=("answered", "sum"), median_hours_to_first_answer=("hours", "median"))
        .reset_index()
    )
    out["questions"] = out["questions"].astype("int64")
    out["answered"] = out["answered"].astype("int64")
    out["answer_rate"] = (out["answered"] / out["questions"]).astype("float64")
    out["median_hours_to_first_answer"] = out["median_hours_to_first_answer"].astype("float64")
    out["unanswered"] = (out["questions"] - out["answered"]).astype("int64")
    out["group_id"] = out["group_id"].astype("str")
    return out.sort_values(["unanswered", "group_id"], ascending=[False, True]).reset_index(drop=True)[cols]


def marks_questions(ds: Dataset) -> bool:
    """Whether the export marks message types (and so questions) at all: only newer Viva Engage exports do."""
    return bool(ds.column("messages", "message_type").notna().any())
