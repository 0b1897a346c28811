"""Building blocks computed once: within a step's block, and across steps in a kernel run by `esnkit run`."""

from esnkit.metrics import _base
from helpers import small_dataset


def _counting():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


def test_outside_a_block_nothing_is_cached(monkeypatch):
    monkeypatch.delenv(_base.RUN_CACHE_ENV, raising=False)
    ds = small_dataset()
    calls, compute = _counting()
    _base.memo("x", ds, (), compute)
    _base.memo("x", ds, (), compute)
    assert len(calls) == 2


def test_a_block_caches_per_dataset_and_key_and_forgets_at_its_end(monkeypatch):
    monkeypatch.delenv(_base.RUN_CACHE_ENV, raising=False)
    ds, other = small_dataset(), small_dataset()
    calls, compute = _counting()
    with _base.shared_computations():
        assert _base.memo("x", ds, (1,), compute) == 1
        assert _base.memo("x", ds, (1,), compute) == 1
        assert _base.memo("x", ds, (2,), compute) == 2
        assert _base.memo("x", other, (1,), compute) == 3
        with _base.shared_computations():  # a nested block shares the outer cache
            assert _base.memo("x", ds, (1,), compute) == 1
    assert _base.memo("x", ds, (1,), compute) == 4


def test_in_a_run_kernel_the_cache_outlives_the_step(monkeypatch):
    monkeypatch.setenv(_base.RUN_CACHE_ENV, "1")
    _base.clear_run_cache()
    ds = small_dataset()
    calls, compute = _counting()
    try:
        with _base.shared_computations():
            _base.memo("x", ds, (), compute)
        with _base.shared_computations():  # the next step
            _base.memo("x", ds, (), compute)
        _base.memo("x", ds, (), compute)  # and a notebook cell outside any step function
        assert len(calls) == 1
    finally:
        _base.clear_run_cache()
