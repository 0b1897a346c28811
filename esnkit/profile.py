"""What the data can and cannot show: the data profile every step, the audit and ``esnkit check`` read.

A real export is rarely shaped like the demo. A Slack workspace export gives reactions no time and
usually no departments; a network of private messages has no communities or threads; a free-plan
window starts part-way through the network's history; a cohort has 50 people. The deliverables
must say only what the data can support, so each step asks the profile, never the raw tables,
whether a section applies and which words fit (:meth:`DataProfile.unit`).

The profile is computed once per Dataset (:func:`data_profile`, kept in its cache) and stated in
every appendix (:func:`profile_lines`). Where the detection can be wrong (the complete history), the
client's ``history_complete_from`` in client.yml overrides it.

Rules, each stated where it is applied:

- **departments** (and locations) are shown only when at least two known values are held by people
  counted in the figures: one value, or none, is not a breakdown.
- **threads** exist when at least one message replies to another. Without replies (a Slack
  workspace from before threads, an export of top-level posts) a unit of conversation is a *post*;
  with private messages only it is a *conversation*.
- **reaction times**: reactions count as responses either way; only reactions with their own time
  give a time to first response.
- **the complete history** starts where the data start, unless the export begins part-way
  (:func:`complete_history_from`): then growth, peaks, newcomers and lifecycle are measured only
  inside it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd

from ._text import count
from .dataset import Dataset
from .metrics._base import population

__all__ = [
    "DataProfile",
    "data_profile",
    "complete_history_from",
    "history_start",
    "newcomers_from",
    "ranked_count",
    "profile_lines",
    "SMALL_NETWORK",
]

#: Below this many people counted in the figures a network is small: ranked lists are cut to a share
#: of the people there are, not to a fixed top 20, and a "top 10%" holds at least one person.
SMALL_NETWORK = 200
#: A group created, or a person registered, this long before the first message is evidence that
#: the export starts part-way through the network's history.
_BEFORE_DAYS = 30
#: Shares of the first month's replies to messages outside the export, and of groups or people
#: that predate the data, above which the history is taken to start part-way.
_ORPHAN_SHARE = 0.01
_OLDER_SHARE = 0.5
#: Registrations (or communities made) before the first message are evidence only when spread over
#: this many calendar months: a roll-out provisions every account at once.
_SPREAD_MONTHS = 3


@dataclasses.dataclass(frozen=True)
class DataProfile:
    """What one client's data contain. Counts are over the whole export; see the module's rules."""

    people: int  # people counted in the figures (bots and external guests apart)
    bots: int
    guests: int
    messages: int
    replies: int
    private_messages: int
    community_messages: int
    reactions: int
    dated_reactions: int
    usage_rows: int  # usage-report rows (a person's activity over a report period)
    reads: bool  # usage reports with read counts
    join_dates: bool  # registration dates for most people
    departments: int  # known department values among the people counted
    locations: int
    question_types: bool  # messages typed as questions (Viva Engage)
    first_message: dt.date | None
    last_message: dt.date | None
    complete_from: dt.date | None  # the first day of the complete history
    complete_reason: str  # why it starts there, in words

    # -- what the data can show -----------------------------------------------------------------
    @property
    def has_departments(self) -> bool:
        return self.departments >= 2

    @property
    def has_locations(self) -> bool:
        return self.locations >= 2

    @property
    def has_threads(self) -> bool:
        return self.replies > 0

    @property
    def has_communities(self) -> bool:
        return self.community_messages > 0

    @property
    def private_only(self) -> bool:
        return self.messages > 0 and self.community_messages == 0

    @property
    def usage_only(self) -> bool:
        """Usage reports and no message export: activity per report period, not per day or thread."""
        return self.messages == 0 and self.usage_rows > 0

    @property
    def reaction_times(self) -> bool:
        """Reactions carry their own time (at least half of them)."""
        return self.reactions > 0 and self.dated_reactions * 2 >= self.reactions

    @property
    def partial_history(self) -> bool:
        return self.complete_from is not None and self.first_message is not None and self.complete_from > self.first_message

    @property
    def small(self) -> bool:
        return self.people < SMALL_NETWORK

    def unit(self, plural: bool = True) -> str:
        """The word for a unit of conversation in these data: thread, post or conversation."""
        word = "conversation" if self.private_only else "thread" if self.has_threads else "post"
        return word + "s" if plural else word

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DataProfile:
        """The profile :meth:`to_dict` wrote (the ``data-profile`` every appendix carries, which the audit reads).

        >>> p = DataProfile(7, 3, 0, 147, 0, 0, 147, 1, 0, 0, False, False, 0, 0, False, dt.date(2016, 1, 1), dt.date(2016, 5, 9), dt.date(2016, 1, 1), "")
        >>> DataProfile.from_dict(p.to_dict()) == p, p.unit()
        (True, 'posts')
        """
        known = {f.name for f in dataclasses.fields(cls)}
        out = {k: v for k, v in data.items() if k in known}
        for k in ("first_message", "last_message", "complete_from"):
            out[k] = dt.date.fromisoformat(out[k]) if out.get(k) else None
        return cls(**out)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for k in ("first_message", "last_message", "complete_from"):
            out[k] = out[k].isoformat() if out[k] else None
        return out


def complete_history_from(
    first: pd.Timestamp | None,
    *,
    group_created: pd.Series,
    joined: pd.Series,
    early_replies: int,
    early_orphans: int,
    later_replies: int = 0,
    later_orphans: int = 0,
) -> tuple[pd.Timestamp | None, str]:
    """Where the complete history starts, and why, from evidence the export carries.

    An export that starts part-way shows it: its groups were created, or most of its people
    registered, more than 30 days before its first message, and over at least three calendar
    months (a network's people sign up, and its communities are made, while it is used: a roll-out
    that provisions every account, or sets up every community, ahead of the launch does so at
    once, and is no sign of a missing history); or replies in its first month answer messages it
    does not hold (at least 3 and 1% of them) three times as often as later replies do (a deleted
    message orphans its replies anywhere; a cut-off history orphans them where it begins). Then the complete history starts on the first day of the next full month;
    else where the data start.

    >>> t = pd.Timestamp("2026-01-08", tz="UTC")
    >>> none = pd.Series([], dtype="datetime64[us, UTC]")
    >>> made = pd.Series(pd.to_datetime(["2024-05-01", "2024-09-10", "2025-03-02"], utc=True))
    >>> complete_history_from(t, group_created=made, joined=none, early_replies=0, early_orphans=0)[0]
    Timestamp('2026-02-01 00:00:00+0000', tz='UTC')
    >>> provisioned = pd.Series(pd.to_datetime(["2025-10-01"] * 20, utc=True))  # every account made on one day, months ahead
    >>> complete_history_from(t, group_created=none, joined=provisioned, early_replies=0, early_orphans=0)[0] == t
    True
    >>> complete_history_from(t, group_created=none, joined=none, early_replies=40, early_orphans=1)[0] == t
    True
    """
    if first is None or pd.isna(first):
        return None, "no dated messages"
    before = first - pd.Timedelta(days=_BEFORE_DAYS)

    def spread(dates: pd.Series) -> bool:  # over three calendar months or more
        return dates.dt.tz_convert(None).dt.to_period("M").nunique() >= _SPREAD_MONTHS

    reasons = []
    g = group_created.dropna()
    if len(g) and (g < before).mean() >= _OLDER_SHARE and spread(g[g < before]):
        reasons.append(f"{(g < before).sum():,} of its {len(g):,} communities were created before its first message")
    j = joined.dropna()
    if len(j) >= 5 and (j < before).mean() >= _OLDER_SHARE and spread(j[j < before]):
        reasons.append(f"{(j < before).mean():.0%} of its people registered before its first message")
    early_share = early_orphans / max(early_replies, 1)
    if early_orphans >= 3 and early_share >= _ORPHAN_SHARE and early_share > 3 * later_orphans / max(later_replies, 1):
        reasons.append(f"{early_orphans:,} replies in its first month answer messages it does not hold")
    if not reasons:
        return first.normalize(), "the data start there"
    start = first.normalize()
    if start.day != 1:
        start = (start + pd.offsets.MonthBegin(1)).normalize()
    return start, "the export starts part-way through the network's history: " + "; ".join(reasons)


def data_profile(ds: Dataset, *, complete_from: dt.date | None = None) -> DataProfile:
    """The profile of ``ds`` (kept in its cache); ``complete_from`` is client.yml's ``history_complete_from``
    (by default the one the step context recorded in ``ds.meta``)."""
    if complete_from is None and getattr(ds.meta, "history_complete_from", None):
        complete_from = dt.date.fromisoformat(ds.meta.history_complete_from)
    return ds.cached("data_profile", (complete_from,), lambda: _profile(ds, complete_from))


def history_start(ds: Dataset) -> pd.Timestamp | None:
    """The first day (UTC midnight) of the complete history when the export starts part-way, else ``None``.

    Growth, peaks, newcomers and lifecycle compare a period with the one before: a period that
    begins before this day holds only part of what happened then, so no such comparison reaches
    before it (the community statuses, the busiest month, the newcomer counts, the trend fits).
    """
    p = data_profile(ds)
    return pd.Timestamp(p.complete_from, tz="UTC") if p.partial_history else None


def newcomers_from(ds: Dataset, days: int) -> pd.Timestamp | None:
    """The first day someone first seen can be called a newcomer: in a partial history, not before the
    complete history starts nor in the first ``days`` (the inactive period) of the data, where a person
    first seen may be someone who was quiet when the export began; ``None`` when the history is complete.
    """
    start = history_start(ds)
    if start is None:
        return None
    first = pd.Timestamp(data_profile(ds).first_message, tz="UTC")
    return max(start, first + pd.Timedelta(days=int(days)))


def ranked_count(people: int, top: int, *, share: float = 0.1) -> int:
    """How many people a ranked list of ``top`` holds in a network of ``people``: ``top``, but in a small
    network (:data:`SMALL_NETWORK`) at most ``share`` of the people there are, and at least one.

    >>> ranked_count(50_000, 20), ranked_count(150, 20), ranked_count(50, 20), ranked_count(3, 20)
    (20, 15, 5, 1)
    """
    if people >= SMALL_NETWORK:
        return int(top)
    return int(max(1, min(int(top), int(people * share))))


def _profile(ds: Dataset, override: dt.date | None) -> DataProfile:
    people = ds.people
    pop = population(ds)
    bots = int(people["is_bot"].fillna(False).astype(bool).sum())
    guests = int((people["is_external"].fillna(False).astype(bool) & ~people["is_bot"].fillna(False).astype(bool)).sum())
    m = ds.columns("messages", ["message_id", "reply_to_id", "group_id", "created_at", "is_thread_start", "is_private", "message_type"])
    private = m["is_private"].fillna(False).astype(bool) | m["group_id"].isna()
    starts = m["is_thread_start"].fillna(True).astype(bool)
    r = ds.columns("reactions", ["created_at"])
    activity = ds.columns("activity", ["read"])
    dated = m["created_at"].dropna()
    first = dated.min() if len(dated) else None
    last = dated.max() if len(dated) else None
    early_replies = early_orphans = later_replies = later_orphans = 0
    if first is not None:
        in_first = m["created_at"] < first + pd.Timedelta(days=31)
        early, later = in_first & ~starts, ~in_first & ~starts
        orphan = m["reply_to_id"].notna() & ~m["reply_to_id"].isin(m["message_id"])
        early_replies, early_orphans = int(early.sum()), int((early & orphan).sum())
        later_replies, later_orphans = int(later.sum()), int((later & orphan).sum())
    active_groups = m.loc[~private, "group_id"].dropna().unique()
    groups = ds.groups
    created = groups.loc[groups["group_id"].isin(active_groups), "created_at"]
    start, reason = complete_history_from(
        first,
        group_created=created,
        joined=pop["joined_at"],
        early_replies=early_replies,
        early_orphans=early_orphans,
        later_replies=later_replies,
        later_orphans=later_orphans,
    )
    if override is not None:
        start, reason = pd.Timestamp(override, tz="UTC"), "set in client.yml (history_complete_from)"
    types = m["message_type"].dropna().astype(str).str.lower()
    return DataProfile(
        people=len(pop),
        bots=bots,
        guests=guests,
        messages=len(m),
        replies=int((~starts).sum()),
        private_messages=int(private.sum()),
        community_messages=int((~private).sum()),
        reactions=len(r),
        dated_reactions=int(r["created_at"].notna().sum()),
        usage_rows=len(activity),
        reads=bool(len(activity) and activity["read"].fillna(0).gt(0).any()),
        join_dates=bool(len(pop) and pop["joined_at"].notna().mean() >= 0.5),
        departments=int(pop["department"].dropna().nunique()),
        locations=int(pop["location"].dropna().nunique()),
        question_types=bool((types == "question").any()),
        first_message=first.date() if first is not None else None,
        last_message=last.date() if last is not None else None,
        complete_from=start.date() if start is not None else None,
        complete_reason=reason,
    )


def profile_lines(p: DataProfile) -> list[str]:
    """The profile in words, one line per thing the data can or cannot show (the appendix and ``esnkit check``)."""
    yes_no = []
    if p.usage_only:
        yes_no.append(
            "Usage reports only, no message export: each person's posts, likes and reads are known for a report period, not by "
            "day or thread, so figures over a shorter window than the reports', and every thread, reply and community figure, "
            "are not available."
        )
    if p.private_only:
        yes_no.append(
            "Only private messages: no communities or channels, so no community figures; a conversation is a private exchange, answered when the other person replied."
        )
    elif not p.has_communities:
        yes_no.append("No messages in communities or channels.")
    if p.messages and not p.has_threads and not p.private_only:
        yes_no.append(
            "No replies are linked to the message they answer, so each post stands alone; a post counts as answered when someone else reacted to it."
        )
    if p.reactions and not p.reaction_times:
        yes_no.append(
            f"Reactions carry no time of their own ({count(p.reactions - p.dated_reactions, 'reaction')} without one): they count as responses, dated by the message reacted to, but give no time to first response."
        )
    elif not p.reactions:
        yes_no.append("No reactions in the data.")
    if not p.reads:
        yes_no.append("No read counts: people who only read cannot be told from people who never look.")
    if not p.join_dates:
        yes_no.append(
            "No registration dates: a person counts as registered from their first contribution, or from the start if they never contributed."
        )
    if not p.has_departments:
        yes_no.append("No departments: no figure is broken down by department, and no one is described by theirs.")
    if not p.question_types:
        yes_no.append("No message is marked as a question, so questions are not counted apart from other posts.")
    if p.partial_history:
        yes_no.append(
            f"The complete history starts on {p.complete_from.day} {p.complete_from:%B %Y}: {p.complete_reason}. Growth, peaks and newcomers are measured only from then."
        )
    if p.small:
        yes_no.append(
            f"A small network ({count(p.people, 'person', 'people')} counted): ranked lists hold a share of the people there are, not a fixed number."
        )
    apart = [count(n, word) for n, word in ((p.bots, "bot"), (p.guests, "external guest")) if n]
    if apart:
        yes_no.append(f"{' and '.join(apart)} {'is' if sum((p.bots, p.guests)) == 1 else 'are'} counted in no figure.")
    return yes_no or ["The data hold everything the figures use."]
