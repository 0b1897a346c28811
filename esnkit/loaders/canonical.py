"""Canonical tables: data from any other tool (Workplace, Jive, Discourse, a spreadsheet).

A folder (or zip) with one file per table, named after it: ``people``, ``groups``,
``memberships``, ``messages``, ``reactions``, ``mentions``, ``activity`` — each ``.csv`` or
``.parquet`` — holding the columns of :data:`esnkit.dataset.SCHEMA`. ``people`` and ``messages``
are required; the other tables are optional, and so is every column that is not an id or a
timestamp a row cannot do without. Person ids are the source tool's own user ids: they are
pseudonymised at load. ``people`` may carry ``name`` and ``email``: they go to ``identities`` only,
and an e-mail joins the person with the same person in other sources. ``esnkit init`` writes an
empty template of this layout.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from .._fast import isin
from .._io import atomic_write
from .._text import count
from ..dataset import PERSON_COLUMNS, SCHEMA, Dataset, Meta
from ..errors import DataError
from ..privacy import Pseudonymiser, identity_keys
from ._common import ExportSource, check_timestamp_range, parse_bool, parse_timestamps, person_id_mapper, read_csv_table

FORMAT = "canonical"
TABLES = ("people", "groups", "memberships", "messages", "reactions", "mentions", "activity")
REQUIRED = {
    "people": ("person_id",),
    "groups": ("group_id",),
    "memberships": ("group_id", "person_id"),
    "messages": ("message_id", "author_id", "created_at"),
    "reactions": ("message_id", "person_id"),
    "mentions": ("message_id", "person_id"),
    "activity": ("person_id", "period_start", "period_end"),
}


def table_member(source: ExportSource, table: str) -> str | None:
    for suffix in (".parquet", ".csv"):
        hits = source.find(table + suffix)
        if hits:
            return hits[0]
    return None


def detect(source: ExportSource) -> bool:
    return table_member(source, "people") is not None and table_member(source, "messages") is not None


def read_table(source: ExportSource, member: str, table: str) -> pd.DataFrame:
    where = source.describe(member)
    if member.endswith(".parquet"):
        try:
            frame = pd.read_parquet(io.BytesIO(source.read_bytes(member)))
        except Exception as exc:  # pyarrow raises several kinds for a damaged file
            raise DataError(f"{where}: not a readable parquet file ({exc}); write it again") from None
        missing = [c for c in REQUIRED[table] if c not in frame.columns]
        if missing:
            raise DataError(f"{where}: required column(s) {', '.join(missing)} missing")
        return frame
    return read_csv_table(source, member, required=REQUIRED[table])


class People:
    """What the people table gives every other table of one canonical load.

    ``frame`` is people.csv (a user id listed twice, or two user ids with one e-mail, keep their
    first row), ``identities`` its identity rows (every user id), ``map_people`` turns the source
    tool's user ids into person ids.
    """

    def __init__(self, people: pd.DataFrame, *, platform: str, pseudonymiser: Pseudonymiser, meta: Meta):
        self.where = people.attrs["where"]
        emails = people["email"].astype("str").str.strip() if "email" in people.columns else None
        ids = people["person_id"].astype("str").str.strip()
        dup = ids.duplicated()
        if dup.any():
            meta.warn(f"{self.where}: {count(dup.sum(), 'duplicate person id')}; the first of each was kept")
            people, ids = people.loc[~dup].reset_index(drop=True), ids[~dup].reset_index(drop=True)
            emails = emails[~dup.to_numpy()].reset_index(drop=True) if emails is not None else None
        pid = pd.Series(pseudonymiser.ids(identity_keys(platform, ids, emails)).to_numpy(), index=ids.to_numpy())
        self._to_pid = person_id_mapper(pseudonymiser, platform, pid)
        self.identities = pd.DataFrame(
            {
                "person_id": pid.to_numpy(),
                "source": platform,
                "source_user_id": ids,
                "name": people["name"] if "name" in people.columns else None,
                "email": emails,
            }
        )
        shared = pid.duplicated().to_numpy()
        if shared.any():  # two accounts, one e-mail: one person, with the first account's attributes
            meta.warn(f"{self.where}: e-mails given for more than one user id ({count(shared.sum(), 'later user id')} merged into the first)")
            people = people.loc[~shared].reset_index(drop=True)
            people.attrs["where"] = self.where
        self.frame = people

    def map_people(self, values: pd.Series) -> pd.Series:
        return self._to_pid(values.astype("str").str.strip())


def _utc(values: pd.Series) -> pd.Series:
    return values.dt.tz_localize("UTC") if values.dt.tz is None else values


def platform_of(messages_platform: pd.Series | None) -> str:
    """The platform a canonical load names: the first ``platform`` value of messages, else "canonical"."""
    if messages_platform is not None and messages_platform.notna().any():
        return str(messages_platform.dropna().iloc[0])
    return "canonical"


def normalise(table: str, frame: pd.DataFrame, *, where: str, people: People, platform: str, keep_text: bool, first_row: int = 0) -> pd.DataFrame:
    """One canonical table (or a slice of its rows from ``first_row`` on) in esnkit's types, person ids pseudonymised.

    Row by row: the same rows give the same result whether the table comes whole or in slices,
    which is what lets a large export be read in batches (:mod:`esnkit.ingest_stream`); an error
    names the row of the whole table.
    """
    header = 1 + first_row
    if table == "people":  # names and e-mails live in identities only; a group's name stays
        frame = frame.drop(columns=[c for c in ("name", "email") if c in frame.columns])
    for column in PERSON_COLUMNS.get(table, []):
        frame[column] = people.map_people(frame[column])
    for column, dtype in SCHEMA[table].items():
        if column not in frame.columns:
            continue
        if dtype.startswith("datetime") and not pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = parse_timestamps(frame[column], where=where, column=column, header_rows=header)
        elif dtype.startswith("datetime"):  # typed already (parquet): still held to the plausible range
            check_timestamp_range(_utc(frame[column]), where=where, column=column, header_rows=header)
        elif dtype == "boolean" and not pd.api.types.is_bool_dtype(frame[column]):
            frame[column] = parse_bool(frame[column], where=where, column=column, header_rows=header)
        elif dtype in ("Int64", "Float64") and not pd.api.types.is_numeric_dtype(frame[column]):
            num = pd.to_numeric(frame[column], errors="coerce")
            if (num.isna() & frame[column].notna()).any():
                raise DataError(f"{where}, column {column!r}: non-numeric values; use whole numbers")
            frame[column] = num
    if table == "messages":
        if "thread_id" not in frame.columns:
            frame["thread_id"] = frame["message_id"]
        frame["thread_id"] = frame["thread_id"].fillna(frame["message_id"])
        if "is_thread_start" not in frame.columns:
            frame["is_thread_start"] = frame["thread_id"].astype("str") == frame["message_id"].astype("str")
        if "is_private" not in frame.columns:
            frame["is_private"] = False
        frame["is_private"] = frame["is_private"].fillna(False)
        if not keep_text and "text" in frame.columns:
            if "n_chars" not in frame.columns:
                frame["n_chars"] = frame["text"].str.len()
            frame = frame.drop(columns="text")
        frame["platform"] = frame["platform"] if "platform" in frame.columns else platform
    if table == "groups" and "platform" not in frame.columns:
        frame["platform"] = platform
    return frame


def unknown_people(references: pd.Series, known: pd.Series) -> pd.Series:
    """Person ids referenced but not in ``known``, once each, in order of first appearance."""
    return pd.Series(references[~isin(references, known)].unique(), dtype="str")


def missing_people_warning(n: int) -> str:
    return f"{count(n, 'person id')} used in other tables are missing from people; added without attributes"


def load(source: ExportSource, *, pseudonymiser: Pseudonymiser, keep_text: bool = False) -> Dataset:
    meta = Meta()
    raw: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        member = table_member(source, table)
        if member is None:
            if table in ("people", "messages"):
                raise DataError(f"{source.label}: {table}.csv (or .parquet) missing; see the template written by `esnkit init`")
            continue
        frame = read_table(source, member, table)
        frame.attrs["where"] = source.describe(member)
        raw[table] = frame
    platform = platform_of(raw["messages"].get("platform"))
    people = People(raw["people"], platform=platform, pseudonymiser=pseudonymiser, meta=meta)
    raw["people"] = people.frame
    tables = {
        table: normalise(table, frame, where=frame.attrs["where"], people=people, platform=platform, keep_text=keep_text)
        for table, frame in raw.items()
    }
    # Authors and other referenced people missing from people.csv are added without attributes.
    refs = pd.concat([tables[t][c] for t, cols in PERSON_COLUMNS.items() if t in tables and t != "people" for c in cols])
    extra = unknown_people(refs, tables["people"]["person_id"])
    if len(extra):
        meta.warn(missing_people_warning(len(extra)))
        tables["people"] = pd.concat([tables["people"], pd.DataFrame({"person_id": extra})], ignore_index=True)
    meta.sources.append({"format": FORMAT, "platform": platform, "path": source.path.name})
    ds = Dataset(identities=people.identities, meta=meta, **tables)
    ds.refresh_coverage()
    return ds


def write_template(folder: str | Path) -> Path:
    """Write empty CSVs (headers only) of every canonical table, plus a README, into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        columns = list(SCHEMA[table])
        if table == "people":
            columns += ["name", "email"]
        atomic_write(folder / f"{table}.csv", ",".join(columns) + "\n")
    atomic_write(
        folder / "README.txt",
        "Canonical esnkit tables: fill people.csv and messages.csv (the rest are optional).\n"
        "Ids are the source tool's ids; person ids are pseudonymised at load. Timestamps: ISO 8601,\n"
        "e.g. 2026-03-05T10:22:11Z. Booleans: true/false. name and email in people.csv never reach\n"
        "the analysis tables. Then list this folder in client.yml with `format: canonical`.\n",
    )
    return folder
