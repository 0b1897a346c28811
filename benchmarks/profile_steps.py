"""Where each step's memory peaks: the five step computations run as the run's kernel runs them.

    python benchmarks/profile_steps.py data/acme                 # every step
    python benchmarks/profile_steps.py data/acme --upto plan     # assess, then plan

One process computes the steps in order with the kernel's memory settings
(``esnkit.run.kernel.KERNEL_ENV``) and, between steps, lets go of what no later step declares and
hands free memory back, as ``esnkit run`` does. A thread samples the process's resident memory
every 10 ms and, at each new high, the esnkit lines of the main thread's stack. Printed per step:
seconds, resident memory at its start and its peak, where the peak was reached, and what the
release after it left. Only this process is measured: the betweenness helper that step 1 starts
and Chromium are not in it (``benchmarks/run.py`` measures the whole run's tree).

The sampler sees the stack between bytecodes: a long numpy call is reported from the line that
made it. A peak is where memory was highest, not who holds it; use it to choose what to measure next.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
import time
import traceback

STEPS = ("assess", "plan", "reactivate", "sustain", "report")


def _rss_gib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30


class PeakSampler:
    """Resident memory every ``interval`` seconds, with the main thread's esnkit frames at each new high."""

    def __init__(self, interval: float = 0.01):
        self.interval, self.main = interval, threading.main_thread().ident
        self.peak, self.where = 0.0, []
        self._on = True
        threading.Thread(target=self._run, daemon=True).start()

    def reset(self) -> float:
        self.peak, self.where = _rss_gib(), []
        return self.peak

    def stop(self) -> None:
        self._on = False

    def _run(self) -> None:
        while self._on:
            rss = _rss_gib()
            if rss > self.peak:
                frame = sys._current_frames().get(self.main)
                stack = traceback.extract_stack(frame) if frame is not None else []
                self.peak = rss
                self.where = [f"{f.filename.split('esnkit' + os.sep)[-1]}:{f.lineno} {f.name}" for f in stack if f"esnkit{os.sep}" in f.filename]
            time.sleep(self.interval)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("client", help="an ingested client folder (data/CLIENT)")
    parser.add_argument("--upto", choices=STEPS, default=STEPS[-1], help="the last step to compute")
    parser.add_argument("--depth", type=int, default=6, help="esnkit frames printed for each peak, innermost last")
    args = parser.parse_args(argv)

    from esnkit.run.kernel import KERNEL_ENV

    if any(os.environ.get(k) != v for k, v in KERNEL_ENV.items()) and not os.environ.get("ESNKIT_PROFILE_CHILD"):
        # glibc and numpy read these at start: run again with them, as the kernel starts
        env = {**os.environ, **KERNEL_ENV, "ESNKIT_PROFILE_CHILD": "1"}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)

    from esnkit.run.kernel import release_memory
    from esnkit.steps import assess, plan, reactivate, report, sustain
    from esnkit.steps.context import open_step, release_after

    builders = {
        "assess": assess.assess,
        "plan": plan.build_plan,
        "reactivate": reactivate.build_reactivation,
        "sustain": sustain.build_sustain,
        "report": report.build_report,
    }
    steps = STEPS[: STEPS.index(args.upto) + 1]
    sampler = PeakSampler()
    print(f"{'step':<11} {'seconds':>8} {'start GiB':>10} {'peak GiB':>9} {'after GiB':>10}", flush=True)
    for i, name in enumerate(steps):
        start = sampler.reset()
        t = time.perf_counter()
        result = builders[name](open_step(args.client))
        seconds = time.perf_counter() - t
        peak, where = sampler.peak, list(sampler.where)
        del result
        release_after(args.client, [*STEPS[i + 1 :], "record"])
        gc.collect()
        release_memory()
        print(f"{name:<11} {seconds:8.1f} {start:10.2f} {peak:9.2f} {_rss_gib():10.2f}", flush=True)
        for line in where[-args.depth :]:
            print(f"{'':<11}   peak at {line}", flush=True)
    sampler.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
