"""Where the traffic lights are: signal controllers, their approaches and their two phases.

OpenStreetMap puts ``highway=traffic_signals`` on nodes, and in European cities
usually on the stop line of each approach rather than on the junction itself:
a crossing of two dual carriageways becomes four signal nodes some 10–40 m
apart. One *controller* is therefore a cluster of signal nodes closer than
``cluster_m`` to one another (single linkage). In a generated city the signal
sits on the junction node and a controller is that one node.

An *approach* is an edge entering a signal node of the controller and heading
towards the controller's centre: an edge from another signal node of the same
controller (inside the junction), or one leaving the centre past the far-side
stop line, is not an approach and carries no signal delay. Each controller has
two phases: its approaches are grouped by their axis of travel (the two main
axes of the junction, :func:`twin.kernels.traffic.split_phases`). A signal on a
straight road (a pedestrian crossing) has all its approaches in phase 0 and a
pedestrian-only phase 1 with no vehicle flow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from twin.city.network import RoadNetwork
from twin.kernels.traffic import split_phases


@dataclass(frozen=True)
class SignalLayout:
    """The signal controllers of a network and their approaches.

    Attributes
    ----------
    n_controllers : int
    node_controller : int64[n_nodes]
        Controller of each signal node, -1 elsewhere.
    centre_x, centre_y : float64[k]
        Centre of each controller (mean of its signal nodes), metres.
    site_node : int64[k]
        The controller's signal node nearest its centre (where its events are placed).
    approach_edge : int64[a]
        Network edge of each approach, grouped by controller.
    approach_controller : int64[a]
    approach_phase : int8[a]
        0 or 1.
    approach_ptr : int64[k + 1]
        Approaches of controller ``k`` are ``approach_ptr[k]:approach_ptr[k+1]``.
    edge_approach : int64[m]
        Approach of each edge, -1 for edges that are not approaches.
    """

    n_controllers: int
    node_controller: np.ndarray
    centre_x: np.ndarray
    centre_y: np.ndarray
    site_node: np.ndarray
    approach_edge: np.ndarray
    approach_controller: np.ndarray
    approach_phase: np.ndarray
    approach_ptr: np.ndarray
    edge_approach: np.ndarray

    @property
    def n_approaches(self) -> int:
        """Number of approaches over all controllers."""
        return len(self.approach_edge)


def cluster_signals(net: RoadNetwork, signal_nodes: np.ndarray, cluster_m: float) -> np.ndarray:
    """Controller of each signal node: connected groups of nodes closer than ``cluster_m`` metres.

    Returns
    -------
    int64[len(signal_nodes)]
        Controller ids ``0..k-1``, numbered in order of each group's first node.
    """
    nodes = np.asarray(signal_nodes, dtype=np.int64)
    if nodes.size == 0:
        return np.zeros(0, dtype=np.int64)
    if cluster_m <= 0:
        return np.arange(nodes.size, dtype=np.int64)
    points = np.column_stack([net.x[nodes], net.y[nodes]])
    pairs = cKDTree(points).query_pairs(cluster_m, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(nodes.size, nodes.size))
    _, labels = connected_components(graph, directed=False)
    # Renumber by first appearance so the numbering follows the node order, not scipy's.
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[labels].astype(np.int64)


def layout_signals(net: RoadNetwork, signal_nodes: np.ndarray, cluster_m: float,
                   weight: np.ndarray) -> SignalLayout:
    """Controllers, approaches and phases of a network's signals.

    Parameters
    ----------
    net : RoadNetwork
        The drive network.
    signal_nodes : int64 array
        Nodes with traffic signals.
    cluster_m : float
        Signal nodes closer than this (metres, single linkage) share a controller.
    weight : float64[m]
        A flow weight per edge (e.g. daily volume) for choosing each junction's main axis.

    Returns
    -------
    SignalLayout
    """
    nodes = np.unique(np.asarray(signal_nodes, dtype=np.int64))
    controller_of = cluster_signals(net, nodes, cluster_m)
    k = int(controller_of.max()) + 1 if nodes.size else 0
    node_controller = np.full(net.n_nodes, -1, dtype=np.int64)
    node_controller[nodes] = controller_of
    count = np.bincount(controller_of, minlength=k).astype(float)
    centre_x = np.bincount(controller_of, weights=net.x[nodes], minlength=k) / np.maximum(count, 1)
    centre_y = np.bincount(controller_of, weights=net.y[nodes], minlength=k) / np.maximum(count, 1)
    gap = np.hypot(net.x[nodes] - centre_x[controller_of], net.y[nodes] - centre_y[controller_of])
    order = np.lexsort((gap, controller_of))
    first = np.searchsorted(controller_of[order], np.arange(k))
    site_node = nodes[order][first] if k else np.zeros(0, dtype=np.int64)

    # Candidate approaches: every edge into a signal node.
    into = node_controller[net.edge_v]
    edges = np.flatnonzero(into >= 0)
    ctrl = into[edges]
    u, v = net.edge_u[edges], net.edge_v[edges]
    internal = node_controller[u] == ctrl  # from another stop line of the same junction
    d_tail = np.hypot(net.x[u] - centre_x[ctrl], net.y[u] - centre_y[ctrl])
    d_head = np.hypot(net.x[v] - centre_x[ctrl], net.y[v] - centre_y[ctrl])
    keep = ~internal & (d_tail > d_head)  # heading towards the junction's centre
    edges, ctrl = edges[keep], ctrl[keep]
    order = np.lexsort((edges, ctrl))
    edges, ctrl = edges[order], ctrl[order]
    ptr = np.zeros(k + 1, dtype=np.int64)
    np.cumsum(np.bincount(ctrl, minlength=k), out=ptr[1:])
    theta = np.arctan2(net.y[net.edge_v[edges]] - net.y[net.edge_u[edges]],
                       net.x[net.edge_v[edges]] - net.x[net.edge_u[edges]])
    phase = split_phases(ptr, theta.astype(np.float64), np.asarray(weight, dtype=np.float64)[edges])
    edge_approach = np.full(net.n_edges, -1, dtype=np.int64)
    edge_approach[edges] = np.arange(edges.size)
    return SignalLayout(n_controllers=k, node_controller=node_controller, centre_x=centre_x, centre_y=centre_y,
                        site_node=site_node.astype(np.int64), approach_edge=edges.astype(np.int64),
                        approach_controller=ctrl.astype(np.int64), approach_phase=phase, approach_ptr=ptr,
                        edge_approach=edge_approach)
