"""The planted model errors: plausible mistakes the test suite must catch.

Each :class:`Mutant` names one file, an exact snippet of its current text
(found exactly once), what to put instead, and the test files that should
fail when it is planted. They are wiring and formula errors of the kind that
pass a smoke test: a run completes and the numbers look reasonable, only wrong.
Every system and every kernel family has at least one; the first six are the
survivors found when errors were first planted by hand (issue 20).

A new system adds its mutants here, with the tests that kill them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    """One planted error.

    Attributes
    ----------
    name : str
        Short id, used on the command line (``--only``).
    area : str
        The system (``response``, ``traffic``, ...) or ``kernel:<family>``.
    path : str
        File to change, relative to the repository root.
    original, replacement : str
        The exact text to find (once) and what replaces it.
    tests : tuple of str
        Test files (or node ids) to run against the mutant; any failure kills it.
    why : str
        What a model with this error would get wrong.
    """

    name: str
    area: str
    path: str
    original: str
    replacement: str
    tests: tuple[str, ...]
    why: str


MUTANTS: tuple[Mutant, ...] = (
    # --- the survivors of issue 20 -------------------------------------------------------------
    Mutant(
        "dispatch-straight-line", "response", "twin/systems/response/dispatch.py",
        "        return self._nearest(router, request.node, available, self.max_travel_s, request.count)"
        "[:request.count]",
        "        net = router.net\n"
        "        line = sorted(available, key=lambda u: (math.hypot(net.x[u.position()] - net.x[request.node],\n"
        "                      net.y[u.position()] - net.y[request.node]), u.uid))\n"
        "        return [(u, router.route(u.position(), request.node)[0]) for u in line[:request.count]]",
        ("tests/oracles/test_dispatch.py",),
        "units ranked by distance as the crow flies: the unit across the river goes"),
    Mutant(
        "bpr-dropped", "kernel:traffic", "twin/kernels/traffic.py",
        "        t = max(bpr_time(t0_s[e], volume_vph[e], capacity_vph[e], alpha, beta), t0_s[e])",
        "        t = t0_s[e]",
        ("tests/oracles/test_traffic.py",),
        "no congestion: every street at free flow whatever its volume"),
    Mutant(
        "approach-delay-other-green", "kernel:traffic", "twin/kernels/traffic.py",
        "signal_delay(cycle_s[k], green_s[k, approach_phase[a]],",
        "signal_delay(cycle_s[k], green_s[k, 1 - approach_phase[a]],",
        ("tests/oracles/test_traffic.py",),
        "each approach's delay computed from the other phase's green"),
    Mutant(
        "queue-ignores-priority", "response", "twin/systems/response/centre.py",
        "key = (priority, float(plan.time[incident]), incident)",
        "key = (0, float(plan.time[incident]), incident)",
        ("tests/oracles/test_response.py",),
        "the pending queue served first come, first served: a P3 ahead of a P1"),
    Mutant(
        "sirens-slow-down", "response", "twin/systems/response/system.py",
        "        return network_s * self.config.travel_time_scale / factor",
        "        return network_s * self.config.travel_time_scale * factor",
        ("tests/oracles/test_response.py",),
        "lights-and-sirens factors multiply the drive instead of dividing it"),
    Mutant(
        "webster-15-low", "kernel:traffic", "twin/kernels/traffic.py",
        "    return max(uniform_d + random_d - correction, 0.0)",
        "    return 0.85 * max(uniform_d + random_d - correction, 0.0)",
        ("tests/validation/test_webster.py",),
        "Webster's delay 15 % too low (caught by the measured bias band alone)"),
    # --- one or more per system ------------------------------------------------------------------
    Mutant(
        "green-split-swapped", "traffic", "twin/systems/traffic/policies.py",
        "    share0 = np.divide(y[:, 0], total, out=np.full(len(total), 0.5), where=total > 0)",
        "    share0 = np.divide(y[:, 1], total, out=np.full(len(total), 0.5), where=total > 0)",
        ("tests/systems/traffic/test_formulas.py", "tests/oracles/test_traffic.py"),
        "the busier phase gets the shorter green"),
    Mutant(
        "crime-no-weekday", "crime", "twin/systems/crime/system.py",
        "        self._scale = self.base * self._hour[when.hour] * self._week[when.weekday()]",
        "        self._scale = self.base * self._hour[when.hour]",
        ("tests/systems/crime/test_calibration.py", "tests/oracles/test_crime.py"),
        "the day-of-week multipliers are ignored"),
    Mutant(
        "light-deters-backwards", "lighting", "twin/systems/lighting/crime.py",
        "    result = 1.0 - effect * values",
        "    result = 1.0 - effect * (1.0 - values)",
        ("tests/systems/lighting/test_crime.py",),
        "dark streets get the crime reduction of lit ones"),
    Mutant(
        "lighting-energy-halved", "lighting", "twin/systems/lighting/system.py",
        "        self.joules += power_w * dt",
        "        self.joules += power_w * dt / 2",
        ("tests/systems/lighting/test_energy.py",),
        "energy integrated at half the power drawn"),
    Mutant(
        # (Counting walkers at their walk-node ids survived: on the test cities the walk network is
        # the drive network, so that error is invisible there.)
        "walkers-never-counted-by-mode", "population", "twin/systems/population/system.py",
        "            if mode in (None, name):",
        '            if mode in (None, "drive"):',
        ("tests/systems/population/test_system.py", "tests/oracles/test_population.py"),
        "people per node by mode: walkers counted as drivers (the modes still add up)"),
    # --- one or more per kernel family -----------------------------------------------------------
    Mutant(
        "heap-binary-parent", "kernel:dijkstra/heap", "twin/kernels/heap.py",
        "        i = size\n        size += 1\n    while i > 0:\n        parent = (i - 1) >> 2",
        "        i = size\n        size += 1\n    while i > 0:\n        parent = (i - 1) >> 1",
        ("tests/kernels/test_heap.py", "tests/kernels/test_dijkstra.py", "tests/kernels/test_heap_deep.py"),
        "a binary heap's parent in a 4-ary heap: pops out of order once the heap is deep"),
    Mutant(
        "bounded-search-past-budget", "kernel:dijkstra/heap", "twin/kernels/dijkstra.py",
        "        if d > max_dist:\n            break",
        "        if d > 2 * max_dist:\n            break",
        ("tests/kernels/test_dijkstra.py",),
        "the bounded search returns targets beyond its budget"),
    Mutant(
        "alt-potential-not-averaged", "kernel:point_to_point", "twin/kernels/point_to_point.py",
        "    return 0.5 * (pi_t - pi_s)",
        "    return pi_t - pi_s",
        ("tests/kernels/test_point_to_point.py",),
        "the bidirectional ALT potentials no longer consistent: routes not the shortest"),
    Mutant(
        "movement-ms-as-cs", "kernel:movement", "twin/kernels/movement.py",
        "        w = (tree[row, node, 1] - tree[row, nxt, 1]) * 0.001",
        "        w = (tree[row, node, 1] - tree[row, nxt, 1]) * 0.01",
        ("tests/systems/population/test_movement.py",),
        "tree times read in the wrong unit: people walk ten times slower"),
    Mutant(
        "crime-light-on-indoor", "kernel:crime", "twin/kernels/crime.py",
        "            total += w * g * (indoor + outdoor_share * light[j])",
        "            total += w * g * light[j]",
        ("tests/systems/crime/test_kernels.py",),
        "street light deters indoor crime too"),
    Mutant(
        "lighting-failed-draw-power", "kernel:lighting", "twin/kernels/lighting.py",
        "            power += value * working * watt[s]",
        "            power += value * count[s] * watt[s]",
        ("tests/systems/lighting/test_kernel.py",),
        "failed luminaires still draw power"),
)
