"""One command at a time per client workspace: ``ingest``, ``reduce`` and ``run`` take turns.

Two of them at once would each swap ``processed/`` (and its temporary folders) under the other.
Each holds an exclusive :func:`fcntl.flock` on ``<client>/.esnkit.lock`` while it works; the file
records which command holds it and since when, so a second command can say so. The operating
system drops the lock when its holder exits, however it exits (a crash, ``kill -9``): a stale lock
file locks nothing. A second command waits up to ``--wait`` seconds (default: not at all), then
stops with one line.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

from ._io import storage_errors
from .errors import BusyError, ConfigError

try:  # POSIX; elsewhere commands are not serialised
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK_NAME", "client_lock", "add_wait_option", "holder"]

LOCK_NAME = ".esnkit.lock"
_POLL_SECONDS = 0.2


def add_wait_option(parser: argparse.ArgumentParser) -> None:
    """The ``--wait SECONDS`` option of the commands that take the client's lock."""
    parser.add_argument(
        "--wait", type=float, default=0.0, metavar="SECONDS", help="when another command holds this client, wait this long for it (default: 0)"
    )


def holder(lock_file: Path) -> dict:
    """What ``lock_file`` says of its holder (command, pid, since); empty when unreadable."""
    try:
        data = json.loads(lock_file.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@contextlib.contextmanager
def client_lock(root: str | os.PathLike[str], command: str, *, wait: float = 0.0) -> Iterator[Path]:
    """Hold the lock of the client folder ``root`` for the block, as ``command`` (e.g. ``"ingest"``).

    Raises :class:`~esnkit.errors.BusyError` (one line: who holds it, since when) when another
    command still holds it after ``wait`` seconds.
    """
    if wait < 0:
        raise ConfigError(f"--wait {wait:g}: give a number of seconds, 0 or more")
    root = Path(root)
    lock_file = root / LOCK_NAME
    with storage_errors(root):
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise BusyError(_busy(root, lock_file, wait)) from None
                    time.sleep(min(_POLL_SECONDS, left))
        since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with storage_errors(root):
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps({"command": command, "pid": os.getpid(), "since": since}).encode("utf-8"), 0)
        yield lock_file
    finally:
        os.close(fd)  # releases the flock


def _busy(root: Path, lock_file: Path, wait: float) -> str:
    who = holder(lock_file)
    command = f"`esnkit {who['command']}`" if who.get("command") else "another esnkit command"
    pid = f" (pid {who['pid']})" if who.get("pid") else ""
    since = f" since {who['since'].replace('T', ' ').replace('+00:00', ' UTC')}" if who.get("since") else ""
    waited = f"after waiting {wait:g}s; " if wait else ""
    return f"{root}: the client is busy: {command}{pid} holds it{since}; {waited}wait for it to finish, or pass --wait SECONDS to queue behind it"
