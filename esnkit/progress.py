"""Progress for long work: per-stage lines, and a heartbeat so a long stage never goes silent."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

__all__ = ["heartbeat"]


@contextlib.contextmanager
def heartbeat(progress: Callable[[str], None], label: str, *, every: float = 5.0) -> Iterator[None]:
    """Call ``progress("<label>: still working (Ns)")`` every ``every`` seconds until the block ends."""
    stop = threading.Event()
    start = time.perf_counter()

    def beat() -> None:
        while not stop.wait(every):
            progress(f"      {label}: still working ({time.perf_counter() - start:.0f}s)")

    thread = threading.Thread(target=beat, name="esnkit-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
