"""``esnkit check``: is this export usable, and what should the consultant know about it?"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ._fast import isin
from ._text import count
from .dataset import Dataset
from .loaders import load
from .profile import data_profile, profile_lines

__all__ = ["quality_warnings", "unusable_reason", "check_export"]


def quality_warnings(
    ds: Dataset, *, now: pd.Timestamp | None = None, facts: dict[str, int] | None = None, started: dt.date | None = None
) -> list[str]:
    """Data-quality findings beyond those the loader recorded.

    Replies to unknown messages, messages by unknown or attribute-less authors, timestamps in the
    future, concealed (hashed) names, and, when client.yml says when the network launched
    (``started``, its ``network_start``), messages dated before it: without it the network's start
    is taken from the data (:func:`network_start`), so no message can predate it. ``facts`` are those
    counts worked out elsewhere (:func:`message_facts`'s keys; a large export's are counted by
    DuckDB on disk): the wording is this function's either way.

    How far back a timestamp may go at all is a bound on parsing (1990, ``loaders._common.PLAUSIBLE_FROM``),
    checked by the loaders, not the network's start.
    """
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    start = None if started is None else network_start(ds, started)
    if facts is None:
        facts = message_facts(ds.messages, bare_authors(ds.people), now=now, start=None if start is None else min(start, now))
    out = []
    if facts["orphans"] and not any(" to messages not in the export" in w or " to root messages not in" in w for w in ds.meta.warnings):
        out.append(f"{count(facts['orphans'], 'reply', 'replies')} to messages not in the data")
    if facts["bare"]:
        out.append(f"{count(facts['bare'], 'message')} by authors missing from the user list")
    if facts["future"]:
        out.append(f"{count(facts['future'], 'message')} dated in the future (after {now:%Y-%m-%d})")
    if facts["early"] and start is not None:
        out.append(f"{count(facts['early'], 'message')} dated before the network existed ({start:%Y-%m-%d}, client.yml's network_start)")
    return out


def network_start(ds: Dataset, started: dt.date | None = None) -> pd.Timestamp:
    """When the network began: client.yml's ``network_start`` (``started``) when given, else the
    earliest community's creation, else the first message (NaT: neither is dated).

    Only the data or the client say when a network began: a 2004 data set is not "before the
    network existed" because a product launched later.
    """
    if started is not None:
        return pd.Timestamp(started, tz="UTC")
    start = ds.groups["created_at"].min() if len(ds.groups) else pd.NaT
    if pd.isna(start):
        start = ds.messages["created_at"].min() if len(ds.messages) else pd.NaT
    return start


def bare_authors(people: pd.DataFrame) -> pd.Series:
    """Person ids with no attributes at all (added because a table named them): not in the user list."""
    bare = people["department"].isna() & people["state"].isna() & ~people["is_bot"].fillna(False).astype(bool)
    return people.loc[bare, "person_id"]


def message_facts(m: pd.DataFrame, bare: pd.Series, *, now: pd.Timestamp, start: pd.Timestamp | None) -> dict[str, int]:
    """The counts :func:`quality_warnings` words: replies to unknown messages, messages by ``bare``
    authors, dated after ``now``, dated before ``start`` (0 when there is none: client.yml sets no start)."""
    return {
        "orphans": int((m["reply_to_id"].notna() & ~isin(m["reply_to_id"], m["message_id"])).sum()),
        "bare": int(isin(m["author_id"], bare).sum()),
        "future": int((m["created_at"] > now).sum()),
        "early": 0 if start is None else int((m["created_at"] < start).sum()),
    }


def unusable_reason(ds: Dataset) -> str | None:
    """Why a loaded export cannot be analysed, or ``None`` when it can: the one rule ``check`` and ``ingest`` share."""
    if ds.rows("messages") == 0 and ds.rows("activity") == 0:
        return "no messages or activity found"
    return None


def check_export(path: Path, *, source: str = "auto") -> tuple[str, bool]:
    """Load ``path`` with a one-off key and describe it. Returns (report, usable)."""
    from .ingest import summary

    ds = load(path, source=source)
    for w in quality_warnings(ds):
        ds.meta.warn(w)
    ds.meta.warnings = [w for w in ds.meta.warnings if not w.startswith("loaded without a client key")]
    formats = ", ".join(sorted({s.get("format", "?") for s in ds.meta.sources}))
    problem = unusable_reason(ds)
    usable = problem is None
    verdict = "usable" if usable else f"NOT usable: {problem}"
    report = f"{path}: {formats} export, {verdict}\n" + summary(ds)
    if usable:
        report += "\nWhat these data can show:\n" + "\n".join(f"  - {line}" for line in profile_lines(data_profile(ds)))
    return report, usable
