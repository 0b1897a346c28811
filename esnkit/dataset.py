"""The canonical data model: one :class:`Dataset` whatever the platform.

Every loader returns a :class:`Dataset` whose tables have fixed columns and dtypes (see
:data:`SCHEMA`): ids are strings, timestamps are tz-aware UTC, flags are nullable booleans and a
column a source cannot provide is present and null. Names, e-mails and platform user ids live only
in :attr:`Dataset.identities`, apart from the analysis tables.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ._fast import isin
from ._io import parse_json, replace_dir, storage_errors
from ._text import normalise_emails
from ._version import __version__
from .errors import DataError

__all__ = [
    "Dataset",
    "Meta",
    "SCHEMA",
    "EVENT_TABLES",
    "IDENTITY_COLUMNS",
    "PERSON_COLUMNS",
    "STATES",
    "GROUP_KINDS",
    "empty_table",
    "conform",
    "Staged",
]

STR = "str"
TS = "datetime64[us, UTC]"
BOOL = "boolean"
INT = "Int64"
FLOAT = "Float64"

#: Columns and dtypes of every analysis table. ``people`` and ``survey`` may carry extra columns
#: (roster attributes, respondent attributes) after these. ``platform`` on ``groups`` and
#: ``messages`` says which source a row came from once several sources are combined.
SCHEMA: dict[str, dict[str, str]] = {
    "people": {
        "person_id": STR,
        "department": STR,
        "location": STR,
        "job_title": STR,
        "joined_at": TS,
        "state": STR,
        "is_external": BOOL,
        "is_bot": BOOL,
    },
    "groups": {
        "group_id": STR,
        "name": STR,
        "kind": STR,
        "is_private": BOOL,
        "created_at": TS,
        "platform": STR,
    },
    "memberships": {"group_id": STR, "person_id": STR, "joined_at": TS, "left_at": TS},
    "messages": {
        "message_id": STR,
        "thread_id": STR,
        "reply_to_id": STR,
        "group_id": STR,
        "author_id": STR,
        "created_at": TS,
        "is_thread_start": BOOL,
        "is_private": BOOL,
        "n_chars": INT,
        "text": STR,
        "platform": STR,
        "message_type": STR,  # Viva Engage's type where the export has it: update, question, praise, announcement, poll...
        # the private conversation a message belongs to (a direct message has no group): never shown, only to
        # tell when the other person answered
        "conversation_id": STR,
    },
    "reactions": {"message_id": STR, "person_id": STR, "created_at": TS, "reaction": STR},
    "mentions": {"message_id": STR, "person_id": STR},
    "activity": {
        "person_id": STR,
        "period_start": TS,
        "period_end": TS,
        "platform": STR,
        "posted": INT,
        "read": INT,
        "liked": INT,
    },
    "survey": {"response_id": STR, "person_id": STR, "question": STR, "value": FLOAT},
    "interviews": {"user_type": STR, "theme": STR, "sentiment": STR, "quote": STR},
}

#: The only table with names, e-mails and platform user ids; stored apart, never analysed.
IDENTITY_COLUMNS: dict[str, str] = {
    "person_id": STR,
    "source": STR,
    "source_user_id": STR,
    "name": STR,
    "email": STR,
}

TABLES_WITH_EXTRAS = {"people", "survey"}
#: The tables that grow with every post, reply and reaction: read in batches at ingest, reduced,
#: and kept on disk by the steps (see :meth:`Dataset.read`'s ``lazy``).
EVENT_TABLES = ("messages", "reactions", "mentions")
#: Columns that hold a person id, per table (what pseudonymisation and identity matching rewrite).
PERSON_COLUMNS: dict[str, list[str]] = {
    "people": ["person_id"],
    "memberships": ["person_id"],
    "messages": ["author_id"],
    "reactions": ["person_id"],
    "mentions": ["person_id"],
    "activity": ["person_id"],
}
STATES = ("active", "suspended", "deleted", "pending")
GROUP_KINDS = ("community", "channel", "team", "dm", "all-company")

# Keys that must be unique, and references that must resolve (table, column) -> (table, column).
_PRIMARY_KEYS = {
    "people": ["person_id"],
    "groups": ["group_id"],
    "messages": ["message_id"],
    "reactions": ["message_id", "person_id", "reaction"],
    "mentions": ["message_id", "person_id"],
    "survey": ["response_id", "question"],
}
_REFERENCES = [
    ("messages", "author_id", "people", "person_id"),
    ("messages", "group_id", "groups", "group_id"),
    ("reactions", "message_id", "messages", "message_id"),
    ("reactions", "person_id", "people", "person_id"),
    ("mentions", "message_id", "messages", "message_id"),
    ("mentions", "person_id", "people", "person_id"),
    ("memberships", "group_id", "groups", "group_id"),
    ("memberships", "person_id", "people", "person_id"),
    ("activity", "person_id", "people", "person_id"),
]
_NOT_NULL = {
    "people": ["person_id"],
    "groups": ["group_id"],
    "memberships": ["group_id", "person_id"],
    "messages": ["message_id", "thread_id", "author_id", "created_at", "is_thread_start", "is_private"],
    "reactions": ["message_id", "person_id"],
    "mentions": ["message_id", "person_id"],
    "activity": ["person_id", "period_start", "period_end"],
    "survey": ["response_id", "question"],
}
SCHEMA_VERSION = 1


def empty_table(table: str) -> pd.DataFrame:
    """An empty frame with ``table``'s columns and dtypes."""
    columns = IDENTITY_COLUMNS if table == "identities" else SCHEMA[table]
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def _cast(series: pd.Series, dtype: str) -> pd.Series:
    if str(series.dtype) == dtype:
        return series
    if dtype == TS:
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            if getattr(series.dt, "tz", None) is None:
                series = series.dt.tz_localize("UTC")
            return series.dt.tz_convert("UTC").astype(TS)
        return pd.to_datetime(series, utc=True, format="ISO8601").astype(TS)
    if dtype == STR:
        # Ids that arrive as numbers must not become "123.0".
        if pd.api.types.is_float_dtype(series.dtype):
            series = series.astype("Int64")
        return series.astype(STR)
    return series.astype(dtype)


def conform(frame: pd.DataFrame | None, table: str) -> pd.DataFrame:
    """Return ``frame`` with exactly ``table``'s columns, in order, with the canonical dtypes.

    Missing columns are added as null; extra columns are kept after the canonical ones for tables
    that allow them (``people``, ``survey``) and dropped elsewhere.
    """
    columns = IDENTITY_COLUMNS if table == "identities" else SCHEMA[table]
    if frame is None:
        return empty_table(table)
    out = {}
    n = len(frame)
    for name, dtype in columns.items():
        if name in frame.columns:
            try:
                out[name] = _cast(frame[name], dtype).reset_index(drop=True)
                if table == "identities" and name == "email":  # one rule for every join by e-mail, applied once here
                    out[name] = normalise_emails(out[name])
            except (TypeError, ValueError) as exc:
                raise DataError(f"table {table!r}, column {name!r}: cannot convert to {dtype} ({exc})") from None
        else:
            out[name] = pd.Series([pd.NA] * n, dtype=dtype) if dtype != STR else pd.Series([None] * n, dtype=STR)
    result = pd.DataFrame(out)
    if table in TABLES_WITH_EXTRAS:
        for name in frame.columns:
            if name not in columns:
                result[name] = frame[name].reset_index(drop=True)
    return result


@dataclasses.dataclass
class Meta:
    """What a Dataset came from: sources, export date, coverage window, data-quality warnings."""

    sources: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    export_date: str | None = None
    coverage_start: str | None = None
    coverage_end: str | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)
    #: client.yml's ``history_complete_from`` (ISO date), set when a step opens the client: where the
    #: complete history starts when the data's own detection is wrong (:mod:`esnkit.profile`).
    history_complete_from: str | None = None

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Meta:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class Dataset:
    """One client's ESN data in the canonical model, immutable once built.

    Attributes are the tables of :data:`SCHEMA` (``people``, ``groups``, ``memberships``,
    ``messages``, ``reactions``, ``mentions``, ``activity``, ``survey``, ``interviews``), plus
    ``identities`` (kept apart) and ``meta``.

    A Dataset never changes after it is built: assigning a table raises, and each table is handed
    out as a copy-on-write view, so editing what ``ds.messages`` returns leaves ``ds`` untouched.
    :meth:`replace` returns a new Dataset with some tables swapped. Because the tables cannot
    change, every derived table (interaction events, threads, the graph, scorecards) is computed
    once per instance and kept in its cache (:meth:`cached`), keyed by what it depends on.

    Examples
    --------
    >>> ds = Dataset(people=pd.DataFrame({"person_id": ["a", "b"], "state": ["active", "pending"]}))
    >>> ds.people.dtypes["joined_at"]
    datetime64[us, UTC]
    >>> ds.counts()["people"]
    2
    >>> ds.replace(people=ds.people.head(1)).counts()["people"], ds.counts()["people"]
    (1, 2)
    """

    TABLES = tuple(SCHEMA)
    __slots__ = ("_cache", "_tables", "_used", "meta", "origin")

    def __init__(self, *, identities: pd.DataFrame | None = None, meta: Meta | None = None, **tables: pd.DataFrame | None):
        unknown = set(tables) - set(SCHEMA)
        if unknown:
            raise TypeError(f"unknown table(s) {sorted(unknown)}; tables are {list(SCHEMA)}")
        frames = {name: conform(tables.get(name), name) for name in SCHEMA}
        frames["identities"] = conform(identities, "identities")
        object.__setattr__(self, "_tables", frames)
        object.__setattr__(self, "_cache", {})
        object.__setattr__(self, "_used", set())  # names asked of the cache since take_cache_uses()
        object.__setattr__(self, "meta", meta if meta is not None else Meta())
        # The processed/ folder this Dataset was read from (its reductions are read from there), else None.
        object.__setattr__(self, "origin", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a Dataset cannot be changed: use ds.replace({name}=...) for a new one")

    def replace(self, *, identities: pd.DataFrame | None = None, meta: Meta | None = None, **tables: pd.DataFrame) -> Dataset:
        """A new Dataset with the given tables (and identities or meta) in place of this one's.

        The new Dataset starts with an empty cache; this one keeps its own tables and cache.
        """
        unknown = set(tables) - set(SCHEMA)
        if unknown:
            raise TypeError(f"unknown table(s) {sorted(unknown)}; tables are {list(SCHEMA)}")
        frames = {name: tables[name] if name in tables else getattr(self, name) for name in SCHEMA}
        return Dataset(
            identities=self.identities if identities is None else identities,
            meta=copy.deepcopy(self.meta) if meta is None else meta,
            **frames,
        )

    def cached(self, name: str, key: tuple, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per ``(name, key)`` for this Dataset; later calls return the kept result.

        ``key`` holds every parameter the result depends on (as-of instant, window, seed...); the
        tables themselves cannot change, so nothing else can make a kept result stale. Frames are
        handed out as copy-on-write views: a caller that edits one does not edit the cache.
        """
        full = (name, key)
        self._used.add(name)
        if full not in self._cache:
            self._cache[full] = compute()
        result = self._cache[full]
        return result.copy(deep=False) if isinstance(result, pd.DataFrame) else result

    def take_cache_uses(self) -> set[str]:
        """The names asked of :meth:`cached` since the last call (hits and computations alike)."""
        used = set(self._used)
        self._used.clear()
        return used

    def release_cached(self, names: Iterable[str]) -> list[str]:
        """Drop every kept result of these names; the names dropped, sorted. A later call computes it again."""
        names = set(names)
        gone = [full for full in self._cache if full[0] in names]
        for full in gone:
            del self._cache[full]
        return sorted({full[0] for full in gone})

    def clear_cache(self) -> None:
        """Forget every derived table (to free memory; results are recomputed on demand)."""
        self._cache.clear()

    # -- inspection -------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Rows per table (identities included)."""
        out = {name: self.rows(name) for name in SCHEMA}
        out["identities"] = self.rows("identities")
        return out

    def rows(self, table: str) -> int:
        """Rows of ``table``, without reading it from disk when it has not been read yet."""
        held = self._tables[table]
        return held.rows if isinstance(held, _OnDisk) else len(held)

    def column(self, table: str, name: str) -> pd.Series:
        """One column of ``table``; read alone from disk when the table has not been read yet (see :meth:`columns`)."""
        return self.columns(table, [name])[name]

    def on_disk(self, table: str) -> Path | None:
        """The parquet file of ``table`` when it has not been read (an engine can read it there), else None."""
        held = self._tables[table]
        if isinstance(held, _OnDisk):
            held._check()
            return held.path
        return None

    def columns(self, table: str, names: Iterable[str]) -> pd.DataFrame:
        """Some columns of ``table``, in esnkit's dtypes; read alone from disk when the table has not been read.

        What a metric that needs a few columns of an event table asks for: a lazy table (see
        :meth:`read`) stays on disk and the columns read are not kept, so a step holds the events
        only while it counts on them.
        """
        names = list(names)
        unknown = [n for n in names if n not in SCHEMA[table]]
        if unknown:
            raise KeyError(f"table {table!r} has no column(s) {unknown}; its columns are {list(SCHEMA[table])}")
        held = self._tables[table]
        if isinstance(held, _OnDisk):
            return held.columns(names)
        return held[names].copy(deep=False)

    def coverage(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """First and last timestamp seen in messages, reactions and activity (worked out once per Dataset)."""
        return self.cached("coverage", (), self._coverage)

    def _coverage(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        stamps = [
            self.column("messages", "created_at"),
            self.column("reactions", "created_at"),
            self.activity["period_start"],
            self.activity["period_end"],
        ]
        stamps = [s.dropna() for s in stamps if s.notna().any()]
        if not stamps:
            return None, None
        return min(s.min() for s in stamps), max(s.max() for s in stamps)

    def refresh_coverage(self, span: tuple[pd.Timestamp | None, pd.Timestamp | None] | None = None) -> None:
        """Record :meth:`coverage` (or ``span``, worked out elsewhere) in :attr:`meta`."""
        start, end = self.coverage() if span is None else span
        self.meta.coverage_start = start.isoformat() if start is not None else None
        self.meta.coverage_end = end.isoformat() if end is not None else None

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={v}" for k, v in self.counts().items() if v)
        return f"Dataset({parts or 'empty'})"

    # -- validation -------------------------------------------------------------------------
    def validate(self) -> Dataset:
        """Check columns, dtypes, keys, references and enumerations; return self.

        Raises
        ------
        DataError
            naming the table, the column and the first offending rows.
        """
        for table in (*SCHEMA, "identities"):
            frame = getattr(self, table)
            expected = IDENTITY_COLUMNS if table == "identities" else SCHEMA[table]
            for column, dtype in expected.items():
                if column not in frame.columns:
                    raise DataError(f"table {table!r} has no column {column!r}")
                if str(frame[column].dtype) != dtype:
                    raise DataError(f"table {table!r}, column {column!r} has dtype {frame[column].dtype}, expected {dtype}")
        for table, columns in _NOT_NULL.items():
            frame = getattr(self, table)
            for column in columns:
                bad = frame.index[frame[column].isna()]
                if len(bad):
                    raise DataError(f"table {table!r}, column {column!r} is empty in {len(bad)} row(s), e.g. rows {_first(bad)}")
        for table, key in _PRIMARY_KEYS.items():
            frame = getattr(self, table)
            dup = frame.duplicated(key, keep=False)
            if dup.any():
                raise DataError(f"table {table!r}: {int(dup.sum())} rows share a key {key}, e.g. rows {_first(frame.index[dup])}; ids must be unique")
        for table, column, ref_table, ref_column in _REFERENCES:
            values = getattr(self, table)[column]
            known = getattr(self, ref_table)[ref_column]
            missing = values.notna() & ~isin(values, known)
            if missing.any():
                raise DataError(
                    f"table {table!r}, column {column!r}: {int(missing.sum())} row(s) refer to no row of {ref_table!r}, "
                    f"e.g. rows {_first(values.index[missing])}"
                )
        for table, column, allowed in (("people", "state", STATES), ("groups", "kind", GROUP_KINDS)):
            values = getattr(self, table)[column]
            bad = values.notna() & ~isin(values, allowed)
            if bad.any():
                raise DataError(
                    f"table {table!r}, column {column!r} has values outside {list(allowed)}: "
                    f"{sorted(values[bad].unique())[:5]} (rows {_first(values.index[bad])})"
                )
        return self

    # -- persistence ------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike[str], *, staged: Staged | None = None) -> Path:
        """Write one parquet file per table plus ``manifest.json`` into ``directory``, atomically.

        The files are written to a temporary sibling folder which then replaces ``directory``: a
        failure leaves the previous contents untouched. ``staged`` holds tables already written
        into such a folder (a large export's events, written batch by batch): they are kept as
        they are, and this Dataset's copies of them (empty) are not written.
        """
        target = Path(directory)
        with storage_errors(target.parent):
            staging = staged if staged is not None else Staged.begin(target)
        tmp = staging.folder
        try:
            with storage_errors(target.parent):
                self._save_into(tmp, target, staging)
        except BaseException:
            staging.discard()
            raise
        return target

    def _save_into(self, tmp: Path, target: Path, staging: Staged) -> None:
        tables = {}
        for name in (*SCHEMA, "identities"):
            if name in staging.tables:
                tables[name] = staging.tables[name]
                continue
            frame = getattr(self, name)
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
            tables[name] = {"file": f"{name}.parquet", "rows": len(frame), "columns": list(map(str, frame.columns))}
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "esnkit_version": __version__,
            "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "tables": tables,
            "meta": self.meta.to_dict(),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
        replace_dir(tmp, target)

    @staticmethod
    def read_manifest(directory: str | os.PathLike[str]) -> dict[str, Any]:
        """The ``manifest.json`` of a folder written by :meth:`save` (tables, rows, meta), without the tables."""
        source = Path(directory)
        manifest_path = source / "manifest.json"
        if not manifest_path.is_file():
            raise DataError(f"{source}: no manifest.json here; is this a processed folder? Run `esnkit ingest CLIENT` first.")
        try:
            manifest = parse_json(manifest_path.read_text(encoding="utf-8"), str(manifest_path))
        except (DataError, UnicodeDecodeError) as exc:
            raise DataError(f"{manifest_path} is not valid JSON; re-run `esnkit ingest`.") from exc
        if not isinstance(manifest, dict) or manifest.get("schema_version") != SCHEMA_VERSION:
            version = manifest.get("schema_version") if isinstance(manifest, dict) else None
            raise DataError(f"{manifest_path}: schema version {version} is not {SCHEMA_VERSION}; re-run `esnkit ingest`.")
        return manifest

    @classmethod
    def read(cls, directory: str | os.PathLike[str], *, lazy: Iterable[str] = ()) -> Dataset:
        """Read a Dataset written by :meth:`save`.

        Tables named in ``lazy`` are read from disk when first asked for (their row counts and
        single columns without reading the rest, see :meth:`rows` and :meth:`column`): what a
        command that only summarises a large export needs.
        """
        source = Path(directory)
        lazy = set(lazy)
        # An ingest may swap the folder while it is read (the explorer stays open across one): the
        # tables are read again until one manifest saw them all, so they always come from one ingest.
        for attempt in range(_READ_ATTEMPTS):
            started = _stamp(source)
            try:
                manifest, tables = cls._read_tables(source, lazy)
                if started is not None and _stamp(source) == started:
                    break
            except (DataError, OSError):
                swapped = source.with_name(f".{source.name}.old").exists() or _stamp(source) != started
                if attempt == _READ_ATTEMPTS - 1 or not swapped:
                    raise
            time.sleep(0.2 * (attempt + 1))
        else:
            raise DataError(f"{source}: replaced again and again while being read (an ingest running?); wait for it to finish and read it again")
        ds = cls(meta=Meta.from_dict(manifest.get("meta", {})))
        object.__setattr__(ds, "_tables", {name: t if isinstance(t, _OnDisk) else conform(t, name) for name, t in tables.items()})
        object.__setattr__(ds, "origin", source)
        return ds

    @classmethod
    def _read_tables(cls, source: Path, lazy: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
        manifest = cls.read_manifest(source)
        tables: dict[str, Any] = {}
        for name in (*SCHEMA, "identities"):
            path = source / f"{name}.parquet"
            if not path.is_file():
                raise DataError(f"{path} is missing; re-run `esnkit ingest`.")
            if name in lazy:
                tables[name] = _OnDisk(path, name, int(manifest["tables"][name]["rows"]))
            else:
                tables[name] = pd.read_parquet(path)
        return manifest, tables

    def equals(self, other: Dataset) -> bool:
        """True when every table (values, dtypes, column order) and the meta record are equal."""
        if not isinstance(other, Dataset):
            return False
        for name in (*SCHEMA, "identities"):
            if not getattr(self, name).equals(getattr(other, name)):
                return False
            if list(getattr(self, name).dtypes) != list(getattr(other, name).dtypes):
                return False
        return self.meta == other.meta

    __eq__ = equals  # type: ignore[assignment]
    __hash__ = None  # type: ignore[assignment]


def _table_property(name: str) -> property:
    def get(self: Dataset) -> pd.DataFrame:
        held = self._tables[name]
        if isinstance(held, _OnDisk):
            held = self._tables[name] = held.read()
        # A copy-on-write view: cheap, and writing to it copies the data instead of editing ds.
        return held.copy(deep=False)

    return property(get, doc=f"The ``{name}`` table (a copy-on-write view; the Dataset never changes).")


for _name in (*SCHEMA, "identities"):
    setattr(Dataset, _name, _table_property(_name))
del _name


_READ_ATTEMPTS = 5


def _stamp(source: Path) -> tuple[int, int] | None:
    """Which ``manifest.json`` ``source`` holds now (inode, mtime): every save writes a new one; ``None`` mid-swap."""
    try:
        stat = (source / "manifest.json").stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def _first(index: Iterable[Any], n: int = 5) -> list[Any]:
    return [int(i) if hasattr(i, "__index__") else i for i in list(index)[:n]]


class _OnDisk:
    """A table of a processed/ folder not read yet: its file, its rows, a way to read some columns."""

    __slots__ = ("_stamp", "path", "rows", "table")

    def __init__(self, path: Path, table: str, rows: int):
        self.path, self.table, self.rows = path, table, rows
        self._stamp = self._now()

    def _now(self) -> tuple[int, int]:
        stat = self.path.stat()
        return stat.st_ino, stat.st_mtime_ns

    def _check(self) -> None:
        try:
            same = self._now() == self._stamp
        except OSError:
            same = False
        if not same:
            raise DataError(f"{self.path} changed since this Dataset was opened (ingested again?); read the folder again")

    def read(self) -> pd.DataFrame:
        self._check()
        return conform(pd.read_parquet(self.path), self.table)

    def columns(self, names: list[str]) -> pd.DataFrame:
        self._check()
        frame = pd.read_parquet(self.path, columns=names)
        return pd.DataFrame({name: _cast(frame[name], SCHEMA[self.table][name]) for name in names})


class Staged:
    """A temporary sibling of a processed/ folder that tables are written into before it replaces it.

    :meth:`Dataset.save` finishes it (the remaining tables, the manifest, the swap); :meth:`discard`
    removes it after a failure, so a half-written folder never takes the place of the old one.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.tables: dict[str, dict[str, Any]] = {}

    @classmethod
    def begin(cls, target: str | os.PathLike[str]) -> Staged:
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        for pattern in (f".{target.name}.*.tmp", f".{target.name}.*.tmp.spill"):  # a killed save's copy (identities included)
            for leftover in target.parent.glob(pattern):
                shutil.rmtree(leftover, ignore_errors=True)
        return cls(Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)))

    def add(self, table: str, rows: int, columns: list[str]) -> None:
        """Record ``<table>.parquet``, written into :attr:`folder` by the caller."""
        self.tables[table] = {"file": f"{table}.parquet", "rows": int(rows), "columns": list(columns)}

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
