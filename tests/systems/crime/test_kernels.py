"""The crime kernels against hand-worked cases and their expected frequencies."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.city.network import CSR
from twin.kernels.crime import draw_crimes, expected_crimes, guardians_within, target_weights
from twin.kernels.workspace import make_workspace


def line(n: int, spacing_m: float) -> CSR:
    """Nodes 0 … n-1 on a straight road, ``spacing_m`` apart, both ways."""
    u = np.arange(n - 1)
    tail, head = np.concatenate([u, u + 1]), np.concatenate([u + 1, u])
    length = np.full(tail.size, spacing_m)
    return CSR.build(n, tail, head, length / 10.0, length)


def reach(units: list[int], radius_m: float, spacing_m: float = 100.0) -> np.ndarray:
    g = line(len(units), spacing_m)
    out = np.zeros(len(units), dtype=np.int32)
    guardians_within(g.indptr, g.indices, g.lengths, np.array(units, dtype=np.int32), radius_m,
                     np.ones(len(units), dtype=np.bool_), make_workspace(len(units)), out)
    return out


def test_target_weights_raise_to_the_exponent_and_leave_empty_nodes_at_zero() -> None:
    targets = np.array([0, 1, 4, 9], dtype=np.int32)
    out = np.empty(4)
    assert target_weights(targets, 1.0, out) == 14 and out.tolist() == [0, 1, 4, 9]
    assert target_weights(targets, 0.5, out) == pytest.approx(6) and out.tolist() == [0, 1, 2, 3]
    target_weights(targets, 0.0, out)
    assert out.tolist() == [0, 1, 1, 1], "no targets, no crime, whatever the exponent"


def test_guardians_reach_along_the_road_both_ways_and_add_up() -> None:
    assert reach([0, 0, 1, 0, 0], 0).tolist() == [0, 0, 1, 0, 0]
    assert reach([0, 0, 1, 0, 0], 100).tolist() == [0, 1, 1, 1, 0]
    assert reach([0, 0, 1, 0, 0], 199).tolist() == [0, 1, 1, 1, 0]
    assert reach([0, 0, 1, 0, 0], 200).tolist() == [1, 1, 1, 1, 1]
    assert reach([2, 0, 0, 1, 0], 100).tolist() == [2, 2, 1, 1, 1]
    assert reach([0, 0, 0, 0, 0], 1000).tolist() == [0, 0, 0, 0, 0]


def test_expected_crimes_apply_guardians_to_all_and_light_to_outdoor_crime() -> None:
    w = np.array([1.0, 2.0, 0.0])
    guardians = np.array([0, 1, 3], dtype=np.int32)
    light = np.array([0.5, 1.0, 0.0])
    value = expected_crimes(w, guardians, 1.4, light, 0.4)
    assert value == pytest.approx(1.0 * (0.6 + 0.4 * 0.5) + 2.0 * math.exp(-1.4))


def test_draw_keeps_every_candidate_without_guardians_or_light_and_follows_the_weights() -> None:
    rng = np.random.default_rng(3)
    weights = np.array([0.0, 1.0, 3.0, 0.0, 6.0])
    k = 200_000
    u = rng.random((4, k))
    out = [np.empty(k, dtype=np.int64), np.empty(k, dtype=np.int64), np.empty(k, dtype=np.bool_),
           np.empty(k, dtype=np.int64)]
    kept = draw_crimes(np.cumsum(weights), u[0], np.array([0.25, 1.0]), u[1], np.array([0.0, 1.0]), u[2],
                       np.zeros(5, dtype=np.int32), 1.4, np.ones(5), u[3], *out)
    assert kept == k
    share = np.bincount(out[0], minlength=5) / k
    assert share[0] == 0 and share[3] == 0, "nodes without targets get no crime"
    assert share == pytest.approx(weights / weights.sum(), abs=0.005)
    assert (out[1] == 0).mean() == pytest.approx(0.25, abs=0.005)
    assert (out[2] == (out[1] == 1)).all(), "type 0 is all indoor, type 1 all outdoor"


def test_draw_thins_by_guardians_and_by_light_for_outdoor_crime_only() -> None:
    rng = np.random.default_rng(4)
    k = 200_000
    u = rng.random((4, k))
    out = [np.empty(k, dtype=np.int64), np.empty(k, dtype=np.int64), np.empty(k, dtype=np.bool_),
           np.empty(k, dtype=np.int64)]
    guardians = np.array([0, 1], dtype=np.int32)
    light = np.array([0.0, 1.0])
    kept = draw_crimes(np.array([1.0, 2.0]), u[0], np.array([1.0]), u[1], np.array([0.5]), u[2],
                       guardians, 1.4, light, u[3], *out)
    node, outdoor = out[0][:kept], out[2][:kept]
    assert not outdoor[node == 0].any(), "light 0 deters every outdoor crime"
    # Node 0: half the candidates (indoor) survive; node 1: exp(-1.4) of all.
    assert (node == 0).sum() / (k / 2) == pytest.approx(0.5, abs=0.01)
    assert (node == 1).sum() / (k / 2) == pytest.approx(math.exp(-1.4), abs=0.01)
    assert (out[3][:kept] == np.sort(out[3][:kept])).all(), "candidate order is kept"
