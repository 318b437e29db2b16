"""Crime intensity per node and tick: targets, guardians, light, and the draw of crimes.

Routine activity theory (Cohen & Felson 1979) says a crime needs three things
at one place and time: a motivated offender, a suitable target and no capable
guardian. The kernels here turn arrays of those ingredients into crimes:

* :func:`target_weights` — ``targets ** a`` per node (people present, raised to
  the exponent ``a``): where the opportunities are;
* :func:`guardians_within` — police units within ``r`` metres along the roads
  of each node (one small bounded search per node that has units on it);
* :func:`expected_crimes` — the sum over nodes of opportunity × guardianship ×
  light, the expected number of crimes per unit of the opportunity scale;
* :func:`draw_crimes` — places candidate crimes on nodes by the cumulative
  opportunity, gives each a type and an indoor/outdoor flag, and keeps it with
  the probability ``exp(-g × guardians) × light`` (light for outdoor crime only).

Why candidates and thinning rather than one Poisson draw per node: the
superposition of independent Poisson counts per node is one Poisson total split
multinomially over the nodes, and a Poisson process thinned with probability
``p_j`` is a Poisson process of intensity ``p_j λ_j`` — so the crimes have exactly
the intensity ``λ_j × G_j × L_j``. In exchange, two variants of a scenario that
differ only in guardians or light see the *same* candidates and the same
uniforms (common random numbers): a dimmer street can only add crimes, never
reshuffle them. The uniforms come from the caller (a numpy Generator), so these
kernels hold no random state and are deterministic.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from twin.kernels.dijkstra import dijkstra_bounded
from twin.kernels.workspace import Workspace


@numba.njit(cache=True)
def target_weights(targets: npt.NDArray, exponent: float, out: npt.NDArray[np.float64]) -> float:
    """Opportunity weight ``targets ** exponent`` per node, and its sum.

    Parameters
    ----------
    targets : int or float array, shape (n,)
        Suitable targets per node (people present), ≥ 0.
    exponent : float
        ``a`` ≥ 0: 1 proportional, < 1 diminishing returns of crowds, > 1 crowds attract.
    out : float64[n]
        Written: the weight of each node; 0 where there are no targets (whatever ``a``).

    Returns
    -------
    float
        The sum of ``out``.
    """
    total = 0.0
    proportional = exponent == 1.0
    for j in range(targets.shape[0]):
        t = float(targets[j])
        w = 0.0
        if t > 0.0:
            w = t if proportional else t ** exponent
        out[j] = w
        total += w
    return total


@numba.njit(cache=True)
def guardians_within(indptr: npt.NDArray[np.int64], indices: npt.NDArray[np.int64],
                     lengths: npt.NDArray[np.float64], units: npt.NDArray, radius_m: float,
                     everyone: npt.NDArray[np.bool_], workspace: Workspace,
                     out: npt.NDArray[np.int32]) -> int:
    """Units within ``radius_m`` metres of road of every node.

    One bounded Dijkstra search (on lengths, metres) from each node that has
    units on it, adding its units to every node it reaches within the radius.
    The cost is that of the few small regions around the units, not of the city.
    Pass an undirected graph (every road both ways): a guardian deters on both
    sides of a one-way street.

    Parameters
    ----------
    indptr, indices, lengths : ndarray
        The graph in CSR form (int64, int64, float64 metres ≥ 0).
    units : int array, shape (n,)
        Units at (or last passing) each node.
    radius_m : float
        Reach of a unit's presence, metres of road (0: its own node only).
    everyone : bool[n]
        All ``True`` (every node is a target of the search), allocated once by the caller.
    workspace : Workspace
        From ``make_workspace(n)``, reused across calls.
    out : int32[n]
        Written: units within the radius of each node.

    Returns
    -------
    int
        Nodes with at least one unit within the radius.
    """
    out[:] = 0
    for s in range(units.shape[0]):
        count = units[s]
        if count <= 0:
            continue
        reached, _ = dijkstra_bounded(indptr, indices, lengths, s, radius_m, everyone, 0, workspace)
        for v in reached:
            out[v] += count
    covered = 0
    for j in range(out.shape[0]):
        if out[j] > 0:
            covered += 1
    return covered


@numba.njit(cache=True)
def expected_crimes(weights: npt.NDArray[np.float64], guardians: npt.NDArray[np.int32], coefficient: float,
                    light: npt.NDArray[np.float64], outdoor_share: float) -> float:
    """``Σ_j w_j × exp(-g × guardians_j) × ((1 - o) + o × light_j)``.

    Parameters
    ----------
    weights : float64[n]
        Opportunity weight per node (:func:`target_weights`).
    guardians : int32[n]
        Units within reach of each node (:func:`guardians_within`).
    coefficient : float
        ``g`` ≥ 0, per unit.
    light : float64[n]
        Multiplier of outdoor crime by the street light, 0 … 1 (1 by day or unlit).
    outdoor_share : float
        Mean share of outdoor crime over the crime types, 0 … 1.

    Returns
    -------
    float
        Multiply by the opportunity scale (crimes per second per unit weight) for crimes per second.
    """
    total = 0.0
    indoor = 1.0 - outdoor_share
    for j in range(weights.shape[0]):
        w = weights[j]
        if w > 0.0:
            g = math.exp(-coefficient * guardians[j]) if guardians[j] > 0 else 1.0
            total += w * g * (indoor + outdoor_share * light[j])
    return total


@numba.njit(cache=True)
def draw_crimes(cumulative: npt.NDArray[np.float64], u_node: npt.NDArray[np.float64],
                type_cumulative: npt.NDArray[np.float64], u_type: npt.NDArray[np.float64],
                type_outdoor: npt.NDArray[np.float64], u_outdoor: npt.NDArray[np.float64],
                guardians: npt.NDArray[np.int32], coefficient: float, light: npt.NDArray[np.float64],
                u_keep: npt.NDArray[np.float64], node_out: npt.NDArray[np.int64],
                type_out: npt.NDArray[np.int64], outdoor_out: npt.NDArray[np.bool_],
                index_out: npt.NDArray[np.int64]) -> int:
    """Place candidate crimes and keep those no guardian or light deterred.

    Parameters
    ----------
    cumulative : float64[n]
        Running sum of the opportunity weight over the nodes (last entry the total, > 0).
    u_node, u_type, u_outdoor, u_keep : float64[k]
        Uniforms in ``[0, 1)``, one of each per candidate.
    type_cumulative : float64[t]
        Running sum of the crime types' shares.
    type_outdoor : float64[t]
        Share of each type's crimes that happen outdoors, 0 … 1.
    guardians : int32[n]
        Units within reach of each node.
    coefficient : float
        ``g`` ≥ 0: a node with ``m`` units in reach keeps ``exp(-g m)`` of its crime.
    light : float64[n]
        Multiplier of outdoor crime at each node, 0 … 1.
    node_out, type_out, outdoor_out, index_out : arrays of length ≥ k
        Written, first ``return value`` entries: node, type index, outdoor flag
        and candidate index of each crime kept, in candidate order.

    Returns
    -------
    int
        Number of crimes kept.
    """
    n = cumulative.shape[0]
    total = cumulative[n - 1]
    type_total = type_cumulative[type_cumulative.shape[0] - 1]
    kept = 0
    for i in range(u_node.shape[0]):
        # First node whose running sum exceeds the draw: nodes of zero weight are never chosen.
        j = min(np.searchsorted(cumulative, u_node[i] * total, side="right"), n - 1)
        t = min(np.searchsorted(type_cumulative, u_type[i] * type_total, side="right"),
                type_cumulative.shape[0] - 1)
        outdoor = u_outdoor[i] < type_outdoor[t]
        keep = math.exp(-coefficient * guardians[j]) if guardians[j] > 0 else 1.0
        if outdoor:
            keep *= light[j]
        if u_keep[i] < keep:
            node_out[kept] = j
            type_out[kept] = t
            outdoor_out[kept] = outdoor
            index_out[kept] = i
            kept += 1
    return kept
