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


BASELINE = "scenarios/baseline.yaml"


def _scenario_path(text: str) -> Path:
    """A scenario path as given, or under the project's ``scenarios/`` folder."""
    path = Path(text)
    if not path.exists():
        bundled = Path(__file__).resolve().parents[1] / text
        if bundled.exists():
            return bundled
    return path


def _run(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from twin.experiments import simulate
    from twin.experiments.outputs import write_run
    from twin.report.kpi_table import print_kpi_table
    from twin.scenario import load_scenario

    path = _scenario_path(args.scenario)
    scenario = load_scenario(path)
    seed = scenario.run.seed if args.seed is None else args.seed
    hours = scenario.run.duration / 3600
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.completed:.1f}/{task.total:.1f} h simulated"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task(f"{scenario.name} (seed {seed})", total=hours)
        try:
            result = simulate(scenario, seed, on_progress=lambda t: progress.update(task, completed=t / 3600))
        except TwinError as exc:
            raise TwinError(f"{path}: {exc}") from None
        progress.update(task, completed=hours)
    folder = write_run(result, Path(args.out) if args.out else None)
    print_kpi_table(result.kpis, console)
    timings = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings_s.items())
    console.print(f"{len(result.events):,} events; {timings}")
    console.print(f"report: {folder / 'report.md'}")
    return 0


def _bench_routing(args: argparse.Namespace) -> int:
    from twin.bench.routing import run

    return run(quick=args.quick, console=console)


def _bench_sim(args: argparse.Namespace) -> int:
    from twin.bench.sim import run

    return run(quick=args.quick, console=console)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(
        prog="python run.py",
        description="Public-safety digital twin of a city. With no command: run the baseline scenario "
                    f"({BASELINE}, central Helsinki, offline).")
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

    run = commands.add_parser("run", help="run a scenario and write events, KPIs and a report")
    run.add_argument("scenario", metavar="SCENARIO", nargs="?", default=BASELINE,
                     help=f"scenario YAML file (default: {BASELINE})")
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    run.add_argument("--out", metavar="DIR", help="output folder (default: outputs/<scenario>/<run-id>)")
    run.set_defaults(handler=_run)

    bench = commands.add_parser("bench", help="performance benchmarks (ratios against references)")
    bench_commands = bench.add_subparsers(dest="bench_command", metavar="WHAT", required=True)
    routing = bench_commands.add_parser(
        "routing", help="our Dijkstra vs scipy and networkx; k-nearest and point-to-point; cached load")
    routing.add_argument("--quick", action="store_true", help="smaller graphs and fewer repeats (smoke test)")
    routing.set_defaults(handler=_bench_routing)
    sim = bench_commands.add_parser(
        "sim", help="one simulated day, 100k intersections, 150 units, ~5,000 and ~10,000 incidents")
    sim.add_argument("--quick", action="store_true", help="a 10k-intersection city (smoke test)")
    sim.set_defaults(handler=_bench_sim)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["run"])
    try:
        return args.handler(args)
    except TwinError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
