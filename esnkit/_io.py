"""Atomic writes: every file and folder esnkit writes appears whole or not at all.

A file is written to a unique temporary name beside its target and renamed into place; a
failure (an exception, a full disk, Ctrl-C) removes the temporary file and leaves the previous
target untouched. Folders are swapped with renames only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_write", "replace_dir"]


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
