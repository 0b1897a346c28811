"""Time esnkit at enterprise sizes: ingest, each step's computation, the whole run, key individuals.

    python benchmarks/run.py --size S        # 10,000 people, ~1 M events (a few minutes)
    python benchmarks/run.py --size M        # 100,000 people, ~10 M events
    python benchmarks/run.py --size L        # 200,000 people, ~20 M events
    python benchmarks/run.py --size XL       # 1,000,000 people, ~100 M events: generate, ingest, reduce, key individuals, run
    python benchmarks/run.py --size XL --raw benchmarks/work/bench-xl-raw   # ingest an earlier generation again

Every stage runs in its own process; wall time and peak resident memory (RSS, the process and its
children, e.g. notebook kernels, polled every 0.2 s) are recorded. A networkx baseline for key
individuals (``nx.betweenness_centrality(G, k=256, seed=0)`` plus
``nx.community.louvain_communities``) runs on the same graph so the speed-up is measured in the
same run; on size S the top-50 by betweenness is also compared with the exact ranking. A markdown
table goes to ``benchmarks/results/<size>-<date>.md`` (``-2``, ``-3``... for a second run that day:
nothing is overwritten), with a speed check of the machine before and after. The generated client lives in
``benchmarks/work/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SIZES = {
    # people, messages per person (drawn), reactions per message
    "S": (10_000, 80.0, 1.5),
    "M": (100_000, 80.0, 1.5),
    "L": (200_000, 80.0, 1.5),
    # generated in 10 chunks of 100,000 people straight to parquet (esnkit.synth.write_canonical_chunks)
    "XL": (1_000_000, 80.0, 1.5),
}
XL_CHUNKS = 10
TARGETS = {"ingest_M": 60.0, "scaling": 12.0, "ki_ratio": 10.0, "overlap_S": 0.8}
#: The reduction issue's targets per size: the whole `esnkit run` (s) and the peak memory of any stage (GiB).
RUN_TARGETS = {"M": (60.0, 4.0), "L": (120.0, 6.0), "XL": (900.0, 16.0)}


def _tree_rss(proc) -> int:
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil ships with jupyter here
        return 0
    try:
        p = psutil.Process(proc.pid)
        return p.memory_info().rss + sum(c.memory_info().rss for c in p.children(recursive=True))
    except psutil.Error:
        return 0


#: ``esnkit run`` announces each step as ``[i/n] <stem>: executing notebook ...`` and ends it with
#: ``executed in <s>s``: the run's samples between the two are that step's (with the previous
#: step's export, which runs beside it).
#: esnkit's progress puts the seconds since the start first (``[  4.0s] ``).
STEP_START = re.compile(r"^(?:\[\s*[0-9.]+s\] )?\[\d+/\d+\] (\S+): executing notebook")
STEP_DONE = re.compile(r"^(?:\[\s*[0-9.]+s\] )?\s*executed in ([0-9.]+)s$")


def measure(
    cmd: list[str], *, label: str, env: dict | None = None, timeout: float | None = None, keep_lines: bool = False, steps: bool = False
) -> dict:
    """Run ``cmd``, echo its output with a prefix, return wall seconds, peak tree RSS and its last stdout line.

    With ``steps`` (an ``esnkit run``), also ``steps``: each executed step's name, seconds (as the
    run reports them) and the peak tree RSS sampled while it executed. Output is read as it comes
    (no read-ahead buffer holding a line back), so a step starts where the run says it does.
    """
    import selectors

    print(f"== {label}: {' '.join(cmd[:4])} ...", flush=True)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, bufsize=0)
    peak, last, lines, pending = 0, "", [], b""
    segments: list[dict] = []  # the steps of a run, in order; the last is open until its "executed in"

    def take(line: str) -> None:
        nonlocal last
        last = line or last
        lines.append(line)
        print(f"   {label} | {line}", flush=True)
        if steps and (started := STEP_START.match(line)):
            segments.append({"step": started.group(1), "seconds": float("nan"), "peak_rss_gib": 0.0, "open": True})
        elif steps and segments and segments[-1]["open"] and (done := STEP_DONE.match(line)):
            segments[-1].update(seconds=float(done.group(1)), open=False)

    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    fd, ended = proc.stdout.fileno(), False
    while not ended:
        for _ in sel.select(timeout=0.2):
            chunk = os.read(fd, 1 << 16)
            ended = not chunk
            *complete, pending = (pending + chunk).split(b"\n")
            for raw in complete:
                take(raw.decode("utf-8", "replace").rstrip())
        rss = _tree_rss(proc)
        peak = max(peak, rss)
        if segments and segments[-1]["open"]:
            segments[-1]["peak_rss_gib"] = max(segments[-1]["peak_rss_gib"], rss / 2**30)
        if timeout and time.perf_counter() - start > timeout:
            proc.kill()
            return {"label": label, "seconds": float("nan"), "peak_rss_gib": peak / 2**30, "ok": False, "last": "timed out", "steps": segments}
    if pending:
        take(pending.decode("utf-8", "replace").rstrip())
    proc.wait()
    seconds = time.perf_counter() - start
    return {
        "label": label,
        "seconds": seconds,
        "peak_rss_gib": peak / 2**30,
        "ok": proc.returncode == 0,
        "last": last,
        "lines": lines if keep_lines else [],
        "steps": segments,
    }


def step_rows(run: dict) -> list[tuple[str, dict, str]]:
    """The report's rows for each step of a measured ``esnkit run``: seconds and peak RSS while it executed."""
    note = "seconds as the run reports them; peak RSS of the whole run while the step executed (the previous step's export runs beside it)"
    return [
        (
            f"in the run: {seg['step']} executed",
            {"seconds": seg["seconds"], "peak_rss_gib": seg["peak_rss_gib"], "ok": not seg["open"]},
            note if i == 0 else "",
        )
        for i, seg in enumerate(run.get("steps", []))
    ]


def python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


STEPS_CODE = """
import json, os, time
from esnkit.steps.context import open_step
from esnkit.steps import assess, plan, reactivate, sustain, report
steps = (("assess", assess.assess, {{}}), ("plan", plan.build_plan, {{}}),  # builders are pure: nothing is saved
         ("reactivate", reactivate.build_reactivation, {{}}), ("sustain", sustain.build_sustain, {{}}),
         ("reporting", report.build_report, {{}}))
t = time.perf_counter()
ctx = open_step({client!r})
print(json.dumps({{"step": "read", "seconds": time.perf_counter() - t}}), flush=True)
for name, func, kwargs in steps:
    t = time.perf_counter()
    func(open_step({client!r}), **kwargs)
    print(json.dumps({{"step": name, "seconds": time.perf_counter() - t}}), flush=True)
"""

#: A fixed workload, the same at every size and on every day: the kinds of work the steps do (a
#: Python loop, a numpy sort, a pandas group-by), best of three. This machine type's speed varies
#: from day to day and hour to hour (unchanged code has run 1.5-2 times as long on one day as on
#: another), so each results file says how fast the machine was while it ran: compare two
#: results files' stage times only when their speed checks are close.
SPEED_CODE = """
import json, time
import numpy as np, pandas as pd
rng = np.random.default_rng(0)
keys = rng.integers(0, 100_000, 10_000_000)
values = rng.integers(0, 1_000, 10_000_000)
best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    sum(range(30_000_000))
    np.sort(keys * 1_000 + values)
    pd.DataFrame({"k": keys, "v": values}).groupby("k")["v"].sum()
    best = min(best, time.perf_counter() - t)
print(json.dumps({"seconds": best}))
"""


def speed_check(label: str) -> tuple[str, dict, str]:
    """A report row: the seconds :data:`SPEED_CODE` took (best of three) in a process of its own."""
    result = measure(python(SPEED_CODE), label=label)
    seconds = _json_tail(result).get("seconds", float("nan"))
    return (
        f"{label} (a fixed workload; not a target)",
        {"seconds": seconds, "peak_rss_gib": float("nan"), "ok": result["ok"]},
        "lower is a faster machine",
    )


KI_CODE = """
import time, json
from esnkit import Dataset
from esnkit.metrics import network
ds = Dataset.read({processed!r})
t = time.perf_counter()
g = network.build_graph(ds, as_of={as_of!r})
built = time.perf_counter() - t
ki = network.key_individuals(ds, as_of={as_of!r}, graph=g)
comm = g.communities(seed=0)
total = time.perf_counter() - t
g.edges[["source", "target", "weight"]].to_parquet({edges!r})
ki[["person_id", "betweenness"]].to_parquet({ki_out!r})
print(json.dumps({{"people": len(g), "ties": int(g.undirected.ecount()), "build": built, "total": total}}))
"""

NX_CODE = """
import time, json
import pandas as pd, networkx as nx
e = pd.read_parquet({edges!r})
t = time.perf_counter()
G = nx.from_pandas_edgelist(e, "source", "target", edge_attr="weight", create_using=nx.Graph)
b = nx.betweenness_centrality(G, k=min(256, len(G)), seed=0)
c = nx.community.louvain_communities(G, weight="weight", seed=0)
print(json.dumps({{"total": time.perf_counter() - t}}))
"""

EXACT_CODE = """
import json
import pandas as pd
from esnkit.metrics.network import InteractionGraph
e = pd.read_parquet({edges!r})
g = InteractionGraph(e)
exact = g.betweenness(exact_max=10**9)
ours = pd.read_parquet({ki_out!r}).set_index("person_id")["betweenness"]
top_exact = set(exact.nlargest(50).index)
top_ours = set(ours.nlargest(50).index)
print(json.dumps({{"overlap_top50": len(top_exact & top_ours) / 50}}))
"""


def _run_seconds(table: str) -> float | None:
    for line in table.splitlines():
        if line.startswith("| esnkit run "):
            try:
                return float(line.split("|")[2])
            except ValueError:
                return None
    return None


def result_order(path: Path) -> tuple[str, int, str]:
    """Sorts results files by day, then by the run that day (``-2`` after the first, ``-3`` after it).

    >>> [p.name for p in sorted(map(Path, ["S-2026-12-03-2.md", "S-2026-12-03.md", "S-2026-12-01.md"]), key=result_order)]
    ['S-2026-12-01.md', 'S-2026-12-03.md', 'S-2026-12-03-2.md']
    """
    match = re.fullmatch(r"[A-Z]+-(\d{4}-\d{2}-\d{2})(?:-(\d+))?(.*)\.md", path.name)
    if not match:
        return ("", 0, path.name)
    return (match[1], int(match[2] or 1), match[3])


def _scaling(size: str, rows) -> tuple[float, str] | None:
    """At M, the whole run's time over the newest S result's (the S->M target); None when either is missing."""
    if size != "M":
        return None
    here = next((r[1]["seconds"] for r in rows if r[0].startswith("esnkit run ")), None)
    earlier = sorted((HERE / "results").glob("S-*.md"), key=result_order)
    there = _run_seconds(earlier[-1].read_text(encoding="utf-8")) if earlier else None
    if not here or not there:
        return None
    return here / there, f"S from {earlier[-1].name}"


XL_GEN_CODE = """
from esnkit.synth import SynthSpec, write_canonical_chunks
rows = write_canonical_chunks({work!r}, spec=SynthSpec(n_people={people}, messages_per_person={mpp}, reactions_per_message={rpm}), chunks={chunks})
import json; print(json.dumps(rows))
"""

XL_GRAPH_CODE = """
import json, time
import duckdb
from esnkit.metrics.network import InteractionGraph
t = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
ties = f"read_parquet('{out}/ties_day/*.parquet')"
edges = con.sql(f\"\"\"SELECT source, target, SUM(replies + mentions + reactions) AS weight FROM {{ties}}
    WHERE day > (SELECT MAX(day) FROM {{ties}}) - INTERVAL 365 DAY GROUP BY source, target\"\"\").df()
read = time.perf_counter() - t
g = InteractionGraph(edges)
b = g.betweenness()
c = g.communities(seed=0)
print(json.dumps({{"people": len(g), "ties": int(g.undirected.ecount()), "read": read, "total": time.perf_counter() - t}}))
"""


XL_CONFIG = """\
# Benchmark client of size XL, written by benchmarks/run.py: the canonical tables of esnkit.synth.write_canonical_chunks.
name: "Benchmark XL"
sources:
  - path: raw/canonical
    format: canonical
"""


def xl(work: Path, people: int, mpp: float, rpm: float, *, keep: bool, raw: Path | None = None, skip_run: bool = False) -> int:
    """Size XL: the generator in chunks, `esnkit ingest` (batch by batch, then the DuckDB reduction), the
    reduction alone, key individuals, then the whole `esnkit run` (each step's seconds and peak within
    it) unless ``skip_run``.

    ``raw`` is the ``raw/canonical`` folder of an earlier generation (20-35 min here) to ingest
    instead of generating again; its files are hard-linked, not copied. The steps keep the events on
    disk but hold ``person_day``, the tie-days and the thread table in pandas, so the run is where
    one machine stops (benchmarks/README.md, "Where one machine stops").
    """
    rows = [speed_check("speed check, before")]
    canon = work / "raw" / "canonical"
    if raw is None:
        gen = measure(python(XL_GEN_CODE.format(work=str(work), people=people, mpp=mpp, rpm=rpm, chunks=XL_CHUNKS)), label="generate in chunks")
        counts = _json_tail(gen)
        rows.append((f"generate in {XL_CHUNKS} chunks straight to parquet (not a target)", gen, ""))
    else:
        canon.mkdir(parents=True)
        for file in sorted(Path(raw).glob("*.parquet")):
            os.link(file, canon / file.name)
        counts = {}
    (work / "client.yml").write_text(XL_CONFIG, encoding="utf-8")
    esnkit = [sys.executable, "-m", "esnkit.cli"]
    ingest = measure([*esnkit, "ingest", work.name, "--data-dir", str(work.parent)], label="ingest")
    reduced_folder = work / "processed" / "reduced"
    reduced = json.loads((reduced_folder / "manifest.json").read_text()) if ingest["ok"] else {}
    manifest = json.loads((work / "processed" / "manifest.json").read_text()) if ingest["ok"] else {"tables": {}}
    rows.append(
        (
            "esnkit ingest (batch by batch: load, validate, write processed/, then reduce)",
            ingest,
            f"reduction {reduced.get('seconds', float('nan')):.0f} s of it: {_reduced_rows(reduced)}" if reduced else "",
        )
    )
    if ingest["ok"]:
        reduce = measure([*esnkit, "reduce", work.name, "--data-dir", str(work.parent)], label="reduce")
        rows.append(("esnkit reduce, DuckDB (run alone; ingest includes it)", reduce, _reduced_rows(reduced)))
        graph = measure(python(XL_GRAPH_CODE.format(out=str(reduced_folder))), label="key individuals")
        g = _json_tail(graph)
        rows.append(
            (
                "key individuals + communities on the reduced ties (igraph)",
                graph,
                f"{g.get('people', 0):,} people, {g.get('ties', 0):,} ties" if g else "",
            )
        )
    if ingest["ok"] and not skip_run:
        run = measure([*esnkit, "run", work.name, "--data-dir", str(work.parent)], label="run", steps=True)
        rows.extend(step_rows(run))
        rows.append(("esnkit run (5 notebooks, HTML and PDF)", run, f"≤ {RUN_TARGETS['XL'][0]:.0f} s"))
    tables = manifest["tables"]
    n_messages = tables.get("messages", {}).get("rows", counts.get("messages", 0))
    n_reactions = tables.get("reactions", {}).get("rows", counts.get("reactions", 0))
    intro = (
        f"{people:,} people in {XL_CHUNKS} organisations of {people // XL_CHUNKS:,}; {n_messages:,} messages and "
        f"{n_reactions:,} reactions ({n_messages + n_reactions:,} events)."
    )
    note = (
        "The steps keep the events on disk and hold the reductions they read in pandas: `person_day` alone has about as many rows "
        "as there are events on generated data."
    )
    rows.append(speed_check("speed check, after"))
    peak = max((r[1]["peak_rss_gib"] for r in rows if "not a target" not in r[0]), default=float("nan"))
    measures = [
        f"| peak RSS of ingest and of the reduction alone | {max(r[1]['peak_rss_gib'] for r in rows if r[0].startswith(('esnkit ingest', 'esnkit reduce'))):.2f} GiB "
        f"| ≤ {RUN_TARGETS['XL'][1]:.0f} GiB |",
        f"| peak RSS of any esnkit stage | {peak:.2f} GiB | |",
    ]
    if ingest["ok"] and not skip_run:
        measures.append(f"| whole run | {run['seconds']:.1f} s{'' if run['ok'] else ' (failed)'} | ≤ {RUN_TARGETS['XL'][0]:.0f} s |")
    return _report("XL", intro, rows, [note], measures, work=work, keep=keep)


def results_path(results: Path, size: str, day: str) -> Path:
    """``<size>-<day>.md`` in ``results``, or ``<size>-<day>-2.md`` (-3, ...) when that day already has one: never overwritten."""
    out, n = results / f"{size}-{day}.md", 1
    while out.exists():
        n += 1
        out = results / f"{size}-{day}-{n}.md"
    return out


def _report(size: str, intro: str, rows, notes: list[str], measures: list[str], *, work: Path, keep: bool) -> int:
    """Write ``results/<size>-<date>.md`` (the stage table, then the measures against targets), print it, clean up."""
    today = dt.date.today().isoformat()
    lines = [f"# esnkit benchmark, size {size} — {today}", "", f"{intro} Machine: {os.cpu_count()} cores. Python {sys.version.split()[0]}.", ""]
    lines += [line for note in notes for line in (note, "")]
    lines += ["| stage | wall (s) | peak RSS (GiB) | ok | note |", "|---|---:|---:|:-:|---|"]
    for name, r, note in rows:
        rss = "–" if r["peak_rss_gib"] != r["peak_rss_gib"] else f"{r['peak_rss_gib']:.2f}"
        lines.append(f"| {name} | {r['seconds']:.1f} | {rss} | {'yes' if r['ok'] else 'NO'} | {note} |")
    if measures:
        lines += ["", "| measure | value | target |", "|---|---:|---|", *measures]
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    out = results_path(results, size, today)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"\nwritten {out}")
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(r[1]["ok"] for r in rows) else 1


def _reduced_rows(manifest: dict) -> str:
    tables = manifest.get("tables", {})
    return ", ".join(f"{name} {info['rows']:,}" for name, info in tables.items()) + " rows"


def _json_tail(result: dict) -> dict:
    try:
        return json.loads(result["last"])
    except (ValueError, TypeError):
        return {}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--work", default=str(HERE / "work"), help="where the generated client goes")
    parser.add_argument("--skip-networkx", action="store_true", help="skip the networkx baseline (about 20 min at size M)")
    parser.add_argument("--skip-run", action="store_true", help="skip the whole `esnkit run` (HTML and PDF)")
    parser.add_argument("--keep", action="store_true", help="keep the generated client afterwards")
    parser.add_argument("--spark", action="store_true", help="also reduce on Spark in local mode (always at S)")
    parser.add_argument("--raw", type=Path, help="XL only: ingest this raw/canonical folder of an earlier generation instead of generating (35 min)")
    args = parser.parse_args(argv)
    people, mpp, rpm = SIZES[args.size]
    work = Path(args.work) / f"bench-{args.size.lower()}"
    data_dir = work.parent
    shutil.rmtree(work, ignore_errors=True)
    if args.size == "XL":
        return xl(work, people, mpp, rpm, keep=args.keep, raw=args.raw, skip_run=args.skip_run)
    rows = [speed_check("speed check, before")]

    gen = measure(
        python(f"""
        from esnkit.synth import SynthSpec, write_canonical_client
        write_canonical_client({str(work)!r}, spec=SynthSpec(n_people={people}, messages_per_person={mpp}, reactions_per_message={rpm}))
        print("generated")
    """),
        label="generate",
    )
    rows.append(("generate the client (not a target)", gen, ""))
    esnkit = [sys.executable, "-m", "esnkit.cli"]
    ingest = measure([*esnkit, "ingest", work.name, "--data-dir", str(data_dir)], label="ingest")
    rows.append(("esnkit ingest (load, validate, write processed/, reduce)", ingest, f"≤ {TARGETS['ingest_M']:.0f} s at M"))
    reduce = measure([*esnkit, "reduce", work.name, "--data-dir", str(data_dir)], label="reduce")
    reduced = json.loads((work / "processed" / "reduced" / "manifest.json").read_text())
    rows.append(("esnkit reduce, DuckDB (run alone; ingest includes it)", reduce, _reduced_rows(reduced)))
    if args.spark or args.size == "S":
        spark = measure(
            [*esnkit, "reduce", work.name, "--data-dir", str(data_dir), "--engine", "spark", "--master", "local[*]"], label="reduce on spark"
        )
        rows.append(("esnkit reduce, Spark local mode (JVM start included)", spark, "the same tables (tests/test_reduce.py)"))
    manifest = json.loads((work / "processed" / "manifest.json").read_text())
    n_messages = manifest["tables"]["messages"]["rows"]
    n_reactions = manifest["tables"]["reactions"]["rows"]
    as_of = manifest["meta"]["coverage_end"][:10]
    from esnkit.run.kernel import KERNEL_ENV  # the run's kernel's memory settings, so this stage is the run's steps

    steps = measure(python(STEPS_CODE.format(client=str(work))), label="step computations", env=KERNEL_ENV, keep_lines=True)
    for line in steps.get("lines", []):
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and "step" in rec:
            rows.append((f"step computation: {rec['step']}", {"seconds": rec["seconds"], "peak_rss_gib": float("nan"), "ok": True}, ""))
    rows.append(("all five step computations, one process (as in the run)", steps, "peak RSS of that process"))
    if not args.skip_run:
        run = measure([*esnkit, "run", work.name, "--data-dir", str(data_dir)], label="run", steps=True)
        rows.extend(step_rows(run))
        rows.append(("esnkit run (5 notebooks, HTML and PDF)", run, f"≤ {RUN_TARGETS[args.size][0]:.0f} s" if args.size in RUN_TARGETS else ""))
    edges, ki_out = str(work / "edges.parquet"), str(work / "ki.parquet")
    ki = measure(python(KI_CODE.format(processed=str(work / "processed"), as_of=as_of, edges=edges, ki_out=ki_out)), label="key individuals")
    ki_info = _json_tail(ki)
    rows.append(
        (
            "key individuals + communities (esnkit, igraph)",
            ki,
            f"{ki_info.get('people', '?'):,} people, {ki_info.get('ties', '?'):,} ties" if ki_info else "",
        )
    )
    ratio = None
    if not args.skip_networkx:
        nx_run = measure(python(NX_CODE.format(edges=edges)), label="networkx baseline")
        rows.append(("networkx baseline (betweenness k=256 + Louvain)", nx_run, ""))
        if ki_info and _json_tail(nx_run):
            ratio = _json_tail(nx_run)["total"] / ki_info["total"]
    overlap = None
    if args.size == "S":
        ex = measure(python(EXACT_CODE.format(edges=edges, ki_out=ki_out)), label="exact betweenness")
        overlap = _json_tail(ex).get("overlap_top50")
        rows.append(("exact betweenness, for the top-50 overlap", ex, ""))

    rows.append(speed_check("speed check, after"))
    # The generator is not part of esnkit's pipeline: its memory is shown but not held to the target.
    peak = max(r[1]["peak_rss_gib"] for r in rows if r[1]["peak_rss_gib"] == r[1]["peak_rss_gib"] and "not a target" not in r[0])
    scaling = _scaling(args.size, rows)
    lines = []
    if ratio is not None:
        lines.append(f"| key individuals: networkx time / esnkit time | {ratio:.1f}x | ≥ {TARGETS['ki_ratio']:.0f}x at M |")
    if overlap is not None:
        lines.append(f"| top-50 betweenness overlap with the exact ranking | {overlap:.0%} | ≥ {TARGETS['overlap_S']:.0%} at S |")
    rss_target = f"≤ {RUN_TARGETS[args.size][1]:.0f} GiB at {args.size}" if args.size in RUN_TARGETS else ""
    lines.append(f"| peak RSS of any esnkit stage | {peak:.2f} GiB | {rss_target} |")
    if scaling is not None:
        lines.append(f"| whole run, M time / S time ({scaling[1]}) | {scaling[0]:.1f}x | ≤ {TARGETS['scaling']:.0f}x (10x the events) |")
    intro = f"{people:,} people; {n_messages:,} messages and {n_reactions:,} reactions ({n_messages + n_reactions:,} events) after ingest."
    return _report(args.size, intro, rows, [], lines, work=work, keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
