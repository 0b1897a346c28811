"""Step 3, Reactivate: harness the active, invite back the lapsed, aim comms at the never-activated.

- :func:`champions` — active people with wide reach, cross-department ties and a habit of responding;
- :func:`seed_communities` — active, growing communities to build buzz in first;
- :func:`invite_back` — lapsed people ranked by past value, each with the active person best placed
  to invite them (their strongest past tie);
- :func:`comms_targets` — segments with the lowest adoption and the most people;
- :func:`campaign_uplift` — a campaign's effect against comparable untargeted people
  (difference in differences, with a 95% interval) and the 30/60/90-day retention of the people it
  reactivated;
- :func:`write_contact_lists` — names and e-mails for the comms team, in ``restricted/`` only.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from .._fast import first_index, id_ranks, isin, positions
from .._text import normalise_email, normalise_emails
from ..dataset import Dataset
from ..errors import ConfigError
from ..facts import Figures, Told
from ..metrics import adoption, communities, kpis, network
from ..metrics._base import (
    PersonCommunity,
    active_days,
    as_of_end,
    closed_accounts,
    day_number,
    interaction_events,
    people_seen,
    person_days,
    population,
    population_rows,
)
from ..privacy import dataset_refs, write_client_csv
from ..profile import ranked_count
from ..render import escape_md
from .context import StepContext
from .findings import named_people

__all__ = [
    "champions",
    "seed_communities",
    "invite_back",
    "comms_targets",
    "campaign_uplift",
    "write_contact_lists",
    "build_reactivation",
    "reactivation_summary",
    "Reactivation",
]


def champions(individuals: pd.DataFrame, active_ids, *, top: int = 20) -> pd.DataFrame:
    """Currently active people with a habit of responding (at least one reply given), ranked by ``degree + 2 x
    cross-department ties + replies given``: the first ``top``, and at most a tenth of the people active (at least one).

    Someone who reached people only by posting, or by reacting, is no champion of a network of
    conversation, however few the people: in a cohort of 14 the rule names one person, not everyone.

    ``individuals`` is :func:`esnkit.metrics.network.key_individuals`' output; ``active_ids`` the
    people active recently. Returns it filtered and ranked, with ``score`` and ``reason``.
    """
    active = set(active_ids)
    t = individuals[isin(individuals["person_id"], active) & (individuals["replies_given"] >= 1)].copy()
    t["score"] = t["degree"] + 2 * t["cross_department_ties"] + t["replies_given"]
    # a champion stands out: at most a tenth of the people active (one in a network of 14), never "everyone active"
    t = t.sort_values(["score", "person_id"], ascending=[False, True]).head(min(top, max(1, len(active) // 10)))

    def counted(values: pd.Series, one: str, many: str) -> pd.Series:
        n = values.astype("int64")
        return n.astype(str) + np.where(n == 1, one, many)

    t["reason"] = (
        counted(t["degree"], " person reached", " people reached")
        + ", ties into "
        + counted(t["cross_department_ties"], " person", " people")
        + " in other departments, "
        + counted(t["replies_given"], " reply", " replies")
        + " given"
        + np.where(t["role"] != "", " (" + t["role"] + ")", "")
    )
    return t.reset_index(drop=True)


def seed_communities(scorecard: pd.DataFrame, *, top: int = 8) -> pd.DataFrame:
    """Growing and thriving communities, most active members first, with the reason."""
    s = scorecard[isin(scorecard["status"], ["growing", "thriving"])].copy()
    s = s.sort_values(["active_members", "name"], ascending=[False, True]).head(top)  # the most active members first, whatever the status
    s["reason"] = s["status"] + ": " + s["rule"]
    return s[["group_id", "name", "status", "active_members", "messages_q0", "response_rate", "reason"]].reset_index(drop=True)


#: The break in a person's own rhythm beyond which a longer silence adds nothing to their rank.
BREAK_CAP = 10


def invite_back(
    ds: Dataset, *, as_of=None, inactive_days: int = 90, window_days: int | None = None, graph: network.InteractionGraph | None = None
) -> pd.DataFrame:
    """Lapsed people ranked by past value, with the best-placed active person to invite each.

    Candidates are :func:`~esnkit.metrics.adoption.lapsed_people` still on the platform (not
    deleted or suspended). ``score = log(1 + messages) + log(1 + people reached) + log(1 +
    break) + recency``: *break* is the silence measured in the person's own rhythm (days
    inactive over their usual days between active days, at least 7), capped at 10 — ten of their
    own rhythms is a clear break, and a longer one says only that they left long ago — so a weekly
    contributor gone quiet ranks above an occasional one on a normal pause; *recency* ``=
    exp(-days inactive / 365)`` favours people who left recently. (On a planted export whose 20
    heaviest contributors stopped while their communities carried on, 17 of the 18 of them invited
    personally are in the top 20 of the personal list; with the break capped at 50 and half the
    recency, about 15.) The inviter is the
    person, active in the last ``inactive_days``, with whom the lapsed person had the heaviest tie
    (replies, mentions and reactions, either way, over all their history).

    Returns
    -------
    DataFrame
        ``rank``, ``person_id``, ``department``, ``last_active``, ``days_inactive``, ``n_messages``,
        ``people_reached``, ``break_ratio``, ``score``, ``best_inviter`` (null when no active tie),
        ``reason``, ``cause`` (:func:`lapse_causes`), ``main_group_id`` (where they did most),
        ``silent_heavy`` (a heavy contributor: :func:`esnkit.metrics.adoption.heavy_threshold`).
        The silent heavy contributors come first, ranked by ``log(1 + messages) + log(1 + break) +
        recency`` (what they gave and how sharply they stopped); then everyone else by ``score``.
    """
    end = as_of_end(as_of, ds)
    lapsed = adoption.lapsed_people(ds, as_of=end - pd.Timedelta(days=1), inactive_days=inactive_days)  # the lapsed KPI's people
    lapsed = lapsed[~isin(lapsed["state"], ["deleted", "suspended"])]
    # Ties either way, summed, on people's row codes (millions of edges at 100,000 people): the
    # edges' ends are codes into a list of ids, and only that list is looked up among the people.
    ids = ds.people["person_id"]
    n = len(ids) + 1
    if graph is not None:
        row, src, tgt, edge_weight = positions(pd.Series(graph.nodes), ids), graph.src, graph.dst, graph.edge_data["weight"].to_numpy(dtype=np.int64)
    else:
        src, tgt, counts, names = network.edge_codes(ds, as_of=end - pd.Timedelta(days=1), window_days=window_days)
        row, edge_weight = positions(pd.Series(names), ids), counts["replies"] + counts["mentions"] + counts["reactions"]
        del counts
    src, tgt = row[src], row[tgt]
    known = (src >= 0) & (tgt >= 0)
    days = person_days(ds, as_of=end - pd.Timedelta(days=1))
    active_now = np.zeros(n, dtype=bool)
    active_now[days.loc[days["day"] >= day_number(end - pd.Timedelta(days=inactive_days)), "who"].to_numpy()] = True  # who: the row in ds.people
    active_now[-1] = False
    is_lapsed = np.zeros(n, dtype=bool)
    is_lapsed[positions(lapsed["person_id"], ids)] = True
    is_lapsed[-1] = False
    # Only the lapsed people's ties are ranked: each edge is taken from the lapsed end (source
    # first, then target), and the pairs are summed for them alone. Both ways over every edge
    # were twice the ties of all history, 1.2 GiB of arrays at the step's peak at 200,000 people.
    out_of, into = known & is_lapsed[src], known & is_lapsed[tgt]
    a, b = np.concatenate([src[out_of], tgt[into]]), np.concatenate([tgt[out_of], src[into]])
    w = np.concatenate([edge_weight[out_of], edge_weight[into]])
    del src, tgt, edge_weight, known, out_of, into
    pair, inverse = np.unique(a * n + b, return_inverse=True)
    weight = np.bincount(inverse, weights=w).astype(np.int64)
    a, b = pair // n, pair % n
    reach = np.bincount(a, minlength=n)  # distinct people tied either way (counted for the lapsed)
    cand = active_now[b]
    a, b, weight = a[cand], b[cand], weight[cand]
    order = np.lexsort((id_ranks(ids)[b], -weight, a))  # heaviest tie first, then the smallest id
    best = order[first_index(a[order])[1]]
    inviter = pd.Series(ids.take(b[best]).to_numpy(), index=ids.take(a[best]).to_numpy())
    tie_weight = pd.Series(weight[best], index=inviter.index)
    out = lapsed[["person_id", "department", "first_active", "last_active", "days_inactive", "n_messages"]].copy()
    at = positions(out["person_id"], ids)
    out["people_reached"] = np.where(at >= 0, reach[at], 0).astype("int64")
    who, _ = active_days(ds, as_of=end - pd.Timedelta(days=1))
    days_active = np.bincount(who, minlength=n)
    span_days = (out["last_active"] - out["first_active"]).dt.total_seconds() / 86400
    rhythm = (span_days / (pd.Series(np.where(at >= 0, days_active[at], 1), index=out.index) - 1).clip(lower=1)).clip(lower=7)
    out["break_ratio"] = (out["days_inactive"] / rhythm).clip(upper=BREAK_CAP)
    out["score"] = np.log1p(out["n_messages"]) + np.log1p(out["people_reached"]) + np.log1p(out["break_ratio"]) + np.exp(-out["days_inactive"] / 365)
    out["best_inviter"] = out["person_id"].map(inviter).astype("str")
    out["reason"] = (
        out["n_messages"].astype(str)
        + " messages, reached "
        + out["people_reached"].astype(str)
        + " people, inactive "
        + out["days_inactive"].astype(str)
        + " days"
        + np.where(
            out["best_inviter"].notna(),
            "; strongest active tie: " + out["person_id"].map(tie_weight).fillna(0).astype(int).astype(str) + " interactions",
            "; no active tie left",
        )
    )
    out["cause"], out["main_group_id"] = lapse_causes(ds, out, as_of=end - pd.Timedelta(days=1), with_group=True)
    # The heavy contributors who went silent lead (adoption.silent_heavy_contributors' rule): their own rhythm broke,
    # so they are ranked by what they gave and how sharply they stopped, not by how many people they reached.
    least = adoption.heavy_threshold(ds, as_of=end - pd.Timedelta(days=1))
    out["silent_heavy"] = (out["n_messages"] >= least) if least is not None else False
    past = np.log1p(out["n_messages"]) + np.log1p(out["break_ratio"]) + np.exp(-out["days_inactive"] / 365)
    out["_order"] = np.where(out["silent_heavy"], past, out["score"])
    out["reason"] = np.where(out["silent_heavy"], "heavy contributor who went silent: ", "") + out["reason"]
    out = (
        out.sort_values(["silent_heavy", "_order", "person_id"], ascending=[False, False, True])
        .reset_index(drop=True)
        .drop(columns=["first_active", "_order"])
    )
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


#: Community statuses under which a community has gone quiet (its people lapsed with it).
QUIET = ("dormant", "idle")


def lapse_causes(ds: Dataset, lapsed: pd.DataFrame, *, as_of, with_group: bool = False):
    """Why each lapsed person stopped: ``personal``, ``community`` or ``one-off``.

    - ``one-off``: they wrote once (one post or reply, ever): a first step never followed up, for
      onboarding rather than a personal invitation;
    - ``community``: most of what they did in communities (posts, replies, reactions) was in
      communities that are now quiet (:data:`QUIET` at ``as_of``): revive or move the community;
    - ``personal``: the communities they used carried on without them (or they used none): a
      personal invitation.

    With ``with_group``, also the community each did most in (ties by group id), as a second Series.
    """
    did = PersonCommunity(ds, lapsed["person_id"], as_of=as_of)  # on integer codes: millions of events at 100,000 people
    status = communities.community_scorecard(ds, as_of=as_of).set_index("group_id")["status"]
    quiet_group = isin(ds.groups["group_id"].map(status).astype("str"), list(QUIET)).to_numpy()
    done, quiet = did.per_person(), did.per_person(quiet_group.astype(float))
    share_quiet = np.where(done > 0, quiet / np.where(done > 0, done, 1), 0.0)
    cause = np.where(share_quiet > 0.5, "community", "personal")
    cause = pd.Series(np.where(lapsed["n_messages"].to_numpy() <= 1, "one-off", cause), index=lapsed.index, dtype="str")
    if not with_group:
        return cause
    return cause, pd.Series(did.main_group(), index=lapsed.index, dtype="str")


def comms_targets(ds: Dataset, *, as_of=None, min_group_size: int = 5, by=("department", "location")) -> pd.DataFrame:
    """Segments for above-the-line comms: lowest adoption and most never-activated people first.

    Returns
    -------
    DataFrame
        ``attribute``, ``value``, ``headcount``, ``never_active``, ``adoption_rate``, ``priority``
        (never-active people x (1 - adoption rate)), highest priority first.
    """
    parts = []
    for attr in by:
        if attr in ds.people.columns and ds.people[attr].notna().any():
            t = adoption.adoption_by(ds, as_of=as_of, by=attr, min_group_size=min_group_size)
            parts.append(
                pd.DataFrame(
                    {
                        "attribute": attr,
                        "value": t[attr],
                        "headcount": t["headcount"],
                        "never_active": t["never_active"],
                        "adoption_rate": t["adoption_rate"],
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=["attribute", "value", "headcount", "never_active", "adoption_rate", "priority"])
    out = pd.concat(parts, ignore_index=True)
    out["priority"] = out["never_active"] * (1 - out["adoption_rate"])
    return out.sort_values(["priority", "value"], ascending=[False, True]).reset_index(drop=True)


def _campaign_people(ds: Dataset, campaign: dict, paths=None) -> pd.Series:
    if campaign.get("segment"):
        people = population(ds)
        for column, value in dict(campaign["segment"]).items():
            if column not in people.columns:
                raise ConfigError(f"campaign {campaign.get('name')!r}: people have no attribute {column!r}")
            people = people[people[column].astype("str") == str(value)]
        return people["person_id"]
    if "people" in campaign:
        return pd.Series(list(campaign["people"]), dtype="str")
    if "list" in campaign:
        if paths is None:
            raise ConfigError("campaign lists need the client folder")
        frame = pd.read_csv(paths.resolve(campaign["list"]), dtype="str")
        if "email" not in frame.columns:
            raise ConfigError(f"campaign list {campaign['list']}: needs an `email` column")
        emails = normalise_emails(frame["email"])
        ids = ds.identities.assign(email=normalise_emails(ds.identities["email"])).dropna(subset=["email"])
        return ids[isin(ids["email"], emails)]["person_id"].drop_duplicates()
    raise ConfigError(f"campaign {campaign.get('name')!r}: give `segment: {{attribute: value}}` or `list: path/to/emails.csv`")


def campaign_uplift(ds: Dataset, targeted, *, start, weeks: int = 8, seed: int = 0) -> dict[str, float]:
    """Difference-in-differences uplift of a campaign starting ``start``, over ``weeks`` weeks either side.

    Per person, the change from the ``weeks`` before to the ``weeks`` after is measured two ways:
    the share of weeks active, and messages (posts + replies) per week. The uplift is the targeted
    people's mean change minus the untargeted people's; the interval is ±1.96 standard errors
    (Welch). Comparable people are the registered, non-bot, non-guest people not targeted who, like
    the targeted, had an account before the campaign.

    Returns
    -------
    dict
        ``targeted``, ``control``, ``uplift_active_rate``, ``ci_low``, ``ci_high``,
        ``uplift_messages_per_week``, ``msg_ci_low``, ``msg_ci_high``, ``reactivated``,
        ``retained_30``, ``retained_60``, ``retained_90``.
    """
    start = pd.Timestamp(start)
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    before, after = start - pd.Timedelta(weeks=weeks), start + pd.Timedelta(weeks=weeks)
    people = population(ds)
    people = people[people["state"].notna() & (people["joined_at"].isna() | (people["joined_at"] < start))]["person_id"]
    targeted = pd.Index(pd.Series(targeted, dtype="str")).intersection(people)
    control = pd.Index(people).difference(targeted)
    ev = interaction_events(ds)
    ev = ev[(ev["created_at"] >= before) & (ev["created_at"] < after + pd.Timedelta(days=120))]
    window = ev[ev["created_at"] < after]
    week = ((window["created_at"] - before) // pd.Timedelta(weeks=1)).astype("int64")
    per = pd.DataFrame({"person_id": window["person_id"], "post": week >= weeks, "week": week, "msg": window["kind"] != "reaction"})
    active_weeks = (
        per.drop_duplicates(["person_id", "week"])
        .groupby(["person_id", "post"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=[False, True], fill_value=0)
    )
    msgs = per[per["msg"]].groupby(["person_id", "post"]).size().unstack(fill_value=0).reindex(columns=[False, True], fill_value=0)

    def diff(table, ids):
        t = table.reindex(ids, fill_value=0)
        return ((t[True] - t[False]) / weeks).astype("float64")

    out: dict[str, float] = {"targeted": float(len(targeted)), "control": float(len(control))}
    for name, table, low, high in (
        ("uplift_active_rate", active_weeks, "ci_low", "ci_high"),
        ("uplift_messages_per_week", msgs, "msg_ci_low", "msg_ci_high"),
    ):
        dt_, dc = diff(table, targeted), diff(table, control)
        est = float(dt_.mean() - dc.mean()) if len(dt_) and len(dc) else float("nan")
        se = float(np.sqrt(dt_.var(ddof=1) / max(len(dt_), 1) + dc.var(ddof=1) / max(len(dc), 1))) if len(dt_) > 1 and len(dc) > 1 else float("nan")
        out.update({name: est, low: est - 1.96 * se, high: est + 1.96 * se})
    # Reactivated: targeted people inactive in the weeks before, active in the 30 days after the start.
    pre_active = ev.loc[ev["created_at"] < start, "person_id"].unique()
    first_after = ev[(ev["created_at"] >= start) & isin(ev["person_id"], targeted)].groupby("person_id")["created_at"].min()
    react = first_after[(first_after < start + pd.Timedelta(days=30)) & ~isin(first_after.index, pre_active)]
    out["reactivated"] = float(len(react))
    later = ev[isin(ev["person_id"], react.index)].join(react.rename("back"), on="person_id")
    gap = (later["created_at"] - later["back"]).dt.days
    for days in (30, 60, 90):
        kept = later.loc[(gap > days - 30) & (gap <= days), "person_id"].nunique()
        out[f"retained_{days}"] = kept / len(react) if len(react) else float("nan")
    return out


def write_contact_lists(ds: Dataset, lists: dict[str, pd.DataFrame], folder: Path, *, opt_outs=()) -> list[Path]:
    """Write contact lists with names and e-mails to ``folder`` (``restricted/``), Excel-safe, atomically.

    Each list's ``person_id`` column (and ``best_inviter``, when present) is resolved to name and
    e-mail through ``identities``; people whose e-mail is in ``opt_outs`` are left out entirely.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)  # names and e-mails: the owner only
    ids = ds.identities.sort_values("email", na_position="last").drop_duplicates("person_id").set_index("person_id")
    blocked = {normalise_email(o) for o in opt_outs}
    written = []
    for name, table in lists.items():
        t = table.copy()
        t.insert(1, "ref", dataset_refs(ds, t["person_id"]).to_numpy())  # the reference the reports show, clashes resolved among everyone
        # As strings even when no one has a name or an e-mail (a mapped empty table gives floats).
        t.insert(2, "name", t["person_id"].map(ids["name"]).astype("str"))
        t.insert(3, "email", t["person_id"].map(ids["email"]).astype("str"))
        if "best_inviter" in t.columns:
            t["inviter_ref"] = dataset_refs(ds, t["best_inviter"]).to_numpy()
            t["inviter_name"] = t["best_inviter"].map(ids["name"]).astype("str")
            t["inviter_email"] = t["best_inviter"].map(ids["email"]).astype("str")
            inviter_blocked = isin(normalise_emails(t["inviter_email"]), blocked)
            t.loc[inviter_blocked, ["inviter_name", "inviter_email"]] = None
        t = t[~isin(normalise_emails(t["email"]), blocked)]
        written.append(write_client_csv(t.drop(columns=[c for c in ("person_id", "best_inviter") if c in t.columns]), folder / f"{name}.csv"))
    return written


@dataclasses.dataclass
class Reactivation:
    champions: pd.DataFrame
    seed_communities: pd.DataFrame
    invite_back: pd.DataFrame
    comms_targets: pd.DataFrame
    never_activated: float  # a count; NaN when the data cannot tell
    campaigns: pd.DataFrame
    contact_lists: list[Path]
    lapsed: float  # a count, NaN when the data cannot tell; the KPI: every lapsed person; invite_back lists those who still have an account
    never: pd.DataFrame
    silent: pd.DataFrame  # adoption.silent_heavy_contributors: the heavy contributors who went silent
    as_of: str = ""
    inactive_days: int = 90
    healthy: int = 0  # the healthy-communities KPI, of which the seed communities are the busiest
    people: int = 0  # people counted in the figures (the data profile): a small network lists fewer
    unit: str = "threads"  # the data's unit of conversation (ctx.profile.unit()): labels and sentences use it


def build_reactivation(ctx: StepContext, *, write_lists: bool = False) -> Reactivation:
    """Champions, seed communities, invite-back and comms targets; pure unless ``write_lists`` (``esnkit run`` writes them)."""
    r = ctx.ds.cached("step:reactivate", ctx.key, lambda: _build_reactivation(ctx))
    if write_lists:
        r = dataclasses.replace(r, contact_lists=save_contact_lists(ctx, r))
    return r


def save_contact_lists(ctx: StepContext, r: Reactivation) -> list[Path]:
    """Write the restricted contact lists (names and e-mails, opt-outs removed) for the client's comms team."""
    return write_contact_lists(
        ctx.ds,
        {
            "invite-back": r.invite_back.head(200)[
                ["rank", "person_id", "department", "last_active", "n_messages", "cause", "best_inviter", "reason"]
            ],
            "champions": r.champions[["person_id", "department", "role", "reason"]],
            "never-activated": r.never[["person_id", "department", "location"]],
            "silent-heavy-contributors": r.silent[["person_id", "department", "last_active", "n_messages", "main_community"]],
            "key-people": named_people(ctx),
        },
        ctx.paths.restricted,
        opt_outs=ctx.config.opt_outs,
    )


def _build_reactivation(ctx: StepContext) -> Reactivation:
    ds, as_of = ctx.ds, ctx.as_of
    individuals = network.key_individuals(ds, as_of=as_of)
    days = person_days(ds, as_of=as_of)
    ids = ds.people["person_id"].to_numpy()
    active = ids[people_seen(ds, days, from_day=day_number(as_of_end(as_of) - pd.Timedelta(days=ctx.inactive_days)))]
    champs = champions(individuals, active)
    scorecard = communities.community_scorecard(ds, as_of=as_of)
    invites = invite_back(ds, as_of=as_of, inactive_days=ctx.inactive_days)
    never = population(ds)
    rows = population_rows(ds)
    never = never[~people_seen(ds, days)[rows] & ~closed_accounts(ds)[rows]]  # the never_activated KPI's people
    rows = []
    for c in ctx.config.campaigns:
        if "start" not in c:
            raise ConfigError(f"campaign {c.get('name', '?')!r}: `start` (a date) is required")
        r = campaign_uplift(ds, _campaign_people(ds, c, ctx.paths), start=c["start"], weeks=int(c.get("weeks", 8)))
        rows.append({"campaign": str(c.get("name", "campaign")), "start": str(c["start"]), **r})
    campaigns = pd.DataFrame(rows) if rows else pd.DataFrame({"campaign": pd.Series(dtype="str")})
    values = kpis.kpi_values(ds, as_of=as_of, inactive_days=ctx.inactive_days, which=["lapsed", "never_activated", "healthy_communities"])
    return Reactivation(
        champs,
        seed_communities(scorecard),
        invites,
        comms_targets(ds, as_of=as_of, min_group_size=ctx.min_group_size),
        values["never_activated"],  # NaN where the data cannot tell (usage reports alone)
        campaigns,
        [],
        values["lapsed"],
        never,
        silent_heavy(ctx),
        as_of.isoformat(),
        ctx.inactive_days,
        int(np.nan_to_num(values["healthy_communities"])),
        ctx.profile.people,
        ctx.profile.unit(),
    )


#: How many of the people to invite back personally step 3 lists (all of them are in restricted/invite-back.csv).
INVITE_LISTED = 20


def invite_back_listed(r: Reactivation) -> pd.DataFrame:
    """The people step 3 lists to invite back personally: those whose communities carried on, best first;
    :data:`INVITE_LISTED` of them, and in a small network at most a tenth of its people (:func:`esnkit.profile.ranked_count`)."""
    listed = ranked_count(r.people, INVITE_LISTED) if r.people else INVITE_LISTED
    return r.invite_back[r.invite_back["cause"] == "personal"].head(listed).reset_index(drop=True)


def silent_heavy(ctx: StepContext) -> pd.DataFrame:
    """:func:`esnkit.metrics.adoption.silent_heavy_contributors` with the name of the community each wrote in most."""
    silent = adoption.silent_heavy_contributors(ctx.ds, as_of=ctx.as_of, inactive_days=ctx.inactive_days)
    return silent.assign(main_community=ctx.group_names(silent["main_group_id"]).to_numpy())


def reactivation_summary(r: Reactivation, *, client: str) -> Told:
    """The step's summary, each sentence written from its numbers, each figure a registered measure."""
    f = Figures("summary", as_of=r.as_of, unit=r.unit)
    lines = []
    bridging = int((r.champions["cross_department_ties"] > 0).sum()) if len(r.champions) else 0
    if len(r.champions) == 0:
        lines.append("- **No champion stands out yet**: no one active recently holds a key role in the network of ties.")
    elif bridging:
        lines.append(
            f"- **{f('champions', len(r.champions))} champions** are active now; {f('champions_bridging', bridging)} of them reach into "
            "other departments: start with them."
        )
    else:
        lines.append(f"- **{f('champions', len(r.champions))} champions** are active now and reach the most people: start with them.")
    if len(r.seed_communities):
        lines.append(
            f"- **{f('seed_communities', len(r.seed_communities))} seed communities**, those with the most active members of the "
            f"{f('healthy_communities', r.healthy)} growing or thriving: build buzz there before inviting others."
        )
    else:
        lines.append("- **No community is growing or thriving** to seed from: start with the champions' own conversations.")
    if r.lapsed > 0:
        listed = len(invite_back_listed(r))
        lines.append(
            f"- **{f('lapsed', r.lapsed)} {'person has' if r.lapsed == 1 else 'people have'} lapsed** (no activity for "
            f"{f.term(f'{r.inactive_days}+')} days); {f('invite_back', len(r.invite_back))} still have an account and can be invited "
            + (
                f"back: the {f('invite_back_listed', listed)} to invite personally first are listed below with the colleague best placed to ask them."
                if listed
                else "back."
            )
        )
        causes = r.invite_back["cause"].value_counts()
        if len(r.invite_back):
            lines.append(
                f"- **Why they stopped**: {f('lapse_personal', causes.get('personal', 0))} went quiet while their communities carried on "
                f"(invite them personally, below); {f('lapse_community', causes.get('community', 0))} left with communities that went "
                f"quiet (revive or move the community: step 4); {f('lapse_one_off', causes.get('one-off', 0))} wrote only once (an "
                "onboarding nudge, not a personal call)."
            )
        if cluster := adoption.stop_cluster(r.silent, as_of=r.as_of, inactive_days=r.inactive_days):
            month = cluster[0].strftime("%B %Y")
            lines.append(
                f"- **{f('silent_heavy_stopped_in_month', cluster[1], window=month)} of the {f('silent_heavy_contributors', len(r.silent))} "
                f"heavy contributors who went silent stopped in {month}**: ask what changed that month."
            )
    elif np.isnan(r.lapsed):
        lines.append("- **Who has lapsed cannot be told from these data**: usage reports give no day of anyone's last activity.")
    else:
        lines.append(f"- **No one has lapsed**: everyone who took part was active in the last {f.term(str(r.inactive_days))} days.")
    top = r.comms_targets.head(3)

    def never() -> str:  # recorded only where it is printed
        return f"{f('never_activated', r.never_activated)} {'person has' if r.never_activated == 1 else 'people have'} never taken part"

    if len(top):
        targets = ", ".join(
            f"{f.name(escape_md(v))} ({f('never_activated', n, segment={a: str(v)})} never active)"
            for a, v, n in zip(top["attribute"], top["value"], top["never_active"])
        )
        lines.append(f"- **{never()}**; above-the-line comms should aim first at {targets}.")
    elif r.never_activated > 0:
        lines.append(f"- **{never()}**; no department or location reaches the privacy floor, so comms go to everyone alike.")
    elif np.isnan(r.never_activated):
        lines.append("- **Who has never taken part cannot be told from these data**: usage reports cover their own period, not all time.")
    else:
        lines.append("- **Everyone has taken part at least once.**")
    lines.append(f"- Contact lists with names for {f.name(escape_md(client))}'s comms team are kept in a restricted folder, apart from this report.")
    return Told("\n".join(lines), f)
