"""Step 1, Assess: every figure of the assessment computed once, and the executive summary from them.

``assess(ctx)`` runs the metrics (building blocks such as the interaction graph are kept in the Dataset's cache) and returns an
:class:`Assessment`; the ``1-assess`` notebook shows its tables and plots and
:func:`summary_markdown` writes the executive summary from its numbers. Step 2 takes its baselines
from the same object.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from .._fast import isin
from .._text import count, normalise_email, normalise_emails
from ..errors import ConfigError
from ..facts import Figures, Told
from ..metrics import adoption, communities, conversations, kpis, network, participation, successes, voice
from ..metrics._base import population
from ..metrics.benchmarks import PUBLISHED, compare_with_benchmarks
from ..profile import history_start, ranked_count
from ..render import escape_md, pct
from .context import StepContext

__all__ = [
    "Assessment",
    "assess",
    "summary_markdown",
    "kpi_tiles",
    "key_people_table",
    "key_individuals_shown",
    "network_shape_note",
    "reconciliation_note",
    "lurker_note",
    "questions_table",
    "questions_summary",
]


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
    department_matrix: pd.DataFrame
    two_way_share: float
    questions: pd.DataFrame
    leaders: pd.DataFrame
    influence_curve: pd.DataFrame
    influencer_risk_score: float
    influencer_risk: pd.DataFrame
    successes: pd.DataFrame
    favourability: pd.DataFrame
    favourability_by_department: pd.DataFrame
    themes: pd.DataFrame
    benchmarks: pd.DataFrame
    headline: dict
    kpis: pd.DataFrame
    inactive_days: int = 90
    unit: str = "threads"  # the data's unit of conversation (ctx.profile.unit()): labels and sentences use it
    usage_only: bool = False  # usage reports and no message export (ctx.profile.usage_only)
    partial_history: bool = False  # the export starts part-way (ctx.profile.partial_history): "never" means "not in these data"


def assess(ctx: StepContext) -> Assessment:
    """Compute every step-1 figure for ``ctx`` at its as-of date."""
    ds, as_of, floor = ctx.ds, ctx.as_of, ctx.min_group_size
    graph = network.build_graph(ds, as_of=as_of)
    # Betweenness is most of this step at scale: it runs on the other core while the figures below
    # are computed, and key individuals, which need it, are asked for last.
    graph.start_betweenness()
    monthly = adoption.monthly_active(ds, as_of=as_of)
    since = history_start(ds)
    growth = adoption.growth_summary(monthly, since=since)
    if since is not None and len(monthly):  # the chart marks its peak inside the complete history, as the summary does
        monthly = monthly.assign(
            complete=pd.PeriodIndex(monthly["month"], freq="M") >= pd.Period(growth["since_month"] or monthly["month"].iloc[-1] + 1, "M")
        )
    threads = conversations.counted_threads(ds, conversations.thread_responses(ds, as_of=as_of))  # as the threads-answered KPI counts them
    scorecard = communities.community_scorecard(ds, as_of=as_of)
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
    kpi_table = kpis.kpi_table(ds, as_of=as_of, inactive_days=ctx.inactive_days)
    values = dict(zip(kpi_table["kpi"], kpi_table["value"]))
    figures = dict(
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
        heatmap=conversations.activity_heatmap(ds, as_of=as_of, tz=ctx.config.timezone),  # the client's hours
        scorecard=scorecard,
        key_communities=communities.key_communities(scorecard),
        mixing=network.department_mixing(ds, as_of=as_of, min_group_size=floor, graph=graph),
        department_matrix=network.department_matrix(ds, as_of=as_of, min_group_size=floor, graph=graph),
        two_way_share=network.two_way_share(graph),
        questions=conversations.questions(ds, as_of=as_of),
        leaders=network.leader_reach(ds, leader_ids(ctx), as_of=as_of, min_group_size=floor, graph=graph),
        influencer_risk=network.influencer_risk(ds, as_of=as_of),
        successes=successes.existing_successes(ds, as_of=as_of),
        favourability=fav,
        favourability_by_department=fav_dept,
        themes=themes,
        kpis=kpi_table,
        inactive_days=ctx.inactive_days,
    )
    cross_carriers = network.key_person_risk(network.cross_department_carriers(ds, as_of=as_of, graph=graph))
    individuals = network.key_individuals(ds, as_of=as_of)  # last: it waits for the betweenness begun above
    headline = {
        **values,
        "communities": len(scorecard),
        "status_counts": scorecard["status"].value_counts().to_dict(),
        "connectors": int((individuals["role"] == "connector").sum()),
        "cross_carriers": cross_carriers,
        "lurker_share": float(inequality["lurker_share"].iloc[0]),
        "top10_share": float(inequality["top10_share"].iloc[0]),
    }
    return Assessment(
        **figures,
        individuals=individuals,
        influence_curve=network.influence_curve(individuals["pagerank"]),
        influencer_risk_score=network.influencer_risk_score(individuals["pagerank"]),
        benchmarks=compare_with_benchmarks({"interactive_share": values["interactive_share"], "lurker_share": headline["lurker_share"]}),
        headline=headline,
        unit=ctx.profile.unit(),
        usage_only=ctx.profile.usage_only,
        partial_history=ctx.profile.partial_history,
    )


def summary_markdown(a: Assessment, *, client: str) -> Told:
    """The executive summary, written from the numbers; every figure a registered measure, as the tiles print it."""
    g, h = a.growth, a.headline
    f = Figures("summary", as_of=a.as_of, unit=a.unit)
    lines = []
    if g["peak_month"] is not None and g["current_month"] != g["peak_month"]:
        change = g["change_from_peak"]
        verb = "fell" if change < -0.05 else "rose" if change > 0.05 else "held"
        peak, now = g["peak_month"].strftime("%B %Y"), g["current_month"].strftime("%B %Y")
        lines.append(
            f"- **People active each month {verb} {f('monthly_active_change_from_peak', abs(change))} from their peak** in {peak} "
            + f"({f('monthly_active', g['peak_active'], window=peak)}) to {f('monthly_active', g['current_active'], window=now)} in {now} "
            + (
                "(complete calendar months)."
                if g.get("since_month") is None
                else f"(complete calendar months since {g['since_month'].strftime('%B %Y')}, where these data's complete history begins)."
            )
        )
    elif g["peak_month"] is not None:
        now = g["current_month"].strftime("%B %Y")
        # in a partial history the busiest month is of the complete part, not of all time
        so_far = (
            "so far" if g.get("since_month") is None else f"since {g['since_month'].strftime('%B %Y')}, where these data's complete history begins"
        )
        lines.append(
            f"- **{now} is the busiest month {so_far}**, with {f('monthly_active', g['current_active'], window=now)} "
            f"{'person' if g['current_active'] == 1 else 'people'} active."
        )
    if np.isfinite(h["interactive_share"]):
        lines.append(
            f"- **{f('interactive_share', h['interactive_share'])} of registered people interacted** (posted, replied or reacted) in the "
            f"last six months, against a published average of {f('benchmark_interactive_average', INTERACTIVE_AVERAGE)} and a recommended "
            f"{f('benchmark_interactive_recommended', INTERACTIVE_RECOMMENDED)} (SWOOP)."
        )
    if np.isfinite(h["active_30"]):
        lines.append(
            f"- **{people(f('active_30', h['active_30']), h['active_30'])} active in the last {f.term('30')} days** and {f('active_90', h['active_90'])} "
            f"in the last {f.term('90')}; {f('engaged_30', h['engaged_30'])} engaged (active on {f.term('4+')} of the last {f.term('30')} days)."
        )
    else:  # usage reports alone: activity per report period, not per day
        lines.append(
            f"- **Who was active in the last {f.term('30')} or {f.term('90')} days cannot be told from these data**: the usage reports count a whole period."
        )
    sc = h["status_counts"]
    if h["communities"]:
        # "new" only where a partial history makes some (a figure recorded is a figure printed)
        n = {
            s: f(f"communities_{s}", sc.get(s, 0))
            for s in ("thriving", "growing", "stable", "declining", "idle", "dormant", "new")
            if s != "new" or sc.get(s, 0)
        }
        new = (
            f" {n['new']} "
            + (
                "is new in these data (its history is too short to say where it is heading)."
                if sc.get("new", 0) == 1
                else "are new in these data (their history is too short to say where they are heading)."
            )
            if sc.get("new", 0)
            else ""
        )
        lines.append(
            f"- **{n['thriving']} of {f('communities', h['communities'])} communities are thriving** and {n['growing']} growing; "
            f"{n['stable']} stable, {n['declining']} declining, {n['idle']} idle and {n['dormant']} dormant (no activity in {f.term('90')} days)."
            + new
            + (" The healthy few are the base to build on." if h["healthy_communities"] else "")
        )
    elif a.usage_only:
        lines.append("- **Communities and conversations are not in these data**: usage reports count people's activity, not what they wrote where.")
    else:
        lines.append(
            "- **No community or channel was found in this export**: conversation happens in direct messages only, so there are no community figures."
        )
    if np.isfinite(h["response_rate"]):
        answered = f"- **{f('response_rate', h['response_rate'])} of new {a.unit} in the last {f.term('90')} days got a response**"
        lines.append(
            answered
            + (
                f", the first after a median of {f('median_hours_to_first_response', h['median_hours_to_first_response'])}."
                if np.isfinite(h["median_hours_to_first_response"])
                else "."
            )
        )
    elif not a.usage_only:
        word = a.unit[:-1]  # thread, post or conversation
        lines.append(f"- **No {word} was started in the last {f.term('90')} days**, so there is no response rate for this period.")
    if np.isfinite(h["lapsed"]):
        lines.append(
            f"- **{people(f('lapsed', h['lapsed']), h['lapsed'], 'once-active person has', 'once-active people have')} lapsed** (no activity "
            f"for {f.term(f'{a.inactive_days}+')} days) and {f('never_activated', h['never_activated'])} "
            + ("took no part in these data, which start part-way" if a.partial_history else "never took part")
            + ": the reactivation opportunity."
        )
    else:
        lines.append("- **Who lapsed, and who never took part, cannot be told from these data**: usage reports give no day of last activity.")
    if np.isfinite(h["top10_share"]) and h["top10_share"] > 0:
        lines.append(
            f"- **Contribution is concentrated**: the most active {f.term('10%')} of people make {f('top10_share', h['top10_share'])} of "
            f"contributions; {f('lurker_share', h['lurker_share'])} of registered people made none in six months."
        )
    if len(a.mixing) and a.mixing["ei_index"].iloc[0] < 0:  # inward-looking: an E-I index below zero
        silo = a.mixing.iloc[0]
        dept = {"department": str(silo.iloc[0])}
        carriers = h["cross_carriers"]
        lines.append(
            f"- **{f.name(escape_md(silo.iloc[0]))} is the most inward-looking department** (E-I index {f('department_ei_index', silo['ei_index'], segment=dept)})"
            + (
                f"; {f('cross_department_carriers', carriers[0])} {'person takes' if carriers[0] == 1 else 'people take'} part in "
                f"{f('cross_department_carriers_share', carriers[1])} of all conversation between departments."
                if carriers
                else "."
            )
        )
    if len(a.favourability):
        low = a.favourability.sort_values("favourable").iloc[0]
        lines.append(
            f"- In the survey, the weakest point is *{f.name(escape_md(low['question']))}* "
            f"({f('survey_favourable', low['favourable'], segment={'question': str(low['question'])})} favourable)."
        )
    return Told(f"**{f.name(escape_md(client))} at {a.as_of}.**\n\n" + "\n".join(lines), f)


_PUBLISHED = dict(zip(PUBLISHED["figure"], PUBLISHED["value"]))
#: SWOOP's published average and recommended interactive share, as the benchmarks table holds them.
INTERACTIVE_AVERAGE, INTERACTIVE_RECOMMENDED = float(_PUBLISHED["interactive_share"]), float(_PUBLISHED["interactive_share_target"])


def people(shown: str, n: float, one: str = "person was", many: str = "people were") -> str:
    """``"1 person was"`` / ``"3 people were"``: the displayed count with the right noun.

    Examples
    --------
    >>> people("1", 1.0), people("1,204", 1204.0, "person has", "people have")
    ('1 person was', '1,204 people have')
    """
    return f"{shown} {one if n == 1 else many}"


def kpi_tiles(a: Assessment) -> dict[str, Told]:
    """The headline tiles: every KPI's label and its value as it prints, each a fact of the section ``tiles``."""
    tiles = {}
    for kpi_id, label, value, why in zip(a.kpis["kpi"], a.kpis["label"], a.kpis["value"], a.kpis["unavailable"]):
        if why:  # the data cannot measure it (kpis.unavailable): said so, with the reason under its label, not a figure
            tiles[f"{label}, as {why}"] = kpis.NOT_AVAILABLE
            continue
        f = Figures("tiles", as_of=a.as_of, unit=a.unit)
        tiles[label] = Told(f(kpi_id, value), f)
    return tiles


#: How step 1 names each figure of ``participation.contribution_inequality``.
INEQUALITY_LABELS = {
    "registered": "registered people",
    "contributors": "people who contributed (six months)",
    "contributions": "contributions (six months)",
    "gini": "Gini of contributions (0 equal, 1 one person)",
    "top1_share": "contributions by the top 1% of people",
    "top10_share": "contributions by the top 10% of people",
    "absence_factor": "contributor absence factor (fewest people making half)",
    "heavy_share": "core contributors: the fewest making half the contributions (share of people)",
    "occasional_share": "other contributors (share of people)",
    "lurker_share": "people who made no contribution",
}


#: What the department matrix shows, above it in step 1.
MATRIX_NOTE = (
    "Who talks to whom: each row is one department's replies, mentions and reactions over the last 12 months, split by the "
    "department they went to (each row adds up to 100%; the diagonal is what stays inside). Interactions with departments "
    "below the minimum group size, or with people whose department is unknown, are gathered under *other or unknown*."
)


def network_shape_note(a: Assessment) -> str:
    """Two-way ties and influencer risk in a sentence each, with SWOOP's reading of them."""
    if not np.isfinite(a.two_way_share):
        return ""
    return (
        f"**{pct(a.two_way_share)} of related pairs are two-way** (each has replied to, mentioned or reacted to the other in the "
        "last 12 months); SWOOP finds 70-80% in small working teams and far less across a whole network. "
        + (
            f"The **influencer risk score is {a.influencer_risk_score:.2f}**: 1 minus the average influence of the next nine most "
            "influential people relative to the first (PageRank), so 0 means influence is shared and values near 1 mean the network "
            "hangs on one person."
            if np.isfinite(a.influencer_risk_score)
            else ""
        )
    )


#: How many key individuals step 1 lists (each is in restricted/key-people.csv).
KEY_PEOPLE_SHOWN = 15


def key_individuals_shown(ctx: StepContext, individuals: pd.DataFrame, *, top: int = KEY_PEOPLE_SHOWN) -> pd.DataFrame:
    """The key individuals step 1 lists (and restricted/key-people.csv holds): the top ``top`` by brokerage, and in a
    small network at most a tenth of its people (:func:`esnkit.profile.ranked_count`); never someone who brokers
    nothing (betweenness 0): a person through whom no one reaches anyone else is no key individual, however few
    the people. Ranked as :func:`esnkit.metrics.network.key_individuals` ranks them, with ``brokerage_rank`` and
    ``reach_rank`` among everyone in the graph (1 = the highest)."""
    t = individuals.assign(
        brokerage_rank=individuals["betweenness"].rank(ascending=False, method="min").astype("int64"),
        reach_rank=individuals["pagerank"].rank(ascending=False, method="min").astype("int64"),
    )
    return t[t["betweenness"] > 0].head(ranked_count(ctx.profile.people, top))


def key_people_table(ctx: StepContext, individuals: pd.DataFrame, *, top: int = KEY_PEOPLE_SHOWN) -> pd.DataFrame:
    """The top people by brokerage as the deliverable lists them (:func:`key_individuals_shown`): reference, role,
    department (floored), ties, and ranks.

    Centralities are shown as ranks among everyone in the graph (1 = the highest), not as raw
    betweenness or PageRank values, which mean nothing to a reader.
    """
    t = key_individuals_shown(ctx, individuals, top=top)
    t = ctx.person_rows(t)
    return t[["person", "role", "department", "degree", "two_way_ties", "cross_department_ties", "brokerage_rank", "reach_rank"]].rename(
        columns={"degree": "people tied to", "two_way_ties": "two-way ties", "cross_department_ties": "ties to other departments"}
    )


def leader_ids(ctx: StepContext) -> pd.Index:
    """The person ids of client.yml's ``leaders:`` (by a roster attribute's values and by e-mail); empty when none are named."""
    spec = ctx.config.leaders
    if spec is None:
        return pd.Index([], dtype="str")
    people = population(ctx.ds)
    ids = pd.Index([], dtype="str")
    if spec.attribute:
        if spec.attribute not in people.columns:
            raise ConfigError(f"client.yml: leaders.attribute {spec.attribute!r} is not a people attribute; map it from the roster first")
        ids = ids.union(pd.Index(people.loc[people[spec.attribute].astype("str").isin(spec.values), "person_id"], dtype="str"))
    if spec.emails:
        by_email = ctx.ds.identities.dropna(subset=["email"])
        ids = ids.union(
            pd.Index(
                by_email.loc[isin(normalise_emails(by_email["email"]), [normalise_email(e) for e in spec.emails]), "person_id"].unique(), dtype="str"
            )
        )
    return ids[ids.isin(people["person_id"])]


def leaders_table(ctx: StepContext, a: Assessment) -> pd.DataFrame:
    """The leaders as step 1 lists them: reference, reach, organisation and how they engage it."""
    t = ctx.person_rows(a.leaders)
    columns = ["person", "posts", "reach", "organisation", "organisation_reached", "responds_to_their_people"]
    if len(t) and (t["organisation"] == 0).all():  # no manager chain in the roster: "organisation 0" for every leader says nothing
        columns = columns[:3]
    return t[columns]


def questions_table(ctx: StepContext, a: Assessment) -> pd.DataFrame:
    """Questions by community as step 1 lists them: the community's name, most unanswered first."""
    q = a.questions
    named = ctx.group_names(q["group_id"]).where(q["group_id"].ne("nan").to_numpy() & q["group_id"].notna().to_numpy(), "(private conversations)")
    return q.assign(community=named.to_numpy())[["community", "questions", "answered", "answer_rate", "median_hours_to_first_answer", "unanswered"]]


def questions_summary(a: Assessment) -> str:
    """One sentence on questions and answers (empty when the export marks no questions; the table says why)."""
    q = a.questions
    if len(q) == 0:
        return ""
    asked, answered = int(q["questions"].sum()), int(q["answered"].sum())
    return (
        f"**{asked:,} question{'s' if asked != 1 else ''} asked in the last 90 days, {pct(answered / asked)} answered** by someone "
        f"else; {asked - answered:,} still wait for an answer. The export marks no best answers, so best-answer rate is not measured."
    )


def lurker_note(ctx: StepContext) -> str:
    """What *lurker* and *Observer* mean for this client: readers who do not contribute, or (without reads) anyone who did not contribute."""
    from ..metrics._base import has_reads

    if has_reads(ctx.ds):
        return (
            "Reads come from the Microsoft 365 usage reports: a lurker (and an Observer) read without contributing; people who "
            "neither read nor contributed are counted apart, as inactive."
        )
    return (
        "This export carries no reads: a lurker here is a registered person who made no contribution in six months, and an "
        "Observer gave nothing. Some of them read; this export cannot tell."
    )


def reconciliation_note(ctx: StepContext, a: Assessment) -> str:
    """Why esnkit's active figure differs from the platform's own dashboard: what each counts, side by side when reads exist."""
    active = kpis.display("active_90", a.headline["active_90"])
    if not np.isfinite(a.headline["active_90"]):  # usage reports alone: no message export, no daily activity
        return (
            "These data are the platform's usage reports: for each person, posts, likes and reads over a report period. esnkit "
            "counts a person as having taken part when they posted or liked in a period; people who only read are counted apart."
        )
    base = (
        f"esnkit counts a person as active when they posted, replied or reacted ({active} in the last 90 days), from the message "
        "export. The platform's own dashboard usually counts anyone who *visited or read* as active, so its figure is higher. "
    )
    e = adoption.people_engaged(ctx.ds, as_of=ctx.as_of, window_days=90)
    if e["has_reads"]:
        return base + (
            f"This client's usage reports carry reads: in the reporting periods that overlap the last 90 days, {count(e['engaged'], 'person', 'people')} "
            f"read or contributed (Viva Engage's *people engaged*), {e['readers']:,} read something and {e['readers_only']:,} read "
            f"without contributing. The difference from esnkit's {active} is mostly those readers."
        )
    return base + "This export carries no reads or page views, so readers who never contribute cannot be counted here."
