"""Write notebooks/*.ipynb from the cell lists below (run after editing; commits stay output-free).

Keeping the step notebooks' source here lets reviewers read a diff of narrative and calls instead
of JSON; `python tools/build_notebooks.py` rewrites them.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parent.parent / "notebooks"

PARAMETERS = '''\
client_dir: str = "../tests/fixtures/tiny-client"  # the client folder; `esnkit run` passes data/CLIENT
as_of: str = ""  # last day analysed, YYYY-MM-DD (empty: client.yml's as_of, else the data's last day)
min_group_size: int = 5  # breakdowns by an HR attribute hide groups with fewer people
show_names: bool = False  # names appear only with the client's written consent
inactive_days: int = 90  # days without activity after which a person counts as lapsed'''

OPEN = '''\
from esnkit import plots
from esnkit.report import open_step, show_table, show_markdown, show_kpis, show_appendix, pct
ctx = open_step(client_dir, as_of=as_of, min_group_size=min_group_size, show_names=show_names, inactive_days=inactive_days)'''


def md(text):
    return new_markdown_cell(text.strip("\n"))


def code(text, hidden=False):
    cell = new_code_cell(text.strip("\n"))
    if hidden:
        cell.metadata["tags"] = ["remove-cell"]
    return cell


def notebook(title, intro, setup, cells):
    params = new_code_cell(PARAMETERS)
    params.metadata["tags"] = ["parameters", "remove-cell"]
    # The export's header carries the title, so the notebook's own title cell is hidden there.
    heading = md(f"# {title}")
    heading.metadata["tags"] = ["remove-cell"]
    nb = new_notebook(cells=[heading, md(intro), params, code(OPEN + "\n" + setup, hidden=True), *cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


ASSESS = notebook(
    "Step 1 · Assess: where are we starting from?",
    "This report describes the health of your enterprise social network today: who uses it and how, "
    "which communities and people carry it, what already works, and what your people say. Its figures "
    "are the baselines of the plan in step 2.",
    "from esnkit.assess import assess, summary_markdown\na = assess(ctx)",
    [
        md("## Executive summary"),
        code("show_markdown(summary_markdown(a, client=ctx.client))"),
        code('show_kpis({"interacted in 6 months": pct(a.headline["interactive_share"]), "active in 90 days": f\'{a.headline["active_90"]:,}\', '
             '"communities thriving": f\'{a.headline["status_counts"].get("thriving", 0)} of {a.headline["communities"]}\', '
             '"threads answered (90 days)": pct(a.headline["response_rate_90"]), "lapsed people": f\'{a.headline["lapsed"]:,}\'})'),
        md("## Adoption and usage\n\nHow many people take part each month. *Active* means they posted, replied or reacted; "
           "*engaged* means they did so on at least four days of the month. The peak usually comes soon after launch: "
           "the question is how far use has fallen since and whether it has found a floor."),
        code("plots.plot_monthly_active(a.monthly);"),
        md("Each month some people arrive for the first time, some come back, some return after a break and some stop. "
           "A network grows only while the first three outnumber the last."),
        code("plots.plot_flows(a.flows);"),
        md("### Adoption by department\n\nPeople active in the last 90 days as a share of each department's headcount "
           "(the HR roster, so people who never joined count too). Departments below the minimum group size are not shown."),
        code('show_table(a.by_department, percent=["adoption_rate"])\nplots.plot_adoption_by(a.by_department);'),
        md("### How far adoption has spread\n\nPeople ordered by when they first took part, cut into Rogers' adoption segments: "
           "a segment is *reached* when everyone in it has taken part at least once."),
        code('show_table(a.segments_rogers, percent=["share"])'),
        md("## Do people come back?\n\nOf the people who first took part in a given month, the share who were active again "
           "one, two, three... months later. Fast fading rows mean people tried the network and did not find a reason to return."),
        code("plots.plot_cohort_retention(a.retention);"),
        md("## Who contributes\n\nIn most online communities a few people contribute most (the *90-9-1* pattern: 90% only read, "
           "9% contribute a little, 1% contribute most). Here is how concentrated contribution is in your network over the last six months."),
        code('show_table(a.inequality, percent=["top1_share", "top10_share", "heavy_share", "occasional_share", "lurker_share"], decimals=2)'),
        md("Usage segments show how habitual use is over the last 12 weeks; personas show the role each person plays in conversations."),
        code('plots.plot_segments(a.usage, order=["power", "habitual", "novice", "low", "non-user"]);'),
        code('plots.plot_segments(a.personas, column="persona", order=["Engager", "Catalyst", "Responder", "Broadcaster", "Observer"]);'),
        md("## Conversations\n\nA network feels alive when questions get answers. The response rate is the share of new threads "
           "that got a reply or reaction from someone else; the bars show how long the first response took."),
        code("plots.plot_response_rate(a.response_by_quarter.tail(8));"),
        code("show_table(a.depth, percent=['share'])"),
        code("plots.plot_activity_heatmap(a.heatmap);"),
        md("## Communities\n\nEvery community has a lifecycle status, decided by a stated rule (see the appendix). "
           "Thriving and growing communities are where to build; dormant ones need a decision."),
        code("plots.plot_community_status(a.scorecard);"),
        md("### Key communities"),
        code('show_table(a.key_communities, percent=["response_rate"])'),
        md("### All communities"),
        code('show_table(a.scorecard[["name", "status", "active_members", "messages_q0", "messages_q1", "response_rate", '
             '"median_hours_to_first_response", "absence_factor", "newcomer_share", "rule"]], percent=["response_rate", "newcomer_share"], max_rows=60)'),
        md("## Key individuals\n\nThe people who hold the network together, found from who replies to, mentions and reacts to whom. "
           "*Connectors* bridge departments, *influencers* are the people others interact with most, *responders* answer most. "
           "People are shown by role, not by name."),
        code("plots.plot_key_individuals(a.individuals);"),
        code('top = a.individuals.head(15).assign(person=lambda t: ctx.person_labels(t["person_id"]).to_numpy())\n'
             'show_table(top[["person", "role", "department", "degree", "two_way_ties", "cross_department_ties", "betweenness", "pagerank"]], decimals=3)'),
        md("### Silos\n\nThe E-I index compares each department's ties outside with its ties inside: near −1 a department talks only "
           "to itself."),
        code("plots.plot_department_mixing(a.mixing);"),
        md("### Influencers at risk\n\nPeople who were among the most central last quarter and whose activity has since halved."),
        code('risk = a.influencer_risk.assign(person=lambda t: ctx.person_labels(t["person_id"]).to_numpy())\n'
             'show_table(risk[["person", "department", "contributions_before", "contributions_now", "change"]], percent=["change"])'),
        md("## Existing successes\n\nConversations and communities that already show what good looks like: wide reach, several "
           "departments, fast answers, sustained growth. These are the stories to play back."),
        code("show_table(a.successes)"),
        md("## What users say\n\nThe survey shows how people feel about the network; the interviews say why."),
        code("if len(a.favourability):\n    plots.plot_favourability(a.favourability)"),
        code('show_table(a.favourability_by_department, percent=["favourable"], decimals=2, max_rows=40)'),
        code("show_table(a.themes)"),
        md("## Benchmarks\n\nYour figures beside published ones. Definitions differ between publishers (some count reading, "
           "some do not) and the figures are self-reported: read them as a direction, not a target to the decimal."),
        code('show_table(a.benchmarks, percent=["client", "published", "gap"])'),
        md("## Appendix"),
        code('show_appendix(ctx, metrics=["active", "engaged", "registered", "adoption rate", "new / returning / reactivated / lapsed", '
             '"lapsed person", "cohort retention", "Gini", "contributor absence factor", "usage segments", "personas", "response rate", '
             '"time to first response", "community status", "interaction graph", "betweenness", "PageRank", "roles", "E-I index", '
             '"favourable", "suppression"])'),
    ],
)

PLAN = notebook(
    "Step 2 · Plan: what will we achieve, by when?",
    "This plan turns the assessment into objectives a sponsor can sign: a baseline measured from your data, "
    "a target, a deadline and an owner for each, and a month-by-month glide path to check progress against.",
    "from esnkit import plan\np = plan.build_plan(ctx)",
    [
        md("## Objectives"),
        code("show_markdown(plan.plan_summary(p, client=ctx.client))"),
        code("show_table(plan.objectives_table(p))"),
        md("## Glide paths\n\nWhere each objective should be at the end of every month if it is to be met on time. "
           "Step 5 reports progress against these lines."),
        code("for obj in p.objectives.itertuples():\n    plots.plot_glide_path(p.glide_paths[p.glide_paths['objective_id'] == obj.objective_id], "
             "actual=p.history.get(obj.objective_id), title=obj.objective, percent=obj.is_share)"),
        md("## Alignment\n\nWhich objective serves which strategic theme, and who owns it."),
        code("show_table(p.alignment)"),
        md("## How the feasibility verdict is reached\n\nAn objective is *realistic* when the monthly improvement it needs is no more "
           "than the best sustained (three-month) improvement this network has already shown; *stretch* when it needs up to twice "
           "that; *unrealistic* beyond. Published benchmarks are shown beside each target in the proposal."),
        md("## Appendix"),
        code('show_appendix(ctx, metrics=["active", "response rate", "community status", "suppression"])'),
    ],
)

REACTIVATE = notebook(
    "Step 3 · Reactivate: who do we harness and who do we bring back?",
    "Reactivation starts with the people and communities that are already active, then brings new and lapsed people "
    "in through them, backed by targeted comms. This report names the roles and segments; contact lists with names "
    "go to your comms team separately, never inside this document.",
    "from esnkit import reactivate\nr = reactivate.build_reactivation(ctx)",
    [
        md("## Summary"),
        code("show_markdown(reactivate.reactivation_summary(r, client=ctx.client))"),
        md("## Champions to harness\n\nActive people with wide reach, ties across departments and a habit of responding."),
        code('ch = r.champions.assign(person=lambda t: ctx.person_labels(t["person_id"]).to_numpy())\n'
             'show_table(ch[["person", "department", "role", "degree", "cross_department_ties", "replies_given", "reason"]])'),
        md("## Seed communities\n\nActive, growing communities in which to build buzz before inviting others in."),
        code('show_table(r.seed_communities, percent=["response_rate"])'),
        md("## Invite back\n\nLapsed people ranked by what they contributed, how many people they reached and how recently they "
           "left, each with the active champion best placed to invite them back (their strongest past tie)."),
        code('ib = r.invite_back.head(20).assign(person=lambda t: ctx.person_labels(t["person_id"]).to_numpy(), '
             'invited_by=lambda t: ctx.person_labels(t["best_inviter"].fillna("")).where(t["best_inviter"].notna(), "–").to_numpy())\n'
             'show_table(ib[["person", "department", "last_active", "n_messages", "people_reached", "score", "invited_by", "reason"]])'),
        md("## Never activated, and where to aim above-the-line comms\n\nPeople on the roster who have never taken part, by "
           "department and location; the segments with the lowest adoption and the most people come first."),
        code('show_table(r.comms_targets, percent=["adoption_rate"])'),
        md("## Campaigns\n\nThe measured effect of each recorded campaign against comparable people who were not targeted."),
        code('show_table(r.campaigns, decimals=3)'),
        md("## Appendix"),
        code('show_appendix(ctx, metrics=["active", "lapsed person", "roles", "adoption rate", "suppression"])'),
    ],
)

SUSTAIN = notebook(
    "Step 4 · Sustain: is it becoming the way we work?",
    "Sustaining the network means managing its communities and playing back what works. This report gives community "
    "managers a scorecard per community, a triage with a recommended action for each, indicators of whether the habit is "
    "spreading, and success stories to tell.",
    "from esnkit import sustain\ns = sustain.build_sustain(ctx)",
    [
        md("## Summary"),
        code("show_markdown(sustain.sustain_summary(s, client=ctx.client))"),
        md("## Community-management scorecards"),
        code('show_table(s.scorecards, percent=["response_rate", "welcomed_24h", "welcomed_48h"], max_rows=60)'),
        md("## Lifecycle triage\n\nEvery community's status with the recommended action and the evidence behind it."),
        code("plots.plot_community_status(s.triage);"),
        code('show_table(s.triage[["name", "status", "action", "evidence"]], max_rows=80)'),
        md("## Newcomers\n\nDo first posts get a welcome, and do newcomers come back to post again?"),
        code('show_table(s.funnel, percent=["share"])'),
        md("## Is the behaviour spreading?"),
        code('show_table(s.embedding, percent=["habitual_share", "beyond_core_share", "cross_department_share"])'),
        md("## Success stories to play back"),
        code("show_table(s.stories)"),
        md("## Appendix"),
        code('show_appendix(ctx, metrics=["response rate", "time to first response", "community status", "contributor absence factor", "usage segments", "suppression"])'),
    ],
)

REPORT = notebook(
    "Step 5 · Report: are we on track?",
    "This report tracks the network against the objectives agreed in step 2: where each stands against its glide path, "
    "what moved this quarter, what distinguishes the communities that grow, and who and what rose or fell.",
    "from esnkit import reporting\nrep = reporting.build_report(ctx)",
    [
        md("## Executive summary"),
        code("show_markdown(reporting.report_summary(rep, client=ctx.client))"),
        md("## KPI scorecard\n\nEach objective's value now, where its glide path says it should be this month, and its status: "
           "*on track* at or ahead of the path, *at risk* behind it by no more than a tenth of the distance from baseline to target, "
           "*off track* further behind. The forecast extends the last three months' trend to the deadline."),
        code("show_table(reporting.scorecard_table(rep))"),
        md("## Trends"),
        code("for name, t in rep.trends.items():\n    plots.plot_kpi_trend(t, value='value', title=name, percent=t.attrs.get('percent', False), marks=rep.campaign_marks)"),
        md("## This quarter against the last\n\nChanges larger than the month-to-month noise are flagged."),
        code("show_table(reporting.quarter_table(rep))"),
        md("## What growing communities do differently"),
        code("show_table(rep.best_practices, decimals=2)"),
        md("## Key communities and individuals: who rose, who fell"),
        code("show_table(rep.movers)"),
        md("## Since the last report"),
        code("show_markdown(rep.history_note)"),
        md("## Appendix"),
        code('show_appendix(ctx, metrics=["active", "response rate", "community status", "roles", "suppression"])'),
    ],
)

EXPLORE = new_notebook(cells=[
    md("# Explore a client\n\nPick a date range, filter by department or location, choose a metric, and drill into a community. "
       "Set `client_dir` below (or open this notebook with `esnkit lab CLIENT`)."),
    new_code_cell('import os\nclient_dir: str = os.environ.get("ESNKIT_CLIENT_DIR", "../tests/fixtures/tiny-client")  # the client folder'),
    new_code_cell("from esnkit.widgets import Explorer\nexplorer = Explorer.for_client(client_dir)\nexplorer.widget"),
])
EXPLORE.cells[1].metadata["tags"] = ["parameters"]
EXPLORE.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}

for name, nb in {"1-assess": ASSESS, "2-plan": PLAN, "3-reactivate": REACTIVATE, "4-sustain": SUSTAIN, "5-report": REPORT, "explore": EXPLORE}.items():
    # Deterministic cell ids keep diffs small.
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name}-{i:02d}"
    nbformat.validate(nb)
    nbformat.write(nb, OUT / f"{name}.ipynb")
    print("wrote", OUT / f"{name}.ipynb")
