"""Run the step notebooks for a client and export them as branded HTML and PDF deliverables.

``esnkit run CLIENT`` calls :func:`run_client`. Each step notebook is executed with papermill into
``reports/<as_of>/N-step.ipynb`` (the immutable record of the run, parameters in its metadata),
then exported with nbconvert through ``templates/esnkit`` (no code, no prompts, no stderr, nothing
loaded from a CDN) and printed to PDF by headless Chromium. Every file is written to a temporary
name and renamed into place, so a re-run replaces outputs whole and a failed step leaves no
half-written or stale deliverable behind — only its executed notebook, for diagnosis.

The notebooks run one after another in one kernel (:class:`_SharedKernel`), so the Dataset is read
once and the building blocks every step needs (sorted interaction events, the thread table, the
interaction graph and its centralities, community scorecards) are computed once per run; each
finished notebook is exported and printed while the next one executes. At 100,000 people this
took the run from 482 s (five kernels, each recomputing) to about 80 s (``benchmarks/README.md``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import mimetypes
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from . import __version__
from .config import ClientConfig, ClientPaths
from .errors import ConfigError, RunError
from .progress import heartbeat

__all__ = ["STEPS", "run_client", "export_html", "print_pdf", "find_chromium", "parse_steps", "parse_formats", "step_parameters"]

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = Path(os.environ.get("ESNKIT_NOTEBOOKS", REPO / "notebooks"))
TEMPLATES = Path(os.environ.get("ESNKIT_TEMPLATES", REPO / "templates"))


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    title: str

    @property
    def stem(self) -> str:
        return f"{self.number}-{self.name}"


STEPS = (
    Step(1, "assess", "Assess: where are we starting from?"),
    Step(2, "plan", "Plan: what will we achieve, by when?"),
    Step(3, "reactivate", "Reactivate: who do we harness and who do we bring back?"),
    Step(4, "sustain", "Sustain: is it becoming the way we work?"),
    Step(5, "report", "Report: are we on track?"),
)
FORMATS = ("html", "pdf")
HIDDEN_TAGS = ("remove-cell", "parameters", "injected-parameters")
Progress = Callable[[str], None]


def parse_steps(text: str | None) -> list[Step]:
    """``"1,3"`` or ``"assess,reactivate"`` (or ``None`` for all) to steps, in order."""
    if not text:
        return list(STEPS)
    chosen = []
    for token in (t.strip().lower() for t in text.split(",") if t.strip()):
        match = [s for s in STEPS if token in (str(s.number), s.name, s.stem)]
        if not match:
            raise ConfigError(f"unknown step {token!r}; steps are {', '.join(f'{s.number} ({s.name})' for s in STEPS)}")
        if match[0] not in chosen:
            chosen.append(match[0])
    return sorted(chosen, key=lambda s: s.number)


def parse_formats(text: str | None) -> tuple[str, ...]:
    formats = tuple(f.strip().lower() for f in (text or "html,pdf").split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ConfigError(f"unknown export format(s) {bad or text!r}; use html, pdf or html,pdf")
    if "pdf" in formats and "html" not in formats:
        formats = ("html", *formats)  # the PDF is printed from the HTML
    return formats


def step_parameters(paths: ClientPaths, config: ClientConfig, as_of: dt.date) -> dict[str, object]:
    """The notebook parameters for a client, from ``client.yml`` (the one place defaults live)."""
    return {
        "client_dir": str(paths.root),
        "as_of": as_of.isoformat(),
        "min_group_size": config.min_group_size,
        "show_names": config.show_names,
        "inactive_days": config.inactive_days,
    }


def _check_parameters(notebook: Path, parameters: dict[str, object]) -> None:
    import papermill

    declared = papermill.inspect_notebook(str(notebook))
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise RunError(
            f"{notebook.name}: parameter(s) {', '.join(unknown)} are not declared in its `parameters` cell "
            f"(declared: {', '.join(declared) or 'none'}); add them there or stop passing them"
        )


def _atomic_copy_bytes(data: bytes, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _logo_data_uri(paths: ClientPaths, config: ClientConfig) -> str | None:
    if not config.branding.logo:
        return None
    path = paths.resolve(config.branding.logo)
    if not path.is_file():
        raise ConfigError(f"{paths.config_file}: branding.logo {path} does not exist")
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _toc(nb) -> list[dict[str, str]]:
    """Level-2 headings of the narrative, with the anchors nbconvert gives them."""
    entries = []
    for cell in nb.cells:
        if cell.cell_type != "markdown" or set(cell.metadata.get("tags", [])) & set(HIDDEN_TAGS):
            continue
        for line in cell.source.splitlines():
            m = re.match(r"^##\s+(.+?)\s*#*\s*$", line)
            if m:
                text = m.group(1)
                entries.append({"text": text, "anchor": re.sub(r"\s", "-", text)})
    return entries


def export_html(notebook_path: Path, target: Path, *, step: Step, config: ClientConfig, paths: ClientPaths, run_date: dt.date, as_of: dt.date) -> Path:
    """Export an executed notebook to a branded, code-free, self-contained HTML file."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    nb = nbformat.read(notebook_path, as_version=4)
    c = Config()
    c.TagRemovePreprocessor.remove_cell_tags = set(HIDDEN_TAGS)
    c.TagRemovePreprocessor.enabled = True
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES)]
    c.HTMLExporter.template_name = "esnkit"
    exporter = HTMLExporter(config=c)
    exporter.register_preprocessor(TagRemovePreprocessor(config=c), enabled=True)
    nb.metadata["title"] = f"{config.name} — Step {step.number}: {step.title}"
    resources = {
        "esnkit": {
            "client": config.name,
            "step_number": step.number,
            "step_title": step.title,
            "as_of": as_of.isoformat(),
            "run_date": run_date.isoformat(),
            "version": __version__,
            "primary": config.branding.primary_color,
            "accent": config.branding.accent_color,
            "logo": _logo_data_uri(paths, config),
            "toc": _toc(nb),
        }
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    _atomic_copy_bytes(body.encode("utf-8"), target)
    return target


@contextlib.contextmanager
def _kernel_noise_captured():
    """Send what the kernel process writes to stderr (transport warnings, library chatter) to a log.

    The kernel inherits file descriptor 2, so it is redirected at the descriptor level. A failing
    cell's error reaches the user through papermill's exception, not through this noise.
    """
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield log
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def find_chromium() -> str | None:
    """A headless-capable Chromium: ``$ESNKIT_CHROMIUM``, else the first on PATH."""
    explicit = os.environ.get("ESNKIT_CHROMIUM")
    if explicit:
        return explicit if shutil.which(explicit) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html_path: Path, target: Path, *, chromium: str, timeout: float = 180) -> Path:
    """Print ``html_path`` to an A4 PDF with headless Chromium (flags tried on this machine type)."""
    with tempfile.TemporaryDirectory(prefix="esnkit-chromium-") as profile:
        tmp_pdf = target.with_name(f".{target.name}.tmp")
        cmd = [
            chromium, "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run", "--disable-extensions",
            f"--user-data-dir={profile}", "--no-pdf-header-footer", "--virtual-time-budget=10000",
            f"--print-to-pdf={tmp_pdf}", html_path.resolve().as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.insert(2, "--no-sandbox")
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            tmp_pdf.unlink(missing_ok=True)
            raise RunError(f"Chromium did not finish printing {html_path.name} within {timeout:.0f}s") from None
        if proc.returncode != 0 or not tmp_pdf.is_file() or tmp_pdf.stat().st_size == 0:
            tmp_pdf.unlink(missing_ok=True)
            tail = (proc.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise RunError(f"Chromium failed to print {html_path.name} (exit {proc.returncode}): {tail[0]}")
        os.replace(tmp_pdf, target)
    return target


def _default_as_of(paths: ClientPaths) -> dt.date:
    import json

    manifest = paths.processed / "manifest.json"
    if not manifest.is_file():
        raise ConfigError(f"{paths.processed}: no processed data; run `esnkit ingest {paths.client}` first")
    end = json.loads(manifest.read_text())["meta"].get("coverage_end")
    if not end:
        raise ConfigError(f"{paths.processed}: the data has no dates; set as_of in client.yml")
    return dt.date.fromisoformat(end[:10])


class _SharedKernel:
    """One kernel for every step of a run, so the steps share the data and building blocks.

    Every step opens the same processed folder, so they share one (immutable) Dataset and with it
    its cache: step 1 computes the events, threads, graph and scorecards once; steps 2-5 reuse them. Between notebooks the user namespace is reset, so no notebook sees another's variables.
    A kernel that dies (e.g. out of memory) fails its step and is replaced before the next one.

    The manager is jupyter_client's asynchronous one, as nbclient uses when it owns the kernel:
    with the blocking manager, nbclient's liveness poll never noticed a killed kernel and the run
    hung (seen here when a step ran out of memory).
    """

    def __init__(self, cwd: Path):
        self.cwd = cwd
        self.km = None

    def _alive(self) -> bool:
        return self.km is not None and bool(asyncio.run(self.km.is_alive()))

    def manager(self):
        if not self._alive():
            self.shutdown()
            from jupyter_client.manager import AsyncKernelManager

            self.km = AsyncKernelManager(kernel_name="python3")
            asyncio.run(self.km.start_kernel(cwd=str(self.cwd), env=dict(os.environ)))
        return self.km

    def reset_namespace(self) -> None:
        """Drop the finished notebook's variables (the shared cache lives in esnkit, not there)."""
        if not self._alive():
            return

        async def reset() -> None:
            kc = self.km.client()
            kc.start_channels()
            try:
                await kc.wait_for_ready(timeout=60)
                await kc.execute_interactive(
                    "get_ipython().reset(new_session=False)\nimport gc as _gc, matplotlib.pyplot as _plt\n_plt.close('all'); _gc.collect()",
                    timeout=120, output_hook=lambda msg: None,
                )
            finally:
                kc.stop_channels()

        try:
            asyncio.run(reset())
        except Exception:  # a kernel that cannot be reset is replaced for the next step
            self.shutdown()

    def shutdown(self) -> None:
        if self.km is not None:
            with contextlib.suppress(Exception):
                asyncio.run(self.km.shutdown_kernel(now=True))
            self.km = None


def run_client(
    paths: ClientPaths,
    *,
    steps: Iterable[Step] | None = None,
    as_of: dt.date | None = None,
    formats: tuple[str, ...] = FORMATS,
    progress: Progress = print,
) -> list[Path]:
    """Execute and export the chosen steps; return every path written.

    The notebooks run one after another in one kernel (:class:`_SharedKernel`); each finished
    notebook is exported to HTML and printed to PDF in a background thread while the next one runs.

    Raises
    ------
    RunError
        when any step failed (after the other steps have run); its executed notebook is kept.
    """
    import papermill
    from concurrent.futures import ThreadPoolExecutor
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    config = paths.load_config()
    if not (paths.processed / "manifest.json").is_file():
        raise ConfigError(f"{paths.processed}: no processed data; run `esnkit ingest {paths.client}` first")
    as_of = as_of or config.as_of or _default_as_of(paths)
    steps = list(steps or STEPS)
    out_dir = paths.reports(as_of)
    out_dir.mkdir(parents=True, exist_ok=True)
    parameters = step_parameters(paths, config, as_of)
    chromium = find_chromium() if "pdf" in formats else None
    written: list[Path] = []
    failures: list[str] = []
    run_date = dt.date.today()
    for step in steps:
        source = NOTEBOOKS / f"{step.stem}.ipynb"
        if not source.is_file():
            raise RunError(f"notebook {source} is missing; is this a complete esnkit checkout?")
        _check_parameters(source, parameters)

    def export(step: Step, executed: Path, outputs: dict[str, Path], t0: float) -> list[Path]:
        done = []
        if "html" in formats:
            export_html(executed, outputs["html"], step=step, config=config, paths=paths, run_date=run_date, as_of=as_of)
            done.append(outputs["html"])
        if "pdf" in formats:
            if chromium is None:
                progress("      PDF skipped: no Chromium found. Install it (Debian: apt-get install chromium) or set ESNKIT_CHROMIUM.")
            else:
                print_pdf(outputs["html"], outputs["pdf"], chromium=chromium)
                done.append(outputs["pdf"])
        progress(f"      {step.stem}: exported ({', '.join(p.suffix[1:].upper() for p in done) or 'notebook only'}) {time.perf_counter() - t0:.1f}s after it started")
        return done

    kernel = _SharedKernel(out_dir)
    exports = []
    with _kernel_noise_captured(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="esnkit-export") as pool:
        try:
            for i, step in enumerate(steps, 1):
                source = NOTEBOOKS / f"{step.stem}.ipynb"
                executed = out_dir / f"{step.stem}.ipynb"
                outputs = {fmt: out_dir / f"{step.stem}.{fmt}" for fmt in FORMATS}
                t0 = time.perf_counter()
                progress(f"[{i}/{len(steps)}] {step.stem}: executing notebook ...")
                tmp_nb = out_dir / f".{step.stem}.tmp.ipynb"
                try:
                    with heartbeat(progress, f"{step.stem}: executing"):
                        papermill.execute_notebook(
                            str(source), str(tmp_nb), parameters=parameters, kernel_name="python3", progress_bar=False,
                            cwd=str(out_dir), log_output=False, report_mode=False, km=kernel.manager(),
                        )
                except (PapermillExecutionError, DeadKernelError) as exc:
                    if tmp_nb.is_file():
                        os.replace(tmp_nb, executed)
                        written.append(executed)
                    else:
                        executed.unlink(missing_ok=True)  # an earlier run's notebook is not this failure's record
                    for path in outputs.values():
                        path.unlink(missing_ok=True)  # never leave a stale deliverable beside a failed run
                    if isinstance(exc, PapermillExecutionError):
                        message = f"step {step.stem} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}".strip()
                    else:
                        message = f"step {step.stem} failed: the kernel died (out of memory?)"
                    failures.append(f"{message} (executed notebook kept at {executed})" if executed.is_file() else message)
                    progress(f"      FAILED: {message}")
                    kernel.reset_namespace()
                    continue
                except BaseException:
                    tmp_nb.unlink(missing_ok=True)
                    raise
                os.replace(tmp_nb, executed)
                written.append(executed)
                progress(f"      executed in {time.perf_counter() - t0:.1f}s")
                if i < len(steps):
                    kernel.reset_namespace()
                exports.append(pool.submit(export, step, executed, outputs, t0))
        finally:
            kernel.shutdown()
        if exports and not all(f.done() for f in exports):
            with heartbeat(progress, "exporting HTML and PDF"):
                for f in exports:
                    f.exception()
        for f in exports:
            written.extend(f.result())
    progress("Written:")
    for path in written:
        progress(f"  {path}")
    if failures:
        raise RunError("; ".join(failures))
    return written
