"""benchmarks/profile_steps.py: each step computed as the run's kernel computes it, with its memory and where it peaked."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "profile_steps.py"


def test_profile_steps_reports_each_step_up_to_the_one_asked_for(tmp_path):
    client = tmp_path / "data" / "tiny"
    shutil.copytree(FIXTURES / "tiny-client", client, ignore=shutil.ignore_patterns("processed", "reports", "restricted", "plans"))
    cli = [sys.executable, "-m", "esnkit.cli", "--data-dir", str(tmp_path / "data")]
    assert subprocess.run([*cli, "ingest", "tiny"], capture_output=True).returncode == 0
    done = subprocess.run([sys.executable, str(SCRIPT), str(client), "--upto", "plan"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines() if re.match(r"^(assess|plan|reactivate)\s", line)]
    assert [r[0] for r in rows] == ["assess", "plan"]  # in order, and no step past --upto
    for _name, seconds, start, peak, after in rows:
        assert float(seconds) > 0 and 0 < float(start) <= float(peak) and float(after) > 0
    # where each peak was reached: esnkit's own frames, a file and line each
    assert re.search(r"peak at \S+\.py:\d+ \w+", done.stdout)
