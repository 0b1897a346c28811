"""The integer helpers the metrics lean on: a dense key range is tallied in a table, a sparse one sorted; both give one answer."""

import numpy as np
import pytest

from esnkit import _fast


def test_unique_first_index_and_min_by_key_by_hand_dense_and_sparse():
    dense = np.array([4, 2, 4, 3, 2, 9], dtype=np.int32)  # range 8 over 6 values: a table
    sparse = dense.astype(np.int64) * 10**9  # range 7e9: sorted
    assert _fast._dense_range(dense, 1) == (2, 8) and _fast._dense_range(sparse, 1) is None
    for keys, scale in ((dense, 1), (sparse, 10**9)):
        got = _fast.unique(keys)
        assert got.dtype == keys.dtype and got.tolist() == [2 * scale, 3 * scale, 4 * scale, 9 * scale]
        seen, at = _fast.first_index(keys)
        assert seen.tolist() == [2 * scale, 3 * scale, 4 * scale, 9 * scale] and at.tolist() == [1, 3, 0, 5]
        k, least = _fast.min_by_key(keys, np.array([7, 5, -2, 8, 6, 0]))
        assert k.tolist() == [2 * scale, 3 * scale, 4 * scale, 9 * scale] and least.tolist() == [5, 8, -2, 0]


@pytest.mark.parametrize("span", [50, 5_000, 10**12])
def test_the_table_and_the_sort_agree_with_numpy(span):
    rng = np.random.default_rng(span % 97)
    keys = rng.integers(0, span, 2_000) + 7
    values = rng.integers(-50, 50, 2_000)
    np.testing.assert_array_equal(_fast.unique(keys), np.unique(keys))
    seen, at = _fast.first_index(keys)
    want_seen, want_at = np.unique(keys, return_index=True)
    np.testing.assert_array_equal(seen, want_seen)
    np.testing.assert_array_equal(at, want_at)
    want_least = np.array([values[keys == key].min() for key in want_seen])
    for dtype in (np.int64, np.int32, np.uint16):  # narrow values (days as int32) are not copied wide first
        given = (values + 50).astype(dtype) if dtype == np.uint16 else values.astype(dtype)
        k, least = _fast.min_by_key(keys, given)
        np.testing.assert_array_equal(k, want_seen)
        assert least.dtype == np.int64
        np.testing.assert_array_equal(least, want_least + 50 if dtype == np.uint16 else want_least)


def test_empty_and_boolean_input():
    empty = np.array([], dtype=np.int64)
    assert _fast.unique(empty).tolist() == [] and [a.tolist() for a in _fast.first_index(empty)] == [[], []]
    assert _fast.unique(np.array([True, False, True])).tolist() == [False, True]  # not a range: numpy's sort
    huge = np.array([2**61, 0, 2**61, 5])  # value and position do not fit one int64: numpy's stable sort
    assert [a.tolist() for a in _fast.first_index(huge)] == [[0, 5, 2**61], [1, 3, 0]]


def test_min_by_key_on_narrow_values_whose_range_overflows_their_own_type():
    # int32 values from -2e9 to 2e9: value - smallest overflows int32, so it must be taken in int64
    keys = np.array([10**6, 3, 10**6, 3], dtype=np.int64)  # sparse: sorted, not a table; key x 4e9 fits int64
    values = np.array([2_000_000_000, -2_000_000_000, -1_999_999_999, 1_999_999_999], dtype=np.int32)
    k, least = _fast.min_by_key(keys, values)
    assert k.tolist() == [3, 10**6] and least.tolist() == [-2_000_000_000, -1_999_999_999]
