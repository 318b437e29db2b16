"""Signal controllers, their approaches and their two phases."""

from __future__ import annotations

import numpy as np

from twin.city import City
from twin.systems.traffic.signals import layout_signals


def bearings(city: City, edges: np.ndarray) -> np.ndarray:
    net = city.drive
    return np.arctan2(net.y[net.edge_v[edges]] - net.y[net.edge_u[edges]],
                      net.x[net.edge_v[edges]] - net.x[net.edge_u[edges]])


def test_grid_junctions_have_two_axes(grid: City) -> None:
    layout = layout_signals(grid.drive, grid.signal_nodes, 30.0, np.ones(grid.drive.n_edges))
    assert layout.n_controllers == len(grid.signal_nodes)  # 110 m blocks: nothing to merge
    assert np.all(np.diff(layout.approach_ptr) == 4)  # two two-way arterials cross
    theta = bearings(grid, layout.approach_edge)
    for k in range(layout.n_controllers):
        lo, hi = layout.approach_ptr[k], layout.approach_ptr[k + 1]
        phase, axis = layout.approach_phase[lo:hi], theta[lo:hi]
        assert sorted(phase) == [0, 0, 1, 1]
        # Same phase: opposite directions on one axis; other phase: across it.
        same = axis[phase == 0]
        assert abs(np.cos(same[0] - same[1])) > 0.8
        assert abs(np.cos(axis[phase == 0][0] - axis[phase == 1][0])) < 0.6


def test_stop_line_signals_merge_into_junctions(helsinki: City) -> None:
    net = helsinki.drive
    layout = layout_signals(net, helsinki.signal_nodes, 30.0, np.ones(net.n_edges))
    assert 0 < layout.n_controllers < len(np.unique(helsinki.signal_nodes))
    assert layout.n_approaches > 0
    ctrl, edges = layout.approach_controller, layout.approach_edge
    # Every approach enters a signal node of its controller from outside it, heading to its centre.
    assert np.all(layout.node_controller[net.edge_v[edges]] == ctrl)
    assert np.all(layout.node_controller[net.edge_u[edges]] != ctrl)
    d_tail = np.hypot(net.x[net.edge_u[edges]] - layout.centre_x[ctrl], net.y[net.edge_u[edges]] - layout.centre_y[ctrl])
    d_head = np.hypot(net.x[net.edge_v[edges]] - layout.centre_x[ctrl], net.y[net.edge_v[edges]] - layout.centre_y[ctrl])
    assert np.all(d_tail > d_head)
    assert np.array_equal(layout.edge_approach[edges], np.arange(layout.n_approaches))
    assert (layout.edge_approach >= 0).sum() == layout.n_approaches
    assert set(np.unique(layout.approach_phase)) <= {0, 1}
    # Without clustering, one controller per signal node.
    single = layout_signals(net, helsinki.signal_nodes, 0.0, np.ones(net.n_edges))
    assert single.n_controllers == len(np.unique(helsinki.signal_nodes))


def test_no_signals(grid: City) -> None:
    layout = layout_signals(grid.drive, np.zeros(0, dtype=np.int64), 30.0, np.ones(grid.drive.n_edges))
    assert layout.n_controllers == 0 and layout.n_approaches == 0
    assert np.all(layout.edge_approach == -1)
