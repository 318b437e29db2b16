"""``python run.py bench routing``: the routing kernels against scipy and networkx.

Everything is measured in one process, so the figures that matter are the
ratios: our one-to-all Dijkstra against scipy's C implementation on the same
CSR arrays and against networkx; the bounded k-nearest search and the
point-to-point (bidirectional ALT) query against a full one-to-all; and the
cold against the cached load of a city. Each time is the median of repeated
queries from random nodes after a warm-up call (so JIT compilation is excluded).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
from rich.console import Console
from rich.table import Table
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra as scipy_dijkstra

from twin.city import City, load
from twin.city.routing import Router
from twin.kernels.dijkstra import dijkstra

MALTA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "osm" / "malta.osm.pbf"


def median_time(func: Callable[[int], object], args: list[int]) -> float:
    """Median wall time (s) of ``func(a)`` over ``args``, after one untimed call."""
    func(args[0])
    times = []
    for a in args:
        start = time.perf_counter()
        func(a)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@dataclass
class GraphFigures:
    """Median times (s) on one graph."""

    name: str
    nodes: int
    edges: int
    ours: float
    scipy: float
    networkx: float
    nearest_1: float
    nearest_3: float
    p2p: float
    landmarks: float


def measure_graph(name: str, city: City, repeats: int, nx_repeats: int, seed: int = 0) -> GraphFigures:
    """Time every query kind on ``city``'s drivable network."""
    net = city.drive
    fwd = net.forward
    rng = np.random.default_rng(seed)
    sources = rng.integers(0, net.n_nodes, repeats).tolist()

    ours = median_time(lambda s: dijkstra(fwd.indptr, fwd.indices, fwd.weights, s), sources)
    matrix = csr_matrix((fwd.weights, fwd.indices, fwd.indptr), shape=(net.n_nodes, net.n_nodes))
    reference = median_time(lambda s: scipy_dijkstra(matrix, directed=True, indices=s), sources)

    graph = nx.DiGraph()
    graph.add_nodes_from(range(net.n_nodes))
    order = np.argsort(-net.edge_time)  # the last write of a parallel edge wins: keep the fastest
    graph.add_weighted_edges_from(zip(net.edge_u[order].tolist(), net.edge_v[order].tolist(),
                                      net.edge_time[order].tolist()))
    slow = median_time(lambda s: nx.single_source_dijkstra_path_length(graph, s), sources[:nx_repeats])

    router = Router(net)
    units = rng.choice(net.n_nodes, size=min(150, net.n_nodes), replace=False)
    mask = np.zeros(net.n_nodes, dtype=bool)
    mask[units] = True
    nearest_1 = median_time(lambda s: router.nearest_to(s, mask, 1), sources)
    nearest_3 = median_time(lambda s: router.nearest_to(s, mask, 3), sources)

    start = time.perf_counter()
    router.prepare_routes()
    landmarks = time.perf_counter() - start
    targets = rng.integers(0, net.n_nodes, repeats)
    pairs = dict(zip(sources, targets.tolist()))
    p2p = median_time(lambda s: router.route(s, pairs.get(s, 0)), sources)
    return GraphFigures(name, net.n_nodes, net.n_edges, ours, reference, slow, nearest_1, nearest_3, p2p, landmarks)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.2f} ms"


def run(*, quick: bool = False, console: Console | None = None) -> int:
    """Measure and print the routing benchmark; return 0."""
    console = console or Console()
    size = 20_000 if quick else 250_000
    repeats, nx_repeats = (10, 2) if quick else (30, 3)
    cities: list[tuple[str, City]] = []
    load_rows: list[tuple[str, str]] = []
    if MALTA.exists() and not quick:
        start = time.perf_counter()
        malta = load(str(MALTA), refresh=True)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        malta = load(str(MALTA))
        cached = time.perf_counter() - start
        load_rows = [("Malta cold load (parse + OSMnx + cache write)", f"{cold:.1f} s"),
                     ("Malta cached load", f"{cached * 1e3:.0f} ms  (target < 1 s: {'met' if cached < 1 else 'MISSED'})")]
        cities.append(("Malta (OSM)", malta))
    elif not quick:
        console.print(f"[yellow]{MALTA} not found: Malta skipped[/yellow]")
    else:
        cities.append(("Helsinki (OSM)", load("helsinki")))
    with console.status(f"building a synthetic city of {size:,} intersections"):
        cities.append((f"synthetic {size // 1000}k", load(f"synthetic:nodes={size},seed=1")))

    start = time.perf_counter()
    measure_graph("warm-up", load("synthetic:nodes=400,seed=0"), 2, 1)
    compile_s = time.perf_counter() - start
    figures = []
    for name, city in cities:
        with console.status(f"measuring {name}"):
            figures.append(measure_graph(name, city, repeats, nx_repeats))

    table = Table(title="Routing benchmark (medians; ratios measured in this run)")
    table.add_column("measure")
    table.add_column("target", justify="center")
    for f in figures:
        table.add_column(f"{f.name}\n{f.nodes:,} nodes / {f.edges:,} edges", justify="right")
    rows: list[tuple[str, str, Callable[[GraphFigures], str]]] = [
        ("ours, one-to-all", "", lambda f: _ms(f.ours)),
        ("scipy (C), one-to-all", "", lambda f: _ms(f.scipy)),
        ("networkx, one-to-all", "", lambda f: _ms(f.networkx)),
        ("ours / scipy", "≤ 1.1", lambda f: f"{f.ours / f.scipy:.2f}"),
        ("networkx / ours", "≥ 20", lambda f: f"{f.networkx / f.ours:.0f}"),
        ("nearest 1 of 150 targets", "", lambda f: _ms(f.nearest_1)),
        ("nearest 3 of 150 targets", "", lambda f: _ms(f.nearest_3)),
        ("point-to-point (bidirectional ALT)", "", lambda f: _ms(f.p2p)),
        ("one-to-all / point-to-point", "≥ 20", lambda f: f"{f.ours / f.p2p:.0f}"),
        ("landmark preprocessing (16)", "", lambda f: f"{f.landmarks:.2f} s"),
    ]
    for label, target, cell in rows:
        table.add_row(label, target, *(cell(f) for f in figures))
    console.print(table)
    console.print(f"JIT compilation (first calls, cached on disk afterwards): {compile_s:.1f} s")
    for label, value in load_rows:
        console.print(f"{label}: {value}")
    return 0
