"""The ``esnkit`` command line.

Errors a user can act on, a wrong command line among them, print one line (``esnkit: error: ...``)
and exit 1. ``--debug`` (or ``ESNKIT_DEBUG=1``) shows tracebacks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import signal
import sys
import threading
from pathlib import Path
from typing import NoReturn

from ._io import atomic_write, storage_error
from ._version import __version__
from .config import DATA_DIR_ENV, ClientPaths, client_template
from .errors import ConfigError, EsnkitError
from .lifecycle import register as register_lifecycle
from .lock import add_wait_option, client_lock
from .progress import Console

__all__ = ["main"]


def _say(message: str) -> None:
    print(message, flush=True)


def _timed() -> Console:
    """Timed progress lines, with a bar over the stages when the output is a terminal."""
    return Console()


def _date_option(text: str | None, option: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} {text[:40]!r} is not a date; use YYYY-MM-DD, e.g. 2026-06-30") from None


def cmd_init(args: argparse.Namespace) -> int:
    paths = ClientPaths.for_client(args.client, args.data_dir)
    if paths.config_file.exists():
        raise ConfigError(f"{paths.config_file} already exists; edit it, or choose another client name")
    paths.raw.mkdir(parents=True, exist_ok=True)
    atomic_write(paths.config_file, client_template(args.name or args.client))
    from .loaders.canonical import write_template

    write_template(paths.raw / "canonical-template")
    _say(f"created {paths.config_file}")
    _say(f"created {paths.raw}/  (the client's exports go here, as received)")
    _say(f"created {paths.raw / 'canonical-template'}/  (empty canonical tables, for data from any other tool)")
    data_dir = f" --data-dir {args.data_dir}" if args.data_dir else ""
    _say("next:")
    _say(f"  1. copy the client's export into {paths.raw}/ and list it in {paths.config_file} under `sources:`")
    _say(f"  2. esnkit check {paths.raw}/EXPORT   (is it usable? counts, dates, data-quality warnings)")
    _say(f"  3. esnkit ingest {paths.client}{data_dir}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from .ingest import ingest_client, summary

    paths = ClientPaths.for_client(args.client, args.data_dir).require()
    progress = _timed()
    with client_lock(paths.root, "ingest", wait=getattr(args, "wait", 0.0)):
        progress(f"ingesting client {paths.client} from {paths.root}")
        ds = ingest_client(paths, progress=progress)
    _say(summary(ds))
    progress(f"done: {paths.processed}")
    return 0


def cmd_reduce(args: argparse.Namespace) -> int:
    from .reduce import reduce_client

    paths = ClientPaths.for_client(args.client, args.data_dir).require()
    progress = _timed()
    with client_lock(paths.root, "reduce", wait=args.wait):
        manifest = reduce_client(paths, engine=args.engine, master=args.master, progress=progress)
    progress(f"done: {paths.processed / 'reduced'} ({manifest['engine']}, {manifest['seconds']:.1f}s)")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .checks import check_export

    path = Path(args.path)
    if not path.exists():  # the loader's own message points at client.yml, which check does not read
        raise ConfigError(
            f"{path}: no such file or folder; give the path of an export as received, a zip or a folder (e.g. data/acme/raw/export.zip)"
        )
    report, usable = check_export(path, source=args.format)
    _say(report)
    return 0 if usable else 1


def cmd_demo(args: argparse.Namespace) -> int:
    from .synth import SynthSpec, write_demo_client

    paths = ClientPaths.for_client(args.client, args.data_dir)
    progress = _timed()
    spec = SynthSpec(n_people=args.people, months=args.months, seed=args.seed)
    progress(f"writing demo client {paths.client} ({spec.n_people:,} people, {spec.months} months, seed {spec.seed}) to {paths.root}")
    write_demo_client(paths.root, spec=spec)
    progress("raw files written: viva-engage-export.zip, hr-roster.csv, survey.csv, interviews.csv")
    args.client = paths.client
    cmd_ingest(args)
    if not args.no_run:
        from .run import run_client

        run_client(paths, steps=None, as_of=None, formats=("html", "pdf"), progress=progress)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .run import parse_formats, parse_steps, run_client

    paths = ClientPaths.for_client(args.client, args.data_dir).require()
    as_of = _date_option(args.as_of, "--as-of")
    delivered_on = _date_option(args.delivered_on, "--delivered-on")
    with client_lock(paths.root, "run", wait=args.wait):
        run_client(paths, steps=parse_steps(args.steps), as_of=as_of, formats=parse_formats(args.to), progress=_timed(), delivered_on=delivered_on)
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from .audit import audit, format_faults

    paths = ClientPaths.for_client(args.client, args.data_dir).require()
    try:
        faults = audit(paths, as_of=_date_option(args.as_of, "--as-of"))
    except FileNotFoundError as exc:
        raise ConfigError(str(exc)) from exc
    if faults:
        print(format_faults(faults))
        _say(f"{len(faults):,} fault{'s' if len(faults) != 1 else ''} in the deliverables of {paths.client}")
        return 1
    _say(f"no fault found in the deliverables of {paths.client}")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    from .audit import audit_folder
    from .notes import approve
    from .run.export import find_chromium

    paths = ClientPaths.for_client(args.client, args.data_dir).require()
    as_of = _date_option(args.as_of, "--as-of")
    root = paths.reports_root
    if as_of is None:
        done = sorted(p.name for p in root.glob("*") if p.is_dir()) if root.is_dir() else []
        if not done:
            raise ConfigError(f"{root}: no report folder; run `esnkit run {paths.client}` first")
        folder = root / done[-1]
    else:
        folder = paths.reports(as_of)
        if not folder.is_dir():
            raise ConfigError(f"{folder}: no report folder for {as_of}; run `esnkit run {paths.client} --as-of {as_of}` first")
    with client_lock(paths.root, "approve", wait=args.wait):
        faults = audit_folder(folder, restricted=paths.restricted) if (folder / "facts.json").is_file() else []
        if faults:
            raise ConfigError(
                f"{folder}: the audit finds {len(faults):,} fault{'s' if len(faults) != 1 else ''} in these deliverables; "
                f"`esnkit audit {paths.client} --as-of {folder.name}` lists them: fix them before approving"
            )
        record = approve(folder, by=args.by or paths.load_config().prepared_by, chromium=find_chromium())
    _say(f"approved by {record['approved_by']} at {record['approved_at']}: {', '.join(record['files'])} (DRAFT marks taken off)")
    _say(f"recorded in {folder / 'approved.json'}; a run that changes a deliverable marks it DRAFT again")
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    import subprocess

    paths = ClientPaths.for_client(args.client, args.data_dir).require()
    notebook = prepare_explorer(paths)
    from .run.kernel import KERNEL_ENV

    # The explorer's kernel inherits the server's environment: the run's memory settings, unless set.
    env = {**KERNEL_ENV, **os.environ, "ESNKIT_CLIENT_DIR": str(paths.root)}
    cmd = lab_command(notebook, port=args.port, ip=args.ip, no_browser=args.no_browser)
    _say(
        f"opening JupyterLab on {notebook.name} in {notebook.parent}: the explorer only (the client's data, reports and restricted lists are "
        f"not in its file browser; reports are in {paths.root / 'reports'}); outputs are never saved (Ctrl-C to stop)"
    )
    return subprocess.call(cmd, env=env, cwd=notebook.parent)


#: The folder inside a client's workspace that JupyterLab is rooted at: it holds the explorer and nothing
#: else, so the file browser cannot reach ``processed/`` (identities), ``restricted/`` or the key.
LAB_FOLDER = "lab"


def lab_command(notebook: Path, *, port: int | None = None, ip: str | None = None, no_browser: bool = False) -> list[str]:
    """The ``jupyter lab`` command line for the explorer: rooted at the notebook's folder, saving no outputs."""
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={notebook.parent}",
        # every save (autosave too) goes through this hook: no outputs, widget state or jupytext pairing reach the disk
        "--ContentsManager.pre_save_hook=esnkit.cli.explorer_pre_save",
        "--ContentsManager.allow_hidden=False",
        "--ServerApp.jpserver_extensions=jupyterlab_jupytext=False",  # its contents manager pairs an .ipynb with a .py before any hook runs
        notebook.name,
    ]
    if port:
        cmd.append(f"--port={port}")
    if ip:
        cmd.append(f"--ip={ip}")
    if no_browser:
        cmd.append("--no-browser")
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def explorer_pre_save(model: dict, **_kwargs) -> None:
    """JupyterLab's pre-save hook for the explorer: a notebook is saved without outputs, widget state or jupytext pairing.

    The explorer's outputs are figures about the client's people; they live in the kernel, never in a
    file (``exports/`` holds what the consultant chooses to export).
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    _clean_notebook(model["content"])


def _clean_notebook(nb) -> None:
    metadata = nb.setdefault("metadata", {})
    for key in ("jupytext", "widgets"):
        metadata.pop(key, None)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("widgets", None)


def prepare_explorer(paths: ClientPaths) -> Path:
    """The client's own copy of the explorer notebook (``<client>/lab/explore.ipynb``, outside git), made from the template when absent.

    JupyterLab is rooted at that folder, which holds nothing else. A copy the consultant has saved is
    kept as it is; one left at ``<client>/explore.ipynb`` by an earlier version (outputs and all) is
    moved there without its outputs. The copy has no jupytext pairing, so no ``.py`` is written beside it.
    """
    import nbformat

    from .resources import step_notebook

    target = paths.root / LAB_FOLDER / "explore.ipynb"
    if target.exists():
        return target
    old = paths.root / "explore.ipynb"
    nb = nbformat.read(old if old.exists() else step_notebook("explore"), as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            cell.source = 'client_dir: str = ".."  # this client\'s folder (JupyterLab opens in its lab/ folder)'
    _clean_notebook(nb)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, nbformat.writes(nb).encode("utf-8"))
    if old.exists():
        old.unlink()  # moved: its outputs stay nowhere in the client folder
    return target


class _Parser(argparse.ArgumentParser):
    """argparse, but a wrong command line is one line, ``esnkit: error: ...``, and exit 1, as every other error."""

    def error(self, message: str) -> NoReturn:
        print(f"esnkit: error: {_one_line(message)}; see `{self.prog} --help`", file=sys.stderr, flush=True)
        sys.exit(1)


def _global_options(parser: argparse.ArgumentParser, *, default) -> None:
    parser.add_argument("--data-dir", default=default, help=f"workspace root (default: ${DATA_DIR_ENV} or ./data)")
    parser.add_argument("--debug", action="store_true", default=default, help="show tracebacks (as ESNKIT_DEBUG=1 does)")


CLIENT_HELP = "the client's workspace folder under --data-dir"


def build_parser() -> argparse.ArgumentParser:
    """The ``esnkit`` parser; ``--data-dir`` and ``--debug`` work before or after the command."""
    parser = _Parser(prog="esnkit", description="Get an enterprise social network back on track.")
    parser.add_argument("--version", action="version", version=f"esnkit {__version__}")
    _global_options(parser, default=None)
    # After the command they are the same options; SUPPRESS keeps a value given before it.
    common = _Parser(add_help=False)
    _global_options(common, default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", parents=[common], help="create a client workspace with a commented client.yml")
    p.add_argument("client", help=CLIENT_HELP + " to create (a folder name, e.g. acme)")
    p.add_argument("--name", help="display name (default: the client folder name)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("ingest", parents=[common], help="load, validate and pseudonymise a client's exports into processed/")
    p.add_argument("client", help=CLIENT_HELP + " whose client.yml lists the exports under sources:")
    add_wait_option(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("reduce", parents=[common], help="reduce the events in processed/ again (ingest does it), e.g. on Spark")
    p.add_argument("client", help=CLIENT_HELP + ", already ingested")
    add_wait_option(p)
    p.add_argument("--engine", choices=["duckdb", "spark"], help="default: client.yml's engine:, else duckdb")
    p.add_argument("--master", help="the Spark master, e.g. spark://host:7077 or local[*] (with --engine spark)")
    p.set_defaults(func=cmd_reduce)

    p = sub.add_parser("check", parents=[common], help="detect an export's format, load it and report counts and data-quality warnings")
    p.add_argument("path", help="an export as received: a zip or a folder, e.g. data/acme/raw/export.zip")
    p.add_argument("--format", default="auto", help="viva-engage, slack, teams, m365-usage or canonical (default: auto, detect it)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("demo", parents=[common], help="write, ingest and run a realistic synthetic client")
    p.add_argument("--client", default="demo", help="the workspace folder to write it to (default: demo)")
    p.add_argument("--people", type=int, default=2000, help="how many people the network has (default: 2000)")
    p.add_argument("--months", type=int, default=24, help="how many months of history (default: 24)")
    p.add_argument("--seed", type=int, default=0, help="random seed: the same seed writes the same client (default: 0)")
    p.add_argument("--no-run", action="store_true", help="stop after ingest")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("run", parents=[common], help="run step notebooks and export HTML/PDF deliverables")
    p.add_argument("client", help=CLIENT_HELP + ", already ingested")
    add_wait_option(p)
    p.add_argument("--steps", default=None, help="e.g. 1,3 or assess,reactivate (default: all five)")
    p.add_argument(
        "--as-of",
        default=None,
        help="last day analysed, YYYY-MM-DD (default: client.yml's as_of, else the last day of the last complete month in the data)",
    )
    p.add_argument(
        "--delivered-on",
        default=None,
        help="the day the deliverables go to the client, YYYY-MM-DD: due dates count from it and the covers show it "
        "(default: client.yml's delivered_on, else today; give the recorded day to reproduce a run)",
    )
    p.add_argument("--to", default="both", help="export formats: html, pdf or both (default: both; a PDF needs Chromium)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("audit", parents=[common], help="hold a run's deliverables to each other, facts.json and the measure registry")
    p.add_argument("client", help="the client's folder name under the data directory")
    p.add_argument("--as-of", default=None, help="the run to audit, YYYY-MM-DD (default: the latest report folder)")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("approve", parents=[common], help="approve a run's deliverables: record who and when, take off their DRAFT marks")
    p.add_argument("client", help=CLIENT_HELP + ", already run")
    add_wait_option(p)
    p.add_argument("--as-of", default=None, help="the run to approve, YYYY-MM-DD (default: the latest report folder)")
    p.add_argument("--by", default=None, help="who approves, as recorded (default: client.yml's prepared_by, else your login name)")
    p.set_defaults(func=cmd_approve)

    p = sub.add_parser("lab", parents=[common], help="open JupyterLab in a client's workspace, on its explorer")
    p.add_argument("client", help=CLIENT_HELP + ", already ingested")
    p.add_argument("--port", type=int, help="the port JupyterLab listens on (default: its own, 8888 or the next free)")
    p.add_argument("--ip", help="the address JupyterLab listens on (default: localhost)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser (print the URL instead)")
    p.set_defaults(func=cmd_lab)
    register_lifecycle(sub, common)  # key export/import, forget
    return parser


def _one_line(message: object) -> str:
    """An error message as one printable line: control characters (NUL, escapes, line breaks) made visible."""
    text = str(message).replace("\r\n", " ").replace("\n", " ")
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", text)


def _terminate(signum, frame) -> None:
    # SIGTERM (a scheduler, `kill`) unwinds like Ctrl-C: the run's kernel is shut down and temporary files removed.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except EsnkitError as exc:
        if args.debug or os.environ.get("ESNKIT_DEBUG"):
            raise
        print(f"esnkit: error: {_one_line(exc)}", file=sys.stderr, flush=True)
        return 1
    except OSError as exc:  # a full disk, a read-only folder... met outside the writers that name their folder
        error = storage_error(exc)
        if error is None or args.debug or os.environ.get("ESNKIT_DEBUG"):
            raise
        print(f"esnkit: error: {_one_line(error)}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("esnkit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
