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

__all__ = ["DataProfile", "data_profile", "complete_history_from", "profile_lines", "SMALL_NETWORK"]

#: Below this many people counted in the figures a network is small: ranked lists are cut to a share
#: of the people there are, not to a fixed top 20, and a "top 10%" holds at least one person.
SMALL_NETWORK = 200
#: A community created this long before the first message is evidence that
#: the export starts part-way through the network's history.
_BEFORE_DAYS = 30
#: Shares of the first month's replies to messages outside the export, and of communities that
#: predate the data, above which the history is taken to start part-way.
_ORPHAN_SHARE = 0.05
_OLDER_SHARE = 0.5


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

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for k in ("first_message", "last_message", "complete_from"):
            out[k] = out[k].isoformat() if out[k] else None
        return out


def complete_history_from(
    first: pd.Timestamp | None,
    *,
    group_created: pd.Series,
    early_replies: int,
    early_orphans: int,
) -> tuple[pd.Timestamp | None, str]:
    """Where the complete history starts, and why, from evidence the export carries.

    An export that starts part-way shows it: most of its communities were created more than 30
    days before its first message, or many replies in its first month answer messages it does not
    hold. Then the complete history starts on the first day of the next full month; else where the
    data start. (People registered long before anyone posts are no such evidence: accounts are
    often provisioned ahead of a launch.)

    >>> t = pd.Timestamp("2026-01-08", tz="UTC")
    >>> none = pd.Series([], dtype="datetime64[us, UTC]")
    >>> complete_history_from(t, group_created=pd.Series([pd.Timestamp("2024-05-01", tz="UTC")]), early_replies=0, early_orphans=0)[0]
    Timestamp('2026-02-01 00:00:00+0000', tz='UTC')
    >>> complete_history_from(t, group_created=none, early_replies=40, early_orphans=1)[0] == t
    True
    """
    if first is None or pd.isna(first):
        return None, "no dated messages"
    before = first - pd.Timedelta(days=_BEFORE_DAYS)
    reasons = []
    g = group_created.dropna()
    if len(g) and (g < before).mean() >= _OLDER_SHARE:
        reasons.append(f"{(g < before).sum():,} of its {len(g):,} communities were created before its first message")
    if early_orphans >= 3 and early_orphans >= _ORPHAN_SHARE * max(early_replies, 1):
        reasons.append(f"{early_orphans:,} replies in its first month answer messages it does not hold")
    if not reasons:
        return first.normalize(), "the data start there"
    start = first.normalize()
    if start.day != 1:
        start = (start + pd.offsets.MonthBegin(1)).normalize()
    return start, "the export starts part-way through the network's history: " + "; ".join(reasons)


def data_profile(ds: Dataset, *, complete_from: dt.date | None = None) -> DataProfile:
    """The profile of ``ds`` (kept in its cache); ``complete_from`` is client.yml's ``history_complete_from``."""
    return ds.cached("data_profile", (complete_from,), lambda: _profile(ds, complete_from))


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
    early_replies = early_orphans = 0
    if first is not None:
        early = (m["created_at"] < first + pd.Timedelta(days=31)) & ~starts
        orphan = m["reply_to_id"].notna() & ~m["reply_to_id"].isin(m["message_id"])
        early_replies, early_orphans = int(early.sum()), int((early & orphan).sum())
    active_groups = m.loc[~private, "group_id"].dropna().unique()
    groups = ds.groups
    created = groups.loc[groups["group_id"].isin(active_groups), "created_at"]
    start, reason = complete_history_from(first, group_created=created, early_replies=early_replies, early_orphans=early_orphans)
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
    if p.private_only:
        yes_no.append(
            "Only private messages: no communities or channels, so no community figures; a conversation is a private exchange, answered when the other person replied."
        )
    elif not p.has_communities:
        yes_no.append("No messages in communities or channels.")
    if p.messages and not p.has_threads:
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
            f"The complete history starts on {p.complete_from:%d %B %Y}: {p.complete_reason}. Growth, peaks and newcomers are measured only from then."
        )
    if p.small:
        yes_no.append(
            f"A small network ({count(p.people, 'person', 'people')} counted): ranked lists hold a share of the people there are, not a fixed number."
        )
    apart = [count(n, word) for n, word in ((p.bots, "bot"), (p.guests, "external guest")) if n]
    if apart:
        yes_no.append(f"{' and '.join(apart)} {'is' if sum((p.bots, p.guests)) == 1 else 'are'} counted in no figure.")
    return yes_no or ["The data hold everything the figures use."]
