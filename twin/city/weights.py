"""Where people live: a population weight per node of the drivable network.

Residents are spread in proportion to building floor area (footprint area times
``building:levels``) when the extract maps buildings, each building counting at
its nearest road node. Extracts without buildings fall back to road length: each
node gets half the length of the road edges that touch it.
"""

from __future__ import annotations

import numpy as np
from pyproj import Transformer

from twin.city.network import RoadNetwork


def polygon_areas(xs: list[np.ndarray], ys: list[np.ndarray]) -> np.ndarray:
    """Area of each simple polygon by the shoelace formula, in squared input units."""
    return np.array([0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
                     for x, y in zip(xs, ys)], dtype=np.float64)


def road_length_weights(net: RoadNetwork) -> np.ndarray:
    """Half the length of every edge at each of its two ends, metres per node."""
    weight = np.bincount(net.edge_u, weights=net.edge_length, minlength=net.n_nodes)
    weight += np.bincount(net.edge_v, weights=net.edge_length, minlength=net.n_nodes)
    return weight / 2


def building_weights(net: RoadNetwork,
                     buildings: list[tuple[np.ndarray, np.ndarray, float]]) -> np.ndarray:
    """Floor area of the buildings nearest to each node, m².

    Parameters
    ----------
    net : RoadNetwork
        The drivable network (its CRS is used to measure areas).
    buildings : list of (lon array, lat array, levels)
        Closed building outlines in degrees, with their number of storeys.
    """
    weight = np.zeros(net.n_nodes)
    if not buildings:
        return weight
    to_xy = Transformer.from_crs("EPSG:4326", net.crs, always_xy=True)
    xs, ys = [], []
    for lon, lat, _ in buildings:
        x, y = to_xy.transform(lon, lat)
        xs.append(np.asarray(x))
        ys.append(np.asarray(y))
    floor_area = polygon_areas(xs, ys) * np.array([levels for *_, levels in buildings])
    cx = np.array([x.mean() for x in xs])
    cy = np.array([y.mean() for y in ys])
    nodes, _ = net.nearest_node(cx, cy)
    return np.bincount(nodes, weights=floor_area, minlength=net.n_nodes)


def population_weights(net: RoadNetwork,
                       buildings: list[tuple[np.ndarray, np.ndarray, float]]) -> tuple[np.ndarray, str]:
    """Normalised weights (sum 1) and the basis used: ``"buildings"`` or ``"road_length"``."""
    weight = building_weights(net, buildings)
    basis = "buildings"
    if weight.sum() <= 0:
        weight, basis = road_length_weights(net), "road_length"
    return weight / weight.sum(), basis
