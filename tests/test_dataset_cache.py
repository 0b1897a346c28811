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
