"""Zones and their signposts: what people follow instead of routing one by one.

A city's nodes are grouped into a few hundred *zones*, each around a root node
(its "centroid"). Zones are network Voronoi cells: every node belongs to the
root that reaches it soonest. Each zone root gets

* an **out-tree** inside its zone (one multi-source Dijkstra search from all
  roots at once): the route from the root to any node of the zone, which is
  the last bit of a trip; and
* an **in-tree** from the whole city towards it (one Dijkstra search on the
  reverse graph per root, in parallel): the signposts to the zone.

A trip to node ``d`` follows the in-tree of ``d``'s zone to the zone root, or
stops early if it passes ``d`` on the way, then the root's out-tree to ``d``.
The approximation: the route runs through the zone's root, a detour of at most
about twice the zone's radius (with 256 zones on a 35 km city, zones are about
2 km across); trips inside one zone go by its root too. Walkers have zones of
their own on the walkable network (1,024 by default, about 1 km across) and
never leave their home zone (see :mod:`twin.systems.population.places`): their
in-trees are a single forest that stays inside the zones, the cost of one
Dijkstra search, so walkers need no city-wide trees at all.

Trees hold two int32 and one float32 per node (next node, milliseconds and
metres to the root): 256 trees of a 100,000-node city take about 300 MB. They
depend only on the network and the number of zones (the roots are chosen with
a fixed seed), so they are cached per network object and reused by every run
and replication on that city in the same process.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from twin.city.network import CSR, RoadNetwork
from twin.kernels.dijkstra import dijkstra, dijkstra_multi_source
from twin.kernels.zone_trees import (
    in_forest_within_zones,
    in_trees,
    lengths_along,
    pred_to_edges,
    signposts,
)

#: Walking speed used when a city has no separate walkable network, km/h.
WALK_SPEED_KPH = 5.0
#: Fewest nodes per zone: small cities get fewer zones than asked for.
MIN_NODES_PER_ZONE = 20
#: Lloyd iterations when placing zone roots.
LLOYD_ITERATIONS = 12


@dataclass(frozen=True, eq=False)
class MoveNet:
    """A road network as one mode of travel sees it.

    Attributes
    ----------
    net : RoadNetwork
        The network the nodes belong to (coordinates, nearest-node lookups).
    forward, reverse : CSR
        The graph and its reverse; ``edge_id`` indexes the arrays below.
    head, tail : int32[m]
        End and start node of each edge.
    time, length : float64[m]
        Seconds at this mode's speed; metres.
    """

    net: RoadNetwork
    forward: CSR
    reverse: CSR
    head: np.ndarray
    tail: np.ndarray
    time: np.ndarray
    length: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return self.net.n_nodes

    @classmethod
    def driving(cls, net: RoadNetwork) -> MoveNet:
        """The drivable network at free-flow speeds, as it is."""
        return cls(net, net.forward, net.reverse, net.edge_v.astype(np.int32), net.edge_u.astype(np.int32),
                   np.ascontiguousarray(net.edge_time, dtype=np.float64),
                   np.ascontiguousarray(net.edge_length, dtype=np.float64))

    @classmethod
    def walking(cls, net: RoadNetwork, same_as_drive: bool) -> MoveNet:
        """A two-way network for walkers.

        The city's walkable network is two-way already, at walking speed. A
        city without one (``walk`` is the drivable network) is walked on the
        drivable network at :data:`WALK_SPEED_KPH`, every street both ways.
        """
        u, v = net.edge_u, net.edge_v
        length = np.asarray(net.edge_length, dtype=np.float64)
        time = length / (WALK_SPEED_KPH / 3.6) if same_as_drive else np.asarray(net.edge_time, dtype=np.float64)
        n = net.n_nodes
        key = u.astype(np.int64) * n + v
        if same_as_drive or not np.array_equal(np.unique(key), np.unique(v.astype(np.int64) * n + u)):
            # Add the missing opposite directions: pedestrians ignore one-way signs.
            reverse_key = v.astype(np.int64) * n + u
            missing = ~np.isin(reverse_key, key)
            u, v = np.concatenate([u, v[missing]]), np.concatenate([v, u[missing]])
            length = np.concatenate([length, length[missing]])
            time = np.concatenate([time, time[missing]])
        u = u.astype(np.int64)
        v = v.astype(np.int64)
        return cls(net, CSR.build(n, u, v, time, length), CSR.build(n, v, u, time, length),
                   v.astype(np.int32), u.astype(np.int32), time, length)


@dataclass(frozen=True, eq=False)
class Zones:
    """The zones of one :class:`MoveNet` and the trees to travel between them.

    Attributes
    ----------
    roots : int64[z]
        Root node of each zone.
    zone_of : int32[n]
        Zone of each node.
    root_jump : int32[L, n]
        Jump pointers of the out-forest: ``root_jump[k, v]`` is the node ``2**k``
        steps before ``v`` on the route from its zone's root (-1 beyond the root).
    root_time, root_length : float64[n]
        Seconds and metres from the zone's root.
    to_zone : int32[z, n, 2] or int32[1, n, 2]
        In-trees towards every zone root (``city_wide``), or one forest in
        which each node's tree ends at its own zone's root: next node and
        milliseconds to the root (see :func:`twin.kernels.zone_trees.signposts`).
    zone_metres : float32[z, n] or float32[1, n]
        Route length to the root of each tree, metres.
    """

    roots: np.ndarray
    zone_of: np.ndarray
    root_jump: np.ndarray
    root_time: np.ndarray
    root_length: np.ndarray
    to_zone: np.ndarray
    zone_metres: np.ndarray

    @property
    def n_zones(self) -> int:
        """Number of zones."""
        return len(self.roots)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays, bytes."""
        return sum(a.nbytes for a in (self.roots, self.zone_of, self.root_jump, self.root_time,
                                      self.root_length, self.to_zone, self.zone_metres))


def effective_zones(n_nodes: int, asked: int) -> int:
    """The number of zones used: as asked, but at least :data:`MIN_NODES_PER_ZONE` nodes each."""
    return max(1, min(asked, n_nodes // MIN_NODES_PER_ZONE))


def zones_for_width(area_km2: float, asked: int, width_km: float) -> int:
    """At most ``asked`` zones, each covering at least a ``width_km`` × ``width_km`` square of the city."""
    return max(1, min(asked, int(area_km2 / width_km**2)))


def choose_roots(net: RoadNetwork, weight: np.ndarray, zones: int, seed: int = 0) -> np.ndarray:
    """Zone roots spread like the population: k-means on a weighted sample of nodes.

    Lloyd's iterations with a k-d tree for the nearest centre, started from a
    weighted sample of nodes: a thousand zones take well under a second, which
    scipy's ``kmeans2`` (all pairs of points and centres) does not.

    Parameters
    ----------
    net : RoadNetwork
    weight : float64[n]
        Relative population per node (need not sum to 1).
    zones : int
        How many roots (fewer may come back if two snap to the same node).
    seed : int
        Seed of the sample and of k-means; fixed, so that the zones (and the
        cached trees) of a city do not change from run to run.
    """
    n = net.n_nodes
    if zones >= n:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    p = weight / weight.sum() if weight.sum() > 0 else None
    sample = rng.choice(n, size=min(n, 40 * zones), p=p)
    points = np.column_stack([net.x[sample], net.y[sample]])
    centres = points[rng.choice(len(points), size=zones, replace=False)]
    for _ in range(LLOYD_ITERATIONS):
        _, nearest = cKDTree(centres).query(points)
        counts = np.bincount(nearest, minlength=zones)
        sums_x = np.bincount(nearest, weights=points[:, 0], minlength=zones)
        sums_y = np.bincount(nearest, weights=points[:, 1], minlength=zones)
        used = counts > 0  # a centre nobody chose stays where it is
        centres[used] = np.column_stack([sums_x[used], sums_y[used]]) / counts[used, None]
    nodes, _ = net.nearest_node(centres[:, 0], centres[:, 1])
    return np.unique(nodes)


def build_zones(move: MoveNet, roots: np.ndarray, *, city_wide: bool) -> Zones:
    """Voronoi zones around ``roots`` with their out-forest and in-trees.

    Parameters
    ----------
    move : MoveNet
    roots : int64[z]
        Distinct root nodes.
    city_wide : bool
        One in-tree per root over the whole city (drivers, who cross zones),
        or a single forest inside the zones (walkers, who stay in their zone).
    """
    fwd, rev = move.forward, move.reverse
    dist, pred, origin = dijkstra_multi_source(fwd.indptr, fwd.indices, fwd.weights, roots,
                                               np.zeros(len(roots)))
    zone_of = origin.astype(np.int32)
    from_root = np.empty(move.n_nodes, dtype=np.int32)
    pred_to_edges(fwd.indptr, fwd.indices, fwd.weights, fwd.edge_id, pred, from_root)
    if np.any(origin < 0):
        raise ValueError(f"{int(np.sum(origin < 0))} nodes cannot be reached from any zone root: "
                         "the network is not strongly connected")
    root_length = lengths_along(from_root, move.tail, move.length)
    root_jump = jump_pointers(np.where(from_root >= 0, move.tail[from_root], -1).astype(np.int32))
    if city_wide:
        to_zone = np.empty((len(roots), move.n_nodes, 2), dtype=np.int32)  # numpy: huge pages
        metres = np.empty((len(roots), move.n_nodes), dtype=np.float32)
        in_trees(rev.indptr, rev.indices, rev.weights, rev.edge_id, move.head, move.length, roots, to_zone, metres)
    else:
        forest, forest_metres = in_forest_within_zones(rev.indptr, rev.indices, rev.weights, rev.edge_id,
                                                       move.head, move.length, zone_of, roots)
        to_zone, metres = forest[None], forest_metres[None]
    return Zones(roots=roots, zone_of=zone_of, root_jump=root_jump, root_time=dist,
                 root_length=root_length, to_zone=to_zone, zone_metres=metres)


def jump_pointers(parent: np.ndarray) -> np.ndarray:
    """Rows ``k = 0, 1, …``: each node's ancestor ``2**k`` levels up (-1 beyond a root), int32."""
    rows = [parent.astype(np.int32)]
    while np.any(rows[-1] >= 0):
        last = rows[-1]
        rows.append(np.where(last >= 0, last[np.maximum(last, 0)], -1).astype(np.int32))
    return np.ascontiguousarray(np.vstack(rows[:-1] if len(rows) > 1 else rows))


def target_tree(move: MoveNet, target: int) -> tuple[np.ndarray, np.ndarray]:
    """Signposts towards one node (one Dijkstra search on the reverse graph).

    Returns
    -------
    tree : int32[n, 2]
        Next node towards ``target`` and milliseconds to it (-1, -1 where unreachable).
    metres : float32[n]
        Route length to ``target``, metres.
    """
    rev = move.reverse
    dist, pred = dijkstra(rev.indptr, rev.indices, rev.weights, int(target))
    tree = np.empty((move.n_nodes, 2), dtype=np.int32)
    metres = np.empty(move.n_nodes, dtype=np.float32)
    signposts(rev.indptr, rev.indices, rev.weights, rev.edge_id, move.head, move.length, dist, pred, tree, metres)
    return tree, metres


_CACHE: weakref.WeakKeyDictionary[RoadNetwork, dict[tuple, tuple[MoveNet, Zones]]] = weakref.WeakKeyDictionary()


def zones_for(net: RoadNetwork, mode: str, weight: np.ndarray, zones: int, *,
              same_as_drive: bool = False) -> tuple[MoveNet, Zones]:
    """The movement network and zones of ``net`` for ``mode`` (``"drive"`` or ``"walk"``), cached.

    Parameters
    ----------
    net : RoadNetwork
    mode : {"drive", "walk"}
        Drivers get city-wide in-trees; walkers a forest inside the zones.
    weight : float64[n]
        Population per node of ``net`` (places the zone roots).
    zones : int
        Zones asked for (see :func:`effective_zones`).
    same_as_drive : bool
        The city has no walkable network and ``net`` is the drivable one.
    """
    key = (mode, effective_zones(net.n_nodes, zones), same_as_drive)
    per_net = _CACHE.setdefault(net, {})
    if key not in per_net:
        move = MoveNet.driving(net) if mode == "drive" else MoveNet.walking(net, same_as_drive)
        roots = choose_roots(net, weight, key[1])
        per_net[key] = (move, build_zones(move, roots, city_wide=mode == "drive"))
    return per_net[key]
