"""The narrative a section opens with, true to the data profile: one rule per section, stated here.

A section written for departments or threads cannot be shown as it is for data without them. Each
section the notebooks open with :func:`show_section` names what it needs; where the data lack it
the section is left out, or its intro replaced by one plain sentence saying so (``without``), and its intro
is written in the data's unit of conversation (:func:`esnkit.metrics.measures.in_unit`: threads,
posts or conversations). The notebook keeps the body inside ``if show_section(ctx, key):``.

Examples
--------
>>> from esnkit.profile import DataProfile
>>> p = DataProfile(7, 0, 0, 9, 0, 0, 9, 0, 0, 0, False, False, 0, 0, False, None, None, None, "")
>>> section_markdown(p, "adoption by department") is None  # left out: the appendix says the data have no departments
True
>>> print(section_markdown(p, "silos"))
These data have no departments, so silos between departments cannot be measured: the key individuals above show who links people.
>>> private = dataclasses.replace(p, private_messages=9, community_messages=0)
>>> section_markdown(private, "communities")
'No community or channel was found in this export: conversation happens in private messages only, so there are no community figures.'
>>> applies(private, "communities"), applies(p, "communities")
(False, True)
>>> section_markdown(private, "conversations").split(". ")[1]
'The response rate is the share of new conversations the other person replied or reacted to; the labels show how long the first response took.'
>>> section_markdown(p, "conversations").splitlines()[-1][:66]
'A network feels alive when questions get answers. The response rat'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ..metrics.measures import in_unit
from ..profile import DataProfile
from .context import StepContext

__all__ = ["Section", "SECTIONS", "section_markdown", "applies", "show_section"]


@dataclasses.dataclass(frozen=True)
class Section:
    """A section's heading and intro (written for threads), what it needs, and what it says without it."""

    heading: str | None  # Markdown ("### Adoption by department"); None: the notebook's own heading cell, always shown
    intro: str  # written for threads: in_unit puts the data's own word
    needs: Callable[[DataProfile], bool] = lambda p: True
    without: str | None = None  # what it says when the data cannot support it; None: left out
    alternative: str | None = None  # an intro that holds without what ``needs`` asks for, when the section still applies
    private: str | None = None  # the intro for private messages only (a conversation answered when the other person replied)


def _departments(p: DataProfile) -> bool:
    return p.has_departments


def _communities(p: DataProfile) -> bool:
    return not p.private_only


def _threads(p: DataProfile) -> bool:
    return p.has_threads and not p.private_only


SECTIONS: dict[str, Section] = {
    "adoption by department": Section(
        "### Adoption by department",
        "People active in the last 90 days as a share of each department's headcount (the HR roster, so people who never joined "
        "count too). Departments below the minimum group size are not shown.",
        needs=_departments,
    ),
    "communities": Section(
        None,
        "Every community has a lifecycle status, decided by a stated rule (see the appendix). Thriving and growing communities are "
        "where to build; dormant ones need a decision.",
        needs=_communities,
        without="No community or channel was found in this export: conversation happens in private messages only, so there are no community figures.",
    ),
    "community scorecards": Section(
        None,
        "*Two-way pairs*: of the pairs of people who interacted in the community in the last 12 months, the share where each "
        "replied to, mentioned or reacted to the other (SWOOP finds 70-80% in small working teams). *Absence factor*: the fewest "
        "people who make half its contributions.",
        needs=_communities,
        without=(
            "No community or channel was found in this export: conversation happens in private messages only, so there are no "
            "community scorecards, triage or newcomers to a community to show."
        ),
    ),
    "lifecycle triage": Section(
        "## Lifecycle triage",
        "Every community's status (as every step gives it) with the recommended action and the evidence behind it; a likely "
        "duplicate of another community keeps its status and is to be merged. *People who lapsed with it* counts the lapsed who "
        "did most of what they did there and whose communities went quiet too: reviving the community is what brings them back.",
        needs=_communities,
    ),
    "newcomers": Section(
        "## Newcomers",
        "Do newcomers to a community come back to post there again, and do they become regulars? A *newcomer* here is a person's "
        "first message in a community, so one person new to two communities counts twice.",
        needs=_communities,
    ),
    "conversations": Section(
        None,
        "A network feels alive when questions get answers. The response rate is the share of new threads that got a reply or "
        "reaction from someone else; the labels show how long the first response took.",
        private=(
            "A network feels alive when messages get answers. The response rate is the share of new conversations the other person "
            "replied or reacted to; the labels show how long the first response took."
        ),
    ),
    "conversation depth": Section(
        None,
        "Every thread started up to the as-of date, by the replies it has had (its starter's own included; a reaction is not a reply).",
        needs=_threads,
        without="No message in these data replies to another, so conversations have no depth to show.",
    ),
    "key individuals": Section(
        None,
        "The people who hold the network together, found from who replies to, mentions and reacts to whom. *Connectors* bridge "
        "departments, *influencers* are the people others interact with most, *responders* answer most. People are shown by role, not by name.",
        needs=_departments,
        alternative=(
            "The people who hold the network together, found from who replies to, mentions and reacts to whom. *Connectors* link "
            "people who would otherwise be far apart (the most brokerage, with wide reach), *influencers* are the people others "
            "interact with most, *responders* answer most. People are shown by role, not by name."
        ),
    ),
    "silos": Section(
        None,
        "The E-I index compares each department's ties outside with its ties inside, counting the interactions its people *give and "
        "receive*: near −1 a department talks only to itself. The matrix below counts only those they *give*, so a department that "
        "others often reach out to can look less inward here than there.",
        needs=_departments,
        without="These data have no departments, so silos between departments cannot be measured: the key individuals above show who links people.",
    ),
    "leaders": Section(
        None,
        "How the leaders named for this analysis reach and engage their people: the threads they started, how many people interacted "
        "with them, how much of their organisation (everyone below them in the manager chain) they are tied to, and how many of the "
        "people who reached out to them got a reply in return. Organisations smaller than the minimum group size are not measured.",
    ),
    "successes": Section(
        None,
        "Conversations and communities that already show what good looks like: wide reach, several departments, fast answers, "
        "sustained growth. These are the stories to play back.",
        needs=_departments,
        alternative="Conversations and communities that already show what good looks like: wide reach, fast answers, sustained growth. These are the stories to play back.",
    ),
    "champions": Section(
        None,
        "Active people with wide reach, ties across departments and a habit of responding.",
        needs=_departments,
        alternative="Active people with wide reach and a habit of responding.",
    ),
    "comms targets": Section(
        None,
        "People on the roster who have never taken part, by department and location; the segments with the lowest adoption and the "
        "most people come first.",
        needs=lambda p: p.has_departments or p.has_locations,
        without=(
            "These data have no departments or locations, so comms "
            "cannot be aimed at a segment: the never-activated are counted in the findings above."
        ),
    ),
    "quarter on quarter": Section(
        None,
        "Each figure averaged over its three month-end values in each complete quarter (the threads answered of the last 90 days at "
        "the end of July, August and September, say), so it can differ a little from step 1's figure for the quarter itself. Changes "
        "larger than the month-to-month noise are flagged.",
    ),
}


def section_markdown(profile: DataProfile, key: str) -> str | None:
    """The section's heading and intro for data of this profile; its ``without`` sentence, or None (left out), where it does not apply."""
    s = SECTIONS[key]
    if not s.needs(profile):
        if s.alternative is None:
            return None if s.without is None else in_unit(s.without, profile.unit())
        return _joined(s.heading, in_unit(s.alternative, profile.unit()))
    intro = s.private if profile.private_only and s.private else s.intro
    return _joined(s.heading, in_unit(intro, profile.unit()))


def _joined(heading: str | None, text: str) -> str:
    return f"{heading}\n\n{text}" if heading else text


def applies(profile: DataProfile, key: str) -> bool:
    """Whether the section's body (its tables and charts) is shown for data of this profile."""
    s = SECTIONS[key]
    return s.needs(profile) or s.alternative is not None


def show_section(ctx: StepContext, key: str) -> bool:
    """Show the section's heading and intro (or why it does not apply); True when its body should follow."""
    from ..render import show_markdown

    text = section_markdown(ctx.profile, key)
    if text:
        show_markdown(text)
    return applies(ctx.profile, key)
