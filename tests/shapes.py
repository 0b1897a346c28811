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


def history_starts_part_way() -> Dataset:
    """A free-plan window: the export holds 10 December 2025 to 31 March 2026 of a network whose twelve
    people registered one a month through 2024 and whose two communities were made in 2024.

    Busy club (g1): every Wednesday from 10 December a thread by p(i mod 6) at 09:00 answered by
    p(i+1 mod 6) at 10:00 (16 weeks, 32 messages). Quiet corner (g2): every other Thursday from
    11 December a thread by p6, p7 or p8 in turn answered by the next of them at 12:00 (8 threads,
    16 messages); p11 first posts there on 20 March 2026, p9 on 17 December 2025. The complete history
    starts on 1 January 2026 (people and communities predate the first message by a year and more).
    """
    people = pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(12)],
            "state": "active",
            "joined_at": [f"2024-{m:02d}-15" for m in range(1, 13)],
            "department": ["Sales", "Sales", "Ops", "Ops", "Legal", "Legal"] * 2,
        }
    )
    groups = pd.DataFrame(
        {
            "group_id": ["g1", "g2"],
            "name": ["Busy club", "Quiet corner"],
            "kind": "community",
            "created_at": pd.to_datetime(["2024-02-01", "2024-06-01"], utc=True),
        }
    )
    rows = []
    for i, day in enumerate(pd.date_range("2025-12-10", periods=16, freq="7D")):
        rows += [
            (f"a{i}", f"a{i}", None, "g1", f"p{i % 6}", f"{day:%Y-%m-%d} 09:00", True),
            (f"a{i}r", f"a{i}", f"a{i}", "g1", f"p{(i + 1) % 6}", f"{day:%Y-%m-%d} 10:00", False),
        ]
    for i, day in enumerate(pd.date_range("2025-12-11", periods=8, freq="14D")):
        rows += [
            (f"b{i}", f"b{i}", None, "g2", f"p{6 + i % 3}", f"{day:%Y-%m-%d} 09:00", True),
            (f"b{i}r", f"b{i}", f"b{i}", "g2", f"p{6 + (i + 1) % 3}", f"{day:%Y-%m-%d} 12:00", False),
        ]
    rows += [
        ("c1", "c1", None, "g2", "p9", "2025-12-17 09:00", True),
        ("c2", "c2", None, "g2", "p11", "2026-03-20 09:00", True),
        ("c2r", "c2", "c2", "g2", "p6", "2026-03-20 11:00", False),
    ]
    return Dataset(people=people, groups=groups, messages=_messages(rows)).validate()


def fifty_people() -> Dataset:
    """A cohort of 50 people in one channel over six months (October 2025 to March 2026).

    p0..p9 each start a thread on the 5th of every month, which p10..p19 (p(i + 10)) answer; p20..p29
    react once each on the 5th of March to p0's thread; p30..p49 never take part. p0's replies:
    none, so no one's ties cross between two others except through the threads they share.
    """
    people = pd.DataFrame({"person_id": [f"p{i}" for i in range(50)], "state": "active", "joined_at": "2025-09-01"})
    people["department"] = ["Sales", "Ops", "Legal", "HR", "IT"] * 10
    groups = pd.DataFrame({"group_id": ["c"], "name": ["Cohort"], "kind": ["channel"]})
    rows = []
    for month in pd.period_range("2025-10", "2026-03", freq="M"):
        for i in range(10):
            t = f"{month}-{i}"
            rows += [
                (t, t, None, "c", f"p{i}", f"{month}-05 09:00", True),
                (f"{t}r", t, t, "c", f"p{i + 10}", f"{month}-05 10:00", False),
            ]
    reactions = pd.DataFrame(
        {"message_id": "2026-03-0", "person_id": [f"p{i}" for i in range(20, 30)], "created_at": "2026-03-05 12:00", "reaction": "like"}
    )
    return Dataset(people=people, groups=groups, messages=_messages(rows), reactions=reactions).validate()


SHAPES = {
    "direct messages only": direct_messages_only,
    "no departments and no roster": no_departments_no_roster,
    "one month of data": one_month,
    "no reactions": no_reactions,
    "no replies": no_replies,
    "people without joined_at": no_joined_at,
    "a community with one member": one_member_community,
    "bots only in a channel": bots_only_channel,
    "history starts part-way": history_starts_part_way,
    "50 people": fifty_people,
}


def client_folder(root: Path, ds: Dataset, *, name: str = "Shape Co") -> Path:
    """An ingested client at ``root``: client.yml plus processed/ holding ``ds``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "client.yml").write_text(f'name: "{name}"\nsources: []\n', encoding="utf-8")
    ds.refresh_coverage()
    ds.save(root / "processed")
    reduce_processed(root / "processed")  # as `esnkit ingest` does: the steps read the reductions from disk
    return root
