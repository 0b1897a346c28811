"""Findings into actions: what we found, what to do, who should do it, by when — from the numbers.

Every deliverable opens with the same table (:func:`findings_table`), so the five documents of a
run agree. Each finding is computed from one metric and written only when its numbers call for
action:

- **key-person risk** (theme ``network``): the fewest people who take part in half of all
  conversation between departments (:func:`esnkit.metrics.network.cross_department_carriers`),
  written when three or fewer do;
- **heavy contributors who went silent** (``people``): the lapsed among the top 10% of writers
  (:func:`esnkit.metrics.adoption.silent_heavy_contributors`): how many, the month most of them
  stopped, the communities they wrote in most;
- **communities to revive, merge or archive** (``communities``): step 4's triage
  (:func:`esnkit.steps.sustain.community_triage`);
- **the silo** (``network``): the department with the lowest E-I index when it is below 0, and
  the people in it who already talk across, who could bridge it;
- **unanswered threads** (``conversation``): when under 70% of new threads got a response;
- **people who never took part** (``adoption``): when they are a fifth of the population or more.

Owners come from ``client.yml``'s ``owners:`` (theme → role) and are left visibly blank otherwise,
for the sponsor's workshop. Deadlines: the end of the month after the as-of date for people-led
actions, the end of the quarter's third month after it for community and network changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from ..metrics import adoption, kpis, network
from ..metrics._base import population
from . import month_end_after
from .context import StepContext

__all__ = ["Finding", "findings", "finding_people", "findings_table", "show_findings", "BLANK_OWNER", "SOON_MONTHS", "LATER_MONTHS"]

#: How an owner not yet named prints: a blank to fill in at the workshop.
BLANK_OWNER = "________"
SOON_MONTHS, LATER_MONTHS = 1, 3
#: The response rate under which unanswered threads are a finding.
RESPONSE_FLOOR = 0.7
#: The share of the population who never took part from which that is a finding.
NEVER_FLOOR = 0.2


@dataclasses.dataclass(frozen=True)
class Finding:
    theme: str  # a key of esnkit.config.OWNER_THEMES
    found: str
    action: str
    owner: str  # "" when client.yml names none
    by: dt.date
    people: tuple[str, ...] = ()  # person ids the finding names (restricted/key-people.csv gives their names)


def _names(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _people_label(ctx: StepContext, rows: pd.DataFrame, roles: pd.Series) -> list[str]:
    """``P-7KQ2M4XA (connector, Sales)``: the reference, the role, and the department when it may be shown."""
    labels = ctx.person_labels(rows["person_id"]).tolist()
    depts = ctx.floored(rows["department"]).tolist()
    out = []
    for label, pid, dept in zip(labels, rows["person_id"], depts):
        detail = [d for d in (roles.get(pid, ""), dept) if d and d != "–"]
        out.append(f"{label} ({', '.join(detail)})" if detail else label)
    return out


def findings(ctx: StepContext) -> list[Finding]:
    """The findings of ``ctx``'s client at its as-of date, computed once per Dataset and parameters."""
    return ctx.ds.cached("findings", ctx.key, lambda: _findings(ctx))


def _findings(ctx: StepContext) -> list[Finding]:
    from .sustain import community_triage

    ds, as_of = ctx.ds, ctx.as_of
    soon, later = month_end_after(as_of, SOON_MONTHS), month_end_after(as_of, LATER_MONTHS)
    owner = ctx.config.owner
    out: list[Finding] = []
    individuals = network.key_individuals(ds, as_of=as_of)
    roles = pd.Series(individuals["role"].to_numpy(), index=individuals["person_id"].to_numpy())

    carriers = network.cross_department_carriers(ds, as_of=as_of)
    risk = network.key_person_risk(carriers)
    if risk is not None and risk[1] >= 0.5:
        k, share = risk
        top = carriers.head(k)
        who = _names(_people_label(ctx, top, roles))
        n = "One person takes" if k == 1 else f"{k} people take"
        out.append(
            Finding(
                "network",
                f"Key-person risk: {n} part in {share:.0%} of all conversation between departments in the last 12 months: {who}.",
                "Give each a deputy from another department and bring them into the champions group, so the links between "
                "departments do not hang on " + ("one person." if k == 1 else "a few people."),
                owner("network"),
                soon,
                tuple(top["person_id"]),
            )
        )

    silent = adoption.silent_heavy_contributors(ds, as_of=as_of, inactive_days=ctx.inactive_days)
    if len(silent):
        peak, stopped = adoption.stop_month(silent)
        groups = silent["main_group_id"].dropna().value_counts().head(3)
        where = f" They wrote most in {_names(ctx.group_names(groups.index).tolist())}." if len(groups) else ""
        last = silent["last_active"].max().tz_localize(None).to_period("M")
        when = f" {stopped:,} of them stopped in {peak.strftime('%B %Y')}." if stopped > 1 else f" The last stopped in {last.strftime('%B %Y')}."
        many = "person" if len(silent) == 1 else "people"
        out.append(
            Finding(
                "people",
                f"{len(silent):,} {many} among the heaviest contributors (top 10% by posts and replies) have been silent for "
                f"{ctx.inactive_days}+ days.{when}{where}",
                "Contact each of them personally (step 3 lists them by reference; names in the restricted list) and ask what "
                "changed; where many stopped together, look for the cause that month.",
                owner("people"),
                soon,
            )
        )

    tri = community_triage(ds, as_of=as_of)
    if len(tri):
        counts = tri["action"].value_counts()
        either = int(counts.get("revive or merge", 0))
        revive = int(counts[[a for a in counts.index if str(a).startswith("revive") and a != "revive or merge"]].sum())
        merge, archive = int(counts.get("merge", 0)), int(counts.get("archive", 0))
        quiet = int(tri["status"].isin(["dormant", "idle", "declining"]).sum())
        hanging = int((tri.get("key_person_risk", pd.Series("", index=tri.index)) != "").sum())
        if revive + either + merge + archive + hanging:
            parts = [f"{label} {n:,}" for label, n in (("revive", revive), ("revive or merge", either), ("merge", merge), ("archive", archive)) if n]
            out.append(
                Finding(
                    "communities",
                    f"{quiet:,} of {len(tri):,} communities are declining, idle or dormant"
                    + (f"; {hanging:,} in use hang on one or two people." if hanging else "."),
                    (f"{_names(parts).capitalize()} (step 4 names each, with its evidence)" if parts else "Step 4 names each community")
                    + ("; give every revived community an owner" if revive + either else "")
                    + ("; recruit co-hosts where one or two people carry a community." if hanging else "."),
                    owner("communities"),
                    later,
                )
            )

    mixing = network.department_mixing(ds, as_of=as_of, min_group_size=ctx.min_group_size)
    if len(mixing) and mixing["ei_index"].iloc[0] < 0:
        silo = mixing.iloc[0]
        dept = str(silo["department"])
        kept = silo["internal"] / (silo["internal"] + silo["external"])
        inside = carriers[carriers["department"] == dept].head(3) if len(carriers) else carriers
        bridge = (
            f"start with {_names(_people_label(ctx, inside, roles))}, who already talk across"
            if len(inside)
            else "nobody in it talks across yet: invite the network's connectors into its communities"
        )
        out.append(
            Finding(
                "network",
                f"Silo: {kept:.0%} of the interactions {dept}'s people give or receive stay inside {dept} (E-I index "
                f"{silo['ei_index']:+.2f}), the most inward-looking department, over the last 12 months.",
                f"Open a community {dept} shares with the departments it works with; {bridge}.",
                owner("network"),
                later,
                tuple(inside["person_id"]),
            )
        )

    values = kpis.kpi_values(ds, as_of=as_of, inactive_days=ctx.inactive_days)
    rate = values["response_rate"]
    if np.isfinite(rate) and rate < RESPONSE_FLOOR:
        out.append(
            Finding(
                "conversation",
                f"Only {kpis.display('response_rate', rate)} of the threads started in the last 90 days got a response.",
                "Community managers check for unanswered threads every working day and bring in someone who can answer.",
                owner("conversation"),
                soon,
            )
        )
    never, total = values["never_activated"], len(population(ds))
    if total and never / total >= NEVER_FLOOR:
        out.append(
            Finding(
                "adoption",
                f"{kpis.display('never_activated', never)} {'person' if never == 1 else 'people'} ({never / total:.0%} of everyone "
                f"counted) {'has' if never == 1 else 'have'} never taken part.",
                "Target them with step 3's comms by department and location, each with a first thing to do (a question to answer, "
                "a community to join).",
                owner("adoption"),
                later,
            )
        )
    return out


def finding_people(ctx: StepContext) -> pd.DataFrame:
    """The people the findings name, one row each: ``person_id``, ``department``, ``role``, ``finding`` (its first words)."""
    individuals = network.key_individuals(ctx.ds, as_of=ctx.as_of).set_index("person_id")
    rows = [(pid, f.found.split(":", 1)[0]) for f in findings(ctx) for pid in f.people]
    t = pd.DataFrame(rows, columns=["person_id", "finding"]).groupby("person_id", sort=False)["finding"].agg("; ".join).reset_index()
    t.insert(1, "department", t["person_id"].map(individuals["department"]).astype("str"))
    t.insert(2, "role", t["person_id"].map(individuals["role"]).astype("str"))
    return t


def findings_table(items: list[Finding]) -> pd.DataFrame:
    """The findings as every deliverable's summary shows them: what we found, what to do, who, by when."""
    return pd.DataFrame(
        {
            "what we found": [f.found for f in items],
            "what to do": [f.action for f in items],
            "who": [f.owner or BLANK_OWNER for f in items],
            "by": [f.by.isoformat() for f in items],
        },
        dtype="object",
    ).astype("str")


def show_findings(ctx: StepContext) -> None:
    """The findings table every deliverable opens with (or the sentence saying none calls for action)."""
    from ..render import show_note, show_table
    from .empty import why

    items = findings(ctx)
    show_table(findings_table(items), empty=why(ctx, "findings"), max_rows=10)
    if any(not f.owner for f in items):
        show_note("A blank owner is to be agreed at the sponsor's workshop.")
