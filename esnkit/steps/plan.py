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

Feasibility compares the monthly change an objective needs with the pace this network has kept up:
the slope of the KPI's trend over the last 12 months (:mod:`esnkit.metrics.trends`, the model step 5
forecasts and gives its status with) — **realistic** when the need is no more than that pace,
**stretch** when it is up to twice that pace (against a falling trend: holding steady),
**unrealistic** beyond; **no trend yet** when the history is too short for a trend (fewer than six
monthly values or four quarterly ones, after the months while the KPI's window was still filling).
Both are compared as they print (``+0.8 points`` against ``+0.4 points`` is a stretch, whatever
the unrounded values). A realistic objective is one the trend reaches by its deadline; a stretch
one gets at least half way on the trend.

An objective for a segment (``segment: {department: Legal}``) names it in its label everywhere it
prints: ``Threads answered (last 90 days), Legal``.
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
from ..facts import Figures, Told, headline_cells
from ..metrics import kpis, measures, network, trends
from ..metrics._base import population
from ..profile import data_profile
from ..render import escape_md
from . import month_end_after
from .context import StepContext
from .findings import BLANK_OWNER

__all__ = [
    "objective_kpi",
    "objective_label",
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
    "quantise_change",
    "shown_change",
    "objective_trend",
    "VERDICTS",
    "SHARE_CEILING",
]

OBJECTIVE_KEYS = {"id", "metric", "segment", "target", "deadline", "owner", "theme", "path", "reason", "name"}
#: Older names objectives may still use in client.yml, and the KPI each now means.
ALIASES = {"monthly_active": "active_30"}
#: The feasibility verdicts, best first; "no trend yet" when the history is too short to judge.
VERDICTS = ("realistic", "stretch", "unrealistic", "no trend yet")
#: A proposed share target goes no higher than this unless the share is already there: 100% is not a goal to sign.
SHARE_CEILING = 0.95


def objective_kpi(metric: str) -> kpis.KPI:
    """The KPI an objective's ``metric:`` names (any id of :data:`esnkit.metrics.kpis.KPIS`)."""
    try:
        return kpis.kpi(ALIASES.get(metric, metric))
    except ValueError:
        raise ConfigError(f"unknown objective metric {str(metric)[:40]!r}; choose one of {', '.join(k.id for k in kpis.KPIS)}") from None


def objective_label(metric: str, segment: dict[str, str] | None, unit: str | None = None) -> str:
    """An objective's label as every table, title and summary prints it: the KPI's, with the segment it is measured for.

    >>> objective_label("response_rate", {"department": "Legal"}), objective_label("active_30", None)
    ('Threads answered (last 90 days), Legal', 'People active in the last 30 days')
    """
    return measures.label_of(objective_kpi(metric).id, segment=segment, unit=unit)  # the registry's one way to name a segment


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


def objective_trend(
    ds: Dataset, metric: str, *, as_of, deadline, segment: dict | None = None, inactive_days: int = 90, months: int = 12
) -> tuple[pd.DataFrame, trends.Forecast]:
    """An objective's KPI history (the last ``months`` months) and where its trend takes it by the deadline.

    The one model behind step 2's feasibility and targets and step 5's forecast and status
    (:func:`esnkit.metrics.kpis.kpi_forecast`): for the same data, both read the same numbers.
    """
    k = objective_kpi(metric)
    people = segment_people(ds, segment)
    hist = kpis.kpi_history(ds, k.id, as_of=as_of, months=months, people=people, inactive_days=inactive_days)
    f = kpis.kpi_forecast(ds, k.id, hist, until=pd.Period(deadline, "M"), as_of=as_of, people=people, inactive_days=inactive_days)
    return hist, f


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


def best_sustained_change(history: pd.Series | pd.DataFrame) -> float:
    """The pace a month this network has kept up: the slope of :mod:`esnkit.metrics.trends`' line (NaN when too short).

    ``history`` holds one value a month (months not measured are NaN: quarterly metrics), as a
    Series or as :func:`esnkit.metrics.kpis.kpi_history`'s frame. A trend needs six monthly values or
    four quarterly ones.

    Examples
    --------
    >>> best_sustained_change(pd.Series([10, 11, 12, 13, 14, 15]))
    1.0
    >>> best_sustained_change(pd.Series([4, None, None, 7, None, None, 10, None, None, 13]))  # +3 a quarter
    1.0
    >>> best_sustained_change(pd.Series([10, 10, 13, 16, 19]))  # five months: no trend yet
    nan
    """
    if isinstance(history, pd.DataFrame):
        frame = history
    else:
        values = pd.Series(history, dtype="float64").to_numpy()
        frame = pd.DataFrame({"month": pd.period_range("2000-01", periods=len(values), freq="M"), "value": values})
    last = frame["month"].max() if len(frame) else pd.Period("2000-01", "M")
    return trends.forecast(frame, until=pd.Period(last, "M") + 1).pace


def feasibility(
    baseline: float, target: float, months: int, best_monthly_change: float, *, higher_is_better: bool = True, kpi_id: str | None = None
) -> tuple[str, float]:
    """Verdict (realistic / stretch / unrealistic / no trend yet) and the monthly change the objective requires.

    ``best_monthly_change`` is the trend's pace a month in the objective's good direction (positive
    when the network is improving; NaN when there is no trend). With ``kpi_id`` the verdict is decided
    on the values as they print (:func:`esnkit.metrics.kpis.quantise`, :func:`quantise_change`):
    realistic when the need is at most the pace, stretch when at most the pace again on top of it
    (twice a rising pace; holding steady against a falling one), unrealistic beyond.

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
    >>> feasibility(0.5, 0.5, 12, -0.01)[0], feasibility(0.5, 0.5, 12, float("nan"))[0]  # hold against a falling trend; no trend
    ('stretch', 'no trend yet')
    >>> feasibility(0.5, 0.5957, 12, 0.00396, kpi_id="response_rate")  # prints as +0.8 points needed, +0.4 so far
    ('stretch', 0.008)
    """
    if kpi_id is not None:
        baseline, target = kpis.quantise(kpi_id, baseline), kpis.quantise(kpi_id, target)
    required = (target - baseline) / max(months, 1)
    need = required if higher_is_better else -required
    best = best_monthly_change
    if kpi_id is not None:
        need, best = quantise_change(kpi_id, need), quantise_change(kpi_id, best)
    if not np.isfinite(best):
        return "no trend yet", round(required, 6)
    if need <= best + 1e-12:
        return "realistic", round(required, 6)
    return ("stretch" if need <= best + abs(best) + 1e-12 else "unrealistic"), round(required, 6)


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


def propose_objectives(
    ds: Dataset, *, as_of, months: int = 12, inactive_days: int = 90, min_group_size: int = 5, delivered_on: dt.date | None = None
) -> list[dict[str, Any]]:
    """A starting set of objectives from the KPIs and the published benchmarks, each with its reason.

    Their deadline is the end of the month ``months`` after the delivery date (``delivered_on``;
    the as-of when none is given or it is earlier), so a plan delivered late still has its year.

    Every target is one a sponsor could sign, quantised as it is displayed, and its reason is written
    from the same numbers:

    - attainable: a share at most 95% (:data:`SHARE_CEILING`) unless it is already higher, people
      at most those registered, healthy communities at most those not dormant and the dormant ones
      step 4 proposes to revive;
    - never *unrealistic* by the plan's own rule (:func:`feasibility` on the KPI's trend,
      :func:`objective_trend`): a benchmark the trend cannot reach is lowered to the most the trend
      supports (a stretch), and the reason says how large a step change on top of the trend the
      benchmark would need (step 3's reactivation campaign, sized to it);
    - where there is no trend yet (too short a history) the benchmark target stands, and the plan
      says so.

    An objective this network cannot measure (no threads, no communities) is not proposed.
    """
    as_of = pd.Timestamp(as_of).date()
    values = kpis.kpi_values(ds, as_of=as_of, inactive_days=inactive_days)
    shown = kpis.display
    deadline = month_end_after(max(as_of, delivered_on or as_of), months)
    n_months = max(1, (pd.Period(deadline, "M") - pd.Period(as_of, "M")).n)
    goals = []

    def goal(kpi_id: str, ambition: float, theme: str, reason: str, *, segment: dict | None = None, highest: float | None = None) -> None:
        k = kpis.kpi(kpi_id)
        people = segment_people(ds, segment)
        now = kpis.kpi_values(ds, as_of=as_of, people=people, inactive_days=inactive_days, which=[kpi_id])[kpi_id]
        lo, hi = kpis.bounds(ds, kpi_id, people=people, as_of=as_of)
        hi = hi if highest is None else min(hi, highest)
        if k.unit == "share":
            hi = min(hi, max(SHARE_CEILING, kpis.quantise(kpi_id, now)))
        wanted = kpis.quantise(kpi_id, min(max(ambition, lo), hi))
        _, f = objective_trend(ds, kpi_id, as_of=as_of, deadline=deadline, segment=segment, inactive_days=inactive_days)
        good = 1 if k.higher_is_better else -1
        pace = good * f.pace
        target = wanted
        if feasibility(now, target, n_months, pace, higher_is_better=k.higher_is_better, kpi_id=kpi_id)[0] == "unrealistic":
            # the most the trend supports: twice a rising pace, or holding steady against a falling one
            quantum = {"share": 0.001, "hours": 0.1}.get(k.unit, 1.0)
            reach = kpis.quantise(kpi_id, now) + good * max(2 * pace, 0.0) * n_months
            target = good * math.floor(good * reach / quantum + 1e-9) * quantum
            target = kpis.quantise(kpi_id, min(max(target, lo), hi))
            while (
                feasibility(now, target, n_months, pace, higher_is_better=k.higher_is_better, kpi_id=kpi_id)[0] == "unrealistic"
                and good * (target - kpis.quantise(kpi_id, now)) > 0
            ):
                target = kpis.quantise(kpi_id, target - good * quantum)
        text = reason.format(target=shown(kpi_id, wanted))  # the benchmark's reason, then what the trend allows of it
        if target != wanted:
            # the target printed beside this reason is the trend's, so the benchmark's course is named as the ambition
            most = f"to hold {shown(kpi_id, target)}" if shown(kpi_id, target) == shown(kpi_id, now) else shown(kpi_id, target)
            text = (
                f"the ambition: {text}; on its trend ({display_change(kpi_id, f.pace)} a month) the most to ask for by {deadline} is "
                f"{most}: the ambition would need a step change of {shown_change(kpi_id, target, wanted)} on top of it "
                "(step 3's reactivation campaign, sized to it)"
            )
        goals.append({"id": kpi_id, "metric": kpi_id, "target": target, "theme": theme, "reason": text, "segment": segment})

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
    unit = data_profile(ds).unit()  # threads, posts or conversations: the word the data support
    if np.isfinite(resp):
        target = min(SHARE_CEILING, max(resp, 0.6) + 0.1)
        goal(
            "response_rate",
            max(target, resp),
            "Questions get answers",
            f"from {shown('response_rate', resp)} to {{target}} of {unit} answered: an unanswered post is the fastest way to lose a contributor"
            if target > resp
            else f"{shown('response_rate', resp)} of {unit} are answered, at or above the 95% worth aiming for: keep it there, as an unanswered "
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
        # at most the communities not dormant, and the dormant ones step 4 proposes to revive
        from .sustain import community_triage

        tri = community_triage(ds, as_of=as_of)
        dormant = tri["lifecycle"] == "dormant"
        revivals = int((dormant & tri["action"].astype("str").str.startswith("revive")).sum())
        live = float((~dormant).sum() + revivals)
        if live > healthy:
            revived = f" and the {revivals:,} dormant {'one' if revivals == 1 else 'ones'} step 4 proposes to revive" if revivals else ""
            goal(
                "healthy_communities",
                healthy + max(2, math.ceil(healthy * 0.5)),
                "Communities that run themselves",
                f"from {shown('healthy_communities', healthy)} to {{target}} communities thriving or growing, of the "
                f"{shown('healthy_communities', live - revivals)} not dormant{revived}, seeded from today's healthy ones",
                highest=live,
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
                segment={"department": silo},
            )
            goals[-1]["id"] = "cross_department_share_" + re.sub(r"[^a-z0-9]+", "_", silo.lower()).strip("_")
    for g in goals:
        g.update({"deadline": deadline, "owner": "", "path": "linear"})
    return parse_objectives(goals, where="proposed objectives")


@dataclasses.dataclass
class Plan:
    as_of: str
    proposed: bool
    objectives: pd.DataFrame
    glide_paths: pd.DataFrame
    alignment: pd.DataFrame
    history: dict[str, pd.DataFrame]
    unit: str = "threads"  # the data's unit of conversation (ctx.profile.unit()): labels and sentences use it


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
        propose_objectives(ds, as_of=as_of, inactive_days=ctx.inactive_days, min_group_size=ctx.min_group_size, delivered_on=ctx.due_from)
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
        hist, trend = objective_trend(ds, k.id, as_of=as_of, deadline=obj["deadline"], segment=obj["segment"], inactive_days=ctx.inactive_days)
        baseline = kpis.kpi_values(ds, as_of=as_of, people=people, inactive_days=ctx.inactive_days, which=[k.id])[k.id]
        months = max(1, (pd.Period(obj["deadline"], "M") - pd.Period(as_of, "M")).n)
        best = trend.pace if k.higher_is_better else -trend.pace  # in the objective's good direction
        verdict, required = feasibility(baseline, obj["target"], months, best, higher_is_better=k.higher_is_better, kpi_id=k.id)
        path = glide_path(baseline, obj["target"], start=as_of, deadline=obj["deadline"], shape=obj["path"]).assign(objective_id=obj["id"])
        paths.append(path)
        history[obj["id"]] = hist
        rows.append(
            {
                "objective_id": obj["id"],
                "objective": objective_label(k.id, obj["segment"], ctx.profile.unit()),
                "metric": k.id,
                "segment": ", ".join(f"{k_} = {v}" for k_, v in (obj["segment"] or {}).items()) or "whole network",
                "baseline": baseline,
                "target": obj["target"],
                "deadline": obj["deadline"].isoformat(),
                "months": months,
                "required_monthly_change": required,
                "best_past_monthly_change": best,
                "trend_monthly_change": trend.pace,
                "forecast_at_deadline": trend.central,
                "forecast_low": trend.low,
                "forecast_high": trend.high,
                "trend_note": trend.reason,
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
        target=[kpis.display(m, v) for m, v in zip(ordered["metric"], ordered["target"])],
        why=[r[:1].upper() + r[1:] for r in ordered["reason"].astype("str")],
    )
    alignment = alignment[["theme", "objective", "owner", "target", "deadline", "why"]]
    alignment["owner"] = alignment["owner"].where(alignment["owner"].astype("str").str.strip() != "", BLANK_OWNER)
    return Plan(
        as_of=as_of.isoformat(), proposed=proposed, objectives=table, glide_paths=glide, alignment=alignment, history=history, unit=ctx.profile.unit()
    )


PLAN_COLUMNS = [
    "objective_id", "objective", "metric", "segment", "baseline", "target", "deadline", "months", "required_monthly_change",
    "best_past_monthly_change", "trend_monthly_change", "forecast_at_deadline", "forecast_low", "forecast_high", "trend_note",
    "feasibility", "owner", "theme", "reason", "is_share", "higher_is_better", "path", "segment_spec",
]  # fmt: skip


def save_plan(plan: Plan, folder: Path) -> Path:
    """Write ``plans/<as_of>.json`` atomically (objectives, baselines and glide paths)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{plan.as_of}.json"
    data = {
        "as_of": plan.as_of,
        "proposed": plan.proposed,
        "objectives": json.loads(plan.objectives.to_json(orient="records", double_precision=15)),
        "glide_paths": json.loads(
            plan.glide_paths.assign(month=plan.glide_paths["month"].astype(str)).to_json(orient="records", double_precision=15)
        ),
        # the definition each objective's baseline was measured under: a later definition restates it (step 5)
        "versions": {str(m): objective_kpi(m).version for m in plan.objectives["metric"].unique()},
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


def plan_summary(plan: Plan, *, client: str) -> Told:
    """What the plan asks for, one line per objective, every figure a registered measure as the tables print it.

    Each objective's reasons (the benchmark it moves towards, the step change it needs) are in the
    alignment table below the summary, so a bullet says its course once.
    """
    t = plan.objectives
    f = Figures("summary", as_of=plan.as_of, unit=plan.unit)
    name = f.name(escape_md(client))
    if plan.proposed:
        intro = (
            f"No objectives have been agreed for {name} yet, so this plan **proposes** {f('objectives', len(t))}, each from the "
            "assessment and the published benchmarks. They are a starting point for the sponsor's workshop: targets, deadlines "
            "and owners are there to be agreed."
        )
    else:
        intro = f"{f('objectives', len(t))} objectives agreed for {name}, their baselines measured from the data at {plan.as_of}."
    if len(t) == 0:
        return Told(intro + "\n\nThis network has no figure an objective could be measured on yet (no threads, no communities, no activity).", f)
    lines = [intro, ""]
    for r in t.itertuples():
        lines.append(f"- **{f.name(escape_md(r.objective))}**: {marked_course(f, r)} — *{r.feasibility}*.")
    return Told("\n".join(lines), f)


def marked_course(f: Figures, row, *, start: str = "from ") -> str:
    """:func:`course` with its two figures recorded: the baseline as its KPI (and segment), the target as ``target_<kpi>``."""
    segment = json.loads(row.segment_spec or "{}") or None
    before, after = kpis.display(row.metric, row.baseline), kpis.display(row.metric, row.target)
    baseline = f(row.metric, row.baseline, segment=segment)
    if before == after:
        return f"held at {baseline} until {row.deadline}"
    return f"{start}{baseline} to {f('target_' + row.metric, row.target, segment=segment, window=f'by {row.deadline}')} by {row.deadline}"


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


def quantise_change(kpi_id: str, change: float) -> float:
    """A change rounded as :func:`display_change` prints it, so a verdict compares what the reader sees.

    >>> quantise_change("response_rate", 0.00396), quantise_change("active_30", 2.46), quantise_change("active_30", 12.6)
    (0.004, 2.5, 13.0)
    """
    if change is None or not np.isfinite(change):
        return float("nan")
    unit = kpis.kpi(kpi_id).unit
    if unit == "share":
        return round(float(change) * 100, 1) / 100
    if unit == "hours" or (abs(change) < 10 and not float(change).is_integer()):
        return round(float(change), 1)
    return float(round(change))


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


def objective_title(row, *, as_of, unit: str | None = None) -> Told:
    """A glide path's title that states the objective: ``Threads answered (last 90 days), Legal: 80.7% to 90.7% by 2027-09-30 (realistic)``.

    ``row.objective`` is :func:`objective_label`'s, which already names the segment; its two figures
    are the summary's (:func:`marked_course`), measured at the plan's ``as_of``.
    """
    f = Figures("chart", as_of=as_of, unit=unit)  # unit: the plan's (Plan.unit), in its figures' labels
    return Told(f"{f.name(escape_md(row.objective))}: {marked_course(f, row, start='')} ({escape_md(row.feasibility)})", f)


def objectives_table(plan: Plan) -> pd.DataFrame:
    """The objectives as the deliverable shows them: values printed as the KPIs print, one line each."""
    t = plan.objectives
    segments = [json.loads(s or "{}") or None for s in t["segment_spec"]]
    return pd.DataFrame(
        {
            "objective": t["objective"],  # its label names the segment ("..., Legal")
            # the headline figures are facts, as the summary above records them (facts.headline_cells)
            "baseline": headline_cells(t["metric"], t["baseline"], segments, as_of=plan.as_of, unit=plan.unit),
            "target": headline_cells(
                ["target_" + m for m in t["metric"]],
                t["target"],
                segments,
                as_of=plan.as_of,
                unit=plan.unit,
                windows=[f"by {d}" for d in t["deadline"]],
            ),
            "deadline": t["deadline"],
            "needs per month": [display_change(m, v) for m, v in zip(t["metric"], t["required_monthly_change"])],
            "trend per month": [display_change(m, v) for m, v in zip(t["metric"], t["trend_monthly_change"])],
            "on this trend by the deadline": [
                kpis.display(m, v) if np.isfinite(v) else f"no forecast: {why}"
                for m, v, why in zip(t["metric"], t["forecast_at_deadline"], t["trend_note"])
            ],
            "feasibility": t["feasibility"],
        }
    )
