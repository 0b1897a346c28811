"""The command line as a user meets it: one clear line on bad input, no traceback, nothing written."""

import contextlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from esnkit import Dataset

FIXTURE = Path(__file__).parent / "fixtures" / "viva-engage-small"
FIXTURES = Path(__file__).parent / "fixtures"


def esnkit(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "esnkit.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


def make_client(root: Path, source: str = "raw/export") -> Path:
    r = esnkit("init", "acme", "--data-dir", root)
    assert r.returncode == 0, r.stderr
    client = root / "acme"
    text = (client / "client.yml").read_text().replace("sources:", f"sources:\n  - path: {source}\n    format: auto", 1)
    (client / "client.yml").write_text(text)
    return client


def test_init_writes_a_commented_template_and_refuses_to_overwrite(tmp_path):
    r = esnkit("init", "acme", "--data-dir", tmp_path)
    assert r.returncode == 0
    assert "# esnkit client configuration" in (tmp_path / "acme" / "client.yml").read_text()
    assert (tmp_path / "acme" / "raw" / "canonical-template" / "messages.csv").is_file()
    again = esnkit("init", "acme", "--data-dir", tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr


def test_ingest_writes_processed_and_prints_a_summary(tmp_path):
    client = make_client(tmp_path)
    shutil.copytree(FIXTURE, client / "raw" / "export")
    r = esnkit("ingest", "acme", "--data-dir", tmp_path)
    assert r.returncode == 0, r.stderr
    assert "messages" in r.stdout and "1 deleted message left out" in r.stdout
    assert "People by state: active 3" in r.stdout
    ds = Dataset.read(client / "processed")
    assert len(ds.messages) == 7
    key = (client / ".esnkit-key").read_text().strip()
    assert key not in r.stdout + r.stderr


def test_data_dir_from_the_environment(tmp_path):
    env_root = tmp_path / "elsewhere"
    r = subprocess.run(
        [sys.executable, "-m", "esnkit.cli", "init", "acme"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "ESNKIT_DATA_DIR": str(env_root)},
        cwd=tmp_path,
    )
    assert r.returncode == 0 and (env_root / "acme" / "client.yml").is_file()


def _truncated_zip(client):
    src = client / "raw" / "full.zip"
    with zipfile.ZipFile(src, "w") as zf:
        for p in FIXTURE.iterdir():
            zf.write(p, p.name)
    data = src.read_bytes()
    (client / "raw" / "export.zip").write_bytes(data[: len(data) // 2])
    src.unlink()


def _no_messages(client):
    shutil.copytree(FIXTURE, client / "raw" / "export.zip")
    (client / "raw" / "export.zip" / "Messages.csv").unlink()


def _no_sender(client):
    shutil.copytree(FIXTURE, client / "raw" / "export.zip")
    frame = pd.read_csv(client / "raw" / "export.zip" / "Messages.csv", dtype=str, encoding="utf-8-sig")
    frame.drop(columns="sender_id").to_csv(client / "raw" / "export.zip" / "Messages.csv", index=False)


def _not_an_export(client):
    (client / "raw" / "export.zip").write_bytes(b"%PDF-1.4 this is not a zip")


def _zip_slip(client):
    with zipfile.ZipFile(client / "raw" / "export.zip", "w") as zf:
        for p in FIXTURE.iterdir():
            zf.write(p, p.name)
        zf.writestr("../../evil.txt", "gotcha")


@pytest.mark.parametrize(
    "breakage, words",
    [
        (_truncated_zip, ["export.zip", "zip"]),
        (_no_messages, ["Messages.csv"]),
        (_no_sender, ["Messages.csv", "sender_id"]),
        (_not_an_export, ["export.zip", "zip"]),
        (_zip_slip, ["export.zip", "zip slip"]),
    ],
)
def test_bad_input_one_line_no_traceback_nothing_written(tmp_path, breakage, words):
    client = make_client(tmp_path, source="raw/export.zip")
    breakage(client)
    for args in (("ingest", "acme", "--data-dir", tmp_path), ("check", client / "raw" / "export.zip")):
        r = esnkit(*args)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("esnkit: error:"), r.stderr
        for w in words:
            assert w in lines[0], (w, lines[0])
    assert not (client / "processed").exists()
    assert not (tmp_path.parent / "evil.txt").exists()


def _snapshot(folder):
    """Every file under ``folder`` (the reductions in ``reduced/`` included), by path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_failed_ingest_keeps_the_previous_processed_data(tmp_path):
    client = make_client(tmp_path)
    shutil.copytree(FIXTURE, client / "raw" / "export")
    assert esnkit("ingest", "acme", "--data-dir", tmp_path).returncode == 0
    before = _snapshot(client / "processed")
    (client / "raw" / "export" / "Users.csv").unlink()
    r = esnkit("ingest", "acme", "--data-dir", tmp_path)
    assert r.returncode == 1 and "Users.csv" in r.stderr
    assert _snapshot(client / "processed") == before


def test_check_reports_a_usable_export(tmp_path):
    r = esnkit("check", FIXTURE)
    assert r.returncode == 0, r.stderr
    assert "viva-engage export, usable" in r.stdout
    assert "loaded without a client key" not in r.stdout


@pytest.mark.parametrize(
    "args, line",
    [
        (
            ["frobnicate"],
            "esnkit: error: argument COMMAND: invalid choice: 'frobnicate' "
            "(choose from 'init', 'ingest', 'reduce', 'check', 'demo', 'run', 'audit', 'approve', 'lab', 'key', 'forget'); see `esnkit --help`",
        ),
        ([], "esnkit: error: the following arguments are required: COMMAND; see `esnkit --help`"),
        (["run"], "esnkit: error: the following arguments are required: client; see `esnkit run --help`"),
        (["demo", "--people", "many"], "esnkit: error: argument --people: invalid int value: 'many'; see `esnkit demo --help`"),
        (["init", "acme", "--colour"], "esnkit: error: unrecognized arguments: --colour; see `esnkit --help`"),
    ],
)
def test_a_wrong_command_line_is_one_line_and_exit_1(tmp_path, args, line):
    """As the README says of every error a user can act on: one line, exit 1 (argparse's own is usage + error, exit 2)."""
    r = esnkit(*args, cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", line + "\n")
    assert not (tmp_path / "data").exists()


def test_help_and_version_still_exit_0():
    for args in (["--help"], ["run", "--help"], ["--version"]):
        r = esnkit(*args)
        assert r.returncode == 0 and r.stderr == "" and r.stdout.startswith(("usage: esnkit", "esnkit ")), args


def test_run_takes_to_both_as_its_help_offers(tmp_path):
    """``--to both`` gets past the formats to the next thing missing (no ingest yet); an unknown format is named."""
    make_client(tmp_path)
    both = esnkit("run", "acme", "--to", "both", "--data-dir", tmp_path)
    assert both.stderr == f"esnkit: error: {tmp_path / 'acme' / 'processed'}: no processed data; run `esnkit ingest acme` first\n"
    docx = esnkit("run", "acme", "--to", "docx", "--data-dir", tmp_path)
    assert (docx.returncode, docx.stderr) == (1, "esnkit: error: unknown export format(s) ['docx']; use html, pdf or both\n")
    assert "html, pdf or both (default: both" in " ".join(esnkit("run", "--help").stdout.split())


def test_run_and_approve_take_dates_and_say_in_one_line_what_is_missing(tmp_path):
    make_client(tmp_path)
    bad = esnkit("run", "acme", "--delivered-on", "7 Dec", "--data-dir", tmp_path)
    assert (bad.returncode, bad.stderr) == (1, "esnkit: error: --delivered-on '7 Dec' is not a date; use YYYY-MM-DD, e.g. 2026-06-30\n")
    none = esnkit("approve", "acme", "--data-dir", tmp_path)
    assert (none.returncode, none.stderr) == (1, f"esnkit: error: {tmp_path / 'acme' / 'reports'}: no report folder; run `esnkit run acme` first\n")
    (tmp_path / "acme" / "reports" / "2026-09-30").mkdir(parents=True)
    empty = esnkit("approve", "acme", "--as-of", "2026-09-30", "--data-dir", tmp_path)
    assert empty.returncode == 1 and empty.stderr.endswith("2026-09-30: no deliverable to approve; run `esnkit run` first\n")
    other = esnkit("approve", "acme", "--as-of", "2026-06-30", "--data-dir", tmp_path)
    assert other.returncode == 1 and "no report folder for 2026-06-30; run `esnkit run acme --as-of 2026-06-30` first" in other.stderr
    helps = " ".join(esnkit("approve", "--help").stdout.split())
    assert "--by BY who approves, as recorded (default: client.yml's prepared_by" in helps
    assert "--delivered-on DELIVERED_ON the day the deliverables go to the client" in " ".join(esnkit("run", "--help").stdout.split())


def test_check_on_a_missing_path_names_it_and_says_what_to_give(tmp_path):
    missing = tmp_path / "export.zip"
    r = esnkit("check", missing)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == (
        f"esnkit: error: {missing}: no such file or folder; give the path of an export as received, a zip or a folder (e.g. data/acme/raw/export.zip)\n"
    )
    assert "client.yml" not in r.stderr
    assert "Traceback" in esnkit("check", missing, "--debug").stderr


def test_every_argument_and_option_has_help():
    from esnkit.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, __import__("argparse")._SubParsersAction))
    assert set(commands.choices) == {"init", "ingest", "reduce", "check", "demo", "run", "audit", "approve", "lab", "key", "forget"}
    for name, sub in commands.choices.items():
        for action in sub._actions:
            assert action.help, (name, action.dest)
    # as a user reads them: demo's options say what they set and their defaults
    demo = " ".join(esnkit("demo", "--help").stdout.split())
    assert "--people PEOPLE how many people the network has (default: 2000)" in demo
    assert "--seed SEED random seed: the same seed writes the same client (default: 0)" in demo
    check = " ".join(esnkit("check", "--help").stdout.split())
    assert "path an export as received: a zip or a folder" in check


def test_init_ends_with_the_next_steps_in_order(tmp_path):
    r = esnkit("init", "acme", "--data-dir", tmp_path)
    client = tmp_path / "acme"
    assert r.returncode == 0 and r.stdout.splitlines()[-4:] == [
        "next:",
        f"  1. copy the client's export into {client / 'raw'}/ and list it in {client / 'client.yml'} under `sources:`",
        f"  2. esnkit check {client / 'raw'}/EXPORT   (is it usable? counts, dates, data-quality warnings)",
        f"  3. esnkit ingest acme --data-dir {tmp_path}",
    ]
    # and ingest, run before step 1, says the same
    early = esnkit("ingest", "acme", "--data-dir", tmp_path)
    assert early.returncode == 1 and "no sources listed; add the exports under raw/ to `sources:`" in early.stderr


def test_the_template_and_run_help_give_the_as_of_default_the_run_uses(tmp_path):
    from esnkit.steps import default_as_of

    rule = "the last day of the last complete month in the data"
    make_client(tmp_path)
    template = (tmp_path / "acme" / "client.yml").read_text()
    assert f"# as_of: 2026-06-30             # last day analysed (default: {rule})" in template
    assert f"else {rule})" in " ".join(esnkit("run", "--help").stdout.split())
    # what the rule says, worked by hand: data to 15 October -> 30 September; to 31 October -> 31 October
    assert default_as_of("2026-10-15T12:00:00+00:00", "2025-01-03T00:00:00+00:00").isoformat() == "2026-09-30"
    assert default_as_of("2026-10-31T23:00:00+00:00", "2025-01-03T00:00:00+00:00").isoformat() == "2026-10-31"


def test_the_template_documents_allow_small_groups_and_its_line_works(tmp_path):
    from esnkit.config import load_config
    from esnkit.errors import ConfigError

    make_client(tmp_path)
    path = tmp_path / "acme" / "client.yml"
    template = path.read_text()
    line = "# allow_small_groups: true      # needed for a min_group_size under 3: only with the client's written agreement"
    assert line in template
    small = template.replace("min_group_size: 5 ", "min_group_size: 2 ")
    path.write_text(small)
    with pytest.raises(ConfigError, match="allow_small_groups: true"):
        load_config(path)
    path.write_text(small.replace(line, line[2:]))  # uncommented, as the comment tells the consultant to
    cfg = load_config(path)
    assert cfg.min_group_size == 2 and cfg.allow_small_groups is True


def test_global_options_go_before_or_after_the_command(tmp_path):
    before = esnkit("--data-dir", tmp_path / "a", "init", "acme")
    after = esnkit("init", "acme", "--data-dir", tmp_path / "b")
    assert before.returncode == 0 and after.returncode == 0, before.stderr + after.stderr
    assert (tmp_path / "a" / "acme" / "client.yml").is_file() and (tmp_path / "b" / "acme" / "client.yml").is_file()
    # --debug shows the traceback a user's error otherwise hides, in either place
    for args in (("--debug", "ingest", "nobody", "--data-dir", tmp_path), ("ingest", "nobody", "--data-dir", tmp_path, "--debug")):
        r = esnkit(*args)
        assert r.returncode != 0 and "Traceback" in r.stderr, args
    plain = esnkit("ingest", "nobody", "--data-dir", tmp_path)
    assert plain.returncode == 1 and "Traceback" not in plain.stderr and plain.stderr.startswith("esnkit: error:")


def test_init_name_cannot_inject_yaml(tmp_path):
    from esnkit.config import load_config

    name = 'Acme "Group"\nshow_names: true\nmin_group_size: 1'
    r = esnkit("init", "acme", "--data-dir", tmp_path, "--name", name)
    assert r.returncode == 0, r.stderr
    cfg = load_config(tmp_path / "acme" / "client.yml")
    assert cfg.name == name and cfg.show_names is False and cfg.min_group_size == 5


@pytest.mark.parametrize(
    "setup, args, words",
    [
        (lambda c: None, ["run", "acme", "--as-of", "2026-13-01"], ["--as-of", "not a date"]),
        (
            lambda c: (c / "client.yml").write_text((c / "client.yml").read_text() + "\nas_of: 2026-02-30\n"),
            ["run", "acme"],
            ["client.yml", "impossible date"],
        ),
    ],
)
def test_impossible_dates_are_one_line(tmp_path, setup, args, words):
    client = make_client(tmp_path)
    setup(client)
    r = esnkit(*args, "--data-dir", tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    line = r.stderr.strip()
    assert line.startswith("esnkit: error:") and "\n" not in line and all(w in line for w in words), line


def _header_only(client):
    shutil.copytree(FIXTURE, client / "raw" / "export")
    path = client / "raw" / "export" / "Messages.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").splitlines()[0] + "\n", encoding="utf-8")


def _duplicate_header(client):
    shutil.copytree(FIXTURE, client / "raw" / "export")
    path = client / "raw" / "export" / "Messages.csv"
    lines = path.read_text(encoding="utf-8-sig").split("\n", 1)
    path.write_text(lines[0].replace("future_column", "sender_id") + "\n" + lines[1], encoding="utf-8")


@pytest.mark.parametrize(
    "breakage, words",
    [(_header_only, ["no messages or activity", "processed/ is as it was"]), (_duplicate_header, ["Messages.csv", "'sender_id' appears 2 times"])],
)
def test_ingest_refuses_what_check_calls_unusable_and_keeps_the_good_data(tmp_path, breakage, words):
    client = make_client(tmp_path)
    shutil.copytree(FIXTURE, client / "raw" / "good")
    (client / "client.yml").write_text((client / "client.yml").read_text().replace("raw/export", "raw/good"))
    assert esnkit("ingest", "acme", "--data-dir", tmp_path).returncode == 0
    before = _snapshot(client / "processed")
    (client / "client.yml").write_text((client / "client.yml").read_text().replace("raw/good", "raw/export"))
    breakage(client)
    r = esnkit("ingest", "acme", "--data-dir", tmp_path)
    line = r.stderr.strip()
    assert r.returncode == 1 and "\n" not in line and all(w in line for w in words), r.stderr
    assert _snapshot(client / "processed") == before
    check = esnkit("check", client / "raw" / "export")
    assert check.returncode == 1


def test_ingest_records_the_warnings_check_gives(tmp_path):
    client = make_client(tmp_path)
    shutil.copytree(FIXTURE, client / "raw" / "export")
    path = client / "raw" / "export" / "Messages.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace("2024-03-05T10:22:11Z", "2099-03-05T10:22:11Z", 1), encoding="utf-8")
    r = esnkit("ingest", "acme", "--data-dir", tmp_path)
    assert r.returncode == 0, r.stderr
    assert "1 message dated in the future" in r.stdout
    assert any("dated in the future" in w for w in Dataset.read(client / "processed").meta.warnings)


def test_an_error_line_never_carries_control_characters():
    from esnkit.cli import _one_line

    assert _one_line("bad\x00name\nsecond line\x1b[31m") == "bad\\x00name second line\\x1b[31m"


@contextlib.contextmanager
def running_lab(tmp_path, *, ingest: bool = False):
    """`esnkit lab tiny` really running on a free port with a known token: yields (client folder, port)."""
    import os
    import socket

    client = tmp_path / "data" / "tiny"
    shutil.copytree(
        FIXTURES / "tiny-client", client, ignore=shutil.ignore_patterns("processed", "reports", "restricted", "plans"), dirs_exist_ok=True
    )
    cli = [sys.executable, "-m", "esnkit.cli", "--data-dir", str(tmp_path / "data")]
    if ingest:
        assert subprocess.run([*cli, "ingest", "tiny"], capture_output=True).returncode == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, JUPYTER_TOKEN=LAB_TOKEN, JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"))
    lab = subprocess.Popen(
        [*cli, "lab", "tiny", "--no-browser", "--port", str(port), "--ip", "127.0.0.1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield client, port
    finally:
        lab.terminate()
        lab.wait(timeout=30)


LAB_TOKEN = "esnkit-test"


def _environment_of_lab_on(port: int) -> set[str]:
    """The environment (``NAME=value`` strings) of the JupyterLab server listening on ``port``, read from /proc."""
    from pathlib import Path

    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            if f"--port={port}".encode() in args:  # jupyter-lab itself (`esnkit lab` passes the port as two words)
                return set((proc / "environ").read_bytes().decode().split("\0"))
        except OSError:
            continue
    raise AssertionError(f"no JupyterLab server on port {port}")


def test_lab_opens_jupyterlab_on_the_explorer_alone_and_saves_no_outputs(tmp_path):
    """A real JupyterLab, rooted at the client's lab/ folder: the explorer is there, the data, key and lists are not reachable,
    and a save (as autosave does) writes no outputs, widget state or jupytext pair."""
    import json
    import time
    import urllib.error
    import urllib.request

    (tmp_path / "data" / "tiny" / "restricted").mkdir(parents=True)
    (tmp_path / "data" / "tiny" / "restricted" / "key-people.csv").write_text("ref\n")
    with running_lab(tmp_path) as (client, port):

        def call(path, method="GET", body=None):
            url = f"http://127.0.0.1:{port}/api/contents/{path}?token={LAB_TOKEN}"
            request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
            with urllib.request.urlopen(request, timeout=10) as r:
                return json.load(r)

        deadline, root = time.time() + 90, None
        while time.time() < deadline and root is None:
            try:
                root = call("")
            except OSError:
                time.sleep(0.5)
        assert root is not None, "JupyterLab did not start"
        assert {item["name"] for item in root["content"]} == {"explore.ipynb"}
        for outside in ("../processed", "../restricted/key-people.csv", "../.esnkit-key", "%2E%2E/restricted"):
            with pytest.raises(urllib.error.HTTPError):
                call(outside)
        nb = call("explore.ipynb")["content"]
        assert "jupytext" not in nb["metadata"]
        code = next(c for c in nb["cells"] if c["cell_type"] == "code" and "Explorer" in c["source"])
        code["outputs"] = [{"output_type": "display_data", "data": {"text/html": "<b>146 people</b>"}, "metadata": {}}]
        code["execution_count"] = 3
        nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"x": {"value": "146 people"}}}}
        nb["metadata"]["jupytext"] = {"formats": "ipynb,py:percent"}
        call("explore.ipynb", "PUT", {"type": "notebook", "format": "json", "content": nb})
        # the server (whose environment its kernels inherit) has the run's kernel memory settings
        assert {"MALLOC_MMAP_MAX_=0", "NUMPY_MADVISE_HUGEPAGE=0"} <= _environment_of_lab_on(port)
    saved = (client / "lab" / "explore.ipynb").read_text()
    assert "146 people" not in saved and '"execution_count": 3' not in saved and "jupytext" not in saved
    assert sorted(p.name for p in (client / "lab").iterdir() if not p.name.startswith(".")) == ["explore.ipynb"]  # no explore.py
    assert not (client / "explore.ipynb").exists()
    # the copy is the client's own, outside git, pointed at its folder; a saved copy is kept as it is
    assert 'client_dir: str = \\"..\\"' in saved
    (client / "lab" / "explore.ipynb").write_text(saved.replace("Explorer", "Explorer  "))
    from esnkit.cli import prepare_explorer
    from esnkit.config import ClientPaths

    assert "Explorer  " in prepare_explorer(ClientPaths(client)).read_text()


def test_lab_command_roots_jupyterlab_at_the_explorer_folder_with_the_save_hook(tmp_path, monkeypatch):
    import nbformat

    from esnkit import cli
    from esnkit.config import ClientPaths

    client = tmp_path / "acme"
    client.mkdir()
    # a copy an earlier version left in the client folder, outputs and all, is moved to lab/ without them
    old = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("explorer.widget", outputs=[nbformat.v4.new_output("stream", text="146 people")])]
    )
    old.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    (client / "explore.ipynb").write_text(nbformat.writes(old))
    notebook = cli.prepare_explorer(ClientPaths(client))
    assert notebook == client / "lab" / "explore.ipynb" and not (client / "explore.ipynb").exists()
    assert "146 people" not in notebook.read_text() and "jupytext" not in notebook.read_text()
    cmd = cli.lab_command(notebook, port=8899, no_browser=True)
    assert cmd[1:4] == ["-m", "jupyter", "lab"] and f"--ServerApp.root_dir={client / 'lab'}" in cmd
    assert "--ContentsManager.pre_save_hook=esnkit.cli.explorer_pre_save" in cmd and "explore.ipynb" in cmd
    assert "--ServerApp.jpserver_extensions=jupyterlab_jupytext=False" in cmd  # no .py written beside it
    assert {"--port=8899", "--no-browser"} <= set(cmd)
    model = {"type": "notebook", "content": nbformat.reads(nbformat.writes(old), as_version=4)}
    model["content"].metadata["widgets"] = {"state": {}}
    cli.explorer_pre_save(model=model, path="explore.ipynb", contents_manager=None)
    content = model["content"]
    assert content.cells[0].outputs == [] and "widgets" not in content.metadata and "jupytext" not in content.metadata
    # the command runs in the lab folder, the kernel told where the client is
    seen = {}
    monkeypatch.setattr("subprocess.call", lambda cmd, env, cwd: seen.update(cmd=cmd, env=env, cwd=cwd) or 0)
    (client / "client.yml").write_text("name: Acme\n")
    assert cli.main(["--data-dir", str(tmp_path), "lab", "acme", "--no-browser"]) == 0
    assert seen["cwd"] == client / "lab" and seen["env"]["ESNKIT_CLIENT_DIR"] == str(client)


def test_the_explorer_works_in_a_real_jupyterlab_in_chromium(tmp_path):
    """Drive `esnkit lab` as a consultant would: run the explorer, pick a department, read what changed."""
    import os
    import time

    playwright = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None and not os.environ.get("CI"):
        pytest.skip("no Chromium here (CI installs it)")
    with running_lab(tmp_path, ingest=True) as (_client, port), playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        deadline = time.time() + 90
        while True:
            try:
                page.goto(f"http://127.0.0.1:{port}/lab/tree/explore.ipynb?token={LAB_TOKEN}")
                page.wait_for_selector(".jp-Notebook", timeout=30000)
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(1)
        time.sleep(3)
        page.click("text=Run", timeout=20000)
        page.click("text=Run All Cells", timeout=20000)
        page.wait_for_selector("select[multiple]", timeout=120000)
        status = page.locator(".widget-html-content", has_text="messages from")
        status.wait_for(timeout=60000)
        before = status.inner_text()
        page.locator("select[multiple]").first.select_option(label="Engineering")
        page.wait_for_function(
            "t => ![...document.querySelectorAll('.widget-html-content')].some(e => e.innerText.includes(t))", arg=before, timeout=60000
        )
        after = page.locator(".widget-html-content", has_text="messages from").inner_text()
        assert before != after and after.startswith("33 people")  # Engineering's 33
        assert page.locator(".esn-kpi").count() == 5  # the KPI tiles
        assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0  # no error in the notebook
        browser.close()


REPO = Path(__file__).resolve().parent.parent


def test_the_readme_links_only_to_files_a_clone_has_and_says_what_the_cli_does():
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([^)#]+)\)", readme)) | set(re.findall(r"`([\w./-]+\.md)`", readme))
    assert "docs/DESIGN.md" in linked and "benchmarks/README.md" in linked
    missing = sorted(p for p in linked if "://" not in p and not (REPO / p).exists())
    assert missing == [], missing
    assert "../" not in "".join(linked)
    # the same as-of rule as the template and `run --help`, and the key the template documents
    assert "as_of: 2026-06-30                # default: the last day of the last complete month in the data" in readme
    assert "allow_small_groups: false" in readme and "about ten minutes" in readme
    assert "print one line\n(`esnkit: error: ...`" in readme and "and exit 1" in readme
