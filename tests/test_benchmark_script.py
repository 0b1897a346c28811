"""benchmarks/run.py: the whole run's samples are split by the step executing, as `esnkit run` announces it."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("esnkit_benchmark_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_run(body: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(body)]


def test_steps_are_split_as_the_run_announces_them(bench):
    # esnkit run's own lines (progress puts the elapsed seconds first); the second step holds 64 MiB
    # for a while so its peak is above the first's, and the third never reports "executed in" (it failed)
    cmd = _fake_run(
        """
        import time
        print("[   0.1s] note: something else", flush=True)
        print("[   0.2s] [1/3] 1-assess: executing notebook ...", flush=True); time.sleep(0.5)
        print("[   0.7s]       executed in 0.5s", flush=True)
        print("[   0.7s] [2/3] 2-plan: executing notebook ...", flush=True)
        held = b"x" * (64 * 2**20); time.sleep(1.0)
        print("[   1.7s]       executed in 1.0s", flush=True); del held
        print("[   1.7s] [3/3] 3-reactivate: executing notebook ...", flush=True); time.sleep(0.5)
        """
    )
    result = bench.measure(cmd, label="fake run", steps=True)
    assert result["ok"]
    assert [(s["step"], s["seconds"], s["open"]) for s in result["steps"]] == [
        ("1-assess", 0.5, False),
        ("2-plan", 1.0, False),
        ("3-reactivate", pytest.approx(float("nan"), nan_ok=True), True),
    ]
    first, second, _ = (s["peak_rss_gib"] for s in result["steps"])
    assert second > first + 48 / 1024  # the 64 MiB was held in step 2 only
    assert second <= result["peak_rss_gib"]
    rows = bench.step_rows(result)
    assert [(name, r["ok"]) for name, r, _ in rows] == [
        ("in the run: 1-assess executed", True),
        ("in the run: 2-plan executed", True),
        ("in the run: 3-reactivate executed", False),
    ]


def test_without_steps_nothing_is_split(bench):
    result = bench.measure(_fake_run('print("[   0.2s] [1/1] 1-assess: executing notebook ...")'), label="fake", steps=False)
    assert result["steps"] == [] and result["ok"]


def test_speed_check_times_the_fixed_workload_in_its_own_process(bench):
    name, result, note = bench.speed_check("speed check, before")
    assert name == "speed check, before (a fixed workload; not a target)"
    assert result["ok"] and 0 < result["seconds"] < 120
    assert result["peak_rss_gib"] != result["peak_rss_gib"]  # not a memory figure: left out of every peak
    assert note == "lower is a faster machine"


def test_a_second_result_the_same_day_does_not_overwrite_the_first(bench, tmp_path):
    assert bench.results_path(tmp_path, "M", "2026-12-07") == tmp_path / "M-2026-12-07.md"
    (tmp_path / "M-2026-12-07.md").write_text("first")
    assert bench.results_path(tmp_path, "M", "2026-12-07") == tmp_path / "M-2026-12-07-2.md"
    (tmp_path / "M-2026-12-07-2.md").write_text("second")
    assert bench.results_path(tmp_path, "M", "2026-12-07") == tmp_path / "M-2026-12-07-3.md"
    assert bench.results_path(tmp_path, "L", "2026-12-07") == tmp_path / "L-2026-12-07.md"


def test_the_newest_result_of_a_size_is_the_last_run_of_its_last_day(bench):
    names = ["S-2026-12-03-2.md", "S-2026-12-03.md", "S-2026-12-01.md", "S-2026-11-25.md", "S-2026-12-03-10.md"]
    ordered = [p.name for p in sorted(map(Path, names), key=bench.result_order)]
    assert ordered == ["S-2026-11-25.md", "S-2026-12-01.md", "S-2026-12-03.md", "S-2026-12-03-2.md", "S-2026-12-03-10.md"]
