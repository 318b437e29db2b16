"""The 4-ary heaps against a plain list of queued entries."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.kernels.heap import (
    NEVER_PUSHED,
    POPPED,
    heap_pop,
    heap_push,
    indexed_heap_pop,
    indexed_heap_push,
)

keys_st = st.floats(0, 100, allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(ops=st.lists(st.one_of(keys_st, st.none()), max_size=60))
def test_lazy_heap_pops_in_key_order(ops):
    """``None`` means pop (when non-empty); a float means push it."""
    keys = np.empty(len(ops) + 1)
    items = np.empty(len(ops) + 1, dtype=np.int64)
    size = 0
    queued: list[tuple[float, int]] = []
    for i, op in enumerate(ops):
        if op is None:
            if queued:
                key, item, size = heap_pop(keys, items, size)
                # Any entry with the smallest key may come out first.
                assert key == min(queued)[0]
                queued.remove((key, item))
        else:
            size = heap_push(keys, items, size, op, i)
            queued.append((op, i))
        assert size == len(queued)


@settings(max_examples=100, deadline=None)
@given(ops=st.lists(st.tuples(st.integers(0, 9), keys_st), max_size=60), pops=st.integers(0, 10))
def test_indexed_heap_push_decrease_and_pop(ops, pops):
    """Pushing a queued item keeps the smaller key; pops come in key order."""
    n = 10
    keys = np.empty(n)
    items = np.empty(n, dtype=np.int64)
    pos = np.full(n, NEVER_PUSHED, dtype=np.int64)
    size = 0
    current: dict[int, float] = {}
    for item, key in ops:
        if item in current and key > current[item]:
            continue  # the heap only lowers keys
        size = indexed_heap_push(keys, items, pos, size, key, item)
        current[item] = key
    assert size == len(current)
    for item, key in current.items():
        assert items[pos[item]] == item and keys[pos[item]] == key
    last = -np.inf
    for _ in range(min(pops, size)):
        key, item, size = indexed_heap_pop(keys, items, pos, size)
        assert key >= last and current.pop(item) == key and pos[item] == POPPED
        last = key
    assert size == len(current)
