"""What every loader shares: reading a zip or a folder safely, CSVs by column name, tolerant parsing."""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from .._fast import isin
from .._io import parse_json
from .._text import count
from ..errors import DataError

__all__ = [
    "ExportSource",
    "read_csv_table",
    "parse_bool",
    "parse_timestamps",
    "check_timestamp_range",
    "require_columns",
    "person_id_mapper",
    "PLAUSIBLE_FROM",
    "PLAUSIBLE_UNTIL",
]

#: An archive may not expand past this many bytes in all (a zip bomb guard)...
MAX_UNPACKED_BYTES = int(os.environ.get("ESNKIT_MAX_UNPACKED_BYTES", 64 * 2**30))
#: ...nor compress better than this when it expands past RATIO_FLOOR_BYTES (real exports compress 5-20x).
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 2**30


class ExportSource:
    """A vendor export, as a zip file or an unpacked folder, read-only.

    Member names are POSIX paths relative to the export's root. A zip is checked when opened:
    a corrupt or truncated archive, a member path escaping the root ("zip slip") or content that
    would expand past a sane size raise :class:`DataError` before anything is read.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._zip: zipfile.ZipFile | None = None
        self.root = self.path
        if not self.path.exists():
            raise DataError(f"{self.path}: no such file or folder; check the path in client.yml")
        if self.path.is_dir():
            self._names = self._list_folder()
        elif zipfile.is_zipfile(self.path):
            try:
                self._zip = zipfile.ZipFile(self.path)
                infos = self._zip.infolist()
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise DataError(f"{self.path}: not a readable zip ({exc}); re-download or re-export it") from None
            self._check_zip(infos)
            self._names = sorted(i.filename for i in infos if not i.is_dir())
        elif self.path.suffix.lower() == ".zip":
            raise DataError(f"{self.path}: not a readable zip (truncated or corrupt); re-download or re-export it")
        else:
            self._names = [self.path.name]
            self.root = self.path.parent

    def _list_folder(self) -> list[str]:
        """The files of an unpacked export; an entry whose real path leaves the folder (a symlink) is refused."""
        root = self.path.resolve()
        names = []
        for p in self.path.rglob("*"):
            if p.is_symlink() or not p.resolve().is_relative_to(root):
                raise DataError(
                    f"{self.path}: {p.relative_to(self.path).as_posix()!r} is a link to {'outside the export' if not p.resolve().is_relative_to(root) else 'another file'}; "
                    "exports contain no links - copy the real files in, or use the export's zip"
                )
            if p.is_file():
                names.append(p.relative_to(self.path).as_posix())
        return sorted(names)

    def _check_zip(self, infos: list[zipfile.ZipInfo]) -> None:
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise DataError(f"{self.path}: member {info.filename!r} is encrypted; ask for the export without a password")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
                raise DataError(
                    f"{self.path}: member {info.filename!r} uses a compression method Python cannot read (type {info.compress_type}, "
                    "e.g. Deflate64); unpack it with 7-Zip and re-zip it with ordinary Deflate, or point client.yml at the unpacked folder"
                )
            name = info.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or ".." in parts or (len(name) > 1 and name[1] == ":"):
                raise DataError(
                    f"{self.path}: member {info.filename!r} points outside the archive (zip slip); "
                    "this is not a genuine export - ask the client for a fresh one"
                )
            total += info.file_size
        packed = max(self.path.stat().st_size, 1)
        if total > MAX_UNPACKED_BYTES or (total > RATIO_FLOOR_BYTES and total / packed > MAX_RATIO):
            raise DataError(
                f"{self.path}: would expand to {total / 2**30:.1f} GiB from {packed / 2**20:.1f} MiB "
                "(ratio or size beyond any real export); refusing to unpack it"
            )

    @property
    def is_zip(self) -> bool:
        return self._zip is not None

    @property
    def label(self) -> str:
        return str(self.path)

    def names(self) -> list[str]:
        return list(self._names)

    def find(self, filename: str) -> list[str]:
        """Members whose base name is ``filename`` (case-insensitive), shallowest first."""
        hits = [n for n in self._names if PurePosixPath(n).name.lower() == filename.lower()]
        return sorted(hits, key=lambda n: (n.count("/"), n))

    def describe(self, member: str) -> str:
        return f"{self.path}:{member}" if self.is_zip else str(self.root / member)

    def read_bytes(self, member: str) -> bytes:
        try:
            if self._zip is not None:
                info = self._zip.getinfo(member)
                with self._zip.open(info) as fh:
                    data = fh.read(info.file_size + 1)
                if len(data) > info.file_size:
                    raise DataError(f"{self.describe(member)}: larger than its zip header says; refusing to read it")
                return data
            return (self.root / member).read_bytes()
        except (RuntimeError, NotImplementedError) as exc:  # encrypted or unsupported members found late
            raise DataError(f"{self.describe(member)}: cannot be unpacked ({exc}); ask for a plain zip export") from None
        except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as exc:
            raise DataError(f"{self.describe(member)}: cannot be read ({exc}); the export may be truncated - re-download it") from None

    def read_text(self, member: str) -> str:
        data = self.read_bytes(member)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DataError(f"{self.describe(member)}: not UTF-8 text (byte {exc.start}); re-export it as UTF-8") from None

    def read_json(self, member: str) -> Any:
        text = self.read_text(member)
        if not text.strip():
            raise DataError(f"{self.describe(member)}: the file is empty; re-export it")
        return parse_json(text, self.describe(member))

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> ExportSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def require_columns(frame: pd.DataFrame, required: Iterable[str], where: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns[:12])) + (" ..." if len(frame.columns) > 12 else "")
        raise DataError(
            f"{where}: required column(s) {', '.join(missing)} missing (found: {found or 'no columns'}); is this the right file, exported whole?"
        )


def read_csv_table(source: ExportSource, member: str, *, required: Iterable[str] = ()) -> pd.DataFrame:
    """Read a CSV member as strings, columns by (whitespace-trimmed) name; empty cells are null."""
    where = source.describe(member)
    data = source.read_bytes(member)
    if not data.strip():
        raise DataError(f"{where}: the file is empty; re-export it")
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            dtype="str",
            encoding="utf-8-sig",
            keep_default_na=False,
            na_values=[""],
            engine="c",
        )
    except UnicodeDecodeError:
        raise DataError(f"{where}: not UTF-8 text; re-export it as UTF-8 CSV") from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise DataError(f"{where}: not a well-formed CSV ({str(exc).strip()}); check it was not truncated") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{where}: no header row; re-export it") from None
    header = next(csv.reader(io.StringIO(data[:1_000_000].decode("utf-8-sig", errors="replace"))), [])
    names = [h.strip() for h in header]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DataError(f"{where}: the column {repeated[0][:40]!r} appears {names.count(repeated[0])} times in the header; keep one and re-export")
    frame.columns = [str(c).strip() for c in frame.columns]
    require_columns(frame, required, where)
    return frame


_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


def parse_bool(values: pd.Series, *, where: str, column: str, header_rows: int = 1) -> pd.Series:
    """``true/false``, ``True/False``, ``Yes/No``, ``1/0`` (any case) to a nullable boolean."""
    text = values.astype("str").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[isin(text, _TRUE)] = True
    out[isin(text, _FALSE)] = False
    bad = text.notna() & (text != "") & out.isna()
    if bad.any():
        rows = [int(i) + 1 + header_rows for i in np.flatnonzero(bad.to_numpy())[:5]]
        raise DataError(f"{where}, column {column!r}: {sorted(text[bad].unique())[:3]} is not true/false (rows {rows})")
    return out


_FORMATS = ("%Y/%m/%d %H:%M:%S %z", "%Y/%m/%d %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")

#: The times an export may hold: a bound on parsing (a Slack ``ts`` of 99999999999999 is the year
#: 3 million, ``0`` is 1970), not the client's network start. Anything outside is a broken value.
PLAUSIBLE_FROM = pd.Timestamp("1990-01-01", tz="UTC")
PLAUSIBLE_UNTIL = pd.Timestamp("2100-01-01", tz="UTC")
#: An HR roster's dates (when someone joined the company) go back further.
ROSTER_FROM = pd.Timestamp("1900-01-01", tz="UTC")


def _where_bad(bad: pd.Series, *, where: str, column: str, header_rows: int, records: pd.Series | None) -> tuple[str, str]:
    """Where the ``bad`` values are, as the source names them: CSV rows, or the records ``records`` labels."""
    at = np.flatnonzero(bad.to_numpy())
    if records is None:
        return f"{where}, column {column!r}", f"rows {[int(i) + 1 + header_rows for i in at[:5]]}"
    labels = records.to_numpy()[at]
    more = f"; {len(at)} in all, also {', '.join(map(str, labels[1:3]))}" if len(at) > 1 else ""
    return f"{labels[0]}, field {column!r}", f"{count(len(at), 'bad value')}{more}"


def check_timestamp_range(
    out: pd.Series,
    *,
    where: str,
    column: str,
    header_rows: int = 1,
    records: pd.Series | None = None,
    earliest: pd.Timestamp = PLAUSIBLE_FROM,
    shown: pd.Series | None = None,
) -> None:
    """Refuse parsed times outside [``earliest``, :data:`PLAUSIBLE_UNTIL`), naming the first by row or record."""
    bad = out.notna() & ((out < earliest) | (out >= PLAUSIBLE_UNTIL))
    if bad.any():
        place, rows = _where_bad(bad, where=where, column=column, header_rows=header_rows, records=records)
        value = (shown if shown is not None else out.astype("str"))[bad].iloc[0]
        raise DataError(
            f"{place}: {value!r} is outside the plausible range {earliest:%Y-%m-%d} to {PLAUSIBLE_UNTIL:%Y-%m-%d} ({rows}); "
            "fix or remove it and export again"
        )


def parse_timestamps(
    values: pd.Series,
    *,
    where: str,
    column: str,
    header_rows: int = 1,
    records: pd.Series | None = None,
    required: bool = False,
    earliest: pd.Timestamp = PLAUSIBLE_FROM,
) -> pd.Series:
    """Timestamps in ISO 8601 or the Yammer API style (``2024/03/05 10:22:11 +0000``) to UTC.

    Naive times are taken as UTC. Each format is tried on what is still unparsed, vectorised.
    A value that is not a time, or a time outside [``earliest``, :data:`PLAUSIBLE_UNTIL`), is an
    error naming the CSV rows (``header_rows`` above the first) or, for JSON, the record each value
    came from (``records``, a label per value: file and message id) and ``column`` (the vendor's
    field name). ``required`` makes a missing value an error too.
    """
    text = values.astype("str").str.strip()
    text = text.where(text != "")
    if required and text.isna().any():
        place, rows = _where_bad(text.isna(), where=where, column=column, header_rows=header_rows, records=records)
        raise DataError(f"{place}: missing ({rows}); every record needs a time - re-export it")
    out = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    for fmt in _FORMATS:
        todo = text.notna() & out.isna()
        if not todo.any():
            break
        out = out.where(~todo, pd.to_datetime(text.where(todo), format=fmt, utc=True, errors="coerce"))
    todo = text.notna() & out.isna()
    if todo.any():
        # Last resort per distinct value, e.g. "Tue Mar 05 2024 10:22". Still vectorised over rows.
        uniques = text[todo].unique()
        parsed = pd.to_datetime(pd.Series(uniques), format="mixed", utc=True, errors="coerce")
        out = out.where(~todo, text.map(dict(zip(uniques, parsed))))
    bad = text.notna() & out.isna()
    if bad.any():
        place, rows = _where_bad(bad, where=where, column=column, header_rows=header_rows, records=records)
        raise DataError(f"{place}: {text[bad].iloc[0]!r} is not a date/time ({rows}); expected ISO 8601 like 2024-03-05T10:22:11Z")
    check_timestamp_range(out, where=where, column=column, header_rows=header_rows, records=records, earliest=earliest, shown=text)
    return out.astype("datetime64[us, UTC]")


def person_id_mapper(pseudonymiser, platform: str, known: pd.Series):
    """A function from platform user ids to person ids.

    ``known`` maps the user list's ids to their (e-mail based) person ids; ids missing from it
    (authors not in the user list, bots) are pseudonymised as ``platform:user id``.
    """
    from ..privacy import identity_keys

    def to_person_ids(user_ids: pd.Series) -> pd.Series:
        out = user_ids.map(known)
        unknown = out.isna() & user_ids.notna()
        if unknown.any():
            out = out.where(~unknown, pseudonymiser.ids(identity_keys(platform, user_ids.where(unknown))))
        return out.astype("str")

    return to_person_ids
