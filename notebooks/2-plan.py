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
# # Step 2 · Plan: what will we achieve, by when?

# %% [markdown]
# This plan turns the assessment into objectives a sponsor can sign: a baseline measured from your data, a target, a deadline and an owner for each, and a month-by-month glide path to check progress against.

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

ctx = open_step(client_dir, as_of=as_of, delivered_on=delivered_on, min_group_size=min_group_size, show_names=show_names, inactive_days=inactive_days)
from esnkit.steps import plan

p = plan.build_plan(ctx)

# %% [markdown]
# ## Objectives

# %%
show_summary(ctx, "2-plan", plan.plan_summary(p, client=ctx.client))

# %% [markdown]
# ### What we found and what to do

# %%
show_findings(ctx)

# %%
show_table(plan.objectives_table(p), profile=ctx.profile, empty=why(ctx, "objectives"))

# %% [markdown]
# ## Glide paths
#
# Where each objective should be at the end of every month if it is to be met on time. Step 5 reports progress against these lines.

# %%
for obj in p.objectives.itertuples():
    plots.plot_glide_path(
        p.glide_paths[p.glide_paths["objective_id"] == obj.objective_id],
        actual=p.history.get(obj.objective_id),
        title=plan.objective_title(obj, as_of=p.as_of, unit=p.unit),
        kpi=obj.metric,
        as_of=p.as_of,
        unit=p.unit,
    )

# %% [markdown]
# ## Alignment
#
# Which objective serves which strategic theme, who owns it, and why it is set where it is.

# %%
show_table(p.alignment, profile=ctx.profile, empty=why(ctx, "objectives"))

# %% [markdown]
# ## How the feasibility verdict is reached
#
# Each objective needs a change a month (*needs per month*); the network's own trend over the last 12 months, a straight line through the figure at the pace it is measured (quarterly figures by their quarterly values, the first months of the data left out while the figure's window was still filling), gives its pace (*trend per month*) and where it ends by the deadline if the recent trend continues. An objective is *realistic* when the change it needs is no more than the trend's pace; *stretch* when it needs up to twice that pace (against a falling trend: holding steady); *unrealistic* beyond; *no trend yet* when there are fewer than six monthly values or four quarterly ones. The verdict compares the changes as printed. Step 5 forecasts each objective and gives its status from the same trend. A proposed target is never unrealistic: where the benchmark is out of the trend's reach, the proposal asks for the most the trend supports and says how large a step change the benchmark would need. Published benchmarks are shown beside each target in the proposal.

# %% [markdown]
# ## Appendix

# %%
show_appendix(ctx, metrics=["community status", "suppression"])
