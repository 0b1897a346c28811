"""The data profile: what the data can and cannot show, worked out by hand on small datasets, and the audit that holds pages to it."""

import dataclasses
import datetime as dt
import json

import pandas as pd
from helpers import small_dataset
from shapes import direct_messages_only, no_departments_no_roster

from esnkit.audit import audit_folder
from esnkit.profile import data_profile, profile_lines


def test_the_small_dataset_profile_counts_what_it_holds():
    p = data_profile(small_dataset())
    # people a-e (z is a bot); 7 messages, 3 of them replies, none private; one reaction, dated; departments X and Y
    assert dataclasses.asdict(p) == {
        "people": 5,
        "bots": 1,
        "guests": 0,
        "messages": 7,
        "replies": 3,
        "private_messages": 0,
        "community_messages": 7,
        "reactions": 1,
        "dated_reactions": 1,
        "usage_rows": 0,
        "reads": False,
        "join_dates": True,
        "departments": 2,
        "locations": 2,
        "question_types": False,
        "first_message": dt.date(2026, 1, 5),
        "last_message": dt.date(2026, 3, 2),
        "complete_from": dt.date(2026, 1, 5),  # the groups carry no creation date: the history starts with the data
        "complete_reason": "the data start there",
    }
    assert p.has_threads and p.has_departments and p.reaction_times and not p.partial_history and p.small
    assert p.unit() == "threads" and p.unit(plural=False) == "thread"


def test_private_messages_only_no_departments_and_undated_reactions_are_said():
    dm = data_profile(direct_messages_only())
    assert dm.private_only and not dm.has_communities and dm.unit() == "conversations" and dm.departments == 0
    ds = no_departments_no_roster()
    undated = ds.replace(reactions=ds.reactions.assign(created_at=pd.NaT)).validate()
    p = data_profile(undated)
    assert not p.has_departments and not p.reaction_times and p.reactions == 1 and p.dated_reactions == 0
    lines = profile_lines(p)
    assert "No departments: no figure is broken down by department, and no one is described by theirs." in lines
    assert (
        "Reactions carry no time of their own (1 reaction without one): they count as responses, dated by the message "
        "reacted to, but give no time to first response."
    ) in lines
    assert "1 bot is counted in no figure." in lines


def test_a_history_that_starts_part_way_starts_the_complete_history_the_next_month():
    ds = small_dataset()
    third = pd.DataFrame({"group_id": ["g3"], "name": ["Group Three"], "kind": ["community"]})
    ds = ds.replace(
        groups=pd.concat([ds.groups, third], ignore_index=True), messages=ds.messages.assign(group_id=["g1", "g1", "g1", "g3", "g2", "g2", "g2"])
    )
    # the three communities were made in 2024, months apart; the first message is on 5 January 2026: the export begins part-way
    groups = ds.groups.assign(created_at=pd.to_datetime(["2024-03-01", "2024-06-01", "2024-09-01"], utc=True))
    p = data_profile(ds.replace(groups=groups).validate())
    assert p.partial_history and p.complete_from == dt.date(2026, 2, 1)
    assert (
        p.complete_reason == "the export starts part-way through the network's history: 3 of its 3 communities were created before its first message"
    )
    # client.yml overrides the detection either way
    assert data_profile(ds.replace(groups=groups).validate(), complete_from=dt.date(2026, 1, 5)).partial_history is False
    # made on one day six weeks ahead of a launch, a roll-out, not a cut; made a week before the first message, a launch
    for day in ("2025-11-20", "2025-12-29"):
        made = ds.groups.assign(created_at=pd.to_datetime([day] * 3, utc=True))
        assert not data_profile(ds.replace(groups=made).validate()).partial_history, day


def _page(folder, profile: dict, body: str):
    html = (
        f'<html><body><h2 id="Findings">Findings</h2><p>{body}</p><h2 id="Appendix">Appendix</h2>'
        f'<div class="esn-profile" data-profile="{json.dumps(profile).replace(chr(34), "&quot;")}"><p>No departments in these data.</p></div></body></html>'
    )
    (folder / "1-assess.html").write_text(html, encoding="utf-8")
    (folder / "facts.json").write_text(json.dumps({"as_of": "2026-03-31", "facts": []}), encoding="utf-8")


def test_the_audit_holds_each_page_to_the_profile_its_appendix_states(tmp_path):
    profile = {**data_profile(no_departments_no_roster()).to_dict()}
    _page(tmp_path, profile, "Adoption by department is uneven. Sales leads.")
    faults = [(f.check, f.message) for f in audit_folder(tmp_path)]
    assert faults == [("true to the data", "'Adoption by department is uneven.' though no departments")]
    # a sentence that says the data lack it may name it
    _page(tmp_path, profile, "No figure is broken down by department: the export has none.")
    assert audit_folder(tmp_path) == []
    # with departments, the same words are fine; without an appendix profile on a deliverable, a fault
    _page(tmp_path, {**profile, "departments": 3}, "Adoption by department is uneven.")
    assert audit_folder(tmp_path) == []
    (tmp_path / "1-assess.html").write_text('<html><body><h2 id="Appendix">Appendix</h2></body></html>', encoding="utf-8")
    assert [f.message for f in audit_folder(tmp_path)] == ["the appendix states no data profile (render.profile_block)"]
