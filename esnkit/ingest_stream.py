"""Ingest of a large canonical export batch by batch: memory grows with people and groups, not events.

``esnkit ingest`` takes this path when a client has one source, in the canonical format, as a
folder whose event tables (``messages``, ``reactions``, ``mentions``) are parquet — the shape a
Graph Data Connect landing or a data-lake extract takes, and the benchmark's XL client. The small
tables (people, groups, memberships, activity) are read whole; each event table is read
:data:`BATCH_ROWS` rows at a time, normalised and pseudonymised by the very functions the
in-memory loader uses (:func:`esnkit.loaders.canonical.normalise`), checked, and appended to its
file in a staging folder that replaces ``processed/`` only once everything has passed
(:class:`esnkit.dataset.Staged`). What needs every row at once — unique keys, reactions and
mentions that point at a message, replies to unknown messages, the quality counts — DuckDB works
out over the staged files, out of core. The result is the same ``processed/`` the in-memory path
writes (tested table for table).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from ._fast import isin
from ._text import count
from .checks import bare_authors, network_start
from .config import ClientConfig, ClientPaths
from .dataset import _NOT_NULL, _PRIMARY_KEYS, EVENT_TABLES, SCHEMA, Dataset, Meta, Staged, conform
from .errors import DataError
from .loaders import canonical
from .loaders._common import ExportSource
from .privacy import Pseudonymiser

__all__ = ["BATCH_ROWS", "StagedEvents", "streamable", "load_streamed"]

#: Rows of an event table read, normalised and written at a time.
BATCH_ROWS = 1_000_000
#: Event tables that point at a message.
_MESSAGE_REFERENCES = (("reactions", "message_id"), ("mentions", "message_id"))


def streamable(config: ClientConfig, paths: ClientPaths) -> Path | None:
    """The folder to ingest batch by batch, or ``None`` when this client takes the in-memory path."""
    if len(config.sources) != 1 or config.sources[0].format != canonical.FORMAT:
        return None
    folder = paths.resolve(config.sources[0].path)
    if not folder.is_dir():
        return None
    with ExportSource(folder) as source:
        member = canonical.table_member(source, "messages")
    return folder if member is not None and member.endswith(".parquet") else None


@dataclasses.dataclass
class StagedEvents:
    """The event tables written into a staging folder, and what was counted on the way."""

    staged: Staged
    spans: list[tuple[pd.Timestamp, pd.Timestamp]]

    @property
    def rows(self) -> dict[str, int]:
        """Rows written per event table (tables with no rows are not staged)."""
        return {table: info["rows"] for table, info in self.staged.tables.items()}

    def file(self, table: str) -> Path | None:
        return self.staged.folder / f"{table}.parquet" if table in self.staged.tables else None

    def coverage(self, ds: Dataset) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """:meth:`Dataset.coverage` of the whole Dataset: the staged events' first and last stamps with activity's."""
        spans = list(self.spans)
        for column in ("period_start", "period_end"):
            stamps = ds.activity[column].dropna()
            if len(stamps):
                spans.append((stamps.min(), stamps.max()))
        if not spans:
            return None, None
        return min(s for s, _ in spans), max(e for _, e in spans)

    def check(self) -> None:
        """What needs every row: unique keys, and reactions and mentions that point at a message."""
        with _duckdb(self.staged) as con:
            for table in EVENT_TABLES:
                path = self.file(table)
                if path is None:
                    continue
                key = ", ".join(f'"{c}"' for c in _PRIMARY_KEYS[table])
                shared = f"SELECT {key} FROM {_scan(path)} GROUP BY ALL HAVING COUNT(*) > 1"
                if con.execute(f"SELECT COUNT(*) FROM ({shared})").fetchone()[0]:
                    same = " AND ".join(f't."{c}" IS NOT DISTINCT FROM d."{c}"' for c in _PRIMARY_KEYS[table])  # a null reaction is a value
                    rows = f"FROM {_scan(path)} t SEMI JOIN ({shared}) d ON {same}"
                    n = con.execute(f"SELECT COUNT(*) {rows}").fetchone()[0]
                    first = [int(r) for (r,) in con.execute(f"SELECT t.file_row_number {rows} ORDER BY 1 LIMIT 5").fetchall()]
                    raise DataError(f"table {table!r}: {n} rows share a key {list(_PRIMARY_KEYS[table])}, e.g. rows {first}; ids must be unique")
            messages = self.file("messages")
            for table, column in _MESSAGE_REFERENCES:
                path = self.file(table)
                if path is None:
                    continue
                # No event row has a null message_id (checked batch by batch).
                known = f"SELECT message_id FROM {_scan(messages)}" if messages is not None else "SELECT NULL::VARCHAR AS message_id WHERE false"
                orphan = f'FROM {_scan(path)} t ANTI JOIN ({known}) m ON t."{column}" = m.message_id'
                n = con.execute(f"SELECT COUNT(*) {orphan}").fetchone()[0]
                if n:
                    rows = [int(r) for (r,) in con.execute(f"SELECT t.file_row_number {orphan} ORDER BY 1 LIMIT 5").fetchall()]
                    raise DataError(f"table {table!r}, column {column!r}: {n} row(s) refer to no row of 'messages', e.g. rows {rows}")

    def facts(self, ds: Dataset, *, now: pd.Timestamp, started: dt.date | None = None) -> dict[str, int]:
        """:func:`esnkit.checks.message_facts` counted by DuckDB over the staged messages (``started``: client.yml's
        ``network_start``; without it no message is counted as before the network existed)."""
        start = min(network_start(ds, started), now) if started is not None else None
        path = self.file("messages")
        if path is None:
            return {"orphans": 0, "bare": 0, "future": 0, "early": 0}
        with _duckdb(self.staged) as con:
            con.register("bare", pd.DataFrame({"person_id": bare_authors(ds.people).to_numpy(dtype=object)}))
            m = _scan(path)
            orphans = con.execute(
                f"SELECT COUNT(*) FROM {m} r ANTI JOIN (SELECT message_id FROM {m}) t ON r.reply_to_id = t.message_id WHERE r.reply_to_id IS NOT NULL"
            ).fetchone()[0]
            future, early = con.execute(
                f"""SELECT
                    COUNT(*) FILTER (WHERE created_at > ?::TIMESTAMPTZ),
                    COUNT(*) FILTER (WHERE created_at < ?::TIMESTAMPTZ)
                FROM {m}""",
                [now.isoformat(), (start if start is not None else now).isoformat()],
            ).fetchone()
            early = early if start is not None else 0
            bare = con.execute(f"SELECT COUNT(*) FROM {m} WHERE author_id IN (SELECT person_id FROM bare)").fetchone()[0]
        return {"orphans": int(orphans), "bare": int(bare), "future": int(future), "early": int(early)}


def load_streamed(
    folder: Path,
    *,
    pseudonymiser: Pseudonymiser,
    keep_text: bool,
    target: Path,
    progress: Callable[[str], None],
) -> tuple[Dataset, StagedEvents]:
    """Read a canonical folder: the small tables into a Dataset (its event tables empty), the events
    into a staging folder for ``target``. The caller saves the Dataset with the staged events
    (``ds.save(target, staged=events.staged)``) or discards them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = Meta()
    with ExportSource(folder) as source:
        members = {t: canonical.table_member(source, t) for t in canonical.TABLES}
        if members["people"] is None:
            raise DataError(f"{source.label}: people.csv (or .parquet) missing; see the template written by `esnkit init`")
        small: dict[str, pd.DataFrame] = {}
        for table in ("people", "groups", "memberships", "activity"):
            if members[table] is not None:
                frame = canonical.read_table(source, members[table], table)
                frame.attrs["where"] = source.describe(members[table])
                small[table] = frame
        files = {t: source.root / members[t] for t in EVENT_TABLES if members[t] is not None}
        where = {t: source.describe(members[t]) for t in files}
        label = source.path.name
    parquet = {t: _open_parquet(files[t], where[t]) for t in files}
    for table, pf in parquet.items():
        missing = [c for c in canonical.REQUIRED[table] if c not in pf.schema_arrow.names]
        if missing:
            raise DataError(f"{where[table]}: required column(s) {', '.join(missing)} missing")
    platform = canonical.platform_of(_first_platform(parquet["messages"]))
    people = canonical.People(small["people"], platform=platform, pseudonymiser=pseudonymiser, meta=meta)
    small["people"] = people.frame
    tables = {t: canonical.normalise(t, f, where=f.attrs["where"], people=people, platform=platform, keep_text=keep_text) for t, f in small.items()}
    known = tables["people"]["person_id"]
    extra: list[pd.Series] = []

    def note_unknown(values: pd.Series) -> None:
        new = canonical.unknown_people(values, known)
        if extra and len(new):
            new = new[~isin(new, pd.concat(extra, ignore_index=True))]
        if len(new):
            extra.append(new)

    if "memberships" in tables:
        note_unknown(tables["memberships"]["person_id"])
    group_ids = tables["groups"]["group_id"] if "groups" in tables else pd.Series([], dtype="str")
    staged = Staged.begin(target)
    spans: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    try:
        for table in EVENT_TABLES:
            if table not in parquet:
                continue
            writer, done = None, 0
            total = parquet[table].metadata.num_rows
            try:
                for batch in parquet[table].iter_batches(batch_size=BATCH_ROWS):
                    frame = batch.to_pandas()
                    frame.index = pd.RangeIndex(done, done + len(frame))
                    frame = canonical.normalise(
                        table, frame, where=where[table], people=people, platform=platform, keep_text=keep_text, first_row=done
                    )
                    for column in canonical.PERSON_COLUMNS.get(table, []):
                        note_unknown(frame[column])
                    frame = conform(frame, table)
                    frame.index = pd.RangeIndex(done, done + len(frame))  # rows of the whole table
                    _check_batch(table, frame, done, group_ids)
                    if "created_at" in frame.columns and frame["created_at"].notna().any():
                        spans.append((frame["created_at"].min(), frame["created_at"].max()))
                    arrow = pa.Table.from_pandas(frame, preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(staged.folder / f"{table}.parquet", arrow.schema)
                    writer.write_table(arrow.cast(writer.schema))
                    before, done = done, done + len(frame)
                    if done == total or 10 * done // max(total, 1) > 10 * before // max(total, 1):  # every tenth
                        progress(f"      {table}: {done:,} of {total:,} rows")
            finally:
                if writer is not None:
                    writer.close()
            if writer is not None:
                staged.add(table, done, list(SCHEMA[table]))
        if "activity" in tables:
            note_unknown(tables["activity"]["person_id"])
        if extra:
            added = pd.concat(extra, ignore_index=True)
            meta.warn(canonical.missing_people_warning(len(added)))
            tables["people"] = pd.concat([tables["people"], pd.DataFrame({"person_id": added})], ignore_index=True)
    except BaseException:
        staged.discard()
        raise
    meta.sources.append({"format": canonical.FORMAT, "platform": platform, "path": label})
    events = StagedEvents(staged=staged, spans=spans)
    ds = Dataset(identities=people.identities, meta=meta, **tables)
    return ds, events


def _check_batch(table: str, frame: pd.DataFrame, first_row: int, group_ids: pd.Series) -> None:
    """What :meth:`Dataset.validate` checks row by row, on one batch (rows numbered in the whole table)."""
    for column in _NOT_NULL.get(table, []):
        bad = frame.index[frame[column].isna()]
        if len(bad):
            raise DataError(
                f"table {table!r}, column {column!r} is empty in {len(bad)} row(s) of rows {first_row}-{frame.index[-1]}, e.g. rows {list(map(int, bad[:5]))}"
            )
    if table == "messages":
        missing = frame["group_id"].notna() & ~isin(frame["group_id"], group_ids)
        if missing.any():
            raise DataError(
                f"table 'messages', column 'group_id': {count(int(missing.sum()), 'row')} of rows {first_row}-{frame.index[-1]} refer to no row of 'groups', "
                f"e.g. rows {list(map(int, frame.index[missing][:5]))}"
            )


def _open_parquet(path: Path, where: str):
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise DataError(f"{where}: not a readable parquet file ({exc}); write it again") from None


def _first_platform(pf) -> pd.Series | None:
    """The messages' ``platform`` column with its nulls dropped, read alone (dictionary-encoded), or None."""
    import pyarrow.compute as pc

    if "platform" not in pf.schema_arrow.names:
        return None
    for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=["platform"]):
        values = pc.drop_null(batch.column(0))
        if len(values):
            return pd.Series([values[0].as_py()], dtype="str")
    return None


def _scan(path: Path) -> str:
    quoted = str(path).replace("'", "''")
    return f"read_parquet('{quoted}', file_row_number = true)"


@contextlib.contextmanager
def _duckdb(staged: Staged) -> Iterator[Any]:
    """DuckDB with the reduction engine's settings: a memory limit from the machine, spilling beside the staging folder."""
    from .reduce.engines import DuckDBEngine

    spill = staged.folder.with_name(staged.folder.name + ".spill")
    try:
        with DuckDBEngine(temp_directory=spill).connect() as con:
            yield con
    finally:
        shutil.rmtree(spill, ignore_errors=True)
