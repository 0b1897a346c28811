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
for the sponsor's workshop. Deadlines count from the delivery date (``delivered_on``, never before
the as-of; :attr:`~.context.StepContext.due_from`), so a document read in December never asks for
an action by October: the end of the month after it for people-led actions, the end of the third
month after it for community and network changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html

import numpy as np
import pandas as pd

from .._fast import isin
from ..facts import Figures, Told
from ..metrics import adoption, kpis, network
from ..metrics._base import population
from ..metrics.measures import in_unit
from ..render import clean_text
from . import month_end_after
from .context import StepContext

__all__ = ["Finding", "findings", "finding_people", "named_people", "findings_table", "show_findings", "BLANK_OWNER", "SOON_MONTHS", "LATER_MONTHS"]

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
    found: Told  # plain words as a str; its marked text and facts for the deliverable
    action: Told
    owner: str  # "" when client.yml names none
    by: dt.date
    people: tuple[str, ...] = ()  # person ids the finding names (restricted/key-people.csv gives their names)
    rule: str = ""  # the rule's name when its sentence does not begin with it ("Key-person risk, high: ...")

    @property
    def name(self) -> str:
        """The rule's name, as the restricted list of key people gives it: "Key-person risk", "Silo"..."""
        return self.rule or str(self.found).split(":", 1)[0]


def _names(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _people_label(ctx: StepContext, rows: pd.DataFrame, roles: pd.Series) -> list[str]:
    """``P-7KQ2M4XA (connector, Sales)``: the reference, the role, and the department when it may be shown (escaped for the page)."""
    hidden = rows["person_id"].astype("str").isin(ctx.opted_out)  # counted, never named
    rows = rows[~hidden]
    labels = ctx.person_labels(rows["person_id"]).tolist()
    depts = ctx.floored(rows["department"]).tolist()
    out = []
    for label, pid, dept in zip(labels, rows["person_id"], depts):
        detail = [d for d in (roles.get(pid, ""), dept) if d and d != "–"]
        out.append(f'<span class="esn-ref">{html.escape(label)}</span>' + (f" ({_esc(', '.join(detail))})" if detail else ""))
    if hidden.any():
        n = int(hidden.sum())  # a finding names three people at most: the number in words, not a figure
        out.append(f"{'one person' if n == 1 else ('two', 'three')[n - 2] + ' people' if n <= 3 else 'others'} who asked not to be named")
    return out


def _esc(text: object) -> str:
    """A client's string (a community's, a department's name) made inert for the findings' HTML cells, marked as a name."""
    return Figures.name(html.escape(clean_text(text)))


def findings(ctx: StepContext) -> list[Finding]:
    """The findings of ``ctx``'s client at its as-of date, computed once per Dataset and parameters."""
    return ctx.ds.cached("findings", ctx.key, lambda: _findings(ctx))


def _told(text: str, f: Figures) -> Told:
    """Marked text with the facts ``f`` recorded for it, after which ``f`` starts afresh."""
    told = Told(text, f)
    f.facts = []
    return told


def _findings(ctx: StepContext) -> list[Finding]:
    from .sustain import base_action, community_triage

    ds, as_of = ctx.ds, ctx.as_of
    soon, later = month_end_after(ctx.due_from, SOON_MONTHS), month_end_after(ctx.due_from, LATER_MONTHS)
    owner = ctx.config.owner
    f = Figures("findings", as_of=as_of.isoformat(), unit=ctx.profile.unit())
    out: list[Finding] = []
    individuals = network.key_individuals(ds, as_of=as_of)
    roles = pd.Series(individuals["role"].to_numpy(), index=individuals["person_id"].to_numpy())

    carriers = network.cross_department_carriers(ds, as_of=as_of)
    risk = network.key_person_risk(carriers)
    if risk is not None:  # always stated, graded: a cliff at half would hide 47%
        k, share = risk
        grade = network.key_person_grade(share)
        top = carriers.head(k)
        who = _names(_people_label(ctx, top, roles))
        n = f"{f('cross_department_carriers', k)} {'person takes' if k == 1 else 'people take'}"
        found = _told(
            f"Key-person risk, {grade}: {n} part in {f('cross_department_carriers_share', share)} of all conversation between "
            f"departments in the last {f.term('12')} months: {who}.",
            f,
        )
        action = _told(
            {
                "high": "Give each a deputy from another department and bring them into the champions group, so the links between "
                "departments do not hang on " + ("one person." if k == 1 else "a few people."),
                "moderate": "Bring them into the champions group and pair each with a colleague in another department, before the "
                "links between departments come to depend on them.",
                "low": "None needed now: the conversation between departments is spread over many people. Step 5 reports it each quarter.",
            }[grade],
            f,
        )
        out.append(
            Finding("network", found, action, owner("network"), soon if grade == "high" else later, tuple(top["person_id"]), "Key-person risk")
        )

    silent = adoption.silent_heavy_contributors(ds, as_of=as_of, inactive_days=ctx.inactive_days)
    if len(silent):
        groups = silent["main_group_id"].dropna().value_counts().head(3)
        where = f" They wrote most in {_names([_esc(g) for g in ctx.group_names(groups.index)])}." if len(groups) else ""
        last = silent["last_active"].max().tz_localize(None).to_period("M")
        cluster = adoption.stop_cluster(silent, as_of=as_of, inactive_days=ctx.inactive_days)
        if cluster:
            month = cluster[0].strftime("%B %Y")
            when = f" {f('silent_heavy_stopped_in_month', cluster[1], window=month)} of them stopped in {month}."
        else:
            when = f" The last stopped in {last.strftime('%B %Y')}."
        many = "person" if len(silent) == 1 else "people"
        found = _told(
            f"{f('silent_heavy_contributors', len(silent))} {many} among the heaviest contributors (top {f.term('10%')} by posts and "
            f"replies) have been silent for {f.term(f'{ctx.inactive_days}+')} days.{when}{where}",
            f,
        )
        action = _told(
            "Contact each of them personally (step 3 lists them by reference; names in the restricted list) and ask what "
            "changed" + ("; so many stopped that month: look for its cause." if cluster else "."),
            f,
        )
        out.append(Finding("people", found, action, owner("people"), soon))

    tri = community_triage(ds, as_of=as_of)
    if len(tri):
        base = base_action(tri["action"])
        either, revive = base == "revive or merge", base == "revive"
        merge, archive = base == "merge", base == "archive"
        acted = revive | either | merge | archive
        quiet = isin(tri["lifecycle"], ["dormant", "idle", "declining"]).to_numpy()
        live_dup = (merge & ~quiet).to_numpy()
        hanging = int((tri.get("key_person_risk", pd.Series("", index=tri.index)) != "").sum())
        if int(acted.sum()) + hanging:
            found = _told(
                f"{f('communities_quiet', int(quiet.sum()))} of {f('communities', len(tri))} communities are declining, idle or dormant"
                + (
                    f", and {f('communities_duplicate_live', int(live_dup.sum()))} more in use {'duplicates' if live_dup.sum() == 1 else 'duplicate'} another"
                    if live_dup.any()
                    else ""
                )
                + (f"; {f('communities_hanging_on_few', hanging)} in use hang on one or two people." if hanging else "."),
                f,
            )
            parts = [
                f"{label} {f(measure_id, int(mask.sum()))}"
                for label, measure_id, mask in (
                    ("revive", "triage_revive", revive),
                    ("revive or merge", "triage_revive_or_merge", either),
                    ("merge", "triage_merge", merge),
                    ("archive", "triage_archive", archive),
                )
                if mask.any()
            ]
            action = _told(
                (
                    f"{_names(parts).capitalize()} ({f('communities_to_act_on', int(acted.sum()))} in all; step 4 names each, with its evidence)"
                    if parts
                    else "Step 4 names each community"
                )
                + ("; give every revived community an owner" if (revive | either).any() else "")
                + ("; recruit co-hosts where one or two people carry a community." if hanging else "."),
                f,
            )
            out.append(Finding("communities", found, action, owner("communities"), later))

    mixing = network.department_mixing(ds, as_of=as_of, min_group_size=ctx.min_group_size)
    if len(mixing) and mixing["ei_index"].iloc[0] < 0:
        silo = mixing.iloc[0]
        dept = str(silo["department"])
        seg = {"department": dept}
        kept = silo["internal"] / (silo["internal"] + silo["external"])
        # Bridges are people there now: never someone lapsed, or an influencer whose activity has halved.
        gone = set(adoption.lapsed_people(ds, as_of=as_of, inactive_days=ctx.inactive_days)["person_id"])
        gone |= set(network.influencer_risk(ds, as_of=as_of)["person_id"])
        gone |= ctx.opted_out  # a bridge is named: never someone who asked not to be
        # ... who already hold a conversation across: replies, not a stray @mention or a reaction
        real = carriers["cross_replies"] >= network.BRIDGE_MIN_REPLIES if len(carriers) else carriers["cross_replies"].astype(bool)
        inside = carriers[(carriers["department"] == dept) & ~carriers["person_id"].isin(gone) & real].head(3)
        bridge = (
            f"start with {_names(_people_label(ctx, inside, roles))}, who already reply across departments"
            if len(inside)
            else "nobody active in it replies across departments yet: invite the network's connectors into its communities"
        )
        found = _told(
            f"Silo: {f('department_internal_share', kept, segment=seg)} of the interactions {_esc(dept)}'s people give or receive "
            f"stay inside {_esc(dept)} (E-I index {f('department_ei_index', silo['ei_index'], segment=seg)}), the most "
            f"inward-looking department, over the last {f.term('12')} months.",
            f,
        )
        action = _told(f"Open a community {_esc(dept)} shares with the departments it works with; {bridge}.", f)
        out.append(Finding("network", found, action, owner("network"), later, tuple(inside["person_id"])))

    values = kpis.kpi_values(ds, as_of=as_of, inactive_days=ctx.inactive_days)
    rate = values["response_rate"]
    if np.isfinite(rate) and rate < RESPONSE_FLOOR:
        unit = ctx.profile.unit()
        found = _told(f"Only {f('response_rate', rate)} of the {unit} started in the last {f.term('90')} days got a response.", f)
        action = _told(RESPONSE_ACTION_PRIVATE if ctx.profile.private_only else in_unit(RESPONSE_ACTION, unit), f)
        out.append(Finding("conversation", found, action, owner("conversation"), soon))
    never, total = values["never_activated"], len(population(ds))
    if total and never / total >= NEVER_FLOOR:
        found = _told(
            f"{f('never_activated', never)} of the {f('people', total)} people counted ({f('never_activated_share', never / total)}) "
            f"{'has' if never == 1 else 'have'} never taken part.",
            f,
        )
        action = _told(never_action(ctx.profile), f)
        out.append(Finding("adoption", found, action, owner("adoption"), later))
    return out


#: What to do about unanswered threads (in the data's unit, :func:`~esnkit.metrics.measures.in_unit`); with private messages only there is no community manager to do it.
RESPONSE_ACTION = "Community managers check for unanswered threads every working day and bring in someone who can answer."
RESPONSE_ACTION_PRIVATE = "Managers ask their teams to answer the messages they receive within a working day: an unanswered message is a closed door."


def never_action(profile) -> str:
    """What to do about the never-activated: aimed by department and location only where the data have them.

    >>> from esnkit.profile import DataProfile
    >>> p = DataProfile(7, 0, 0, 9, 0, 0, 9, 0, 0, 0, False, False, 0, 0, False, None, None, None, "")
    >>> never_action(p)
    "Reach them with step 3's comms, each with a first thing to do (a question to answer, a community to join)."
    >>> never_action(dataclasses.replace(p, departments=4))[:50]
    "Target them with step 3's comms by department, eac"
    """
    by = [word for word, has in (("department", profile.has_departments), ("location", profile.has_locations)) if has]
    first = "a question to answer" if profile.private_only else "a question to answer, a community to join"
    if not by:
        return f"Reach them with step 3's comms, each with a first thing to do ({first})."
    return f"Target them with step 3's comms by {' and '.join(by)}, each with a first thing to do ({first})."


def finding_people(ctx: StepContext) -> pd.DataFrame:
    """The people the findings name, one row each: ``person_id``, ``department``, ``role``, ``finding`` (its first words)."""
    individuals = network.key_individuals(ctx.ds, as_of=ctx.as_of).set_index("person_id")
    rows = [(pid, f.name) for f in findings(ctx) for pid in f.people]
    t = pd.DataFrame(rows, columns=["person_id", "finding"]).groupby("person_id", sort=False)["finding"].agg("; ".join).reset_index()
    t.insert(1, "department", t["person_id"].map(individuals["department"]).astype("str"))
    t.insert(2, "role", t["person_id"].map(individuals["role"]).astype("str"))
    return t


def named_people(ctx: StepContext) -> pd.DataFrame:
    """Everyone the deliverables name by reference beyond the lists of their own (champions, invite-back, silent heavy
    contributors, never activated): the people the findings name, step 1's key individuals and leaders, and the
    influencers at risk steps 1 and 5 show. One row each: ``person_id``, ``department``, ``role``, ``listed_for``.

    ``esnkit run`` writes it as ``restricted/key-people.csv``, so every reference printed is found there or in another list.
    """
    from .assess import key_individuals_shown, leader_ids

    individuals = network.key_individuals(ctx.ds, as_of=ctx.as_of)
    parts = [
        finding_people(ctx).rename(columns={"finding": "listed_for"})[["person_id", "listed_for"]],
        pd.DataFrame({"person_id": key_individuals_shown(ctx, individuals)["person_id"], "listed_for": "key individual (step 1)"}),
        pd.DataFrame({"person_id": pd.Series(leader_ids(ctx), dtype="str"), "listed_for": "leader (step 1)"}),
        pd.DataFrame(
            {"person_id": network.influencer_risk(ctx.ds, as_of=ctx.as_of)["person_id"], "listed_for": "influencer at risk (steps 1 and 5)"}
        ),
    ]
    t = pd.concat(parts, ignore_index=True).astype("str").groupby("person_id", sort=False)["listed_for"].agg("; ".join).reset_index()
    known = individuals.set_index("person_id")
    department = ctx.ds.people.drop_duplicates("person_id").set_index("person_id")["department"]
    t.insert(1, "department", t["person_id"].map(department).astype("str"))
    t.insert(2, "role", t["person_id"].map(known["role"]).fillna("").astype("str"))
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
    """The findings table every deliverable opens with (or the sentence saying none calls for action), its figures recorded as facts."""
    from ..render import show_facts, show_note, show_table, table_html
    from .empty import why

    items = findings(ctx)
    if not items:
        show_table(findings_table(items), empty=why(ctx, "findings"))
        return
    table = findings_table(items)
    table["what we found"] = pd.Series([i.found for i in items], dtype="object")
    table["what to do"] = pd.Series([i.action for i in items], dtype="object")
    body = table_html(table, max_rows=10, markup=["what we found", "what to do"])
    facts = [x for i in items[:10] for x in (*i.found.facts, *i.action.facts)]
    show_facts("text/html", f'<div class="esn-block" data-block="findings">{body}</div>', facts)
    if any(not f.owner for f in items):
        show_note("A blank owner is to be agreed at the sponsor's workshop.")
