"""The registry of measures: every figure a client reads is one of these, defined here once.

A *measure* says what a figure is: its label (one label, one measure — a segment or a window a
figure is taken over is written into the label of that figure, never left to the reader), its unit
and how it prints, what one unit counts (people, threads, communities, person × community pairs
...), the window it is measured over, the measure it is a part of (its *population*: people active
are a part of the people registered), and a definition in words. The ten headline KPIs
(:data:`KPIS`, computed by :mod:`esnkit.metrics.kpis`) are measures too.

A deliverable prints a measure through :class:`esnkit.facts.Figures`, which records the value and
the text it printed as a *fact*; ``esnkit run`` gathers the facts of the five deliverables into
``reports/<as_of>/facts.json`` and :func:`esnkit.audit.audit` holds the pages to them.

``version`` is a measure's definition version: it changes whenever what a measure counts changes,
so a figure is never compared with one measured under another definition.

Examples
--------
>>> display("active_30", 1204.0), display("top10_share", 0.8512), display("department_ei_index", -0.345)
('1,204', '85%', '-0.34')
>>> measure("communities_thriving").population
'communities'
"""

from __future__ import annotations

import dataclasses
import math
import re

from .._text import percent

__all__ = ["Measure", "MEASURES", "KPIS", "measure", "display", "label_of", "segment_words", "in_unit", "UNITS"]

#: How each unit prints (``digits`` of a measure set the decimals of a share).
UNITS = ("share", "count", "hours", "index", "score")


@dataclasses.dataclass(frozen=True)
class Measure:
    """One figure a client can read: what it is, what one unit counts, how it prints, which way is better."""

    id: str
    label: str
    unit: str  # one of UNITS: "share" (0 to 1), "count" (whole units), "hours", "index" (-1 to +1), "score" (0 to 1)
    definition: str
    counts: str = "people"  # what one unit of the figure (or of its numerator, for a share) is
    window: str | None = None  # the period it is measured over, when the measure fixes it ("last 90 days")
    population: str | None = None  # the measure this one is a part of: its value never exceeds that one's
    parts_of: str | None = None  # these measures split that one: in one finding or sentence they add up to it
    higher_is_better: bool = True
    segmentable: bool = True  # can be measured for one department, location...
    owner_theme: str = "adoption"  # whose actions move it: a key of esnkit.config.OWNER_THEMES
    digits: int = 1  # decimals of a share, in points ("73.7%" with 1, "85%" with 0)
    kpi: bool = False  # one of the headline KPIs (tiles, kpis.json)
    version: int = 1
    ratio_of: tuple[str, str] | None = None  # a share that is one count over another: printed beside them, it must be their ratio

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ValueError(f"measure {self.id!r}: unit {self.unit!r} is not one of {', '.join(UNITS)}")


def _kpi(id: str, label: str, unit: str, definition: str, **kw) -> Measure:
    return Measure(id, label, unit, definition, kpi=True, **kw)


KPIS: tuple[Measure, ...] = (
    _kpi(
        "interactive_share",
        "Registered people who interacted in the last 6 months",
        "share",
        "Registered people (bots and guests excluded) who posted, replied or reacted in the 180 days to the as-of date, "
        "as a share of everyone registered by then: every live account (not deactivated or deleted) that had joined, or every "
        "one when the export gives no join dates, whether or not it took part (SWOOP's interactive users; reading is not counted).",
        window="last 180 days",
        population="registered",
        version=2,
    ),
    _kpi(
        "active_30",
        "People active in the last 30 days",
        "count",
        "People (bots and guests excluded) with a post, reply or reaction in the 30 days to the as-of date.",
        window="last 30 days",
        population="registered",
    ),
    _kpi(
        "active_90",
        "People active in the last 90 days",
        "count",
        "People (bots and guests excluded) with a post, reply or reaction in the 90 days to the as-of date.",
        window="last 90 days",
        population="registered",
    ),
    _kpi(
        "engaged_30",
        "Engaged people (4+ active days in the last 30)",
        "count",
        "People (bots and guests excluded) active on at least 4 distinct days of the 30 days to the as-of date: a weekly habit.",
        window="last 30 days",
        population="active_30",
    ),
    _kpi(
        "response_rate",
        "Threads answered (last 90 days)",
        "share",
        "Of the threads started in the 90 days to the as-of date by people (not bots or guests), the share that got a reply or "
        "reaction from someone other than the author by then (SWOOP); a reaction the export gives no time, as standard Slack "
        "exports do, counts at its message's time. In a private conversation, a message is answered when the other person "
        "writes next.",
        counts="threads",
        window="last 90 days",
        owner_theme="conversation",
        version=2,
    ),
    _kpi(
        "median_hours_to_first_response",
        "Median hours to first response (last 90 days)",
        "hours",
        "Over the threads of those 90 days with a dated reply or reaction by someone else, the median time from the post to "
        "the first of them (CHAOSS time to first response); a reaction without a time answers a thread but gives it no time.",
        counts="threads",
        window="last 90 days",
        higher_is_better=False,
        owner_theme="conversation",
        version=2,
    ),
    _kpi(
        "healthy_communities",
        "Communities thriving or growing",
        "count",
        "Communities whose lifecycle status at the as-of date is thriving or growing (the rule is under 'community status').",
        counts="communities",
        population="communities",
        segmentable=False,
        owner_theme="communities",
    ),
    _kpi(
        "cross_department_share",
        "Interactions between departments (last 12 months)",
        "share",
        "Of the replies, @mentions and reactions in the 365 days to the as-of date (the interaction graph's window) between two "
        "people whose departments are known (bots and guests excluded), the share between people of different departments. For "
        "one department: the share of its people's interactions that cross its boundary, (1 + E-I index) / 2.",
        counts="interactions",
        window="last 12 months",
        owner_theme="network",
    ),
    _kpi(
        "lapsed",
        "Lapsed people",
        "count",
        "People (bots and guests excluded) who were active at some time but not in the last N days to the as-of date "
        "(N is 90 unless the client chose another number: the run parameters below give it).",
        population="people",
        higher_is_better=False,
        owner_theme="people",
    ),
    _kpi(
        "never_activated",
        "People who have never taken part",
        "count",
        "People (bots and guests excluded) with no post, reply or reaction ever, to the as-of date: open accounts that never took "
        "part and, with an HR roster, everyone on it who never joined. Closed (deleted or deactivated) accounts are not counted.",
        population="people",
        higher_is_better=False,
        version=2,  # 2: closed accounts left out
    ),
)

_STATUS = "by its lifecycle status at the as-of date (the rule is under 'community status')"
#: Step 4's triage actions, by the measure that counts them: those that need a decision, and those that keep a community.
_TRIAGE_DECIDE = (("revive", "revive"), ("revive_or_merge", "revive or merge"), ("merge", "merge"), ("archive", "archive"))
_TRIAGE_KEEP = (("support", "support"), ("leave_alone", "leave alone"), ("play_back", "leave alone and play back"))


def _triage(key: str, action: str, whole: str) -> Measure:
    """The communities of one triage action (``action``: "revive"), a part of ``whole``."""
    return Measure(
        f"triage_{key}",
        f"Communities to {action}",
        "count",
        f"Communities whose triage action (step 4) is: {action}.",
        counts="communities",
        population="communities",
        parts_of=whole,
        segmentable=False,
    )


OTHER: tuple[Measure, ...] = (
    Measure(
        "people",
        "People counted",
        "count",
        "Everyone the figures count: people with an account or on the HR roster, bots and external guests excluded.",
    ),
    Measure(
        "registered",
        "Registered people",
        "count",
        "People with a live account (not deactivated or deleted) who had joined by the as-of date (every such account when "
        "the export gives no join dates, whether or not it took part), bots and external guests excluded.",
        version=2,
        population="people",
    ),
    Measure(
        "monthly_active",
        "People active in the month",
        "count",
        "People (bots and guests excluded) with a post, reply or reaction in that calendar month.",
    ),
    Measure(
        "monthly_active_change_from_peak",
        "Change in people active each month since the peak",
        "share",
        "People active in the latest complete month against the busiest complete month so far, as a change in percent of the busiest.",
        digits=0,
    ),
    Measure(
        "communities",
        "Communities",
        "count",
        "Communities (groups, channels or teams; not private conversations) that existed at the as-of date.",
        counts="communities",
        segmentable=False,
    ),
    *(
        Measure(
            f"communities_{s}",
            f"Communities {s}",
            "count",
            f"Communities {_STATUS}: {s}.",
            counts="communities",
            population="communities",
            segmentable=False,
        )
        for s in ("thriving", "growing", "stable", "new", "declining", "idle", "dormant")
    ),
    Measure(
        "communities_quiet",
        "Communities declining, idle or dormant",
        "count",
        f"Communities {_STATUS}: declining, idle or dormant.",
        counts="communities",
        population="communities",
        segmentable=False,
    ),
    Measure(
        "communities_to_act_on",
        "Communities step 4 proposes to revive, merge or archive",
        "count",
        "Communities whose triage action (step 4) is to revive, revive or merge, merge, or archive them.",
        counts="communities",
        population="communities",
        segmentable=False,
    ),
    *(_triage(key, words, "communities_to_act_on") for key, words in _TRIAGE_DECIDE),
    Measure(
        "communities_duplicate_live",
        "Communities in use that duplicate another",
        "count",
        "Communities that are not declining, idle or dormant but overlap another community in name and members (step 4 proposes to merge them).",
        counts="communities",
        population="communities",
        segmentable=False,
    ),
    Measure(
        "communities_hanging_on_few",
        "Communities in use that hang on one or two people",
        "count",
        "Live communities (thriving, growing, stable or declining) with 6+ messages in 180 days where one or two people make half the contributions.",
        counts="communities",
        population="communities",
        segmentable=False,
    ),
    Measure(
        "top10_share",
        "Contributions by the most active 10% of people (last 6 months)",
        "share",
        "Of the posts, replies and reactions of the 180 days to the as-of date, the share made by the 10% of registered people who made the most.",
        counts="contributions",
        window="last 180 days",
        digits=0,
    ),
    Measure(
        "lurker_share",
        "Registered people who made no contribution (last 6 months)",
        "share",
        "Registered people with no post, reply or reaction in the 180 days to the as-of date, as a share of everyone registered.",
        window="last 180 days",
        digits=0,
        higher_is_better=False,
    ),
    Measure(
        "department_ei_index",
        "E-I index of a department (last 12 months)",
        "index",
        "(interactions with other departments − interactions inside) / all interactions of the department's people, given or received (Krackhardt): −1 only inside, +1 only outside.",
        counts="interactions",
        window="last 12 months",
    ),
    Measure(
        "department_internal_share",
        "Interactions of a department that stay inside it (last 12 months)",
        "share",
        "Of the replies, @mentions and reactions a department's people give or receive, the share with people of the same department: (1 − E-I index) / 2.",
        counts="interactions",
        window="last 12 months",
        digits=0,
        higher_is_better=False,
    ),
    Measure(
        "cross_department_carriers",
        "Key people in the conversation between departments (last 12 months)",
        "count",
        "The fewest people, up to three, who between them give or receive half of all interactions between departments "
        "(three when even three fall short of half).",
        window="last 12 months",
        higher_is_better=False,
    ),
    Measure(
        "cross_department_carriers_share",
        "Share of the conversation between departments the key people take part in (last 12 months)",
        "share",
        "Of the interactions between departments, the share that the fewest people carrying half of them take part in.",
        counts="interactions",
        window="last 12 months",
        digits=0,
        higher_is_better=False,
    ),
    Measure(
        "silent_heavy_contributors",
        "Heavy contributors who went silent",
        "count",
        "People among the top 10% by posts and replies up to the as-of date who have had no activity for as long as makes a person lapsed (90 days unless the client chose otherwise).",
        population="lapsed",
        higher_is_better=False,
    ),
    Measure(
        "silent_heavy_stopped_in_month",
        "Heavy contributors who went silent, by the month they stopped",
        "count",
        "Of the heavy contributors who went silent, those whose last activity fell in that month.",
        population="silent_heavy_contributors",
        higher_is_better=False,
    ),
    Measure(
        "never_activated_share",
        "People who have never taken part, as a share of everyone counted",
        "share",
        "People who have never taken part, over everyone counted (bots and guests excluded).",
        digits=0,
        higher_is_better=False,
        ratio_of=("never_activated", "people"),
    ),
    Measure(
        "two_way_share",
        "Related pairs that are two-way (last 12 months)",
        "share",
        "Of the pairs of people where one replied to, mentioned or reacted to the other in 365 days, the share where both did (SWOOP).",
        counts="pairs of people",
        window="last 12 months",
        digits=0,
    ),
    Measure(
        "survey_favourable",
        "Survey answers that are favourable",
        "share",
        "Answers in the top two points of a 5-point scale (4 or 5), as a share of every answer to the question.",
        counts="survey answers",
        digits=0,
    ),
    Measure(
        "benchmark_interactive_average",
        "Published average share of registered people who interact (SWOOP)",
        "share",
        "SWOOP's published average of registered people who interacted in six months (see the benchmarks section).",
        counts="published figure",
        digits=0,
        segmentable=False,
    ),
    Measure(
        "benchmark_interactive_recommended",
        "Recommended share of registered people who interact (SWOOP)",
        "share",
        "SWOOP's recommended share of registered people who interacted in six months.",
        counts="published figure",
        digits=0,
        segmentable=False,
    ),
)

STEPS_3_4: tuple[Measure, ...] = (
    Measure(
        "champions",
        "Champions",
        "count",
        "People active in the lapsed rule's window (90 days unless the client chose otherwise) who have given at least one reply (a habit of responding), "
        "ranked highest by people reached, ties into other departments and replies given (step 3 lists them; at most 20, and at most a tenth of the "
        "people active).",
        population="active_90",
        version=2,
    ),
    Measure(
        "champions_bridging",
        "Champions with ties into other departments",
        "count",
        "Champions with at least one tie to a person in another department.",
        population="champions",
    ),
    Measure(
        "seed_communities",
        "Seed communities",
        "count",
        "The growing or thriving communities with the most active members in the last 90 days (at most 8), where step 3 builds buzz first.",
        counts="communities",
        population="healthy_communities",
        segmentable=False,
    ),
    Measure(
        "invite_back",
        "Lapsed people who can be invited back",
        "count",
        "Lapsed people whose account is neither deleted nor suspended.",
        population="lapsed",
    ),
    Measure(
        "invite_back_listed",
        "Lapsed people step 3 lists to invite personally",
        "count",
        "The best-ranked of the lapsed people whose communities carried on (at most 20; all are in the restricted invite-back list).",
        population="lapse_personal",
    ),
    *(
        Measure(
            f"lapse_{key}",
            f"Lapsed people who can be invited back, {words}",
            "count",
            f"Of the lapsed people who can be invited back, those who {words}.",
            population="invite_back",
            parts_of="invite_back",
        )
        for key, words in (
            ("personal", "went quiet while their communities carried on"),
            ("community", "left with communities that went quiet"),
            ("one_off", "wrote only once"),
        )
    ),
    Measure(
        "communities_to_keep",
        "Communities step 4 proposes to keep as they are or support",
        "count",
        "Communities whose triage action (step 4) is to support them or leave them alone.",
        counts="communities",
        population="communities",
        segmentable=False,
    ),
    *(_triage(key, words, "communities_to_keep") for key, words in _TRIAGE_KEEP),
    Measure(
        "newcomer_return_share",
        "Newcomers to a community who posted there again",
        "share",
        "Of the people who posted in a community for the first time (one person in two communities counts twice), the share who posted there again.",
        counts="person × community pairs",
        digits=0,
    ),
    Measure(
        "habitual_share",
        "Active people with a habit (active in most weeks of the quarter)",
        "share",
        "Of the people active in a quarter, the share active in at least 9 of its 13 weeks.",
        digits=0,
    ),
    Measure(
        "success_stories",
        "Success stories ready to play back",
        "count",
        "Threads of the last 180 days that step 4 picks to play back (see its section).",
        counts="threads",
        segmentable=False,
    ),
)


def _per_kpi(prefix: str, label: str, definition: str) -> tuple[Measure, ...]:
    """One measure per KPI in the KPI's unit: ``<prefix>_<kpi>``, labelled ``label`` + the KPI's label; ``definition``
    has ``{label}`` for the KPI's."""
    return tuple(
        dataclasses.replace(
            k, id=f"{prefix}_{k.id}", label=f"{label}{k.label}", definition=definition.format(label=k.label), kpi=False, population=None
        )
        for k in KPIS
    )


#: An objective's target is a figure of its own, in its KPI's unit: ``target_<kpi>``, its window the deadline ("by 2027-09-30").
TARGETS = _per_kpi("target", "Target: ", "The value of '{label}' an objective aims for by its deadline (step 2's plan).")

STEPS_2_5: tuple[Measure, ...] = (
    Measure(
        "objectives",
        "Objectives in the plan",
        "count",
        "The objectives of the plan in force (agreed, or proposed by step 2).",
        counts="objectives",
        segmentable=False,
    ),
    *(
        Measure(
            f"objectives_{key}",
            f"Objectives {words}",
            "count",
            f"Objectives of the agreed plan whose status is {words} (the rule is in step 5).",
            counts="objectives",
            population="objectives",
            parts_of="objectives",
            segmentable=False,
        )
        for key, words in (("on_track", "on track"), ("at_risk", "at risk"), ("off_track", "off track"), ("no_forecast", "without a forecast"))
    ),
)

#: A trend chart's end point: where a KPI's trend reaches by an objective's deadline, ``forecast_<kpi>`` (window "by 2027-09").
FORECASTS = _per_kpi(
    "forecast", "On this trend: ", "Where '{label}' ends by the deadline if its trend continues (the one trend model, esnkit.metrics.trends)."
)

#: The figures chart captions state (esnkit.plots): each chart's title says its finding with these.
CHARTS: tuple[Measure, ...] = (
    Measure(
        "adoption_rate",
        "Headcount active in the last 90 days",
        "share",
        "People with a post, reply or reaction in the 90 days to the as-of date, as a share of everyone counted "
        "(the HR roster's people who never joined included), for one department or location.",
        window="last 90 days",
        population="people",
        digits=0,
    ),
    Measure(
        "months_more_stopped",
        "Months in which more people stopped than arrived",
        "count",
        "Of the last six complete months (fewer when the data hold fewer), those in which the people who stopped (active the "
        "month before, not this one) outnumbered those who arrived (new or back).",
        counts="months",
        segmentable=False,
        higher_is_better=False,
    ),
    Measure(
        "arrived_in_month",
        "People who arrived in the month (new or back)",
        "count",
        "People active in the month who were not active the month before: first-timers and people back after a break.",
    ),
    Measure(
        "stopped_in_month",
        "People who stopped in the month",
        "count",
        "People active the month before who were not active in the month.",
        higher_is_better=False,
    ),
    Measure(
        "response_rate_quarter",
        "Threads answered in the quarter",
        "share",
        "Of the threads started in the calendar quarter by people (not bots or guests), the share that got a reply or reaction "
        "from someone else (the threads every response figure counts).",
        counts="threads",
        segmentable=False,
    ),
    Measure(
        "department_pair_interactions",
        "Interactions between two departments (last 12 months)",
        "count",
        "Replies, @mentions and reactions between people of the two departments, either way, in the 365 days to the as-of date.",
        counts="interactions",
        window="last 12 months",
    ),
    Measure(
        "people_in_segment",
        "People in a usage segment or persona",
        "count",
        "Registered people (bots and guests excluded) in one usage segment or persona of step 1 (their definitions are in the appendix).",
        population="registered",
    ),
    Measure(
        "people_in_segment_share",
        "Share of registered people in a usage segment or persona",
        "share",
        "People in one usage segment or persona as a share of the registered people segmented.",
        digits=0,
    ),
    Measure(
        "influencer_risk_score",
        "Influencer risk score",
        "score",
        "1 minus the mean influence (PageRank) of the people ranked 2 to 10 relative to the most influential: 0 when influence "
        "is shared, near 1 when the network hangs on one person.",
        segmentable=False,
        higher_is_better=False,
    ),
    Measure(
        "department_given_internal_share",
        "Interactions a department gives that stay inside it (last 12 months)",
        "share",
        "Of the replies, @mentions and reactions a department's people give (not receive), the share directed at people of the "
        "same department: a row of the department matrix.",
        counts="interactions",
        window="last 12 months",
        digits=0,
        higher_is_better=False,
    ),
    Measure(
        "department_given_internal_median",
        "Interactions given that stay inside the department, median department (last 12 months)",
        "share",
        "The median, over the departments of the matrix, of the share of the interactions each gives that stays inside it.",
        counts="interactions",
        window="last 12 months",
        digits=0,
        segmentable=False,
        higher_is_better=False,
    ),
)

MEASURES: tuple[Measure, ...] = (*KPIS, *OTHER, *STEPS_3_4, *TARGETS, *STEPS_2_5, *FORECASTS, *CHARTS)
_BY_ID = {m.id: m for m in MEASURES}
if len(_BY_ID) != len(MEASURES):  # pragma: no cover - a registry mistake, caught on import
    raise RuntimeError("two measures share an id")
if len({m.label for m in MEASURES}) != len(MEASURES):  # pragma: no cover
    raise RuntimeError("two measures share a label")


def measure(measure_id: str) -> Measure:
    """The measure of that id; a ``ValueError`` that lists the ids otherwise."""
    try:
        return _BY_ID[measure_id]
    except KeyError:
        raise ValueError(f"unknown measure {measure_id!r}; choose one of {', '.join(_BY_ID)}") from None


def display(measure_id: str, value: float | None) -> str:
    """The exact text every deliverable prints for a value of the measure: ``73.7%``, ``1,204``, ``14.0 h``, ``+0.25``, ``–``."""
    m = measure(measure_id)
    if value is None or not math.isfinite(value):
        return "–"
    if m.unit == "share":
        return percent(value, m.digits)
    if m.unit == "hours":
        return f"{value:.1f} h"
    if m.unit == "index":
        return f"{value:+.2f}".replace("+0.00", "0.00").replace("-0.00", "0.00")
    if m.unit == "score":
        return f"{value:.2f}"
    return f"{round(value):,}"


def segment_words(segment: dict | None) -> str:
    """A segment as its label writes it: ``{"department": "Legal"}`` -> ``"Legal"``; several values joined with ``" × "``.

    >>> segment_words({"department": "Legal", "location": "Berlin"}), segment_words(None)
    ('Legal × Berlin', '')
    """
    return " × ".join(str(v) for v in (segment or {}).values())


#: A thread, as the registry writes it; :func:`in_unit` puts the data's own unit of conversation in its place.
_THREAD = re.compile(r"\b([Tt])hread(s?)\b")


def in_unit(text: str, unit: str | None = None) -> str:
    """``text`` written for threads, in the data's unit of conversation (:meth:`esnkit.profile.DataProfile.unit`).

    The registry writes its labels and definitions for threads; data without replies have posts,
    private messages only have conversations. This is the one place the word changes, so one
    measure keeps one label within a client: tiles, facts, kpis.json, plans and the appendix.

    >>> in_unit("Threads answered (last 90 days)", "posts")
    'Posts answered (last 90 days)'
    >>> in_unit("Of the threads started, a thread's first reply", "conversations")
    "Of the conversations started, a conversation's first reply"
    >>> in_unit("Threads answered", None), in_unit("Threads answered", "threads")
    ('Threads answered', 'Threads answered')
    """
    if not unit or unit.rstrip("s") == "thread":
        return text
    word = unit[:-1] if unit.endswith("s") else unit
    return _THREAD.sub(lambda m: (word.capitalize() if m[1] == "T" else word) + m[2], text)


def label_of(measure_id: str, *, segment: dict | None = None, window: str | None = None, unit: str | None = None) -> str:
    """The label a figure of this measure prints under: the measure's label, in the data's ``unit`` of conversation
    (:func:`in_unit`), its segment and its own window if it has one.

    >>> label_of("cross_department_share", segment={"department": "Legal"})
    'Interactions between departments (last 12 months), Legal'
    >>> label_of("monthly_active", window="June 2026")
    'People active in the month (June 2026)'
    >>> label_of("response_rate", unit="posts"), label_of("target_response_rate", unit="conversations")
    ('Posts answered (last 90 days)', 'Target: Conversations answered (last 90 days)')
    """
    m = measure(measure_id)
    text = in_unit(m.label, unit)
    if window and window != m.window:
        text += f" ({window})"
    if segment:
        text += f", {segment_words(segment)}"
    return text
