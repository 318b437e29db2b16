"""The indexed 4-ary heap with hundreds of entries: deep enough that a wrong parent index shows.

The property tests of ``test_heap.py`` keep heaps under a dozen entries, where a
binary heap's parent ``(i − 1) // 2`` and a 4-ary heap's ``(i − 1) // 4`` lead to
the same root: a wrong formula passed them. Here the heap holds 2,000 items with
repeated decreases, and every pop is checked against a plain sorted order.
"""

from __future__ import annotations

import numpy as np

from twin.kernels.heap import NEVER_PUSHED, heap_pop, heap_push, indexed_heap_pop, indexed_heap_push


def test_a_deep_indexed_heap_pops_in_key_order() -> None:
    rng = np.random.default_rng(7)
    n = 2000
    keys, items = np.empty(n), np.empty(n, dtype=np.int64)
    pos = np.full(n, NEVER_PUSHED, dtype=np.int64)
    size, current = 0, {}
    for item in rng.permutation(n):
        key = float(rng.uniform(0, 1000))
        size = indexed_heap_push(keys, items, pos, size, key, int(item))
        current[int(item)] = key
    for item in rng.choice(n, 500, replace=False):  # decrease some keys
        key = current[int(item)] * float(rng.uniform(0, 1))
        size = indexed_heap_push(keys, items, pos, size, key, int(item))
        current[int(item)] = key
    popped = [indexed_heap_pop(keys, items, pos, size)[:2] for size in range(size, 0, -1)]
    assert [k for k, _ in popped] == sorted(current.values())
    assert all(current[item] == key for key, item in popped)


def test_a_deep_lazy_heap_pops_in_key_order() -> None:
    rng = np.random.default_rng(8)
    n = 2000
    keys, items = np.empty(n), np.empty(n, dtype=np.int64)
    values = rng.uniform(0, 1000, n)
    size = 0
    for i, key in enumerate(values):
        size = heap_push(keys, items, size, float(key), i)
    out = []
    while size:
        key, _, size = heap_pop(keys, items, size)
        out.append(key)
    assert out == sorted(values.tolist())
