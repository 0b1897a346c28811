"""Wording true to the data profile (issue 42 item 2): the unit of conversation, and no department words without departments."""

import dataclasses

import pandas as pd
from helpers import small_dataset
from shapes import SHAPES

from esnkit.audit import Fault, _contract
from esnkit.metrics import kpis
from esnkit.metrics.measures import in_unit, label_of, measure
from esnkit.profile import DataProfile, data_profile
from esnkit.render import fit_to_profile, term_definition
from esnkit.steps.findings import never_action
from esnkit.steps.sections import SECTIONS, applies, section_markdown

#: A profile worked by hand: 7 people, 147 messages, no replies, no departments (the Slack sample's shape).
NO_REPLIES = DataProfile(7, 3, 0, 147, 0, 0, 147, 1, 0, 0, False, False, 0, 0, False, None, None, None, "")
WITH_ALL = dataclasses.replace(NO_REPLIES, replies=40, departments=6, locations=3)
PRIVATE = dataclasses.replace(NO_REPLIES, private_messages=147, community_messages=0, replies=12)


def test_the_unit_word_follows_the_profile():
    assert (NO_REPLIES.unit(), WITH_ALL.unit(), PRIVATE.unit()) == ("posts", "threads", "conversations")
    assert DataProfile.from_dict(PRIVATE.to_dict()) == PRIVATE  # what the audit reads back from data-profile


def test_label_of_writes_the_unit_into_the_label_only():
    assert label_of("response_rate") == "Threads answered (last 90 days)"
    assert label_of("response_rate", unit="threads") == "Threads answered (last 90 days)"
    assert label_of("response_rate", unit="posts") == "Posts answered (last 90 days)"
    assert label_of("response_rate", unit="conversations", segment={"department": "Legal"}) == "Conversations answered (last 90 days), Legal"
    assert label_of("target_response_rate", unit="posts") == "Target: Posts answered (last 90 days)"
    assert label_of("active_30", unit="posts") == "People active in the last 30 days"  # no thread in it: unchanged
    assert in_unit("a thread's first reply; threads answered", "posts") == "a post's first reply; posts answered"


def _fact(label: str, counts: str) -> dict:
    m = measure("response_rate")
    return {
        "step": "1-assess", "section": "tiles", "measure": m.id, "label": label, "segment": None, "window": m.window,
        "as_of": "2026-06-30", "value": 0.2, "display": "20.0%", "counts": counts, "population": m.population, "version": m.version,
    }  # fmt: skip


def test_the_audit_holds_a_label_to_the_unit_of_its_page():
    faults: list[Fault] = []
    assert _contract(_fact("Posts answered (last 90 days)", "posts"), faults, unit="posts") and faults == []
    _contract(_fact("Threads answered (last 90 days)", "threads"), faults, unit="posts")
    assert [f.check for f in faults] == ["contract", "contract"]  # the label and the count both say threads on a page of posts
    faults.clear()
    _contract(_fact("Threads answered (last 90 days)", "threads"), faults, unit="threads")
    assert faults == []


def test_a_section_that_needs_departments_is_left_out_or_says_why():
    assert section_markdown(NO_REPLIES, "adoption by department") is None and not applies(NO_REPLIES, "adoption by department")
    assert section_markdown(WITH_ALL, "adoption by department").startswith("### Adoption by department\n\nPeople active")
    silos = section_markdown(NO_REPLIES, "silos")
    assert silos.startswith("These data have no departments") and not applies(NO_REPLIES, "silos")
    # champions and key individuals still apply, described without departments
    assert (
        applies(NO_REPLIES, "champions") and section_markdown(NO_REPLIES, "champions") == "Active people with wide reach and a habit of responding."
    )
    assert "department" not in section_markdown(NO_REPLIES, "key individuals")
    for key in SECTIONS:  # no section speaks of departments or threads the data do not have, unless it says they are missing
        text = section_markdown(NO_REPLIES, key) or ""
        if "department" in text or "thread" in text:
            assert text.startswith(("These data have no", "No ")), (key, text)


def test_the_unit_reaches_intros_headers_and_definitions():
    assert "share of new posts that got a reply" in section_markdown(NO_REPLIES, "conversations")
    assert "new conversations the other person replied or reacted to" in section_markdown(PRIVATE, "conversations")
    assert (
        section_markdown(NO_REPLIES, "conversation depth") == "No message in these data replies to another, so conversations have no depth to show."
    )
    assert term_definition("E-I index", NO_REPLIES) is None and term_definition("E-I index", WITH_ALL).startswith("(external ties")
    assert "50%+ of posts answered" in term_definition("community status", NO_REPLIES)
    assert "departments" not in term_definition("roles", NO_REPLIES).replace("no departments", "")


def test_department_columns_leave_a_table_without_departments():
    t = pd.DataFrame({"person": ["P-1"], "department": ["–"], "cross_department_ties": [0], "degree": [3]})
    assert list(fit_to_profile(t, NO_REPLIES)) == ["person", "degree"]
    assert list(fit_to_profile(t, WITH_ALL)) == list(t) and list(fit_to_profile(t, None)) == list(t)


def test_comms_are_aimed_only_by_what_the_data_hold():
    assert never_action(NO_REPLIES).startswith("Reach them with step 3's comms, each with")
    assert never_action(dataclasses.replace(NO_REPLIES, locations=3)).startswith("Target them with step 3's comms by location,")
    assert never_action(WITH_ALL).startswith("Target them with step 3's comms by department and location,")


def test_interactions_between_departments_are_not_available_without_departments():
    ds = SHAPES["no departments and no roster"]()
    assert not data_profile(ds).has_departments
    t = kpis.kpi_table(ds, as_of="2026-03-31").set_index("kpi")
    assert t.loc["cross_department_share", "display"] == "not available" and pd.isna(t.loc["cross_department_share", "value"])
    assert t.loc["cross_department_share", "definition"] == "Not available: these data have no departments."
    with_departments = kpis.kpi_table(small_dataset(), as_of="2026-03-31").set_index("kpi")
    assert with_departments.loc["cross_department_share", "display"] != "not available"


def test_kpi_labels_take_the_unit_of_data_without_replies():
    ds = SHAPES["no replies"]()
    assert data_profile(ds).unit() == "posts"
    t = kpis.kpi_table(ds, as_of="2026-03-31").set_index("kpi")
    assert t.loc["response_rate", "label"] == "Posts answered (last 90 days)"
    assert t.loc["median_hours_to_first_response", "definition"].startswith(
        "Over the posts of those 90 days with a dated reply or reaction by someone else"
    )


def test_the_audit_holds_private_messages_to_conversations_not_threads():
    from bs4 import BeautifulSoup

    from esnkit.audit import _true_to_profile
    from esnkit.render import profile_block

    def faults(profile: DataProfile, text: str) -> list[str]:
        found: list[Fault] = []
        _true_to_profile({"1-assess": BeautifulSoup(f"<p>{text}</p>{profile_block(profile)}", "html.parser")}, found)
        return [f.message for f in found]

    assert faults(PRIVATE, "Half the conversations got an answer.") == []
    assert faults(PRIVATE, "Half the threads got an answer.") == [
        "'Half the threads got an answer.' though there are no threads (no message replies to another in a community)"
    ]
    assert faults(WITH_ALL, "Half the threads got an answer.") == []
