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
# # Step 3 · Reactivate: who do we harness and who do we bring back?

# %% [markdown]
# Reactivation starts with the people and communities that are already active, then brings new and lapsed people in through them, backed by targeted comms. This report names the roles and segments; contact lists with names go to your comms team separately, never inside this document.

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
from esnkit.steps import reactivate

r = reactivate.build_reactivation(ctx)

# %% [markdown]
# ## Summary

# %%
show_summary(ctx, "3-reactivate", reactivate.reactivation_summary(r, client=ctx.client))

# %% [markdown]
# ### What we found and what to do

# %%
show_findings(ctx)

# %% [markdown]
# ## Champions to harness

# %%
show_section(ctx, "champions");

# %%
ch = ctx.person_rows(r.champions)
show_table(
    ch[["person", "department", "role", "degree", "cross_department_ties", "replies_given"]],
    rename={"degree": "people reached", "cross_department_ties": "ties to other departments"},
    profile=ctx.profile,
    empty=why(ctx, "champions"),
)

# %% [markdown]
# ## Seed communities
#
# Active, growing communities in which to build buzz before inviting others in.

# %%
show_table(r.seed_communities, percent=["response_rate"], profile=ctx.profile, empty=why(ctx, "seed communities"))

# %% [markdown]
# ## Invite back
#
# People who went quiet while the communities they used carried on: a personal invitation is what brings them back. The heavy contributors who went silent come first, ranked by what they contributed, how sharply they broke their own rhythm and how recently they left; then the others, by those and how many people they reached, each with the active person best placed to invite them (their strongest past tie). People whose communities went quiet with them are listed with those communities in step 4; people who wrote only once need an onboarding nudge instead.

# %%
ib = ctx.person_rows(reactivate.invite_back_listed(r)).assign(
    invited_by=lambda t: ctx.person_labels(t["best_inviter"].fillna("")).where(t["best_inviter"].notna().to_numpy(), "–").to_numpy(),
)
show_table(
    ib[["person", "department", "last_active", "n_messages", "people_reached", "silent_heavy", "invited_by"]],
    rename={"n_messages": "posts and replies", "silent_heavy": "heavy contributor"},
    profile=ctx.profile,
    empty=why(ctx, "invite back"),
)

# %% [markdown]
# ### Heavy contributors who went silent
#
# The lapsed among the top 10% of contributors by posts and replies: the people to contact first, personally. Their names are in the restricted list *silent-heavy-contributors.csv*, found by the same reference.

# %%
sh = ctx.person_rows(r.silent)
show_table(sh[["person", "department", "last_active", "n_messages", "main_community"]], rename={"n_messages": "posts and replies", "main_community": "wrote most in"}, max_rows=30, csv="3-reactivate silent heavy contributors", profile=ctx.profile, empty=why(ctx, "silent heavy"))

# %% [markdown]
# ## Never activated, and where to aim above-the-line comms

# %%
if show_section(ctx, "comms targets"):  # one sentence where the data have neither departments nor locations
    show_table(r.comms_targets, percent=["adoption_rate"], profile=ctx.profile, empty=why(ctx, "comms targets"))

# %% [markdown]
# ## Campaigns
#
# The measured effect of each recorded campaign against comparable people who were not targeted.

# %%
show_table(r.campaigns, decimals=3, empty=why(ctx, "campaigns"))

# %% [markdown]
# ## Appendix

# %%
show_appendix(ctx, metrics=["roles", "adoption rate", "suppression"])
