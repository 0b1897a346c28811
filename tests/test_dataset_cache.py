"""One cache of derived tables per Dataset: shared by every step, never stale, never shared between Datasets."""

import pandas as pd
import pytest
from helpers import AS_OF, small_dataset

from esnkit.metrics import conversations, network


def _counting():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


def test_a_dataset_computes_each_name_and_key_once():
    ds, other = small_dataset(), small_dataset()
    _calls, compute = _counting()
    assert ds.cached("x", (1,), compute) == 1
    assert ds.cached("x", (1,), compute) == 1
    assert ds.cached("x", (2,), compute) == 2
    assert ds.cached("y", (1,), compute) == 3
    assert other.cached("x", (1,), compute) == 4  # another Dataset has its own cache
    ds.clear_cache()
    assert ds.cached("x", (1,), compute) == 5


def test_a_cached_frame_cannot_be_edited_through_what_is_handed_out():
    ds = small_dataset()
    first = conversations.thread_responses(ds, as_of=AS_OF)
    first.loc[:, "n_replies"] = 99
    assert conversations.thread_responses(ds, as_of=AS_OF)["n_replies"].tolist() == [2, 0, 1, 0]


def test_a_dataset_cannot_be_changed_in_place():
    ds = small_dataset()
    with pytest.raises(AttributeError, match="replace"):
        ds.messages = ds.messages.head(1)
    view = ds.messages
    view.loc[view["message_id"] == "2", "author_id"] = "a"
    assert ds.messages.loc[1, "author_id"] == "b"


def test_replace_gives_a_new_dataset_with_its_own_graph_and_leaves_the_original_alone():
    ds = small_dataset()
    before = network.build_graph(ds, as_of=AS_OF).edges
    # c's reply to d becomes e's: the tie c-d goes, e-d appears, and row counts do not change.
    messages = ds.messages
    messages.loc[messages["message_id"] == "6", "author_id"] = "e"
    changed = ds.replace(messages=messages)
    after = network.build_graph(changed, as_of=AS_OF).edges
    pairs = lambda e: set(zip(e["source"], e["target"]))
    assert ("c", "d") in pairs(before) and ("c", "d") not in pairs(after)
    assert ("e", "d") in pairs(after)
    pd.testing.assert_frame_equal(network.build_graph(ds, as_of=AS_OF).edges, before)
    assert network.key_individuals(changed, as_of=AS_OF)["person_id"].isin(["e"]).any()
    assert not network.key_individuals(ds, as_of=AS_OF)["person_id"].isin(["e"]).any()


def test_threads_at_many_as_ofs_keep_only_the_last_two_cuts_and_each_cut_is_still_right():
    # The plan's monthly history asks for 13 as-ofs once each; keeping them all held 2 GiB at M.
    ds = small_dataset()
    as_ofs = [pd.Timestamp(AS_OF) - pd.Timedelta(days=d) for d in (0, 3, 7, 30)]
    first = {a: conversations.thread_responses(ds, as_of=a) for a in as_ofs}
    again = conversations.thread_responses(ds, as_of=as_ofs[0])  # dropped by now: cut again
    pd.testing.assert_frame_equal(again, first[as_ofs[0]])
    for a in as_ofs:  # the same as a fresh Dataset's single cut
        pd.testing.assert_frame_equal(conversations.thread_responses(small_dataset(), as_of=a), first[a])
    base = ds.cached("thread_base", (), lambda: None)
    assert len(base._kept[True]) == 2


def test_a_history_of_windowed_thread_cuts_keeps_the_whole_cut_at_the_as_of():
    # Step 2's KPI history asks for the last 90 days at a dozen month ends: those windows are kept apart
    # (the last two), and the whole cut at the as-of, which step 1 asks for again and again, stays.
    ds = small_dataset()
    whole = conversations.thread_responses(ds, as_of=AS_OF)
    ends = [pd.Timestamp(AS_OF) - pd.Timedelta(days=d) for d in (0, 10, 20, 30)]
    windows = [conversations.thread_responses(ds, as_of=e, since=e - pd.Timedelta(days=89)) for e in ends]
    base = ds.cached("thread_base", (), lambda: None)
    assert len(base._kept[True]) == 1 and len(base._kept[False]) == 2
    assert list(base._kept[True]) == [(pd.Timestamp("2026-04-01", tz="UTC"), None)]  # the end of the as-of day
    for e, w in zip(ends, windows):  # each window as a fresh Dataset cuts it, and the rows of the whole cut it keeps
        pd.testing.assert_frame_equal(w, conversations.thread_responses(small_dataset(), as_of=e, since=e - pd.Timedelta(days=89)))
    pd.testing.assert_frame_equal(conversations.thread_responses(ds, as_of=AS_OF), whole)


def test_person_days_keep_the_two_usual_populations_and_not_the_whole_reduction():
    from esnkit.metrics._base import person_days

    ds = small_dataset()
    person_days(ds)
    person_days(ds, include_external=True)
    # The whole reduction has the bot z's days; no table the cache holds for these two populations may.
    held = [v for value in ds._cache.values() for v in (value.values() if isinstance(value, dict) else [value])]
    # person_days holds people's rows in ds.people (who), not their ids: the bot z is row 5.
    ids = ds.people["person_id"].to_numpy()
    assert ids[5] == "z"
    frames = [f for f in held if isinstance(f, pd.DataFrame) and "who" in f.columns]
    assert frames and not any(f["who"].eq(5).any() for f in frames)
    everyone = person_days(ds, include_bots=True, include_external=True)  # another population reads the reduction again
    assert sorted(set(ids[everyone["who"].to_numpy()])) == ["a", "b", "c", "d", "z"]  # z is the bot
    assert sorted(set(ids[person_days(ds)["who"].to_numpy()])) == ["a", "b", "c", "d"]


def test_the_person_days_and_tie_days_kept_across_the_steps_are_int32_and_their_sums_int64():
    from esnkit.metrics._base import person_days, sums_by_person

    ds = small_dataset()
    days = person_days(ds)
    narrow = ["day", "posts", "replies", "reactions", "who", "where"]
    assert {c: str(days[c].dtype) for c in narrow} == dict.fromkeys(narrow, "int32")
    ties = network._ties_by_day(ds)[0]
    assert {c: str(t) for c, t in ties.dtypes.items()} == dict.fromkeys(["src", "tgt", "g", "day", "replies", "mentions", "reactions"], "int32")
    sums = sums_by_person(ds, days, ["posts", "replies", "reactions"])
    assert sums.dtypes.map(str).tolist() == ["int64", "int64", "int64"]
    # By hand from small_dataset's messages and reaction (the bot z left out): a posted, replied and
    # reacted; b replied; c posted and replied; d posted.
    expected = pd.DataFrame(
        {"posts": [1, 0, 1, 1], "replies": [1, 1, 1, 0], "reactions": [1, 0, 0, 0]},
        index=pd.Index(["a", "b", "c", "d"], dtype="str", name="person_id"),
    ).astype("int64")
    pd.testing.assert_frame_equal(sums, expected)
