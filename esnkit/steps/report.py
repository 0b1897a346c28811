"""Step 5, Report: KPIs against the agreed plan, trends, quarter on quarter, best practices, movers, history.

Every figure is a KPI of :mod:`esnkit.metrics.kpis`, measured exactly as step 1 measures it.

Statuses are given only against an **agreed** plan (objectives in ``client.yml``) saved before
this report's as-of date. Against a proposed plan, or a plan saved on the report's own date, every
objective's status is ``baseline``: there is nothing to be on or off track against yet.

Against an agreed plan, each objective's status comes from where its trend ends at the deadline —
the one model of :mod:`esnkit.metrics.trends`, which step 2's feasibility uses too — with values
compared as they are displayed (so rounding never flips a status):

- **on track**: the pessimistic end of the forecast's 80% interval reaches the target;
- **at risk**: only the central forecast reaches it;
- **off track**: not even the central forecast reaches it;
- **no forecast**: the history is too short for a trend (fewer than six monthly values or four
  quarterly ones, after the months while the KPI's window was still filling), or the measure has
  no monthly history: the objective has its target and is re-measured at its deadline.

The forecast is the KPI's trend over the last 12 months (a straight line fitted at the KPI's own
cadence: quarterly KPIs by their quarterly values) carried to the deadline, held within what the
KPI can be (a share within 0–100%, a count within the people or communities there are; a value
heading for zero is fitted as a constant rate, so it approaches zero without reaching it). Where
the objective stands against its glide path this month is shown beside it.

Quarters are calendar quarters. This quarter is compared with the last only when both are complete
and lie inside the data; a change is *larger than noise* when it exceeds twice the standard
deviation of the KPI's month-to-month changes over the last year.

``esnkit run`` saves the KPIs and objectives to ``reports/<as_of>/kpis.json`` (:func:`kpi_record`);
the next run reads the latest earlier one and reports the movement since.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .._fast import isin
from .._io import atomic_write
from ..facts import Figures, Told, headline_cells
from ..metrics import communities, kpis, network, trends
from ..metrics.measures import in_unit
from ..render import escape_md
from .context import StepContext
from .plan import load_plan, objective_kpi, objective_label, objective_trend, propose_objectives, segment_people, shown_change

__all__ = [
    "practices_table",
    "quarter_table",
    "scorecard_table",
    "rag_status",
    "forecast",
    "trend_title",
    "quarter_change",
    "best_practices",
    "movers",
    "build_report",
    "report_summary",
    "kpi_record",
    "save_record",
    "Report",
]


def rag_status(target: float, *, forecast: float, low: float, high: float, kpi_id: str = "response_rate", higher_is_better: bool = True) -> str:
    """On track / at risk / off track / no forecast, from the forecast at the deadline (rule in the module docs).

    ``low``/``high`` are the forecast's interval; every value is compared as it prints.

    Examples
    --------
    >>> rag_status(0.4, forecast=0.45, low=0.41, high=0.49)
    'on track'
    >>> rag_status(0.4, forecast=0.42, low=0.35, high=0.49)  # the trend reaches it, its pessimistic end does not
    'at risk'
    >>> rag_status(0.4, forecast=0.38, low=0.30, high=0.46)
    'off track'
    >>> rag_status(0.4, forecast=0.42, low=0.39951, high=0.46)  # 40.0% as displayed: it reaches the target
    'on track'
    >>> rag_status(4.0, forecast=3.0, low=2.0, high=4.04, kpi_id="median_hours_to_first_response", higher_is_better=False)
    'on track'
    >>> rag_status(0.4, forecast=float("nan"), low=float("nan"), high=float("nan"))
    'no forecast'
    """
    q = lambda v: kpis.quantise(kpi_id, v)
    return trends.status(q(target), q(forecast), q(low), q(high), higher_is_better=higher_is_better)


def forecast(history: pd.Series, months_left: int) -> float:
    """Value ``months_left`` months after the history's last month if its trend continues (unclipped; NaN without a trend).

    ``history`` holds one value a month, NaN in months not measured: the trend of
    :mod:`esnkit.metrics.trends` (a line at the history's own cadence, from at least six monthly
    values or four quarterly ones).

    Examples
    --------
    >>> forecast(pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), 2)
    8.0
    >>> forecast(pd.Series([4.0, None, None, 4.0, None, None, 4.0, None, None, 4.0]), 12)  # quarterly, flat
    4.0
    >>> forecast(pd.Series([1.0, 2.0, 3.0, 4.0]), 2)  # four months: no trend yet
    nan
    """
    values = pd.Series(history, dtype="float64").to_numpy()
    frame = pd.DataFrame({"month": pd.period_range("2000-01", periods=len(values), freq="M"), "value": values})
    return trends.forecast(frame, until=pd.Period("2000-01", "M") + max(len(values) - 1, 0) + max(months_left, 0)).central


def trend_title(
    label: str,
    kpi_id: str,
    history: pd.DataFrame,
    f: trends.Forecast,
    deadline,
    *,
    as_of: str = "",
    segment: dict | None = None,
    unit: str | None = None,
) -> Told:
    """A trend chart's title that states the finding: where the KPI went over its history, and where its trend ends.

    Examples
    --------
    >>> h = pd.DataFrame({"month": pd.period_range("2025-10", "2026-09", freq="M"), "value": [0.77] + [0.78] * 10 + [0.80]})
    >>> f = trends.forecast(h.assign(value=[0.77 + 0.03 * i / 11 for i in range(12)]), until=pd.Period("2027-09", "M"), upper=1)
    >>> trend_title("Threads answered", "response_rate", h, f, "2027-09-30")
    'Threads answered rose from 77.0% to 80.0% in 11 months; on this trend 83.3% by September 2027'
    >>> trend_title("Threads answered", "response_rate", h.iloc[-3:], trends.forecast(h.iloc[-3:], until=pd.Period("2027-09", "M")), "2027-09-30")
    'Threads answered rose from 78.0% to 80.0% in 2 months; no forecast yet (3 monthly values so far; a trend needs 6)'
    """
    figs = Figures("chart", as_of=as_of, unit=unit)  # unit: the data's unit of conversation, in its figures' labels
    name = figs.name(escape_md(label))
    measured = history.dropna(subset=["value"])
    if len(measured) == 0:
        return Told(f"{name}: not measured yet", figs)
    first, last = measured.iloc[0], measured.iloc[-1]
    first_month, last_month = (pd.Period(m, "M").strftime("%B %Y") for m in (first["month"], last["month"]))
    before = figs(kpi_id, first["value"], segment=segment, window=first_month)
    after = figs(kpi_id, last["value"], segment=segment, window=last_month)
    span = (pd.Period(last["month"], "M") - pd.Period(first["month"], "M")).n
    months = f"{figs.term(str(span))} month" + ("" if span == 1 else "s")
    if span == 0:
        went = f"{name} is {after} in {last_month}"
    elif kpis.display(kpi_id, first["value"]) == kpis.display(kpi_id, last["value"]):
        went = f"{name} held at {after} over {months}"
    else:
        moved = kpis.quantise(kpi_id, last["value"]) > kpis.quantise(kpi_id, first["value"])
        went = f"{name} {'rose' if moved else 'fell'} from {before} to {after} in {months}"
    if f.ok:
        by = pd.Period(str(deadline)[:7], "M").strftime("%B %Y")
        return Told(f"{went}; on this trend {figs('forecast_' + kpi_id, f.central, segment=segment, window=f'by {by}')} by {by}", figs)
    return Told(f"{went}; no forecast yet ({_terms(figs, escape_md(f.reason))})", figs)


def _terms(figs: Figures, words: str) -> str:
    """A reason's numbers are terms of a rule ("3 monthly values so far; a trend needs 6"), not measurements."""
    return re.sub(r"\d[\d,.]*", lambda m: figs.term(m.group(0)), words)


def quarter_change(history: pd.DataFrame) -> dict[str, object]:
    """The last complete calendar quarter against the one before, and whether the change is beyond noise.

    ``history`` has ``month`` (Period) and ``value`` (and optionally ``partial``); a quarter counts
    when all three of its months are in the history and none is partial. Its value is the mean of
    the months measured in it.

    Examples
    --------
    >>> months = pd.period_range("2025-07", "2026-07", freq="M")
    >>> h = pd.DataFrame({"month": months, "value": [10.0] * 9 + [20.0] * 3 + [99.0], "partial": [False] * 12 + [True]})
    >>> r = quarter_change(h)
    >>> (r["this_label"], r["last_label"], r["this_quarter"], r["last_quarter"], r["significant"])
    ('Q2 2026', 'Q1 2026', 20.0, 10.0, True)
    >>> quarter_change(h.iloc[-5:])["last_label"]  # Q1 2026 is not all in this history
    '–'
    """
    h = history.copy()
    partial = h["partial"].to_numpy(dtype=bool) if "partial" in h else np.zeros(len(h), dtype=bool)
    h = h[~partial]
    quarters = h["month"].dt.asfreq("Q") if len(h) else pd.Series([], dtype="period[Q-DEC]")
    counts = quarters.value_counts()
    complete = sorted(q for q, n in counts.items() if n == 3)
    v = h["value"].astype("float64")

    def mean(q) -> float:
        vals = v[(quarters == q).to_numpy()]
        return float(vals.mean()) if vals.notna().any() else float("nan")

    this_q = complete[-1] if complete else None
    last_q = complete[-2] if len(complete) >= 2 and complete[-2] == complete[-1] - 1 else None
    this, last = (mean(this_q) if this_q is not None else float("nan")), (mean(last_q) if last_q is not None else float("nan"))
    diffs = np.diff(v.dropna().to_numpy()[-13:])
    noise = float(np.std(diffs)) if len(diffs) > 1 else float("nan")
    change = this - last
    label = lambda q: f"Q{q.quarter} {q.year}" if q is not None else "–"
    return {
        "this_label": label(this_q),
        "last_label": label(last_q),
        "this_quarter": this,
        "last_quarter": last,
        "change": float(change),
        "noise": noise,
        "significant": bool(np.isfinite(change) and np.isfinite(noise) and abs(change) > 2 * noise),
    }


def best_practices(scorecard: pd.DataFrame, *, unit: str | None = None) -> pd.DataFrame:
    """What growing/thriving communities do differently from declining/idle ones: each group's mean, and the effect size.

    Effect size is Cohen's d (difference of means over the pooled standard deviation); ``advice``
    states the difference as something to do, in the data's ``unit`` of conversation. The means are shown, not medians: a median could
    differ the other way (newcomer share 19% against 0% in medians, the means nearly equal).
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
        advice = in_unit(advice, unit)
        a, b = good[column].dropna().astype(float), bad[column].dropna().astype(float)
        if len(a) < 2 or len(b) < 2:
            continue
        pooled = np.sqrt(((len(a) - 1) * a.var() + (len(b) - 1) * b.var()) / (len(a) + len(b) - 2))
        d = (a.mean() - b.mean()) / pooled if pooled > 0 else 0.0
        rows.append(
            {
                "practice": column.replace("_", " "),
                "growing_or_thriving": a.mean(),  # means, as the effect size compares them (medians could contradict it)
                "declining_or_idle": b.mean(),
                "effect_size": d,
                "advice": advice if (d > 0) == higher_good else f"(no clear advantage) {advice.lower()}",
            }
        )
    out = pd.DataFrame(rows, columns=["practice", "growing_or_thriving", "declining_or_idle", "effect_size", "advice"])
    return out.reindex(out["effect_size"].abs().sort_values(ascending=False).index).reset_index(drop=True)


#: How each practice's means print, as the community tables of steps 1 and 4 print the same columns.
_PRACTICE_FORMATS = {
    "median hours to first response": lambda v: f"{v:.1f} h",
    "response rate": lambda v: f"{v:.0%}",
    "posts per active member": lambda v: f"{v:.2f}",
    "newcomer share": lambda v: f"{v:.0%}",
    "absence factor": lambda v: f"{v:,.1f}",  # a mean of counts
}


def practices_table(practices: pd.DataFrame) -> pd.DataFrame:
    """:func:`best_practices` as the deliverable shows it: each mean in its practice's unit, the effect size to two places.

    Examples
    --------
    >>> bp = pd.DataFrame({"practice": ["response rate", "absence factor", "median hours to first response"],
    ...     "growing_or_thriving": [0.958, 132.0, 0.89], "declining_or_idle": [0.89, 34.5, 2.634],
    ...     "effect_size": [0.694, 1.2805, -0.6712], "advice": ["a", "b", "c"]})
    >>> practices_table(bp).values.tolist()
    [['response rate', '96%', '89%', '0.69', 'a'], ['absence factor', '132.0', '34.5', '1.28', 'b'], ['median hours to first response', '0.9 h', '2.6 h', '-0.67', 'c']]
    """
    shown = [_PRACTICE_FORMATS.get(p, lambda v: f"{v:,.2f}") for p in practices["practice"]]
    return pd.DataFrame(
        {
            "practice": practices["practice"],
            "mean, growing or thriving": [f(v) for f, v in zip(shown, practices["growing_or_thriving"])],
            "mean, declining or idle": [f(v) for f, v in zip(shown, practices["declining_or_idle"])],
            "effect size": [f"{d:.2f}" for d in practices["effect_size"]],
            "advice": practices["advice"],
        }
    )


def movers(scorecard: pd.DataFrame, risk: pd.DataFrame, *, top: int = 5) -> pd.DataFrame:
    """Communities that rose and fell most this quarter, and influencers at risk (by ``person``, their reference, when given).

    A community is a mover only by as much as the status rule calls growing (messages up 25%+) or
    declining (down 30%+), so no mover contradicts the status the other steps print.
    """
    sc = scorecard[(scorecard["messages_q1"] > 0) | (scorecard["messages_q0"] > 0)]
    if "compared" in sc.columns:  # a quarter against one the data hold only part of is no move (a partial history)
        sc = sc[sc["compared"].to_numpy(dtype=bool)]
    sc = sc.assign(delta=lambda t: t["messages_q0"] - t["messages_q1"])
    # Moves the status rule would call growing or declining, and no smaller: a thriving community's
    # "steady volume" (at least 80% of the quarter before) never also reads as "fell 288 -> 278" here.
    ratio = sc["messages_q0"] / sc["messages_q1"].where(sc["messages_q1"] > 0)
    rose = sc[ratio.isna() | (ratio >= communities.GROWING_RATIO)].nlargest(top, "delta")
    fell = sc[ratio <= communities.DECLINING_RATIO].nsmallest(top, "delta")
    rows = [
        {"who": n, "kind": "community", "movement": "rose", "detail": f"{a:,} → {b:,} messages a quarter"}
        for n, a, b in zip(rose["name"], rose["messages_q1"], rose["messages_q0"])
        if b > a
    ]
    rows += [
        {"who": n, "kind": "community", "movement": "fell", "detail": f"{a:,} → {b:,} messages a quarter"}
        for n, a, b in zip(fell["name"], fell["messages_q1"], fell["messages_q0"])
        if b < a
    ]
    labels = risk["person"] if "person" in risk.columns else pd.Series(["Influencer"] * len(risk), index=risk.index)
    rows += [
        {
            "who": f"{who} (influencer last quarter" + (f", {d})" if d and d != "–" else ")"),
            "kind": "person",
            "movement": "at risk",
            "detail": f"{int(b):,} → {int(n):,} contributions a quarter",
        }
        for who, d, b, n in zip(labels, risk["department"], risk["contributions_before"], risk["contributions_now"])
    ][:top]
    return pd.DataFrame(rows, columns=["who", "kind", "movement", "detail"])


@dataclasses.dataclass
class Report:
    as_of: str
    plan_as_of: str | None
    plan: str  # "agreed" or "proposed"
    scorecard: pd.DataFrame
    trends: dict[str, pd.DataFrame]
    quarter_change: pd.DataFrame
    best_practices: pd.DataFrame
    movers: pd.DataFrame
    campaign_marks: dict[str, str]
    history_note: str
    previous: dict | None
    kpis: pd.DataFrame
    trend_titles: dict[str, str] = dataclasses.field(default_factory=dict)  # each trend's chart title, stating the finding
    forecasts: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)  # each trend's path to the deadline (trends.trend_path)
    unit: str = "threads"  # the data's unit of conversation (ctx.profile.unit()): labels and sentences use it


SCORECARD_COLUMNS = [
    "objective_id", "objective", "kpi", "segment", "baseline", "now", "glide_path_now", "target", "forecast_at_deadline",
    "forecast_low", "forecast_high", "forecast_note", "deadline", "status", "plan", "higher_is_better", "segment_spec", "restated",
]  # fmt: skip


def _previous_kpis(reports_root: Path, as_of: dt.date) -> dict | None:
    if not reports_root.is_dir():
        return None
    earlier = sorted(p.parent.name for p in reports_root.glob("*/kpis.json") if p.parent.name < as_of.isoformat())
    if not earlier:
        return None
    try:
        data = json.loads((reports_root / earlier[-1] / "kpis.json").read_text(encoding="utf-8"))
    except (ValueError, OSError, RecursionError):
        return None  # an unreadable earlier record is skipped, not fatal
    return data if isinstance(data, dict) and isinstance(data.get("kpis"), list) else None


def _objectives(ctx: StepContext) -> tuple[pd.DataFrame, pd.DataFrame, str | None, str]:
    """The objectives to report against, their glide paths, the plan's date and whether it was agreed."""
    saved = load_plan(ctx.paths.plans, as_of=ctx.as_of)
    if saved is not None:
        objectives = saved["objectives"].assign(version=[int((saved.get("versions") or {}).get(m, 1)) for m in saved["objectives"]["metric"]])
        return objectives, saved["glide_paths"], saved["as_of"], "proposed" if saved.get("proposed") else "agreed"
    props = propose_objectives(ctx.ds, as_of=ctx.as_of, inactive_days=ctx.inactive_days)
    objectives = pd.DataFrame(
        [
            {**o, "objective_id": o["id"], "baseline": np.nan, "deadline": o["deadline"].isoformat(), "segment_spec": json.dumps(o["segment"] or {})}
            for o in props
        ],
        columns=["objective_id", "metric", "baseline", "target", "deadline", "segment_spec"],
    )
    return objectives, pd.DataFrame(columns=["month", "target", "objective_id"]), None, "proposed"


def build_report(ctx: StepContext) -> Report:
    """KPIs now against the plan in force, trends and quarter on quarter; pure (``esnkit run`` saves :func:`kpi_record`)."""
    # It reads the saved plans and earlier records too: a result is kept only while those are unchanged.
    files = tuple(sorted((str(p), p.stat().st_mtime_ns) for p in [*ctx.paths.plans.glob("*.json"), *ctx.paths.reports_root.glob("*/kpis.json")]))
    return ctx.ds.cached("step:report", (*ctx.key, files), lambda: _build_report(ctx))


def _build_report(ctx: StepContext) -> Report:
    ds, as_of = ctx.ds, ctx.as_of
    objectives, glide, plan_as_of, plan = _objectives(ctx)
    statuses_apply = plan == "agreed" and plan_as_of is not None and plan_as_of < as_of.isoformat()
    rows, history, qrows, titles, paths = [], {}, [], {}, {}
    month_now = pd.Period(as_of, "M")
    for o in objectives.to_dict("records"):
        k = objective_kpi(o["metric"])
        segment = json.loads(o.get("segment_spec") or "{}") or None
        people = segment_people(ds, segment)
        # the one trend model step 2 judged feasibility with: the same history and forecast for the same data
        hist, f = objective_trend(ds, k.id, as_of=as_of, deadline=o["deadline"], segment=segment, inactive_days=ctx.inactive_days)
        hist.attrs["percent"] = k.unit == "share"
        hist.attrs["kpi"] = k.id
        label = objective_label(k.id, segment, ctx.profile.unit())
        history[label] = hist
        titles[label] = trend_title(label, k.id, hist, f, o["deadline"], as_of=as_of.isoformat(), segment=segment, unit=ctx.profile.unit())
        paths[label] = kpis.kpi_trend_path(ds, k.id, hist, until=o["deadline"], as_of=as_of, people=people, inactive_days=ctx.inactive_days)
        now = kpis.kpi_values(ds, as_of=as_of, people=people, inactive_days=ctx.inactive_days, which=[k.id])[k.id]
        path = glide[glide["objective_id"] == o["objective_id"]] if len(glide) else glide
        on_path = path.loc[path["month"] == month_now, "target"] if len(path) else path
        past_deadline = len(path) and month_now > path["month"].max()
        glide_now = float(on_path.iloc[0]) if len(on_path) else (float(path["target"].iloc[-1]) if past_deadline else np.nan)
        baseline = float(o["baseline"]) if pd.notna(o.get("baseline")) else np.nan
        restated = ""
        if plan_as_of is not None and int(o.get("version", k.version)) != k.version:
            # agreed under an earlier definition: its baseline is measured again under today's, never compared across the two
            was = baseline
            baseline = kpis.kpi_values(ds, as_of=dt.date.fromisoformat(plan_as_of), people=people, inactive_days=ctx.inactive_days, which=[k.id])[
                k.id
            ]
            restated = (
                f"baseline restated: the definition of {kpis.kpi(k.id).label.lower()} changed after the plan of {plan_as_of} "
                f"(version {int(o['version'])} to {k.version}); {kpis.display(k.id, was)} under the old one"
            )
        target = float(o["target"])
        status = (
            rag_status(target, forecast=f.central, low=f.low, high=f.high, kpi_id=k.id, higher_is_better=k.higher_is_better)
            if statuses_apply and np.isfinite(now)
            else "baseline"
        )
        rows.append(
            {
                "objective_id": str(o["objective_id"]),
                "objective": label,
                "kpi": k.id,
                "segment": ", ".join(f"{a} = {b}" for a, b in (segment or {}).items()) or "whole network",
                "baseline": baseline,
                "now": now,
                "glide_path_now": glide_now,
                "target": target,
                "forecast_at_deadline": f.central,
                "forecast_low": f.low,
                "forecast_high": f.high,
                "forecast_note": f.reason,
                "deadline": str(o["deadline"]),
                "status": status,
                "plan": plan,
                "higher_is_better": k.higher_is_better,
                "segment_spec": json.dumps(segment or {}),
                "restated": restated,
            }
        )
        qrows.append({"metric": label, "kpi": k.id, "segment_spec": json.dumps(segment or {}), **quarter_change(hist)})
    scorecard = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    qc = pd.DataFrame(
        qrows, columns=["metric", "kpi", "segment_spec", "this_label", "last_label", "this_quarter", "last_quarter", "change", "noise", "significant"]
    )
    sc = communities.community_scorecard(ds, as_of=as_of)
    risk = network.influencer_risk(ds, as_of=as_of)
    risk = ctx.person_rows(risk)  # the stable reference, and the privacy floor on the department beside it
    marks = {str(c["start"]): str(c.get("name", "campaign")) for c in ctx.config.campaigns if "start" in c}
    previous = _previous_kpis(ctx.paths.reports_root, as_of)
    table = kpis.kpi_table(ds, as_of=as_of, inactive_days=ctx.inactive_days)
    return Report(
        as_of.isoformat(), plan_as_of, plan, scorecard, history, qc, best_practices(sc, unit=ctx.profile.unit()), movers(sc, risk), marks,
        _history_note(previous, table, restate=lambda kpi, day: kpis.kpi_values(ds, as_of=day, inactive_days=ctx.inactive_days, which=[kpi])[kpi]),
        previous, table, titles, paths, ctx.profile.unit(),
    )  # fmt: skip


def _version(record: dict) -> int:
    """The definition version a saved record's figure was measured under (1 when a record from before versions names none)."""
    v = record.get("version")
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else 1


def _history_note(previous: dict | None, table: pd.DataFrame, *, restate=None) -> str:
    """Each KPI since the last report; one whose definition changed since is measured again at that report's date
    under today's definition (``restate(kpi, day)``) and says so, never compared across two definitions."""
    if previous is None:
        return "This is the first report for this client: there is no earlier run to compare with yet."
    lines = [f"Since the report of {escape_md(str(previous.get('as_of', '?')))}:"]
    before = {k.get("kpi"): k for k in previous["kpis"] if isinstance(k, dict)}
    try:
        then = dt.date.fromisoformat(str(previous.get("as_of")))
    except ValueError:
        then = None
    for r in table.itertuples():
        record = before.get(r.kpi) or {}
        b, note = record.get("value"), ""
        if r.kpi in before and _version(record) != kpis.kpi(r.kpi).version:
            if restate is None or then is None:
                continue
            b = restate(r.kpi, then)
            note = f"; restated: its definition changed since that report, which printed {escape_md(str(record.get('display', '–')))}"
        if isinstance(b, (int, float)) and np.isfinite(b) and np.isfinite(r.value):
            lines.append(f"- {escape_md(r.label)}: {kpis.display(r.kpi, b)} → {r.display} ({shown_change(r.kpi, b, r.value)}{note}).")
    return "\n".join(lines) if len(lines) > 1 else lines[0] + " no figure of that report can be compared with this one."


def kpi_record(r: Report) -> dict:
    """The machine-readable record of a run, as ``esnkit run`` writes it to ``reports/<as_of>/kpis.json``."""

    def num(v):
        return None if v is None or not np.isfinite(v) else float(v)

    return {
        "as_of": r.as_of,
        "kpis": [
            {
                "kpi": t.kpi,
                "label": t.label,
                "value": num(t.value),
                "display": t.display,
                "unit": t.unit,
                "definition": t.definition,
                "version": kpis.kpi(t.kpi).version,  # a definition's version: figures of two versions are never compared
            }
            for t in r.kpis.itertuples()
        ],
        "objectives": [
            {
                "objective_id": o.objective_id,
                "kpi": o.kpi,
                "segment": json.loads(o.segment_spec or "{}"),
                "baseline": num(o.baseline),
                "now": num(o.now),
                "glide_path_now": num(o.glide_path_now),
                "target": num(o.target),
                "forecast_at_deadline": num(o.forecast_at_deadline),
                "forecast_low": num(o.forecast_low),
                "forecast_high": num(o.forecast_high),
                "forecast_note": o.forecast_note,
                "deadline": o.deadline,
                "status": o.status,
                "plan": o.plan,
                "higher_is_better": bool(o.higher_is_better),
                "version": kpis.kpi(o.kpi).version,
                "restated": o.restated or None,  # why the baseline was measured again under today's definition
            }
            for o in r.scorecard.itertuples()
        ],
    }


def save_record(r: Report, folder: Path) -> Path:
    """Write :func:`kpi_record` to ``folder/kpis.json`` atomically."""
    return atomic_write(folder / "kpis.json", json.dumps(kpi_record(r), indent=2) + "\n")


def report_summary(r: Report, *, client: str) -> Told:
    """The executive summary of step 5, every figure a registered measure, printed as the scorecard prints it."""
    f = Figures("summary", as_of=r.as_of, unit=r.unit)
    lines = []
    name = f.name(escape_md(client))
    if r.plan_as_of is None:
        lines.append(
            f"No plan has been saved for {name} yet, so there is nothing to be on or off track against: the figures "
            "below are where the proposed objectives stand today (their status is *baseline*)."
        )
    elif r.plan == "proposed":
        lines.append(
            f"The plan of {r.plan_as_of} was proposed, not agreed: until its objectives are agreed, each shows where it stands "
            "(status *baseline*) rather than a traffic light."
        )
    elif r.plan_as_of >= r.as_of:
        lines.append(f"The plan was agreed on this report's own date ({r.plan_as_of}): these figures are its baseline.")
    else:
        counts = r.scorecard["status"].value_counts()
        parts = [
            f"{f(f'objectives_{key}', counts.get(status, 0))} {status}"
            for key, status in (("on_track", "on track"), ("at_risk", "at risk"), ("off_track", "off track"), ("no_forecast", "no forecast"))
            if counts.get(status, 0) or key != "no_forecast"
        ]
        lines.append(f"Against the plan of {r.plan_as_of}, of {f('objectives', len(r.scorecard))} objectives: **{', '.join(parts)}**.")
    for row in r.scorecard.itertuples():
        segment = json.loads(row.segment_spec or "{}") or None
        lines.append(
            f"- {f.name(escape_md(row.objective))}: now {f(row.kpi, row.now, segment=segment)} (target "
            f"{f('target_' + row.kpi, row.target, segment=segment, window=f'by {row.deadline}')} by {row.deadline}) — *{row.status}*."
        )
    sig = r.quarter_change[r.quarter_change["significant"]] if len(r.quarter_change) else r.quarter_change
    for row in sig.itertuples():
        segment = json.loads(row.segment_spec or "{}") or None
        after = f(row.kpi, row.this_quarter, segment=segment, window=f"average of {row.this_label}")
        before = f(row.kpi, row.last_quarter, segment=segment, window=f"average of {row.last_label}")
        lines.append(
            f"- In {row.this_label}, {f.name(escape_md(row.metric)).lower()} averaged {after} against {before} in {row.last_label}: "
            "more than normal month-to-month noise."
        )
    if len(r.best_practices):
        bp = r.best_practices.iloc[0]
        lines.append(f"- Best practice here: **{escape_md(bp['advice'])}** (largest difference between growing and declining communities).")
    return Told("\n".join(lines), f)


def restated_note(r: Report) -> str:
    """The objectives whose baseline was measured again because their definition changed after the plan ("" when none)."""
    rows = r.scorecard[r.scorecard["restated"].astype(bool)] if len(r.scorecard) else r.scorecard
    return "\n".join(f"- {escape_md(o)}: {note}." for o, note in zip(rows["objective"], rows["restated"]))


def scorecard_table(r: Report) -> pd.DataFrame:
    """The KPI scorecard as the deliverable shows it (every value as the KPI prints; the forecast's 80% range, or why there is none).

    Its headline columns are facts (:func:`headline_cells`): the baseline, measured at the plan's date; now; the target.
    """
    t = r.scorecard
    out = {"objective": t["objective"]}
    for column in ("baseline", "now", "glide_path_now", "target", "forecast_at_deadline"):
        out[column.replace("_", " ")] = [kpis.display(k, v) for k, v in zip(t["kpi"], t[column])]
    segments = [json.loads(s or "{}") or None for s in t["segment_spec"]]
    if r.plan_as_of:
        out["baseline"] = headline_cells(t["kpi"], t["baseline"], segments, as_of=r.plan_as_of, unit=r.unit)
    out["now"] = headline_cells(t["kpi"], t["now"], segments, as_of=r.as_of, unit=r.unit)
    out["target"] = headline_cells(
        ["target_" + k for k in t["kpi"]], t["target"], segments, as_of=r.as_of, unit=r.unit, windows=[f"by {d}" for d in t["deadline"]]
    )
    out["80% range"] = [
        f"{kpis.display(k, lo)} to {kpis.display(k, hi)}" if np.isfinite(lo) and np.isfinite(hi) else f"no forecast: {why}"
        for k, lo, hi, why in zip(t["kpi"], t["forecast_low"], t["forecast_high"], t["forecast_note"])
    ]
    out["deadline"] = t["deadline"]
    out["status"] = t["status"]
    return pd.DataFrame(out)


def quarter_table(r: Report) -> pd.DataFrame:
    """The last complete quarter against the one before, printed as the KPIs print, with the noise flag in words."""
    q = r.quarter_change
    if len(q) == 0:
        return pd.DataFrame(columns=["metric", "quarters", "before", "after", "change", "beyond noise"])
    return pd.DataFrame(
        {
            "metric": q["metric"],
            "quarters": [f"{b} → {a}" if b != "–" else "not two complete quarters yet" for a, b in zip(q["this_label"], q["last_label"])],
            "before": [kpis.display(k, v) for k, v in zip(q["kpi"], q["last_quarter"])],
            "after": [kpis.display(k, v) for k, v in zip(q["kpi"], q["this_quarter"])],
            # as the two values beside it print: 2.0% -> 1.9% is -0.1 points, whatever the unrounded change ("–" without both)
            "change": [shown_change(k, b, a) for k, b, a in zip(q["kpi"], q["last_quarter"], q["this_quarter"])],
            # no change measured (fewer than two complete quarters): neither yes nor no
            "beyond noise": np.where(q["change"].isna(), "–", np.where(q["significant"], "yes", "no")),
        }
    )
