"""Queries the engine runs over the event tables when a step asks (esnkit.reduce.query): hand-counted answers,
the same whether the events are held in memory or still on disk."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from esnkit import Dataset
from esnkit.dataset import EVENT_TABLES
from esnkit.reduce import query

T = pd.Timestamp("2026-03-10 12:00", tz="UTC")


def _events() -> Dataset:
    day = pd.Timedelta(days=1)
    return Dataset(
        people=pd.DataFrame({"person_id": ["a", "b", "c", "d"]}),
        groups=pd.DataFrame({"group_id": ["g"]}),
        messages=pd.DataFrame(
            {
                "message_id": ["m1", "m2", "m3", "m4", "m5", "m6", "m7"],
                "thread_id": ["t1", "t1", "t1", "t1", "t0", "t0", "t2"],
                "reply_to_id": [None, "m1", None, "m2", None, None, None],
                "group_id": ["g"] * 7,
                "author_id": ["a", "b", "c", "a", "d", "a", "b"],
                # m5 (d's thread start) is before the window; m6 replies in it, in the window.
                "created_at": [T, T, T, T, T - 40 * day, T, T],
                "is_thread_start": [True, False, False, False, True, False, True],
                "is_private": [False] * 7,
            }
        ),
        reactions=pd.DataFrame(
            {
                "message_id": ["m1", "m1", "m5", "m7", "m2"],
                "person_id": ["b", "a", "c", "c", "d"],
                # b on a's m1: counted; a on own m1: not; c on m5 (message before the window): not;
                # c on b's m7 with no time: counted; d on b's m2 after the window: not.
                "created_at": [T, T, T, pd.NaT, T + 40 * day],
                "reaction": ["like"] * 5,
            }
        ),
        mentions=pd.DataFrame({"message_id": ["m3", "m3", "m5"], "person_id": ["d", "c", "b"]}),
    )


# Window: the 30 days to the end of 2026-03-10. Replies: b -> a (m2 answers m1), c -> a (m3, no
# reply_to: the thread's start), a -> b (m4 answers m2), a -> d (m6: thread t0's start is d's, dated
# before the window, but the reply is in it). Reactions: b -> a, c -> b. Mentions in m3 (c's): d
# (counted), c (self: not); m5's mention is before the window.
EXPECTED = pd.DataFrame({"person_id": ["a", "b", "d"], "received": [3, 2, 2]})
START, END = pd.Timestamp("2026-02-09", tz="UTC"), pd.Timestamp("2026-03-11", tz="UTC")


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("person_id").reset_index(drop=True).astype({"person_id": "str", "received": "int64"})


def test_received_counts_replies_reactions_and_mentions_by_others_in_the_window():
    assert_frame_equal(_sorted(query(_events(), "received", start=START, end=END)), EXPECTED)


def test_received_reads_the_events_on_disk_as_it_reads_them_in_memory(tmp_path):
    _events().save(tmp_path / "processed")
    ds = Dataset.read(tmp_path / "processed", lazy=EVENT_TABLES)
    assert_frame_equal(_sorted(query(ds, "received", start=START, end=END)), EXPECTED)
    assert all(ds.on_disk(table) is not None for table in EVENT_TABLES)  # nothing was read into memory


def test_a_query_refuses_unknown_names_and_missing_parameters():
    with pytest.raises(KeyError, match="unknown query 'sent'"):
        query(_events(), "sent", start=START, end=END)
    with pytest.raises(TypeError, match="query 'received' takes start, end; got start"):
        query(_events(), "received", start=START)


# -- the queries the steps' message figures are counted by -------------------------------------------------------

H = pd.Timedelta(hours=1)


def _threads() -> Dataset:
    """Two communities; a's two thread starts in h come at the same instant (the first row wins)."""
    return Dataset(
        people=pd.DataFrame({"person_id": ["a", "b", "c", "d", "e"], "department": ["x", "x", "y", None, "y"]}),
        groups=pd.DataFrame({"group_id": ["g", "h"]}),
        messages=pd.DataFrame(
            {
                "message_id": [f"m{i}" for i in range(1, 11)],
                "thread_id": ["t1", "t1", "t2", "t2", "t2", "t3", "t4", "t1", "t5", "t2"],
                "group_id": ["g", "g", "g", "g", "g", "h", "h", "g", None, "g"],
                "author_id": ["a", "b", "c", "c", "a", "a", "a", "d", "e", "e"],
                "created_at": [T, T + H, T + 2 * H, T + 3 * H, T + 30 * H, T, T, T + 240 * H, T, T - 24 * 40 * H],
                "is_thread_start": [True, False, True, False, False, True, True, True, True, False],
                "is_private": [False, False, False, False, False, False, False, False, True, False],
                "message_type": ["question", None, "question", None, None, "update", "question", "question", None, None],
            }
        ),
    )


END_Q = T + 100 * H  # m8 (d's start, 240 hours on) falls after it


def _on_disk(ds: Dataset, tmp_path) -> Dataset:
    ds.save(tmp_path / "processed")
    return Dataset.read(tmp_path / "processed", lazy=EVENT_TABLES)


def _frame(columns: dict, dtypes: dict) -> pd.DataFrame:
    return pd.DataFrame(columns).astype(dtypes)


@pytest.fixture(params=["memory", "disk"])
def threads_ds(request, tmp_path):
    ds = _threads()
    return ds if request.param == "memory" else _on_disk(ds, tmp_path)


UTC = "datetime64[us, UTC]"


def test_newcomer_starts_are_first_messages_that_start_a_thread_with_the_first_reply_by_someone_else(threads_ds):
    # a's first message in g is m1 (t1), answered by b an hour on. b's and e's first in g are replies: no newcomer
    # post. c's first in g starts t2, where c's own reply does not count; a's (30 hours on) does, but e replied
    # there 40 days before, the first reply by someone else. a's first in h is m6, tied in time with m7 and first
    # in the table, unanswered. e's m9 has no community; d's m8 is after the end.
    got = query(threads_ds, "newcomer_starts", end=END_Q).sort_values(["group_id", "created_at"]).reset_index(drop=True)
    expected = _frame(
        {"group_id": ["g", "g", "h"], "created_at": [T, T + 2 * H, T], "first_reply_at": [T + H, T - 960 * H, None]},
        {"group_id": "str", "created_at": UTC, "first_reply_at": UTC},
    )
    assert_frame_equal(got, expected)


def test_community_authors_count_messages_and_distinct_months_per_community_and_author(threads_ds):
    # Before END_Q in a community: a in g m1, m5 (one month) and in h m6, m7; b m2; c m3, m4; e's m10 (40 days
    # earlier: January, another month than March's) in g alone: one message, one month. first_at: each one's first.
    got = query(threads_ds, "community_authors", end=END_Q).sort_values(["group_id", "author_id"]).reset_index(drop=True)
    expected = _frame(
        {
            "group_id": ["g", "g", "g", "g", "h"],
            "author_id": ["a", "b", "c", "e", "a"],
            "n": [2, 1, 2, 1, 2],
            "months": [1, 1, 1, 1, 1],
            "first_at": [T, T + H, T + 2 * H, T - 960 * H, T],
        },
        {"group_id": "str", "author_id": "str", "n": "int64", "months": "int64", "first_at": UTC},
    )
    assert_frame_equal(got, expected)


def test_thread_departments_counts_threads_whose_public_messages_cross_departments_per_window(threads_ds):
    # Window 0, [T, END_Q): t1 has a (x) and b (x): one department; t2 c (y), a (x): two; t3 and t4 a (x); t5 is
    # private. Window 1, 40 days earlier: t2's m10 by e (y) alone. Window 2 has no messages.
    windows = pd.DataFrame(
        {
            "window": [0, 1, 2],
            "since": pd.Series([T, T - 961 * H, T + 500 * H], dtype=UTC),
            "until": pd.Series([END_Q, T - 900 * H, T + 600 * H], dtype=UTC),
        }
    )
    got = query(threads_ds, "thread_departments", windows=windows).sort_values("window").reset_index(drop=True)
    assert_frame_equal(
        got, _frame({"window": [0, 1], "threads": [4, 1], "crossing": [1, 0]}, {"window": "int64", "threads": "int64", "crossing": "int64"})
    )


def test_thread_authors_are_every_author_of_the_threads_asked_for_at_any_time(threads_ds):
    # t1: a, b and d (m8, after END_Q: any time); t3: a. t9 has no messages.
    asked = pd.DataFrame({"thread_id": pd.Series(["t1", "t3", "t9"], dtype="str")})
    got = query(threads_ds, "thread_authors", threads=asked).sort_values(["thread_id", "author_id"]).reset_index(drop=True)
    assert_frame_equal(
        got, _frame({"thread_id": ["t1", "t1", "t1", "t3"], "author_id": ["a", "b", "d", "a"]}, {"thread_id": "str", "author_id": "str"})
    )


def test_questions_are_question_thread_starts_in_the_window_with_the_first_answer_by_someone_else(threads_ds):
    # Questions started in [T - 1 day, END_Q): m1 (t1, answered by b's m2), m3 (t2: c's own m4 is no answer, a's m5
    # and e's earlier m10 are; the first is e's) and m7 (t4, unanswered). d's m8 is after the end.
    got = query(threads_ds, "questions", start=T - 24 * H, end=END_Q)
    expected = _frame(
        {
            "thread_id": ["t1", "t2", "t4"],
            "group_id": ["g", "g", "h"],
            "author_id": ["a", "c", "a"],
            "created_at": [T, T + 2 * H, T],
            "first_answer": [T + H, T - 960 * H, None],
        },
        {"thread_id": "str", "group_id": "str", "author_id": "str", "created_at": UTC, "first_answer": UTC},
    )
    assert_frame_equal(got, expected)


def test_a_question_answered_by_someone_unknown_counts_as_answered():
    # m1's asker and m2's replier are both unknown: they cannot be told to be one person, so m2 answers t1. In
    # t2 the reply without author (m10, e's before) answers c's question as any other person's would.
    ds = _threads()
    m = ds.messages.copy()
    m.loc[[0, 1, 9], "author_id"] = None
    got = query(ds.replace(messages=m), "questions", start=T - 24 * H, end=END_Q)
    assert got["first_answer"].tolist()[:2] == [T + H, T - 960 * H]


def test_message_minutes_count_messages_per_utc_minute_before_the_end(threads_ds):
    got = query(threads_ds, "message_minutes", end=END_Q).sort_values("minute").reset_index(drop=True)
    minutes = [T - 960 * H, T, T + H, T + 2 * H, T + 3 * H, T + 30 * H]
    assert_frame_equal(got, _frame({"minute": minutes, "messages": [1, 4, 1, 1, 1, 1]}, {"minute": UTC, "messages": "int64"}))


def test_a_query_may_use_half_of_the_memory_free_now():
    from esnkit.reduce.engines import available_memory, machine_memory

    free = available_memory()
    assert 0 < free <= machine_memory()
    with open("/proc/meminfo") as meminfo:  # Linux, as on every machine esnkit runs its tests on
        reported = next(int(line.split()[1]) * 1024 for line in meminfo if line.startswith("MemAvailable:"))
    assert abs(free - min(reported, machine_memory())) < 2**30  # the same figure, give or take what changed since
