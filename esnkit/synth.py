"""A seeded generator of realistic client data, written as REAL vendor files.

:func:`write_demo_client` writes a Viva Engage network export zip, an HR roster CSV, a survey CSV
and coded interview notes, plus ``client.yml``. The data tell the story clients live:

- a launch spike, then a long decline to roughly a third of the peak;
- a few thriving communities among many declining, idle and dormant ones;
- one department (Legal, by default) that only talks to itself;
- a handful of connectors who belong to many communities across departments;
- once-active people who lapsed; people on the roster who never joined;
- questions left unanswered, more so in declining communities.

Everything is drawn from one ``numpy`` generator seeded by ``seed``: the same seed gives the same
files, byte for byte. Generation is vectorised per community, never per message, so the same code
writes the benchmark clients of ``benchmarks/run.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ._io import atomic_path, atomic_write

__all__ = ["SynthSpec", "generate", "write_demo_client", "Story", "SHAPES", "shape_spec", "shape_tables", "write_shape_client"]

DEPARTMENTS = [
    ("Engineering", 0.20),
    ("Sales", 0.14),
    ("Operations", 0.12),
    ("Customer Service", 0.11),
    ("Marketing", 0.08),
    ("Finance", 0.07),
    ("IT", 0.07),
    ("Research", 0.06),
    ("HR", 0.05),
    ("Procurement", 0.04),
    ("Legal", 0.03),
    ("Facilities", 0.03),
]
LOCATIONS = [("London", 0.35), ("Leeds", 0.2), ("Manchester", 0.15), ("Dublin", 0.12), ("Berlin", 0.1), ("Remote", 0.08)]
TITLES = ["Analyst", "Engineer", "Manager", "Specialist", "Coordinator", "Consultant", "Director", "Associate", "Lead", "Advisor"]
FIRST = [
    "Alex",
    "Sam",
    "Jordan",
    "Priya",
    "Chen",
    "Fatima",
    "Liam",
    "Olivia",
    "Noah",
    "Amara",
    "Mateo",
    "Sofia",
    "Yusuf",
    "Hannah",
    "Kofi",
    "Ines",
    "Ravi",
    "Maya",
    "Tomasz",
    "Aoife",
    "Ben",
    "Zara",
    "Luca",
    "Nia",
    "Omar",
    "Elena",
]
LAST = [
    "Smith",
    "Patel",
    "Nguyen",
    "Okafor",
    "Garcia",
    "Kowalski",
    "Murphy",
    "Schmidt",
    "Khan",
    "Rossi",
    "Jones",
    "Dubois",
    "Silva",
    "Brown",
    "Haddad",
    "Novak",
    "Walsh",
    "Ito",
    "Mensah",
    "Larsen",
]
TOPICS = [
    "the Q3 roadmap",
    "expense approvals",
    "the new CRM",
    "hybrid working",
    "onboarding",
    "the safety audit",
    "customer feedback",
    "our sustainability goals",
    "the data platform",
    "team offsites",
    "the pricing change",
    "release notes",
    "supplier onboarding",
    "the wellbeing week",
    "sales enablement",
    "the intranet move",
]
COMMUNITY_WORDS = ["Hub", "Network", "Community", "Circle", "Forum", "Guild", "Q&A", "Updates", "Corner", "Lab"]
THEMES = [
    "All-company news",
    "Innovation",
    "Wellbeing",
    "Women in Tech",
    "Customer Stories",
    "Sustainability",
    "Agile Practice",
    "New Joiners",
    "Data & Analytics",
    "Remote Workers",
    "Learning",
    "Safety",
    "Tech Help",
    "Sales Wins",
    "Product Ideas",
    "Mentoring",
    "Green Team",
    "Book Club",
    "Running Club",
    "Photography",
]
STATUSES = ["thriving", "growing", "stable", "declining", "idle", "dormant"]
DOMAIN = "demo-corp.example"
GUEST_DOMAIN = "partner-agency.example"


@dataclasses.dataclass(frozen=True)
class SynthSpec:
    """What to generate. ``messages_per_person`` scales the volume (about 15 by default)."""

    n_people: int = 2000
    months: int = 24
    end: dt.date = dt.date(2026, 9, 30)
    seed: int = 0
    messages_per_person: float = 15.0
    roster_extra: float = 0.2  # roster people who never joined, as a share of platform users
    silo_department: str = "Legal"
    n_connectors: int = 6
    # Viva Engage exports carry no reactions; the canonical benchmark clients do.
    reactions_per_message: float = 0.0


@dataclasses.dataclass
class Story:
    """The planted truth, for tests and for checking what the analysis recovers (source user ids)."""

    connectors: list[str]
    silo_department: str
    lapsed: list[str]
    group_status: dict[str, str]
    launch: dt.date
    end: dt.date


def _choice(rng: np.random.Generator, items: list[tuple[str, float]], n: int) -> np.ndarray:
    names = np.array([i[0] for i in items], dtype=object)
    p = np.array([i[1] for i in items], dtype=float)
    return names[rng.choice(len(names), size=n, p=p / p.sum())]


def _network_curve(months: int) -> np.ndarray:
    """Share of peak activity by month: a launch spike, then decline to about a third."""
    m = np.arange(months, dtype=float)
    ramp = np.minimum(1.0, (m + 1) / 2.0)
    decay = 0.25 + 0.75 * np.exp(-np.maximum(m - 2, 0) / 4.0)
    return ramp * decay


def _group_curve(status: str, months: int, rng: np.random.Generator) -> np.ndarray:
    net = _network_curve(months)
    m = np.arange(months, dtype=float)
    if status == "thriving":
        return np.clip(0.8 + 0.2 * m / months + rng.normal(0, 0.04, months), 0.5, None)
    if status == "growing":
        return 0.15 + 1.6 * np.clip((m - months * 0.4) / (months * 0.6), 0, 1) ** 2
    if status == "stable":
        return np.full(months, 0.35)
    if status == "declining":
        return net * 1.5 * np.clip(1.2 - m / months, 0.15, None)
    if status == "idle":
        return np.where(m < 3, 0.8 * net, 0.015)
    dormant_from = months - rng.integers(5, min(10, months - 2))
    return np.where(m < dormant_from, net * 1.2, 0.0)


def _pick_active(rng, members, weight, month, join_month, lapse_month, rounds: int = 30):
    """For each event month, a member drawn by ``weight`` among those active that month.

    Rejection sampling: draw from the static weights, redraw the picks who were not active that
    month, up to ``rounds`` times. Cost grows with the number of events, not events x members.
    Returns the picks and a mask of those that found an active member (others keep a random pick).
    """
    p = weight[members].astype(float)
    p = p / p.sum() if p.sum() > 0 else np.full(len(members), 1 / len(members))
    picks = members[rng.choice(len(members), size=len(month), p=p)]
    ok = (join_month[picks] <= month) & (lapse_month[picks] > month)
    for _ in range(rounds):
        todo = np.flatnonzero(~ok)
        if len(todo) == 0:
            break
        picks[todo] = members[rng.choice(len(members), size=len(todo), p=p)]
        ok[todo] = (join_month[picks[todo]] <= month[todo]) & (lapse_month[picks[todo]] > month[todo])
    return picks, ok


def _api_time(ts: pd.Series) -> pd.Series:
    return ts.dt.strftime("%Y/%m/%d %H:%M:%S +0000")


def generate(spec: SynthSpec = SynthSpec()) -> tuple[dict[str, pd.DataFrame], Story]:
    """Draw the client's raw tables (vendor-shaped, with real names and e-mails) and the planted story."""
    rng = np.random.default_rng(spec.seed)
    n, months = spec.n_people, spec.months
    # All times are naive UTC numpy datetime64[s] until written.
    end = np.datetime64(spec.end + dt.timedelta(days=1), "s") - np.timedelta64(1, "s")
    launch = pd.Timestamp(spec.end) + pd.Timedelta(days=1) - pd.DateOffset(months=months)
    month_starts = pd.date_range(launch, periods=months, freq=pd.DateOffset(months=1)).to_numpy().astype("datetime64[s]")

    # -- people: platform users plus roster-only people --------------------------------------
    n_roster = round(n * (1 + spec.roster_extra))
    dept = _choice(rng, DEPARTMENTS, n_roster)
    loc = _choice(rng, LOCATIONS, n_roster)
    first = np.array(FIRST, dtype=object)[rng.integers(0, len(FIRST), n_roster)]
    last = np.array(LAST, dtype=object)[rng.integers(0, len(LAST), n_roster)]
    idx = np.arange(n_roster)
    names = first + " " + last
    emails = pd.Series(first).str.lower() + "." + pd.Series(last).str.lower() + "." + pd.Series(idx).astype(str) + "@" + DOMAIN
    emails = emails.to_numpy(dtype=object)
    on_platform = np.zeros(n_roster, dtype=bool)
    on_platform[rng.permutation(n_roster)[:n]] = True
    uid = (1_500_000_000 + rng.permutation(10 * n_roster)[:n_roster]).astype(np.int64)
    guests = on_platform & (rng.random(n_roster) < 0.02)
    emails = np.where(guests, pd.Series(first).str.lower() + "." + pd.Series(idx).astype(str) + "@" + GUEST_DOMAIN, emails)
    propensity = rng.lognormal(0.0, 1.3, n_roster)
    # When each person starts: most at launch, the rest trickle in.
    join_month = np.where(rng.random(n_roster) < 0.55, rng.integers(0, 3, n_roster), rng.integers(0, months, n_roster))
    # Lapsers: once-active people who stop; a quarter of early joiners.
    lapse_month = np.full(n_roster, months + 99)
    lapsers = on_platform & (join_month < 6) & (rng.random(n_roster) < 0.25) & (propensity > 0.6)
    lapse_month[lapsers] = rng.integers(6, max(7, months - 5), lapsers.sum())
    never_posts = on_platform & (rng.random(n_roster) < 0.35) & ~lapsers  # readers only
    propensity[never_posts] = 0.0
    # Silo: the silo department's people only take part in its own communities.
    silo = dept == spec.silo_department
    # Connectors: well-spread, very active people from different (non-silo) departments.
    candidates = np.flatnonzero(on_platform & ~silo & ~guests & (join_month < 3) & ~lapsers)
    by_dept = pd.Series(candidates).groupby(dept[candidates]).first().to_numpy()
    connectors = np.sort(rng.permutation(by_dept)[: spec.n_connectors]) if len(by_dept) else np.array([], dtype=int)
    propensity[connectors] = np.maximum(propensity[connectors], 6.0)
    lapse_month[connectors] = months + 99

    # -- communities -------------------------------------------------------------------------
    n_groups = max(12, n // 50)
    quotas = {"thriving": 0.08, "growing": 0.06, "stable": 0.14, "declining": 0.32, "idle": 0.22, "dormant": 0.18}
    status = np.repeat(list(quotas), [max(1, round(q * n_groups)) for q in quotas.values()])[:n_groups]
    status = np.concatenate([status, np.repeat("declining", n_groups - len(status))])
    status = rng.permutation(status)
    dept_names = [d for d, _ in DEPARTMENTS]
    home = np.array(dept_names, dtype=object)[rng.integers(0, len(dept_names), n_groups)]
    home[rng.random(n_groups) < 0.3] = None  # cross-department communities
    silo_groups = np.flatnonzero(home == spec.silo_department)
    if len(silo_groups) == 0:
        home[n_groups - 1] = spec.silo_department
        silo_groups = np.array([n_groups - 1])
    status[silo_groups] = "stable"
    gid = (10_000_000 + np.arange(n_groups) * 37 + rng.integers(0, 30, n_groups)).astype(np.int64)
    gname = [
        (
            f"{home[g]} {COMMUNITY_WORDS[g % len(COMMUNITY_WORDS)]}"
            if home[g]
            else THEMES[g % len(THEMES)] + ("" if g < len(THEMES) else f" {g // len(THEMES) + 1}")
        )
        + ("" if home[g] is None else f" {g}")
        for g in range(n_groups)
    ]
    base_threads = spec.messages_per_person * n / 2.6 / n_groups / months  # threads per group-month at curve 1
    size_weight = rng.lognormal(0, 0.6, n_groups)
    rows_t = []
    members_of: list[np.ndarray] = []
    platform_idx = np.flatnonzero(on_platform)
    for g in range(n_groups):
        if home[g] == spec.silo_department:
            pool = platform_idx[silo[platform_idx]]
            members = pool
        else:
            non_silo = platform_idx[~silo[platform_idx]]
            size = int(np.clip(rng.lognormal(np.log(max(8, n / 25)), 0.6), 6, len(non_silo)))
            if home[g] is not None:
                local = non_silo[dept[non_silo] == home[g]]
                k_local = min(len(local), int(size * 0.75))
                members = np.concatenate(
                    [rng.choice(local, k_local, replace=False) if k_local else np.array([], int), rng.choice(non_silo, size - k_local, replace=False)]
                )
            else:
                members = rng.choice(non_silo, size, replace=False)
            members = np.union1d(members, connectors)
        members = np.unique(members)
        members_of.append(members)
        curve = _group_curve(status[g], months, rng)
        mean = base_threads * size_weight[g] * curve * (1.6 if status[g] == "thriving" else 1.0)
        # Healthy communities post steadily; the rest are bursty.
        counts = np.rint(mean).astype(int) if status[g] in ("thriving", "growing") else rng.poisson(mean)
        total = int(counts.sum())
        if total == 0 or len(members) == 0:
            continue
        month = np.repeat(np.arange(months), counts)
        t0 = month_starts[month] + (rng.random(total) * 28 * 86400).astype("timedelta64[s]")
        # Starter: an active member that month, weighted by propensity.
        starters, ok = _pick_active(rng, members, propensity, month, join_month, lapse_month)
        starters = starters[ok]
        answered_p = {"thriving": 0.92, "growing": 0.85, "stable": 0.7, "declining": 0.45, "idle": 0.3, "dormant": 0.5}[status[g]]
        mean_replies = {"thriving": 3.5, "growing": 3.0, "stable": 2.0, "declining": 1.4, "idle": 1.0, "dormant": 1.5}[status[g]]
        delay_h = {"thriving": 2.0, "growing": 3.0, "stable": 8.0, "declining": 30.0, "idle": 48.0, "dormant": 20.0}[status[g]]
        n_rep = np.where(rng.random(ok.sum()) < answered_p, 1 + rng.poisson(mean_replies - 1, ok.sum()), 0)
        rows_t.append(
            pd.DataFrame(
                {
                    "group": g,
                    "month": month[ok],
                    "created": t0[ok],
                    "starter": starters,
                    "n_replies": n_rep,
                    "question": rng.random(ok.sum()) < 0.3,
                    "delay_h": delay_h,
                }
            )
        )
    threads = pd.concat(rows_t, ignore_index=True)
    threads = threads[threads["created"] <= end].reset_index(drop=True)

    # Replies: members of the thread's group active that month, weighted (connectors reply a lot).
    rep_thread = np.repeat(np.arange(len(threads)), threads["n_replies"].to_numpy())
    rep_group = threads["group"].to_numpy()[rep_thread]
    rep_month = threads["month"].to_numpy()[rep_thread]
    repliers = np.empty(len(rep_thread), dtype=np.int64)
    order = np.argsort(rep_group, kind="stable")
    bounds = np.searchsorted(rep_group[order], np.arange(n_groups + 1))
    reply_weight = np.where(np.isin(np.arange(n_roster), connectors), 12.0, 1.0) * (propensity + 0.05)
    for g in range(n_groups):
        sel = order[bounds[g] : bounds[g + 1]]
        if len(sel) == 0:
            continue
        repliers[sel], _ = _pick_active(rng, members_of[g], reply_weight, rep_month[sel], join_month, lapse_month)
    delays = rng.exponential(threads["delay_h"].to_numpy()[rep_thread]) * 3600 + np.arange(len(rep_thread)) % 7 * 60
    rep_created = threads["created"].to_numpy()[rep_thread] + delays.astype("timedelta64[s]")

    # The launch: welcome threads in the busiest cross-department community, where half of the
    # early joiners say hello once. This is the spike that later fades.
    launch_group = int(np.argmax(np.where(home == None, size_weight, 0.0)))  # noqa: E711
    n_welcome = max(3, n // 100)
    w_month = rng.integers(0, 3, n_welcome)
    welcome = pd.DataFrame(
        {
            "group": launch_group,
            "month": w_month,
            "created": month_starts[w_month] + (rng.random(n_welcome) * 20 * 86400).astype("timedelta64[s]"),
            "starter": rng.choice(connectors if len(connectors) else platform_idx, n_welcome),
            "n_replies": 0,
            "question": False,
            "delay_h": 24.0,
        }
    )
    hello = np.flatnonzero(on_platform & ~silo & (join_month < 3) & (rng.random(n_roster) < 0.55))
    hello_thread = rng.integers(0, n_welcome, len(hello))
    welcome["n_replies"] = np.bincount(hello_thread, minlength=n_welcome)
    order_h = np.argsort(hello_thread, kind="stable")
    hello, hello_thread = hello[order_h], hello_thread[order_h]
    first_welcome = len(threads)
    threads = pd.concat([threads, welcome], ignore_index=True)
    hello_created = welcome["created"].to_numpy()[hello_thread] + (rng.exponential(72, len(hello)) * 3600).astype("timedelta64[s]")
    rep_thread = np.concatenate([rep_thread, first_welcome + hello_thread])
    rep_group = np.concatenate([rep_group, np.full(len(hello), launch_group)])
    repliers = np.concatenate([repliers, hello])
    rep_created = np.concatenate([rep_created.astype("datetime64[s]"), hello_created.astype("datetime64[s]")])
    members_of[launch_group] = np.union1d(members_of[launch_group], hello)

    # Private conversations: pairs mostly within a department.
    n_dm = max(1, int(n * spec.messages_per_person / 30))
    a = rng.choice(platform_idx, n_dm, p=(propensity[platform_idx] + 0.1) / (propensity[platform_idx] + 0.1).sum())
    # A colleague from the same department (always, for the silo: it talks to no one outside).
    dept_code = pd.factorize(dept)[0]
    by_dept = platform_idx[np.argsort(dept_code[platform_idx], kind="stable")]
    first = np.searchsorted(dept_code[by_dept], np.arange(dept_code.max() + 1))
    size = np.bincount(dept_code[by_dept], minlength=dept_code.max() + 1)
    same = by_dept[first[dept_code[a]] + (rng.random(n_dm) * size[dept_code[a]]).astype(np.int64)]
    anyone = platform_idx[rng.integers(0, len(platform_idx), n_dm)]
    b = np.where((rng.random(n_dm) < 0.7) | silo[a] | silo[anyone], same, anyone)
    keep = b != a
    a, b = a[keep], b[keep]
    n_dm = len(a)
    net = _network_curve(months)
    dm_month = rng.choice(months, n_dm, p=net / net.sum())
    dm_created = month_starts[dm_month] + (rng.random(n_dm) * 28 * 86400).astype("timedelta64[s]")
    dm_alive = (lapse_month[a] > dm_month) & (join_month[a] <= dm_month) & (dm_created <= end)
    a, b, dm_created = a[dm_alive], b[dm_alive], dm_created[dm_alive]
    n_dm = len(a)

    # -- assemble Messages.csv ---------------------------------------------------------------
    n_t, n_r = len(threads), len(rep_thread)
    msg_id = (2_000_000_000 + np.arange(n_t + n_r + 2 * n_dm) * 11).astype(np.int64)
    t_ids = msg_id[:n_t]
    dm_root = msg_id[n_t + n_r : n_t + n_r + n_dm]
    topic = np.array(TOPICS, dtype=object)
    t_topic = topic[rng.integers(0, len(topic), n_t)]
    t_body = np.where(
        threads["question"],
        "Does anyone know how we handle " + t_topic + "?\nAny pointers welcome.",
        "Sharing an update on " + t_topic + ': "early results" look good.\nThoughts?',
    )
    mention_t = rng.random(n_t) < 0.06
    t_body = np.where(mention_t, t_body + " cc [[user:" + uid[threads["starter"].to_numpy()[::-1][:n_t]].astype(str) + "]]", t_body)
    r_body = np.where(
        rng.random(n_r) < 0.2,
        "Thanks [[user:" + uid[threads["starter"].to_numpy()[rep_thread]].astype(str) + "]], this helps.",
        "Good point on " + t_topic[rep_thread] + ".",
    )
    g_idx = np.concatenate([threads["group"].to_numpy(), rep_group])
    created_all = pd.Series(
        np.concatenate(
            [
                threads["created"].to_numpy().astype("datetime64[s]"),
                rep_created.astype("datetime64[s]"),
                dm_created,
                dm_created + (rng.exponential(5, n_dm) * 3600).astype("timedelta64[s]"),
            ]
        )
    )
    sender = np.concatenate([threads["starter"].to_numpy(), repliers, a, b])
    group_col = np.concatenate([gid[g_idx].astype(str), np.full(2 * n_dm, "", dtype=object)])
    gname_arr = np.array(gname, dtype=object)
    group_name_col = np.concatenate([gname_arr[g_idx], np.full(2 * n_dm, "", dtype=object)])
    private_group = np.concatenate([np.zeros(n_t + n_r, bool), np.zeros(2 * n_dm, bool)])
    messages = pd.DataFrame(
        {
            "id": msg_id.astype(str),
            "replied_to_id": np.concatenate(
                [np.full(n_t, "", object), t_ids[rep_thread].astype(str), np.full(n_dm, "", object), dm_root.astype(str)]
            ),
            "thread_id": np.concatenate([t_ids, t_ids[rep_thread], dm_root, dm_root]).astype(str),
            "conversation_id": np.concatenate([t_ids, t_ids[rep_thread], dm_root, dm_root]).astype(str),
            "group_id": group_col,
            "group_name": group_name_col,
            "participants": np.concatenate(
                [
                    np.full(n_t + n_r, "", object),
                    "user:" + uid[a].astype(str) + ",user:" + uid[b].astype(str),
                    "user:" + uid[a].astype(str) + ",user:" + uid[b].astype(str),
                ]
            ),
            "in_private_group": np.where(private_group, "true", "false"),
            "in_private_conversation": np.concatenate([np.full(n_t + n_r, "false", object), np.full(2 * n_dm, "true", object)]),
            "sender_id": uid[sender].astype(str),
            "sender_type": "user",
            "sender_name": names[sender],
            "sender_email": emails[sender],
            "body": np.concatenate(
                [
                    t_body,
                    r_body,
                    np.full(n_dm, "Hi, quick question about ", object) + topic[rng.integers(0, len(topic), n_dm)],
                    np.full(n_dm, "Sure - will do.", object),
                ]
            ),
            "api_url": "",
            "attachments": "",
            "deleted_by_id": "",
            "deleted_by_type": "",
            "created_at": _api_time(created_all),
            "deleted_at": "",
            "message_type": np.concatenate([np.where(threads["question"], "question", "update"), np.full(n_r + 2 * n_dm, "update", object)]),
        }
    )
    # Ids grow with time, as on the real platform.
    rank = created_all.rank(method="first").astype("int64").to_numpy() - 1
    remap = pd.Series((2_000_000_000 + rank * 11).astype(str), index=messages["id"].to_numpy())
    for column in ("id", "thread_id", "conversation_id"):
        messages[column] = messages[column].map(remap)
    messages["replied_to_id"] = messages["replied_to_id"].map(remap).fillna("")
    messages = messages[(created_all <= end).to_numpy()]
    deleted = rng.random(len(messages)) < 0.01
    messages.loc[deleted, "deleted_at"] = messages.loc[deleted, "created_at"]
    messages.loc[deleted, "deleted_by_id"] = messages.loc[deleted, "sender_id"]
    messages.loc[deleted, "deleted_by_type"] = "user"
    messages = messages.sort_values("id", kind="stable").reset_index(drop=True)
    reactions = (
        _reactions(rng, messages, spec, gid, members_of, reply_weight, join_month, lapse_month, month_starts, uid)
        if spec.reactions_per_message > 0
        else None
    )

    # -- Users.csv, Groups.csv ---------------------------------------------------------------
    users_idx = np.flatnonzero(on_platform)
    n_u = len(users_idx)
    u_state = np.full(n_u, "active", dtype=object)
    suspended_at = np.full(n_u, "", dtype=object)
    deleted_at = np.full(n_u, "", dtype=object)
    r = rng.random(n_u)
    left = lapsers[users_idx] & (r < 0.25)
    susp = ~left & (r > 0.97)
    pending = (propensity[users_idx] == 0) & (r < 0.08) & ~np.isin(users_idx, np.unique(sender))
    u_state[left | susp | pending] = "soft_delete"
    leave_time = month_starts[np.minimum(lapse_month[users_idx][left] + 1, months - 1)]
    deleted_at[left] = _api_time(pd.Series(leave_time)).to_numpy()
    suspended_at[susp] = _api_time(pd.Series(np.full(int(susp.sum()), end - np.timedelta64(30 * 86400, "s")))).to_numpy()
    joined = month_starts[join_month[users_idx]] + (rng.random(n_u) * 86400 * 5).astype("timedelta64[s]")
    users = pd.DataFrame(
        {
            "id": uid[users_idx].astype(str),
            "name": names[users_idx],
            "email": emails[users_idx],
            "job_title": np.array(TITLES, dtype=object)[rng.integers(0, len(TITLES), n_u)],
            "location": loc[users_idx],
            "department": dept[users_idx],
            "api_url": "https://www.yammer.com/api/v1/users/" + pd.Series(uid[users_idx]).astype(str),
            "deleted_by_id": np.where(left, "1", ""),
            "deleted_by_type": np.where(left, "user", ""),
            "joined_at": _api_time(pd.Series(joined)),
            "deleted_at": deleted_at,
            "suspended_by_id": np.where(susp, "1", ""),
            "suspended_by_type": np.where(susp, "user", ""),
            "suspended_at": suspended_at,
            "guid": [f"{i:08x}-0000-4000-8000-{i:012x}" for i in uid[users_idx]],
            "state": u_state,
        }
    )
    groups = pd.DataFrame(
        {
            "id": gid.astype(str),
            "name": gname,
            "description": [f"A place for {x}" for x in gname],
            "private": np.where(rng.random(n_groups) < 0.15, "true", "false"),
            "external": "false",
            "deleted": "false",
            "created_at": _api_time(
                _created_before_first_message(month_starts[0] + rng.integers(0, 20 * 86400, n_groups).astype("timedelta64[s]"), gid, messages)
            ),
            "updated_at": _api_time(pd.Series(np.full(n_groups, end))),
        }
    )

    # -- roster, survey, interviews ----------------------------------------------------------
    mgr = rng.integers(0, n_roster, n_roster)
    roster = pd.DataFrame(
        {
            "employee_id": [f"E{i:06d}" for i in idx],
            "full_name": names,
            "email": emails,
            "department": dept,
            "location": loc,
            "job_title": np.array(TITLES, dtype=object)[rng.integers(0, len(TITLES), n_roster)],
            "grade": _choice(rng, [("G1", 0.3), ("G2", 0.3), ("G3", 0.25), ("G4", 0.12), ("G5", 0.03)], n_roster),
            "manager_email": emails[mgr],
            "start_date": (pd.Timestamp(spec.end) - pd.to_timedelta(rng.integers(30, 3650, n_roster), unit="D")).strftime("%Y-%m-%d"),
        }
    )[~guests].reset_index(drop=True)
    active_level = np.log1p(propensity) * np.where(lapse_month < months, 0.4, 1.0)
    resp = np.flatnonzero(~guests & (rng.random(n_roster) < 0.3))
    qs = [
        "I can find the information I need on Engage",
        "Leaders are visible on Engage",
        "Engage helps me do my job",
        "I feel comfortable posting on Engage",
        "I know which community to use",
        "Engage is worth my time",
    ]
    survey = pd.DataFrame(
        {
            "email": np.where(rng.random(len(resp)) < 0.4, "", emails[resp]),
            "department": dept[resp],
            "tenure": _choice(rng, [("<1 year", 0.2), ("1-3 years", 0.35), ("3-10 years", 0.3), ("10+ years", 0.15)], len(resp)),
        }
    )
    for j, q in enumerate(qs):
        mean = 2.6 + 0.5 * active_level[resp] + (0.3 if j in (0, 3) else -0.2 if j == 1 else 0.0)
        survey[q] = np.clip(np.rint(rng.normal(mean, 0.9)), 1, 5).astype(int)
    themes = [
        ("champion", "relevance", "positive", "Our community answers questions faster than e-mail ever did."),
        ("champion", "recognition", "mixed", "I post a lot but nobody from leadership ever reacts."),
        ("lurker", "confidence", "negative", "I read everything but I worry about posting something wrong."),
        ("lurker", "information overload", "negative", "There are too many groups; I don't know where things go."),
        ("lapsed", "tool confusion", "negative", "Once Teams arrived, I stopped opening Engage."),
        ("lapsed", "relevance", "negative", "The group I used went quiet so I stopped checking."),
        ("never joined", "awareness", "neutral", "Nobody told me what it was for."),
        ("never joined", "access", "negative", "I work on the shop floor and have no laptop."),
        ("leader", "leadership absence", "mixed", "I know I should post more; I don't have time."),
        ("leader", "strategy", "positive", "The town-hall Q&A thread was the best feedback we had all year."),
    ]
    interviews = pd.DataFrame([themes[i % len(themes)] for i in range(30)], columns=["user_type", "theme", "sentiment", "quote"])

    story = Story(
        connectors=[str(u) for u in uid[connectors]],
        silo_department=spec.silo_department,
        lapsed=_planted_lapsed(messages, uid[lapsers], end),
        group_status={str(gid[g]): str(status[g]) for g in range(n_groups)},
        launch=launch.date(),
        end=spec.end,
    )
    tables = {"Messages": messages, "Users": users, "Groups": groups, "roster": roster, "survey": survey, "interviews": interviews}
    if reactions is not None:
        tables["reactions"] = reactions
    return tables, story


def _created_before_first_message(drawn: np.ndarray, gid: np.ndarray, messages: pd.DataFrame) -> pd.Series:
    """Community creation times no later than an hour before their first message, and the first community before any message.

    No message on a real platform predates its community, nor the network's first community.
    """
    at = pd.to_datetime(messages["created_at"], format="%Y/%m/%d %H:%M:%S +0000")
    first = at.groupby(messages["group_id"]).min().reindex(gid.astype(str)).to_numpy().astype("datetime64[s]")
    created = np.where(np.isnat(first), drawn, np.minimum(drawn, first - np.timedelta64(3600, "s")))
    if len(at):
        earliest = int(np.argmin(created))
        created[earliest] = min(created[earliest], at.min().to_datetime64().astype("datetime64[s]") - np.timedelta64(3600, "s"))
    return pd.Series(created)


def _planted_lapsed(messages: pd.DataFrame, lapser_ids: np.ndarray, end: np.datetime64) -> list[str]:
    """The people made to lapse who took part before they stopped and have been silent 90+ days."""
    sent = messages[messages["deleted_at"] == ""]
    last = pd.to_datetime(sent["created_at"], format="%Y/%m/%d %H:%M:%S +0000").groupby(sent["sender_id"]).max()
    last = last[last.index.isin(lapser_ids.astype(str))]
    cutoff = pd.Timestamp(end) + pd.Timedelta(seconds=1) - pd.Timedelta(days=90)
    return sorted(last[last < cutoff].index.tolist())


def _reactions(rng, messages, spec, gid, members_of, weight, join_month, lapse_month, month_starts, uid) -> pd.DataFrame:
    """Reactions to public messages by members of the same community active that month."""
    public = messages[messages["group_id"] != ""]
    n_react = rng.poisson(spec.reactions_per_message, len(public))
    idx = np.repeat(np.arange(len(public)), n_react)
    created = pd.to_datetime(public["created_at"], format="%Y/%m/%d %H:%M:%S +0000").to_numpy().astype("datetime64[s]")
    month = np.searchsorted(month_starts, created, side="right") - 1
    g_of = pd.Series(np.arange(len(gid)), index=gid.astype(str))
    group = public["group_id"].map(g_of).to_numpy()[idx]
    r_month = month[idx]
    person = np.empty(len(idx), dtype=np.int64)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(len(gid) + 1))
    for g in range(len(gid)):  # per community, vectorised within
        sel = order[bounds[g] : bounds[g + 1]]
        if len(sel):
            person[sel], _ = _pick_active(rng, members_of[g], weight, r_month[sel], join_month, lapse_month)
    at = created[idx] + (rng.exponential(6, len(idx)) * 3600).astype("timedelta64[s]")
    out = pd.DataFrame(
        {
            "message_id": public["id"].to_numpy()[idx],
            "person_id": uid[person].astype(str),
            "created_at": pd.Series(at).dt.tz_localize("UTC"),
            "reaction": np.where(rng.random(len(idx)) < 0.7, "like", "praise"),
        }
    )
    in_window = out["created_at"] < pd.Timestamp(spec.end, tz="UTC") + pd.Timedelta(days=1)
    out = out[(out["person_id"] != public["sender_id"].to_numpy()[idx]) & in_window]
    return out.drop_duplicates(["message_id", "person_id", "reaction"]).reset_index(drop=True)


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def write_viva_engage_zip(tables: dict[str, pd.DataFrame], path: Path, *, end: dt.date) -> Path:
    """Write a Viva Engage network data export zip from vendor-shaped tables."""
    log = (
        f"Export started {end.isoformat()}T02:00:00Z\n"
        f"Number of exported MESSAGES: {len(tables['Messages'])}\n"
        f"Number of exported USERS: {len(tables['Users'])}\n"
        f"Number of exported GROUPS: {len(tables['Groups'])}\n"
        "Export completed\n"
    )
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in ("Messages", "Users", "Groups"):
            info = zipfile.ZipInfo(f"{name}.csv", date_time=(end.year, end.month, end.day, 2, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, _csv_bytes(tables[name]))
        for name, text in (
            ("log.txt", log),
            ("request.txt", f"Export of all data up to {end.isoformat()}\n"),
            ("Topics.csv", "id,name,created_by,created_at,api_url\r\n"),
        ):
            info = zipfile.ZipInfo(name, date_time=(end.year, end.month, end.day, 2, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return path


def write_demo_client(root: str | os.PathLike[str], *, spec: SynthSpec = SynthSpec(), name: str = "Demo Corp") -> Story:
    """Write a complete client folder (``client.yml`` and ``raw/`` files) under ``root``."""
    root = Path(root)
    raw = root / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    tables, story = generate(spec)
    write_viva_engage_zip(tables, raw / "viva-engage-export.zip", end=spec.end)
    atomic_write(raw / "hr-roster.csv", _csv_bytes(tables["roster"]))
    atomic_write(raw / "survey.csv", _csv_bytes(tables["survey"]))
    atomic_write(raw / "interviews.csv", _csv_bytes(tables["interviews"]))
    attributes = "[department, tenure]"
    config = f"""\
# Demo client written by `esnkit demo` (seed {spec.seed}, {spec.n_people} people, {spec.months} months).
name: "{name}"
sources:
  - path: raw/viva-engage-export.zip
    format: viva-engage
roster:
  path: raw/hr-roster.csv
  join_on: email
  columns: {{email: email, name: full_name, source_user_id: employee_id, department: department, location: location, job_title: job_title, grade: grade, manager: manager_email}}
survey:
  path: raw/survey.csv
  email_column: email
  attributes: {attributes}
interviews: raw/interviews.csv
as_of: {spec.end.isoformat()}
min_group_size: 5
show_names: false
prepared_by: "esnkit demo consultant"
leaders: {{attribute: grade, values: [G5]}}
owners:
  adoption: Head of Internal Comms
  communities: Community managers
  people: Network champions lead
branding:
  primary_color: "#1f3a5f"
  accent_color: "#e0822c"
objectives: []
campaigns: []
opt_outs: []
"""
    atomic_write(root / "client.yml", config.encode("utf-8"))
    return story


def _canonical_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The generated vendor-shaped tables as canonical ones: people, groups, messages, mentions, reactions."""
    import re

    m = tables["Messages"]
    m = m[m["deleted_at"] == ""]
    u = tables["Users"]
    state = np.where(
        u["state"] == "active", "active", np.where(u["deleted_at"] != "", "deleted", np.where(u["suspended_at"] != "", "suspended", "pending"))
    )
    stamp = "%Y/%m/%d %H:%M:%S +0000"
    out = {
        "people": pd.DataFrame(
            {
                "person_id": u["id"],
                "name": u["name"],
                "email": u["email"],
                "department": u["department"],
                "location": u["location"],
                "job_title": u["job_title"],
                "joined_at": pd.to_datetime(u["joined_at"], format=stamp, utc=True),
                "state": state,
            }
        ),
    }
    g = tables["Groups"]
    out["groups"] = pd.DataFrame(
        {
            "group_id": g["id"],
            "name": g["name"],
            "kind": "community",
            "is_private": g["private"] == "true",
            "created_at": pd.to_datetime(g["created_at"], format=stamp, utc=True),
        }
    )
    out["messages"] = pd.DataFrame(
        {
            "message_id": m["id"],
            "thread_id": m["thread_id"],
            "reply_to_id": m["replied_to_id"].replace("", None),
            "group_id": m["group_id"].replace("", None),
            "author_id": m["sender_id"],
            "created_at": pd.to_datetime(m["created_at"], format=stamp, utc=True),
            "is_thread_start": m["id"] == m["thread_id"],
            "is_private": m["in_private_conversation"] == "true",
            "n_chars": m["body"].str.len(),
        }
    )
    found = m["body"].str.extractall(re.compile(r"\[\[user:(\d+)\]\]"))
    rows = found.index.get_level_values(0)
    out["mentions"] = pd.DataFrame({"message_id": m.loc[rows, "id"].to_numpy(), "person_id": found[0].to_numpy()}).drop_duplicates()
    if "reactions" in tables:
        r = tables["reactions"]
        out["reactions"] = r[r["message_id"].isin(m["id"])]
    return out


def write_canonical_client(root: str | os.PathLike[str], *, spec: SynthSpec, name: str = "Benchmark Corp") -> Story:
    """Write a client whose platform data are canonical parquet tables (with reactions), plus roster and survey.

    Used by ``benchmarks/run.py``: Viva Engage exports carry no reactions, and a benchmark of
    10 million events needs them.
    """

    root = Path(root)
    canon = root / "raw" / "canonical"
    canon.mkdir(parents=True, exist_ok=True)
    tables, story = generate(spec)
    for table, frame in _canonical_tables(tables).items():
        frame.to_parquet(canon / f"{table}.parquet", index=False)
    atomic_write(root / "raw" / "hr-roster.csv", _csv_bytes(tables["roster"]))
    config = f"""\
# Benchmark client written by esnkit.synth.write_canonical_client (seed {spec.seed}, {spec.n_people} people).
name: "{name}"
sources:
  - path: raw/canonical
    format: canonical
roster:
  path: raw/hr-roster.csv
  columns: {{email: email, name: full_name, department: department, location: location, job_title: job_title}}
as_of: {spec.end.isoformat()}
"""
    atomic_write(root / "client.yml", config.encode("utf-8"))
    return story


def write_canonical_chunks(root: str | os.PathLike[str], *, spec: SynthSpec, chunks: int, progress=print) -> dict[str, int]:
    """The platform tables of ``chunks`` organisations of ``spec.n_people // chunks`` people each, for size XL.

    Each chunk is generated on its own (seed ``spec.seed + k``, ids and e-mails prefixed ``k-``) and appended to
    ``raw/canonical/<table>.parquet`` as one row group in the canonical dtypes, so the generator holds
    one chunk in memory, never the whole client. Writes the platform tables only (no roster, survey
    or client.yml): what the reduction reads. Returns the rows written per table.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .dataset import conform

    canon = Path(root) / "raw" / "canonical"
    canon.mkdir(parents=True, exist_ok=True)
    ids = {
        "people": ["person_id"],
        "groups": ["group_id"],
        "messages": ["message_id", "thread_id", "reply_to_id", "group_id", "author_id"],
        "mentions": ["message_id", "person_id"],
        "reactions": ["message_id", "person_id"],
    }
    writers: dict[str, pq.ParquetWriter] = {}
    rows = dict.fromkeys([*ids, "memberships"], 0)
    try:
        for k in range(chunks):
            part = dataclasses.replace(spec, n_people=spec.n_people // chunks, seed=spec.seed + k)
            tables = _canonical_tables(generate(part)[0])
            for table, frame in tables.items():
                frame = frame.assign(**{c: f"{k}-" + frame[c] for c in ids[table]})
                if table == "people":  # organisations apart: the same name and number in two chunks is two people
                    frame = frame.assign(email=f"{k}-" + frame["email"])
                arrow = pa.Table.from_pandas(conform(frame, table), preserve_index=False)
                if table not in writers:
                    writers[table] = pq.ParquetWriter(canon / f"{table}.parquet", arrow.schema, compression="zstd")
                writers[table].write_table(arrow.cast(writers[table].schema))
                rows[table] += len(frame)
            progress(f"chunk {k + 1}/{chunks}: {rows['messages']:,} messages, {rows['reactions']:,} reactions so far")
    finally:
        for writer in writers.values():
            writer.close()
    conform(None, "memberships").to_parquet(canon / "memberships.parquet", index=False)
    return rows


# -- raw vendor exports of other shapes (the shape matrix, tests/test_shape_matrix.py) ------------
#: The shapes :func:`write_shape_client` writes, each a client as real exports come: the vendor's
#: own files under ``raw/`` and a ``client.yml``. All reuse :func:`generate`'s tables.
SHAPES = {
    "slack-threads": "Slack workspace export with threads; reactions without times; no roster (no departments)",
    "slack-before-threads": "Slack workspace export from before threads: no thread_ts, replies are plain posts",
    "slack-dms-only": "Slack workspace export of direct messages only (dms.json), not every message answered",
    "slack-partial-history": "Slack free-plan window: the last 140 days of an older workspace, replies to parents not in it",
    "viva-engage-50": "Viva Engage export of 50 people, with an HR roster",
    "several-platforms": "Viva Engage (half the communities, private messages) and Slack (the other half), joined by e-mail",
    "teams-only": "Microsoft Teams Graph pages: channel posts, replies, chats, reactions with times",
    "usage-reports-only": "Microsoft 365 usage reports only: Viva Engage activity user detail and groups activity detail (180 days)",
}
_STAMP = "%Y/%m/%d %H:%M:%S +0000"


def shape_spec(shape: str, *, n_people: int = 200, months: int = 12, seed: int = 0) -> SynthSpec:
    """The :class:`SynthSpec` a shape is drawn from: small and quick; 50 people for ``viva-engage-50``."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; one of {', '.join(SHAPES)}")
    reactions = 0.0 if shape in ("viva-engage-50", "usage-reports-only") else 0.5
    return SynthSpec(
        n_people=50 if shape == "viva-engage-50" else n_people,
        months=months,
        seed=seed,
        reactions_per_message=reactions,
        messages_per_person=60.0 if shape == "slack-dms-only" else 15.0,  # private messages are a small share of the volume
    )


def shape_tables(shape: str, spec: SynthSpec) -> dict[str, dict[str, pd.DataFrame]]:
    """The generated tables of a shape, per platform, exactly as :func:`write_shape_client` writes them.

    A test computes what the KPIs should be from these, never through esnkit's loaders or metrics.
    """
    tables, _ = generate(spec)
    rng = np.random.default_rng(spec.seed + 1)
    m, r = tables["Messages"], tables.get("reactions")
    private = m["in_private_conversation"] == "true"
    if shape == "slack-dms-only":
        # a third of the replies never came: not every private message is answered
        drop = private & (m["replied_to_id"] != "") & (rng.random(len(m)) < 0.35)
        m, r = m[private & ~drop], None
        tables["Groups"] = tables["Groups"].iloc[0:0]
    elif shape == "slack-partial-history":
        cut = pd.Timestamp(spec.end) + pd.Timedelta(days=1) - pd.Timedelta(days=140)
        m = m[pd.to_datetime(m["created_at"], format=_STAMP) >= cut]
    if shape == "several-platforms":
        g = m["group_id"]
        odd = pd.Series(np.arange(len(tables["Groups"])) % 2 == 1, index=tables["Groups"]["id"].to_numpy())
        on_slack = g.map(odd).fillna(False).astype(bool)
        parts = {"viva-engage": m[~on_slack], "slack": m[on_slack]}
        groups = {"viva-engage": tables["Groups"][~odd.to_numpy()], "slack": tables["Groups"][odd.to_numpy()]}
    else:
        platform = "viva-engage" if shape in ("viva-engage-50", "usage-reports-only") else shape.split("-")[0]
        parts, groups = {platform: m}, {platform: tables["Groups"]}
    out = {}
    for platform, part in parts.items():
        t = {"Messages": part.reset_index(drop=True), "Users": tables["Users"], "Groups": groups[platform]}
        if r is not None and platform != "viva-engage":  # a Viva Engage export carries no reactions
            t["reactions"] = r[r["message_id"].isin(part["id"])].reset_index(drop=True)
        if shape == "viva-engage-50":
            t["roster"] = tables["roster"]
        out[platform] = t
    return out


def _json_text(values: pd.Series) -> pd.Series:
    """Strings as JSON string literals (quotes included), vectorised."""
    s = values.astype("str").str.replace("\\", "\\\\", regex=False).str.replace('"', '\\"', regex=False)
    return '"' + s.str.replace("\n", "\\n", regex=False).str.replace("\r", "\\r", regex=False).str.replace("\t", "\\t", regex=False) + '"'


def _pair(participants: pd.Series, sep: str) -> pd.Series:
    """``"b,a"`` -> ``"a<sep>b"``: the two people of a private conversation in one order, whoever wrote first (NaN stays NaN)."""
    ends = participants.where(participants != "").str.split(",", n=1, expand=True).reindex(columns=[0, 1]).astype("str")
    a, b = ends[0], ends[1]
    return a.where(a < b, b) + sep + b.where(a < b, a)


def _slug(names: pd.Series) -> pd.Series:
    return names.astype("str").str.lower().str.replace(r"[^a-z0-9]+", "-", regex=True).str.strip("-")


def _epoch(stamps: pd.Series) -> pd.Series:
    """Vendor time strings (``2026/01/05 09:00:00 +0000``) to whole seconds since 1970, as int64."""
    return (pd.to_datetime(stamps, format=_STAMP) - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)


def _reaction_json(r: pd.DataFrame, user: pd.Series, *, dated: bool) -> pd.Series:
    """Per message id, the JSON list of its reactions: Slack's ``{name, users, count}``, or Teams' one per person."""
    if dated:  # Teams: one object per person and reaction, with its time
        at = pd.to_datetime(r["created_at"]).dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        obj = '{"reactionType":"' + r["reaction"] + '","createdDateTime":"' + at + '","user":{"user":{"id":"' + user + '"}}}'
        return obj.groupby(r["message_id"].to_numpy()).agg(",".join)
    by = pd.DataFrame({"m": r["message_id"].to_numpy(), "name": r["reaction"].to_numpy(), "u": user.to_numpy()}).groupby(["m", "name"])["u"]
    users, n = by.agg('","'.join), by.size()
    obj = '{"name":"' + users.index.get_level_values("name") + '","users":["' + users.to_numpy() + '"],"count":' + n.astype(str).to_numpy() + "}"
    return pd.Series(obj, index=users.index.get_level_values("m")).groupby(level=0).agg(",".join)


def _zip_files(path: Path, files: dict[str, str], *, end: dt.date) -> Path:
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(end.year, end.month, end.day, 2, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return path


def _slack_users(users: pd.DataFrame) -> str:
    """users.json: no department (Slack has none); guests are restricted accounts; soft-deleted with a date are deleted."""
    guest = users["email"].str.endswith("@" + GUEST_DOMAIN)
    gone = users["deleted_at"] != ""
    return json.dumps(
        [
            {
                "id": f"U{uid}",
                "name": email.split("@")[0],
                "deleted": bool(d),
                "real_name": name,
                "tz": "Europe/London",
                "profile": {"real_name": name, "email": email, "title": title},
                "is_admin": False,
                "is_owner": False,
                "is_restricted": bool(g),
                "is_ultra_restricted": False,
                "is_bot": False,
            }
            for uid, name, email, title, d, g in zip(users["id"], users["name"], users["email"], users["job_title"], gone, guest)
        ],
        indent=1,
    )


def _slack_conversations(m: pd.DataFrame, groups: pd.DataFrame) -> tuple[pd.Series, dict[str, str]]:
    """Each message's folder, and channels.json / groups.json / dms.json (channel members: who posted there)."""
    private = m["in_private_conversation"] == "true"
    pair = _pair(m["participants"].str.replace("user:", "U", regex=False), ",")
    dm_id = "D" + pd.Series(pd.factorize(pair.where(private))[0], index=m.index).astype(str).str.zfill(8)
    slug = pd.Series(_slug(groups["name"]).to_numpy(), index=groups["id"].to_numpy())
    folder = m["group_id"].map(slug).where(~private, dm_id)
    first = _epoch(m["created_at"]).groupby(folder).min()
    posted = ("U" + m["sender_id"]).groupby(folder).unique()
    files = {}
    for name, rows in (("channels.json", groups[groups["private"] != "true"]), ("groups.json", groups[groups["private"] == "true"])):
        files[name] = json.dumps(
            [
                {
                    "id": f"C{gid}",
                    "name": s,
                    "created": int(min(_epoch(pd.Series([created])).iloc[0], first.get(s, np.inf) - 3600)),  # never after its first message
                    "creator": None,
                    "is_archived": False,
                    "is_general": False,
                    "members": sorted(posted.get(s, [])),
                    "topic": {"value": "", "creator": "", "last_set": 0},
                    "purpose": {"value": desc, "creator": "", "last_set": 0},
                }
                for gid, s, created, desc in zip(rows["id"], slug[rows["id"]].to_numpy(), rows["created_at"], rows["description"])
            ],
            indent=1,
        )
    dms = pd.DataFrame({"id": dm_id[private], "pair": pair[private]}).drop_duplicates("id")
    files["dms.json"] = json.dumps([{"id": d, "created": int(first[d]), "members": p.split(",")} for d, p in zip(dms["id"], dms["pair"])], indent=1)
    return folder, files


def write_slack_export(tables: dict[str, pd.DataFrame], path: Path, *, end: dt.date, threads: bool = True) -> Path:
    """A Slack workspace export zip: users.json, channels.json, groups.json, dms.json and a folder of day files per conversation.

    Deleted messages are not in a Slack export (a reply keeps its deleted parent's ``thread_ts``);
    reactions carry no time. ``threads=False`` writes an export from before Slack had threads:
    no ``thread_ts``, every reply a plain post.
    """
    m = tables["Messages"]
    ts_all = _epoch(m["created_at"]).astype(str) + "." + pd.Series(np.arange(len(m)) % 1_000_000, index=m.index).astype(str).str.zfill(6)
    ts_of = pd.Series(ts_all.to_numpy(), index=m["id"].to_numpy())
    folder, files = _slack_conversations(m, tables["Groups"])
    live = m["deleted_at"] == ""
    m, ts, folder = m[live], ts_all[live], folder[live]
    is_reply = (m["replied_to_id"] != "") & (m["in_private_conversation"] != "true")  # direct messages are flat, as most are
    has_replies = m["id"].isin(m.loc[is_reply, "thread_id"])
    text = m["body"].str.replace(r"\[\[user:(\d+)\]\]", r"<@U\1>", regex=True)
    rec = '{"type":"message","user":"U' + m["sender_id"] + '","text":' + _json_text(text) + ',"ts":"' + ts + '"'
    if threads:
        # a parent outside the export (a free-plan window) still has a ts: an hour before its thread's first message here
        orphan_ts = (_epoch(m["created_at"]).groupby(m["thread_id"]).transform("min") - 3600).astype(str) + ".000000"
        thread_ts = m["thread_id"].map(ts_of).fillna(orphan_ts)
        parent_user = m["replied_to_id"].map(pd.Series(m["sender_id"].to_numpy(), index=m["id"].to_numpy()))
        rec = rec.where(~(is_reply | has_replies), rec + ',"thread_ts":"' + thread_ts + '"')
        rec = rec.where(~is_reply | parent_user.isna(), rec + ',"parent_user_id":"U' + parent_user.fillna("") + '"')
        n_rep = m.loc[is_reply, "thread_id"].value_counts()
        rec = rec.where(~has_replies, rec + ',"reply_count":' + m["id"].map(n_rep).fillna(0).astype(int).astype(str))
    if "reactions" in tables and len(tables["reactions"]):
        r = tables["reactions"]
        lists = m["id"].map(_reaction_json(r, "U" + r["person_id"], dated=False))
        rec = rec.where(lists.isna(), rec + ',"reactions":[' + lists.fillna("") + "]")
    day = pd.to_datetime(m["created_at"], format=_STAMP).dt.strftime("%Y-%m-%d")
    frame = pd.DataFrame({"file": folder + "/" + day + ".json", "ts": ts.astype(float), "rec": rec + "}"}).sort_values(["file", "ts"])
    days = frame.groupby("file", sort=True)["rec"].agg(",\n".join)
    files = {"users.json": _slack_users(tables["Users"]), **files, "integration_logs.json": "[]"}
    files.update({name: "[\n" + body + "\n]" for name, body in days.items()})
    return _zip_files(path, files, end=end)


def write_teams_pages(tables: dict[str, pd.DataFrame], folder: Path) -> Path:
    """Microsoft Graph ``chatMessage`` pages: a page naming the channels, one page per channel (posts and replies), one of chats.

    One team; a community is a channel, a private conversation a one-to-one chat (chats have no
    replies in Graph: each message stands alone). Deleted messages keep their ``deletedDateTime``;
    reactions carry their times.
    """
    folder.mkdir(parents=True, exist_ok=True)
    m, users = tables["Messages"], tables["Users"]
    guid = pd.Series(users["guid"].to_numpy(), index=users["id"].to_numpy())
    private = m["in_private_conversation"] == "true"
    channel = "19:" + m["group_id"] + "@thread.tacv2"
    ends = m["participants"].where(private).str.replace("user:", "", regex=False).str.split(",", n=1, expand=True).reindex(columns=[0, 1])
    pair = _pair(ends[0].astype("str").map(guid) + "," + ends[1].astype("str").map(guid), "_")
    iso = pd.to_datetime(m["created_at"], format=_STAMP).dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    deleted = pd.to_datetime(m["deleted_at"].replace("", None), format=_STAMP).dt.strftime('"%Y-%m-%dT%H:%M:%S.000Z"').fillna("null")
    is_reply = (m["replied_to_id"] != "") & ~private
    rec = (
        '{"id":"' + m["id"] + '","replyToId":' + ('"' + m["replied_to_id"] + '"').where(is_reply, "null") + ',"messageType":"message"'
        ',"createdDateTime":"'
        + iso
        + '","deletedDateTime":'
        + deleted
        + ',"from":{"user":{"id":"'
        + m["sender_id"].map(guid)
        + '","displayName":'
        + _json_text(m["sender_name"])
        + "}}"
        + ',"body":{"contentType":"html","content":'
        + _json_text(m["body"].str.replace(r"\[\[user:\d+\]\]", "", regex=True))
        + "}"
        + (',"chatId":"19:' + pair + '@unq.gbl.spaces","channelIdentity":null').where(
            private, ',"channelIdentity":{"teamId":"team-1","channelId":"' + channel + '"}'
        )
    )
    if "reactions" in tables and len(tables["reactions"]):
        r = tables["reactions"]
        lists = m["id"].map(_reaction_json(r, r["person_id"].map(guid), dated=True))
        rec = rec + ',"reactions":[' + lists.fillna("") + "]"
    page = "channel-" + m["group_id"].map(pd.Series(range(len(tables["Groups"])), index=tables["Groups"]["id"].to_numpy()).astype(str))
    page = page.where(~private, "chats")
    pages = (rec + "}").groupby(page.to_numpy()).agg(",\n".join)
    for name, body in pages.items():
        atomic_write(
            folder / f"{name}-page-1.json",
            ('{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#chatMessages","value":[\n' + body + "\n]}").encode(),
        )
    g = tables["Groups"]
    channels = [
        {"id": f"19:{i}@thread.tacv2", "displayName": n, "membershipType": "private" if p == "true" else "standard"}
        for i, n, p in zip(g["id"], g["name"], g["private"])
    ]
    atomic_write(folder / "channels.json", json.dumps({"value": channels}, indent=1).encode())
    return folder


def write_usage_reports(tables: dict[str, pd.DataFrame], folder: Path, *, end: dt.date, seed: int = 0) -> Path:
    """Microsoft 365 usage reports of the 180 days to ``end``: Viva Engage activity user detail and groups activity detail.

    Counts are the generated messages of the period (a person's posts and replies); reads are drawn
    (readers who never post among them); names are not concealed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 2)
    m, users = tables["Messages"], tables["Users"]
    at = pd.to_datetime(m["created_at"], format=_STAMP)
    start = pd.Timestamp(end) - pd.Timedelta(days=179)
    sent = m[(m["deleted_at"] == "") & (at >= start) & (at < pd.Timestamp(end) + pd.Timedelta(days=1))]
    posted = sent["sender_id"].value_counts().reindex(users["id"], fill_value=0).to_numpy()
    last = at[m["deleted_at"] == ""].groupby(m["sender_id"]).max().reindex(users["id"]).dt.strftime("%Y-%m-%d").fillna("").to_numpy()
    read = np.where(rng.random(len(users)) < 0.5, rng.poisson(40, len(users)), 0) + posted * 6
    state = np.where(users["state"] == "active", "Active", np.where(users["deleted_at"] != "", "Deleted", "Suspended"))
    common = {"Report Refresh Date": end.isoformat()}
    people = pd.DataFrame(
        {
            **common,
            "User Principal Name": users["email"].to_numpy(),
            "Display Name": users["name"].to_numpy(),
            "User State": state,
            "State Change Date": "",
            "Last Activity Date": last,
            "Posted Count": posted,
            "Read Count": read,
            "Liked Count": 0,
            "Assigned Products": "MICROSOFT 365 E3",
            "Report Period": 180,
        }
    )
    g = tables["Groups"]
    by_group = sent.groupby("group_id")
    groups = pd.DataFrame(
        {
            **common,
            "Group Display Name": g["name"].to_numpy(),
            "Is Deleted": "False",
            "Owner Principal Name": "",
            "Last Activity Date": pd.to_datetime(by_group["created_at"].max().reindex(g["id"]), format=_STAMP)
            .dt.strftime("%Y-%m-%d")
            .fillna("")
            .to_numpy(),
            "Group Type": np.where(g["private"] == "true", "private", "public"),
            "Office 365 Connected": "No",
            "Member Count": m.groupby("group_id")["sender_id"].nunique().reindex(g["id"], fill_value=0).to_numpy(),
            "Posted Count": by_group.size().reindex(g["id"], fill_value=0).to_numpy(),
            "Read Count": by_group.size().reindex(g["id"], fill_value=0).to_numpy() * 9,
            "Liked Count": 0,
            "Report Period": 180,
        }
    )
    atomic_write(folder / "VivaEngageActivityUserDetail.csv", _csv_bytes(people))
    atomic_write(folder / "VivaEngageGroupsActivityDetail.csv", _csv_bytes(groups))
    return folder


def write_shape_client(root: str | os.PathLike[str], shape: str, *, spec: SynthSpec | None = None, name: str | None = None) -> dict:
    """Write a client of one of :data:`SHAPES` (``raw/`` in the vendors' formats and ``client.yml``) under ``root``.

    The client's name is neutral ("Matrix Co"): a name that says "threads" or "departments" would
    be held to the data profile like any other words on the page. Returns :func:`shape_tables`: the
    tables written, per platform, to check the figures against.
    """
    root, spec = Path(root), spec or shape_spec(shape)
    raw = root / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    parts = shape_tables(shape, spec)
    sources = []
    for platform, t in parts.items():
        if shape == "usage-reports-only":
            write_usage_reports(t, raw / "usage-reports", end=spec.end, seed=spec.seed)
            sources.append(("raw/usage-reports", "m365-usage"))
        elif platform == "viva-engage":
            write_viva_engage_zip(t, raw / "viva-engage-export.zip", end=spec.end)
            sources.append(("raw/viva-engage-export.zip", "viva-engage"))
        elif platform == "slack":
            write_slack_export(t, raw / "slack-export.zip", end=spec.end, threads=shape != "slack-before-threads")
            sources.append(("raw/slack-export.zip", "slack"))
        else:
            write_teams_pages(t, raw / "teams-graph")
            sources.append(("raw/teams-graph", "teams"))
    listed = "".join(f"  - path: {path}\n    format: {fmt}\n" for path, fmt in sources)
    roster = ""
    if "roster" in parts.get("viva-engage", {}):
        atomic_write(raw / "hr-roster.csv", _csv_bytes(parts["viva-engage"]["roster"]))
        roster = "roster:\n  path: raw/hr-roster.csv\n  join_on: email\n  columns: {email: email, name: full_name, department: department, location: location}\n"
    config = (
        f"# A {SHAPES[shape]} (esnkit.synth.write_shape_client, seed {spec.seed}, {spec.n_people} people, {spec.months} months).\n"
        f'name: "{name or "Matrix Co"}"\nsources:\n{listed}{roster}as_of: {spec.end.isoformat()}\nmin_group_size: 5\n'
    )
    atomic_write(root / "client.yml", config.encode("utf-8"))
    return parts
