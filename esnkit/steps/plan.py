"""Step 2, Plan: objectives with baselines measured from the data, targets, deadlines and glide paths.

An objective (in ``client.yml`` under ``objectives:``, or proposed by :func:`propose_objectives`)::

    - id: interactive
      metric: interactive_share        # one of METRICS
      segment: {department: Sales}     # optional: whole network when absent
      target: 0.38
      deadline: 2027-09-30
      owner: Head of Internal Comms
      theme: One company, one conversation
      path: linear                     # or s-curve

The baseline is always computed from the data at ``as_of``; it is never typed in.

Feasibility compares the monthly change an objective needs with the best *sustained* change this
network has shown — the largest average monthly change over any three consecutive months of the
metric's history — **realistic** when the need is no more than that, **stretch** when it is up to
twice that, **unrealistic** beyond (or when the network has never improved on this metric and the
objective needs it to).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._io import atomic_write
from .._text import signed
from ..dataset import Dataset
from ..errors import ConfigError
from ..metrics import kpis, network
from ..metrics._base import population
from ..render import escape_md
from . import month_end_after
from .context import StepContext
from .findings import BLANK_OWNER

__all__ = [
    "objective_kpi",
    "segment_people",
    "metric_history",
    "glide_path",
    "feasibility",
    "best_sustained_change",
    "propose_objectives",
    "parse_objectives",
    "build_plan",
    "save_plan",
    "load_plan",
    "Plan",
    "plan_summary",
    "objectives_table",
    "display_change",
    "shown_change",
]

OBJECTIVE_KEYS = {"id", "metric", "segment", "target", "deadline", "owner", "theme", "path", "reason", "name"}
#: Older names objectives may still use in client.yml, and the KPI each now means.
ALIASES = {"monthly_active": "active_30"}


def objective_kpi(metric: str) -> kpis.KPI:
    """The KPI an objective's ``metric:`` names (any id of :data:`esnkit.metrics.kpis.KPIS`)."""
    try:
        return kpis.kpi(ALIASES.get(metric, metric))
    except ValueError:
        raise ConfigError(f"unknown objective metric {str(metric)[:40]!r}; choose one of {', '.join(k.id for k in kpis.KPIS)}") from None


def segment_people(ds: Dataset, segment: dict[str, str] | None) -> pd.Series | None:
    """The person ids of a segment (``{department: Sales}``), or ``None`` for the whole network."""
    if not segment:
        return None
    people = population(ds)
    for column, value in segment.items():
        if column not in people.columns:
            raise ConfigError(f"objective segment: people have no attribute {str(column)[:40]!r}")
        people = people[people[column].astype("str") == str(value)]
    return people["person_id"]


def metric_history(ds: Dataset, metric: str, *, as_of, months: int = 12, segment: dict | None = None, inactive_days: int = 90) -> pd.DataFrame:
    """An objective's KPI at the end of each of the last ``months`` months inside the data.

    The KPI of :mod:`esnkit.metrics.kpis`, so the last value is the baseline step 1 shows.
    Returns ``month``, ``value``, ``partial``.
    """
    k = objective_kpi(metric)
    return kpis.kpi_history(ds, k.id, as_of=as_of, months=months, people=segment_people(ds, segment), inactive_days=inactive_days)


def glide_path(baseline: float, target: float, *, start: dt.date, deadline: dt.date, shape: str = "linear") -> pd.DataFrame:
    """Where an objective should stand at the end of each month from ``start`` to ``deadline``.

    ``linear`` moves the same amount each month; ``s-curve`` starts slowly, speeds up mid-way and
    eases into the target (smoothstep ``3x² − 2x³``).

    Examples
    --------
    >>> glide_path(0.2, 0.5, start=dt.date(2026, 6, 30), deadline=dt.date(2026, 9, 30))["target"].round(3).tolist()
    [0.2, 0.3, 0.4, 0.5]
    >>> glide_path(0.0, 1.0, start=dt.date(2026, 6, 30), deadline=dt.date(2026, 8, 31), shape="s-curve")["target"].tolist()
    [0.0, 0.5, 1.0]
    """
    if deadline <= start:
        raise ConfigError(f"objective deadline {deadline} must be after the baseline date {start}")
    months = pd.period_range(pd.Period(start, "M"), pd.Period(deadline, "M"), freq="M")
    n = len(months) - 1
    x = np.linspace(0, 1, n + 1) if n > 0 else np.array([1.0])
    if shape == "s-curve":
        x = 3 * x**2 - 2 * x**3
    elif shape != "linear":
        raise ConfigError(f"objective path {shape!r}: use linear or s-curve")
    return pd.DataFrame({"month": months, "target": baseline + (target - baseline) * x})


def best_sustained_change(history: pd.Series, *, window: int = 3) -> float:
    """Largest average monthly change over ``window`` consecutive months (NaN when too short).

    ``history`` holds one value a month; months not measured are NaN (quarterly metrics).

    Examples
    --------
    >>> best_sustained_change(pd.Series([10, 10, 13, 16, 19, 15]))
    3.0
    >>> best_sustained_change(pd.Series([4, None, None, 10, None, None, 7]))
    2.0
    """
    v = pd.Series(history, dtype="float64").to_numpy()
    if len(v) <= window:
        return float("nan")
    changes = (v[window:] - v[:-window]) / window
    return float(np.nanmax(changes)) if np.isfinite(changes).any() else float("nan")


def feasibility(baseline: float, target: float, months: int, best_monthly_change: float, *, higher_is_better: bool = True) -> tuple[str, float]:
    """Verdict (realistic / stretch / unrealistic) and the monthly change the objective requires.

    ``best_monthly_change`` is the best sustained monthly improvement seen, in the objective's good
    direction (positive when the network has improved at all).

    Examples
    --------
    >>> feasibility(0.20, 0.32, 12, 0.01)
    ('realistic', 0.01)
    >>> feasibility(0.20, 0.38, 12, 0.01)[0]
    'stretch'
    >>> feasibility(0.20, 0.50, 12, 0.01)[0]
    'unrealistic'
    >>> feasibility(48.0, 24.0, 12, 3.0, higher_is_better=False)
    ('realistic', -2.0)
    """
    required = (target - baseline) / max(months, 1)
    need = required if higher_is_better else -required
    best = best_monthly_change
    if need <= 1e-12:
        return "realistic", round(required, 6)
    if not np.isfinite(best) or best <= 0:
        return "unrealistic", round(required, 6)
    ratio = need / best
    return ("realistic" if ratio <= 1 + 1e-9 else "stretch" if ratio <= 2 + 1e-9 else "unrealistic"), round(required, 6)


def parse_objectives(items, *, where: str = "client.yml: objectives") -> list[dict[str, Any]]:
    """Check objectives from ``client.yml``: known keys and metric, numeric target, a deadline."""
    out = []
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        unknown = sorted(set(item) - OBJECTIVE_KEYS)
        if unknown:
            raise ConfigError(f"{here}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(OBJECTIVE_KEYS))}")
        for key in ("metric", "target", "deadline"):
            if key not in item:
                raise ConfigError(f"{here}: `{key}` is required")
        try:
            k = objective_kpi(item["metric"])
        except ConfigError:
            raise ConfigError(f"{here}: unknown metric {str(item['metric'])[:40]!r}; choose one of {', '.join(x.id for x in kpis.KPIS)}") from None
        try:
            target = float(item["target"])
            deadline = dt.date.fromisoformat(str(item["deadline"]))
        except ValueError:
            raise ConfigError(f"{here}: target must be a number and deadline a date like 2027-06-30") from None
        if not np.isfinite(target) or target < 0 or (k.unit == "share" and target > 1):
            bound = "between 0 and 1 (a share: 0.38 means 38%)" if k.unit == "share" else "0 or more"
            raise ConfigError(f"{here}: target {item['target']!r} for {k.id} cannot be reached; it must be {bound}")
        seg = item.get("segment") or None
        if seg is not None and not isinstance(seg, dict):
            raise ConfigError(f"{here}: segment must be a mapping like {{department: Sales}}")
        if seg is not None and not k.segmentable:
            raise ConfigError(f"{here}: {k.id} is measured for the whole network; remove the segment")
        out.append(
            {
                "id": str(item.get("id") or f"objective-{i + 1}"),
                "metric": k.id,
                "segment": seg,
                "target": target,
                "deadline": deadline,
                "owner": str(item.get("owner") or "").strip(),
                "theme": str(item.get("theme") or "unassigned"),
                "path": str(item.get("path") or "linear"),
                "reason": str(item.get("reason") or "agreed with the sponsor"),
            }
        )
    return out


def propose_objectives(ds: Dataset, *, as_of, months: int = 12, inactive_days: int = 90, min_group_size: int = 5) -> list[dict[str, Any]]:
    """A starting set of objectives from the KPIs and the published benchmarks, each with its reason.

    Every target is attainable (a share at most 100%, a count at most the people or communities
    there are), quantised as it is displayed, and its reason is written from the same numbers.
    An objective this network cannot measure (no threads, no communities) is not proposed.
    """
    as_of = pd.Timestamp(as_of).date()
    values = kpis.kpi_values(ds, as_of=as_of, inactive_days=inactive_days)
    shown = kpis.display
    goals = []

    def goal(kpi_id: str, target: float, theme: str, reason: str) -> None:
        target = kpis.quantise(kpi_id, kpis.clip(ds, kpi_id, target, as_of=as_of))
        goals.append({"id": kpi_id, "metric": kpi_id, "target": target, "theme": theme, "reason": reason.format(target=shown(kpi_id, target))})

    inter = values["interactive_share"]
    if np.isfinite(inter):
        if inter < 0.38:
            target = max(min(0.38, inter + 0.15), inter + 0.05)
            why = "towards SWOOP's recommended 38%" if target <= 0.38 else "beyond SWOOP's recommended 38%"
            goal(
                "interactive_share",
                target,
                "Everyone has a voice",
                f"from {shown('interactive_share', inter)} to {{target}}, {why} (published average 27%)",
            )
        elif kpis.quantise("interactive_share", inter) < 1.0:
            goal(
                "interactive_share",
                min(1.0, inter + 0.05),
                "Everyone has a voice",
                f"already above SWOOP's recommended 38% at {shown('interactive_share', inter)}: {{target}} widens who takes part",
            )
        else:
            goal("interactive_share", 1.0, "Everyone has a voice", "every registered person already takes part: hold it at {target}")
    resp = values["response_rate"]
    if np.isfinite(resp):
        target = min(0.95, max(resp, 0.6) + 0.1)
        goal(
            "response_rate",
            max(target, resp),
            "Questions get answers",
            f"from {shown('response_rate', resp)} to {{target}} of threads answered: an unanswered post is the fastest way to lose a contributor"
            if target > resp
            else f"{shown('response_rate', resp)} of threads are answered, at or above the 95% worth aiming for: keep it there, as an unanswered "
            "post is the fastest way to lose a contributor",
        )
    active = values["active_30"]
    if active > 0:
        goal(
            "active_30",
            math.ceil(active * 1.3),
            "The network is where work happens",
            f"from {shown('active_30', active)} to {{target}} people active in 30 days: momentum back",
        )
    healthy = values["healthy_communities"]
    if np.isfinite(healthy):
        n_communities = kpis.bounds(ds, "healthy_communities", as_of=as_of)[1]
        if n_communities > healthy:
            goal(
                "healthy_communities",
                healthy + max(2, math.ceil(healthy * 0.5)),
                "Communities that run themselves",
                f"from {shown('healthy_communities', healthy)} to {{target}} of {shown('healthy_communities', n_communities)} communities thriving or growing, seeded from today's healthy ones",
            )
    # From the findings (esnkit.steps.findings): the silo. (The heavy contributors who went silent are
    # a finding with an action, not an objective: no KPI counts them apart from everyone else who lapsed.)
    mixing = network.department_mixing(ds, as_of=as_of, min_group_size=min_group_size)
    if len(mixing) and mixing["ei_index"].iloc[0] < 0:
        silo = str(mixing["department"].iloc[0])
        people = segment_people(ds, {"department": silo})
        inside = kpis.kpi_values(ds, as_of=as_of, people=people, inactive_days=inactive_days, which=["cross_department_share"])[
            "cross_department_share"
        ]
        if np.isfinite(inside) and inside < 0.9:
            goal(
                "cross_department_share",
                inside + 0.1,
                "Departments work together",
                f"{silo} is the most inward-looking department: from {shown('cross_department_share', inside)} of its interactions "
                "with other departments to {target}",
            )
            goals[-1].update({"id": "cross_department_share_" + re.sub(r"[^a-z0-9]+", "_", silo.lower()).strip("_"), "segment": {"department": silo}})
    deadline = month_end_after(as_of, months)
    for g in goals:
        g.update({"deadline": deadline, "owner": "", "path": "linear", "segment": g.get("segment")})
    return parse_objectives(goals, where="proposed objectives")


@dataclasses.dataclass
class Plan:
    as_of: str
    proposed: bool
    objectives: pd.DataFrame
    glide_paths: pd.DataFrame
    alignment: pd.DataFrame
    history: dict[str, pd.DataFrame]


def build_plan(ctx: StepContext, *, save: bool = False) -> Plan:
    """Baselines, glide paths and feasibility for the client's objectives (or a proposed set).

    Pure unless ``save`` is true (``esnkit run`` saves it as ``plans/<as_of>.json``): exploring
    in JupyterLab never changes the plan step 5 reports against.
    """
    plan = ctx.ds.cached("step:plan", ctx.key, lambda: _build_plan(ctx))
    if save:
        save_plan(plan, ctx.paths.plans)
    return plan


def _build_plan(ctx: StepContext) -> Plan:
    ds, as_of = ctx.ds, ctx.as_of
    proposed = not ctx.config.objectives
    objectives = (
        propose_objectives(ds, as_of=as_of, inactive_days=ctx.inactive_days, min_group_size=ctx.min_group_size)
        if proposed
        else parse_objectives(ctx.config.objectives)
    )
    rows, paths, history = [], [], {}
    for obj in objectives:
        k = objective_kpi(obj["metric"])
        people = segment_people(ds, obj["segment"])
        highest = kpis.bounds(ds, k.id, people=people, as_of=as_of)[1]
        if obj["target"] > highest:
            raise ConfigError(
                f"client.yml: objective {obj['id']!r}: target {kpis.display(k.id, obj['target'])} for {k.id} is more than there can be "
                f"({kpis.display(k.id, highest)}); choose an attainable target"
            )
        hist = kpis.kpi_history(ds, k.id, as_of=as_of, months=12, people=people, inactive_days=ctx.inactive_days)
        baseline = kpis.kpi_values(ds, as_of=as_of, people=people, inactive_days=ctx.inactive_days, which=[k.id])[k.id]
        months = max(1, (pd.Period(obj["deadline"], "M") - pd.Period(as_of, "M")).n)
        best = best_sustained_change(hist["value"] if k.higher_is_better else -hist["value"])
        verdict, required = feasibility(baseline, obj["target"], months, best, higher_is_better=k.higher_is_better)
        path = glide_path(baseline, obj["target"], start=as_of, deadline=obj["deadline"], shape=obj["path"]).assign(objective_id=obj["id"])
        paths.append(path)
        history[obj["id"]] = hist
        rows.append(
            {
                "objective_id": obj["id"],
                "objective": k.label,
                "metric": k.id,
                "segment": ", ".join(f"{k_} = {v}" for k_, v in (obj["segment"] or {}).items()) or "whole network",
                "baseline": baseline,
                "target": obj["target"],
                "deadline": obj["deadline"].isoformat(),
                "months": months,
                "required_monthly_change": required,
                "best_past_monthly_change": best,
                "feasibility": verdict,
                "owner": obj["owner"] or ctx.config.owner(k.owner_theme),
                "theme": obj["theme"],
                "reason": obj["reason"],
                "is_share": k.unit == "share",
                "higher_is_better": k.higher_is_better,
                "path": obj["path"],
                "segment_spec": json.dumps(obj["segment"] or {}),
            }
        )
    table = pd.DataFrame(rows, columns=PLAN_COLUMNS)
    glide = pd.concat(paths, ignore_index=True) if paths else pd.DataFrame(columns=["month", "target", "objective_id"])
    ordered = table.sort_values(["theme", "objective"]).reset_index(drop=True)
    alignment = ordered[["theme", "objective", "owner", "deadline"]].assign(
        target=[kpis.display(m, v) for m, v in zip(ordered["metric"], ordered["target"])]
    )
    alignment = alignment[["theme", "objective", "owner", "target", "deadline"]]
    alignment["owner"] = alignment["owner"].where(alignment["owner"].astype("str").str.strip() != "", BLANK_OWNER)
    return Plan(as_of=as_of.isoformat(), proposed=proposed, objectives=table, glide_paths=glide, alignment=alignment, history=history)


PLAN_COLUMNS = [
    "objective_id", "objective", "metric", "segment", "baseline", "target", "deadline", "months", "required_monthly_change",
    "best_past_monthly_change", "feasibility", "owner", "theme", "reason", "is_share", "higher_is_better", "path", "segment_spec",
]  # fmt: skip


def save_plan(plan: Plan, folder: Path) -> Path:
    """Write ``plans/<as_of>.json`` atomically (objectives, baselines and glide paths)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{plan.as_of}.json"
    data = {
        "as_of": plan.as_of,
        "proposed": plan.proposed,
        "objectives": json.loads(plan.objectives.to_json(orient="records")),
        "glide_paths": json.loads(plan.glide_paths.assign(month=plan.glide_paths["month"].astype(str)).to_json(orient="records")),
    }
    atomic_write(target, json.dumps(data, indent=2) + "\n")
    return target


def load_plan(folder: Path, *, as_of: dt.date) -> dict[str, Any] | None:
    """The plan in force at ``as_of``: the latest saved strictly before it, else one saved that day, else None.

    A quarterly run re-runs step 2, which saves a new plan for the new as_of; step 5 must still
    report against the plan agreed earlier, not against one whose baseline is today.
    """
    if not folder.is_dir():
        return None
    stems = sorted(p.stem for p in folder.glob("*.json"))
    dates = [d for d in stems if d < as_of.isoformat()] or [d for d in stems if d == as_of.isoformat()]
    if not dates:
        return None
    data = json.loads((folder / f"{dates[-1]}.json").read_text(encoding="utf-8"))
    data["glide_paths"] = pd.DataFrame(data["glide_paths"])
    if len(data["glide_paths"]):
        data["glide_paths"]["month"] = pd.PeriodIndex(data["glide_paths"]["month"], freq="M")
    data["objectives"] = pd.DataFrame(data["objectives"])
    return data


def plan_summary(plan: Plan, *, client: str) -> str:
    """What the plan asks for, one line per objective, every figure as the tables print it."""
    t = plan.objectives
    if plan.proposed:
        intro = (
            f"No objectives have been agreed for {escape_md(client)} yet, so this plan **proposes** {len(t)}, each from the assessment "
            "and the published benchmarks. They are a starting point for the sponsor's workshop: targets, deadlines and owners "
            "are there to be agreed."
        )
    else:
        intro = f"{len(t)} objectives agreed for {escape_md(client)}, their baselines measured from the data at {plan.as_of}."
    if len(t) == 0:
        return intro + "\n\nThis network has no figure an objective could be measured on yet (no threads, no communities, no activity)."
    lines = [intro, ""]
    for r in t.itertuples():
        lines.append(
            f"- **{escape_md(r.objective)}**: {course(r.metric, r.baseline, r.target, r.deadline, start='from ')} "
            f"— *{r.feasibility}*. {escape_md(r.reason[:1].upper() + r.reason[1:])}."
        )
    return "\n".join(lines)


def display_change(kpi_id: str, change: float) -> str:
    """A change as a reader expects it: ``+1.2 points``, ``+3``, ``+0.5``, ``-0.5 h``; ``–`` when unknown.

    A count changes by whole people over a period, but a monthly *rate* of change of a count can
    be a fraction: under 10 it keeps one decimal, so half a community a month is not printed as 0.

    Examples
    --------
    >>> display_change("response_rate", 0.012), display_change("active_30", 12.6), display_change("healthy_communities", 0.5)
    ('+1.2 points', '+13', '+0.5')
    >>> display_change("median_hours_to_first_response", -0.5), display_change("active_30", float("nan"))
    ('-0.5 h', '–')
    >>> display_change("response_rate", -0.0003), display_change("active_30", -0.04)  # rounds to nothing: no sign
    ('0.0 points', '0.0')
    """
    if change is None or not np.isfinite(change):
        return "–"
    unit = kpis.kpi(kpi_id).unit
    if unit == "share":
        return f"{signed(change * 100, '+.1f')} points"
    if unit == "hours":
        return f"{signed(change, '+.1f')} h"
    return signed(change, "+.1f") if abs(change) < 10 and not float(change).is_integer() else signed(round(change), "+,")


def shown_change(kpi_id: str, before: float, after: float) -> str:
    """The change from ``before`` to ``after`` as the two values print (:func:`esnkit.metrics.kpis.quantise`), so it agrees with them.

    >>> shown_change("cross_department_share", 0.0196, 0.0193), display_change("cross_department_share", 0.0193 - 0.0196)
    ('-0.1 points', '0.0 points')
    """
    return display_change(kpi_id, kpis.quantise(kpi_id, after) - kpis.quantise(kpi_id, before))


def course(metric: str, baseline: float, target: float, deadline, *, start: str = "") -> str:
    """An objective's course in the KPI's own print: ``80.7% to 90.7% by 2027-09-30`` (``start`` before it), or
    ``held at 95.8% until 2027-09-30`` when the target prints as the baseline does (a rate already at its ceiling).

    >>> course("response_rate", 0.807, 0.907, "2027-09-30", start="from "), course("response_rate", 0.958, 0.958, "2027-09-30")
    ('from 80.7% to 90.7% by 2027-09-30', 'held at 95.8% until 2027-09-30')
    """
    before, after = kpis.display(metric, baseline), kpis.display(metric, target)
    return f"held at {before} until {deadline}" if before == after else f"{start}{before} to {after} by {deadline}"


def objective_title(row) -> str:
    """A glide path's title that states the objective: ``Threads answered (last 90 days), Legal: 80.7% to 90.7% by 2027-09-30 (realistic)``."""
    where = "" if row.segment == "whole network" else f", {row.segment.split(' = ', 1)[-1]}"
    return f"{row.objective}{where}: {course(row.metric, row.baseline, row.target, row.deadline)} ({row.feasibility})"


def objectives_table(plan: Plan) -> pd.DataFrame:
    """The objectives as the deliverable shows them: values printed as the KPIs print, one line each."""
    t = plan.objectives
    return pd.DataFrame(
        {
            "objective": t["objective"],
            "segment": t["segment"],
            "baseline": [kpis.display(m, v) for m, v in zip(t["metric"], t["baseline"])],
            "target": [kpis.display(m, v) for m, v in zip(t["metric"], t["target"])],
            "deadline": t["deadline"],
            "needs per month": [display_change(m, v) for m, v in zip(t["metric"], t["required_monthly_change"])],
            "best so far": [display_change(m, v) for m, v in zip(t["metric"], t["best_past_monthly_change"])],
            "feasibility": t["feasibility"],
        }
    )
