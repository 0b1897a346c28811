"""Step 1, Assess: every figure of the assessment computed once, and the executive summary from them.

``assess(ctx)`` runs the metrics (building blocks such as the interaction graph are kept in the Dataset's cache) and returns an
:class:`Assessment`; the ``1-assess`` notebook shows its tables and plots and
:func:`summary_markdown` writes the executive summary from its numbers. Step 2 takes its baselines
from the same object.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from .._fast import isin
from ..metrics import adoption, communities, conversations, network, participation, successes, voice
from ..metrics._base import as_of_end, interaction_events, population
from ..metrics.benchmarks import compare_with_benchmarks
from ..render import escape_md, pct
from .context import StepContext

__all__ = ["Assessment", "assess", "summary_markdown", "interactive_share"]


def interactive_share(ds, *, as_of, window_days: int = 180) -> float:
    """SWOOP's interactive users: share of registered people who posted, replied or reacted in 6 months."""
    end = as_of_end(as_of, ds)
    ev = interaction_events(ds, as_of=end - pd.Timedelta(days=1))
    ev = ev[ev["created_at"] >= end - pd.Timedelta(days=window_days)]
    people = population(ds)
    registered = people.loc[people["state"].notna(), "person_id"]
    return float(isin(registered, ev["person_id"]).mean()) if len(registered) else float("nan")


@dataclasses.dataclass
class Assessment:
    as_of: str
    monthly: pd.DataFrame
    growth: dict
    flows: pd.DataFrame
    by_department: pd.DataFrame
    by_location: pd.DataFrame | None
    segments_rogers: pd.DataFrame
    stickiness: pd.DataFrame
    retention: pd.DataFrame
    lapsed: pd.DataFrame
    inequality: pd.DataFrame
    usage: pd.DataFrame
    personas: pd.DataFrame
    threads: pd.DataFrame
    response_by_quarter: pd.DataFrame
    depth: pd.DataFrame
    heatmap: pd.DataFrame
    scorecard: pd.DataFrame
    key_communities: pd.DataFrame
    individuals: pd.DataFrame
    mixing: pd.DataFrame
    influencer_risk: pd.DataFrame
    successes: pd.DataFrame
    favourability: pd.DataFrame
    favourability_by_department: pd.DataFrame
    themes: pd.DataFrame
    benchmarks: pd.DataFrame
    headline: dict


def assess(ctx: StepContext) -> Assessment:
    """Compute every step-1 figure for ``ctx`` at its as-of date."""
    ds, as_of, floor = ctx.ds, ctx.as_of, ctx.min_group_size
    monthly = adoption.monthly_active(ds, as_of=as_of)
    growth = adoption.growth_summary(monthly)
    threads = conversations.thread_responses(ds, as_of=as_of)
    graph = network.build_graph(ds, as_of=as_of)
    scorecard = communities.community_scorecard(ds, as_of=as_of)
    individuals = network.key_individuals(ds, as_of=as_of)
    lapsed = adoption.lapsed_people(ds, as_of=as_of, inactive_days=ctx.inactive_days)
    by_department = adoption.adoption_by(ds, as_of=as_of, by="department", min_group_size=floor)
    by_location = adoption.adoption_by(ds, as_of=as_of, by="location", min_group_size=floor) if ds.people["location"].notna().any() else None
    inequality = participation.contribution_inequality(ds, as_of=as_of)
    survey_cols = set(ds.survey.columns)
    fav = voice.survey_favourability(ds.survey, min_group_size=floor) if len(ds.survey) else pd.DataFrame()
    fav_dept = (
        voice.survey_favourability(ds.survey, by="department", min_group_size=floor)
        if "department" in survey_cols and len(ds.survey)
        else pd.DataFrame()
    )
    themes = voice.interview_themes(ds.interviews, min_group_size=floor) if len(ds.interviews) else pd.DataFrame()
    recent = threads[threads["created_at"] >= as_of_end(as_of) - pd.Timedelta(days=90)]
    rr = conversations.response_rate(recent)
    interactive = interactive_share(ds, as_of=as_of)
    people = population(ds)["person_id"]
    events = interaction_events(ds, as_of=as_of)
    recent_people = events.loc[events["created_at"] >= as_of_end(as_of) - pd.Timedelta(days=90), "person_id"]
    headline = {
        "interactive_share": interactive,
        "headcount": len(people),
        "active_90": int(isin(people, recent_people).sum()),
        "never_active": int((~isin(people, events["person_id"])).sum()),
        "response_rate_90": float(rr["response_rate"].iloc[0]) if len(rr) else float("nan"),
        "median_hours_90": float(rr["median_hours_to_first_response"].iloc[0]) if len(rr) else float("nan"),
        "lapsed": len(lapsed),
        "communities": len(scorecard),
        "status_counts": scorecard["status"].value_counts().to_dict(),
        "connectors": int((individuals["role"] == "connector").sum()),
        "lurker_share": float(inequality["lurker_share"].iloc[0]),
        "top10_share": float(inequality["top10_share"].iloc[0]),
    }
    return Assessment(
        as_of=str(as_of),
        monthly=monthly,
        growth=growth,
        flows=adoption.monthly_flows(ds, as_of=as_of),
        by_department=by_department,
        by_location=by_location,
        segments_rogers=adoption.adoption_segments(ds, as_of=as_of),
        stickiness=adoption.stickiness(ds, as_of=as_of),
        retention=adoption.cohort_retention(ds, as_of=as_of),
        lapsed=lapsed,
        inequality=inequality,
        usage=participation.usage_segments(ds, as_of=as_of),
        personas=participation.personas(ds, as_of=as_of),
        threads=threads,
        response_by_quarter=conversations.response_rate(threads, period="Q"),
        depth=conversations.thread_depth(threads),
        heatmap=conversations.activity_heatmap(ds, as_of=as_of),
        scorecard=scorecard,
        key_communities=communities.key_communities(scorecard),
        individuals=individuals,
        mixing=network.department_mixing(ds, as_of=as_of, min_group_size=floor, graph=graph),
        influencer_risk=network.influencer_risk(ds, as_of=as_of),
        successes=successes.existing_successes(ds, as_of=as_of),
        favourability=fav,
        favourability_by_department=fav_dept,
        themes=themes,
        benchmarks=compare_with_benchmarks({"interactive_share": interactive, "lurker_share": float(inequality["lurker_share"].iloc[0])}),
        headline=headline,
    )


def summary_markdown(a: Assessment, *, client: str) -> str:
    """The executive summary, written from the numbers."""
    g, h = a.growth, a.headline
    lines = []
    if g["peak_month"] is not None:
        change = g["change_from_peak"]
        verb = "fell" if change < -0.05 else "rose" if change > 0.05 else "held"
        lines.append(
            f"- **Monthly active people {verb} {pct(abs(change))} from their peak** in {g['peak_month'].strftime('%B %Y')} "
            f"({g['peak_active']:,}) to {g['current_active']:,} in {g['current_month'].strftime('%B %Y')}."
        )
    lines.append(
        f"- **{pct(h['interactive_share'])} of registered people interacted** (posted, replied or reacted) in the last six months, "
        f"against a published average of 27% and a recommended 38% (SWOOP)."
    )
    sc = h["status_counts"]
    healthy = sc.get("thriving", 0) + sc.get("growing", 0)
    lines.append(
        f"- **{sc.get('thriving', 0)} of {h['communities']} communities are thriving** and {sc.get('growing', 0)} growing; "
        f"{sc.get('declining', 0)} are declining, {sc.get('idle', 0)} idle and {sc.get('dormant', 0)} dormant (no activity in 90 days)."
        + (" The healthy few are the base to build on." if healthy else "")
    )
    if pd.notna(h["response_rate_90"]):
        lines.append(
            f"- **{pct(h['response_rate_90'])} of new threads in the last 90 days got a response**, the first after a median of "
            f"{h['median_hours_90']:.1f} hours."
        )
    lines.append(
        f"- **{h['lapsed']:,} once-active people have lapsed** (no activity for 90+ days) and {h['never_active']:,} have never taken part: "
        "the reactivation opportunity."
    )
    lines.append(
        f"- **Contribution is concentrated**: the most active 10% of people make {pct(h['top10_share'])} of contributions; {pct(h['lurker_share'])} of registered people made none in six months."
    )
    if len(a.mixing):
        silo = a.mixing.iloc[0]
        lines.append(
            f"- **{escape_md(silo.iloc[0])} is the most inward-looking department** (E-I index {silo['ei_index']:+.2f}); "
            f"{h['connectors']} connectors carry most conversation between departments."
        )
    if len(a.favourability):
        low = a.favourability.sort_values("favourable").iloc[0]
        lines.append(f"- In the survey, the weakest point is *{escape_md(low['question'])}* ({pct(low['favourable'])} favourable).")
    return f"**{escape_md(client)} at {a.as_of}.**\n\n" + "\n".join(lines)
