"""What ``esnkit run`` saves besides the deliverables, computed in the run's kernel after each step.

The step builders are pure: a consultant exploring a notebook in JupyterLab never changes the
plan step 5 reports against, the restricted contact lists or the record of a run. ``esnkit run``
calls :func:`save_step_outputs` in the same kernel right after a step's notebook, so the results
come from the Dataset's cache rather than being computed again.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["save_step_outputs", "consultant_notes", "SAVED_BY"]

#: The step after which each output is saved ("record": once, after the last step of a run).
SAVED_BY = {"plan": "plans/<as_of>.json", "reactivate": "restricted/*.csv", "record": "reports/<as_of>/kpis.json"}


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
    return notes
