"""Atomic writes (every file and folder esnkit writes appears whole or not at all) and strict JSON reads.

A file is written to a unique temporary name beside its target and renamed into place; a
failure (an exception, a full disk, Ctrl-C) removes the temporary file and leaves the previous
target untouched. Folders are swapped with renames only.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_write", "replace_dir", "parse_json", "storage_error", "storage_errors"]


_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
_READ_ONLY = (errno.EROFS,)
_DENIED = (errno.EACCES, errno.EPERM)
# The words an error says when it carries no errno: pyarrow's and DuckDB's own exceptions
_SAYS = (
    ("no space left on device", _FULL[0]),
    ("disk quota exceeded", _FULL[0]),
    ("read-only file system", errno.EROFS),
    ("permission denied", errno.EACCES),
    ("cannot save file into a non-existent directory", errno.ENOENT),  # pandas, when a temporary folder vanished
)


def storage_error(exc: BaseException, folder: str | os.PathLike[str] | None = None):
    """The one-line :class:`~esnkit.errors.StorageError` for a write that failed on a full disk, a read-only or
    unwritable folder or a missing temporary folder; ``None`` for any other failure.

    ``folder`` is named (else the file the error names). Works for ``OSError`` and for the exceptions
    of pyarrow and DuckDB, which say the same in words.

    Examples
    --------
    >>> print(storage_error(OSError(errno.ENOSPC, "No space left on device"), "/data/acme/processed"))
    /data/acme/processed: the disk is full (no space left on device); free some space there and run the command again (nothing was half-written: the previous files are as they were)
    >>> storage_error(ValueError("bad"), "/x") is None
    True
    """
    from .errors import StorageError

    code = getattr(exc, "errno", None)
    text = str(exc).lower()
    if code is None:
        code = next((c for words, c in _SAYS if words in text), None)
    if "no usable temporary directory" in text:
        where = os.environ.get("TMPDIR") or "the temporary folder"
        return StorageError(
            f"{where}: no usable temporary folder (missing or not writable); create it, or set TMPDIR to a writable folder, and run the command again"
        )
    where = str(folder) if folder is not None else (getattr(exc, "filename", None) or "a folder esnkit writes")
    after = "run the command again (nothing was half-written: the previous files are as they were)"
    if code in _FULL:
        return StorageError(f"{where}: the disk is full (no space left on device); free some space there and {after}")
    if code in _READ_ONLY:
        return StorageError(
            f"{where}: the file system is read-only; copy the client folder to a writable disk (or remount it read-write) and {after}"
        )
    if code in _DENIED:
        return StorageError(f"{where}: permission denied; make the folder writable for your user (e.g. chmod u+w) and {after}")
    if code == errno.ENOENT and folder is not None:
        if not Path(folder).is_dir():
            return StorageError(f"{where}: the folder is missing (removed while esnkit ran?); create it and {after}")
        return StorageError(f"{where}: a temporary folder esnkit was writing in here disappeared (removed by another program or a clean-up); {after}")
    return None


@contextlib.contextmanager
def storage_errors(folder: str | os.PathLike[str]) -> Iterator[None]:
    """Turn a full disk, a read-only folder... inside the block into :func:`storage_error`'s one line naming ``folder``."""
    from .errors import EsnkitError

    try:
        yield
    except EsnkitError:
        raise
    except Exception as exc:
        error = storage_error(exc, folder)
        if error is None:
            raise
        raise error from exc


class _Literal(ValueError):
    """A value Python's decoder reads and JSON has not; ``token`` is its text."""

    def __init__(self, message: str, token: str):
        super().__init__(message)
        self.token = token


def _constant(name: str):
    raise _Literal(f"{name} is not a JSON value", name)


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Literal(f"the number {text[:40]} is too large for JSON", text)
    return value


def parse_json(text: str, where: str):
    """Standard JSON only, as :func:`json.loads` would read it, or a one-line :class:`DataError` naming ``where``.

    Refused: malformed text, the literals ``NaN``, ``Infinity`` and ``-Infinity`` (Python reads them,
    JSON has none) and nesting deeper than Python's decoder can follow (about a thousand levels; no
    export nests a tenth as deep), which it reports as a ``RecursionError``.

    Examples
    --------
    >>> parse_json('{"a": [1, 2.5]}', "x.json")
    {'a': [1, 2.5]}
    >>> parse_json('[NaN]', "x.json")
    Traceback (most recent call last):
    ...
    esnkit.errors.DataError: x.json, line 1, column 2: not valid JSON (NaN is not a JSON value); re-export it
    """
    from .errors import DataError

    try:
        return json.loads(text, parse_constant=_constant, parse_float=_float)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: malformed JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}); re-export it") from exc
    except RecursionError as exc:
        raise DataError(f"{where}: JSON nested too deep to read (no genuine export nests so deep); re-export it") from exc
    except _Literal as exc:
        raise DataError(f"{where}{_locate(text, exc.token)}: not valid JSON ({exc}); re-export it") from exc
    except ValueError as exc:
        raise DataError(f"{where}: not valid JSON ({exc}); re-export it") from exc


_KEY_BEFORE = re.compile(r'"((?:[^"\\]|\\.){1,80})"\s*:\s*$')


def _locate(text: str, token: str) -> str:
    """Where ``token`` first stands outside a string: ``, line L, column C, field 'name'`` (the error path only)."""
    tokens = re.compile(r'"(?:[^"\\]|\\.)*"|(?<![\w.+-])(' + re.escape(token) + r")(?![\w.])")
    hit = next((m for m in tokens.finditer(text) if m.group(1)), None)
    if hit is None:
        return ""
    at = hit.start(1)
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    key = _KEY_BEFORE.search(text[max(0, at - 200) : at])
    return f", line {line}, column {column}" + (f", field {key.group(1)!r}" if key else "")


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, mode: int = 0o644, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a fresh temporary path beside ``target``; when the block succeeds, rename it onto ``target``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('done', ['out.txt'])
    """
    target = Path(target)
    with storage_errors(target.parent):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
        os.close(fd)
    tmp = Path(name)
    try:
        with storage_errors(target.parent):
            yield tmp
            os.chmod(tmp, mode)
            os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(target: str | os.PathLike[str], data: bytes | str, *, mode: int = 0o644, encoding: str = "utf-8") -> Path:
    """Write ``data`` (text or bytes) to ``target`` atomically; return ``target``."""
    with atomic_path(target, mode=mode) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding=encoding)
        else:
            tmp.write_bytes(data)
    return Path(target)


def replace_dir(new: Path, target: Path) -> None:
    """Swap the folder ``new`` into place at ``target`` with renames only."""
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
        try:
            os.replace(new, target)
        except BaseException:
            os.replace(old, target)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)
