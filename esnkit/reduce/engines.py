"""The engines that run the reductions: DuckDB embedded (the default) and Apache Spark.

Both take the same :data:`~esnkit.reduce.definitions.VIEWS` and
:data:`~esnkit.reduce.definitions.REDUCTIONS` text; neither has a reduction of its own. An engine
reads the canonical parquet tables from one folder (or URL) and writes each reduction as a folder of
parquet files under another.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataError
from .definitions import INPUTS, REDUCTIONS, VIEWS

__all__ = ["DuckDBEngine", "SparkEngine", "available_memory", "machine_memory", "make_engine"]

GIB = 1 << 30


def machine_memory() -> int:
    """Bytes of memory this process may use: the machine's, or its control group's limit when lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        with contextlib.suppress(OSError, ValueError):
            text = Path(limit_file).read_text().strip()
            if text != "max":
                total = min(total, int(text))
    return total


def available_memory() -> int:
    """Bytes of memory free for new work now (Linux's ``MemAvailable``), at most :func:`machine_memory`; elsewhere that."""
    total = machine_memory()
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return min(total, int(line.split()[1]) * 1024)
    return total


def _quote(text: str) -> str:
    """A SQL string literal (paths are the only values put into the SQL text)."""
    return "'" + str(text).replace("'", "''") + "'"


def _column(name: str, present: set) -> str:
    """A column of an input table, or a typed null where a table written by an older esnkit lacks it."""
    return name if name in present else f"CAST(NULL AS STRING) AS {name}"  # STRING: both DuckDB and Spark read it


def _no_rows(columns) -> str:
    """An input table with its columns and no row."""
    return "SELECT " + ", ".join(f"CAST(NULL AS STRING) AS {c}" for c in columns) + " WHERE 1 = 0"


def _create_views(run_sql) -> None:
    for name, sql in VIEWS.items():
        run_sql(f"CREATE OR REPLACE TEMPORARY VIEW {name} AS {sql}")


class DuckDBEngine:
    """DuckDB in this process: nothing to install or start, spills to disk past its memory limit.

    ``memory_limit`` defaults to half of :func:`machine_memory` (the rest is for Python and the
    notebooks that follow); ``temp_directory`` is where DuckDB spills when a reduction does not fit.
    """

    name = "duckdb"

    def __init__(self, *, memory_limit: str | None = None, threads: int | None = None, temp_directory: str | os.PathLike[str] | None = None):
        self.memory_limit = memory_limit or f"{max(1, machine_memory() // 2 // GIB)}GB"
        self.threads = threads or os.cpu_count() or 1
        self.temp_directory = temp_directory

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        import duckdb

        con = duckdb.connect(config={"threads": self.threads, "memory_limit": self.memory_limit, "preserve_insertion_order": False})
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET enable_progress_bar = false")  # esnkit says which reduction runs, one line each
            if self.temp_directory is not None:
                Path(self.temp_directory).mkdir(parents=True, exist_ok=True)
                con.execute(f"SET temp_directory = {_quote(self.temp_directory)}")
            yield con
        finally:
            con.close()

    def reduce_files(self, inputs: Mapping[str, str], output: str, names: tuple[str, ...] = tuple(REDUCTIONS), progress=None) -> None:
        """Read each input table from its parquet path; write ``output/<name>/part-0.parquet`` per reduction."""
        import duckdb

        try:
            self._reduce_files(inputs, output, names, progress or (lambda _: None))
        except duckdb.Error as exc:
            raise DataError(f"duckdb could not reduce {Path(next(iter(inputs.values()))).parent}: {str(exc).splitlines()[0][:300]}") from None

    def _reduce_files(self, inputs: Mapping[str, str], output: str, names: tuple[str, ...], progress) -> None:
        with self.connect() as con:
            for table, columns in INPUTS.items():
                if table not in inputs:  # an optional input (groups): none given, none there
                    con.execute(f"CREATE OR REPLACE TEMPORARY VIEW {table} AS {_no_rows(columns)}")
                    continue
                source = f"read_parquet({_quote(inputs[table])})"
                present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
                con.execute(f"CREATE OR REPLACE TEMPORARY VIEW {table} AS SELECT {', '.join(_column(c, present) for c in columns)} FROM {source}")
            _create_views(con.execute)
            for name in names:
                progress(f"  {name} ...")
                folder = Path(output) / name
                folder.mkdir(parents=True, exist_ok=True)
                target = f"{_quote(folder / 'part-0.parquet')} (FORMAT parquet, COMPRESSION zstd)"
                reduction = REDUCTIONS[name]
                if not reduction.order:
                    con.execute(f"COPY ({reduction.sql}) TO {target}")
                    continue
                # Reduced first, then sorted, in two statements: in one, the 88 M tie-days at XL ran
                # out of memory (the aggregation and the sort each spill to disk, but not both at once).
                con.execute(f"CREATE OR REPLACE TEMPORARY TABLE _reduced AS {reduction.sql}")
                con.execute(f"COPY (SELECT * FROM _reduced ORDER BY {', '.join(reduction.order)}) TO {target}")
                con.execute("DROP TABLE _reduced")

    def reduce_tables(self, tables: Mapping[str, Any], names: tuple[str, ...] = tuple(REDUCTIONS)) -> dict[str, Any]:
        """The reductions of in-memory tables (pyarrow Tables), as pyarrow Tables."""
        with self.connect() as con:
            for table in INPUTS:
                con.register(f"_in_{table}", tables[table])  # a pyarrow Table: read in place, not copied
                con.execute(f"CREATE OR REPLACE TEMPORARY VIEW {table} AS SELECT * FROM _in_{table}")
            _create_views(con.execute)
            return {name: con.sql(REDUCTIONS[name].sql).to_arrow_table() for name in names}


class SparkEngine:
    """Apache Spark: the same reductions on a cluster (``master: spark://host:7077``) or in local mode (``local[*]``).

    Reads and writes wherever Spark can reach: a local path, or a data-lake URL (``s3a://``,
    ``abfss://``) given the cluster's own credentials in ``config``. Needs ``pip install
    'esnkit[spark]'`` and Java 17.
    """

    name = "spark"

    def __init__(self, *, master: str = "local[*]", config: Mapping[str, str] | None = None, app_name: str = "esnkit"):
        self.master = master
        self.config = dict(config or {})
        self.app_name = app_name
        self._session = None

    def session(self):
        if self._session is None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # pyspark warns about pandas 3, which esnkit never hands it
                    from pyspark.sql import SparkSession
            except ImportError:
                raise ConfigError("engine spark needs PySpark: pip install 'esnkit[spark]' (and Java 17 on this machine)") from None
            builder = (
                SparkSession.builder.master(self.master)
                .appName(self.app_name)
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.ui.enabled", "false")
            )
            if self.master.startswith("local"):
                builder = builder.config("spark.sql.shuffle.partitions", str(max(2, (os.cpu_count() or 1) * 2)))
            for key, value in self.config.items():
                builder = builder.config(str(key), str(value))
            try:
                self._session = builder.getOrCreate()
            except Exception as exc:  # the JVM did not start, or the master cannot be reached
                raise ConfigError(f"engine spark: could not start a Spark session on {self.master!r} ({str(exc).splitlines()[0][:200]})") from None
            self._session.sparkContext.setLogLevel("ERROR")
        return self._session

    def reduce_files(self, inputs: Mapping[str, str], output: str, names: tuple[str, ...] = tuple(REDUCTIONS), progress=None) -> None:
        """Read each input table from its parquet path or URL; write ``output/<name>/`` per reduction."""
        progress = progress or (lambda _: None)
        spark = self.session()
        try:
            for table, columns in INPUTS.items():
                if table not in inputs:  # an optional input (groups): none given, none there
                    spark.sql(_no_rows(columns)).createOrReplaceTempView(table)
                    continue
                frame = spark.read.parquet(str(inputs[table]))
                frame.selectExpr(*(_column(c, set(frame.columns)) for c in columns)).createOrReplaceTempView(table)
            _create_views(spark.sql)
            for name in names:
                progress(f"  {name} ...")
                target = f"{str(output).rstrip('/')}/{name}"
                spark.sql(REDUCTIONS[name].sql).write.mode("overwrite").parquet(target)
        except Exception as exc:  # Spark's analysis and Java errors carry the reason on their first line
            if isinstance(exc, (DataError, ConfigError)):
                raise
            raise DataError(f"spark could not reduce {inputs['messages']}: {str(exc).strip().splitlines()[0][:300]}") from None

    def stop(self) -> None:
        if self._session is not None:
            self._session.stop()
            self._session = None


def make_engine(name: str = "duckdb", *, temp_directory: str | os.PathLike[str] | None = None, **options: Any) -> DuckDBEngine | SparkEngine:
    """The engine ``name`` (``duckdb`` or ``spark``) with the options of client.yml's ``engine:``."""
    if name == "duckdb":
        unknown = set(options) - {"memory_limit", "threads"}
        if unknown:
            raise ConfigError(f"engine duckdb: unknown option(s) {', '.join(sorted(unknown))}; allowed: memory_limit, threads")
        return DuckDBEngine(temp_directory=temp_directory, **{k: v for k, v in options.items() if v is not None})
    if name == "spark":  # Spark spills where its own settings say (spark.local.dir)
        unknown = set(options) - {"master", "config"}
        if unknown:
            raise ConfigError(f"engine spark: unknown option(s) {', '.join(sorted(unknown))}; allowed: master, config")
        return SparkEngine(**{k: v for k, v in options.items() if v is not None})
    raise ConfigError(f"unknown engine {name!r}; use duckdb (the default) or spark")


def check_inputs(inputs: Mapping[str, str]) -> None:
    """Name the first local input file that is not there (URLs are left to the engine to reach)."""
    gone = [str(p) for p in inputs.values() if "://" not in str(p) and not Path(p).exists()]
    if gone:
        raise DataError(f"{gone[0]} is missing; run `esnkit ingest CLIENT` first")
