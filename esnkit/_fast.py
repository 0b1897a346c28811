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

__all__ = ["isin", "lookup"]


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
    ka, ia = _arrow(keys), _arrow(index)
    if ka is not None and ia is not None:
        # Arrow hashes 4 M string ids in about a quarter of the time pandas' Index does.
        pos = pc.index_in(ka, value_set=ia.cast(ka.type))
        at = pos.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    else:
        at = pd.Index(index).get_indexer(keys)
    found = at >= 0
    taken = values.array.take(np.where(found, at, 0))
    return pd.Series(taken, index=keys.index, name=values.name).where(found)
