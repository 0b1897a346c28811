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
# # Step 4 · Sustain: is it becoming the way we work?

# %% [markdown]
# Sustaining the network means managing its communities and playing back what works. This report gives community managers a scorecard per community, a triage with a recommended action for each, indicators of whether the habit is spreading, and success stories to tell.

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
from esnkit.render import show_table, show_markdown, show_kpis, show_appendix, pct
from esnkit.steps.context import open_step
from esnkit.notes import show_summary
from esnkit.steps.empty import why
from esnkit.steps.findings import show_findings
from esnkit.steps.sections import show_section

ctx = open_step(client_dir, as_of=as_of, delivered_on=delivered_on, min_group_size=min_group_size, show_names=show_names, inactive_days=inactive_days)
from esnkit.steps import sustain

s = sustain.build_sustain(ctx)

# %% [markdown]
# ## Summary

# %%
show_summary(ctx, "4-sustain", sustain.sustain_summary(s, client=ctx.client))

# %% [markdown]
# ### What we found and what to do

# %%
show_findings(ctx)

# %% [markdown]
# ## Community-management scorecards

# %%
if show_section(ctx, "community scorecards"):  # one sentence, once, where the data hold private messages only
    show_table(
        s.scorecards[
            ["name", "status", "active_members", "response_rate", "median_hours_to_first_response", "welcomed_48h", "regular contributor", "absence_factor", "two_way_share"]
        ],
        percent=["response_rate", "welcomed_48h", "two_way_share"],
        rename={"median_hours_to_first_response": "median hours to first response, last 180 days", "welcomed_48h": "newcomers welcomed in 48 h", "regular contributor": "newcomers who became regulars, since the start", "two_way_share": "two-way pairs"},
        max_rows=40,
        csv="4-sustain community scorecards",
        profile=ctx.profile,
        empty=why(ctx, "all communities"),
    )

# %%
if show_section(ctx, "lifecycle triage"):  # left out with private messages only: the scorecards said why
    plots.plot_community_status(s.triage, as_of=ctx.as_of, empty=why(ctx, "all communities"))
    show_table(
        s.triage[["name", "status", "action", "lapsed_with_it", "key_person_risk", "evidence"]],
        rename={"lapsed_with_it": "people who lapsed with it", "key_person_risk": "key-person risk"},
        max_rows=40,
        csv="4-sustain community triage",
        empty="",
    )  # the chart above says why when empty

# %%
if show_section(ctx, "newcomers"):  # left out with private messages only
    show_table(s.funnel, percent=["share"], empty=why(ctx, "newcomers"))

# %% [markdown]
# ## Is the behaviour spreading?

# %%
show_table(
    s.embedding,
    percent=["habitual_share", "beyond_core_share", "cross_department_share"],
    rename={
        "partial": "partial quarter",
        "habitual_share": "people active in 9+ of the last 12 weeks",
        "beyond_core_share": "contributions outside the busiest 10% of people",
        "cross_department_share": "threads with people of 2+ departments",
    },
    profile=ctx.profile,
    empty=why(ctx, "embedding"),
)

# %% [markdown]
# ## Success stories to play back

# %%
show_table(s.stories, profile=ctx.profile, empty=why(ctx, "successes"))

# %% [markdown]
# ## Appendix

# %%
show_appendix(ctx, metrics=["community status", "contributor absence factor", "usage segments", "suppression"])
