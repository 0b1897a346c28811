"""Why a section of a deliverable is empty, in one plain sentence that names what is missing.

A table or chart with nothing to show never says "nothing to show": it says why — no survey was
supplied, this export has no communities, no department reaches the privacy floor. The notebooks
pass ``empty=why(ctx, "<topic>")`` to :func:`esnkit.render.show_table` and to every plot, and
the reason is worked out here from the data, so it is true for this client.

Examples
--------
>>> import datetime as dt
>>> from esnkit import Dataset
>>> from esnkit.config import ClientConfig, ClientPaths
>>> from esnkit.steps.context import StepContext
>>> ctx = StepContext(ds=Dataset(), config=ClientConfig(name="Acme"), paths=ClientPaths(__import__("pathlib").Path(".")),
...                   as_of=dt.date(2026, 6, 30), min_group_size=5, show_names=False, inactive_days=90)
>>> why(ctx, "survey")
'No survey was supplied for this client.'
>>> why(ctx, "communities")
'No community or channel was found in this export: conversation happens in direct messages only.'
"""

from __future__ import annotations

from collections.abc import Callable

from ..metrics import network
from ..metrics.measures import in_unit
from .context import StepContext

__all__ = ["why", "TOPICS"]

COMMUNITY_KINDS = ("community", "channel", "team", "all-company")


def _has_communities(ctx: StepContext) -> bool:
    return bool(ctx.ds.groups["kind"].isin(COMMUNITY_KINDS).any() or (ctx.ds.groups["kind"].isna() & ctx.ds.groups["group_id"].notna()).any())


def _departments(ctx: StepContext, attribute: str = "department") -> str:
    people = ctx.ds.people
    if attribute not in people.columns or people[attribute].isna().all():
        return f"No HR roster was supplied and the export itself records no {attribute}, so there is no breakdown by {attribute}."
    return f"No {attribute} has at least {ctx.min_group_size} people, the privacy floor for any breakdown."


def _communities(ctx: StepContext) -> str:
    if not _has_communities(ctx):
        return "No community or channel was found in this export: conversation happens in direct messages only."
    return f"No community is thriving, growing or stable at {ctx.as_of}."


def _survey(ctx: StepContext) -> str:
    if len(ctx.ds.survey) == 0:
        return "No survey was supplied for this client."
    return f"No survey question was answered by at least {ctx.min_group_size} people in any department, the privacy floor."


def _survey_by_department(ctx: StepContext) -> str:
    if len(ctx.ds.survey) == 0 or "department" in ctx.ds.survey.columns:
        return _survey(ctx)
    return "The survey answers carry no department (anonymous, or no roster to join), so they cannot be broken down by department."


def _interviews(ctx: StepContext) -> str:
    if len(ctx.ds.interviews) == 0:
        return "No interview notes were supplied for this client."
    return f"No group of interviewees has at least {ctx.min_group_size} people, so no theme can be shown without identifying someone."


def _questions(ctx: StepContext) -> str:
    from ..metrics.conversations import marks_questions

    if marks_questions(ctx.ds):
        return f"No question was asked in the 90 days to {ctx.as_of}."
    formats = {str(s.get("format", "")) for s in ctx.ds.meta.sources}
    if formats and formats <= {"slack", "teams"}:
        return "This export marks no questions: Slack and Teams have no question type."
    return "These data mark no message as a question, so questions are not counted apart from other posts."


def _invite_back(ctx: StepContext) -> str:
    from .reactivate import build_reactivation

    if len(build_reactivation(ctx).invite_back) == 0:
        return f"No one with an account has lapsed: everyone who took part was active in the last {ctx.inactive_days} days."
    return "Everyone who lapsed left with a community that went quiet (step 4 lists them with it) or wrote only once: no personal invitation is due."


TOPICS: dict[str, Callable[[StepContext], str]] = {
    "departments": _departments,
    "locations": lambda ctx: _departments(ctx, "location"),
    "communities": _communities,
    "all communities": lambda ctx: _communities(ctx) if not _has_communities(ctx) else f"No community had any activity up to {ctx.as_of}.",
    "activity": lambda ctx: (
        "These data are usage reports, which count each person's activity over a whole period: there is no month-by-month activity to show."
        if ctx.profile.usage_only
        else f"No one posted, replied or reacted up to {ctx.as_of}."
    ),
    "threads": lambda ctx: in_unit(f"No thread was started up to {ctx.as_of}.", ctx.profile.unit()),
    "ties": lambda ctx: (
        "These private messages answer one another, but a tie is a reply to a message, a mention or a reaction, and they hold "
        "too few of those to make a network: no one is a key individual by it."
        if ctx.profile.private_only
        else "No one replied to, mentioned or reacted to anyone else in the last 365 days, so there is no network of ties yet."
        if network.key_individuals(ctx.ds, as_of=ctx.as_of).empty
        else "No one links people who are not otherwise in touch: everyone tied is tied directly, so no one is a key individual yet."
    ),
    "silos": lambda ctx: (
        _departments(ctx)
        if ctx.ds.people["department"].isna().all()
        else f"No department with at least {ctx.min_group_size} people has ties to measure."
    ),
    "influencer risk": lambda ctx: "None of last quarter's most central people has halved their activity since: no influencer is at risk.",
    "successes": lambda ctx: in_unit(
        "No thread or community stands out yet: none drew several people"
        + (", several departments or fast answers." if ctx.profile.has_departments else " or fast answers."),
        ctx.profile.unit(),
    ),
    "survey": _survey,
    "survey by department": _survey_by_department,
    "findings": lambda ctx: in_unit(
        f"No figure at {ctx.as_of} calls for a specific action: no key-person risk, silo, silent heavy contributors, "
        "quiet communities, unanswered threads or large never-activated group was found.",
        ctx.profile.unit(),
    ),
    "questions": _questions,
    "leaders": lambda ctx: (
        "No leaders were named for this analysis, so leaders' reach is not shown."
        if ctx.config.leaders is None
        else "None of the leaders named for this analysis is in the data."
    ),
    "silent heavy": lambda ctx: f"None of the heaviest contributors has been silent for {ctx.inactive_days} days or more.",
    "interviews": _interviews,
    "champions": lambda ctx: f"No one active in the last {ctx.inactive_days} days holds a key role in the network of ties yet.",
    "seed communities": lambda ctx: (
        _communities(ctx) if not _has_communities(ctx) else f"No community is growing or thriving at {ctx.as_of} to seed from."
    ),
    "invite back": _invite_back,
    "comms targets": _departments,
    "campaigns": lambda ctx: "No campaign has been recorded for this client yet, so there is no uplift to measure.",
    "newcomers": lambda ctx: _communities(ctx) if not _has_communities(ctx) else f"No one had posted in a community up to {ctx.as_of}.",
    "embedding": lambda ctx: f"No activity in the quarters up to {ctx.as_of}.",
    "objectives": lambda ctx: "This network has no figure an objective could be measured on yet (no threads, no communities, no activity).",
    "best practices": lambda ctx: "Too few communities to compare: at least two growing or thriving and two declining or idle ones are needed.",
    "movers": lambda ctx: "No community's activity changed this quarter and no influencer is at risk.",
    "benchmarks": lambda ctx: "No figure of this network can be compared with a published benchmark yet.",
    "segments": lambda ctx: f"No one has taken part up to {ctx.as_of}.",
}


def why(ctx: StepContext, topic: str) -> str:
    """The sentence a deliverable shows where the ``topic`` section has nothing to show."""
    try:
        return TOPICS[topic](ctx)
    except KeyError:
        raise ValueError(f"no reason is written for an empty {topic!r} section; add one to esnkit.steps.empty.TOPICS") from None
