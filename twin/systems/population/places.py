"""Where people live, work and run errands: weighted draws over the city's nodes.

Homes follow the city's population weight per node. Workplaces and other
places follow a weighting of their own (:class:`~twin.systems.population.config.Destination`)
and, for drivers, a gravity model between zones: a zone ``d`` km from home
weighs ``exp(-d / decay_km)`` times its total weight, then a node is drawn
inside the chosen zone by weight. Walkers draw their places inside their home
zone (on the walkable network), so that every walk is a local one, as most
walks are; zones are about 2 km across with the defaults.

Everything is vectorised: a million people take well under a second.
"""

from __future__ import annotations

import numpy as np

from twin.city import City
from twin.city.network import CLASS_CODE

#: Road classes whose nodes count as "arterial" for workplaces.
ARTERIAL_CLASSES = ("motorway", "trunk", "primary", "secondary")


def place_weights(city: City, kind: str) -> np.ndarray:
    """Relative attraction of each drivable node for one weighting (see ``Destination``).

    Returns
    -------
    float64[n]
        Non-negative, summing to 1 (falls back to the population weight when
        the weighting leaves nothing, e.g. a city without arterial roads).
    """
    net = city.drive
    population = np.asarray(city.population_weight, dtype=np.float64)
    if kind == "population":
        weight = population.copy()
    elif kind == "arterial":
        codes = [CLASS_CODE[c] for c in ARTERIAL_CLASSES]
        major = np.isin(net.edge_class, codes)
        on_arterial = np.zeros(net.n_nodes, dtype=bool)
        on_arterial[net.edge_u[major]] = True
        on_arterial[net.edge_v[major]] = True
        weight = population * on_arterial
    elif kind == "central":
        total = population.sum()
        cx, cy = np.dot(population, net.x) / total, np.dot(population, net.y) / total
        r = np.hypot(net.x - cx, net.y - cy)
        mean_r = max(float(np.dot(population, r) / total), 1.0)
        weight = population * np.exp(-r / mean_r)
    else:
        raise ValueError(f"unknown place weighting {kind!r}")
    if weight.sum() <= 0:
        weight = population.copy() if population.sum() > 0 else np.ones(net.n_nodes)
    return weight / weight.sum()


def draw_nodes(weight: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` nodes drawn with probability ``weight`` (any non-negative scale), int32."""
    cumulative = np.cumsum(weight, dtype=np.float64)
    u = rng.random(size) * cumulative[-1]
    return np.minimum(np.searchsorted(cumulative, u, side="right"), len(weight) - 1).astype(np.int32)


def draw_in_zones(zone_of: np.ndarray, weight: np.ndarray, zones: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each entry of ``zones``, a node of that zone drawn by ``weight``.

    A zone whose nodes all weigh zero draws uniformly among them.

    Parameters
    ----------
    zone_of : int array, shape (n,)
        Zone of each node (0 … z - 1, every zone non-empty).
    weight : float array, shape (n,)
        Non-negative weight of each node.
    zones : int array, shape (k,)
        The zone to draw in, per draw.

    Returns
    -------
    int32 array, shape (k,)
    """
    n_zones = int(zone_of.max()) + 1
    order = np.argsort(zone_of, kind="stable")
    sorted_zone = zone_of[order]
    start = np.searchsorted(sorted_zone, np.arange(n_zones), side="left")
    end = np.searchsorted(sorted_zone, np.arange(n_zones), side="right")
    w = np.asarray(weight, dtype=np.float64)[order]
    total = np.bincount(sorted_zone, weights=w, minlength=n_zones)
    w = np.where(total[sorted_zone] > 0, w, 1.0)  # an unweighted zone: uniform
    total = np.bincount(sorted_zone, weights=w, minlength=n_zones)
    cumulative = np.cumsum(w)
    before = cumulative[start] - w[start]
    u = before[zones] + rng.random(len(zones)) * total[zones]
    index = np.searchsorted(cumulative, u, side="right")
    index = np.clip(index, start[zones], end[zones] - 1)
    return order[index].astype(np.int32)


def draw_by_gravity(home_zone: np.ndarray, zone_x: np.ndarray, zone_y: np.ndarray, zone_weight: np.ndarray,
                    decay_m: float | None, rng: np.random.Generator) -> np.ndarray:
    """A destination zone per person: weight of the zone times ``exp(-distance / decay)``.

    Parameters
    ----------
    home_zone : int array, shape (k,)
        Each person's home zone.
    zone_x, zone_y : float arrays, shape (z,)
        Position of each zone's root, metres.
    zone_weight : float array, shape (z,)
        Attraction of each zone (sum of its nodes' weights).
    decay_m : float or None
        Distance over which the attraction falls by ``e``, metres; ``None``: no decay.

    Returns
    -------
    int64 array, shape (k,)
    """
    out = np.empty(len(home_zone), dtype=np.int64)
    if decay_m is None:
        out[:] = draw_nodes(zone_weight, len(home_zone), rng)
        return out
    order = np.argsort(home_zone, kind="stable")
    zones, first = np.unique(home_zone[order], return_index=True)
    bounds = np.append(first, len(order))
    for zone, lo, hi in zip(zones, bounds[:-1], bounds[1:]):
        d = np.hypot(zone_x - zone_x[zone], zone_y - zone_y[zone])
        attraction = zone_weight * np.exp(-d / decay_m)
        if attraction.sum() <= 0:
            attraction = np.ones_like(attraction)
        out[order[lo:hi]] = draw_nodes(attraction, hi - lo, rng)
    return out
