"""The reduction layer: the event tables reduced once, by a real engine, into compact parquet tables.

``esnkit ingest`` writes ``processed/`` and then runs :func:`reduce_processed`, which writes
``processed/reduced/<name>/*.parquet`` for each reduction of :data:`REDUCTIONS` plus a
``manifest.json`` tying them to the ``processed/`` they came from; ``esnkit reduce CLIENT`` runs it
alone (for instance on Spark: ``--engine spark --master spark://host:7077``). The engine is DuckDB
embedded unless client.yml's ``engine:`` or the command line says otherwise.

Metrics ask :func:`reduced` for a reduced table of a Dataset. A Dataset read from a ``processed/``
folder whose reductions are current reads them from disk; any other Dataset (built in memory, a
filtered copy in the explorer, reductions missing or stale) has them computed by DuckDB over its
own tables, with the same SQL, once per Dataset.

A figure whose rule ties two dates together (personas' received responses: a reaction counts when
it and its message are both in the window) cannot be read from a table reduced by one date; it is
a :data:`QUERIES` entry that :func:`query` runs with DuckDB over the event parquet when the step
asks, with its parameters, out of core.
"""

from __future__ import annotations

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

import numpy as np
import pandas as pd

from .._io import atomic_write, replace_dir, storage_errors
from .._version import __version__
from ..config import EngineConfig
from ..dataset import Dataset
from ..errors import ConfigError, DataError
from ..progress import heartbeat
from .definitions import INPUTS, QUERIES, REDUCTIONS, REDUCTIONS_VERSION, VIEWS, Query, Reduction
from .engines import DuckDBEngine, SparkEngine, _quote, available_memory, check_inputs, machine_memory, make_engine

__all__ = [
    "INPUTS",
    "QUERIES",
    "Query",
    "REDUCTIONS",
    "REDUCTIONS_VERSION",
    "VIEWS",
    "DuckDBEngine",
    "Reduction",
    "SparkEngine",
    "machine_memory",
    "day_numbers",
    "day_order",
    "sorted_threads",
    "make_engine",
    "query",
    "read_arrow",
    "read_reduction",
    "read_uncached",
    "reduce_client",
    "reduce_processed",
    "reduced",
    "reductions_current",
    "to_frame",
]

FOLDER = "reduced"
MANIFEST = "manifest.json"


def _quiet(_: str) -> None:
    pass


def reduce_processed(
    processed: str | os.PathLike[str],
    *,
    engine: DuckDBEngine | SparkEngine | None = None,
    source: str | None = None,
    progress: Callable[[str], None] = _quiet,
) -> dict[str, Any]:
    """Reduce the event tables of a ``processed/`` folder into ``processed/reduced/``, atomically.

    ``source`` is where the engine reads the canonical tables (default: ``processed`` itself; with
    Spark, any folder or URL the cluster reaches holding ``<table>.parquet`` for each input). The
    reductions are written to a temporary folder and swapped into place, so a failure leaves the
    previous reductions as they were. Returns the manifest written.
    """
    processed = Path(processed)
    source_manifest = Dataset.read_manifest(processed)
    spill = spill_folder(processed)
    engine = engine or DuckDBEngine(temp_directory=spill)
    base = str(source).rstrip("/") if source else str(processed.resolve())
    inputs = {table: f"{base}/{table}.parquet" for table in INPUTS}
    check_inputs(inputs)
    with storage_errors(processed):
        tmp = Path(tempfile.mkdtemp(prefix=f".{FOLDER}.", suffix=".tmp", dir=processed))
    started = time.perf_counter()
    try:
        with storage_errors(processed):
            progress(f"reducing the events with {engine.name} ...")
            with heartbeat(progress, f"reducing with {engine.name}"):
                engine.reduce_files(inputs, str(tmp.resolve()), progress=progress)
            tables = {}
            for name in REDUCTIONS:
                rows = _rows(tmp / name)
                tables[name] = {"folder": name, "rows": rows, "key": list(REDUCTIONS[name].key)}
                progress(f"  {name}: {rows:,} rows")
            manifest = {
                "reductions_version": REDUCTIONS_VERSION,
                "esnkit_version": __version__,
                "engine": engine.name,
                "source_written_at": source_manifest.get("written_at"),
                "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "seconds": round(time.perf_counter() - started, 2),
                "tables": tables,
            }
            atomic_write(tmp / MANIFEST, json.dumps(manifest, indent=2) + "\n")
            replace_dir(tmp, processed / FOLDER)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return manifest


def reduce_client(paths, *, engine: str | None = None, master: str | None = None, progress: Callable[[str], None] = _quiet) -> dict[str, Any]:
    """Reduce one client's ``processed/`` with the engine of its client.yml, or ``engine``/``master`` given here."""
    chosen = paths.load_config().engine
    if engine is not None and engine != chosen.name:
        chosen = EngineConfig(name=engine)
    if master is not None:
        if chosen.name != "spark":
            raise ConfigError("--master applies to the spark engine only; add --engine spark")
        chosen = dataclasses.replace(chosen, master=master)
    built = make_engine(chosen.name, temp_directory=spill_folder(paths.processed), **chosen.options())
    try:
        return reduce_processed(paths.processed, engine=built, source=chosen.source, progress=progress)
    finally:
        if isinstance(built, SparkEngine):
            built.stop()


def spill_folder(processed: Path) -> Path:
    """Where DuckDB spills past its memory limit while reducing ``processed/``; removed afterwards."""
    return Path(processed) / ".duckdb-spill"


def _rows(folder: Path) -> int:
    import pyarrow.dataset as pads

    return pads.dataset(str(folder), format="parquet").count_rows()


def reductions_current(processed: str | os.PathLike[str]) -> bool:
    """True when ``processed/reduced`` exists and was reduced from this ``processed/`` under today's definitions."""
    processed = Path(processed)
    try:
        mine = json.loads((processed / FOLDER / MANIFEST).read_text(encoding="utf-8"))
        theirs = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(mine, dict)
        and mine.get("reductions_version") == REDUCTIONS_VERSION
        and mine.get("source_written_at") == theirs.get("written_at")
        and set(mine.get("tables", {})) == set(REDUCTIONS)
    )


def read_reduction(folder: str | os.PathLike[str], name: str) -> pd.DataFrame:
    """One reduction written by any engine, as a frame in esnkit's dtypes (days as int64 days since 1970-01-01)."""
    return to_frame(_read_table(folder, name), name)


def _read_table(folder: str | os.PathLike[str], name: str, dictionary: tuple[str, ...] = ()):
    import pyarrow.dataset as pads

    path = Path(folder) / name
    if not path.is_dir():
        raise DataError(f"{path} is missing; run `esnkit reduce CLIENT` (or `esnkit ingest CLIENT`) again")
    form = pads.ParquetFileFormat(read_options=pads.ParquetReadOptions(dictionary_columns=list(dictionary))) if dictionary else "parquet"
    return pads.dataset(str(path), format=form).to_table(columns=list(REDUCTIONS[name].columns))


def day_numbers(column, dtype="int64") -> np.ndarray:
    """A reduction's ``day`` column (an Arrow date from any engine) as days since 1970-01-01 (int64, or ``dtype``)."""
    import pyarrow as pa

    return column.cast(pa.date32()).cast(pa.int32()).to_numpy(zero_copy_only=False).astype(dtype, copy=False)


def int_array(column, *, compact: bool = False) -> np.ndarray:
    """An Arrow integer column as numpy int64; with ``compact``, int32 when every value fits.

    For the counts of the tables the kernel keeps across the five steps (20 M person-days and 18 M
    tie-days at 200,000 people): 4 bytes a value less. Sums of them are taken with ``np.bincount``
    or numpy's sums, which count in int64 or float64, so no total overflows.

    >>> import pyarrow as pa
    >>> int_array(pa.chunked_array([[1, 2]], type=pa.int64()), compact=True).dtype.name
    'int32'
    >>> int_array(pa.chunked_array([[1, 2**40]]), compact=True).dtype.name
    'int64'
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if compact and len(column) and column.null_count == 0:
        bounds = pc.min_max(column)
        small = np.iinfo(np.int32)
        if small.min <= bounds["min"].as_py() and bounds["max"].as_py() <= small.max:
            return column.cast(pa.int32()).to_numpy(zero_copy_only=False)
    return column.cast(pa.int64()).to_numpy(zero_copy_only=False)


def day_order(day: np.ndarray) -> np.ndarray | None:
    """The stable order that sorts the days ``day``, or ``None`` when they are sorted already (as DuckDB writes them).

    >>> day_order(np.array([1, 1, 2])) is None, day_order(np.array([2, 1, 1])).tolist()
    (True, [1, 2, 0])
    """
    if len(day) < 2 or bool((day[1:] >= day[:-1]).all()):
        return None
    return np.argsort(day, kind="stable")


def sorted_threads(starts: pd.DataFrame) -> pd.DataFrame:
    """The ``threads`` reduction by start time, then thread id; checked, not sorted again, when the file is in that order."""
    from .._fast import micros

    t = micros(starts["created_at"])
    tied = np.flatnonzero(t[1:] == t[:-1])
    ids = starts["thread_id"]
    in_order = bool((t[1:] >= t[:-1]).all()) and bool((ids.iloc[tied + 1].to_numpy() > ids.iloc[tied].to_numpy()).all())
    if in_order:
        return starts
    return starts.sort_values(["created_at", "thread_id"], kind="stable").reset_index(drop=True)


def to_frame(table, name: str, *, columns: Iterable[str] | None = None, compact: bool = False) -> pd.DataFrame:
    """The reduction ``name`` as an engine wrote it (a pyarrow Table) -> the frame metrics read: fixed column order and dtypes.

    ``columns`` keeps only those (in the reduction's order); the default is every column. Integer
    columns are int64, or with ``compact`` int32 where their values fit (:func:`int_array`).
    """
    import pyarrow as pa

    wanted = REDUCTIONS[name].columns if columns is None else [c for c in REDUCTIONS[name].columns if c in set(columns)]
    columns = {}
    for column in wanted:
        col = table.column(column)
        kind = col.type
        if pa.types.is_date(kind):
            columns[column] = day_numbers(col)
        elif pa.types.is_timestamp(kind):
            columns[column] = pd.Series(col.cast(pa.timestamp("us", tz="UTC")).to_pandas(), dtype="datetime64[us, UTC]").array
        elif pa.types.is_boolean(kind):
            nulls = col.is_null().to_numpy(zero_copy_only=False)
            columns[column] = pd.arrays.BooleanArray(col.fill_null(False).to_numpy(zero_copy_only=False), nulls)
        elif pa.types.is_integer(kind):
            columns[column] = int_array(col, compact=compact)
        else:
            columns[column] = pd.Series(col.to_pandas(), dtype="str").array
    # Not copied into one block: consolidating 10 M person-days copied every column (1.3 s, and their size again at the peak).
    return pd.DataFrame(columns, copy=False)


def reduced(ds, name: str) -> pd.DataFrame:
    """The reduction ``name`` of Dataset ``ds`` (see :data:`REDUCTIONS`), computed or read once per Dataset."""
    return ds.cached("reduced", (name,), lambda: read_uncached(ds, name))


def read_uncached(ds, name: str) -> pd.DataFrame:
    """:func:`reduced` without keeping the result in the Dataset's cache: for a caller that keeps its own sorted copy."""
    return to_frame(read_arrow(ds, name), name)


def read_arrow(ds, name: str, *, dictionary: tuple[str, ...] = ()):
    """The reduction ``name`` of ``ds`` as the engine wrote it (a pyarrow Table), not kept.

    ``dictionary`` names string columns to read dictionary-encoded from disk, for a caller that
    turns ids into integer codes (:func:`esnkit._fast.arrow_positions`) and never needs the strings.
    """
    if name not in REDUCTIONS:
        raise KeyError(f"unknown reduction {name!r}; reductions are {', '.join(REDUCTIONS)}")
    origin = ds.origin
    if origin is not None and reductions_current(origin):
        return _read_table(Path(origin) / FOLDER, name, dictionary)
    return ds.cached("reduced_in_memory", (), lambda: _in_memory(ds))[name]


def _in_memory(ds) -> dict:
    """Every reduction of an in-memory Dataset, by DuckDB over its own tables (read in place through Arrow)."""
    import pyarrow as pa

    tables = {table: pa.Table.from_pandas(getattr(ds, table)[list(columns)], preserve_index=False) for table, columns in INPUTS.items()}
    return DuckDBEngine(threads=min(2, os.cpu_count() or 1)).reduce_tables(tables)


def query(ds, name: str, **params: Any) -> pd.DataFrame:
    """The query ``name`` of :data:`QUERIES` over ``ds``'s event tables, run by DuckDB with ``params``.

    A table still on disk (the steps' Dataset keeps the events there) is read from its parquet
    file; a table held in memory (a Dataset built in memory, a filtered copy) is read in place
    through Arrow. DuckDB spills to a temporary folder, removed afterwards, past half the memory
    free when the query starts (at least 1 GB, at most the reduction's half of the machine): the
    step's kernel holds its own tables beside it. At 1,000,000 people a fixed eighth of the
    machine (1.8 GiB) was too little for the ``received`` query and half the machine too much
    beside a kernel of 13-17 GiB.
    """
    import pyarrow as pa

    if name not in QUERIES:
        raise KeyError(f"unknown query {name!r}; queries are {', '.join(QUERIES)}")
    q = QUERIES[name]
    if set(params) != set(q.params) | set(q.frames):
        takes = ", ".join((*q.params, *q.frames))
        raise TypeError(f"query {name!r} takes {takes}; got {', '.join(sorted(params)) or 'nothing'}")
    values = {k: v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for k, v in params.items() if k not in q.frames}
    with tempfile.TemporaryDirectory(prefix="esnkit-query-") as spill:
        limit = f"{max(1024, available_memory() // 2 // 2**20)}MB"  # half of what is free now, at least 1 GB
        engine = DuckDBEngine(memory_limit=limit, threads=min(2, os.cpu_count() or 1), temp_directory=spill)
        with engine.connect() as con:
            for table, columns in q.inputs.items():
                path = ds.on_disk(table)
                if path is not None:
                    source = f"read_parquet({_quote(path)}, file_row_number = true)"
                else:
                    frame = pa.Table.from_pandas(ds.columns(table, columns), preserve_index=False)
                    frame = frame.append_column("file_row_number", pa.array(np.arange(len(frame), dtype=np.int64)))
                    con.register(f"_in_{table}", frame)
                    source = f"_in_{table}"
                con.execute(f"CREATE OR REPLACE TEMPORARY VIEW {table} AS SELECT {', '.join(columns)}, file_row_number FROM {source}")
            for table in q.frames:
                con.register(table, pa.Table.from_pandas(pd.DataFrame(params[table]), preserve_index=False))
            result = con.sql(q.sql, params=values).to_arrow_table()
    out = result.to_pandas()
    for column, kind in zip(result.column_names, result.schema.types, strict=True):
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            out[column] = out[column].astype("str")
    return out
