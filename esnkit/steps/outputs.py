"""What ``esnkit run`` saves besides the deliverables, computed in the run's kernel after each step.

The step builders are pure: a consultant exploring a notebook in JupyterLab never changes the
plan step 5 reports against, the restricted contact lists or the record of a run. ``esnkit run``
calls :func:`after_step` in the same kernel right after a step's notebook, so the results come
from the Dataset's cache rather than being computed again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

__all__ = ["after_step", "save_step_outputs", "consultant_notes", "SAVED_BY"]

#: The step after which each output is saved ("record": once, after the last step of a run).
SAVED_BY = {"plan": "plans/<as_of>.json", "reactivate": "restricted/*.csv", "record": "reports/<as_of>/kpis.json"}


def after_step(done: str, *, saved: bool, remaining: Sequence[str] | None, parameters: dict, collect: bool = True) -> dict:
    """Everything a run does in its kernel between step ``done`` and the next, in one request.

    Saves ``done``'s outputs (when ``saved``: its notebook ran), then lets go of the cached tables
    none of ``remaining`` asks for (:func:`~esnkit.steps.context.release_after`; ``collect``: and
    collect the garbage now). After the last step (``remaining`` is ``None``) it saves the run's
    record and works out the consultant's notes; nothing is let go, the kernel ends there.

    Returns ``written`` (paths), ``failures`` (one line each: the run reports them with its
    other failures and goes on), ``cache`` (per step and for the record: what was asked of the
    cache and what was let go, for kernel.log) and ``notes`` (for the console).
    """
    from .context import release_after

    result: dict = {"written": [], "failures": [], "cache": {}, "notes": []}

    def save(what: str) -> None:
        try:
            result["written"].extend(str(p) for p in save_step_outputs(what, **parameters))
        except Exception as exc:  # one failed output never stops the run
            result["failures"].append(f"saving {SAVED_BY.get(what, what)} failed: {type(exc).__name__}: {exc}")

    if saved:
        save(done)
    result["cache"][done] = release_after(parameters["client_dir"], remaining, collect=collect)
    if remaining is None:
        save("record")
        with contextlib.suppress(Exception):  # notes are advice; a run never fails for them
            result["notes"] = consultant_notes(**parameters)
        result["cache"]["record"] = release_after(parameters["client_dir"], None)
    return result


def save_step_outputs(step: str, **parameters) -> list[Path]:
    """Save what ``step`` produces for the client (see :data:`SAVED_BY`); return the paths written.

    ``parameters`` are the notebook parameters of the run (``client_dir``, ``as_of``, ...).
    """
    from .context import open_step
    from .plan import build_plan, save_plan
    from .reactivate import build_reactivation, save_contact_lists
    from .report import build_report, save_record

    ctx = open_step(**parameters)
    written = _write_pending_tables(ctx)
    if step == "plan":
        return [*written, save_plan(build_plan(ctx), ctx.paths.plans)]
    if step == "reactivate":
        return [*written, *save_contact_lists(ctx, build_reactivation(ctx))]
    if step == "record":
        folder = ctx.paths.reports(ctx.as_of)
        folder.mkdir(parents=True, exist_ok=True)
        return [*written, save_record(build_report(ctx), folder)]
    return written


def _write_pending_tables(ctx) -> list[Path]:
    """The full tables a step's deliverable could show only the top of, written beside it as Excel-safe CSV."""
    from ..privacy import write_client_csv
    from ..render import PENDING_CSV

    folder = ctx.paths.reports(ctx.as_of)
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_client_csv(table, folder / name) for name, table in PENDING_CSV.items()]
    PENDING_CSV.clear()
    return written


def consultant_notes(**parameters) -> list[str]:
    """What the consultant should know after a run, for the console (never the client's document)."""
    from ..config import OWNER_THEMES
    from .context import open_step

    ctx = open_step(**parameters)
    notes = []
    missing = [t for t in OWNER_THEMES if not ctx.config.owner(t)]
    if missing:
        notes.append(f"no owner named for {', '.join(missing)}: the deliverables leave those blank; add them under owners: in client.yml")
    if not ctx.config.objectives:
        notes.append("the plan proposes its objectives: once agreed, record them under objectives: in client.yml and re-run")
    if ctx.config.leaders is None:
        notes.append("no leaders named: set leaders: (a roster attribute's values, or e-mails) in client.yml for step 1's leader analytics")
    if not ctx.config.prepared_by:
        notes.append("the covers say nothing of who prepared them: set prepared_by: in client.yml")
    from ..notes import UNMATCHED, notes_file

    for step, missed in sorted(UNMATCHED.items()):
        for sentence in missed:  # the consultant's own text, shortened: a console line, never a document
            notes.append(f"{notes_file(ctx.paths.root, step)}: Replace matches no sentence of the summary: {sentence[:80]!r}")
    UNMATCHED.clear()
    return notes
