# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["remove-cell"]
# # Step 1 · Assess: where are we starting from?

# %% [markdown]
# This report describes the health of your enterprise social network today: who uses it and how, which communities and people carry it, what already works, and what your people say. Its figures are the baselines of the plan in step 2.

# %% tags=["parameters", "remove-cell"]
from typing import Optional

client_dir: str = "../tests/fixtures/tiny-client"  # the client folder; `esnkit run` passes data/CLIENT
as_of: str = ""  # last day analysed, YYYY-MM-DD (empty: client.yml's, else the last complete month's end)
delivered_on: str = ""  # day the deliverables are delivered, YYYY-MM-DD: due dates count from it (empty: client.yml's, else today)
min_group_size: Optional[int] = None  # breakdowns by an HR attribute hide smaller groups (None: client.yml's)
show_names: Optional[bool] = None  # names only with the client's written consent (None: client.yml's)
inactive_days: Optional[int] = None  # days without activity after which a person counts as lapsed (None: client.yml's)

# %% tags=["remove-cell"]
from esnkit import plots
from esnkit.render import measures_table, show_note, show_table, show_markdown, show_kpis, show_appendix, show_reason_if_empty, pct
from esnkit.steps.context import open_step
from esnkit.notes import show_summary
from esnkit.steps.empty import why
from esnkit.steps.sections import show_section

ctx = open_step(client_dir, as_of=as_of, delivered_on=delivered_on, min_group_size=min_group_size, show_names=show_names, inactive_days=inactive_days)
from esnkit.steps.assess import INEQUALITY_LABELS, MATRIX_NOTE, assess, key_individuals_shown, key_people_table, kpi_tiles, leaders_table, lurker_note, network_shape_note, questions_summary, questions_table, reconciliation_note, summary_markdown
from esnkit.steps.findings import show_findings

a = assess(ctx)

# %% [markdown]
# ## Executive summary

# %%
show_summary(ctx, "1-assess", summary_markdown(a, client=ctx.client))

# %%
show_kpis(kpi_tiles(a))

# %% [markdown]
# ### What we found and what to do

# %%
show_findings(ctx)

# %% [markdown]
# ## Adoption and usage
#
# How many people take part each month. *Active* means they posted, replied or reacted; *engaged* means they did so on at least four days of the month (the headline figure counts four days of the last 30). The question is how far use has fallen from its busiest month and whether it has found a floor.

# %%
plots.plot_monthly_active(a.monthly, as_of=ctx.as_of, empty=why(ctx, "activity"));

# %%
show_markdown(reconciliation_note(ctx, a))

# %% [markdown]
# Each month some people arrive for the first time, some come back, some return after a break and some stop. A network grows only while the first three outnumber the last.

# %%
plots.plot_flows(a.flows, as_of=ctx.as_of, empty=why(ctx, "activity"));

# %%
if show_section(ctx, "adoption by department"):  # left out where the data have no departments
    show_table(a.by_department, percent=["adoption_rate"], empty=why(ctx, "departments"))
    plots.plot_adoption_by(a.by_department, as_of=ctx.as_of, empty="")  # the table above says why when empty

# %% [markdown]
# ### How far adoption has spread
#
# People ordered by when they first took part, cut into Rogers' adoption segments: a segment is *reached* when everyone in it has taken part at least once.

# %%
show_table(a.segments_rogers, percent=["share"], empty=why(ctx, "segments"))

# %% [markdown]
# ## Do people come back?
#
# Of the people who first took part in a given month, the share who were active again one, two, three... months later. Fast fading rows mean people tried the network and did not find a reason to return.

# %%
plots.plot_cohort_retention(a.retention, as_of=ctx.as_of, empty=why(ctx, "activity"));

# %% [markdown]
# ## Who contributes
#
# In most online communities a few people contribute most (the *90-9-1* pattern: 90% only read, 9% contribute a little, 1% contribute most). Here is how concentrated contribution is in your network over the last six months.

# %%
if len(a.inequality):
    show_table(measures_table(a.inequality, percent=["top1_share", "top10_share", "heavy_share", "occasional_share", "lurker_share"], rename=INEQUALITY_LABELS))
else:
    show_table(a.inequality, empty=why(ctx, "activity"))
show_note(lurker_note(ctx))

# %% [markdown]
# Usage segments show how habitual use is over the last 12 weeks; personas show the role each person plays in conversations.

# %%
plots.plot_segments(a.usage, order=["power", "habitual", "novice", "low", "non-user"], as_of=ctx.as_of, empty=why(ctx, "segments"));

# %%
plots.plot_segments(a.personas, column="persona", order=["Engager", "Catalyst", "Responder", "Broadcaster", "Observer"], as_of=ctx.as_of, empty=why(ctx, "segments"));

# %% [markdown]
# ## Conversations

# %%
show_section(ctx, "conversations");

# %%
plots.plot_response_rate(a.response_by_quarter.tail(8), as_of=ctx.as_of, unit=ctx.profile.unit(), empty=why(ctx, "threads"));

# %% [markdown]
# ### How far conversations go

# %%
if show_section(ctx, "conversation depth"):
    show_table(a.depth, percent=["share"], rename={"n_replies": "replies"}, profile=ctx.profile, empty=why(ctx, "threads"))

# %% [markdown]
# ### The busiest hours
#
# Every message up to the end of the as-of day, by weekday and hour in the time zone the chart names (the client's). Post news and hold events in the darker hours, when most people are there.

# %%
plots.plot_activity_heatmap(a.heatmap, as_of=ctx.as_of, empty=why(ctx, "activity"));

# %% [markdown]
# ### Questions and answers
#
# Questions asked in the last 90 days (where the export marks them) and whether someone else replied: a reaction is not an answer.

# %%
show_markdown(questions_summary(a))
show_table(questions_table(ctx, a), percent=["answer_rate"], rename={"median_hours_to_first_answer": "median hours to answer"}, empty=why(ctx, "questions"))

# %% [markdown]
# ## Communities

# %%
if show_section(ctx, "communities"):  # one sentence, once, where the data hold private messages only
    plots.plot_community_status(a.scorecard, as_of=ctx.as_of, empty=why(ctx, "all communities"))
    show_markdown("### Key communities")
    show_table(a.key_communities, percent=["response_rate"], profile=ctx.profile, empty=why(ctx, "communities"))
    show_markdown("### All communities")
    show_table(
        a.scorecard[
            [
                "name",
                "status",
                "active_members",
                "messages_q0",
                "messages_q1",
                "response_rate",
                "median_hours_to_first_response",
                "absence_factor",
                "newcomer_share",
            ]
        ],
        percent=["response_rate", "newcomer_share"],
        max_rows=40,
        profile=ctx.profile,
        csv="1-assess all communities",
        empty=why(ctx, "all communities"),
    )

# %% [markdown]
# ## Key individuals

# %%
show_section(ctx, "key individuals");

# %%
plots.plot_key_individuals(ctx.person_rows(key_individuals_shown(ctx, a.individuals)), as_of=ctx.as_of, empty=why(ctx, "ties"));

# %%
show_table(key_people_table(ctx, a.individuals), profile=ctx.profile, empty=why(ctx, "ties"))

# %%
show_markdown(network_shape_note(a))
plots.plot_influence_curve(a.influence_curve, score=a.influencer_risk_score, as_of=ctx.as_of, empty="");  # the table above says why when there are no ties

# %% [markdown]
# ### Silos

# %%
if show_section(ctx, "silos"):  # one sentence where the data have no departments
    plots.plot_department_mixing(a.mixing, as_of=ctx.as_of, empty=why(ctx, "silos"))
    if len(a.department_matrix):  # the E-I chart above says why when there are no ties
        show_markdown(MATRIX_NOTE)
    plots.plot_department_matrix(a.department_matrix, as_of=ctx.as_of, empty="")

# %% [markdown]
# ### Leaders

# %%
show_section(ctx, "leaders");

# %%
show_table(
    leaders_table(ctx, a),
    percent=["organisation_reached", "responds_to_their_people"],
    rename={"organisation": "people in their organisation", "organisation_reached": "of them tied to the leader", "responds_to_their_people": "who reached out and got a reply"},
    max_rows=15,
    csv="1-assess leaders",
    empty=why(ctx, "leaders"),
)

# %% [markdown]
# ### Influencers at risk
#
# People who were among the most central last quarter and whose activity has since halved.

# %%
risk = ctx.person_rows(a.influencer_risk)
show_table(risk[["person", "department", "contributions_before", "contributions_now", "change"]], percent=["change"], profile=ctx.profile, empty=why(ctx, "influencer risk"))

# %% [markdown]
# ## Existing successes

# %%
show_section(ctx, "successes");

# %%
show_table(a.successes, profile=ctx.profile, empty=why(ctx, "successes"))

# %% [markdown]
# ## What users say
#
# The survey shows how people feel about the network; the interviews say why.

# %%
plots.plot_favourability(a.favourability, as_of=ctx.as_of, empty="");  # the table below says why when there is no survey

# %%
plots.plot_survey_heatmap(a.favourability_by_department, as_of=ctx.as_of, empty="")
show_reason_if_empty(a.favourability_by_department, why(ctx, "survey by department"))

# %%
show_table(a.themes, empty=why(ctx, "interviews"))

# %% [markdown]
# ## Benchmarks
#
# Your figures beside published ones. Definitions differ between publishers (some count reading, some do not) and the figures are self-reported: read them as a direction, not a target to the decimal.

# %%
show_table(
    a.benchmarks.drop(columns="figure").assign(gap=lambda t: t["gap"] * 100, year=lambda t: t["year"].where(t["year"] != "n/a")),
    percent=["client", "published"],
    decimals=0,
    rename={"label": "figure", "gap": "gap (points)"},
    empty=why(ctx, "benchmarks"),
)

# %% [markdown]
# ## Appendix

# %%
show_appendix(
    ctx,
    metrics=[
        "registered",
        "adoption rate",
        "new / returning / reactivated / stopped",
        "cohort retention",
        "Gini",
        "contributor absence factor",
        "usage segments",
        "personas",
        "community status",
        "interaction graph",
        "betweenness",
        "PageRank",
        "roles",
        "E-I index",
        "favourable",
        "suppression",
    ],
)
