"""Shared building blocks of the metrics: the as-of instant, the population, interaction events."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

import numpy as np
import pandas as pd

from .._fast import arrow_positions, first_index, id_ranks, isin, isin_sorted, micros, positions, take, unique
from ..dataset import Dataset

__all__ = [
    "as_of_end",
    "population",
    "interaction_events",
    "person_days",
    "first_contributions",
    "people_seen",
    "population_rows",
    "sums_by_person",
    "day_number",
    "day_dates",
    "registration_days",
    "readers",
    "has_reads",
    "EVENT_KINDS",
    "DAY_US",
    "suppress",
    "gini",
]

EVENT_KINDS = ("post", "reply", "reaction")
DAY_US = 86_400_000_000  # microseconds in a day
#: registration_days() for people registered from before the data (and for people without an account)
FROM_THE_START, NEVER = np.iinfo(np.int64).min, np.iinfo(np.int64).max


def as_of_end(as_of: str | dt.date | pd.Timestamp | None, ds: Dataset | None = None) -> pd.Timestamp:
    """The end of the as-of day (exclusive), in UTC: ``2026-06-30`` -> ``2026-07-01 00:00 UTC``.

    ``None`` means the last day with data.
    """
    if as_of is None or as_of == "":
        if ds is None:
            raise ValueError("as_of is required")
        _start, end = ds.coverage()
        if end is None:
            raise ValueError("the dataset has no dated events; pass as_of")
        return end.normalize() + pd.Timedelta(days=1)
    ts = pd.Timestamp(as_of)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.normalize() + pd.Timedelta(days=1)


def population(ds: Dataset, *, include_bots: bool = False, include_external: bool = False) -> pd.DataFrame:
    """People counted in adoption figures: not bots, not external guests (unless asked)."""
    people = ds.people
    keep = pd.Series(True, index=people.index)
    if not include_bots:
        keep &= ~people["is_bot"].fillna(False).astype(bool)
    if not include_external:
        keep &= ~people["is_external"].fillna(False).astype(bool)
    return people.loc[keep]


def interaction_events(
    ds: Dataset,
    *,
    as_of: str | dt.date | pd.Timestamp | None = None,
    include_bots: bool = False,
    include_external: bool = False,
) -> pd.DataFrame:
    """Every contribution as one row: ``person_id, created_at, kind, group_id, message_id``.

    ``kind`` is ``post`` (a thread start), ``reply`` or ``reaction``. Events after ``as_of`` are
    dropped; so are bots' and guests' unless asked for.
    """
    idx = _events(ds, include_bots, include_external)
    if as_of is None:
        return idx.frame.copy(deep=False)
    # Every event is computed once, sorted by time; an as-of cut is then a prefix (no copy).
    return idx.frame.iloc[: idx.cut(as_of)]


class EventCodes:
    """The interaction events of one population, sorted by time, with integer codes beside them.

    ``frame`` is what :func:`interaction_events` returns; ``times`` (µs), ``who`` (row in
    ``ds.people``), ``where`` (row in ``ds.groups``, -1 for none) and ``kind`` (0 post, 1 reply,
    2 reaction) are numpy arrays aligned with it, for metrics that count on integers.
    """

    def __init__(self, frame: pd.DataFrame, times: np.ndarray, who: np.ndarray, where: np.ndarray):
        self.frame, self.times, self.who, self.where = frame, times, who, where
        self.kind = frame["kind"].cat.codes.to_numpy().astype(np.int8)

    def cut(self, as_of) -> int:
        """How many events fall before the end of ``as_of``'s day."""
        return int(np.searchsorted(self.times, micros(as_of_end(as_of)), side="left"))

    def subset(self, mask: np.ndarray) -> EventCodes:
        if mask.all():
            return self
        return EventCodes(self.frame[mask].reset_index(drop=True), self.times[mask], self.who[mask], self.where[mask])


def _events(ds: Dataset, include_bots: bool, include_external: bool) -> EventCodes:
    def compute() -> EventCodes:
        everyone = ds.cached("events_everyone", (), lambda: _everyone_sorted(ds))
        return everyone.subset(_population_mask(ds, include_bots, include_external)[everyone.who])

    return ds.cached("events", (include_bots, include_external), compute)


def _everyone_sorted(ds: Dataset) -> EventCodes:
    """Every dated event of everyone, sorted by time (people missing from ``ds.people`` have who = -1)."""
    events = _interaction_events(ds)
    times = micros(events["created_at"])
    order = np.argsort(times, kind="stable")
    events = events.take(order).reset_index(drop=True)
    return EventCodes(
        events, times[order], positions(events["person_id"], ds.people["person_id"]), positions(events["group_id"], ds.groups["group_id"])
    )


def active_days(ds: Dataset, *, as_of=None, include_bots: bool = False, include_external: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct (person, UTC day) with an interaction event before ``as_of``'s end.

    Returns two int32 arrays of equal length, sorted by day: the person's row in ``ds.people`` and
    the day as days since 1970-01-01 (widen to int64 before multiplying them into a key). Computed
    once over all events (10 M events make about 3 M person-days at 100,000 people), then cut at
    ``as_of`` by prefix and filtered by population.
    """
    who, day = ds.cached("active_days_all", (), lambda: _active_days(ds))
    if as_of is not None:  # sorted by day: the cut is a prefix
        cut = int(np.searchsorted(day, micros(as_of_end(as_of)) // DAY_US, side="left"))
        who, day = who[:cut], day[:cut]
    keep = _population_mask(ds, include_bots, include_external)[who]
    return who[keep], day[keep]


def _active_days(ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (person row, day) from the ``person_day`` reduction, people of ``ds.people`` only, sorted by day then row."""
    return _person_day_cuts(ds)["active"]


def _distinct_days(ds: Dataset, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    who = rows["who"].to_numpy()
    known = who >= 0
    n = len(ds.people) + 1
    key = unique(rows["day"].to_numpy()[known].astype(np.int64) * n + who[known])
    # Kept across the steps (64 M pairs at 1,000,000 people): person rows and days fit int32.
    return (key % n).astype(np.int32), (key // n).astype(np.int32)


def day_number(ts: pd.Timestamp) -> int:
    """The UTC day an instant falls on, as days since 1970-01-01 (the unit of the reductions' ``day``).

    >>> day_number(pd.Timestamp("1970-01-03 23:59", tz="UTC"))
    2
    """
    return int(micros(ts) // DAY_US)


def day_dates(days: np.ndarray) -> pd.Series:
    """Day numbers (days since 1970-01-01) as naive midnight timestamps, for periods and calendars."""
    return pd.Series(np.asarray(days).astype("datetime64[D]").astype("datetime64[us]"))


def person_days(ds: Dataset, *, as_of=None, include_bots: bool = False, include_external: bool = False) -> pd.DataFrame:
    """What each person of the population contributed per UTC day and community, up to ``as_of``'s end.

    The ``person_day`` reduction (:data:`esnkit.reduce.REDUCTIONS`: ``day`` as days since
    1970-01-01, ``posts``, ``replies``, ``reactions``, ``last_at``) with its ids as
    codes: ``who`` and ``where``, the rows of the person in ``ds.people`` and of the community in
    ``ds.groups`` (-1 for none); ids are ``ds.people["person_id"].to_numpy()[who]`` (and likewise
    for groups), taken for the few rows that need them. ``day``, ``who``, ``where`` and the counts
    are int32 (the frame is kept across the steps): widen to int64 before multiplying them into a
    key. Bots and guests left out unless asked for, as in :func:`interaction_events`. An as-of is a
    cut of days, so counts per person and window are exactly those of the events. The reduction's
    ``first_at`` is not kept per row: a person's first contribution is before any cut that has one
    of their rows, so it is kept per person (:func:`first_contributions`), 8 bytes a row less.
    """
    rows = ds.cached("person_days", (include_bots, include_external), lambda: _population_days(ds, include_bots, include_external))
    if as_of is None:
        return rows
    # Sorted by day once: an as-of cut is a prefix, not a filter over millions of rows.
    return rows.iloc[: int(np.searchsorted(rows["day"].to_numpy(), day_number(as_of_end(as_of)), side="left"))]


def people_seen(ds: Dataset, days: pd.DataFrame, *, from_day: int | None = None) -> np.ndarray:
    """Booleans over ``ds.people`` rows: who has a row in ``days`` (a :func:`person_days` frame), on or after ``from_day``.

    On the rows' codes: the distinct id strings of 10 M person-days cost about a second a time.
    """
    who = days["who"].to_numpy()
    if from_day is not None:
        who = who[days["day"].to_numpy() >= from_day]
    seen = np.zeros(len(ds.people) + 1, dtype=bool)
    seen[who] = True
    return seen[:-1]  # the last slot is for people missing from ds.people (who = -1), never in person_days


def sums_by_person(ds: Dataset, days: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``days.groupby("person_id")[columns].sum()`` of a :func:`person_days` frame, counted on the people's row codes.

    One row per person with a row in ``days``, indexed by ``person_id`` in sorted order, as the
    group-by gives it (the sums int64): a group-by over 10 M id strings costs about a second.
    """
    who, n = days["who"].to_numpy(), len(ds.people)
    rows = np.flatnonzero(np.bincount(who, minlength=n) > 0)
    index = pd.Index(ds.people["person_id"].to_numpy()[rows], dtype="str", name="person_id")
    sums = {c: np.bincount(who, weights=days[c].to_numpy(), minlength=n)[rows].astype(np.int64) for c in columns}
    return pd.DataFrame(sums, index=index).sort_index()


#: The account states of a closed account (deleted or deactivated): never counted as having never taken part,
#: never a comms target, whatever its past (Viva Engage ``soft_delete`` with a date, Slack ``deleted``, ...).
CLOSED_STATES = ("deleted", "suspended")


def closed_accounts(ds: Dataset) -> np.ndarray:
    """Booleans over ``ds.people`` rows: whose account is closed (:data:`CLOSED_STATES`)."""
    return ds.people["state"].isin(CLOSED_STATES).to_numpy(dtype=bool)


def population_rows(ds: Dataset, *, include_bots: bool = False, include_external: bool = False) -> np.ndarray:
    """The rows of ``ds.people`` that :func:`population` keeps, in order."""
    return np.flatnonzero(_population_mask(ds, include_bots, include_external)[:-1])


#: The populations the steps ask person-days for (bots out; guests in, and out): cut together from
#: one read of the reduction, which is then let go (holding it beside them cost 1 GiB at 100,000
#: people). Widest first: each is cut from the one before, so at most two are held at a time.
_USUAL = ((False, True), (False, False))


def first_contributions(ds: Dataset) -> np.ndarray:
    """Each ``ds.people`` row's first contribution (µs since 1970-01-01 UTC; int64 min: none), over all the data.

    The earliest ``first_at`` of their rows in the ``person_day`` reduction: also their first one
    up to any as-of that has a row of theirs, since no row before it has an earlier time.
    """
    return _person_day_cuts(ds)["first_at"]


def _population_days(ds: Dataset, include_bots: bool, include_external: bool) -> pd.DataFrame:
    if (include_bots, include_external) in _USUAL:
        return _person_day_cuts(ds)[(include_bots, include_external)]
    return _keep_population(ds, _person_day_rows(ds)[0], include_bots, include_external)


def _person_day_cuts(ds: Dataset) -> dict:
    def compute() -> dict:
        rows, first_at = _person_day_rows(ds)
        cuts = {"active": _distinct_days(ds, rows), "first_at": first_at}
        for key in _USUAL:  # each population is inside the one before (guests out is inside guests in)
            rows = cuts[key] = _keep_population(ds, rows, *key)
        return cuts

    return ds.cached("person_day_cuts", (), compute)


def _keep_population(ds: Dataset, rows: pd.DataFrame, include_bots: bool, include_external: bool) -> pd.DataFrame:
    keep = _population_mask(ds, include_bots, include_external)[rows["who"].to_numpy()]
    return rows if keep.all() else rows[keep].reset_index(drop=True)


def _person_day_rows(ds: Dataset) -> tuple[pd.DataFrame, np.ndarray]:
    """The whole ``person_day`` reduction sorted by day, its ids as row codes ``who`` and ``where``
    (read each time: not kept), and :func:`first_contributions` instead of its ``first_at``.

    The ids are read dictionary-encoded and turned into rows of ``ds.people`` and ``ds.groups``
    (-1: none) without building a string column: as strings they held about 0.5 GiB at 100,000
    people, and every metric looked them up again.
    """
    import pyarrow as pa

    from ..reduce import day_numbers, day_order, read_arrow, to_frame

    table = read_arrow(ds, "person_day", dictionary=("person_id", "group_id"))
    # Kept across the five steps (20 M rows at 200,000 people): days, codes and counts as int32,
    # 40 bytes a row instead of 64. The days are read once, for the order and the frame.
    day = day_numbers(table.column("day"), np.int32)
    order = day_order(day)  # None: written by day, as DuckDB does
    who = arrow_positions(table.column("person_id"), ds.people["person_id"], dtype=np.int32)
    where = arrow_positions(table.column("group_id"), ds.groups["group_id"], dtype=np.int32)
    # Each person's first contribution, on a table over the people (who = -1 in its last slot).
    first_at = np.full(len(ds.people) + 1, np.iinfo(np.int64).max, dtype=np.int64)
    times = table.column("first_at").cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())  # never null: a minimum of dated events
    np.minimum.at(first_at, who, times.to_numpy())
    first_at[first_at == np.iinfo(np.int64).max] = np.iinfo(np.int64).min
    counts = table.drop_columns(["person_id", "group_id", "day", "first_at"])
    if order is not None:
        day, who, where, counts = day[order], who[order], where[order], counts.take(order)  # sorted as Arrow: one frame, not two
    frame = to_frame(counts, "person_day", columns=counts.column_names, compact=True)
    frame.insert(0, "day", day)
    return frame.assign(who=who, where=where), first_at[:-1]


def registration_days(ds: Dataset) -> np.ndarray:
    """For each row of ``ds.people``, the day (days since 1970-01-01, UTC) from which they count as registered.

    The one rule for "registered", used by every figure that has registered people as its base:
    a person with a live platform account (``state`` active or pending) is registered from the day
    they joined (or their first contribution, if earlier), or, when the export gives no join date
    (Slack's user list has none), from before
    the data begin (:data:`FROM_THE_START`), whether or not and whenever they took part: the user
    list is every account there is, and their first post says nothing of when they registered.
    Closed accounts (:data:`CLOSED_STATES`: deactivated, deleted) and people without an account
    (roster only, ``state`` empty) are never registered (:data:`NEVER`).
    """
    return ds.cached("registration_days", (), lambda: _registration_days(ds))


def registered_people(ds: Dataset, *, as_of) -> pd.DataFrame:
    """The people of the :func:`population` registered by the end of ``as_of`` (:func:`registration_days`).

    The base of every "registered people" figure: the interactive share, the share who made no
    contribution, the usage segments. So "registered people" is one number in every step.
    """
    end_day = day_number(as_of_end(as_of, ds))
    rows = population_rows(ds)
    return ds.people.take(rows[registration_days(ds)[rows] < end_day])


def _registration_days(ds: Dataset) -> np.ndarray:
    people = ds.people
    joined = micros(people["joined_at"])
    days = np.where(joined == np.iinfo(np.int64).min, FROM_THE_START, joined // DAY_US)
    # A join date after the person's first contribution: registered from the contribution.
    who, day = ds.cached("active_days_all", (), lambda: _active_days(ds))
    firsts, at = first_index(who)  # sorted by day: the first index is the first day
    first_day = np.full(len(people), NEVER, dtype=np.int64)
    first_day[firsts] = day[at]
    days = np.minimum(days, first_day)
    live = people["state"].notna().to_numpy() & ~closed_accounts(ds)  # an account, not closed (CLOSED_STATES)
    return np.where(live, days, NEVER)


def _population_mask(ds: Dataset, include_bots: bool, include_external: bool) -> np.ndarray:
    """Booleans over ``ds.people`` rows plus a last slot (False) for people missing from it (kept per Dataset)."""
    return ds.cached("population_mask", (include_bots, include_external), lambda: _population_rows(ds, include_bots, include_external))


def _population_rows(ds: Dataset, include_bots: bool, include_external: bool) -> np.ndarray:
    keep = np.zeros(len(ds.people) + 1, dtype=bool)
    keep[:-1] = isin(ds.people["person_id"], population(ds, include_bots=include_bots, include_external=include_external)["person_id"]).to_numpy()
    keep.flags.writeable = False  # shared through the cache: callers index it, never write to it
    return keep


class Codes:
    """Integer row positions linking the tables of one Dataset, computed once per Dataset.

    Looking a string id up among 4 M others costs about a second at 100,000 people; every metric
    that follows a reaction to its message, a reply to its parent or a message to its author reads
    these arrays instead (-1 where there is nothing to point at). People are rows of ``people``:
    the people table's ids, then any id used in messages, reactions or mentions but missing there.
    Each array is computed when first asked for, so a metric on the reductions that only needs
    ``people`` does not pay for the event links.
    """

    def __init__(self, ds: Dataset):
        self._ds = ds  # each array is computed the first time it is asked for

    @cached_property
    def people(self) -> pd.Index:
        ds = self._ds
        # Everyone referenced: the people table, then any author or reactor missing from it. A
        # Dataset read from processed/ was validated before it was written (every reference
        # resolves), so its event tables need not be opened to find none.
        ids = ds.people["person_id"].dropna()
        if ds.origin is not None:
            return pd.Index(ids.astype("str")).drop_duplicates()
        refs = pd.concat(
            [ds.column("messages", "author_id"), ds.column("reactions", "person_id"), ds.column("mentions", "person_id")], ignore_index=True
        ).dropna()
        missing = refs[~isin(refs, ids)].unique()
        return pd.Index(pd.concat([ids, pd.Series(missing, dtype="str")], ignore_index=True).astype("str")).drop_duplicates()

    @cached_property
    def author(self) -> np.ndarray:
        return positions(self._ds.column("messages", "author_id"), self.people)

    @cached_property
    def reactor(self) -> np.ndarray:
        return positions(self._ds.column("reactions", "person_id"), self.people)

    @cached_property
    def mentioned(self) -> np.ndarray:
        return positions(self._ds.column("mentions", "person_id"), self.people)

    @cached_property
    def mention_message(self) -> np.ndarray:
        return positions(self._ds.column("mentions", "message_id"), self._message_ids)

    @cached_property
    def reaction_message(self) -> np.ndarray:
        return positions(self._ds.column("reactions", "message_id"), self._message_ids)

    @cached_property
    def reply_parent(self) -> np.ndarray:
        return positions(self._ds.column("messages", "reply_to_id"), self._message_ids)

    @property
    def _message_ids(self) -> pd.Series:
        return self._ds.column("messages", "message_id")

    @cached_property
    def thread_start(self) -> np.ndarray:
        m = self._ds.columns("messages", ["thread_id", "is_thread_start"])
        starts = np.flatnonzero(m["is_thread_start"].to_numpy(dtype=bool, na_value=False))
        in_starts = positions(m["thread_id"], m["thread_id"].take(starts))
        return np.where(in_starts >= 0, starts[np.maximum(in_starts, 0)], -1)


def codes(ds: Dataset) -> Codes:
    """The :class:`Codes` of ``ds``, computed once per Dataset."""
    return ds.cached("codes", (), lambda: Codes(ds))


def _interaction_events(ds: Dataset) -> pd.DataFrame:
    """Every dated post, reply and reaction, in table order (populations are chosen on codes later)."""
    m = ds.columns("messages", ["author_id", "created_at", "is_thread_start", "group_id", "message_id"])
    kind_codes = np.where(m["is_thread_start"].fillna(True).to_numpy(dtype=bool), 0, 1)
    posts = pd.DataFrame(
        {
            "person_id": m["author_id"],
            "created_at": m["created_at"],
            "kind": kind_codes,
            "group_id": m["group_id"],
            "message_id": m["message_id"],
        }
    )
    r = ds.columns("reactions", ["person_id", "created_at", "message_id"])
    if len(r):
        at = codes(ds).reaction_message
        group, created = take(m["group_id"], at), take(m["created_at"], at)
        reactions = pd.DataFrame(
            {
                "person_id": r["person_id"].array,
                "created_at": r["created_at"].reset_index(drop=True).fillna(created).array,
                "kind": 2,
                "group_id": group.array,
                "message_id": r["message_id"].array,
            }
        )
        events = pd.concat([posts, reactions], ignore_index=True)
    else:
        events = posts
    events["kind"] = pd.Categorical.from_codes(events["kind"].to_numpy(), categories=list(EVENT_KINDS))
    events["group_id"] = events["group_id"].astype("str")
    return events[events["created_at"].notna()].reset_index(drop=True)


class PersonCommunity:
    """What each of some people did in each community up to an as-of, on integer codes.

    ``person`` and ``group`` are rows of ``ds.people`` and ``ds.groups`` and ``counts`` the events
    (posts and replies, and reactions unless ``written_only``) of each pair; ``rows`` is each
    asked-for person's row in ``ds.people`` (-1 when not there).
    """

    def __init__(self, ds: Dataset, person_ids: pd.Series, *, as_of, written_only: bool = False):
        days = person_days(ds, as_of=as_of)
        who, where = days["who"].to_numpy(), days["where"].to_numpy()
        self.ds, self.rows = ds, positions(person_ids, ds.people["person_id"])
        # The asked-for people's rows first (a few of millions), then their counts: no column-long temporaries.
        mine = np.flatnonzero(isin_sorted(who, unique(self.rows[self.rows >= 0])) & (where >= 0))
        n = days["posts"].to_numpy()[mine] + days["replies"].to_numpy()[mine] + (0 if written_only else days["reactions"].to_numpy()[mine])
        mine, n = mine[n > 0], n[n > 0]
        n_groups = max(len(ds.groups), 1)
        pairs, at = np.unique(who[mine].astype(np.int64) * n_groups + where[mine], return_inverse=True)
        self.counts = np.bincount(at, weights=n, minlength=len(pairs)).astype(np.int64)
        self.person, self.group = pairs // n_groups, pairs % n_groups

    def per_person(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Each asked-for person's events in communities (``weights`` per group: only those groups' share)."""
        w = self.counts if weights is None else self.counts * weights[self.group]
        total = np.bincount(self.person, weights=w, minlength=len(self.ds.people))
        return np.where(self.rows >= 0, total[np.where(self.rows >= 0, self.rows, 0)], 0.0)

    def main_group(self) -> np.ndarray:
        """The ``group_id`` each asked-for person did most in (ties: the smallest id), None without any."""
        order = np.lexsort((id_ranks(self.ds.groups["group_id"])[self.group], -self.counts, self.person))
        first = order[first_index(self.person[order])[1]]
        main = np.full(len(self.ds.people), -1, dtype=np.int64)
        main[self.person[first]] = self.group[first]
        picked = np.where(self.rows >= 0, main[np.where(self.rows >= 0, self.rows, 0)], -1)
        ids = np.append(self.ds.groups["group_id"].to_numpy(dtype=object), None)
        return ids[np.where(picked >= 0, picked, len(ids) - 1)]


def has_reads(ds: Dataset) -> bool:
    """Whether the data carry reads at all: usage reports (``activity``) with a read count above 0.

    Message exports never do; without reads, "lurker" and "Observer" can only mean "made no contribution".
    """
    return bool(len(ds.activity)) and bool((ds.activity["read"].fillna(0) > 0).any())


def readers(ds: Dataset, *, as_of=None, window_days: int = 90) -> pd.Index:
    """People who read something in a usage-report period that overlaps the ``window_days`` to ``as_of``.

    A report row covers its period as a whole (7 to 180 days), so "read in the window" means read in
    a period that overlaps it; bots and guests are left out.
    """
    act = ds.activity
    if not len(act):
        return pd.Index([], dtype="str")
    end = as_of_end(as_of, ds)
    start = end - pd.Timedelta(days=window_days)
    overlap = (act["period_end"] > start) & (act["period_start"] < end) & (act["read"].fillna(0) > 0)
    ids = pd.Index(act.loc[overlap, "person_id"].unique(), dtype="str")
    return ids[ids.isin(population(ds)["person_id"])]


def period_contributors(ds: Dataset, *, as_of=None, window_days: int) -> np.ndarray | None:
    """Booleans over ``ds.people`` rows: who posted or liked in a usage-report period inside the ``window_days`` to ``as_of``.

    For data with usage reports only (no message export): a report row counts a person's activity
    over its whole period (7 to 180 days), so a window is measured only by periods that fit in it
    and, between them, cover it (two days' slack either side). ``None`` otherwise: "active in the last
    30 days" cannot be read off a 180-day report, nor "in the last 180 days" off a 30-day one.
    """
    act = ds.activity
    if not len(act):
        return None
    end = as_of_end(as_of, ds)
    start, slack = end - pd.Timedelta(days=window_days), pd.Timedelta(days=2)
    inside = (act["period_start"] >= start - slack) & (act["period_end"] <= end + slack)
    if not inside.any() or act.loc[inside, "period_start"].min() > start + slack or act.loc[inside, "period_end"].max() < end - slack:
        return None
    acted = inside & ((act["posted"].fillna(0) > 0) | (act["liked"].fillna(0) > 0))
    return isin(ds.people["person_id"], act.loc[acted, "person_id"]).to_numpy(dtype=bool)


def suppress(table: pd.DataFrame, *, count_column: str, min_group_size: int) -> pd.DataFrame:
    """Drop rows whose ``count_column`` (people) is under ``min_group_size``."""
    from ..privacy import suppress_small

    return suppress_small(table, count_column=count_column, min_group_size=min_group_size)


def gini(values: np.ndarray | pd.Series) -> float:
    """Gini coefficient of non-negative values (0 = equal, 1 = one holds everything).

    Examples
    --------
    >>> gini([1, 1, 1, 1])
    0.0
    >>> gini([0, 0, 0, 4])
    0.75
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0 or x.sum() == 0:
        return 0.0
    cum = np.cumsum(x)
    return float((n + 1 - 2 * (cum / cum[-1]).sum()) / n)
