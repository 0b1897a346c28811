"""``esnkit check``: is this export usable, and what should the consultant know about it?"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._fast import isin
from ._text import count
from .dataset import Dataset
from .loaders import load

__all__ = ["quality_warnings", "unusable_reason", "check_export"]

# No enterprise social network existed before Yammer's launch in 2008.
EARLIEST_PLAUSIBLE = pd.Timestamp("2008-01-01", tz="UTC")


def quality_warnings(ds: Dataset, *, now: pd.Timestamp | None = None) -> list[str]:
    """Data-quality findings beyond those the loader recorded.

    Replies to unknown messages, messages by unknown or attribute-less authors, timestamps in the
    future or before the network existed, concealed (hashed) names.
    """
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    out = []
    m = ds.messages
    orphan = m["reply_to_id"].notna() & ~isin(m["reply_to_id"], m["message_id"])
    if orphan.any() and not any(" to messages not in the export" in w or " to root messages not in" in w for w in ds.meta.warnings):
        out.append(f"{count(orphan.sum(), 'reply', 'replies')} to messages not in the data")
    bare = ds.people["department"].isna() & ds.people["state"].isna() & ~ds.people["is_bot"].fillna(False).astype(bool)
    authors_bare = isin(m["author_id"], ds.people.loc[bare, "person_id"])
    if authors_bare.any():
        out.append(f"{count(authors_bare.sum(), 'message')} by authors missing from the user list")
    future = m["created_at"] > now
    if future.any():
        out.append(f"{count(future.sum(), 'message')} dated in the future (after {now:%Y-%m-%d})")
    start = ds.groups["created_at"].min()
    start = start if pd.notna(start) else EARLIEST_PLAUSIBLE
    early = m["created_at"] < min(start, now)
    if early.any():
        out.append(f"{count(early.sum(), 'message')} dated before the network existed ({start:%Y-%m-%d})")
    return out


def unusable_reason(ds: Dataset) -> str | None:
    """Why a loaded export cannot be analysed, or ``None`` when it can: the one rule ``check`` and ``ingest`` share."""
    if len(ds.messages) == 0 and len(ds.activity) == 0:
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
    return report, usable
