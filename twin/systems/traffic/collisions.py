"""Where and when traffic collisions happen: exposure times risk, drawn per period.

Collisions are rare events in proportion to exposure. Every *site* — a street
between junctions, a signalised junction, an unsignalised junction, a
pedestrian crossing — has a risk per vehicle and an exposure that follows the
background volumes:

* a **link** (edge): ``rate[class] × 10⁻⁶ per vehicle-km × length (km)`` per
  vehicle on it;
* a **signal** (controller): ``signal_rate_per_mev × 10⁻⁶`` per vehicle entering
  it, and a pedestrian site with ``signal_pedestrian_rate_per_mev``;
* an **unsignalised junction** (a node with three or more neighbours):
  ``junction_rate_per_mev × 10⁻⁶`` per entering vehicle;
* an **unsignalised pedestrian crossing**: ``crossing_pedestrian_rate_per_mev ×
  10⁻⁶`` per entering vehicle, less ``pedestrian_risk_reduction`` where a smart
  crosswalk is installed.

Pedestrian sites are further weighted by the pedestrian activity near the node:
the node's population weight over the city mean, clipped to ``[0.25, 4]`` (a
proxy: people walk where people live and work).

Within a refresh period volumes are constant, so each site's collisions are
Poisson with mean ``risk × exposure × period`` — exact, not an approximation of
a time-varying rate. The counts come from a counter-based generator
(:func:`twin.kernels.traffic.poisson_counts`): a site's draw depends only on the
run's seed, the site and the period, so a variant that changes one site's risk
(a smart crosswalk) sees the same collisions everywhere else.

Sources of the default rates (collisions that bring an emergency response,
i.e. injury and police-attended collisions): orders of magnitude from the
*Highway Safety Manual* (AASHTO 2010, part C, urban and suburban arterials:
signalised four-leg junctions of a few tenths of a crash per million entering
vehicles, links of a few tenths to one per million vehicle-km) and from Elvik
et al., *The Handbook of Road Safety Measures* (2nd ed., 2009). They are
assumptions to calibrate with local data; ``collisions.per_day`` rescales them
all to a known daily count while keeping where and when they happen.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from twin.city.network import ROAD_CLASSES, RoadNetwork
from twin.kernels.traffic import event_fractions, poisson_counts
from twin.systems.traffic.signals import SignalLayout
from twin.systems.traffic.volumes import by_class

LINK, SIGNAL, JUNCTION, CROSSING = 0, 1, 2, 3
#: Names of the site kinds, in code order.
SITE_KINDS: tuple[str, ...] = ("link", "signal", "junction", "crossing")
#: Bounds of the pedestrian-activity factor (population weight over its mean).
ACTIVITY_RANGE = (0.25, 4.0)


@dataclass(frozen=True)
class CollisionSites:
    """Every place a collision may happen, one array entry each.

    Sites are ordered links, signal (vehicle), signal (pedestrian), junctions,
    crossings; the order never depends on treatments, so a site keeps its index
    (and its random numbers) across variants of a scenario.

    Attributes
    ----------
    kind : int8[k]
        :data:`SITE_KINDS` code.
    pedestrian : bool[k]
        Whether the site's collisions involve a pedestrian.
    node : int64[k]
        Drive node reported with the collision.
    edge : int64[k]
        The edge of a link site, -1 otherwise.
    x, y : float64[k]
        Where the collision is reported, metres.
    road_class : int8[k]
        Class of the link, or the highest class entering the node.
    risk : float64[k]
        Expected collisions per vehicle of exposure (treatments included).
    base_risk : float64[k]
        The same without treatments.
    smart : bool[k]
        A smart crosswalk is installed (crossing sites only).
    exposure_source : int8[k]
        0 the edge's volume, 1 the vehicles entering the controller, 2 the vehicles entering the node.
    exposure_index : int64[k]
        The edge, controller or node.
    """

    kind: np.ndarray
    pedestrian: np.ndarray
    node: np.ndarray
    edge: np.ndarray
    x: np.ndarray
    y: np.ndarray
    road_class: np.ndarray
    risk: np.ndarray
    base_risk: np.ndarray
    smart: np.ndarray
    exposure_source: np.ndarray
    exposure_index: np.ndarray

    def __len__(self) -> int:
        return len(self.kind)

    def exposure(self, net: RoadNetwork, layout: SignalLayout, volume: np.ndarray) -> np.ndarray:
        """Vehicles per unit time at every site for per-edge ``volume`` (any unit, e.g. veh/h)."""
        entering_node = np.bincount(net.edge_v, weights=volume, minlength=net.n_nodes)
        entering_ctrl = np.bincount(layout.approach_controller, weights=volume[layout.approach_edge],
                                    minlength=layout.n_controllers)
        out = np.empty(len(self.kind))
        for source, values in ((0, volume), (1, entering_ctrl), (2, entering_node)):
            mask = self.exposure_source == source
            out[mask] = values[self.exposure_index[mask]]
        return out


def junction_nodes(net: RoadNetwork) -> np.ndarray:
    """Nodes with three or more distinct neighbours (either direction), sorted."""
    lo = np.minimum(net.edge_u, net.edge_v).astype(np.int64)
    hi = np.maximum(net.edge_u, net.edge_v).astype(np.int64)
    keys = np.unique(lo[lo != hi] * net.n_nodes + hi[lo != hi])  # each road once, whatever its direction
    degree = np.bincount(keys // net.n_nodes, minlength=net.n_nodes)
    degree += np.bincount(keys % net.n_nodes, minlength=net.n_nodes)
    return np.flatnonzero(degree >= 3).astype(np.int64)


def collision_sites(net: RoadNetwork, layout: SignalLayout, crossing_nodes: np.ndarray,
                    population_weight: np.ndarray, link_rate_per_mvkm: dict[str, float], *,
                    signal_rate: float, signal_pedestrian_rate: float, junction_rate: float,
                    crossing_pedestrian_rate: float) -> CollisionSites:
    """Build the collision sites of a city (no treatment yet).

    Parameters
    ----------
    net : RoadNetwork
    layout : SignalLayout
    crossing_nodes : int64 array
        Drive nodes with a pedestrian crossing.
    population_weight : float64[n]
        Per drive node (the pedestrian-activity proxy).
    link_rate_per_mvkm : dict
        Collisions per million vehicle-km by road class.
    signal_rate, signal_pedestrian_rate, junction_rate, crossing_pedestrian_rate : float
        Collisions per million entering vehicles.
    """
    weight = np.asarray(population_weight, dtype=float)
    activity = np.clip(weight / weight.mean(), *ACTIVITY_RANGE) if weight.mean() > 0 else np.ones(net.n_nodes)
    highest = np.full(net.n_nodes, len(ROAD_CLASSES) - 1, dtype=np.int64)  # lower code = higher class
    np.minimum.at(highest, net.edge_v, net.edge_class.astype(np.int64))

    link_risk = by_class(net, link_rate_per_mvkm) * 1e-6 * net.edge_length / 1000.0
    links = np.flatnonzero(link_risk > 0)
    k = layout.n_controllers
    ctrl = np.arange(k)
    in_signal = layout.node_controller >= 0
    junctions = junction_nodes(net)
    junctions = junctions[~in_signal[junctions]]
    crossings = np.unique(np.asarray(crossing_nodes, dtype=np.int64))
    crossings = crossings[~in_signal[crossings]]

    site_node = layout.site_node
    parts = [  # kind, pedestrian, node, edge, x, y, class, risk, exposure source, exposure index
        (LINK, False, net.edge_v[links], links, (net.x[net.edge_u[links]] + net.x[net.edge_v[links]]) / 2,
         (net.y[net.edge_u[links]] + net.y[net.edge_v[links]]) / 2, net.edge_class[links], link_risk[links], 0, links),
        (SIGNAL, False, site_node, np.full(k, -1), layout.centre_x, layout.centre_y, highest[site_node],
         np.full(k, signal_rate * 1e-6), 1, ctrl),
        (SIGNAL, True, site_node, np.full(k, -1), layout.centre_x, layout.centre_y, highest[site_node],
         signal_pedestrian_rate * 1e-6 * activity[site_node], 1, ctrl),
        (JUNCTION, False, junctions, np.full(junctions.size, -1), net.x[junctions], net.y[junctions],
         highest[junctions], np.full(junctions.size, junction_rate * 1e-6), 2, junctions),
        (CROSSING, True, crossings, np.full(crossings.size, -1), net.x[crossings], net.y[crossings],
         highest[crossings], crossing_pedestrian_rate * 1e-6 * activity[crossings], 2, crossings),
    ]
    sizes = [len(p[2]) for p in parts]

    def column(i: int, dtype: type) -> np.ndarray:
        return np.concatenate([np.broadcast_to(np.asarray(p[i]), (n,)) for p, n in zip(parts, sizes)]).astype(dtype)

    risk = column(7, np.float64)
    return CollisionSites(kind=column(0, np.int8), pedestrian=column(1, np.bool_), node=column(2, np.int64),
                          edge=column(3, np.int64), x=column(4, np.float64), y=column(5, np.float64),
                          road_class=column(6, np.int8), risk=risk, base_risk=risk.copy(),
                          smart=np.zeros(len(risk), dtype=bool), exposure_source=column(8, np.int8),
                          exposure_index=column(9, np.int64))


def install_crosswalks(sites: CollisionSites, daily_exposure: np.ndarray, share: float, reduction: float,
                       placement: str, rng: np.random.Generator) -> CollisionSites:
    """Equip a share of the crossing sites with smart crosswalks, lowering their risk.

    Parameters
    ----------
    sites : CollisionSites
    daily_exposure : float64[k]
        Vehicles per day at each site (for ``busiest`` placement).
    share : float
        Share of the crossing sites equipped, 0 … 1 (rounded to a whole number of crossings).
    reduction : float
        Relative reduction of the pedestrian risk where installed, 0 … 1.
    placement : {"busiest", "random"}
        Most expected pedestrian collisions first, or a random sample drawn from ``rng``.

    Returns
    -------
    CollisionSites
        A copy with ``smart`` and ``risk`` set.
    """
    crossing = np.flatnonzero(sites.kind == CROSSING)
    count = round(share * crossing.size)
    if placement == "busiest":
        expected = sites.base_risk[crossing] * daily_exposure[crossing]
        order = crossing[np.lexsort((crossing, -expected))]
    else:
        order = crossing[rng.permutation(crossing.size)]
    smart = np.zeros(len(sites), dtype=bool)
    smart[order[:count]] = True
    risk = np.where(smart, sites.base_risk * (1.0 - reduction), sites.base_risk)
    return replace(sites, smart=smart, risk=risk)


def draw_collisions(mean: np.ndarray, key: np.uint64, period: int) -> tuple[np.ndarray, np.ndarray]:
    """The collisions of one period: sites and positions in the period, in time order.

    Parameters
    ----------
    mean : float64[k]
        Expected collisions of each site in the period.
    key : uint64
        The run's key.
    period : int
        Index of the period.

    Returns
    -------
    site : int64[c]
    fraction : float64[c]
        Position in the period, ``[0, 1)``, increasing.
    """
    counts = np.zeros(len(mean), dtype=np.int64)
    total = poisson_counts(np.ascontiguousarray(mean, dtype=np.float64), np.uint64(key), int(period), counts)
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    hit = np.flatnonzero(counts)
    site, fraction = event_fractions(hit.astype(np.int64), counts[hit], np.uint64(key), int(period))
    order = np.lexsort((site, fraction))
    return site[order], fraction[order]
