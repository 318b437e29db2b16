"""The command line: ``python run.py COMMAND ...``.

Every user mistake surfaces as one ``error:`` line and exit status 2; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from twin.errors import TwinError

console = Console()


def _city_info(args: argparse.Namespace) -> int:
    from twin.city import load

    start = time.perf_counter()
    city = load(args.source, args.network, refresh=True)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    load(args.source, args.network)
    cached = time.perf_counter() - start
    summary = city.summary()
    table = Table(title=f"City {summary['name']}", show_header=False)
    rows = [
        ("source", summary["source"]),
        ("projected CRS", summary["crs"]),
        ("intersections (drive nodes)", f"{summary['nodes']:,}"),
        ("directed road edges", f"{summary['edges']:,}"),
        ("road length", f"{summary['road_km']:,} km"),
        ("area (convex hull)", f"{summary['area_km2']:,} km²"),
        ("traffic signals", f"{summary['signals']:,}"),
        ("crossings", f"{summary['crossings']:,}"),
        ("walk graph", f"{summary['walk_nodes']:,} nodes, {summary['walk_edges']:,} edges"),
        ("population weights from", summary["population_basis"]),
        *((f"facilities: {kind.replace('_', ' ')}", str(n)) for kind, n in summary["facilities"].items()),
        ("load time, cold", f"{cold:.2f} s"),
        ("load time, cached", f"{cached:.3f} s"),
    ]
    for key, value in rows:
        table.add_row(key, str(value))
    console.print(table)
    return 0


def _city_plot(args: argparse.Namespace) -> int:
    from twin.city import load
    from twin.report.city_map import plot_city

    city = load(args.source, args.network)
    out = plot_city(city, Path(args.output))
    console.print(f"map written to {out}")
    return 0


def _bench_routing(args: argparse.Namespace) -> int:
    from twin.bench.routing import run

    return run(quick=args.quick, console=console)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(
        prog="python run.py",
        description="Public-safety digital twin of a city. With no command: describe the built-in city "
                    "(central Helsinki, offline).")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    city = commands.add_parser("city", help="load, describe and map a city")
    city_commands = city.add_subparsers(dest="city_command", metavar="ACTION", required=True)
    source_help = ("helsinki | FILE.osm[.gz|.bz2|.pbf] | place:NAME | bbox:W,S,E,N | "
                   "point:LAT,LON,METRES | synthetic:nodes=N[,seed=S,...]")
    info = city_commands.add_parser("info", help="nodes, edges, km of road, signals, facilities, load times")
    info.add_argument("source", metavar="SOURCE", help=source_help)
    plot = city_commands.add_parser("plot", help="draw a map of the roads, signals and facilities")
    plot.add_argument("source", metavar="SOURCE", help=source_help)
    plot.add_argument("-o", "--output", default="map.png", help="PNG file to write (default: map.png)")
    for sub in (info, plot):
        sub.add_argument("--network", default="drive", choices=["drive", "drive_service"],
                         help="OSMnx filter for the vehicle network (default: drive)")
    info.set_defaults(handler=_city_info)
    plot.set_defaults(handler=_city_plot)

    bench = commands.add_parser("bench", help="performance benchmarks (ratios against references)")
    bench_commands = bench.add_subparsers(dest="bench_command", metavar="WHAT", required=True)
    routing = bench_commands.add_parser(
        "routing", help="our Dijkstra vs scipy and networkx; k-nearest and point-to-point; cached load")
    routing.add_argument("--quick", action="store_true", help="smaller graphs and fewer repeats (smoke test)")
    routing.set_defaults(handler=_bench_routing)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["city", "info", "helsinki"])
    try:
        return args.handler(args)
    except TwinError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
