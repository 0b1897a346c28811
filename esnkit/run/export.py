"""Export an executed step notebook: branded, code-free, offline HTML, then an A4 PDF printed by Chromium.

The HTML goes through nbconvert with ``templates/esnkit`` (no code, no prompts, no stderr,
nothing loaded from a CDN); the PDF is printed by a real headless Chromium. Both are written to
temporary names and renamed into place.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .._io import atomic_path, atomic_write
from .._version import __version__
from ..config import ClientConfig, ClientPaths, check_logo
from ..errors import RunError
from ..notes import approved_digests, html_digest, strip_draft
from ..resources import templates_dir
from ..steps import Step

__all__ = ["export_html", "is_draft", "print_pdf", "find_chromium", "HIDDEN_TAGS"]

#: Cells with these tags never reach a deliverable.
HIDDEN_TAGS = ("remove-cell", "parameters", "injected-parameters")


def _logo_data_uri(paths: ClientPaths, config: ClientConfig) -> str | None:
    if not config.branding.logo:
        return None
    path, mime = check_logo(paths.root, config.branding.logo, where=f"{paths.config_file}: branding.logo")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def css_string(text: str) -> str:
    r"""``text`` as the inside of a double-quoted CSS string in a ``<style>`` block.

    Every character that could end the string, the rule or the block (quotes, backslashes, line
    breaks, ``<``, ``>``, ``/``, ``&``...) becomes a hex escape, so a client's name cannot inject
    CSS or HTML; letters, digits and plain punctuation stay as they are.

    Examples
    --------
    >>> print(css_string('Acme "Ltd" </style> x'))
    Acme \000022 Ltd\000022  \00003c \00002f style\00003e  x
    """
    return "".join(ch if ch.isalnum() or ch in " .,:;·-_()'!?%+=" else f"\\{ord(ch):06x} " for ch in str(text))


#: What may follow a heading on the same page, at most: a chart, a note, a short table.
KEEP_MAX_IMAGES, KEEP_MAX_ROWS = 1, 14


def keep_headings_with_what_follows(nb) -> None:
    """Mark each heading cell and the output after it to print on one page (``esnkit_keep``: start / end).

    Chromium does not honour ``break-after: avoid`` between notebook cells, so a heading could end
    a page with its chart or table on the next. The template wraps a marked pair in one block that
    may not break inside — only when what follows is short (a chart, a note, a table of a few rows),
    so a long table still starts under its heading and flows on.
    """
    cells = [c for c in nb.cells if not set(c.metadata.get("tags", [])) & set(HIDDEN_TAGS)]
    for heading, after in itertools.pairwise(cells):
        if heading.cell_type != "markdown" or not re.search(r"(?m)^#{2,3}\s", heading.source):
            continue
        if after.cell_type != "code" or not after.get("outputs"):
            continue
        images = sum("image/png" in o.get("data", {}) for o in after.outputs)
        rows = sum(str(o.get("data", {}).get("text/html", "")).count("<tr>") for o in after.outputs)
        if images <= KEEP_MAX_IMAGES and rows <= KEEP_MAX_ROWS and "esnkit_keep" not in heading.metadata:
            heading.metadata["esnkit_keep"], after.metadata["esnkit_keep"] = "start", "end"


def _toc(nb) -> list[dict[str, str]]:
    """Level-2 headings of the narrative, with the anchors nbconvert gives them."""
    entries = []
    for cell in nb.cells:
        if set(cell.metadata.get("tags", [])) & set(HIDDEN_TAGS):
            continue
        if cell.cell_type == "markdown":
            source = cell.source
        else:  # a section shown only where the data support it opens with its heading in its output (esnkit.steps.sections)
            texts = [o.get("data", {}).get("text/markdown", "") for o in cell.get("outputs", [])]
            source = "\n".join("".join(t) if isinstance(t, list) else str(t) for t in texts)
        for line in source.splitlines():
            m = re.match(r"^##\s+(.+?)\s*#*\s*$", line)
            if m:
                text = m.group(1)
                entries.append({"text": text, "anchor": re.sub(r"\s", "-", text)})
    return entries


def export_html(
    notebook_path: Path,
    target: Path,
    *,
    step: Step,
    config: ClientConfig,
    paths: ClientPaths,
    run_date: dt.date,
    as_of: dt.date,
    period: str = "",
) -> Path:
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
    c.HTMLExporter.extra_template_basedirs = [str(templates_dir())]
    c.HTMLExporter.template_name = "esnkit"
    exporter = HTMLExporter(config=c)
    exporter.register_preprocessor(TagRemovePreprocessor(config=c), enabled=True)
    nb.metadata["title"] = f"{config.name} — Step {step.number}: {step.title}"
    keep_headings_with_what_follows(nb)
    resources = {
        "esnkit": {
            "client": config.name,
            "step_number": step.number,
            "step_title": step.title,
            "as_of": as_of.isoformat(),
            "run_date": run_date.isoformat(),
            "prepared_by": config.prepared_by or "",
            "version": __version__,
            "primary": config.branding.primary_color,
            "accent": config.branding.accent_color,
            "logo": _logo_data_uri(paths, config),
            "toc": _toc(nb),
            "period": period,
            "css_running_head": css_string(f"{config.name} · Step {step.number}: {step.title.split(':')[0]}"),
            "draft": True,
        }
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    # DRAFT (cover and running head) unless the consultant approved this very deliverable (esnkit.notes.approve):
    # the same HTML, its marks left out, hashes as recorded in approved.json
    if approved_digests(target.parent).get(target.name) == html_digest(body):
        body = strip_draft(body)
    atomic_write(target, body)
    return target


def is_draft(html_path: Path) -> bool:
    """True when the deliverable still carries its DRAFT marks (not approved, or changed since)."""
    return strip_draft(text := Path(html_path).read_text(encoding="utf-8")) != text


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


#: A last page with less text than this (besides its running header and footer) is nearly empty.
NEARLY_EMPTY_CHARS = 700


def print_pdf(html_path: Path, target: Path, *, chromium: str, timeout: float = 180) -> Path:
    """Print ``html_path`` to an A4 PDF with headless Chromium (flags tried on this machine type).

    The PDF is read back: when its last page is nearly empty (a few lines of the appendix, or
    nothing but the running header and footer), it is printed once more with tighter spacing
    (``esn-tight``), and the tighter print is kept when it has fewer pages.
    """
    with atomic_path(target) as tmp_pdf:
        _chromium_print(html_path, tmp_pdf, chromium=chromium, timeout=timeout)
        pages, last = _last_page(tmp_pdf)
        if pages > 1 and last < NEARLY_EMPTY_CHARS:
            with tempfile.TemporaryDirectory(prefix="esnkit-tight-") as folder:
                tight_html, tight_pdf = Path(folder) / html_path.name, Path(folder) / "tight.pdf"
                text = html_path.read_text(encoding="utf-8").replace('class="jp-Notebook esn-report"', 'class="jp-Notebook esn-report esn-tight"', 1)
                tight_html.write_text(text, encoding="utf-8")
                _chromium_print(tight_html, tight_pdf, chromium=chromium, timeout=timeout)
                if _last_page(tight_pdf)[0] < pages:
                    shutil.copyfile(tight_pdf, tmp_pdf)
    return target


def _last_page(pdf: Path) -> tuple[int, int]:
    """``(pages, characters on the last page)``, the running header and footer left out."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    text = re.sub(r"page \d+ of \d+|Con(\ufb01|fi)dential", "", reader.pages[-1].extract_text() or "")
    body = text.split("\n", 1)[1] if "\n" in text else ""  # the first line is the running header
    return len(reader.pages), len(re.sub(r"\s+", "", body))


#: Chromium prints in one process first (``--single-process``): the same pages, pixel for pixel, on
#: every deliverable tried here, at about half the resident memory summed over its processes (0.5
#: against 1.1 GiB over eleven processes, most of it the same shared pages counted once each), which
#: is what a run holds beside its kernel. Upstream calls the mode unsupported, so a print that fails
#: in it, or whose file cannot be read back, is printed again the usual way.
SINGLE_PROCESS = "--single-process"
SINGLE_PROCESS_TIMEOUT = 60.0


def _chromium_print(html_path: Path, tmp_pdf: Path, *, chromium: str, timeout: float) -> None:
    try:  # a print takes seconds: one that hangs in this mode is not waited for as long
        _chromium_run(html_path, tmp_pdf, chromium=chromium, timeout=min(timeout, SINGLE_PROCESS_TIMEOUT), extra=(SINGLE_PROCESS,))
        _last_page(tmp_pdf)  # a file Chromium wrote but pypdf cannot read is no print
        return
    except Exception:  # any failure of the one-process mode: print as usual below
        tmp_pdf.unlink(missing_ok=True)
    _chromium_run(html_path, tmp_pdf, chromium=chromium, timeout=timeout, extra=())


def _chromium_run(html_path: Path, tmp_pdf: Path, *, chromium: str, timeout: float, extra: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory(prefix="esnkit-chromium-") as profile:
        cmd = [
            chromium,
            "--headless",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--disable-extensions",
            *extra,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--virtual-time-budget=10000",
            f"--print-to-pdf={tmp_pdf}",
            html_path.resolve().as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.insert(2, "--no-sandbox")
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RunError(f"Chromium did not finish printing {html_path.name} within {timeout:.0f}s") from None
        if proc.returncode != 0 or not tmp_pdf.is_file() or tmp_pdf.stat().st_size == 0:
            tail = (proc.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise RunError(f"Chromium failed to print {html_path.name} (exit {proc.returncode}): {tail[0]}")
