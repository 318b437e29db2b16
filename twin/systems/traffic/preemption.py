"""Emergency-vehicle signal preemption: which signals a trip preempts, what it saves, what it costs.

An equipped signal sees an ambulance coming with lights and sirens and turns
green for it. The ambulance then loses no time at that signal — the routing
times of ``edge_travel_time_s(emergency=True)`` drop the approach's delay — and
the cross street pays: its green is cut short.

The traffic system does not see units drive. It estimates, for every dispatched
trip of a preempting priority, the route the unit takes — the fastest path from
the unit's node (``UnitDispatched``) to the incident's node (``IncidentOccurred``)
on the same emergency travel times the response system routes on — and counts
the equipped signals whose approaches the route uses. For each of them:

* **time saved** by the unit: the approach's mean signal delay (Webster) at the
  current volumes, network seconds (before any lights-and-sirens speed factor);
* **delay added to cross traffic**: during a preemption the cross phase gets
  ``lost_time_s`` of extra red. Treating the cross street as a deterministic
  queue whose service (mean capacity ``λ s``) stops for ``t_p`` seconds, the
  queue grows to ``q t_p`` vehicles and then clears at ``λ s − q``; the area of
  that triangle is the added delay

      D = q t_p² / (2 (1 − x)),    x = q / (λ s) (capped at ``max_degree_of_saturation``)

  vehicle-seconds, ``q`` the cross phase's total flow. That is the number of
  preemptions × lost time per preemption × cross-street flow, times the mean
  extra wait ``t_p / (2 (1 − x))`` of the vehicles caught. A cross phase with no
  vehicles (a pedestrian phase) adds no vehicle delay.

The route may differ from the one the response system picked where two routes
tie; the trip is counted when the unit is dispatched, not when it passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.city.routing import Router
from twin.kernels.traffic import path_edges
from twin.systems.traffic.policies import SignalPlan
from twin.systems.traffic.signals import SignalLayout


@dataclass(frozen=True)
class TripPreemption:
    """What one emergency trip does at signals.

    Attributes
    ----------
    signals : int
        Signal approaches on the route (signals passed).
    preempted : int
        Of those, at equipped signals.
    saved_s : float
        Signal delay the unit avoids, network seconds.
    cross_delay_veh_s : float
        Delay added to cross-street traffic, vehicle-seconds.
    """

    signals: int
    preempted: int
    saved_s: float
    cross_delay_veh_s: float


def cross_delays(layout: SignalLayout, plan: SignalPlan, flow_ratio: np.ndarray, phase_flow_vph: np.ndarray,
                 lost_time_s: float, x_max: float) -> np.ndarray:
    """Delay added to the cross phase by one preemption from each approach, vehicle-seconds.

    Parameters
    ----------
    layout : SignalLayout
    plan : SignalPlan
        The current timings.
    flow_ratio, phase_flow_vph : float64[n, 2]
        Critical flow ratio and total flow (veh/h) of each phase now.
    lost_time_s : float
        Extra red imposed on the cross phase, seconds.
    x_max : float
        Cap on the cross phase's degree of saturation.

    Returns
    -------
    float64[a]
    """
    k = layout.approach_controller
    cross = 1 - layout.approach_phase.astype(np.int64)
    q = phase_flow_vph[k, cross] / 3600.0
    lam = plan.green_s[k, cross] / plan.cycle_s[k]
    x = np.minimum(np.divide(flow_ratio[k, cross], lam, out=np.zeros(len(k)), where=lam > 0), x_max)
    return q * lost_time_s ** 2 / (2.0 * (1.0 - x))


def trip_preemption(router: Router, origin: int, target: int, layout: SignalLayout, equipped: np.ndarray,
                    delay_s: np.ndarray, cross_delay_veh_s: np.ndarray) -> TripPreemption:
    """Signals an emergency trip from ``origin`` to ``target`` passes and preempts.

    Parameters
    ----------
    router : Router
        On the emergency travel times.
    origin, target : int
        Drive nodes.
    layout : SignalLayout
    equipped : bool[n]
        Controllers with preemption.
    delay_s : float64[a]
        Mean signal delay of each approach now, seconds.
    cross_delay_veh_s : float64[a]
        :func:`cross_delays`.
    """
    if origin == target:
        return TripPreemption(0, 0, 0.0, 0.0)
    _, path = router.route(int(origin), int(target))
    if path.size < 2:
        return TripPreemption(0, 0, 0.0, 0.0)
    edges = path_edges(path, router.indptr, router.indices, router.weights, router.net.forward.edge_id)
    approach = layout.edge_approach[edges[edges >= 0]]
    approach = approach[approach >= 0]
    hit = approach[equipped[layout.approach_controller[approach]]]
    return TripPreemption(signals=int(approach.size), preempted=int(hit.size), saved_s=float(delay_s[hit].sum()),
                          cross_delay_veh_s=float(cross_delay_veh_s[hit].sum()))
