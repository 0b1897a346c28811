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
# # Step 5 · Report: are we on track?

# %% [markdown]
# This report tracks the network against the objectives of the plan (step 2): where each stands against its glide path, what moved this quarter, what distinguishes the communities that grow, and who and what rose or fell.

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
from esnkit.steps import report

rep = report.build_report(ctx)

# %% [markdown]
# ## Executive summary

# %%
show_summary(ctx, "5-report", report.report_summary(rep, client=ctx.client))

# %% [markdown]
# ### What we found and what to do

# %%
show_findings(ctx)

# %% [markdown]
# ## KPI scorecard
#
# Each objective's value now, where its glide path says it should be this month, where it ends by its deadline if the recent trend continues (with the 80% range of that forecast), and its status. The trend is a straight line through the last 12 months of the figure, at the pace it is measured (quarterly figures by their quarterly values), leaving out the first months of the data while the figure's window was still filling; it needs six monthly values or four quarterly ones, and says why where there are fewer. Against an agreed plan from an earlier date: *on track* when even the pessimistic end of the range reaches the target, *at risk* when only the central forecast does, *off track* otherwise. Until a plan is agreed, or on the plan's own date, the status is *baseline*. The plan (step 2) judged each objective's feasibility on the same trend.

# %%
show_table(report.scorecard_table(rep), profile=ctx.profile, empty=why(ctx, "objectives"))
if report.restated_note(rep):
    show_markdown("Baselines measured again under a changed definition:\n\n" + report.restated_note(rep))

# %% [markdown]
# ## Trends

# %%
for name, t in rep.trends.items():
    plots.plot_kpi_trend(
        t, value="value", title=rep.trend_titles.get(name, name), kpi=t.attrs.get("kpi"), marks=rep.campaign_marks, forecast=rep.forecasts.get(name),
        as_of=rep.as_of,
        unit=rep.unit,
    )

# %% [markdown]
# ## This quarter against the last

# %%
show_section(ctx, "quarter on quarter");

# %%
show_table(report.quarter_table(rep), rename={"before": "average, quarter before", "after": "average, latest quarter"}, profile=ctx.profile, empty=why(ctx, "objectives"))

# %% [markdown]
# ## What growing communities do differently

# %%
show_table(report.practices_table(rep.best_practices), profile=ctx.profile, empty=why(ctx, "best practices"))

# %% [markdown]
# ## Key communities and individuals: who rose, who fell

# %%
show_table(rep.movers, profile=ctx.profile, empty=why(ctx, "movers"))

# %% [markdown]
# ## Since the last report

# %%
show_markdown(rep.history_note)

# %% [markdown]
# ## Appendix

# %%
show_appendix(ctx, metrics=["community status", "roles", "suppression"])
