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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._fast import isin
from .._io import atomic_write
from ..dataset import Dataset
from ..errors import ConfigError
from ..metrics import communities, conversations
from ..metrics._base import as_of_end, interaction_events, population
from ..render import escape_md, pct
from .context import StepContext

__all__ = [
    "METRICS",
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
]

OBJECTIVE_KEYS = {"id", "metric", "segment", "target", "deadline", "owner", "theme", "path", "reason", "name"}


def _segment_people(ds: Dataset, segment: dict[str, str] | None) -> pd.Series:
    people = population(ds)
    if segment:
        for column, value in segment.items():
            if column not in people.columns:
                raise ConfigError(f"objective segment: people have no attribute {column!r}")
            people = people[people[column].astype("str") == str(value)]
    return people["person_id"]


def _month_ends(ds: Dataset, as_of, months: int) -> list[pd.Timestamp]:
    end = as_of_end(as_of, ds)
    last = (end - pd.Timedelta(days=1)).tz_localize(None).to_period("M")
    periods = pd.period_range(last - (months - 1), last, freq="M")
    # Each month is measured at its last day, the current one at as_of.
    stamps = [min(p.end_time.tz_localize("UTC").normalize() + pd.Timedelta(days=1), end) for p in periods]
    return stamps


def _person_month_activity(ds: Dataset, people: pd.Series, end: pd.Timestamp) -> pd.DataFrame:
    ev = interaction_events(ds, as_of=end - pd.Timedelta(days=1))
    ev = ev[isin(ev["person_id"], people)]
    return pd.DataFrame({"person_id": ev["person_id"], "created_at": ev["created_at"]})


def _interactive_share(ds, ends, people, window_days=180):
    ev = _person_month_activity(ds, people, ends[-1])
    reg = population(ds)
    reg = reg[isin(reg["person_id"], people) & reg["state"].notna()]
    joined = reg.set_index("person_id")["joined_at"]
    out = []
    for end in ends:  # a loop over months, each step vectorised over events
        window = ev[(ev["created_at"] < end) & (ev["created_at"] >= end - pd.Timedelta(days=window_days))]
        registered = joined[joined.isna() | (joined < end)].index
        out.append(float(isin(pd.Index(registered), window["person_id"]).mean()) if len(registered) else np.nan)
    return out


def _monthly_active(ds, ends, people):
    ev = _person_month_activity(ds, people, ends[-1])
    return [float(ev.loc[(ev["created_at"] < e) & (ev["created_at"] >= e - pd.Timedelta(days=30)), "person_id"].nunique()) for e in ends]


def _response_rate(ds, ends, people):
    threads = conversations.thread_responses(ds, as_of=ends[-1] - pd.Timedelta(days=1))
    threads = threads[isin(threads["author_id"], people)]
    return [
        float(threads.loc[(threads["created_at"] < e) & (threads["created_at"] >= e - pd.Timedelta(days=90)), "answered"].mean())
        if len(threads)
        else np.nan
        for e in ends
    ]


def _median_hours(ds, ends, people):
    threads = conversations.thread_responses(ds, as_of=ends[-1] - pd.Timedelta(days=1))
    threads = threads[isin(threads["author_id"], people)]
    return [
        float(threads.loc[(threads["created_at"] < e) & (threads["created_at"] >= e - pd.Timedelta(days=90)), "hours_to_first_response"].median())
        for e in ends
    ]


def _healthy_communities(ds, ends, people):
    return [float(isin(communities.community_scorecard(ds, as_of=e - pd.Timedelta(days=1))["status"], ["thriving", "growing"]).sum()) for e in ends]


@dataclasses.dataclass(frozen=True)
class Metric:
    name: str
    label: str
    history: Callable[..., list[float]]
    is_share: bool
    higher_is_better: bool = True
    every: int = 1  # months between measurements: a community census costs a scorecard each time


#: Objective metrics: name -> how to measure it at each month's end.
METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("interactive_share", "Share of registered people interacting (6 months)", _interactive_share, True),
        Metric("monthly_active", "People active in the last 30 days", _monthly_active, False),
        Metric("response_rate", "Share of threads answered (last 90 days)", _response_rate, True),
        Metric("median_hours_to_first_response", "Median hours to first response (last 90 days)", _median_hours, False, higher_is_better=False),
        Metric("healthy_communities", "Communities thriving or growing", _healthy_communities, False, every=3),
    )
}


def metric_history(ds: Dataset, metric: str, *, as_of, months: int = 12, segment: dict | None = None) -> pd.DataFrame:
    """A metric measured at the end of each of the last ``months`` months: ``month``, ``value``."""
    if metric not in METRICS:
        raise ConfigError(f"unknown objective metric {metric!r}; choose one of {', '.join(METRICS)}")
    ends = _month_ends(ds, as_of, months)
    people = _segment_people(ds, segment)
    every = METRICS[metric].every
    measured = ends[::-1][::every][::-1]  # always including as_of itself
    values = dict(zip(measured, METRICS[metric].history(ds, measured, people)))
    months_idx = [(e - pd.Timedelta(days=1)).tz_localize(None).to_period("M") for e in ends]
    return pd.DataFrame({"month": pd.PeriodIndex(months_idx, freq="M"), "value": np.asarray([values.get(e, np.nan) for e in ends], dtype="float64")})


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
        if item["metric"] not in METRICS:
            raise ConfigError(f"{here}: unknown metric {item['metric']!r}; choose one of {', '.join(METRICS)}")
        try:
            target = float(item["target"])
            deadline = dt.date.fromisoformat(str(item["deadline"]))
        except ValueError:
            raise ConfigError(f"{here}: target must be a number and deadline a date like 2027-06-30") from None
        seg = item.get("segment") or None
        if seg is not None and not isinstance(seg, dict):
            raise ConfigError(f"{here}: segment must be a mapping like {{department: Sales}}")
        out.append(
            {
                "id": str(item.get("id") or f"objective-{i + 1}"),
                "metric": item["metric"],
                "segment": seg,
                "target": target,
                "deadline": deadline,
                "owner": str(item.get("owner") or "unassigned"),
                "theme": str(item.get("theme") or "unassigned"),
                "path": str(item.get("path") or "linear"),
                "reason": str(item.get("reason") or "agreed with the sponsor"),
            }
        )
    return out


def propose_objectives(ds: Dataset, *, as_of, months: int = 12) -> list[dict[str, Any]]:
    """A starting set of objectives from the assessment and the published benchmarks, with reasons."""
    as_of = pd.Timestamp(as_of).date()
    deadline = (pd.Timestamp(as_of) + pd.DateOffset(months=months)).date()
    inter = metric_history(ds, "interactive_share", as_of=as_of, months=1)["value"].iloc[-1]
    resp = metric_history(ds, "response_rate", as_of=as_of, months=1)["value"].iloc[-1]
    active = metric_history(ds, "monthly_active", as_of=as_of, months=1)["value"].iloc[-1]
    healthy = metric_history(ds, "healthy_communities", as_of=as_of, months=1)["value"].iloc[-1]
    goals = [
        {
            "id": "interactive",
            "metric": "interactive_share",
            "target": round(max(min(0.38, inter + 0.15), inter + 0.05), 3),
            "theme": "Everyone has a voice",
            "reason": f"from {pct(inter)} towards SWOOP's recommended 38% (published average 27%)",
        },
        {
            "id": "answered",
            "metric": "response_rate",
            "target": round(min(0.95, max(resp, 0.6) + 0.1), 3) if np.isfinite(resp) else 0.7,
            "theme": "Questions get answers",
            "reason": "ten points more threads answered: an unanswered post is the fastest way to lose a contributor",
        },
        {
            "id": "active",
            "metric": "monthly_active",
            "target": float(math.ceil(active * 1.3)),
            "theme": "The network is where work happens",
            "reason": "recover momentum: 30% more people active each month",
        },
        {
            "id": "communities",
            "metric": "healthy_communities",
            "target": float(healthy + max(2, math.ceil(healthy * 0.5))),
            "theme": "Communities that run themselves",
            "reason": "half as many again thriving or growing communities, seeded from today's healthy ones",
        },
    ]
    for g in goals:
        g.update({"deadline": deadline, "owner": "to be agreed", "path": "linear", "segment": None})
    return parse_objectives(goals, where="proposed objectives")


@dataclasses.dataclass
class Plan:
    as_of: str
    proposed: bool
    objectives: pd.DataFrame
    glide_paths: pd.DataFrame
    alignment: pd.DataFrame
    history: dict[str, pd.DataFrame]


def build_plan(ctx: StepContext, *, save: bool = True) -> Plan:
    """Baselines, glide paths and feasibility for the client's objectives (or a proposed set); saved by as_of."""
    ds, as_of = ctx.ds, ctx.as_of
    proposed = not ctx.config.objectives
    objectives = propose_objectives(ds, as_of=as_of) if proposed else parse_objectives(ctx.config.objectives)
    rows, paths, history = [], [], {}
    for obj in objectives:
        metric = METRICS[obj["metric"]]
        hist = metric_history(ds, obj["metric"], as_of=as_of, months=12, segment=obj["segment"])
        baseline = float(hist["value"].iloc[-1])
        months = max(1, (pd.Period(obj["deadline"], "M") - pd.Period(as_of, "M")).n)
        best = best_sustained_change(hist["value"] if metric.higher_is_better else -hist["value"])
        verdict, required = feasibility(baseline, obj["target"], months, best, higher_is_better=metric.higher_is_better)
        path = glide_path(baseline, obj["target"], start=as_of, deadline=obj["deadline"], shape=obj["path"]).assign(objective_id=obj["id"])
        paths.append(path)
        history[obj["id"]] = hist
        rows.append(
            {
                "objective_id": obj["id"],
                "objective": metric.label,
                "metric": obj["metric"],
                "segment": ", ".join(f"{k} = {v}" for k, v in (obj["segment"] or {}).items()) or "whole network",
                "baseline": baseline,
                "target": obj["target"],
                "deadline": obj["deadline"].isoformat(),
                "months": months,
                "required_monthly_change": required,
                "best_past_monthly_change": best,
                "feasibility": verdict,
                "owner": obj["owner"],
                "theme": obj["theme"],
                "reason": obj["reason"],
                "is_share": metric.is_share,
                "higher_is_better": metric.higher_is_better,
                "path": obj["path"],
                "segment_spec": json.dumps(obj["segment"] or {}),
            }
        )
    table = pd.DataFrame(rows)
    glide = pd.concat(paths, ignore_index=True) if paths else pd.DataFrame(columns=["month", "target", "objective_id"])
    alignment = (
        table[["theme", "objective", "owner", "target", "deadline"]].sort_values(["theme", "objective"]).reset_index(drop=True)
        if len(table)
        else table
    )
    plan = Plan(as_of=as_of.isoformat(), proposed=proposed, objectives=table, glide_paths=glide, alignment=alignment, history=history)
    if save:
        save_plan(plan, ctx.paths.plans)
    return plan


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
    t = plan.objectives
    intro = (
        f"No objectives were set for {escape_md(client)}, so this plan **proposes** {len(t)}, each from the assessment and the "
        "published benchmarks. Agree targets, deadlines and owners with the sponsor, record them in `client.yml`, and re-run."
        if plan.proposed
        else f"{len(t)} objectives agreed for {escape_md(client)}, measured from the data at {plan.as_of}."
    )
    lines = [intro, ""]
    for r in t.itertuples():
        fmt = (lambda v: pct(v, 1)) if r.is_share else (lambda v: f"{v:,.1f}")
        lines.append(
            f"- **{escape_md(r.objective)}**: from {fmt(r.baseline)} to {fmt(r.target)} by {r.deadline} — *{r.feasibility}*. {escape_md(r.reason)}."
        )
    return "\n".join(lines)


def format_value(value: float, *, is_share: bool) -> str:
    """A metric value as a reader expects it: shares as percentages, counts with separators.

    Examples
    --------
    >>> format_value(0.2334, is_share=True), format_value(1450.0, is_share=False)
    ('23.3%', '1,450')
    """
    if value is None or pd.isna(value):
        return "–"
    return pct(value, 1) if is_share else f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"


def objectives_table(plan: Plan) -> pd.DataFrame:
    """The objectives as the deliverable shows them: formatted values, one line each."""
    t = plan.objectives
    fmt = [lambda v, s=s: format_value(v, is_share=s) for s in t["is_share"]]
    return pd.DataFrame(
        {
            "objective": t["objective"],
            "segment": t["segment"],
            "baseline": [f(v) for f, v in zip(fmt, t["baseline"])],
            "target": [f(v) for f, v in zip(fmt, t["target"])],
            "deadline": t["deadline"],
            "needs per month": [f(v) for f, v in zip(fmt, t["required_monthly_change"])],
            "best so far": [f(v) for f, v in zip(fmt, t["best_past_monthly_change"])],
            "feasibility": t["feasibility"],
        }
    )
