"""Atomic writes (every file and folder esnkit writes appears whole or not at all) and strict JSON reads.

A file is written to a unique temporary name beside its target and renamed into place; a
failure (an exception, a full disk, Ctrl-C) removes the temporary file and leaves the previous
target untouched. Folders are swapped with renames only.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_write", "replace_dir", "parse_json"]


def _constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:40]} is too large for JSON")
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
    esnkit.errors.DataError: x.json: not valid JSON (NaN is not a JSON value); re-export it
    """
    from .errors import DataError

    try:
        return json.loads(text, parse_constant=_constant, parse_float=_float)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: malformed JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}); re-export it") from exc
    except RecursionError as exc:
        raise DataError(f"{where}: JSON nested too deep to read (no genuine export nests so deep); re-export it") from exc
    except ValueError as exc:
        raise DataError(f"{where}: not valid JSON ({exc}); re-export it") from exc


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
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
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
