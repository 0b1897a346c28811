"""``esnkit run CLIENT``: execute the chosen step notebooks in one kernel, then export each one.

Each step notebook is executed with papermill into ``reports/<as_of>/N-step.ipynb`` (the record of
the run, parameters in its metadata) while the previous step's HTML and PDF are exported in a
background thread. A step replaces its outputs whole: a failed step keeps its executed notebook
for diagnosis and leaves no HTML or PDF, a failed export leaves no partial file, and every
failure, whether in a cell, a dead kernel or an export, is listed in the one error at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .._io import atomic_path
from ..config import ClientConfig, ClientPaths
from ..dataset import EVENT_TABLES, Dataset
from ..errors import ConfigError, RunError
from ..lifecycle import apply_opt_outs
from ..progress import heartbeat, stages
from ..reduce import reduce_client, reductions_current
from ..resources import step_notebook
from ..segments import check_segments
from ..steps import STEPS, Step, month_is_partial, notebook_parameters, period_note, resolve_as_of, resolve_delivered_on
from ..steps.outputs import SAVED_BY
from .export import export_html, find_chromium, is_draft, print_pdf
from .kernel import SharedKernel

__all__ = ["run_client", "parse_steps", "parse_formats", "FORMATS"]

FORMATS = ("html", "pdf")
Progress = Callable[[str], None]
#: What the run's kernel imports as it starts, while the run prepares: what every step notebook imports.
_WARM = "import esnkit.plots, esnkit.render, esnkit.steps.context, esnkit.steps.empty, esnkit.steps.assess"


def parse_steps(text: str | None) -> list[Step]:
    """``"1,3"`` or ``"assess,reactivate"`` (or ``None`` for all) to steps, in order."""
    if not text:
        return list(STEPS)
    chosen = []
    for token in (t.strip().lower() for t in text.split(",") if t.strip()):
        match = [s for s in STEPS if token in (str(s.number), s.name, s.stem)]
        if not match:
            raise ConfigError(f"unknown step {token[:40]!r}; steps are {', '.join(f'{s.number} ({s.name})' for s in STEPS)}")
        if match[0] not in chosen:
            chosen.append(match[0])
    return sorted(chosen, key=lambda s: s.number)


def parse_formats(text: str | None) -> tuple[str, ...]:
    """``"html"``, ``"pdf"``, ``"both"`` or ``"html,pdf"`` (``None``: both) to the formats to export, HTML first.

    >>> parse_formats("both"), parse_formats("pdf"), parse_formats("HTML")
    (('html', 'pdf'), ('html', 'pdf'), ('html',))
    """
    tokens = [f.strip().lower() for f in (text or "both").split(",") if f.strip()]
    formats = tuple(dict.fromkeys(f for t in tokens for f in (FORMATS if t == "both" else (t,))))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ConfigError(f"unknown export format(s) {bad or text!r}; use html, pdf or both")
    if "pdf" in formats and "html" not in formats:
        formats = ("html", *formats)  # the PDF is printed from the HTML
    return formats


@dataclass
class _Run:
    """Everything one run needs, worked out before the first notebook starts."""

    paths: ClientPaths
    config: ClientConfig
    steps: list[Step]
    as_of: dt.date
    formats: tuple[str, ...]
    progress: Progress
    chromium: str | None
    period: str
    delivered_on: dt.date = field(default_factory=dt.date.today)  # due dates count from it; the covers' date
    written: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def out_dir(self) -> Path:
        return self.paths.reports(self.as_of)

    @property
    def parameters(self) -> dict[str, object]:
        """The papermill parameters of every step notebook of this run (recorded in each executed notebook)."""
        return notebook_parameters(self.paths, self.config, self.as_of, self.delivered_on)

    def outputs(self, step: Step) -> dict[str, Path]:
        return {fmt: self.out_dir / f"{step.stem}.{fmt}" for fmt in FORMATS}

    def fail(self, message: str) -> None:
        self.failures.append(message)
        self.progress(f"      FAILED: {message}")


def _prepare(
    paths: ClientPaths,
    steps: Iterable[Step] | None,
    as_of: dt.date | None,
    formats: tuple[str, ...],
    progress: Progress,
    delivered_on: dt.date | None = None,
) -> _Run:
    config = paths.load_config()
    if not (paths.processed / "manifest.json").is_file():
        raise ConfigError(f"{paths.processed}: no processed data; run `esnkit ingest {paths.client}` first")
    meta = Dataset.read_manifest(paths.processed).get("meta", {})
    start, end = meta.get("coverage_start"), meta.get("coverage_end")
    day = resolve_as_of(as_of, config, end, start)
    run = _Run(
        paths,
        config,
        list(steps or STEPS),
        day,
        formats,
        progress,
        find_chromium() if "pdf" in formats else None,
        period_note(day, start, end),
        resolve_delivered_on(delivered_on, config, day),
    )
    if config.min_group_size < 3:
        progress(
            f"WARNING: min_group_size is {config.min_group_size} (allow_small_groups: true): breakdowns may show groups small enough to identify people"
        )
    if month_is_partial(day):
        progress(f"note: {day} is not a month's end: the deliverables label {day:%B %Y} as a partial month")
    # before any step: every objective and campaign segment held to min_group_size (client.yml may have changed since the ingest)
    if config.campaigns or any(o.get("segment") for o in config.objectives):
        check_segments(Dataset.read(paths.processed, lazy=EVENT_TABLES), config, where=str(paths.config_file), paths=paths)
    apply_opt_outs(paths, config, progress)  # lists written before an opt-out lose them now, whatever steps run
    if not reductions_current(paths.processed):
        _reduce_first(paths, config, progress)
    run.out_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(run)
    return run


def _reduce_first(paths: ClientPaths, config: ClientConfig, progress: Progress) -> None:
    """Reduce ``processed/`` again when its reductions are missing or were written by other definitions.

    What an upgrade of esnkit or an interrupted ingest leaves. The steps would otherwise reduce
    every event inside their kernel, in memory, which a large client cannot afford. DuckDB
    reduces here and now, out of core; a cluster engine is started only when asked for.
    """
    where = paths.processed / "reduced"
    if config.engine.name != "duckdb":
        raise ConfigError(
            f"{where} is missing or out of date (written by another esnkit, or never finished); "
            f"reduce it on the {config.engine.name} engine first: `esnkit reduce {paths.client}`, then run again"
        )
    progress(f"note: {where} is missing or out of date; reducing the events again first (`esnkit reduce {paths.client}`)")
    reduce_client(paths, progress=lambda line: progress(f"      {line}"))


def _check_notebooks(run: _Run) -> None:
    parameters = run.parameters
    for step in run.steps:
        _check_parameters(step_notebook(step.stem), parameters)


def _remove_leftovers(run: _Run) -> None:
    """Temporary files a killed run left beside its outputs (``.<output>.<random>.tmp``): never a deliverable."""
    for step in STEPS:
        for fmt in (*FORMATS, "ipynb"):
            for leftover in run.out_dir.glob(f".{step.stem}.{fmt}.*"):
                leftover.unlink(missing_ok=True)
    for record in ("kpis.json", "facts.json"):
        for leftover in run.out_dir.glob(f".{record}.*"):
            leftover.unlink(missing_ok=True)


def _check_parameters(notebook: Path, parameters: dict[str, object]) -> None:
    import papermill

    if not notebook.is_file():
        raise RunError(f"notebook {notebook} is missing; reinstall esnkit, or point ESNKIT_NOTEBOOKS at a folder holding it")
    declared = papermill.inspect_notebook(str(notebook))
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise RunError(
            f"{notebook.name}: parameter(s) {', '.join(unknown)} are not declared in its `parameters` cell "
            f"(declared: {', '.join(declared) or 'none'}); add them there or stop passing them"
        )


def _execute(run: _Run, step: Step, kernel: SharedKernel) -> Path | None:
    """Execute one step notebook into the report folder; its path, or ``None`` when it failed."""
    import papermill
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    executed = run.out_dir / f"{step.stem}.ipynb"
    for path in run.outputs(step).values():
        path.unlink(missing_ok=True)  # never leave an earlier run's deliverable beside this run's notebook
    failed: Exception | None = None
    with heartbeat(run.progress, f"{step.stem}: executing"), atomic_path(executed, suffix=".ipynb") as tmp:
        try:
            papermill.execute_notebook(
                str(step_notebook(step.stem)),
                str(tmp),
                parameters=run.parameters,
                kernel_name="python3",
                progress_bar=False,
                cwd=str(run.out_dir),
                log_output=False,
                report_mode=False,
                km=kernel.manager(),
            )
        except (PapermillExecutionError, DeadKernelError) as exc:
            failed = exc  # papermill saves the notebook before raising: it is the failure's record
    if executed.stat().st_size == 0:
        executed.unlink()  # a kernel that died before anything was saved leaves no record
    else:
        run.written.append(executed)
    if failed is None:
        return executed
    if isinstance(failed, PapermillExecutionError):
        message = f"step {step.stem} failed in cell {failed.exec_count}: {failed.ename}: {failed.evalue}".strip()
    else:
        message = f"step {step.stem} failed: the kernel died (out of memory?); see {run.out_dir / 'kernel.log'}"
    run.fail(f"{message} (executed notebook kept at {executed})" if executed.is_file() else message)
    return None


def _after_step(run: _Run, kernel: SharedKernel, step: Step, executed: bool, remaining: list[Step] | None) -> None:
    """In the run's kernel, one request: save the step's outputs, let go of the cached tables no
    step still to come asks for, and (unless it was the last) reset the namespace for the next
    notebook; after the last step, save the run's record and print the consultant's notes.

    What each step asked of the cache, and what was let go, goes to kernel.log.
    """
    parameters = run.parameters
    names = None if remaining is None else [s.name for s in remaining] + ["record"]
    code = (
        "import json as _json\nfrom esnkit.steps.outputs import after_step as _after\n"
        f"print(_json.dumps(_after({step.name!r}, saved={executed!r}, remaining={names!r}, parameters={parameters!r}, collect={remaining is None!r})))"
    )
    try:
        done = json.loads(kernel.execute(code, then_reset=remaining is not None).strip().splitlines()[-1])
    except Exception as exc:  # reported with the other failures; the run goes on
        saves = [step.name] if executed else []
        saves += ["record"] if remaining is None else []
        for what in (w for w in saves if w in SAVED_BY):
            run.fail(f"saving {SAVED_BY[what]} failed: {exc}")
        done = {"cache": {step.name: {"error": str(exc)}}}
    for message in done.get("failures", []):
        run.fail(message)
    run.written.extend(Path(p) for p in done.get("written", []))
    with open(run.out_dir / "kernel.log", "a", encoding="utf-8") as log:
        for what, cache in done["cache"].items():
            log.write(f"esnkit: cache after {what}: {json.dumps(cache)}\n")
    for note in done.get("notes", []):
        run.progress(f"      note: {note}")


def _export(run: _Run, step: Step, executed: Path, started: float) -> list[Path]:
    """Export one executed notebook to the chosen formats; a failure removes what it had written."""
    outputs, done = run.outputs(step), []
    try:
        if "html" in run.formats:
            done.append(
                export_html(
                    executed,
                    outputs["html"],
                    step=step,
                    config=run.config,
                    paths=run.paths,
                    run_date=run.delivered_on,
                    as_of=run.as_of,
                    period=run.period,
                )
            )
        if "pdf" in run.formats:
            if run.chromium is None:
                run.progress("      PDF skipped: no Chromium found. Install it (Debian: apt-get install chromium) or set ESNKIT_CHROMIUM.")
            else:
                done.append(print_pdf(outputs["html"], outputs["pdf"], chromium=run.chromium))
    except Exception as exc:
        for path in outputs.values():
            path.unlink(missing_ok=True)
        run.fail(f"step {step.stem}: export failed: {exc}")
        return []
    kinds = ", ".join(p.suffix[1:].upper() for p in done) or "notebook only"
    run.progress(f"      {step.stem}: exported ({kinds}) {time.perf_counter() - started:.1f}s after it started")
    return done


def run_client(
    paths: ClientPaths,
    *,
    steps: Iterable[Step] | None = None,
    as_of: dt.date | None = None,
    formats: tuple[str, ...] = FORMATS,
    progress: Progress = print,
    delivered_on: dt.date | None = None,
) -> list[Path]:
    """Execute and export the chosen steps; return every path written.

    ``delivered_on`` (else client.yml's, else today) is the day every due date counts from and the
    covers' date; each executed notebook records it with the other parameters.

    Raises
    ------
    RunError
        when any step or export failed (after the other steps have run), naming each failure.
    """
    run = _prepare(paths, steps, as_of, formats, progress, delivered_on)
    kernel = SharedKernel(run.out_dir, log=run.out_dir / "kernel.log")
    try:
        kernel.start(warm=_WARM)  # the kernel starts and imports while this process imports papermill
        _check_notebooks(run)
    except BaseException:
        kernel.shutdown()
        raise
    exports: list[Future] = []
    with (
        stages(progress, 2 * len(run.steps), "esnkit run") as advance,
        kernel,
        ThreadPoolExecutor(1, thread_name_prefix="esnkit-export") as pool,
    ):
        for i, step in enumerate(run.steps, 1):
            started = time.perf_counter()
            progress(f"[{i}/{len(run.steps)}] {step.stem}: executing notebook ...")
            executed = _execute(run, step, kernel)
            advance(f"{step.stem} executed")
            # its full tables and the plan, lists... of SAVED_BY; after the last step, the run's record
            _after_step(run, kernel, step, executed is not None, run.steps[i:] if i < len(run.steps) else None)
            if executed is not None:
                progress(f"      executed in {time.perf_counter() - started:.1f}s")
                exports.append(pool.submit(_export, run, step, executed, started))
            else:
                advance(f"{step.stem} failed")
        with heartbeat(progress, "exporting HTML and PDF"):
            for future in exports:
                run.written.extend(future.result())
                advance("exported")
    if any(p.suffix == ".html" for p in run.written):
        _record_facts(run)
    progress("Written:")
    for path in run.written:
        progress(f"  {path}")
    if run.failures:
        raise RunError("; ".join(run.failures))
    _audit(run)
    _draft_status(run)
    return run.written


def _draft_status(run: _Run) -> None:
    """Which deliverables still say DRAFT, and how the consultant approves them (esnkit.notes)."""
    pages = [p for p in run.written if p.suffix == ".html" and p.is_file()]
    drafts = [p.stem for p in pages if is_draft(p)]
    if drafts:
        run.progress(
            f"DRAFT: {', '.join(drafts)} {'is' if len(drafts) == 1 else 'are'} marked DRAFT until approved; once reviewed, "
            f"`esnkit approve {run.paths.client} --as-of {run.as_of}` records the approval and takes the marks off"
        )
    elif pages:
        run.progress("approved: these deliverables are unchanged since their approval (reports/<as_of>/approved.json)")


def _record_facts(run: _Run) -> None:
    """``facts.json``: every figure the executed notebooks of this report folder printed, gathered from their outputs."""
    from ..facts import collect_facts, write_facts

    notebooks = [(s.stem, run.out_dir / f"{s.stem}.ipynb") for s in STEPS if (run.out_dir / f"{s.stem}.html").is_file()]
    try:
        run.written.append(write_facts(run.out_dir, as_of=run.as_of.isoformat(), facts=collect_facts(p for p in notebooks if p[1].is_file())))
    except (OSError, ValueError) as exc:
        run.fail(f"saving facts.json failed: {exc}")


def _audit(run: _Run) -> None:
    """The run's own check (:func:`esnkit.audit.audit_folder`): every fault it finds is printed; the run itself stands."""
    from ..audit import audit_folder

    if not (run.out_dir / "facts.json").is_file():
        return
    faults = audit_folder(run.out_dir, restricted=run.paths.restricted)
    if faults:
        run.progress(
            f"AUDIT: {len(faults):,} fault{'s' if len(faults) != 1 else ''} in these deliverables (`esnkit audit {run.paths.client}` lists them):"
        )
        for fault in faults[:20]:
            run.progress(f"  {fault}")
    else:
        run.progress("audit: no fault found in these deliverables")
