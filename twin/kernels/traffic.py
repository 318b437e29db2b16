"""Road-traffic formulas as Numba kernels: link congestion, signal timing and delay, collision draws.

Picture a commuter's trip as two kinds of waiting. On a street the traffic
slows everybody a little more the fuller the street is (the BPR volume-delay
function); at a traffic light a car waits for green, longer the shorter its
green and the busier its approach (Webster's delay). This module holds those
formulas as scalar kernels, the loops that apply them to every edge and signal
approach of a city at once, and the draw of where collisions happen. Nothing
here knows of simulations or scenarios: arrays in, arrays out.

Sources
-------
* BPR function: Bureau of Public Roads (1964), *Traffic Assignment Manual*,
  U.S. Department of Commerce: ``t = t0 (1 + α (v/c)^β)``, α = 0.15, β = 4.
* Optimal cycle and delay at a fixed-time signal: F. V. Webster (1958),
  *Traffic Signal Settings*, Road Research Technical Paper No. 39, HMSO, London.
* Gap-out of an actuated phase: the mean time until the first headway of at
  least ``e`` in Poisson traffic of rate ``q``, ``(exp(q e) − 1) / q`` (e.g.
  D. R. Drew (1968), *Traffic Flow Theory and Control*, McGraw-Hill, ch. 8).
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from twin.kernels.counter_rng import uniform

#: Most Poisson events one collision site may get in one draw (a guard, never reached in practice).
MAX_EVENTS_PER_SITE = 1000


@numba.njit(cache=True)
def bpr_time(t0_s: float, volume_vph: float, capacity_vph: float, alpha: float, beta: float) -> float:
    """Congested travel time of a link by the BPR function, seconds.

    Parameters
    ----------
    t0_s : float
        Free-flow travel time, seconds.
    volume_vph, capacity_vph : float
        Flow and capacity, vehicles per hour (capacity ≤ 0 means unlimited).
    alpha, beta : float
        BPR parameters (0.15 and 4 in the 1964 manual).

    Returns
    -------
    float
        ``t0 (1 + α (v/c)^β)``, never below ``t0``.
    """
    if capacity_vph <= 0.0 or volume_vph <= 0.0:
        return t0_s
    ratio = volume_vph / capacity_vph
    if beta == 4.0:  # the usual exponent: two multiplications instead of pow()
        ratio *= ratio
        return t0_s * (1.0 + alpha * ratio * ratio)
    return t0_s * (1.0 + alpha * ratio ** beta)


@numba.njit(cache=True)
def webster_cycle(lost_s: float, y_sum: float) -> float:
    """Webster's optimal cycle ``C0 = (1.5 L + 5) / (1 − Y)``, seconds (``inf`` when ``Y ≥ 1``).

    Parameters
    ----------
    lost_s : float
        Lost time per cycle ``L``, seconds.
    y_sum : float
        Sum of the critical flow ratios ``Y`` (flow / saturation flow of each phase's critical lane group).
    """
    if y_sum >= 1.0:
        return math.inf
    return (1.5 * lost_s + 5.0) / (1.0 - y_sum)


@numba.njit(cache=True)
def webster_delay(cycle_s: float, green_s: float, flow_vps: float, saturation_vps: float) -> float:
    """Webster's mean delay per vehicle on a fixed-time signal approach, seconds.

    ``d = c(1−λ)² / (2(1−λx)) + x² / (2q(1−x)) − 0.65 (c/q²)^(1/3) x^(2+5λ)``
    with ``λ = g/c`` and degree of saturation ``x = q / (λ s)``: the uniform
    delay of a deterministic queue, the random delay of Poisson arrivals, and
    Webster's empirical correction fitted to his simulations.

    Parameters
    ----------
    cycle_s, green_s : float
        Cycle length and effective green of the approach, seconds.
    flow_vps, saturation_vps : float
        Arrival flow ``q`` and saturation flow ``s``, vehicles per second.

    Returns
    -------
    float
        Seconds (≥ 0); ``inf`` when ``x ≥ 1``, where the formula does not hold.
    """
    lam = green_s / cycle_s
    if flow_vps <= 0.0:
        return cycle_s * (1.0 - lam) ** 2 / 2.0
    x = flow_vps / (lam * saturation_vps)
    if x >= 1.0:
        return math.inf
    uniform_d = cycle_s * (1.0 - lam) ** 2 / (2.0 * (1.0 - lam * x))
    random_d = x * x / (2.0 * flow_vps * (1.0 - x))
    correction = 0.65 * (cycle_s / flow_vps ** 2) ** (1.0 / 3.0) * x ** (2.0 + 5.0 * lam)
    return max(uniform_d + random_d - correction, 0.0)


@numba.njit(cache=True)
def signal_delay(cycle_s: float, green_s: float, flow_vps: float, saturation_vps: float,
                 x_max: float, period_s: float) -> float:
    """Mean signal delay for any degree of saturation, seconds.

    Webster's delay (:func:`webster_delay`) with ``x`` capped at ``x_max``
    (the formula diverges as ``x → 1``), plus, when ``x > 1``, the deterministic
    overflow delay ``(x − 1) T / 2`` of a queue growing over an analysis period
    ``T`` (the average extra wait of vehicles arriving during ``T``).

    Parameters
    ----------
    cycle_s, green_s : float
        Cycle and effective green, seconds.
    flow_vps, saturation_vps : float
        Flow and saturation flow, vehicles per second.
    x_max : float
        Cap on the degree of saturation fed to Webster's formula (< 1).
    period_s : float
        Analysis period ``T``, seconds.
    """
    if green_s <= 0.0 or saturation_vps <= 0.0:
        return cycle_s
    lam = green_s / cycle_s
    x = flow_vps / (lam * saturation_vps)
    capped = min(x, x_max)
    delay = webster_delay(cycle_s, green_s, capped * lam * saturation_vps, saturation_vps)
    if x > 1.0:
        delay += (x - 1.0) * period_s / 2.0
    return delay


@numba.njit(cache=True)
def gap_out_s(flow_vps: float, extension_s: float) -> float:
    """Mean time from the end of a phase's queue to gap-out, seconds.

    The phase ends at the first headway of at least ``extension_s`` in Poisson
    traffic of rate ``flow_vps``: ``(exp(q e) − 1) / q`` (``e`` when ``q = 0``).
    """
    if flow_vps <= 0.0:
        return extension_s
    return math.expm1(flow_vps * extension_s) / flow_vps


@numba.njit(cache=True)
def phase_flow_ratios(n_controllers: int, approach_controller: npt.NDArray[np.int64],
                      approach_phase: npt.NDArray[np.int8], flow_vph: npt.NDArray[np.float64],
                      saturation_vph: npt.NDArray[np.float64]) -> tuple[np.ndarray, np.ndarray]:
    """Critical flow ratio and total flow of each phase of each signal.

    Parameters
    ----------
    n_controllers : int
        Number of signal controllers.
    approach_controller : int64[a]
        Controller of each approach.
    approach_phase : int8[a]
        Phase (0 or 1) of each approach.
    flow_vph, saturation_vph : float64[a]
        Flow and saturation flow of each approach (all its lanes), vehicles per hour.

    Returns
    -------
    y : float64[n, 2]
        Highest ``flow / saturation`` among each phase's approaches (0 for a phase
        with no approach, e.g. a pedestrian phase).
    flow : float64[n, 2]
        Total flow of each phase, vehicles per hour.
    """
    y = np.zeros((n_controllers, 2))
    flow = np.zeros((n_controllers, 2))
    for a in range(approach_controller.shape[0]):
        k = approach_controller[a]
        p = approach_phase[a]
        ratio = flow_vph[a] / saturation_vph[a] if saturation_vph[a] > 0.0 else 0.0
        y[k, p] = max(y[k, p], ratio)
        flow[k, p] += flow_vph[a]
    return y, flow


@numba.njit(cache=True)
def approach_delays(cycle_s: npt.NDArray[np.float64], green_s: npt.NDArray[np.float64],
                    approach_controller: npt.NDArray[np.int64], approach_phase: npt.NDArray[np.int8],
                    flow_vph: npt.NDArray[np.float64], saturation_vph: npt.NDArray[np.float64],
                    x_max: float, period_s: float, out: npt.NDArray[np.float64]) -> None:
    """Mean signal delay of every approach (:func:`signal_delay`), written to ``out`` (seconds).

    Parameters
    ----------
    cycle_s : float64[n]
        Cycle of each controller, seconds.
    green_s : float64[n, 2]
        Effective green of each phase, seconds.
    approach_controller, approach_phase : int64[a], int8[a]
    flow_vph, saturation_vph : float64[a]
        Vehicles per hour.
    x_max, period_s : float
        See :func:`signal_delay`.
    out : float64[a]
    """
    for a in range(approach_controller.shape[0]):
        k = approach_controller[a]
        out[a] = signal_delay(cycle_s[k], green_s[k, approach_phase[a]], flow_vph[a] / 3600.0,
                              saturation_vph[a] / 3600.0, x_max, period_s)


@numba.njit(cache=True)
def edge_travel_times(t0_s: npt.NDArray[np.float64], volume_vph: npt.NDArray[np.float64],
                      capacity_vph: npt.NDArray[np.float64], alpha: float, beta: float,
                      approach_edge: npt.NDArray[np.int64], delay_s: npt.NDArray[np.float64],
                      preempted: npt.NDArray[np.bool_], normal_out: npt.NDArray[np.float64],
                      emergency_out: npt.NDArray[np.float64]) -> float:
    """Travel time of every edge: BPR congestion plus the signal delay at its head.

    Parameters
    ----------
    t0_s, volume_vph, capacity_vph : float64[m]
        Free-flow time (s), flow and capacity (veh/h) of each edge.
    alpha, beta : float
        BPR parameters.
    approach_edge : int64[a]
        The edge of each signal approach.
    delay_s : float64[a]
        Mean signal delay of each approach, seconds.
    preempted : bool[a]
        Whether an emergency vehicle with lights and sirens skips the approach's delay.
    normal_out, emergency_out : float64[m]
        Written: seconds per edge for ordinary traffic and for emergency vehicles;
        both at least ``t0_s``, and ``emergency_out ≤ normal_out``.

    Returns
    -------
    float
        ``Σ volume × normal time``: vehicle-seconds driven per hour (the network's
        vehicle-hours per hour), signal delay included.
    """
    for e in range(t0_s.shape[0]):
        t = max(bpr_time(t0_s[e], volume_vph[e], capacity_vph[e], alpha, beta), t0_s[e])
        normal_out[e] = t
        emergency_out[e] = t
    for a in range(approach_edge.shape[0]):
        e = approach_edge[a]
        normal_out[e] += delay_s[a]
        if not preempted[a]:
            emergency_out[e] += delay_s[a]
    total = 0.0
    for e in range(t0_s.shape[0]):
        total += volume_vph[e] * normal_out[e]
    return total


@numba.njit(cache=True, parallel=True)
def poisson_counts(mean: npt.NDArray[np.float64], key: np.uint64, period: int,
                   counts_out: npt.NDArray[np.int64]) -> int:
    """Draw a Poisson count for every site, by inversion of one counter-based uniform each.

    The uniform of site ``i`` in period ``p`` is named ``(key, i, p, 0)``
    (:mod:`twin.kernels.counter_rng`): the same site and period always get the
    same number, whatever the other sites' means. Inversion is monotone, so
    lowering one site's mean (a treatment) can only remove its events and never
    changes another site's: two variants of a scenario compare with common
    random numbers.

    Parameters
    ----------
    mean : float64[k]
        Expected events of each site in the period.
    key : uint64
        The run's key (derived from its seed).
    period : int
        Index of the period (≥ 0).
    counts_out : int64[k]
        Written: the counts.

    Returns
    -------
    int
        Total count.
    """
    total = 0
    for i in numba.prange(mean.shape[0]):  # sites are independent: parallel, same numbers
        m = mean[i]
        k = 0
        if m > 0.0:
            u = uniform(key, i, period, 0)
            if u <= 1.0 - m:  # 1 − m ≤ exp(−m) = P(0): no event, without computing exp (most sites)
                counts_out[i] = 0
                continue
            p = math.exp(-m)
            cdf = p
            while u > cdf and k < MAX_EVENTS_PER_SITE:
                k += 1
                p *= m / k
                cdf += p
        counts_out[i] = k
        total += k
    return total


@numba.njit(cache=True)
def event_fractions(sites: npt.NDArray[np.int64], counts: npt.NDArray[np.int64], key: np.uint64,
                    period: int) -> tuple[np.ndarray, np.ndarray]:
    """Where in the period each drawn event falls: uniform fractions named ``(key, site, period, 1 + j)``.

    Parameters
    ----------
    sites : int64[s]
        Sites with at least one event.
    counts : int64[s]
        Their counts.
    key : uint64
    period : int

    Returns
    -------
    site_of : int64[n]
        The site of each event.
    fraction : float64[n]
        Its position in the period, ``[0, 1)``.
    """
    n = 0
    for i in range(counts.shape[0]):
        n += counts[i]
    site_of = np.empty(n, dtype=np.int64)
    fraction = np.empty(n)
    j = 0
    for i in range(sites.shape[0]):
        for k in range(counts[i]):
            site_of[j] = sites[i]
            fraction[j] = uniform(key, sites[i], period, 1 + k)
            j += 1
    return site_of, fraction


@numba.njit(cache=True)
def path_edges(path: npt.NDArray[np.int64], indptr: npt.NDArray[np.int64], indices: npt.NDArray[np.int64],
               weights: npt.NDArray[np.float64], edge_id: npt.NDArray[np.int64]) -> np.ndarray:
    """The edges of a node path (the lightest of parallel edges), as network edge ids.

    Parameters
    ----------
    path : int64[k]
        Nodes in order.
    indptr, indices, weights, edge_id : arrays
        The forward CSR graph, its weights and the position of each entry in the
        network's edge arrays.

    Returns
    -------
    int64[k − 1]
        Edge ids (``-1`` where two consecutive nodes are not joined).
    """
    n = max(path.shape[0] - 1, 0)
    out = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        u = path[i]
        v = path[i + 1]
        best = math.inf
        for j in range(indptr[u], indptr[u + 1]):
            if indices[j] == v and weights[j] < best:
                best = weights[j]
                out[i] = edge_id[j]
    return out


@numba.njit(cache=True)
def split_phases(ptr: npt.NDArray[np.int64], theta: npt.NDArray[np.float64],
                 weight: npt.NDArray[np.float64]) -> np.ndarray:
    """Group each signal's approaches into two phases by their axis of travel.

    For each signal (approaches ``ptr[k]:ptr[k+1]``) the main axis is the
    approach bearing ``φ`` that maximises ``Σ w |cos 2(θ − φ)|`` (so that the
    approaches line up on ``φ`` or across it); approaches within 45° of the
    main axis (either way along it) form phase 0, the others phase 1.

    Parameters
    ----------
    ptr : int64[n + 1]
        Approaches of each signal, grouped.
    theta : float64[a]
        Bearing of travel of each approach, radians.
    weight : float64[a]
        Flow weight of each approach (e.g. daily volume).

    Returns
    -------
    int8[a]
        Phase of each approach.
    """
    phase = np.zeros(theta.shape[0], dtype=np.int8)
    for k in range(ptr.shape[0] - 1):
        lo, hi = ptr[k], ptr[k + 1]
        best_score = -1.0
        best_axis = 0.0
        for i in range(lo, hi):
            score = 0.0
            for j in range(lo, hi):
                score += weight[j] * abs(math.cos(2.0 * (theta[j] - theta[i])))
            if score > best_score + 1e-12:
                best_score = score
                best_axis = theta[i]
        for j in range(lo, hi):
            phase[j] = 0 if math.cos(2.0 * (theta[j] - best_axis)) >= 0.0 else 1
    return phase
