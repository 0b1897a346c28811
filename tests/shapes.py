"""Small hand-made datasets of the shapes real exports come in, for running every step end to end.

Each function returns a validated Dataset; :func:`client_folder` writes one as an ingested client
(client.yml and processed/), the way ``esnkit ingest`` leaves it.
"""

from pathlib import Path

import pandas as pd
from helpers import small_dataset

from esnkit import Dataset
from esnkit.reduce import reduce_processed

AS_OF = "2026-03-31"


def _messages(rows):
    m = pd.DataFrame(rows, columns=["message_id", "thread_id", "reply_to_id", "group_id", "author_id", "created_at", "is_thread_start"])
    return m.assign(is_private=m["group_id"].isna() | m["group_id"].astype(str).str.startswith("dm"))


def direct_messages_only() -> Dataset:
    """Slack-like: people talk only in direct messages; no community, channel or department."""
    people = pd.DataFrame({"person_id": ["a", "b", "c"], "state": "active"})
    groups = pd.DataFrame({"group_id": ["dm1", "dm2"], "kind": "dm", "is_private": True})
    rows = [
        ("1", "1", None, "dm1", "a", "2026-01-05 09:00", True),
        ("2", "1", "1", "dm1", "b", "2026-01-05 10:00", False),
        ("3", "3", None, "dm2", "c", "2026-02-10 09:00", True),
        ("4", "4", None, "dm1", "b", "2026-03-20 09:00", True),
    ]
    return Dataset(people=people, groups=groups, messages=_messages(rows)).validate()


def no_departments_no_roster() -> Dataset:
    ds = small_dataset()
    return ds.replace(people=ds.people.assign(department=None, location=None)).validate()


def one_month() -> Dataset:
    """Everything happened within three weeks of March."""
    ds = small_dataset()
    m = ds.messages
    m["created_at"] = pd.to_datetime(
        ["2026-03-03 09:00", "2026-03-03 11:00", "2026-03-04 09:00", "2026-03-10 10:00", "2026-03-12 08:00", "2026-03-12 20:00", "2026-03-13 00:00"],
        utc=True,
    )
    r = ds.reactions.assign(created_at=pd.to_datetime(["2026-03-12 09:30"], utc=True))
    return ds.replace(messages=m, reactions=r).validate()


def no_reactions() -> Dataset:
    ds = small_dataset()
    return ds.replace(reactions=ds.reactions.iloc[0:0]).validate()


def no_replies() -> Dataset:
    ds = small_dataset()
    m = ds.messages
    return ds.replace(messages=m[m["is_thread_start"].astype(bool)], reactions=ds.reactions.iloc[0:0]).validate()


def no_joined_at() -> Dataset:
    ds = small_dataset()
    return ds.replace(people=ds.people.assign(joined_at=pd.NaT)).validate()


def one_member_community() -> Dataset:
    """A community whose only member talks to themself."""
    people = pd.DataFrame({"person_id": ["solo"], "state": "active", "department": "Sales"})
    groups = pd.DataFrame({"group_id": ["g"], "name": ["Solo club"], "kind": "community"})
    memberships = pd.DataFrame({"group_id": ["g"], "person_id": ["solo"]})
    rows = [
        ("1", "1", None, "g", "solo", "2026-02-01", True),
        ("2", "1", "1", "g", "solo", "2026-02-02", False),
        ("3", "3", None, "g", "solo", "2026-03-30", True),
    ]
    return Dataset(people=people, groups=groups, memberships=memberships, messages=_messages(rows)).validate()


def bots_only_channel() -> Dataset:
    """One channel where only bots post, beside a small human one."""
    ds = small_dataset()
    groups = pd.concat([ds.groups, pd.DataFrame({"group_id": ["alerts"], "name": ["Build alerts"], "kind": ["channel"]})], ignore_index=True)
    extra = _messages([(f"b{i}", f"b{i}", None, "alerts", "z", f"2026-03-{i + 1:02d} 06:00", True) for i in range(10)])
    return ds.replace(groups=groups, messages=pd.concat([ds.messages, extra], ignore_index=True)).validate()


SHAPES = {
    "direct messages only": direct_messages_only,
    "no departments and no roster": no_departments_no_roster,
    "one month of data": one_month,
    "no reactions": no_reactions,
    "no replies": no_replies,
    "people without joined_at": no_joined_at,
    "a community with one member": one_member_community,
    "bots only in a channel": bots_only_channel,
}


def client_folder(root: Path, ds: Dataset, *, name: str = "Shape Co") -> Path:
    """An ingested client at ``root``: client.yml plus processed/ holding ``ds``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "client.yml").write_text(f'name: "{name}"\nsources: []\n', encoding="utf-8")
    ds.refresh_coverage()
    ds.save(root / "processed")
    reduce_processed(root / "processed")  # as `esnkit ingest` does: the steps read the reductions from disk
    return root
