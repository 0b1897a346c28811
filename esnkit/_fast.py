"""Fast paths for pandas operations that are slow on pandas 3's arrow-backed strings.

``Series.isin`` on a ``str`` column builds a Python list of the values to look up (measured here:
1.25 s for 1 M ids against 330 k); pyarrow's ``is_in`` does the same in 0.14 s. Ids are strings
throughout esnkit, so every membership test on ids goes through :func:`isin`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "isin",
    "lookup",
    "positions",
    "factorize",
    "arrow_factorize",
    "arrow_positions",
    "micros",
    "take",
    "unique",
    "min_by_key",
    "pair_keys",
    "isin_sorted",
    "found_sorted",
    "id_ranks",
]


def _arrow(values) -> pa.Array | None:
    if isinstance(values, (pd.Series, pd.Index)) and isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        return pa.array(values.array)
    return None


def isin(values, allowed):
    """``values.isin(allowed)``, vectorised in Arrow when ``values`` are arrow-backed strings.

    Returns what ``values.isin`` would: a boolean Series aligned on ``values``' index (a numpy
    array for an Index). Nulls never match.

    Examples
    --------
    >>> isin(pd.Series(["a", "b", None], dtype="str"), {"b", "c"}).tolist()
    [False, True, False]
    """
    arr = _arrow(values)
    if arr is None:
        return values.isin(allowed)
    if isinstance(allowed, (pd.Series, pd.Index)):
        pool = _arrow(allowed)
        if pool is None:
            pool = pa.array([v for v in allowed.dropna().tolist() if isinstance(v, str)], type=pa.large_string())
    else:
        pool = pa.array([v for v in allowed if isinstance(v, str)], type=pa.large_string())
    pool = pool.cast(arr.type)
    mask = pc.is_in(arr, value_set=pool, skip_nulls=True).fill_null(False).to_numpy(zero_copy_only=False)
    if isinstance(values, pd.Index):
        return np.asarray(mask, dtype=bool)
    return pd.Series(mask, index=values.index, name=values.name, dtype=bool)


def lookup(keys: pd.Series, index: pd.Series, values: pd.Series) -> pd.Series:
    """``keys.map(pd.Series(values, index=index))`` for unique ``index``, by position (hash once).

    Examples
    --------
    >>> lookup(pd.Series(["b", "x", "a"]), pd.Series(["a", "b"]), pd.Series([1.0, 2.0])).tolist()
    [2.0, nan, 1.0]
    """
    at = positions(keys, index)
    found = at >= 0
    taken = values.array.take(np.where(found, at, 0))
    return pd.Series(taken, index=keys.index, name=values.name).where(found)


def positions(keys, index) -> np.ndarray:
    """Where each of ``keys`` sits in ``index`` (unique values): an int64 array, -1 when absent.

    Examples
    --------
    >>> positions(pd.Series(["b", "x", "a", None], dtype="str"), pd.Series(["a", "b"], dtype="str")).tolist()
    [1, -1, 0, -1]
    """
    ka, ia = _arrow(keys), _arrow(index)
    if ka is not None and ia is not None:
        # Arrow hashes 4 M string ids in about a quarter of the time pandas' Index does.
        pos = pc.index_in(ka, value_set=ia.cast(ka.type))
        return pos.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.asarray(pd.Index(index).get_indexer(keys), dtype=np.int64)


def arrow_factorize(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of an Arrow column of ids (plain or dictionary-encoded) and the ids they stand for.

    Codes are int64, -1 for a null; the ids are a ``str`` Index in no particular order.

    Examples
    --------
    >>> codes, ids = arrow_factorize(pa.chunked_array([["b", "x"], ["b", None]]))
    >>> codes.tolist(), ids.tolist()
    ([0, 1, 0, -1], ['b', 'x'])
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], type=column.type)  # one dictionary for all chunks
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    ids = pd.Index(column.dictionary.cast(pa.large_string()).to_pandas(), dtype="str")
    return column.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64), ids


def factorize(values: pd.Series) -> np.ndarray:
    """Integer codes of a column of ids (-1 for a null), through Arrow when it holds Arrow strings.

    >>> factorize(pd.Series(["b", None, "a", "b"], dtype="str")).tolist()
    [0, -1, 1, 0]
    """
    column = _arrow(values)
    if column is not None:
        return arrow_factorize(column)[0]
    return np.asarray(pd.factorize(values)[0], dtype=np.int64)


def arrow_positions(column: pa.Array | pa.ChunkedArray, index: pd.Series | pd.Index, *, dtype=np.int64) -> np.ndarray:
    """:func:`positions` of an Arrow column of ids in ``index``, each distinct id looked up once.

    Millions of ids in a reduction name about 100,000 people: looking up the distinct ones and
    taking by the dictionary's codes never builds a pandas string column. ``dtype`` is the
    positions' (``np.int32`` halves the array for tables the kernel keeps).

    Examples
    --------
    >>> arrow_positions(pa.chunked_array([["b", "x"], ["a", None, "b"]]), pd.Series(["a", "b"], dtype="str")).tolist()
    [1, -1, 0, -1, 1]
    """
    codes, ids = arrow_factorize(column)
    found = np.append(positions(pd.Series(ids), pd.Series(index, dtype="str")), -1).astype(dtype)  # found[-1]: a null id
    return found[codes]


def micros(times) -> np.ndarray:
    """Timestamps (a Series, or one Timestamp) as int64 microseconds since the epoch (NaT: the int64 minimum).

    Examples
    --------
    >>> micros(pd.Series(pd.to_datetime(["1970-01-01 00:00:01", None], utc=True))).tolist()
    [1000000, -9223372036854775808]
    >>> int(micros(pd.Timestamp("1970-01-01 00:00:02", tz="UTC")))
    2000000
    """
    if isinstance(times, pd.Timestamp):
        return np.int64(times.as_unit("us").asm8.view("int64"))  # Timestamp.value is nanoseconds
    return np.asarray(pd.Series(times).dt.as_unit("us").array.asi8, dtype=np.int64)


def take(values: pd.Series, at: np.ndarray) -> pd.Series:
    """``values`` at positions ``at`` (from :func:`positions`), missing where ``at`` is -1; a fresh RangeIndex.

    Examples
    --------
    >>> take(pd.Series(["a", "b"], dtype="str"), np.array([1, -1, 0])).tolist()
    ['b', nan, 'a']
    """
    return pd.Series(values.array.take(np.asarray(at, dtype=np.int64), allow_fill=True), name=values.name)


def _dense_range(values: np.ndarray, per_value: int) -> tuple[int, int] | None:
    """``(lowest, range)`` of integer ``values`` when a table over their range is cheaper than a sort, else None.

    ``per_value``: how many table slots per value are worth it (4 for a table of booleans, at
    most half the bytes of int64 values; 1 for a table of int64, as large as the values).
    """
    if len(values) == 0 or values.dtype.kind not in "iu":
        return None
    lo, hi = int(values.min()), int(values.max())
    return (lo, hi - lo + 1) if hi - lo < per_value * len(values) + 1024 else None


def unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values of an integer array.

    Values whose range is dense (person or group rows, person-months) are marked in a table of
    that range, one write per value: 0.05 s for 13.8 M person rows, where a sort took 1 s. Others
    are sorted: ``np.unique(x)`` without ``return_*`` takes numpy 2.4's hash path, measured here
    at 9 s for 10.9 M int64 against 0.1 s for the sort path that ``return_counts`` takes.

    Examples
    --------
    >>> unique(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    >>> unique(np.array([10**12, 5, 10**12])).tolist()
    [5, 1000000000000]
    """
    values = np.asarray(values)
    dense = _dense_range(values, 4)
    if dense is None:
        return np.unique(values, return_counts=True)[0]
    lo, span = dense
    table = np.zeros(span, dtype=bool)
    table[values - lo] = True
    return (np.flatnonzero(table) + lo).astype(values.dtype, copy=False)


def first_index(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of an integer array and where each first occurs: ``np.unique(values, return_index=True)``.

    Each value's first position is the least of its positions (:func:`min_by_key`): over a table
    of a dense range, 0.04 s for 13.8 M person rows where ``np.unique``'s stable argsort took 3 s;
    otherwise one plain sort of value and position packed into one integer.

    Examples
    --------
    >>> seen, at = first_index(np.array([7, 5, 7, 6, 5]))
    >>> seen.tolist(), at.tolist()
    ([5, 6, 7], [1, 3, 0])
    """
    values = np.asarray(values)
    if len(values) == 0 or values.dtype.kind not in "iu":
        return np.unique(values, return_index=True)
    lo, n = int(values.min()), len(values)
    if (int(values.max()) - lo + 1) * n >= 2**63:  # value and position do not fit one int64
        return np.unique(values, return_index=True)
    seen, at = min_by_key(np.subtract(values, lo, dtype=np.int64), np.arange(n, dtype=np.int64))
    return (seen + lo).astype(values.dtype, copy=False), at


def min_by_key(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct key (sorted) and the smallest of its values, for non-negative integer keys and integer values.

    Keys of a dense range take ``np.minimum.at`` over a table of that range. Otherwise key and
    value are packed into one integer and sorted, so each key's first entry holds its smallest
    value: 0.2 s at 10 M rows, where ``np.unique(..., return_inverse=True)`` with
    ``np.minimum.at`` took 2 s and a pandas group-by on (thread, person id) 2 s. The caller makes
    sure ``key × (value range)`` fits int64.

    Examples
    --------
    >>> keys, least = min_by_key(np.array([5, 2, 5, 2, 9]), np.array([30, 7, 10, 8, -1]))
    >>> keys.tolist(), least.tolist()
    ([2, 5, 9], [7, 10, -1])
    >>> keys, least = min_by_key(np.array([10**12, 3, 10**12]), np.array([4, 1, 2]))
    >>> keys.tolist(), least.tolist()
    ([3, 1000000000000], [1, 2])
    """
    # Narrow integer values (days as int32) stay narrow: each operation below widens them as it
    # reads them, where a widened copy cost 1.2 s for 20 M days at 200,000 people.
    keys, values = np.asarray(keys, dtype=np.int64), np.asarray(values)  # no copy when already int64
    if values.dtype.kind not in "iu" or values.dtype == np.uint64:  # uint64 with int64 would make floats
        values = values.astype(np.int64)
    dense = _dense_range(keys, 1)
    if dense is not None:
        lo, span = dense
        least = np.full(span, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(least, keys - lo, values)
        present = unique(keys) - lo
        return present + lo, least[present]
    base = int(values.min(initial=0))  # <= 0 <= the largest value, so -base < span
    span = int(values.max(initial=0)) - base + 1
    packed = keys * span  # key * span + (value - base), built in place: -base first, which stays
    packed -= base  # under (key + 1) * span, then the value, which cannot go below key * span
    packed += values
    packed.sort()
    by_key = packed // span
    firsts = np.ones(len(packed), dtype=bool)
    firsts[1:] = by_key[1:] != by_key[:-1]
    return by_key[firsts], packed[firsts] % span + base


def pair_keys(first: np.ndarray, second: np.ndarray, n_second: int) -> np.ndarray:
    """``first * n_second + second`` as one int64 key per row, built in place (no int64 copy of either side).

    The (group, person) pairs that sorts and tallies group by: narrow codes stay narrow until here.

    >>> pair_keys(np.array([0, 2, -1], dtype=np.int32), np.array([1, 0, 3], dtype=np.int32), 5).tolist()
    [1, 10, -2]
    """
    keys = np.multiply(first, n_second, dtype=np.int64)
    keys += second
    return keys


def isin_sorted(values: np.ndarray, sorted_pool: np.ndarray) -> np.ndarray:
    """``np.isin(values, sorted_pool)`` for a sorted pool of integers: a lookup table when the pool's
    range is dense, else a binary search.

    Examples
    --------
    >>> isin_sorted(np.array([5, 2, 9, 0]), np.array([1, 2, 5])).tolist()
    [True, True, False, False]
    >>> isin_sorted(np.array([5, 2, 10**12]), np.array([2, 10**12])).tolist()
    [False, True, True]
    """
    if len(sorted_pool) == 0:
        return np.zeros(len(values), dtype=bool)
    values = np.asarray(values)
    lo, hi = int(sorted_pool[0]), int(sorted_pool[-1])
    if hi - lo <= 4 * (len(values) + len(sorted_pool)):
        # A dense range (person or group rows): one table lookup per value instead of a binary
        # search whose random probes miss the cache (0.3 s against 1.9 s on 10 M values here).
        table = np.zeros(hi - lo + 2, dtype=bool)
        table[np.asarray(sorted_pool) - lo] = True
        return table[np.clip(values - lo, -1, hi - lo + 1)]  # below or above the range: the last slot, False
    at = np.minimum(np.searchsorted(sorted_pool, values), len(sorted_pool) - 1)
    return sorted_pool[at] == values


def found_sorted(values: np.ndarray, sorted_pool: np.ndarray) -> np.ndarray:
    """The ``values`` that are in a sorted pool of integers, sorted (repeats kept): ``np.sort(values[np.isin(values, sorted_pool)])``.

    For counts that do not need the values' order. Sorted first, the values are looked up in one
    forward pass of binary searches that stay in the cache: 0.25 s against 1.5 s for 3.2 M
    scattered values among 3.2 M here.

    Examples
    --------
    >>> found_sorted(np.array([5, 2, 9, 2, 0]), np.array([1, 2, 5])).tolist()
    [2, 2, 5]
    """
    values = np.sort(np.asarray(values))
    if len(sorted_pool) == 0:
        return values[:0]
    at = np.minimum(np.searchsorted(sorted_pool, values), len(sorted_pool) - 1)
    return values[np.asarray(sorted_pool)[at] == values]


def id_ranks(ids) -> np.ndarray:
    """Each id's rank in sorted (string) order, so integer codes can be ordered as the ids would be.

    Examples
    --------
    >>> id_ranks(pd.Index(["b", "c", "a"], dtype="str")).tolist()
    [1, 2, 0]
    """
    order = np.argsort(np.asarray(ids, dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank
