"""Findings into actions, worked out by hand on helpers.small_dataset (as of 2026-03-31, 30 days' silence = lapsed).

Ties in the last 12 months: b>a and a>b inside X, c>d inside Y, a's reaction to d from X to Y.
Posts and replies: a 2, c 2, b 1, d 1; everyone's last activity is on or before 1 March.
"""

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
from helpers import small_dataset
from pandas.testing import assert_frame_equal

from esnkit.config import ClientConfig, ClientPaths
from esnkit.steps.context import StepContext
from esnkit.steps.findings import BLANK_OWNER, finding_people, findings, findings_table


def context(**config) -> StepContext:
    return StepContext(
        ds=small_dataset(),
        config=ClientConfig(name="Acme", min_group_size=1, allow_small_groups=True, **config),
        paths=ClientPaths(Path(".")),
        as_of=dt.date(2026, 3, 31),
        min_group_size=1,
        show_names=False,
        inactive_days=30,
    )


def test_every_rule_from_the_numbers():
    ctx = context(owners=(("people", "Champions lead"),))
    items = findings(ctx)
    assert [f.theme for f in items] == ["network", "people", "communities", "network", "conversation", "adoption"]
    key, silent, groups, silo, answers, never = items
    # The one cross-department tie (a>d) involves a: one person takes part in all of it.
    assert key.found.startswith("Key-person risk, high: 1 person takes part in 100% of all conversation between departments")
    assert key.people == ("a",) and key.by == dt.date(2026, 4, 30) and key.owner == ""
    # a and c wrote most (2 each: the top 10% of four writers, ties kept), and both have been quiet since 1 March.
    # March is the last month anyone can have stopped in and be silent 30 days by 31 March: the rule's edge,
    # not a month to look into, so the finding names the last stop, not a cluster.
    assert silent.found == (
        "2 people among the heaviest contributors (top 10% by posts and replies) have been silent for 30+ days. "
        "The last stopped in March 2026. They wrote most in Group One."
    )
    assert silent.action.endswith("ask what changed.")
    assert silent.owner == "Champions lead"
    # Both groups are idle (under 6 messages in 90 days): revive or merge.
    assert groups.found == "2 of 2 communities are declining, idle or dormant."
    assert groups.action.startswith("Revive or merge 2 (2 in all; step 4 names each") and groups.by == dt.date(2026, 6, 30)
    # X: 2 inside (a<>b), 1 across (a>d): E-I = (1 - 2) / 3; Y: 1 inside, 1 across: E-I 0.
    assert silo.found == (
        "Silo: 67% of the interactions X's people give or receive stay inside X (E-I index -0.33), "
        "the most inward-looking department, over the last 12 months."
    )
    # a, the one person in X who talks across, has been quiet 30 days: lapsed, so no bridge to start with
    assert silo.people == () and "nobody active in it replies across departments yet" in silo.action
    # Threads 1 and 5 answered, 4 not (the bot's 7 is not counted): 2 of 3.
    assert answers.found == "Only 66.7% of the threads started in the last 90 days got a response."
    # e, one of the five people counted (not the bot), never took part: 20%.
    assert never.found == "1 of the 5 people counted (20%) has never taken part."


def test_the_table_leaves_unnamed_owners_visibly_blank_and_the_restricted_list_names_the_people():
    ctx = context(owners=(("people", "Champions lead"),))
    table = findings_table(findings(ctx))
    assert list(table.columns) == ["what we found", "what to do", "who", "by"]
    assert table["who"].tolist() == [BLANK_OWNER, "Champions lead", BLANK_OWNER, BLANK_OWNER, BLANK_OWNER, BLANK_OWNER]
    assert table["by"].tolist() == ["2026-04-30", "2026-04-30", "2026-06-30", "2026-06-30", "2026-04-30", "2026-06-30"]
    people = finding_people(ctx)
    expected = pd.DataFrame({"person_id": ["a"], "department": ["X"], "role": [people["role"].iloc[0]], "finding": ["Key-person risk"]})
    assert_frame_equal(people, expected.astype("str"))


def test_due_dates_count_from_the_delivery_date_never_from_an_earlier_as_of():
    # As of 31 March 2026, delivered on 7 June: "soon" is the end of the month after June (31 July),
    # "later" the end of the third month after it (30 September), never the 30 April the as-of would give.
    ctx = dataclasses.replace(context(), delivered_on=dt.date(2026, 6, 7))
    items = findings(ctx)
    assert [f.by for f in items] == [dt.date(2026, 7, 31), dt.date(2026, 7, 31), dt.date(2026, 9, 30), dt.date(2026, 9, 30)] + [
        dt.date(2026, 7, 31),
        dt.date(2026, 9, 30),
    ]
    assert all(f.by > ctx.delivered_on for f in items)
    # delivered on its own as-of (or no delivery date): counted from the as-of, as before
    assert findings(dataclasses.replace(context(), delivered_on=dt.date(2026, 3, 31)))[0].by == dt.date(2026, 4, 30)


def test_before_anyone_took_part_only_the_communities_and_the_never_activated_are_findings():
    ctx = context()
    ctx = StepContext(**{**ctx.__dict__, "as_of": dt.date(2026, 1, 4)})
    groups, never = findings(ctx)
    assert groups.found == "2 of 2 communities are declining, idle or dormant."
    assert groups.action == "Archive 2 (2 in all; step 4 names each, with its evidence)."  # dormant, never had 10+ members
    assert never.found == "5 of the 5 people counted (100%) have never taken part."


def _silo_dataset():
    """X (a, b, c) talks inside; c replies twice to d of Y; b's one tie to Y is an @mention of e. All active in March 2026."""
    from esnkit import Dataset

    people = pd.DataFrame({"person_id": list("abcde"), "department": list("XXXYY"), "state": "active", "joined_at": "2025-12-01"})
    groups = pd.DataFrame({"group_id": ["g"], "name": ["Everyone"], "kind": ["community"]})
    rows = [
        ("1", "1", None, "a", "2026-03-10 09:00", True),
        ("2", "1", "1", "b", "2026-03-10 10:00", False),
        ("3", "1", "2", "a", "2026-03-11 09:00", False),
        ("4", "1", "3", "b", "2026-03-11 10:00", False),
        ("5", "5", None, "b", "2026-03-12 09:00", True),
        ("6", "5", "5", "a", "2026-03-12 10:00", False),
        ("7", "7", None, "d", "2026-03-15 09:00", True),
        ("8", "7", "7", "c", "2026-03-15 10:00", False),
        ("9", "7", "7", "c", "2026-03-16 10:00", False),
        ("10", "10", None, "e", "2026-03-20 09:00", True),
        ("11", "10", "10", "d", "2026-03-20 10:00", False),
        ("12", "12", None, "c", "2026-03-21 09:00", True),
        ("13", "12", "12", "a", "2026-03-21 10:00", False),
    ]
    m = pd.DataFrame(rows, columns=["message_id", "thread_id", "reply_to_id", "author_id", "created_at", "is_thread_start"]).assign(
        group_id="g", is_private=False
    )
    mentions = pd.DataFrame({"message_id": ["5"], "person_id": ["e"]})
    return Dataset(people=people, groups=groups, messages=m, mentions=mentions).validate()


def test_a_silos_bridge_replies_across_departments_and_key_person_risk_is_graded():
    ctx = context()
    ctx = StepContext(**{**ctx.__dict__, "ds": _silo_dataset()})
    items = {f.name: f for f in findings(ctx)}
    silo = items["Silo"]
    assert silo.found.startswith("Silo:") and " stay inside X " in silo.found
    # c replied twice to d: a bridge; b's only tie to Y is one @mention: not one
    assert silo.people == ("c",) and silo.action.endswith("who already reply across departments.")
    # the conversation between departments: c-d (2 replies) and b's mention of e; c takes part in most of it
    key = items["Key-person risk"]
    assert key.found.startswith("Key-person risk, high: 1 person takes part in") and key.people == ("c",)
