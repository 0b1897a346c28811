"""A hand-made network small enough to work every answer out on paper.

People a, b (department X), c, d, e (department Y; e never takes part) and a bot z.
Group g1: thread 1 by a (Jan 5 09:00), b replies at 11:00, a replies to b on Jan 6 09:00;
thread 4 by c (Feb 10) gets no answer. Group g2: thread 5 by d (Mar 1 08:00), a reacts at 09:00,
c replies at 20:00; thread 7 by the bot (Mar 2). As of 2026-03-31.
"""

import pandas as pd

from esnkit import Dataset

AS_OF = "2026-03-31"


def small_dataset() -> Dataset:
    people = pd.DataFrame(
        {
            "person_id": ["a", "b", "c", "d", "e", "z"],
            "department": ["X", "X", "Y", "Y", "Y", None],
            "location": ["L1", "L1", "L1", "L2", "L2", None],
            "state": ["active"] * 6,
            "joined_at": ["2025-12-01"] * 6,
            "is_bot": [False] * 5 + [True],
            "is_external": [False] * 6,
        }
    )
    groups = pd.DataFrame({"group_id": ["g1", "g2"], "name": ["Group One", "Group Two"], "kind": ["community", "community"]})
    rows = [
        ("1", "1", None, "g1", "a", "2026-01-05 09:00", True),
        ("2", "1", "1", "g1", "b", "2026-01-05 11:00", False),
        ("3", "1", "2", "g1", "a", "2026-01-06 09:00", False),
        ("4", "4", None, "g1", "c", "2026-02-10 10:00", True),
        ("5", "5", None, "g2", "d", "2026-03-01 08:00", True),
        ("6", "5", "5", "g2", "c", "2026-03-01 20:00", False),
        ("7", "7", None, "g2", "z", "2026-03-02 00:00", True),
    ]
    messages = pd.DataFrame(rows, columns=["message_id", "thread_id", "reply_to_id", "group_id", "author_id", "created_at", "is_thread_start"])
    messages["is_private"] = False
    reactions = pd.DataFrame({"message_id": ["5"], "person_id": ["a"], "created_at": ["2026-03-01 09:00"], "reaction": ["like"]})
    return Dataset(people=people, groups=groups, messages=messages, reactions=reactions).validate()


def thread_starts(posts: list[tuple[str, str]], *, group_id: str = "g") -> pd.DataFrame:
    """A messages table of one thread start per ``(author, time)``, numbered from 0, in one community."""
    return pd.DataFrame(
        {
            "message_id": [str(i) for i in range(len(posts))],
            "thread_id": [str(i) for i in range(len(posts))],
            "group_id": group_id,
            "author_id": [p for p, _ in posts],
            "created_at": [t for _, t in posts],
            "is_thread_start": True,
            "is_private": False,
        }
    )


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def step_context(ds: Dataset, root, *, name: str = "Acme", inactive_days: int = 90, **config):
    """A StepContext over ``ds`` at AS_OF with the default privacy floor (5), names hidden, its workspace at ``root``."""
    import datetime as dt
    from pathlib import Path

    from esnkit.config import ClientConfig, ClientPaths
    from esnkit.steps.context import StepContext

    return StepContext(
        ds=ds,
        config=ClientConfig(name=name, **config),
        paths=ClientPaths(Path(root)),
        as_of=dt.date.fromisoformat(AS_OF),
        min_group_size=5,
        show_names=False,
        inactive_days=inactive_days,
    )


def trend_dataset(counts, *, n_people: int = 40, departments=None) -> Dataset:
    """A network whose people active in 30 days follow ``counts``, one a month from April 2025 to AS_OF's month.

    In month m, people p0 .. p(counts[m] - 1) each start one thread on the 15th at 10:00 (no one
    answers), in one community ``g``; everyone joined on 2025-03-01. So people active in the 30 days
    to a month's end are that month's count, and the interactive share at a month's end is the
    largest count of the six months to it over ``n_people``. The data begin on 2025-04-15.
    """
    months = pd.period_range(end=pd.Period(AS_OF, "M"), periods=len(counts), freq="M")
    rows = [(f"{m}-{i}", f"{m}-{i}", None, "g", f"p{i}", f"{m}-15 10:00", True) for m, k in zip(months, counts) for i in range(int(k))]
    messages = pd.DataFrame(rows, columns=["message_id", "thread_id", "reply_to_id", "group_id", "author_id", "created_at", "is_thread_start"])
    messages["is_private"] = False
    people = pd.DataFrame({"person_id": [f"p{i}" for i in range(n_people)], "state": "active", "joined_at": "2025-03-01"})
    if departments is not None:
        people["department"] = [departments[i % len(departments)] for i in range(n_people)]
    groups = pd.DataFrame({"group_id": ["g"], "name": ["Community"], "kind": ["community"]})
    return Dataset(people=people, groups=groups, messages=messages).validate()
