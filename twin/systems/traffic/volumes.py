"""Background traffic: how many vehicles use each street, hour by hour.

There is no origin–destination model here. Each street carries a daily volume
set by its road class (an AADT-like figure per direction of travel, the number a
traffic count station reports), spread over the day by a 24-hour profile and
over the week by a day-of-week factor:

    v_e(t) [veh/h] = AADT[class(e)] × scale × share(hour of t) × day(t)

``share`` is the profile normalised to sum 1 (the fraction of a day's traffic
in each hour), read piecewise-linearly between hour centres so that volumes
change smoothly; ``day`` is the day-of-week factor normalised to mean 1. The
same factor multiplies every edge, so the flow ratios of the signals at any hour
are those at unit factor times the hour's factor. Capacities (BPR) and
saturation flows (signals) come from the lanes per direction and the per-lane
values of the class.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from twin.city.network import ROAD_CLASSES, RoadNetwork


@dataclass(frozen=True)
class RoadTable:
    """Per-edge static traffic attributes.

    Attributes
    ----------
    aadt : float64[m]
        Daily vehicles in the edge's direction, scale included.
    lanes : float64[m]
        Lanes in the edge's direction.
    capacity_vph : float64[m]
        Link capacity for the BPR function, vehicles per hour (all lanes).
    saturation_vph : float64[m]
        Saturation flow at a stop line, vehicles per hour of green (all lanes).
    """

    aadt: np.ndarray
    lanes: np.ndarray
    capacity_vph: np.ndarray
    saturation_vph: np.ndarray


def by_class(net: RoadNetwork, values: dict[str, float]) -> np.ndarray:
    """The per-class ``values`` looked up for every edge (0 for a class not given)."""
    table = np.array([float(values.get(name, 0.0)) for name in ROAD_CLASSES])
    return table[net.edge_class.astype(np.int64)]


def road_table(net: RoadNetwork, aadt: dict[str, float], lanes: dict[str, float],
               capacity_per_lane: dict[str, float], saturation_per_lane: dict[str, float],
               scale: float = 1.0) -> RoadTable:
    """Per-edge volumes, lanes, capacities and saturation flows from per-class values.

    Parameters
    ----------
    net : RoadNetwork
    aadt : dict
        Daily vehicles per direction, by road class.
    lanes : dict
        Lanes per direction, by road class.
    capacity_per_lane, saturation_per_lane : dict
        Vehicles per hour per lane, by road class.
    scale : float
        Multiplies every volume (a demand scenario).
    """
    n_lanes = by_class(net, lanes)
    return RoadTable(aadt=by_class(net, aadt) * scale, lanes=n_lanes,
                     capacity_vph=by_class(net, capacity_per_lane) * n_lanes,
                     saturation_vph=by_class(net, saturation_per_lane) * n_lanes)


class DemandProfile:
    """The share of a day's traffic per hour and the day-of-week factor.

    Parameters
    ----------
    hour_profile : 24 floats
        Relative traffic in each hour 0..23 (normalised here to sum 1).
    weekday_profile : 7 floats
        Relative daily traffic Monday..Sunday (normalised here to mean 1).
    """

    def __init__(self, hour_profile: list[float], weekday_profile: list[float]) -> None:
        hours = np.asarray(hour_profile, dtype=float)
        week = np.asarray(weekday_profile, dtype=float)
        self.share = hours / hours.sum()
        self.day = week / week.mean()

    def hour_share(self, hour: float) -> float:
        """Share of the day's traffic per hour at clock hour ``hour`` (0 … 24, fractional),
        linear between hour centres (wrapping at midnight)."""
        position = (hour - 0.5) % 24.0
        low = int(np.floor(position))
        frac = position - low
        return float((1 - frac) * self.share[low] + frac * self.share[(low + 1) % 24])

    def factor(self, when: datetime) -> float:
        """Vehicles per hour per vehicle of daily volume at ``when`` (hour share × day factor)."""
        hour = when.hour + when.minute / 60 + when.second / 3600
        return self.hour_share(hour) * float(self.day[when.weekday()])

    def factor_at_hour(self, when: datetime, hour: float) -> float:
        """:meth:`factor` at clock hour ``hour`` of ``when``'s day."""
        return self.hour_share(hour) * float(self.day[when.weekday()])
