"""Events of the traffic system.

The log gets one ``TrafficInstalled`` at the start, one ``TrafficState`` per
refresh period (volumes, signal timings and delays for that period), one
``TrafficCollision`` per collision (followed by the cross-system
``IncidentReported`` that the response system turns into a call), and, with
preemption on, one ``SignalsPreempted`` per emergency trip of a preempting
priority. The KPIs are computed from these alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from twin.sim.events import Event


@dataclass(frozen=True, kw_only=True)
class TrafficInstalled(Event):
    """The traffic model of the run, once at time 0.

    ``controllers`` signal controllers (clusters of ``signal_nodes``) with
    ``approaches`` approaches; ``equipped`` of them have preemption;
    ``smart_crosswalks`` of the ``crossings`` unsignalised crossings are smart.
    """

    policy: str
    signal_nodes: int
    controllers: int
    approaches: int
    preemption: bool
    equipped: int
    crossings: int
    smart_crosswalks: int
    collision_sites: int
    collision_scale: float
    expected_collisions_per_day: float


@dataclass(frozen=True, kw_only=True)
class TrafficState(Event):
    """Traffic in the period ``[start_s, end_s)``, published at its start.

    Attributes
    ----------
    vehicle_km : float
        Vehicle-kilometres driven in the period.
    vehicle_h : float
        Vehicle-hours, congestion and signal delay included.
    free_flow_vehicle_h : float
        Vehicle-hours at free-flow speed.
    signal_vehicles : float
        Vehicles passing a signal in the period.
    signal_delay_veh_h : float
        Their total signal delay, vehicle-hours.
    mean_signal_delay_s : float
        Mean signal delay per vehicle passing a signal, seconds.
    mean_cycle_s : float
        Mean cycle over the controllers, seconds.
    max_degree_of_saturation : float
        Highest ``x`` of any approach.
    """

    start_s: float
    end_s: float
    vehicle_km: float
    vehicle_h: float
    free_flow_vehicle_h: float
    signal_vehicles: float
    signal_delay_veh_h: float
    mean_signal_delay_s: float
    mean_cycle_s: float
    max_degree_of_saturation: float


@dataclass(frozen=True, kw_only=True)
class TrafficCollision(Event):
    """A traffic collision at a site (see :mod:`twin.systems.traffic.collisions`).

    ``site`` is ``link``, ``signal``, ``junction`` or ``crossing``;
    ``pedestrian`` whether a pedestrian was hit; ``smart_crosswalk`` whether the
    crossing has one; ``road_class`` the class of the road (the highest entering a node).
    """

    site: str
    pedestrian: bool
    smart_crosswalk: bool
    road_class: str


@dataclass(frozen=True, kw_only=True)
class SignalsPreempted(Event):
    """An emergency trip and the signals on its estimated route (see :mod:`twin.systems.traffic.preemption`).

    ``node`` is where the unit started. ``signals`` signals on the route,
    ``preempted`` of them equipped; ``saved_s`` the signal delay avoided
    (network seconds) and ``cross_delay_veh_s`` the delay added to cross traffic.
    """

    signals: int
    preempted: int
    saved_s: float
    cross_delay_veh_s: float
