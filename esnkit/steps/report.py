"""Step 5, Report: KPIs against the saved plan, trends, quarter on quarter, best practices, movers, history.

RAG rule for an objective at month *m* (``gap`` = how far the value is behind the glide path in
the objective's good direction; ``span`` = |target − baseline|):

- **on track**: ``gap ≤ 0`` (at or ahead of the path);
- **at risk**: ``0 < gap ≤ 10%`` of ``span``;
- **off track**: ``gap > 10%`` of ``span``.

The forecast at the deadline extends the average monthly change of the last three months.

A quarter-on-quarter change is *larger than noise* when it exceeds twice the standard deviation
of the metric's month-to-month changes over the last year.

Every run saves its KPI values to ``reports/<as_of>/kpis.json``; the next run reads the latest
earlier one and reports the movement since.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .._fast import isin
from .._io import atomic_write
from ..metrics import communities, network
from ..render import escape_md, pct
from .context import StepContext
from .plan import METRICS, load_plan, metric_history, propose_objectives

__all__ = [
    "quarter_table",
    "scorecard_table",
    "rag_status",
    "forecast",
    "quarter_change",
    "best_practices",
    "movers",
    "build_report",
    "report_summary",
    "Report",
]

AT_RISK_SHARE = 0.10


def rag_status(value: float, glide: float, baseline: float, target: float, *, higher_is_better: bool = True) -> str:
    """On track / at risk / off track (rule in the module docs).

    Examples
    --------
    >>> rag_status(0.30, 0.30, 0.2, 0.4)
    'on track'
    >>> rag_status(0.29, 0.30, 0.2, 0.4)
    'at risk'
    >>> rag_status(0.25, 0.30, 0.2, 0.4)
    'off track'
    >>> rag_status(10.0, 12.0, 24.0, 4.0, higher_is_better=False)
    'on track'
    """
    gap = (glide - value) if higher_is_better else (value - glide)
    span = abs(target - baseline) or 1e-12
    if gap <= 1e-12:
        return "on track"
    return "at risk" if gap <= AT_RISK_SHARE * span + 1e-12 else "off track"


def forecast(history: pd.Series, months_left: int) -> float:
    """Value at the deadline if the last three months' average monthly change continues.

    Examples
    --------
    >>> forecast(pd.Series([1.0, 2.0, 3.0, 4.0]), 2)
    6.0
    """
    v = pd.Series(history, dtype="float64").dropna()
    if len(v) < 2:
        return float(v.iloc[-1]) if len(v) else float("nan")
    k = min(3, len(v) - 1)
    slope = (v.iloc[-1] - v.iloc[-1 - k]) / k
    return float(v.iloc[-1] + slope * max(months_left, 0))


def quarter_change(history: pd.DataFrame) -> dict[str, float | bool]:
    """This quarter's mean against last quarter's, and whether the change is larger than noise.

    Examples
    --------
    >>> h = pd.DataFrame({"value": [10, 10, 10, 10, 10, 10, 10, 10, 10, 20, 20, 20]})
    >>> r = quarter_change(h)
    >>> (r["this_quarter"], r["last_quarter"], r["change"], r["significant"])
    (20.0, 10.0, 10.0, True)
    """
    v = history["value"].astype("float64").to_numpy()
    this, last = np.nanmean(v[-3:]) if len(v) >= 3 else np.nan, np.nanmean(v[-6:-3]) if len(v) >= 6 else np.nan
    noise = np.nanstd(np.diff(v)) if len(v) > 2 else np.nan
    change = this - last
    return {
        "this_quarter": float(this),
        "last_quarter": float(last),
        "change": float(change),
        "noise": float(noise),
        "significant": bool(np.isfinite(change) and np.isfinite(noise) and abs(change) > 2 * noise),
    }


def best_practices(scorecard: pd.DataFrame) -> pd.DataFrame:
    """What growing/thriving communities do differently from declining/idle ones, with effect sizes.

    Effect size is Cohen's d (difference of means over the pooled standard deviation); ``advice``
    states the difference as something to do.
    """
    good = scorecard[isin(scorecard["status"], ["thriving", "growing"])]
    bad = scorecard[isin(scorecard["status"], ["declining", "idle"])]
    features = {
        "median_hours_to_first_response": ("Answer new threads quickly", False),
        "response_rate": ("Make sure every thread gets a response", True),
        "posts_per_active_member": ("Keep a regular posting rhythm", True),
        "newcomer_share": ("Bring in new members continually", True),
        "absence_factor": ("Spread the work beyond one or two hosts", True),
    }
    rows = []
    for column, (advice, higher_good) in features.items():
        a, b = good[column].dropna().astype(float), bad[column].dropna().astype(float)
        if len(a) < 2 or len(b) < 2:
            continue
        pooled = np.sqrt(((len(a) - 1) * a.var() + (len(b) - 1) * b.var()) / (len(a) + len(b) - 2))
        d = (a.mean() - b.mean()) / pooled if pooled > 0 else 0.0
        rows.append(
            {
                "practice": column.replace("_", " "),
                "growing_or_thriving": a.median(),
                "declining_or_idle": b.median(),
                "effect_size": d,
                "advice": advice if (d > 0) == higher_good else f"(no clear advantage) {advice.lower()}",
            }
        )
    out = pd.DataFrame(rows, columns=["practice", "growing_or_thriving", "declining_or_idle", "effect_size", "advice"])
    return out.reindex(out["effect_size"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def movers(scorecard: pd.DataFrame, risk: pd.DataFrame, *, top: int = 5) -> pd.DataFrame:
    """Communities that rose and fell most this quarter, and influencers at risk (by label)."""
    sc = scorecard[(scorecard["messages_q1"] > 0) | (scorecard["messages_q0"] > 0)].assign(delta=lambda t: t["messages_q0"] - t["messages_q1"])
    rose = sc.nlargest(top, "delta")
    fell = sc.nsmallest(top, "delta")
    rows = [
        {"who": n, "kind": "community", "movement": "rose", "detail": f"{a} → {b} messages a quarter"}
        for n, a, b in zip(rose["name"], rose["messages_q1"], rose["messages_q0"])
        if b > a
    ]
    rows += [
        {"who": n, "kind": "community", "movement": "fell", "detail": f"{a} → {b} messages a quarter"}
        for n, a, b in zip(fell["name"], fell["messages_q1"], fell["messages_q0"])
        if b < a
    ]
    rows += [
        {"who": f"Influencer in {d}", "kind": "person", "movement": "at risk", "detail": f"{b} → {n} contributions a quarter"}
        for d, b, n in zip(risk["department"], risk["contributions_before"], risk["contributions_now"])
    ][:top]
    return pd.DataFrame(rows, columns=["who", "kind", "movement", "detail"])


@dataclasses.dataclass
class Report:
    as_of: str
    plan_as_of: str | None
    scorecard: pd.DataFrame
    trends: dict[str, pd.DataFrame]
    quarter_change: pd.DataFrame
    best_practices: pd.DataFrame
    movers: pd.DataFrame
    campaign_marks: dict[str, str]
    history_note: str
    previous: dict | None


def _previous_kpis(reports_root: Path, as_of: dt.date) -> dict | None:
    if not reports_root.is_dir():
        return None
    earlier = sorted(p.parent.name for p in reports_root.glob("*/kpis.json") if p.parent.name < as_of.isoformat())
    return json.loads((reports_root / earlier[-1] / "kpis.json").read_text()) if earlier else None


def build_report(ctx: StepContext, *, save: bool = True) -> Report:
    ds, as_of = ctx.ds, ctx.as_of
    saved = load_plan(ctx.paths.plans, as_of=as_of)
    if saved is not None:
        objectives = saved["objectives"]
        glide = saved["glide_paths"]
        plan_as_of = saved["as_of"]
    else:
        props = propose_objectives(ds, as_of=as_of)
        objectives = pd.DataFrame(
            [
                {
                    **o,
                    "objective_id": o["id"],
                    "objective": METRICS[o["metric"]].label,
                    "baseline": np.nan,
                    "deadline": o["deadline"].isoformat(),
                    "segment_spec": json.dumps(o["segment"] or {}),
                }
                for o in props
            ]
        )
        glide = pd.DataFrame(columns=["month", "target", "objective_id"])
        plan_as_of = None
    rows, trends, qrows = [], {}, []
    month_now = pd.Period(as_of, "M")
    for o in objectives.to_dict("records"):
        metric = METRICS[o["metric"]]
        segment = json.loads(o.get("segment_spec") or "{}") or None
        hist = metric_history(ds, o["metric"], as_of=as_of, months=12, segment=segment)
        hist.attrs["percent"] = metric.is_share
        trends[metric.label] = hist
        value = float(hist["value"].iloc[-1])
        path = glide[glide["objective_id"] == o["objective_id"]] if len(glide) else glide
        on_path = path.loc[path["month"] == month_now, "target"]
        glide_now = (
            float(on_path.iloc[0]) if len(on_path) else (float(path["target"].iloc[-1]) if len(path) and month_now > path["month"].max() else np.nan)
        )
        baseline = float(o["baseline"]) if pd.notna(o.get("baseline")) else np.nan
        status = (
            rag_status(value, glide_now, baseline, float(o["target"]), higher_is_better=metric.higher_is_better)
            if np.isfinite(glide_now) and np.isfinite(baseline)
            else "no plan saved"
        )
        months_left = (pd.Period(o["deadline"], "M") - month_now).n
        rows.append(
            {
                "objective": metric.label,
                "is_share": metric.is_share,
                "baseline": baseline,
                "now": value,
                "glide_path_now": glide_now,
                "target": float(o["target"]),
                "deadline": o["deadline"],
                "status": status,
                "forecast_at_deadline": forecast(hist["value"], months_left),
            }
        )
        q = quarter_change(hist)
        qrows.append({"metric": metric.label, "is_share": metric.is_share, **q})
    scorecard = pd.DataFrame(rows)
    qc = pd.DataFrame(qrows)
    sc = communities.community_scorecard(ds, as_of=as_of)
    risk = network.influencer_risk(ds, as_of=as_of)
    marks = {str(c["start"]): str(c.get("name", "campaign")) for c in ctx.config.campaigns if "start" in c}
    previous = _previous_kpis(ctx.paths.reports_root, as_of)
    if previous is None:
        note = "This is the first report for this client: there is no earlier run to compare with yet."
    else:
        lines = [f"Since the report of {previous['as_of']}:"]
        before = {k["objective"]: k["now"] for k in previous["kpis"]}
        for r in rows:
            if r["objective"] in before and before[r["objective"]] is not None:
                b = before[r["objective"]]
                share = METRICS[next(m for m in METRICS if METRICS[m].label == r["objective"])].is_share
                fmt = (lambda v: pct(v, 1)) if share else (lambda v: f"{v:,.1f}")
                lines.append(
                    f"- {escape_md(r['objective'])}: {fmt(b)} → {fmt(r['now'])} ({'+' if r['now'] >= b else ''}{(r['now'] - b) * (100 if share else 1):.1f}{' points' if share else ''})."
                )
        note = "\n".join(lines)
    report = Report(as_of.isoformat(), plan_as_of, scorecard, trends, qc, best_practices(sc), movers(sc, risk), marks, note, previous)
    if save:
        folder = ctx.paths.reports(as_of)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(
            folder / "kpis.json", json.dumps({"as_of": as_of.isoformat(), "kpis": json.loads(scorecard.to_json(orient="records"))}, indent=2)
        )
    return report


def report_summary(r: Report, *, client: str) -> str:
    from .plan import format_value

    lines = []
    if r.plan_as_of is None:
        lines.append(
            f"No plan has been saved for {escape_md(client)} yet: run step 2 first. The figures below show where the proposed objectives stand."
        )
    else:
        counts = r.scorecard["status"].value_counts()
        lines.append(
            f"Against the plan of {r.plan_as_of}: **{counts.get('on track', 0)} on track, {counts.get('at risk', 0)} at risk, {counts.get('off track', 0)} off track**."
        )
    for row in r.scorecard.itertuples():
        lines.append(
            f"- {escape_md(row.objective)}: now {format_value(row.now, is_share=row.is_share)} (target {format_value(row.target, is_share=row.is_share)} by {row.deadline}) — *{row.status}*."
        )
    sig = r.quarter_change[r.quarter_change["significant"]] if len(r.quarter_change) else r.quarter_change
    from .plan import format_value

    for row in sig.itertuples():
        before, after = format_value(row.last_quarter, is_share=row.is_share), format_value(row.this_quarter, is_share=row.is_share)
        lines.append(
            f"- This quarter, {escape_md(row.metric).lower()} moved from {before} to {after} on average: more than normal month-to-month noise."
        )
    if len(r.best_practices):
        bp = r.best_practices.iloc[0]
        lines.append(f"- Best practice here: **{escape_md(bp['advice'])}** (largest difference between growing and declining communities).")
    return "\n".join(lines)


def scorecard_table(r: Report) -> pd.DataFrame:
    """The KPI scorecard as the deliverable shows it (shares as percentages)."""
    from .plan import format_value

    t = r.scorecard
    out = {"objective": t["objective"]}
    for column in ("baseline", "now", "glide_path_now", "target", "forecast_at_deadline"):
        out[column.replace("_", " ")] = [format_value(v, is_share=s) for v, s in zip(t[column], t["is_share"])]
    out["deadline"] = t["deadline"]
    out["status"] = t["status"]
    return pd.DataFrame(out)


def quarter_table(r: Report) -> pd.DataFrame:
    """This quarter against the last, formatted, with the noise flag in words."""
    from .plan import format_value

    q = r.quarter_change
    if len(q) == 0:
        return q
    return pd.DataFrame(
        {
            "metric": q["metric"],
            "last quarter": [format_value(v, is_share=s) for v, s in zip(q["last_quarter"], q["is_share"])],
            "this quarter": [format_value(v, is_share=s) for v, s in zip(q["this_quarter"], q["is_share"])],
            "change": [("+" if c >= 0 else "") + format_value(c, is_share=s) for c, s in zip(q["change"], q["is_share"])],
            "beyond noise": np.where(q["significant"], "yes", "no"),
        }
    )
