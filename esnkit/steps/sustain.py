"""Step 4, Sustain: community management, lifecycle triage, embedding indicators, stories to play back.

Definitions:

- *newcomer welcome*: of people's first message in a community that started a thread, the share
  answered by someone else within 24 and within 48 hours;
- *newcomer funnel*: newcomers to a community (a person's first message there; one person new to two
  communities counts twice) → a second message there → a *regular contributor* there (messages in at
  least 3 distinct months);
- *duplicate*: two live communities whose names share at least half their words (ignoring
  numbers and filler words) and whose active members overlap by at least half (Jaccard on the last
  180 days) — the smaller one keeps its lifecycle status and gets the action *merge* (its
  ``duplicate_of`` names the other);
- *habitual share*: active people (last 12 weeks) who were active in 9+ of those weeks;
- *beyond-core share*: contributions by people outside the top 10% of contributors;
- *cross-department threads*: threads whose participants come from 2+ departments.

Triage actions: thriving → *leave alone and play back*; growing → *support*; stable → *leave alone*;
new in these data (a partial history, too short to compare) → *support*;
declining → *revive* (and *assign an owner* when none is known); idle → *revive or merge*;
dormant → *archive*, or *revive* when it once had 10+ active members; a likely duplicate → *merge*,
whatever its status.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from .._fast import isin, isin_sorted, positions, unique
from ..dataset import Dataset
from ..facts import Figures, Told
from ..metrics import communities, kpis, network, participation
from ..metrics._base import as_of_end, day_number, person_days
from ..metrics.successes import successful_threads
from ..profile import newcomers_from
from ..reduce import query
from .context import StepContext

__all__ = [
    "newcomer_welcome",
    "newcomer_funnel",
    "find_duplicates",
    "triage",
    "community_triage",
    "embedding_indicators",
    "success_stories",
    "build_sustain",
    "sustain_summary",
]

_FILLER = {"the", "and", "of", "a", "for", "team", "group", "community", "hub", "network", "forum"}


def _newcomers_only(ds: Dataset, first_at: pd.Series, inactive_days: int) -> np.ndarray:
    """Which first messages are a newcomer's: all of them, but where the export starts part-way none
    before :func:`esnkit.profile.newcomers_from` (its complete history, and past its first ``inactive_days``)."""
    since = newcomers_from(ds, inactive_days)
    return np.ones(len(first_at), dtype=bool) if since is None else (first_at >= since).fillna(False).to_numpy(dtype=bool)


def newcomer_welcome(ds: Dataset, *, as_of=None, inactive_days: int = 90) -> pd.DataFrame:
    """Per community: ``group_id``, ``newcomer_posts``, ``welcomed_24h``, ``welcomed_48h`` (shares).

    A newcomer post is a person's first message in a community (before the end of ``as_of``'s
    day; ties in time by table order) when it starts a thread; it is welcomed when someone else
    replies in that thread within 24 (48) hours. The engine finds the posts and their first reply
    over the event parquet (the :data:`~esnkit.reduce.QUERIES` entry ``newcomer_starts``). Where the
    export starts part-way, a first message in its first ``inactive_days`` (or before its complete
    history) is not a newcomer's: that person may only have been quiet when the export began.
    """
    starts = query(ds, "newcomer_starts", end=as_of_end(as_of, ds))
    starts = starts[_newcomers_only(ds, starts["created_at"], inactive_days)]
    waited = starts["first_reply_at"] - starts["created_at"]  # NaT: no reply, never welcomed
    t = pd.DataFrame({"group_id": starts["group_id"], "h24": waited <= pd.Timedelta(hours=24), "h48": waited <= pd.Timedelta(hours=48)})
    out = t.groupby("group_id").agg(newcomer_posts=("h24", "size"), welcomed_24h=("h24", "mean"), welcomed_48h=("h48", "mean")).reset_index()
    return out.astype({"group_id": "str", "newcomer_posts": "int64", "welcomed_24h": "float64", "welcomed_48h": "float64"})


def newcomer_funnel(ds: Dataset, *, as_of=None, by_group: bool = False, inactive_days: int = 90) -> pd.DataFrame:
    """First message → second message → regular contributor (3+ distinct months), in one community.

    Returns ``stage``, ``newcomers`` (person × community pairs: one person new to two communities
    counts twice), ``share`` (of the first stage); with ``by_group``, per community. Where the
    export starts part-way, only pairs whose first message is past :func:`esnkit.profile.newcomers_from`
    (its complete history, and its first ``inactive_days``) are newcomers.

    Examples
    --------
    >>> from esnkit import Dataset
    >>> ds = Dataset(people=pd.DataFrame({"person_id": ["a", "b"]}), groups=pd.DataFrame({"group_id": ["g"]}),
    ...     messages=pd.DataFrame({"message_id": list("1234"), "thread_id": list("1234"), "group_id": ["g"] * 4,
    ...         "author_id": ["a", "a", "a", "b"], "created_at": ["2026-01-01", "2026-02-01", "2026-03-01", "2026-03-02"],
    ...         "is_thread_start": [True] * 4, "is_private": [False] * 4}))
    >>> newcomer_funnel(ds, as_of="2026-03-31")[["stage", "newcomers"]].values.tolist()
    [['first message', 2], ['second message', 1], ['regular contributor', 1]]
    """
    end = as_of_end(as_of, ds)
    per = ds.cached("funnel", (end,), lambda: _funnel_pairs(ds, end))
    per = per[_newcomers_only(ds, per["first_at"], inactive_days)]
    stages = [("first message", per["n"] >= 1), ("second message", per["n"] >= 2), ("regular contributor", per["months"] >= 3)]
    if by_group:
        out = pd.DataFrame({"group_id": per["group_id"]})
        for name, mask in stages:
            out[name] = mask.astype("int64")
        return out.groupby("group_id").sum().reset_index()
    rows = [{"stage": name, "newcomers": int(mask.sum())} for name, mask in stages]
    out = pd.DataFrame(rows)
    out["share"] = out["newcomers"] / out["newcomers"].iloc[0] if out["newcomers"].iloc[0] else np.nan
    return out


def _funnel_pairs(ds: Dataset, end: pd.Timestamp) -> pd.DataFrame:
    """Per (community, author): messages ``n``, distinct calendar ``months`` (UTC) with a message and the first one's time ``first_at``, before ``end``.

    Counted by the engine over the event parquet (the query ``community_authors``); rows come in no
    particular order.
    """
    return query(ds, "community_authors", end=end)


def _words(name: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", str(name).lower()) if w not in _FILLER and len(w) > 1}


def find_duplicates(ds: Dataset, scorecard: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """Pairs of live communities with overlapping names and members: ``group_id``, ``duplicate_of``, ``name_overlap``, ``member_overlap``."""
    end = as_of_end(as_of, ds)
    ev = person_days(ds, as_of=end - pd.Timedelta(days=1), include_external=True)
    ev = ev[ev["day"] >= day_number(end - pd.Timedelta(days=180))]
    # The bigger community of a pair stays; the smaller is the duplicate.
    live = scorecard[scorecard["status"] != "dormant"].sort_values(["active_members", "messages_q0", "group_id"], ascending=[False, False, True])
    columns = ["group_id", "duplicate_of", "name_overlap", "member_overlap"]
    # Candidate pairs share a name word (an inverted index, not all n² pairs: 2,000 live
    # communities are 2 M pairs); word and member overlaps are Jaccard indices counted by joins.
    words = pd.DataFrame([(rank, w) for rank, name in enumerate(live["name"]) for w in _words(name)], columns=["rank", "word"]).drop_duplicates()
    n_words = words.groupby("rank").size()
    pairs = words.merge(words, on="word", suffixes=("_a", "_b"))
    pairs = pairs[pairs["rank_a"] < pairs["rank_b"]].groupby(["rank_a", "rank_b"]).size().rename("shared").reset_index()
    union = pairs["rank_a"].map(n_words) + pairs["rank_b"].map(n_words) - pairs["shared"]
    pairs = pairs.assign(name_overlap=pairs["shared"] / union)
    pairs = pairs[pairs["name_overlap"] >= 0.5]
    if pairs.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if "overlap" in c else "str") for c in columns})
    ids = live["group_id"].reset_index(drop=True)
    pairs = pairs.assign(a=ids.take(pairs["rank_a"].to_numpy()).to_numpy(), b=ids.take(pairs["rank_b"].to_numpy()).to_numpy())
    # The candidate groups' person-days, with their ids taken for those rows only (person_days holds codes).
    wanted = np.zeros(len(ds.groups) + 1, dtype=bool)  # the last slot: where = -1, no community
    wanted[positions(pd.concat([pairs["a"], pairs["b"]]), ds.groups["group_id"])] = True
    wanted[-1] = False
    mine = np.flatnonzero(wanted[ev["where"].to_numpy()])
    members = pd.DataFrame(
        {
            "group_id": pd.array(ds.groups["group_id"].to_numpy()[ev["where"].to_numpy()[mine]], dtype="str"),
            "person_id": pd.array(ds.people["person_id"].to_numpy()[ev["who"].to_numpy()[mine]], dtype="str"),
        }
    )
    # Jaccard can reach 0.5 only if the smaller group has at least half the larger's members.
    common, size_a, size_b = _common_members(members, pairs["a"], pairs["b"], min_ratio=0.5)
    union = size_a + size_b - common
    pairs["member_overlap"] = np.where(union > 0, common / np.maximum(union, 1), 0.0)
    out = pairs[pairs["member_overlap"] >= 0.5].sort_values(["rank_a", "rank_b"])
    out = out.rename(columns={"b": "group_id", "a": "duplicate_of"})[columns].reset_index(drop=True)
    return out.astype({"group_id": "str", "duplicate_of": "str", "name_overlap": "float64"})


def _common_members(
    members: pd.DataFrame, a: pd.Series, b: pd.Series, *, chunk: int = 4_000_000, min_ratio: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each pair (a[i], b[i]) of groups: people in both, people in a, people in b.

    Pairs whose smaller group has fewer than ``min_ratio`` times the larger's members are not
    compared (their count of people in both is 0): their Jaccard index is below ``min_ratio``.

    ``members`` holds ``group_id, person_id`` rows (repeats allowed). Pairs sharing a popular name
    word can number tens of thousands, each with thousands of members, so the work is done on
    integer codes in chunks of at most ``chunk`` membership probes: the members of the smaller
    group of each pair are looked up among the larger group's in one sorted key array.
    """
    groups = pd.Index(pd.concat([a, b]).unique())
    g = positions(members["group_id"], groups)
    people = pd.Index(members["person_id"].unique())
    p = positions(members["person_id"], people)
    n_people = max(len(people), 1)
    keys = unique(g[g >= 0] * n_people + p[g >= 0])  # sorted (group, person) codes, each once
    owner, person = keys // n_people, keys % n_people
    first = np.searchsorted(owner, np.arange(len(groups)))
    size = np.bincount(owner, minlength=len(groups))
    ga, gb = groups.get_indexer(a), groups.get_indexer(b)
    small = np.where(size[ga] <= size[gb], ga, gb)
    large = np.where(size[ga] <= size[gb], gb, ga)
    common = np.zeros(len(ga), dtype=np.int64)
    compared = np.flatnonzero(size[small] >= min_ratio * size[large])
    result_at, small, large = compared, small[compared], large[compared]
    bounds = np.searchsorted(np.cumsum(size[small]), np.arange(chunk, size[small].sum() + chunk, chunk), side="right")
    lo = 0
    for hi in unique(np.append(bounds, len(small))):  # a few chunks, each vectorised
        if hi <= lo:
            continue
        n = size[small[lo:hi]]
        pair = np.repeat(np.arange(lo, hi), n)
        offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        probe = large[pair] * n_people + person[first[small[pair]] + offset]
        common[result_at] += np.bincount(pair[isin_sorted(probe, keys)], minlength=len(small))
        lo = hi
    return common, size[ga], size[gb]


def peak_active_members(ds: Dataset, *, as_of=None, days: int = 90) -> pd.Series:
    """Each community's largest number of active people in any ``days``-long window counted back from ``as_of``."""
    end = as_of_end(as_of, ds)
    rows = person_days(ds, as_of=end - pd.Timedelta(days=1), include_external=True)
    where, who = rows["where"].to_numpy(), rows["who"].to_numpy()
    q = (day_number(end) - 1 - rows["day"].to_numpy()) // days  # windows of whole days back from the as-of
    ok = where >= 0
    n_people, n_q = len(ds.people) + 1, int(q.max()) + 1 if len(q) else 1
    cells = unique((where[ok].astype(np.int64) * n_q + q[ok]) * n_people + who[ok]) // n_people  # distinct people per (group, window)
    group_window, people = np.unique(cells, return_counts=True)
    peak = pd.Series(people, index=group_window // n_q).groupby(level=0).max()
    return pd.Series(peak.to_numpy(), index=ds.groups["group_id"].take(peak.index.to_numpy()).to_numpy(), dtype="int64")


ACTIONS = {
    "thriving": "leave alone and play back",
    "growing": "support",
    "stable": "leave alone",
    "new": "support",
    "declining": "revive",
    "idle": "revive or merge",
    "dormant": "archive",
}


#: Statuses of a community still in use, where key-person risk matters.
LIVE = ("thriving", "growing", "stable", "new", "declining")
#: A live community whose absence factor is at most this hangs on its key people.
KEY_PERSON_MAX = 2


def triage(
    scorecard: pd.DataFrame, duplicates: pd.DataFrame, *, owners: pd.Series | None = None, peak_members: pd.Series | None = None
) -> pd.DataFrame:
    """Status, recommended action and evidence for every community (rules in the module docs)."""
    t = scorecard.copy()
    dup = duplicates.drop_duplicates("group_id").set_index("group_id")
    names = t.set_index("group_id")["name"]
    is_dup = isin(t["group_id"], dup.index)
    t["lifecycle"] = t["status"]  # the scorecard's status, the one every step prints: a duplicate keeps it
    t["duplicate_of"] = t["group_id"].map(dup["duplicate_of"]).map(names).astype("str").where(is_dup.to_numpy(), None)
    t.loc[is_dup, "rule"] = "overlaps with " + t.loc[is_dup, "duplicate_of"] + " in name and members"
    t["action"] = t["status"].map(ACTIONS).where(~is_dup.to_numpy(), "merge")
    had_crowd = t["group_id"].map(peak_members).fillna(0) >= 10 if peak_members is not None else pd.Series(False, index=t.index)
    t.loc[(t["status"] == "dormant") & had_crowd, "action"] = "revive (it once had 10+ active members)"
    no_owner = t["group_id"].map(owners).isna() if owners is not None else pd.Series(True, index=t.index)
    t.loc[(t["status"] == "declining") & no_owner, "action"] = "revive and assign an owner"
    t["evidence"] = t["rule"]
    # Key-person risk: a live community whose contributions hang on one or two people.
    factor = pd.Series(t["absence_factor"], dtype="Int64").fillna(0).astype("int64")  # none without contributions
    risky = (
        isin(t["status"], list(LIVE)) & ~is_dup & factor.between(1, KEY_PERSON_MAX) & (t["messages_q0"] + t["messages_q1"] >= 6)
    )  # a duplicate is merged, so who carries it now does not matter
    people = np.where(factor == 1, "1 person makes", factor.astype("str") + " people make")
    share = (t["key_people_share"].fillna(0) * 100).round().astype("int64").astype("str")
    t["key_person_risk"] = pd.Series(np.where(risky, people + " " + share + "% of its contributions", ""), index=t.index, dtype="str")
    t.loc[risky, "action"] = t.loc[risky, "action"] + "; recruit co-hosts (key-person risk)"
    return t


def community_triage(ds: Dataset, *, as_of) -> pd.DataFrame:
    """:func:`triage` of every community at ``as_of``, duplicates and past crowds found; once per Dataset and as-of."""
    end = as_of_end(as_of, ds)

    def compute() -> pd.DataFrame:
        sc = communities.community_scorecard(ds, as_of=as_of)
        return triage(sc, find_duplicates(ds, sc, as_of=as_of), peak_members=peak_active_members(ds, as_of=as_of))

    return ds.cached("community_triage", (end,), compute)


def embedding_indicators(ds: Dataset, *, as_of=None, quarters: int = 4) -> pd.DataFrame:
    """Per calendar quarter up to ``as_of`` (the last ``quarters`` inside the data): how embedded the network is.

    Returns
    -------
    DataFrame
        ``quarter`` (``Q1 2026``), ``partial`` (the as-of date cuts it short), ``active_people``
        (the ``active_90`` KPI at the quarter's last day), ``habitual_share`` (habitual or power
        users among those with any use in the 12 weeks to then), ``beyond_core_share`` (share of the
        quarter's contributions made outside its most active 10% of people),
        ``cross_department_share`` (share of its threads with people of 2+ departments).
    """
    end = as_of_end(as_of, ds)
    last_day = (end - pd.Timedelta(days=1)).tz_localize(None)
    start, _ = ds.coverage()
    if start is None:
        return pd.DataFrame(columns=["quarter", "partial", "active_people", "habitual_share", "beyond_core_share", "cross_department_share"])
    first_q = start.tz_localize(None).to_period("Q")
    periods = [q for q in pd.period_range(last_day.to_period("Q") - (quarters - 1), last_day.to_period("Q"), freq="Q") if q >= first_q]
    windows = []
    for q in periods:
        q_last = min(q.end_time.normalize(), last_day.normalize())
        windows.append((q, q.start_time.tz_localize("UTC"), q_last, q_last.tz_localize("UTC") + pd.Timedelta(days=1)))
    # Threads of each quarter's public messages with authors of 2+ departments, among those with any known.
    instants = {name: pd.Series([w[at] for w in windows], dtype="datetime64[us, UTC]") for name, at in (("since", 1), ("until", 3))}
    frame = pd.DataFrame({"window": np.arange(len(windows), dtype=np.int64), **instants})
    crossing = query(ds, "thread_departments", windows=frame).set_index("window").reindex(frame["window"], fill_value=0)
    threads, crossed = crossing["threads"].to_numpy(), crossing["crossing"].to_numpy()
    rows = []
    for k, (q, q_start, q_last, _) in enumerate(windows):  # a handful of quarters, each vectorised
        usage = participation.usage_segments(ds, as_of=q_last)
        active = usage[usage["segment"] != "non-user"]
        ev = person_days(ds, as_of=q_last)
        ev = ev[ev["day"] >= day_number(q_start)]
        who = ev["who"].to_numpy()
        people_there = unique(who)
        counts = np.bincount(who, weights=(ev["posts"] + ev["replies"] + ev["reactions"]).to_numpy(), minlength=len(ds.people) + 1)[people_there]
        core = np.sort(counts)[::-1][: max(1, int(np.ceil(0.1 * len(counts))))]
        rows.append(
            {
                "quarter": f"Q{q.quarter} {q.year}",
                "partial": bool(q_last < q.end_time.normalize()),
                "active_people": _whole(kpis.kpi_values(ds, as_of=q_last, which=["active_90"])["active_90"]),
                "habitual_share": float(isin(active["segment"], ["habitual", "power"]).mean()) if len(active) else np.nan,
                "beyond_core_share": float(1 - core.sum() / counts.sum()) if counts.sum() else np.nan,
                "cross_department_share": float(crossed[k] / threads[k]) if threads[k] else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=["quarter", "partial", "active_people", "habitual_share", "beyond_core_share", "cross_department_share"])


def success_stories(ds: Dataset, *, as_of=None, individuals: pd.DataFrame | None = None, top: int = 8) -> pd.DataFrame:
    """Threads to play back, with what happened, who took part (by role) and why it matters."""
    threads = successful_threads(ds, as_of=as_of, top=top)
    roles = individuals.set_index("person_id")["role"] if individuals is not None else pd.Series(dtype="str")
    names = ds.groups.set_index("group_id")["name"]
    who = query(ds, "thread_authors", threads=threads[["thread_id"]].astype({"thread_id": "str"}))
    who = who.assign(role=who["author_id"].map(roles).astype("str").fillna("").replace("", "member"))
    mix = who.groupby(["thread_id", "role"]).size().unstack(fill_value=0)

    def describe(tid):
        if tid not in mix.index:
            return ""
        row = mix.loc[tid]
        return ", ".join(f"{n:,} {r}{'s' if n > 1 else ''}" for r, n in row[row > 0].sort_values(ascending=False).items())

    out = pd.DataFrame(
        {
            "rank": threads["rank"],
            "community": threads["group_id"].map(names).fillna("(no community)").astype("str"),
            "when": threads["created_at"].dt.strftime("%Y-%m-%d"),
            "what_happened": threads["participants"].astype(str)
            + " people"
            + np.where(threads["departments"] >= 2, " from " + threads["departments"].astype(str) + " departments", "")
            + " joined in"
            + np.where(
                threads["hours_to_first_response"].notna(),
                ", first answer after " + threads["hours_to_first_response"].round(1).astype(str) + " hours",
                "",
            ),
            "who": threads["thread_id"].map(describe),
            "why_it_matters": np.where(
                threads["departments"] >= 3,
                "knowledge crossed departmental lines",
                np.where(threads["hours_to_first_response"] <= 4, "a question got a fast, shared answer", "several people built on one post"),
            ),
        }
    )
    return out


@dataclasses.dataclass
class Sustain:
    scorecards: pd.DataFrame
    triage: pd.DataFrame
    funnel: pd.DataFrame
    embedding: pd.DataFrame
    stories: pd.DataFrame
    as_of: str = ""
    unit: str = "threads"  # the data's unit of conversation (ctx.profile.unit()): labels and sentences use it


def build_sustain(ctx: StepContext) -> Sustain:
    ds, as_of = ctx.ds, ctx.as_of
    sc = communities.community_scorecard(ds, as_of=as_of)
    welcome = newcomer_welcome(ds, as_of=as_of, inactive_days=ctx.inactive_days)
    funnel_g = newcomer_funnel(ds, as_of=as_of, by_group=True, inactive_days=ctx.inactive_days)
    cards = sc.merge(welcome, on="group_id", how="left").merge(funnel_g, on="group_id", how="left")
    cards["two_way_share"] = cards["group_id"].map(network.community_two_way_share(ds, as_of=as_of)).astype("float64")
    cards = cards[
        [
            "name",
            "status",
            "active_members",
            "response_rate",
            "median_hours_to_first_response",
            "welcomed_24h",
            "welcomed_48h",
            "first message",
            "second message",
            "regular contributor",
            "absence_factor",
            "two_way_share",
        ]
    ]
    from .reactivate import QUIET, build_reactivation

    ib = build_reactivation(ctx).invite_back
    with_it = ib.loc[ib["cause"] == "community", "main_group_id"].value_counts()
    tri = community_triage(ds, as_of=as_of)
    # counted only where the community itself went quiet: the column says "whose communities went quiet too"
    went_quiet = isin(tri["status"], list(QUIET)).to_numpy()
    tri = tri.assign(lapsed_with_it=np.where(went_quiet, tri["group_id"].map(with_it).fillna(0).astype("int64"), 0))
    individuals = network.key_individuals(ds, as_of=as_of)
    return Sustain(
        cards,
        tri,
        newcomer_funnel(ds, as_of=as_of, inactive_days=ctx.inactive_days),
        embedding_indicators(ds, as_of=as_of),
        success_stories(ds, as_of=as_of, individuals=individuals),
        as_of.isoformat(),
        ctx.profile.unit(),
    )


#: Triage actions by the measure that counts them: the first four need a decision, the rest keep the community as it is.
ACTION_MEASURES = {
    "revive": "triage_revive",
    "revive or merge": "triage_revive_or_merge",
    "merge": "triage_merge",
    "archive": "triage_archive",
    "support": "triage_support",
    "leave alone": "triage_leave_alone",
    "leave alone and play back": "triage_play_back",
}


def base_action(actions: pd.Series) -> pd.Series:
    """A triage action without its riders: ``revive and assign an owner; recruit co-hosts`` -> ``revive``.

    >>> base_action(pd.Series(["revive and assign an owner; recruit co-hosts (key-person risk)", "revive or merge", "leave alone and play back"])).tolist()
    ['revive', 'revive or merge', 'leave alone and play back']
    """
    first = actions.astype("str").str.split(";").str[0].str.strip()
    return first.where(~(first.str.startswith("revive") & (first != "revive or merge")), "revive")


def sustain_summary(s: Sustain, *, client: str) -> Told:
    """Step 4's summary: the triage in two sentences, newcomers, the habitual share and the stories, each figure a registered measure."""
    f = Figures("summary", as_of=s.as_of, unit=s.unit)
    counts = base_action(s.triage["action"]).value_counts() if len(s.triage) else pd.Series(dtype="int64")
    decide = [a for a in ("revive", "revive or merge", "merge", "archive") if counts.get(a, 0)]
    keep = [a for a in ("support", "leave alone", "leave alone and play back") if counts.get(a, 0)]
    lines = []
    if len(s.triage):
        n_decide, n_keep = sum(int(counts[a]) for a in decide), sum(int(counts[a]) for a in keep)
        hanging = int((s.triage["key_person_risk"] != "").sum())
        parts = "; ".join(
            [f"{a} {f(ACTION_MEASURES[a], int(counts[a]))}" for a in decide]
            + (
                [f"keep {f('communities_to_keep', n_keep)}: " + ", ".join(f"{a} {f(ACTION_MEASURES[a], int(counts[a]))}" for a in keep)]
                if keep
                else []
            )
        )
        lines.append(
            f"- **{f('communities_to_act_on', n_decide)} of {f('communities', len(s.triage))} communities need a decision**: {parts}."
            + (f" {f('communities_hanging_on_few', hanging)} in use hang on one or two people: recruit co-hosts." if hanging else "")
        )
    else:
        lines.append("- **No community or channel was found in this export**, so there is nothing to triage.")
    fun = s.funnel
    if len(s.triage) and len(fun) > 1 and pd.notna(fun["share"].iloc[1]):  # newcomers to a community: none without communities
        lines.append(
            f"- **Newcomers**: {f('newcomer_return_share', fun['share'].iloc[1])} of people's first posts in a community were followed by another there."
        )
    e = s.embedding
    if len(e) >= 2 and pd.notna(e["habitual_share"].iloc[-1]) and pd.notna(e["habitual_share"].iloc[0]):
        q0, q1 = e["quarter"].iloc[0], e["quarter"].iloc[-1]
        first, last = f("habitual_share", e["habitual_share"].iloc[0], window=q0), f("habitual_share", e["habitual_share"].iloc[-1], window=q1)
        shown = [x.display for x in f.facts[-2:]]
        if shown[0] == shown[1]:
            lines.append(f"- **Habit**: the share of active people with a habit held at {last} from {q0} to {q1}.")
        else:
            way = "rose" if e["habitual_share"].iloc[-1] > e["habitual_share"].iloc[0] else "fell"
            lines.append(f"- **Habit**: the share of active people with a habit {way} from {first} in {q0} to {last} in {q1}.")
    lines.append(f"- {_stories_line(len(s.stories), f)}")
    return Told("\n".join(lines), f)


def _stories_line(n: int, f: Figures) -> str:
    if n == 0:
        return "**No success story** is ready to play back yet."
    noun, verb = ("story", "is") if n == 1 else ("stories", "are")
    return f"**{f('success_stories', n)} success {noun}** {verb} ready to play back (below)."


def _whole(value: float) -> float:
    """A count as a whole number, or NaN where the data cannot tell (usage reports alone)."""
    return float(round(value)) if np.isfinite(value) else float("nan")
