"""How fast the explorer answers, change by change, at a benchmark size (``python benchmarks/explorer.py --size S``).

Generates (or reuses, with ``--keep``) a canonical benchmark client, opens ``esnkit.widgets.Explorer``
on it as ``esnkit lab`` does, then changes each control the way a consultant would and prints the
latency of each refresh (filtering, computing, drawing the chart into the output area) and the
process's peak memory. Target (issue #17): every interaction under one second at S (10,000
people, about a million events). Nothing here is asserted; results are printed and written to
``results/explorer-<size>-<date>.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from run import SIZES  # noqa: E402  (the benchmark sizes, defined once)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the generated client in benchmarks/work/")
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    from esnkit.config import ClientPaths
    from esnkit.ingest import ingest_client
    from esnkit.synth import SynthSpec, write_canonical_client
    from esnkit.widgets import Explorer

    work = HERE / "work" / f"explorer-{args.size.lower()}"
    people, mpp, rpm = SIZES[args.size]
    if not (work / "processed" / "manifest.json").exists():
        t = time.perf_counter()
        write_canonical_client(work, spec=SynthSpec(n_people=people, messages_per_person=mpp, reactions_per_message=rpm))
        ingest_client(ClientPaths(work))
        print(f"generated and ingested {args.size} in {time.perf_counter() - t:.1f}s")
    t = time.perf_counter()
    ex = Explorer.for_client(str(work))
    rows = [("open the explorer (first view, tiles)", time.perf_counter() - t)]
    dept = ex.filters["department"].options[0]
    community = ex.community.options[1][1]

    def change(label, action):
        t = time.perf_counter()
        action()
        rows.append((label, time.perf_counter() - t))
        print(f"{label:<55} {rows[-1][1]:6.2f} s   {ex.status.value[:80]}")

    change("switch view: response rate", lambda: setattr(ex.metric, "value", "Response rate by month"))
    change("switch view: community status", lambda: setattr(ex.metric, "value", "Community status"))
    change(
        "switch view: active people by week",
        lambda: (setattr(ex.metric, "value", "Active people (by day, week or month)"), setattr(ex.granularity, "value", "W")),
    )
    change("filter: one department", lambda: setattr(ex.filters["department"], "value", (dept,)))
    change("switch view, filtered: monthly active", lambda: setattr(ex.metric, "value", "Monthly active people"))
    change("quick range: 90 days", lambda: setattr(ex.quick, "value", "90 days"))
    change("month range: last six months", lambda: setattr(ex.date_range, "index", (max(0, len(ex.months) - 6), len(ex.months) - 1)))
    change("drill into a community", lambda: setattr(ex.community, "value", community))
    change("switch view inside the community", lambda: setattr(ex.metric, "value", "Response rate by month"))
    change("back to a filter seen before (cached)", lambda: (setattr(ex.community, "value", ""), setattr(ex.quick, "value", "all")))
    change("switch view: personas", lambda: setattr(ex.metric, "value", "Personas"))
    change("switch view: key people (network)", lambda: setattr(ex.metric, "value", "Key people (network)"))
    change("switch view: network of departments", lambda: setattr(ex.metric, "value", "Network: departments"))
    change("reset", ex.reset)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    worst = max(s for label, s in rows[1:])
    lines = [
        f"# esnkit explorer latency, size {args.size} — {dt.date.today()}",
        "",
        f"{people:,} people. Each row is one change of a control: filter, compute, draw. Target: under 1 s each at S.",
        "",
        "| change | seconds |",
        "|---|---:|",
        *[f"| {label} | {s:.2f} |" for label, s in rows],
        "",
        f"Slowest change: {worst:.2f} s. Peak RSS of the process: {peak:.2f} GiB.",
    ]
    out = HERE / "results" / f"explorer-{args.size}-{dt.date.today()}.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines[-1:]), f"\nwritten {out}")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
