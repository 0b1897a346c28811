"""Progress for long work: a line per stage, a heartbeat so a long stage never goes silent, and on a
terminal a bar over the stages with elapsed and remaining time.

Long functions (:func:`esnkit.ingest.ingest_client`, :func:`esnkit.run.run_client`) take any
``progress`` callable of one string. Given a :class:`Console` they also draw a bar through
:func:`stages`; given a plain callable (``print``, ``list.append``) they only write lines. A bar is
drawn only when the output is a terminal: in CI and logs the same run prints plain lines.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO

__all__ = ["Console", "heartbeat", "stages"]


class Console:
    """Timed lines (``[  12.3s] message``) on ``stream``; a tqdm bar over stages when it is a terminal."""

    def __init__(self, stream: IO[str] | None = None, *, bar: bool | None = None):
        self.stream = stream or sys.stdout
        self.bar = bool(getattr(self.stream, "isatty", lambda: False)()) if bar is None else bar
        self.started = time.perf_counter()
        self._bar = None

    def __call__(self, message: str) -> None:
        line = f"[{time.perf_counter() - self.started:6.1f}s] {message}"
        if self._bar is not None:
            self._bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def beat(self, label: str, seconds: float) -> None:
        """A heartbeat: on a bar it updates the bar's note; otherwise it is a line."""
        if self._bar is not None:
            self._bar.set_postfix_str(f"{label} ({seconds:.0f}s)")
        else:
            self(f"      {label}: still working ({seconds:.0f}s)")

    @contextlib.contextmanager
    def stages(self, total: int, label: str) -> Iterator[Callable[[str], None]]:
        """A bar of ``total`` stages; the block calls ``advance(name)`` as each stage ends."""
        if not self.bar or total < 1:
            yield lambda name="": None
            return
        from tqdm import tqdm

        with tqdm(
            total=total,
            desc=label,
            file=self.stream,
            unit="stage",
            ncols=shutil.get_terminal_size().columns or 100,
            nrows=shutil.get_terminal_size().lines or 24,  # a pty of size 0 (script, CI) would hide the bar
            bar_format="{desc}: {n_fmt}/{total_fmt} |{bar}| {elapsed} elapsed, {remaining} left{postfix}",
        ) as bar:
            self._bar = bar

            def advance(name: str = "") -> None:
                bar.set_postfix_str(name)
                bar.update(1)

            try:
                yield advance
            finally:
                self._bar = None


@contextlib.contextmanager
def stages(progress: Callable[[str], None], total: int, label: str) -> Iterator[Callable[[str], None]]:
    """``progress.stages(total, label)`` when ``progress`` draws bars (a :class:`Console`), else a no-op."""
    own = getattr(progress, "stages", None)
    if own is None:
        yield lambda name="": None
        return
    with own(total, label) as advance:
        yield advance


@contextlib.contextmanager
def heartbeat(progress: Callable[[str], None], label: str, *, every: float = 5.0) -> Iterator[None]:
    """Report ``<label>: still working (Ns)`` every ``every`` seconds until the block ends."""
    stop = threading.Event()
    start = time.perf_counter()
    beat = getattr(progress, "beat", None) or (lambda label, s: progress(f"      {label}: still working ({s:.0f}s)"))

    def run() -> None:
        while not stop.wait(every):
            beat(label, time.perf_counter() - start)

    thread = threading.Thread(target=run, name="esnkit-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
