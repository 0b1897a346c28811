"""One Jupyter kernel for every step of a run, so the steps share one Dataset and its cache.

Every step notebook opens the same processed folder, so in one kernel they share one immutable
Dataset (see :func:`esnkit.steps.context.open_step`): step 1 computes the events, threads, graph
and scorecards once; steps 2-5 reuse them. Between notebooks the user namespace is reset, so no
notebook sees another's variables. A kernel that dies (e.g. out of memory) fails its step and is
replaced before the next one. What the kernel writes to stderr goes to ``kernel.log`` in the
run's report folder, so a crash leaves a trace.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import IO

__all__ = ["SharedKernel", "KernelError"]

#: After a notebook: its variables and figures go, then the memory they held (:func:`release_memory`).
_RESET = "get_ipython().reset(new_session=False)\nfrom esnkit.run.kernel import release_memory as _release\n_release()\ndel _release"


def release_memory() -> None:
    """Give back what the last notebook held: figures, garbage, Arrow's pool and glibc's free heap.

    The kernel serves every block from glibc's heap (:data:`KERNEL_ENV`), where memory freed below
    the heap's top stays with the process: after step 1 at 200,000 people it held about 2 GiB more
    than it used. ``malloc_trim(0)`` hands those free pages back between notebooks: the whole run's
    peak at L 5.38-5.46 GiB against 5.55-5.66 GiB, alternating, at the same times within this
    machine's noise; the peak is then step 1's, with the betweenness helper beside it.
    Elsewhere than glibc (macOS, musl) there is no ``malloc_trim`` and that part is skipped.
    """
    import ctypes
    import ctypes.util
    import gc

    import matplotlib.pyplot as plt
    import pyarrow as pa

    plt.close("all")
    gc.collect()
    pa.default_memory_pool().release_unused()
    libc = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None
    if trim is not None:
        trim(0)


#: How the kernel gets its memory, so that it does not keep faulting pages in from the host. This
#: machine type is a virtual machine whose balloon takes back the guest's free memory in 2 MiB
#: blocks (free page reporting), and touching such memory again costs a fault from the host:
#:
#: - ``MALLOC_MMAP_MAX_=0``: glibc serves every block from its heap. By default a block over 32 MiB
#:   (any array of a few million rows) is mapped afresh and handed back when freed, so the next
#:   one faults in every page again: 1.4 s to turn 20 M int32 into int64, against 0.01 s.
#: - ``NUMPY_MADVISE_HUGEPAGE=0`` (numpy's documented switch, read when numpy is imported): numpy
#:   asks for transparent huge pages for every array of 4 MiB or more, and each huge page is a
#:   free 2 MiB block, the kind the balloon has taken back. A fresh 2 GB array took 9-19 s to
#:   fault in that way here, 0.8 s in 4 KiB pages.
#:
#: Measured on the whole run at 200,000 people, alternating (2 cores, 24 GiB): 83.6-95.3 s with
#: both, 101.7-118.0 s with the first alone, peaks 5.6 GiB either way. Never trimming the heap as
#: well (``MALLOC_TRIM_THRESHOLD_``) kept the kernel at its high-water mark from step to step, a
#: peak of 5.8-6.1 GiB: not kept. A value already in the environment is kept.
KERNEL_ENV = {"MALLOC_MMAP_MAX_": "0", "NUMPY_MADVISE_HUGEPAGE": "0"}


class KernelError(RuntimeError):
    """Code run in the kernel raised (or the kernel died); ``output`` is what it printed before."""

    def __init__(self, message: str, output: str = ""):
        super().__init__(message)
        self.output = output


class SharedKernel:
    """A kernel started on demand in ``cwd``, its stderr appended to ``log``; a context manager.

    The manager is jupyter_client's asynchronous one, as nbclient uses when it owns the kernel:
    with the blocking manager, nbclient's liveness poll never noticed a killed kernel and the run
    hung (seen when a step ran out of memory).
    """

    def __init__(self, cwd: Path, *, log: Path):
        self.cwd, self.log_path = cwd, log
        self.km = None
        self._log: IO[bytes] | None = None
        self._warming = None  # the client that sent :meth:`start`'s code, closed once it has run

    def __enter__(self) -> SharedKernel:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()

    def _alive(self) -> bool:
        return self.km is not None and bool(asyncio.run(self.km.is_alive()))

    def manager(self):
        """The running kernel's manager, starting a fresh kernel if there is none or it died."""
        if not self._alive():
            self.shutdown()
            from jupyter_client.manager import AsyncKernelManager

            self._log = open(self.log_path, "ab")  # noqa: SIM115 - held open for the kernel's life
            self.km = AsyncKernelManager(kernel_name="python3")
            asyncio.run(self.km.start_kernel(cwd=str(self.cwd), env={**KERNEL_ENV, **os.environ}, stderr=self._log))
        return self.km

    def start(self, warm: str = "") -> None:
        """Start the kernel now and have it run ``warm`` (imports, say) without waiting for it.

        The caller goes on with its own work meanwhile (a run imports papermill), and the first
        notebook's requests queue behind ``warm`` in the kernel. What ``warm`` prints or raises is
        not seen: a notebook that needs the same import fails on it in its own cell.
        """
        self.manager()
        if warm:
            from jupyter_client import BlockingKernelClient

            kc = BlockingKernelClient()
            kc.load_connection_info(self.km.get_connection_info())
            kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
            kc.execute(warm, silent=True, store_history=False)
            self._warming = kc

    def _stop_warming(self) -> None:
        if self._warming is not None:
            with contextlib.suppress(Exception):
                self._warming.stop_channels()
            self._warming = None

    def execute(self, code: str, *, timeout: float = 1800, then_reset: bool = False) -> str:
        """Run ``code`` in the kernel; return what it printed. Raises :class:`KernelError` with the error's last line.

        ``then_reset``: in the same request, drop the finished notebook's variables and figures
        afterwards (the opened Dataset and its cache live in esnkit, not there); a kernel that
        fails to is replaced for the next step.
        """
        self.manager()
        self._stop_warming()
        if then_reset:
            code = f"{code}\n{_RESET}"
        out: list[str] = []
        errors: list[str] = []

        def hook(msg) -> None:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream" and content.get("name") == "stdout":
                out.append(content["text"])
            elif kind == "error":
                errors.append(f"{content.get('ename')}: {content.get('evalue')}")

        async def run() -> None:
            kc = self.km.client()
            kc.start_channels()
            try:
                await kc.wait_for_ready(timeout=60)
                await kc.execute_interactive(code, timeout=timeout, output_hook=hook)
            finally:
                kc.stop_channels()

        try:
            asyncio.run(run())
        except Exception as exc:  # the kernel died or did not answer
            errors.append(f"{type(exc).__name__}: {exc}")
        if errors:
            if then_reset:
                self.shutdown()
            raise KernelError(errors[-1], "".join(out))
        return "".join(out)

    def shutdown(self) -> None:
        self._stop_warming()
        if self.km is not None:
            with contextlib.suppress(Exception):
                asyncio.run(self.km.shutdown_kernel(now=True))
            self.km = None
        if self._log is not None:
            self._log.close()
            self._log = None
