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
