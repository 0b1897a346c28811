"""Microsoft 365 usage reports (admin centre export or Graph ``reports/*``): CSV files, a folder or zip.

Three reports are read, recognised by their columns (order never matters):

- *Viva Engage activity user detail* → ``activity`` (posted / read / liked) and ``people``;
- *Viva Engage groups activity detail* → ``groups``;
- *Teams user activity user detail* → ``activity`` (posted = post + reply + team chat messages) and
  ``people``.

Each row covers the report period (7/30/90/180 days) ending on its refresh date. When an admin
has concealed names, user principal names are 32-hex hashes: they are detected, and a warning says
they cannot be joined to a roster or another source.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..dataset import Dataset, Meta
from ..errors import DataError
from ..privacy import Pseudonymiser, identity_keys
from ._common import ExportSource, parse_bool, parse_timestamps, read_csv_table

FORMAT = "m365-usage"
CONCEALED = re.compile(r"^[0-9A-Fa-f]{32}$")
REPORTS = {
    "viva-engage-users": {"Report Refresh Date", "User Principal Name", "Posted Count", "Read Count", "Liked Count", "Report Period"},
    "viva-engage-groups": {"Report Refresh Date", "Group Display Name", "Member Count", "Posted Count", "Report Period"},
    "teams-users": {"Report Refresh Date", "User Principal Name", "Team Chat Message Count", "Report Period"},
}


def _kind(columns) -> str | None:
    cols = {str(c).strip() for c in columns}
    for kind in ("teams-users", "viva-engage-groups", "viva-engage-users"):
        if REPORTS[kind] <= cols:
            return kind
    return None


def _csv_members(source: ExportSource) -> list[str]:
    return [n for n in source.names() if n.lower().endswith(".csv")]


def detect(source: ExportSource) -> bool:
    for member in _csv_members(source)[:20]:
        head = source.read_bytes(member)[:4096].decode("utf-8-sig", errors="replace").splitlines()[:1]
        if head and "Report Refresh Date" in head[0] and _kind(c.strip() for c in head[0].split(",")):
            return True
    return False


def _counts(frame: pd.DataFrame, column: str, where: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="Int64")
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        raise DataError(
            f"{where}, column {column!r}: {frame.loc[bad, column].iloc[0]!r} is not a count (rows {[int(i) + 2 for i in np.flatnonzero(bad)[:5]]})"
        )
    return values.round().astype("Int64")


def _period(frame: pd.DataFrame, where: str) -> tuple[pd.Series, pd.Series]:
    end = parse_timestamps(frame["Report Refresh Date"], where=where, column="Report Refresh Date")
    days = pd.to_numeric(frame["Report Period"], errors="coerce")
    bad = ~((days >= 1) & (days <= 366) & (days == days.round())).fillna(False)  # a huge period would overflow the dates
    if bad.any():
        rows = [int(i) + 2 for i in np.flatnonzero(bad.to_numpy())[:5]]
        raise DataError(
            f"{where}, column 'Report Period': {frame['Report Period'][bad].iloc[0]!r} is not a number of days (7, 30, 90 or 180; rows {rows})"
        )
    start = end - pd.to_timedelta(days.astype("int64") - 1, unit="D")
    return start, end + pd.Timedelta(days=1)  # the period ends at the end of the refresh day


def load(source: ExportSource, *, pseudonymiser: Pseudonymiser, keep_text: bool = False) -> Dataset:
    meta = Meta()
    activity, people, identities, groups = [], [], [], []
    found = []
    for member in _csv_members(source):
        where = source.describe(member)
        frame = read_csv_table(source, member)
        kind = _kind(frame.columns)
        if kind is None:
            if "Report Refresh Date" in frame.columns:
                raise DataError(f"{where}: a usage report esnkit does not read (expected Viva Engage activity/groups or Teams user activity detail)")
            continue
        found.append(kind)
        start, end = _period(frame, where)
        if kind == "viva-engage-groups":
            names = frame["Group Display Name"].astype("str")
            if names.str.match(CONCEALED).all():
                meta.warn(
                    f"{where}: group names are concealed (32-hex hashes); turn off 'conceal names' in the Microsoft 365 admin centre to see them"
                )
            groups.append(
                pd.DataFrame(
                    {
                        "group_id": "m365:" + names,
                        "name": names,
                        "kind": "community",
                        "is_private": frame.get("Group Type", pd.Series(None, index=frame.index)).astype("str").str.lower().eq("private"),
                        "platform": "viva-engage",
                    }
                )
            )
            continue
        upn = frame["User Principal Name"].astype("str").str.strip()
        concealed = upn.str.match(CONCEALED).fillna(False)
        if concealed.any():
            meta.warn(
                f"{where}: {int(concealed.sum())} user name(s) are concealed (32-hex hashes); these people cannot be joined to a roster "
                "or another source. Turn off 'Display concealed user, group, and site names' in the admin centre and re-export."
            )
        emails = upn.where(~concealed & upn.str.contains("@", regex=False).fillna(False))
        user_id = frame["User Id"].astype("str") if "User Id" in frame.columns else upn
        user_id = user_id.where(~user_id.str.fullmatch(r"0{8}-0{4}-0{4}-0{4}-0{12}").fillna(False), upn)
        pid = pseudonymiser.ids(identity_keys("m365", upn, emails))
        platform = "teams" if kind == "teams-users" else "viva-engage"
        if kind == "teams-users":
            # Team chat messages are the channel posts plus replies (2 + 3 = 5 in Microsoft's sample).
            if "Team Chat Message Count" in frame.columns:
                posted = _counts(frame, "Team Chat Message Count", where)
            else:
                posted = _counts(frame, "Post Messages", where).fillna(0) + _counts(frame, "Reply Messages", where).fillna(0)
            read, liked = pd.Series(pd.NA, index=frame.index, dtype="Int64"), pd.Series(pd.NA, index=frame.index, dtype="Int64")
            deleted = (
                parse_bool(frame["Is Deleted"], where=where, column="Is Deleted")
                if "Is Deleted" in frame.columns
                else pd.Series(pd.NA, index=frame.index, dtype="boolean")
            )
            state = pd.Series(np.where(deleted.fillna(False), "deleted", "active"), index=frame.index)
        else:
            posted, read, liked = (_counts(frame, c, where) for c in ("Posted Count", "Read Count", "Liked Count"))
            raw_state = frame.get("User State", pd.Series(None, index=frame.index)).astype("str").str.strip().str.lower()
            state = raw_state.map({"active": "active", "deleted": "deleted", "suspended": "suspended", "pending": "pending"}).fillna("active")
        activity.append(
            pd.DataFrame(
                {
                    "person_id": pid,
                    "period_start": start,
                    "period_end": end,
                    "platform": platform,
                    "posted": posted.astype("Int64"),
                    "read": read,
                    "liked": liked,
                }
            )
        )
        people.append(pd.DataFrame({"person_id": pid, "state": state, "is_bot": False}))
        identities.append(
            pd.DataFrame(
                {
                    "person_id": pid,
                    "source": f"m365-{platform}",
                    "source_user_id": user_id,
                    "name": frame.get("Display Name", pd.Series(None, index=frame.index)),
                    "email": emails,
                }
            )
        )
    if not found:
        raise DataError(f"{source.label}: no Microsoft 365 usage report found (CSV with 'Report Refresh Date' and the report's columns)")
    people_t = pd.concat(people, ignore_index=True).drop_duplicates("person_id") if people else None
    meta.sources.append({"format": FORMAT, "path": source.path.name, "reports": sorted(set(found))})
    ds = Dataset(
        people=people_t,
        groups=pd.concat(groups, ignore_index=True).drop_duplicates("group_id") if groups else None,
        activity=pd.concat(activity, ignore_index=True) if activity else None,
        identities=pd.concat(identities, ignore_index=True) if identities else None,
        meta=meta,
    )
    ds.refresh_coverage()
    return ds
