"""The deliverables end to end on the tiny test client: papermill, nbconvert and a real headless Chromium."""

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from esnkit import Dataset
from esnkit import run as runmod
from esnkit.config import ClientPaths
from esnkit.errors import ConfigError, RunError
from esnkit.facts import plain
from esnkit.ingest import ingest_client
from esnkit.resources import notebooks_dir
from esnkit.steps import parameters_cell

TINY = Path(__file__).parent / "fixtures" / "tiny-client"
CHROMIUM = runmod.find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="no Chromium here (CI installs it)")


def copy_client(root: Path, name: str = "tiny") -> ClientPaths:
    dst = root / name
    shutil.copytree(TINY, dst, ignore=shutil.ignore_patterns("processed", "reports", "restricted", "plans", ".esnkit-key"))
    paths = ClientPaths(dst)
    ingest_client(paths)
    return paths


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    paths = copy_client(tmp_path_factory.mktemp("run"))
    # the consultant's notes on step 3, with a replacement that matches no sentence of its summary
    (paths.root / "notes").mkdir()
    (paths.root / "notes" / "3-reactivate.md").write_text(
        'Agreed on 2 December: 12 champions <b>first</b>.\n\n## Replace\n- "No such sentence." => "x"\n', encoding="utf-8"
    )
    lines = []
    written = runmod.run_client(paths, formats=("html", "pdf") if CHROMIUM else ("html",), progress=lines.append, delivered_on=DELIVERED_ON)
    return paths, written, lines


#: The day the fixture's deliverables are delivered: ten weeks after the data's as-of (2026-09-30).
DELIVERED_ON = dt.date(2026, 12, 7)


def test_between_steps_the_kernel_lets_go_of_what_no_later_step_asks_for(delivered):
    from esnkit.steps.context import CACHE_USES

    _paths, written, _ = delivered
    log = (next(p for p in written if p.name == "kpis.json").parent / "kernel.log").read_text(encoding="utf-8")
    cache = {m[1]: json.loads(m[2]) for m in re.finditer(r"^esnkit: cache after (\S+): (.*)$", log, re.M)}
    assert list(cache) == [s.name for s in runmod.STEPS] + ["record"]
    for step, seen in cache.items():
        # each step asks only for what it declares (else a later step computes it again after it was let go)
        assert seen["used"] and set(seen["used"]) <= CACHE_USES[step], (step, sorted(set(seen["used"]) - CACHE_USES[step]))
    assert "thread_base" in cache["plan"]["released"] and not {"thread_base", "graph"} & set(cache["assess"]["released"])
    assert cache["report"]["released"] == [] and cache["record"]["released"] == []  # the kernel ends there


def test_every_step_writes_notebook_html_and_pdf(delivered):
    paths, written, lines = delivered
    out = paths.reports("2026-09-30") if (paths.reports("2026-09-30")).exists() else next(paths.reports_root.iterdir())
    deliverables = [p for p in written if p.suffix in (".ipynb", ".html", ".pdf")]
    names = sorted(p.name for p in deliverables)
    stems = [s.stem for s in runmod.STEPS]
    assert names == sorted([f"{s}.{ext}" for s in stems for ext in (("ipynb", "html", "pdf") if CHROMIUM else ("ipynb", "html"))])
    assert all(p.parent == out and p.stat().st_size > 0 for p in deliverables)
    # besides the deliverables, the run saved exactly the plan, the contact lists and its record
    saved = sorted(str(p.relative_to(paths.root)) for p in written if p not in deliverables)
    assert saved == sorted(
        [
            f"plans/{out.name}.json",
            "restricted/champions.csv",
            "restricted/invite-back.csv",
            "restricted/key-people.csv",
            "restricted/never-activated.csv",
            "restricted/silent-heavy-contributors.csv",
            f"reports/{out.name}/kpis.json",
            f"reports/{out.name}/facts.json",
        ]
    )
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temporary files left behind"
    # the list of what was written, then the run's own audit, then which deliverables wait for the consultant's approval
    assert any("[5/5] 5-report" in line for line in lines) and lines[-3].strip().endswith(written[-1].name)
    assert lines[-2].strip().endswith("audit: no fault found in these deliverables")
    assert lines[-1] == (
        "DRAFT: 1-assess, 2-plan, 3-reactivate, 4-sustain, 5-report are marked DRAFT until approved; once reviewed, "
        f"`esnkit approve {paths.client} --as-of 2026-09-30` records the approval and takes the marks off"
    )


def test_the_run_records_every_figure_it_prints_and_its_own_audit_finds_no_fault(delivered):
    from esnkit.audit import audit

    paths, written, lines = delivered
    folder = next(p for p in written if p.name == "facts.json").parent
    facts = json.loads((folder / "facts.json").read_text(encoding="utf-8"))
    assert facts["as_of"] == folder.name
    assert {f["step"] for f in facts["facts"]} == {s.stem for s in runmod.STEPS}
    # every tile is a KPI, printed as kpis.json records it, in the registry's order
    record = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    tiles = [(f["measure"], f["label"], f["display"]) for f in facts["facts"] if f["section"] == "tiles"]
    assert tiles == [(k["kpi"], k["label"], k["display"]) for k in record["kpis"]]
    # each deliverable opens with the same findings, figure for figure
    findings = {
        s.stem: [(f["measure"], f["display"]) for f in facts["facts"] if f["step"] == s.stem and f["section"] == "findings"] for s in runmod.STEPS
    }
    assert len({tuple(v) for v in findings.values()}) == 1
    assert audit(paths) == [] and any(line.endswith("audit: no fault found in these deliverables") for line in lines)


def test_executed_notebook_records_its_parameters(delivered):
    paths, written, _ = delivered
    nb = nbformat.read(next(p for p in written if p.name == "1-assess.ipynb"), as_version=4)
    params = nb.metadata["papermill"]["parameters"]
    assert params["client_dir"] == str(paths.root) and params["min_group_size"] == 5 and params["show_names"] is False
    # the delivery date is recorded, so a re-run given it reproduces every due date; the appendix says it in words
    assert params["delivered_on"] == "2026-12-07"
    html = (paths.reports("2026-09-30") / "1-assess.html").read_text(encoding="utf-8")
    assert "delivered on 7\u00a0December\u00a02026, the day due dates count from" in html
    assert 'prepared <span class="esn-nb">2026-12-07</span>' in html
    # every finding's due date falls after the delivery date (the as-of would give 2026-10-31)
    block = html.split('data-block="findings"', 1)[1].split("</table>", 1)[0]
    by = re.findall(r"\b\d{4}-\d{2}-\d{2}\b", block)
    assert by and all(dt.date.fromisoformat(d) > DELIVERED_ON for d in by), by


def test_the_consultants_notes_print_after_the_summary_as_typed_and_an_unmatched_replacement_is_named(delivered):
    paths, _written, lines = delivered
    html = (paths.reports("2026-09-30") / "3-reactivate.html").read_text(encoding="utf-8")
    assert (
        html.index('data-block="summary"')
        < html.index("Consultant's notes")
        < html.index("What we found and what to do", html.index('data-block="summary"'))
    )
    assert "Agreed on 2 December: 12 champions &lt;b&gt;first&lt;/b&gt;." in html and "No such sentence" not in html
    assert any(line.endswith("3-reactivate.md: Replace matches no sentence of the summary: 'No such sentence.'") for line in lines)
    assert "Consultant's notes" not in (paths.reports("2026-09-30") / "1-assess.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("step", [s.stem for s in runmod.STEPS])
def test_html_is_code_free_offline_and_private(delivered, step):
    paths, written, _ = delivered
    html = next(p for p in written if p.name == f"{step}.html").read_text()
    body = html.split("<body", 1)[1]
    assert "<script" not in html.lower()
    assert not re.search(r'<link[^>]+href="https?://', html) and not re.search(r'src="https?://', html)
    assert "jp-InputArea-editor" not in body and 'class="jp-InputPrompt' not in body and "In&nbsp;[" not in body
    assert "open_step(" not in body and "show_table(" not in body and "import " not in body
    assert "Traceback" not in body and "Warning" not in body and "stderr" not in body
    assert not re.search(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", body), "an e-mail address leaked"
    ds = Dataset.read(paths.processed)
    names = set(ds.identities["name"].dropna())
    assert not [n for n in names if n in html], "a person's name leaked"
    assert "Confidential — prepared for Tiny Test Co" in html or "Confidential &mdash; prepared for Tiny Test Co" in html
    assert 'class="esn-toc"' in html


@needs_chromium
@pytest.mark.parametrize("step", list(runmod.STEPS), ids=lambda s: s.stem)
def test_pdf_carries_client_and_step_title(delivered, step):
    _paths, written, _ = delivered
    pdf = next(p for p in written if p.name == f"{step.stem}.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "TINY TEST CO" in flat.upper()
    assert f"Step {step.number}" in flat and step.title.split(":")[0] in flat
    pages = [page for page in text.split("\f") if page.strip()]
    for number, page in enumerate(pages, 1):  # a running head and foot on every printed page
        assert f"page {number} of {len(pages)}" in page and f"Tiny Test Co · Step {step.number}" in page and "Confidential" in page, number


def test_plan_and_kpis_are_saved_for_later_runs(delivered):
    paths, written, _ = delivered
    plans = list(paths.plans.glob("*.json"))
    assert len(plans) == 1 and json.loads(plans[0].read_text())["objectives"]
    kpis = json.loads((written[0].parent / "kpis.json").read_text())
    assert kpis["as_of"] == written[0].parent.name and kpis["kpis"]


def test_restricted_contact_lists_are_excel_safe_and_outside_reports(delivered):
    paths, _written, _ = delivered
    lists = sorted(p.name for p in paths.restricted.glob("*.csv"))
    assert lists == ["champions.csv", "invite-back.csv", "key-people.csv", "never-activated.csv", "silent-heavy-contributors.csv"]
    for p in paths.restricted.glob("*.csv"):
        frame = pd.read_csv(p, dtype=str, keep_default_na=False)
        cells = frame.to_numpy().ravel().tolist() + list(frame.columns)
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert "email" in pd.read_csv(paths.restricted / "invite-back.csv").columns
    # names and e-mails: readable by their owner only
    assert oct(paths.restricted.stat().st_mode & 0o777) == "0o700"
    assert {oct(p.stat().st_mode & 0o777) for p in paths.restricted.glob("*.csv")} == {"0o600"}


def _broken_notebooks(tmp_path: Path) -> Path:
    folder = tmp_path / "notebooks"
    shutil.copytree(notebooks_dir(), folder)
    nb = nbformat.read(folder / "1-assess.ipynb", as_version=4)
    nb.cells.insert(5, nbformat.v4.new_code_cell('raise ValueError("the export has no messages for this period")'))
    nbformat.write(nb, folder / "1-assess.ipynb")
    return folder


def test_a_failing_step_keeps_its_notebook_and_writes_no_html(tmp_path, monkeypatch):
    paths = copy_client(tmp_path)
    out = paths.reports("2026-09-30")
    out.mkdir(parents=True)
    (out / "1-assess.html").write_text("stale deliverable from an earlier run")
    monkeypatch.setenv("ESNKIT_NOTEBOOKS", str(_broken_notebooks(tmp_path)))
    with pytest.raises(RunError) as err:
        runmod.run_client(paths, steps=runmod.parse_steps("1,2"), formats=("html",), progress=lambda s: None)
    message = str(err.value)
    assert "1-assess" in message and "ValueError" in message and "no messages for this period" in message
    assert (out / "1-assess.ipynb").is_file()
    assert not (out / "1-assess.html").exists()
    assert (out / "2-plan.html").is_file()  # the other steps still ran


def test_a_dead_kernel_fails_its_step_and_a_fresh_one_runs_the_next(tmp_path, monkeypatch):
    # Steps share one kernel; if it dies (out of memory, say) the run must neither hang nor stop.
    paths = copy_client(tmp_path)
    folder = tmp_path / "notebooks"
    shutil.copytree(notebooks_dir(), folder)
    nb = nbformat.read(folder / "1-assess.ipynb", as_version=4)
    nb.cells.insert(5, nbformat.v4.new_code_cell("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"))
    nbformat.write(nb, folder / "1-assess.ipynb")
    nb = nbformat.read(folder / "3-reactivate.ipynb", as_version=4)
    # Steps 2 and 3 share the fresh kernel, but step 3 must not see step 2's variables (`ctx`, `p`).
    nb.cells.insert(2, nbformat.v4.new_code_cell("assert 'ctx' not in globals() and 'p' not in globals()"))
    nbformat.write(nb, folder / "3-reactivate.ipynb")
    monkeypatch.setenv("ESNKIT_NOTEBOOKS", str(folder))
    out = paths.reports("2026-09-30")
    out.mkdir(parents=True)
    (out / "1-assess.ipynb").write_text("an earlier run's notebook")
    with pytest.raises(RunError) as err:
        runmod.run_client(paths, steps=runmod.parse_steps("1,2,3"), formats=("html",), progress=lambda s: None)
    assert "1-assess" in str(err.value) and "kernel died" in str(err.value)
    # Whatever notebook is left for step 1 is this run's record, not the earlier run's.
    assert not (out / "1-assess.ipynb").is_file() or (out / "1-assess.ipynb").read_text() != "an earlier run's notebook"
    assert (out / "2-plan.html").is_file() and (out / "3-reactivate.html").is_file()
    assert not (out / "1-assess.html").exists()


def test_cli_failing_step_exits_non_zero_with_one_line(tmp_path):
    paths = copy_client(tmp_path)
    env = {**os.environ, "ESNKIT_NOTEBOOKS": str(_broken_notebooks(tmp_path))}
    r = subprocess.run(
        [sys.executable, "-m", "esnkit.cli", "run", "tiny", "--data-dir", str(tmp_path), "--steps", "assess", "--to", "html"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("esnkit: error:")]
    assert len(errors) == 1 and "1-assess" in errors[0] and "ValueError" in errors[0]
    assert "Traceback" not in r.stderr
    assert not list(paths.reports_root.glob("*/1-assess.html"))


def test_unknown_parameter_is_an_error(tmp_path, monkeypatch):
    paths = copy_client(tmp_path)
    folder = tmp_path / "nb"
    shutil.copytree(notebooks_dir(), folder)
    nb = nbformat.read(folder / "2-plan.ipynb", as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            cell.source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("inactive_days"))
    nbformat.write(nb, folder / "2-plan.ipynb")
    monkeypatch.setenv("ESNKIT_NOTEBOOKS", str(folder))
    with pytest.raises(RunError, match="inactive_days"):
        runmod.run_client(paths, steps=runmod.parse_steps("plan"), formats=("html",), progress=lambda s: None)


def test_without_chromium_html_is_written_and_the_message_says_how(tmp_path, monkeypatch):
    paths = copy_client(tmp_path)
    monkeypatch.setenv("ESNKIT_CHROMIUM", "/nonexistent/chromium")
    lines = []
    written = runmod.run_client(paths, steps=runmod.parse_steps("2"), progress=lines.append)
    assert [p.name for p in written if p.parent.parent == paths.reports_root] == ["2-plan.ipynb", "kpis.json", "2-plan.html", "facts.json"]
    assert any("PDF skipped" in line and "apt-get install chromium" in line for line in lines)


def test_step_and_format_parsing():
    assert [s.number for s in runmod.parse_steps("3,assess,1")] == [1, 3]
    assert [s.number for s in runmod.parse_steps(None)] == [1, 2, 3, 4, 5]
    with pytest.raises(ConfigError, match="unknown step 'six'"):
        runmod.parse_steps("six")
    assert runmod.parse_formats("pdf") == ("html", "pdf")
    with pytest.raises(ConfigError):
        runmod.parse_formats("docx")


def test_committed_notebooks_are_thin_and_output_free():
    for path in sorted(notebooks_dir().glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name
                assert not re.search(r"^\s*(def|class)\s", cell.source, re.M), path.name
        if path.stem != "explore":
            tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
            assert len(tagged) == 1
            # one definition of the parameters (esnkit.steps.PARAMETERS): typed, defaulted and commented
            assert tagged[0].source == parameters_cell(), path.name
            declared = __import__("papermill").inspect_notebook(str(path))
            assert list(declared) == ["client_dir", "as_of", "delivered_on", "min_group_size", "show_names", "inactive_days"], path.name
            assert all(p["inferred_type_name"] != "None" and p["help"] for p in declared.values()), path.name


def test_a_second_quarter_reports_against_the_first_plan_and_shows_movement(tmp_path):
    paths = copy_client(tmp_path)
    first = runmod.run_client(
        paths, steps=runmod.parse_steps("2,5"), as_of=__import__("datetime").date(2026, 6, 30), formats=("html",), progress=lambda s: None
    )
    html_first = plain(next(p for p in first if p.name == "5-report.html").read_text())  # what a reader sees
    assert "first report for this client" in html_first
    second = runmod.run_client(
        paths, steps=runmod.parse_steps("2,5"), as_of=__import__("datetime").date(2026, 9, 30), formats=("html",), progress=lambda s: None
    )
    html = plain(next(p for p in second if p.name == "5-report.html").read_text())
    assert "Since the report of 2026-06-30" in html
    # the tiny client agreed no objectives: the plan of June was proposed, so no traffic lights
    assert "The plan of 2026-06-30 was proposed, not agreed" in html
    record = json.loads((paths.reports("2026-09-30") / "kpis.json").read_text())
    assert record["objectives"] and {o["status"] for o in record["objectives"]} == {"baseline"}
    assert {o["plan"] for o in record["objectives"]} == {"proposed"}
    assert sorted(p.stem for p in paths.plans.glob("*.json")) == ["2026-06-30", "2026-09-30"]


def test_a_failing_printer_is_in_the_failure_summary_and_leaves_no_pdf(tmp_path, monkeypatch):
    paths = copy_client(tmp_path)
    out = paths.reports("2026-09-30")
    out.mkdir(parents=True)
    (out / "2-plan.pdf").write_text("an earlier run's PDF")
    printer = tmp_path / "broken-chromium"
    printer.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n")
    printer.chmod(0o755)
    monkeypatch.setenv("ESNKIT_CHROMIUM", str(printer))
    lines = []
    with pytest.raises(RunError) as err:
        runmod.run_client(paths, steps=runmod.parse_steps("2"), progress=lines.append)
    assert "2-plan: export failed" in str(err.value) and "exit 3" in str(err.value) and "cannot open display" in str(err.value)
    assert (out / "2-plan.ipynb").is_file()
    assert not (out / "2-plan.pdf").exists() and not (out / "2-plan.html").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_the_kernels_stderr_is_kept_in_kernel_log_and_it_has_the_runs_memory_settings_unless_the_environment_has_its_own(tmp_path, monkeypatch):
    paths = copy_client(tmp_path)
    folder = tmp_path / "notebooks"
    shutil.copytree(notebooks_dir(), folder)
    nb = nbformat.read(folder / "2-plan.ipynb", as_version=4)
    said = (
        "os.write(2, b'native library says: segfault ahead\\n')\n"
        "for name in ('MALLOC_MMAP_MAX_', 'NUMPY_MADVISE_HUGEPAGE'):\n"
        "    os.write(2, f'{name}={os.environ.get(name)}\\n'.encode())"
    )
    nb.cells.insert(5, nbformat.v4.new_code_cell("import os\n" + said))
    nbformat.write(nb, folder / "2-plan.ipynb")
    monkeypatch.setenv("ESNKIT_NOTEBOOKS", str(folder))
    monkeypatch.delenv("MALLOC_MMAP_MAX_", raising=False)
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")  # the user's own setting wins
    runmod.run_client(paths, steps=runmod.parse_steps("2"), formats=("html",), progress=lambda s: None)
    log = (paths.reports("2026-09-30") / "kernel.log").read_text()
    assert "native library says: segfault ahead" in log
    # esnkit.run.kernel.KERNEL_ENV's setting (every big block from the heap), and the environment's own value kept
    assert "MALLOC_MMAP_MAX_=0\nNUMPY_MADVISE_HUGEPAGE=1\n" in log


_HOLE_THEN_RELEASE = """
import matplotlib.pyplot, numpy as np, psutil, pyarrow  # what a step has imported
from esnkit.run.kernel import release_memory
rss = lambda: psutil.Process().memory_info().rss
big = np.ones(400 * 2**20 // 8)   # from the heap, as in the kernel
above = np.ones(8 * 2**20 // 8)  # from the top, above it: freeing the big block leaves a hole below the top
del big
held = rss()
release_memory()
print(held - rss())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap")
def test_between_notebooks_the_kernel_hands_the_heaps_free_pages_back():
    from esnkit.run.kernel import KERNEL_ENV

    env = {**os.environ, **KERNEL_ENV}
    out = subprocess.run([sys.executable, "-c", _HOLE_THEN_RELEASE], env=env, capture_output=True, text=True, check=True)
    assert int(out.stdout) > 300 * 2**20  # the 400 MiB hole went back; without malloc_trim the process keeps it


def test_an_agreed_plan_gets_traffic_lights_a_quarter_later(tmp_path):
    paths = copy_client(tmp_path)
    config = paths.config_file.read_text().replace(
        "objectives: []",
        "objectives:\n  - {id: answered, metric: response_rate, target: 0.9, deadline: 2027-06-30, owner: Comms, theme: Questions get answers}\n"
        "  - {id: active, metric: active_30, target: 120, deadline: 2027-06-30, owner: Comms, theme: Momentum}",
    )
    assert "objectives:\n  - {id: answered" in config, "the tiny client's client.yml changed shape"
    paths.config_file.write_text(config)
    import datetime as dt

    first = runmod.run_client(paths, steps=runmod.parse_steps("2,5"), as_of=dt.date(2026, 6, 30), formats=("html",), progress=lambda s: None)
    html_first = plain(next(p for p in first if p.name == "5-report.html").read_text())  # what a reader sees
    assert "agreed on this report's own date (2026-06-30)" in html_first  # the plan's own date: its baseline, no status
    second = runmod.run_client(paths, steps=runmod.parse_steps("5"), as_of=dt.date(2026, 9, 30), formats=("html",), progress=lambda s: None)
    html = plain(next(p for p in second if p.name == "5-report.html").read_text())
    assert "Against the plan of 2026-06-30" in html
    record = json.loads((paths.reports("2026-09-30") / "kpis.json").read_text())
    kpi_now = {k["kpi"]: k["value"] for k in record["kpis"]}
    for o in record["objectives"]:
        assert o["plan"] == "agreed" and o["status"] in ("on track", "at risk", "off track")
        assert o["now"] == kpi_now[o["kpi"]]  # one definition: the objective's now is the KPI's value
        if o["status"] == "on track":
            assert (o["forecast_at_deadline"] >= o["target"]) == o["higher_is_better"]


def _processes_in(folder: Path) -> list[int]:
    """Pids of the processes whose working folder is ``folder`` (the run's kernel works in its report folder)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if Path(os.readlink(proc / "cwd")) == folder:
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_killed_run_leaves_no_kernel_and_the_next_run_no_leftovers(tmp_path, how):
    import signal
    import time

    paths = copy_client(tmp_path)
    out = paths.reports("2026-09-30")
    proc = subprocess.Popen(
        [sys.executable, "-m", "esnkit.cli", "run", "tiny", "--data-dir", str(tmp_path), "--to", "html"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.time() + 120
    kernels = []
    while time.time() < deadline and not kernels:
        kernels = [pid for pid in _processes_in(out.resolve()) if pid != proc.pid] if out.exists() else []
        time.sleep(0.2)
    assert kernels, "the run never started its kernel"
    time.sleep(1.0)  # mid-step
    proc.send_signal(getattr(signal, how))
    proc.wait(timeout=60)
    deadline = time.time() + 20
    while time.time() < deadline and any(Path(f"/proc/{pid}").exists() for pid in kernels):
        time.sleep(0.2)
    assert not [pid for pid in kernels if Path(f"/proc/{pid}").exists()], "the kernel outlived its run"
    (out / ".1-assess.ipynb.abc123.ipynb").write_text("a killed run's temporary notebook")
    runmod.run_client(paths, steps=runmod.parse_steps("1"), formats=("html",), progress=lambda s: None)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_every_person_in_step_3_is_found_by_ref_in_the_restricted_lists_and_refs_are_stable(delivered):
    paths, written, _ = delivered
    html = {p.stem: p.read_text() for p in written if p.suffix == ".html"}
    shown = set(re.findall(r"P-[A-Z2-7]{8,10}", html["3-reactivate"]))
    assert shown, "step 3 shows no person"
    listed = set()
    for csv_path in paths.restricted.glob("*.csv"):
        frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
        listed |= set(frame["ref"]) | set(frame.get("inviter_ref", pd.Series(dtype=str)))
    assert shown <= listed, shown - listed
    # the same person has the same reference in every report: recomputed from the data, refs agree
    from esnkit.privacy import person_refs

    ds = Dataset.read(paths.processed)
    all_refs = set(person_refs(ds.people["person_id"]))
    for stem, page in html.items():
        assert set(re.findall(r"P-[A-Z2-7]{8,10}", page)) <= all_refs, stem


def test_a_full_table_is_written_beside_the_report_and_the_consultant_is_told_what_to_do(delivered, monkeypatch):
    import datetime as dt

    from esnkit import render
    from esnkit.config import load_config
    from esnkit.steps import notebook_parameters
    from esnkit.steps.outputs import consultant_notes, save_step_outputs

    paths, _written, lines = delivered
    parameters = notebook_parameters(paths, load_config(paths.config_file), dt.date(2026, 9, 30))
    monkeypatch.setattr(render, "PENDING_CSV", {"1-assess-all-communities.csv": pd.DataFrame({"name": ["=HYPERLINK(1)", "Sales"]})})
    written = save_step_outputs("assess", **parameters)
    assert written == [paths.reports("2026-09-30") / "1-assess-all-communities.csv"] and render.PENDING_CSV == {}
    frame = pd.read_csv(written[0], dtype=str)
    assert frame["name"].tolist() == ["'=HYPERLINK(1)", "Sales"]  # Excel-safe
    # Advice for the consultant goes to the console, never into the client's documents
    notes = consultant_notes(**parameters)
    assert any("owners:" in n for n in notes) and any("objectives:" in n for n in notes)
    assert any("note: no owner named for" in line for line in lines)
    html = (paths.reports("2026-09-30") / "2-plan.html").read_text()
    assert "client.yml" not in html.split("<body", 1)[1].split('id="Appendix"')[0]


@needs_chromium
def test_no_table_or_figure_is_wider_than_the_printable_a4_width(delivered, tmp_path):
    from print_layout import overflowing

    _paths, written, _ = delivered
    for html in [p for p in written if p.suffix == ".html"]:
        assert overflowing(html, CHROMIUM) == [], html.name
    # the check itself sees an overflow: a table of 30 columns of long numbers cannot fit
    wide = pd.DataFrame({f"column {i}": [123456789.123] for i in range(30)})
    page = tmp_path / "wide.html"
    page.write_text(f"<html><body>{render_table(wide)}</body></html>")
    assert overflowing(page, CHROMIUM)


def render_table(frame):
    from esnkit.render import table_html

    return table_html(frame)


@needs_chromium
def test_a_last_page_left_nearly_empty_is_printed_again_tighter(tmp_path):
    from esnkit.run.export import _last_page, print_pdf

    # A block a little taller than a page leaves one line for page 2; the tighter print (esn-tight) fits on one.
    page = """<html><head><style>@page { size: A4; margin: 14mm 12mm; } .block { height: 1080px; } .esn-tight .block { height: 700px; }
    </style></head><body class="jp-Notebook esn-report"><div class="block">Body</div><p>Prepared with esnkit.</p></body></html>"""
    html = tmp_path / "report.html"
    html.write_text(page)
    plain = tmp_path / "plain.pdf"
    runmod.export._chromium_print(html, plain, chromium=CHROMIUM, timeout=120)
    assert _last_page(plain)[0] == 2 and _last_page(plain)[1] < 50  # as printed first: a page for one line
    printed = print_pdf(html, tmp_path / "report.pdf", chromium=CHROMIUM)
    assert _last_page(printed)[0] == 1


PAGES = """<html><head><style>@page { size: A4; margin: 14mm 12mm; } .block { height: 900px; }</style></head>
<body class="jp-Notebook esn-report"><div class="block"><h1>One</h1></div><div style="break-before: page"><p>Two: 1,234 people</p></div></body></html>"""


@needs_chromium
def test_chromium_prints_in_one_process_the_same_pages_as_in_many(tmp_path):
    from pypdf import PdfReader

    html = tmp_path / "report.html"
    html.write_text(PAGES)
    one, many = tmp_path / "one.pdf", tmp_path / "many.pdf"
    runmod.export._chromium_run(html, one, chromium=CHROMIUM, timeout=120, extra=(runmod.export.SINGLE_PROCESS,))
    runmod.export._chromium_run(html, many, chromium=CHROMIUM, timeout=120, extra=())
    text = [[page.extract_text() for page in PdfReader(str(pdf)).pages] for pdf in (one, many)]
    assert text[0] == text[1] and len(text[0]) == 2 and "1,234 people" in text[0][1]


@needs_chromium
def test_a_print_that_fails_in_one_process_is_printed_again_in_many(tmp_path):
    # A real Chromium behind a wrapper that fails whenever it is asked for one process.
    wrapper = tmp_path / "chromium-no-single"
    log = tmp_path / "calls.log"
    wrapper.write_text(
        f'#!/bin/sh\necho "$*" >> {log}\nfor a in "$@"; do [ "$a" = --single-process ] && {{ echo "refused" >&2; exit 3; }}; done\nexec {CHROMIUM} "$@"\n'
    )
    wrapper.chmod(0o755)
    html = tmp_path / "report.html"
    html.write_text(PAGES)
    printed = tmp_path / "report.pdf"  # one print (print_pdf may print a second time, tighter, by its page count)
    runmod.export._chromium_print(html, printed, chromium=str(wrapper), timeout=120)
    assert runmod.export._last_page(printed)[0] == 2
    calls = log.read_text().splitlines()
    assert len(calls) == 2 and "--single-process" in calls[0].split() and "--single-process" not in calls[1].split()
    log.unlink()
    # and a Chromium that fails both ways is reported with its own message, nothing left behind
    broken = tmp_path / "chromium-broken"
    broken.write_text('#!/bin/sh\necho "cannot open display" >&2\nexit 1\n')
    broken.chmod(0o755)
    with pytest.raises(RunError, match=r"Chromium failed to print report.html \(exit 1\): cannot open display"):
        runmod.print_pdf(html, tmp_path / "broken.pdf", chromium=str(broken))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chromium-broken", "chromium-no-single", "report.html", "report.pdf"]
