import numpy as np
import pandas as pd
from helpers import AS_OF, small_dataset, ts
from pandas.testing import assert_frame_equal

from esnkit import Dataset
from esnkit.metrics import conversations, participation


def test_thread_responses_count_replies_and_reactions_by_others():
    got = conversations.thread_responses(small_dataset(), as_of=AS_OF)
    expected = pd.DataFrame(
        {
            "thread_id": ["1", "4", "5", "7"],
            "group_id": ["g1", "g1", "g2", "g2"],
            "author_id": ["a", "c", "d", "z"],
            "created_at": [ts("2026-01-05 09:00"), ts("2026-02-10 10:00"), ts("2026-03-01 08:00"), ts("2026-03-02")],
            "is_private": [False] * 4,
            "first_response_at": [ts("2026-01-05 11:00"), pd.NaT, ts("2026-03-01 09:00"), pd.NaT],
            "answered_at": [ts("2026-01-05 11:00"), pd.NaT, ts("2026-03-01 09:00"), pd.NaT],
            "hours_to_first_response": [2.0, np.nan, 1.0, np.nan],
            "n_replies": [2, 0, 1, 0],
            "n_participants": [2, 1, 2, 1],
            "answered": [True, False, True, False],
            "department": ["X", "Y", "Y", None],
        }
    ).astype(
        {
            "department": "str",
            "thread_id": "str",
            "group_id": "str",
            "author_id": "str",
            "created_at": "datetime64[us, UTC]",
            "first_response_at": "datetime64[us, UTC]",
            "answered_at": "datetime64[us, UTC]",
        }
    )
    assert_frame_equal(got, expected)


def test_an_authors_own_reply_is_not_a_response():
    ds = small_dataset()
    messages = ds.messages
    messages.loc[messages["message_id"] == "2", "author_id"] = "a"
    ds = ds.replace(messages=messages)
    got = conversations.thread_responses(ds, as_of=AS_OF).set_index("thread_id")
    assert not got.loc["1", "answered"]


def test_response_rate_overall_and_by_group():
    threads = conversations.thread_responses(small_dataset(), as_of=AS_OF)
    overall = conversations.response_rate(threads)
    assert_frame_equal(overall, pd.DataFrame({"threads": [4], "answered": [2], "response_rate": [0.5], "median_hours_to_first_response": [1.5]}))
    by_group = conversations.response_rate(threads, by="group_id")
    expected = pd.DataFrame(
        {"group_id": ["g1", "g2"], "threads": [2, 2], "answered": [1, 1], "response_rate": [0.5, 0.5], "median_hours_to_first_response": [2.0, 1.0]}
    )
    assert_frame_equal(by_group, expected.astype({"group_id": "str"}))


def test_unanswered_threads_respect_min_age():
    threads = conversations.thread_responses(small_dataset(), as_of=AS_OF)
    got = conversations.unanswered_threads(threads, as_of=AS_OF, min_age_days=2)
    assert got["thread_id"].tolist() == ["7", "4"] and got["age_days"].tolist() == [30, 49]
    assert conversations.unanswered_threads(threads, as_of="2026-03-02", min_age_days=2)["thread_id"].tolist() == ["4"]


def test_activity_heatmap_has_every_cell():
    got = conversations.activity_heatmap(small_dataset(), as_of=AS_OF)
    assert len(got) == 168 and got["messages"].sum() == 7
    # 2026-01-05 is a Monday: two messages at 09:00 and 11:00.
    assert got.set_index(["weekday", "hour"]).loc[(0, 9), "messages"] == 1


def test_contribution_inequality():
    got = participation.contribution_inequality(small_dataset(), as_of=AS_OF)
    expected = pd.DataFrame(
        {
            "registered": [5],
            "contributors": [4],
            "contributions": [7],
            "gini": [0.4],
            "top1_share": [3 / 7],
            "top10_share": [3 / 7],
            "absence_factor": [2],
            "heavy_share": [0.4],
            "occasional_share": [0.4],
            "lurker_share": [0.2],
        }
    )
    assert_frame_equal(got, expected)


def test_usage_segments():
    got = participation.usage_segments(small_dataset(), as_of=AS_OF)
    expected = pd.DataFrame(
        {
            "person_id": ["a", "b", "c", "d", "e"],
            "active_weeks": [1, 0, 2, 1, 0],
            "weekly_average": [1 / 12, 0.0, 2 / 12, 1 / 12, 0.0],
            "segment": ["low", "non-user", "low", "low", "non-user"],
        }
    ).astype({"person_id": "str", "segment": "str"})
    assert_frame_equal(got, expected)


def test_usage_segment_thresholds():
    # 12 weeks, 15+ a week in 9+ weeks = power; 9+ weeks = habitual; >= 1 a week = novice.
    rows = []
    for person, weeks, per_week in (("p", 12, 16), ("h", 9, 1), ("n", 2, 6)):
        for w in range(weeks):
            for k in range(per_week):
                rows.append((f"{person}{w}-{k}", person, pd.Timestamp("2026-03-31", tz="UTC") - pd.Timedelta(weeks=w, hours=k + 1)))
    from esnkit import Dataset

    m = pd.DataFrame(rows, columns=["message_id", "author_id", "created_at"]).assign(
        thread_id=lambda t: t["message_id"], is_thread_start=True, is_private=False
    )
    ds = Dataset(people=pd.DataFrame({"person_id": ["p", "h", "n"], "state": "active"}), messages=m)
    got = participation.usage_segments(ds, as_of=AS_OF).set_index("person_id")["segment"].to_dict()
    assert got == {"p": "power", "h": "habitual", "n": "novice"}


def test_personas():
    got = participation.personas(small_dataset(), as_of=AS_OF)
    expected = pd.DataFrame(
        {
            "person_id": ["a", "b", "c", "d", "e"],
            "posts": [1, 0, 1, 1, 0],
            "replies": [1, 1, 1, 0, 0],
            "reactions": [1, 0, 0, 0, 0],
            "given": [3, 1, 2, 1, 0],
            "received": [1, 1, 0, 2, 0],
            "persona": ["Engager", "Engager", "Broadcaster", "Engager", "Observer"],
        }
    ).astype({"person_id": "str", "persona": "str"})
    assert_frame_equal(got, expected)


def test_persona_cut_offs():
    # r = (received + 1) / (given + 1): Catalyst above 2; Responder below 0.5 with mostly replies.
    from esnkit import Dataset

    msgs = [("t", "t", None, "g", "x", "2026-03-01", True)]
    msgs += [(f"r{i}", "t", "t", "g", "y", f"2026-03-0{2 + i % 5}", False) for i in range(6)]
    m = pd.DataFrame(msgs, columns=["message_id", "thread_id", "reply_to_id", "group_id", "author_id", "created_at", "is_thread_start"]).assign(
        is_private=False
    )
    ds = Dataset(people=pd.DataFrame({"person_id": ["x", "y"], "state": "active"}), groups=pd.DataFrame({"group_id": ["g"]}), messages=m)
    got = participation.personas(ds, as_of=AS_OF).set_index("person_id")["persona"].to_dict()
    assert got == {"x": "Catalyst", "y": "Responder"}  # x: (6+1)/(1+1) = 3.5; y: (0+1)/(6+1) = 0.14


def test_absence_factor_ties():
    assert participation.absence_factor([5, 5]) == 1
    assert participation.absence_factor([1, 1, 1]) == 2


def _with_a_late_reply() -> Dataset:
    """The small dataset, and b's reply to thread 4 on Mar 10."""
    ds = small_dataset()
    late = pd.DataFrame(
        {
            "message_id": ["8"],
            "thread_id": ["4"],
            "reply_to_id": ["4"],
            "group_id": ["g1"],
            "author_id": ["b"],
            "created_at": ["2026-03-10 10:00"],
            "is_thread_start": [False],
            "is_private": [False],
        }
    )
    messages = pd.concat([ds.messages.astype({"created_at": "str"}), late], ignore_index=True)
    return Dataset(people=ds.people, groups=ds.groups, messages=messages, reactions=ds.reactions).validate()


def test_thread_responses_cut_at_an_earlier_as_of_forget_later_replies():
    # b answers thread 4 on Mar 10. Cut at Mar 1 (end Mar 2 00:00): thread 4 is unanswered, thread 1's
    # replies (Jan 5 and 6) both count, thread 5 has d's start, a's reaction (09:00), c's reply (20:00).
    ds = _with_a_late_reply()
    got = conversations.thread_responses(ds, as_of="2026-03-01")
    expected = pd.DataFrame(
        {
            "thread_id": ["1", "4", "5"],
            "group_id": ["g1", "g1", "g2"],
            "author_id": ["a", "c", "d"],
            "created_at": [ts("2026-01-05 09:00"), ts("2026-02-10 10:00"), ts("2026-03-01 08:00")],
            "is_private": [False] * 3,
            "first_response_at": [ts("2026-01-05 11:00"), pd.NaT, ts("2026-03-01 09:00")],
            "answered_at": [ts("2026-01-05 11:00"), pd.NaT, ts("2026-03-01 09:00")],
            "hours_to_first_response": [2.0, np.nan, 1.0],
            "n_replies": [2, 0, 1],
            "n_participants": [2, 1, 2],
            "answered": [True, False, True],
            "department": ["X", "Y", "Y"],
        }
    ).astype(
        {
            "department": "str",
            "thread_id": "str",
            "group_id": "str",
            "author_id": "str",
            "created_at": "datetime64[us, UTC]",
            "first_response_at": "datetime64[us, UTC]",
            "answered_at": "datetime64[us, UTC]",
        }
    )
    assert_frame_equal(got, expected)
    # Cut on Jan 5 (end Jan 6 00:00): a's own reply on Jan 6 is not there yet.
    jan = conversations.thread_responses(ds, as_of="2026-01-05")
    assert jan[["thread_id", "n_replies", "n_participants", "answered"]].to_dict("records") == [
        {"thread_id": "1", "n_replies": 1, "n_participants": 2, "answered": True}
    ]
    # At the full as-of, b's late reply answers thread 4 after 28 days less 0 hours (Feb 10 10:00 -> Mar 10 10:00).
    full = conversations.thread_responses(ds, as_of=AS_OF).set_index("thread_id")
    assert full.loc["4", "answered"] and full.loc["4", "hours_to_first_response"] == 28 * 24 and full.loc["4", "n_participants"] == 2


def test_thread_responses_since_keep_only_the_threads_started_in_the_window():
    ds = _with_a_late_reply()
    cols = ["thread_id", "first_response_at", "n_replies", "n_participants", "answered"]
    # Cut at Mar 1, threads from Feb 1: 4 (unanswered yet) and 5 (a's reaction at 09:00, c's reply), counted alone.
    got = conversations.thread_responses(ds, as_of="2026-03-01", since="2026-02-01")
    expected = pd.DataFrame(
        {
            "thread_id": ["4", "5"],
            "first_response_at": [pd.NaT, ts("2026-03-01 09:00")],
            "n_replies": [0, 1],
            "n_participants": [1, 2],
            "answered": [False, True],
        }
    ).astype({"thread_id": "str", "first_response_at": "datetime64[us, UTC]"})
    assert_frame_equal(got[cols], expected)
    # At the full as-of, from Feb 10 10:00 on (a start at that instant is in): 4 (b's late reply), 5 and 7 (unanswered).
    got = conversations.thread_responses(ds, as_of=AS_OF, since=ts("2026-02-10 10:00"))
    expected = pd.DataFrame(
        {
            "thread_id": ["4", "5", "7"],
            "first_response_at": [ts("2026-03-10 10:00"), ts("2026-03-01 09:00"), pd.NaT],
            "n_replies": [1, 1, 0],
            "n_participants": [2, 2, 1],
            "answered": [True, True, False],
        }
    ).astype({"thread_id": "str", "first_response_at": "datetime64[us, UTC]"})
    assert_frame_equal(got[cols], expected)
    assert len(conversations.thread_responses(ds, as_of="2026-03-01", since="2026-03-02")) == 0  # nothing started since


def test_response_rate_by_an_attribute_drops_groups_under_the_floor():
    threads = conversations.thread_responses(small_dataset(), as_of=AS_OF)
    # department X's threads come from a alone, Y's from c and d
    got = conversations.response_rate(threads, by="department", min_group_size=2)
    assert got["department"].tolist() == ["Y"] and got["threads"].tolist() == [2]
    assert conversations.response_rate(threads, by="department")["department"].tolist() == ["X", "Y"]


def test_questions_and_answers_by_community():
    ds = small_dataset()
    types = {"1": "question", "4": "question", "5": "question", "7": "update"}
    ds = ds.replace(messages=ds.messages.assign(message_type=ds.messages["message_id"].map(types)))
    got = conversations.questions(ds, as_of=AS_OF)
    # g1: a's question got b's reply 2 h later; c's got none. g2: d's got a reaction (no answer) then c's reply after 12 h.
    expected = pd.DataFrame(
        {
            "group_id": ["g1", "g2"],
            "questions": [2, 1],
            "answered": [1, 1],
            "answer_rate": [0.5, 1.0],
            "median_hours_to_first_answer": [2.0, 12.0],
            "unanswered": [1, 0],
        }
    ).astype({"group_id": "str"})
    assert_frame_equal(got, expected)
    assert conversations.marks_questions(ds) and not conversations.marks_questions(small_dataset())
    assert conversations.questions(small_dataset(), as_of=AS_OF).empty


def test_questions_in_the_real_viva_engage_sample():
    from pathlib import Path

    import esnkit

    folder = Path(__file__).parent / "fixtures" / "viva-engage-small"
    raw = pd.read_csv(folder / "Messages.csv", dtype=str, encoding="utf-8-sig")
    asked = raw[(raw["message_type"] == "question") & (raw["thread_id"] == raw["id"])]
    replied = raw["replied_to_id"].isin(asked["id"]) | (raw["thread_id"].isin(asked["id"]) & (raw["id"] != raw["thread_id"]))
    got = conversations.questions(esnkit.load(folder, key=b"k"), as_of="2024-03-31")
    assert got["questions"].sum() == len(asked) == 1 and got["answered"].sum() == int(replied.any()) == 0
    assert got["group_id"].tolist() == asked["group_id"].tolist()
