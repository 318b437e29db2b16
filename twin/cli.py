"""The command line: ``python run.py COMMAND ...``.

Every user mistake surfaces as one ``error:`` line and exit status 2; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from twin.errors import Terminated, TwinError

# Piped output (logs, CI) keeps wide tables readable instead of rich's 80-column default.
console = Console() if sys.stdout.isatty() else Console(width=130)


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
    import os

    from twin.city import load
    from twin.present.city_map import plot_city

    out = Path(args.output)
    if out.suffix.lower() != ".png":
        raise TwinError(f"{out}: the map is a PNG image; give a file name ending in .png")
    if out.is_dir():
        raise TwinError(f"{out}: is a folder; give a file name ending in .png")
    # Drawn beside the target and renamed into place, after checking the folder can be written at all.
    tmp = out.with_name(f".{out.stem}.tmp-{os.getpid()}.png")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.touch()
    except (FileExistsError, NotADirectoryError):
        raise TwinError(f"{out}: cannot write the map: {out.parent} is not a folder") from None
    except OSError as exc:
        raise TwinError(f"{out}: cannot write the map: {exc.strerror or exc}") from None
    try:
        city = load(args.source, args.network)
        plot_city(city, tmp)
        os.replace(tmp, out)
    except OSError as exc:
        raise TwinError(f"{out}: cannot write the map: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    console.print(f"map written to {out}")
    return 0


BASELINE = "scenarios/baseline.yaml"


def _scenario_path(text: str) -> Path:
    """A scenario path as given, or under the project's ``scenarios/`` folder."""
    if "\0" in text:
        raise TwinError(f"{text!r}: a file name cannot hold a NUL character")
    path = Path(text)
    if not path.exists():
        bundled = Path(__file__).resolve().parents[1] / text
        if bundled.exists():
            return bundled
    return path


def _start_workers_early(args: argparse.Namespace) -> None:
    """Check a scheduler's address, or let local workers import the simulator while this process
    loads the scenario."""
    from twin.experiments.executors import check_reachable, start_forkserver

    if args.scheduler is not None:
        check_reachable(args.scheduler)
    elif args.workers is None:
        start_forkserver()


def _run(args: argparse.Namespace) -> int:
    if args.reps is not None and args.reps > 1:
        _start_workers_early(args)
    from twin.scenario import load_scenario

    path = _scenario_path(args.scenario)
    scenario = load_scenario(path)
    seed = scenario.run.seed if args.seed is None else args.seed
    reps = scenario.run.replications if args.reps is None else args.reps
    if reps > 1:
        return _replications(args, path, scenario, seed, reps)
    return _single_run(args, path, scenario, seed)


def _single_run(args: argparse.Namespace, path: Path, scenario: Any, seed: int) -> int:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from twin.experiments import simulate
    from twin.experiments.outputs import default_folder, write_run

    folder = _output_folder(args, default_folder(scenario.name, seed))  # before the work, not after
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
    write_run(result, folder)
    _print_system_tables(result)
    timings = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings_s.items())
    console.print(f"{len(result.events):,} events; {timings}")
    console.print(f"report: {folder / 'report.md'}")
    return 0


def _print_table(table: Any) -> None:
    """Print a :class:`twin.present.tables.Table` as a rich table (first column left, the rest right)."""
    shown = Table(title=table.heading, caption=table.note, caption_justify="left")
    for i, header in enumerate(table.columns):
        shown.add_column(header, justify="left" if i == 0 else "right")
    for row in table.rows:
        shown.add_row(*row)
    console.print(shown)


def _print_system_tables(result: Any) -> None:
    """Each installed system's table of the run (its headline KPIs, or a table of its own)."""
    for system, config in result.model.systems:
        table = system.console(result.kpis.get(system.section) or {}, config)
        if table is not None:
            _print_table(table)


def _report(args: argparse.Namespace) -> int:
    from twin.experiments.replicate import rerun_replication
    from twin.report import build_report
    from twin.report.gis import write_gis

    folder = Path(args.folder)
    if args.replication is not None:
        out = rerun_replication(folder, args.replication) / "report.md"
    elif (folder / "summary.json").is_file() and not (folder / "events.parquet").is_file():
        raise TwinError(f"{folder}: a folder of replications keeps their KPIs, not their runs; "
                        "give --replication I to run replication I again and report it")
    else:
        out = build_report(folder)
        write_gis(folder)  # the GIS layers too (folders written before they existed get them)
    console.print(f"report: {out}")
    return 0


def _view(args: argparse.Namespace) -> int:
    """Serve the browser replay of one run, or of two side by side, until Ctrl-C."""
    from twin.viewer.data import pair_warning, read_sources
    from twin.viewer.server import DEFAULT_PORT, bind, serve

    folders = [Path(args.folder)] + ([Path(args.other)] if args.other else [])
    console.print(f"reading {' and '.join(map(str, folders))}…", highlight=False)
    sources = read_sources(folders)
    warning = pair_warning(sources)
    if warning:
        console.print(f"note: {warning}")
    port = DEFAULT_PORT if args.port is None else args.port
    sock = bind(args.host, port, fallback=args.port is None)  # the default port taken: any free one
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        console.print(f"note: listening on {args.host}: other machines can reach this page")

    def ready(url: str) -> None:
        console.print(f"replay: {url} (Ctrl-C to stop)", highlight=False)

    try:
        serve(sources, sock, open_browser=not args.no_browser, on_ready=ready)
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    console.print("viewer stopped")
    return 0


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def _output_folder(args: argparse.Namespace, default: Path) -> Path:
    """``--out`` or ``default``, reserved for this command before anything runs.

    ``--out`` is refused in one line if it is a file, holds files, cannot be written or
    another command is writing it; a default name taken gets a suffix (``-2``, ``-3``, …).
    """
    from twin.experiments.folders import reserve

    return reserve(Path(args.out), unique=False) if args.out else reserve(default, unique=True)


def _store(args: argparse.Namespace) -> Any:
    from twin.experiments.store import ResultStore

    if args.no_store:
        return None
    store = ResultStore(Path(args.store))
    store.check_writable()  # before any run, not after the first
    return store


@contextmanager
def _batch(args: argparse.Namespace, specs: list[Any], description: str, store: Any = None) -> Iterator[Any]:
    """Run ``specs`` on the executor the options ask for, with a progress bar; yield the records."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from twin.experiments.executors import open_executor
    from twin.experiments.runner import BatchStats, execute

    stats = BatchStats()
    total = len({spec.key for spec in specs})
    with open_executor(processes=args.processes, workers=args.workers, scheduler=args.scheduler) as handle:
        console.print(f"{total} runs on {handle.description}"
                      + (f"; result store {store.root}" if store is not None else ""))
        try:
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TextColumn("{task.fields[note]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                          console=console) as progress:
                task = progress.add_task(description, total=total, note="")

                def on_result(record: dict[str, Any], cached: bool) -> None:
                    note = f"{stats.from_store} from the store" if stats.from_store else ""
                    progress.update(task, advance=1, note=note)

                records = execute(specs, handle.executor, store, on_result, stats, warm_cache=handle.local,
                                  max_in_flight=handle.workers, check_code=not handle.local)
        except KeyboardInterrupt:
            if store is not None:
                console.print(f"interrupted: {stats.from_store + stats.executed} of {total} runs are in the "
                              f"store {store.root}; run the same command again to resume")
            raise
        console.print(f"{total} runs: {stats.from_store} from the store, {stats.executed} run now")
        yield records, handle.description


def _replications(args: argparse.Namespace, path: Path, scenario: Any, base_seed: int, reps: int) -> int:
    from twin.experiments.replicate import replication_specs, seeds_for, summarise_replications, write_replications
    from twin.experiments.tables import runs_frame
    from twin.report.console import print_summary

    folder = _output_folder(args, Path("outputs") / str(scenario.name) / f"reps{reps}-{_stamp()}-seed{base_seed}")
    seeds = seeds_for(base_seed, reps)
    specs = replication_specs(scenario, seeds)
    store = _store(args)
    with _batch(args, specs, f"{scenario.name}: replications", store) as (records, executor):
        runs = runs_frame([s.labels for s in specs], records)
    result = summarise_replications(scenario, base_seed, seeds, runs, executor)
    write_replications(result, folder)
    print_summary(result.summary, console, f"{scenario.name}: {reps} replications (base seed {base_seed})")
    console.print(f"seeds: {', '.join(map(str, seeds[:3]))}{', …' if reps > 3 else ''} (all in runs.csv)")
    console.print(f"results: {folder}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    _start_workers_early(args)
    from rich.table import Table

    from twin.experiments.compare import Comparison, comparison_specs
    from twin.experiments.seeds import replication_seeds
    from twin.experiments.tables import runs_frame
    from twin.report.comparison import headline_rows, overall, write_comparison
    from twin.scenario import load_scenario

    paths = [_scenario_path(args.a), _scenario_path(args.b)]
    a, b = (load_scenario(p) for p in paths)
    if args.reps < 2:
        raise TwinError(f"--reps: a comparison needs at least 2 replications, got {args.reps}")
    base_seed = a.run.seed if args.seed is None else args.seed
    folder = _output_folder(args, Path("outputs") / "compare" / f"{a.name}-vs-{b.name}-{_stamp()}-reps{args.reps}")
    seeds = replication_seeds(base_seed, args.reps)
    specs = comparison_specs(a, b, seeds)
    with _batch(args, specs, f"{a.name} vs {b.name}", _store(args)) as (records, executor):
        runs = runs_frame([s.labels for s in specs], records)
    result = Comparison.of(a, b, (str(paths[0]), str(paths[1])), base_seed, seeds, runs, executor)
    write_comparison(result, folder)
    names = result.names
    table = Table(title=f"{names[1]} compared with {names[0]}, {args.reps} paired replications",
                  caption="B − A: mean paired difference [95% CI]; times min:s, differences in s; shares %, "
                          "differences in percentage points. CIs of A and B: report.md.", caption_justify="left")
    for i, header in enumerate(("KPI", "A", "B", "B − A [95% CI]", "p", "verdict on B")):
        table.add_column(header, justify="left" if i in (0, 5) else "right")
    styles = {"better": "green", "worse": "red"}
    for row in headline_rows(result.diffs, intervals=False):
        table.add_row(*row[:5], f"[{styles.get(row[5], 'default')}]{row[5]}")
    console.print(table)
    console.print(f"A: {names[0]} ({paths[0]}); B: {names[1]} ({paths[1]})")
    console.print(overall(result.headline, names, args.reps).replace("**", ""))
    console.print(f"report: {folder / 'report.md'}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    _start_workers_early(args)
    from twin.experiments.overrides import parse_set
    from twin.experiments.seeds import replication_seeds
    from twin.experiments.sweep import Sweep, sweep_specs
    from twin.experiments.tables import runs_frame
    from twin.report.sweep import write_sweep
    from twin.scenario import load_scenario

    path = _scenario_path(args.scenario)
    scenario = load_scenario(path)
    if not args.set:
        raise TwinError("sweep: give at least one --set PATH=V1,V2,...")
    resolved = scenario.model_dump()
    overrides = [parse_set(text, resolved) for text in args.set]
    base_seed = scenario.run.seed if args.seed is None else args.seed
    folder = _output_folder(args, Path("outputs") / str(scenario.name) / f"sweep-{_stamp()}-reps{args.reps}")
    seeds = replication_seeds(base_seed, args.reps)
    specs, combinations = sweep_specs(scenario, overrides, seeds, path)
    console.print(f"{len(combinations)} combinations × {args.reps} replications")
    with _batch(args, specs, f"sweep of {scenario.name}", _store(args)) as (records, executor):
        runs = runs_frame([s.labels for s in specs], records)
    result = Sweep(scenario, str(path), overrides, base_seed, seeds, runs, executor)
    write_sweep(result, folder)
    console.print(f"results: {folder / 'aggregated.csv'}; figures and report: {folder / 'report.md'}")
    return 0


def _regress(args: argparse.Namespace) -> int:
    _start_workers_early(args)
    from rich.table import Table

    from twin.experiments import regress

    folder = Path(args.dir) if args.dir else regress.REGRESSION_DIR
    plans = regress.plan(regress.scenario_files(folder, args.names), record=args.record)
    start = time.perf_counter()
    values = _run_plans(args, plans)
    elapsed = time.perf_counter() - start
    if args.record:
        for p, v in zip(plans, values):
            console.print(regress.record_diff(p.expected, regress.recorded(p, v), p.file.stem), markup=False)
            path = regress.record(p, v)
            console.print(f"recorded {path} ({p.reps} replications, seed {p.seed})")
        return 0
    failures = []
    for p, v in zip(plans, values):
        checks = regress.check(p, v)
        bad = [c for c in checks if not c.ok]
        failures += bad
        mark = "[green]ok[/green]" if not bad else f"[red]{len(bad)} moved[/red]"
        console.print(f"{p.file.stem}: {len(checks) - len(bad)}/{len(checks)} KPIs as expected "
                      f"({p.reps} replications) {mark}")
    if not failures:
        console.print(f"regression: all scenarios as expected ({elapsed:.1f} s)")
        return 0
    table = Table(title="Regression: KPIs that moved", caption="ci: the expected value must lie within got ± "
                  "tolerance (95% CI half-width of this run + slack); exact: must be equal.", caption_justify="left")
    for i, header in enumerate(("scenario", "KPI", "expected", "got", "tolerance", "check")):
        table.add_column(header, justify="left" if i in (0, 1, 5) else "right", no_wrap=i == 1)
    for c in failures:
        table.add_row(c.scenario, c.kpi, f"{c.expected:.6g}", f"{c.got:.6g}" if c.got == c.got else "missing",
                      f"± {c.tolerance:.4g}", c.check)
    console.print(table)
    console.print(f"[red]regression: {len(failures)} KPI(s) moved[/red]; if the change is intended, "
                  "re-record with `python run.py regress --record` and commit the .expected.json files")
    return 1


def _run_plans(args: argparse.Namespace, plans: list[Any]) -> list[dict[str, list[float]]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from twin.experiments import regress
    from twin.experiments.executors import open_executor

    with open_executor(processes=args.processes, workers=args.workers, scheduler=args.scheduler) as handle:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=True) as progress:
            task = progress.add_task(f"regression scenarios on {handle.description}",
                                     total=sum(p.reps for p in plans))
            return regress.run_plans(plans, handle.executor, lambda record, cached: progress.advance(task),
                                     warm_cache=handle.local, max_in_flight=handle.workers,
                                     check_code=not handle.local)


def _bench(args: argparse.Namespace) -> int:
    """Run the benchmark module ``twin.bench.<WHAT>``."""
    import importlib

    benchmark = importlib.import_module(f"twin.bench.{args.bench_command}")
    return benchmark.run(quick=args.quick, console=console)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be non-negative, got {value}")
    return value


def _executor_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_argument_group("where runs execute (default: local processes, one per core)")
    choice = where.add_mutually_exclusive_group()
    choice.add_argument("--processes", type=_positive, metavar="N", help="local processes, N of them")
    choice.add_argument("--workers", type=_positive, metavar="N",
                        help="start a local Dask cluster of N single-threaded worker processes")
    choice.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="use an existing Dask scheduler's workers")


def _experiment_options(parser: argparse.ArgumentParser) -> None:
    _executor_options(parser)
    store = parser.add_argument_group("result store (finished runs are kept; a rerun does only what is missing)")
    store.add_argument("--store", metavar="DIR", default="outputs/store", help="default: outputs/store")
    store.add_argument("--no-store", action="store_true", help="neither read nor write the store")


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
    run.add_argument("--seed", type=_non_negative, help="override the scenario's seed (the base seed with --reps)")
    run.add_argument("--reps", type=_positive, metavar="N",
                     help="replications with independent, recorded seeds; mean and 95%% CI per KPI "
                          "(default: the scenario's run.replications, 1: one run with its full report)")
    run.add_argument("--out", metavar="DIR", help="output folder (default: outputs/<scenario>/<run-id>)")
    _experiment_options(run)
    run.set_defaults(handler=_run)

    compare = commands.add_parser(
        "compare", help="compare two scenarios: paired replications, differences with 95%% CIs, verdicts, report")
    compare.add_argument("a", metavar="A.yaml", help="the reference scenario")
    compare.add_argument("b", metavar="B.yaml", help="the variant, judged against A")
    compare.add_argument("--reps", type=_positive, default=10, metavar="N",
                         help="replications of each (same seeds for A and B; default: 10)")
    compare.add_argument("--seed", type=_non_negative, help="base seed (default: A's run.seed)")
    compare.add_argument("--out", metavar="DIR",
                         help="output folder (default: outputs/compare/<A>-vs-<B>-<time>-reps<N>)")
    _experiment_options(compare)
    compare.set_defaults(handler=_compare)

    sweep = commands.add_parser("sweep",
                                help="run a grid of scenario variants (--set PATH=V1,V2,...) with CIs and plots")
    sweep.add_argument("scenario", metavar="SCENARIO", help="the base scenario YAML file")
    sweep.add_argument("--set", action="append", metavar="PATH=V1,V2,...",
                       help="a dotted scenario path and its values, e.g. response.units.ambulance.count=8,10,12; "
                            "repeat for a grid")
    sweep.add_argument("--reps", type=_positive, default=10, metavar="N",
                       help="replications per combination (the same seeds for all; default: 10)")
    sweep.add_argument("--seed", type=_non_negative, help="base seed (default: the scenario's run.seed)")
    sweep.add_argument("--out", metavar="DIR", help="output folder (default: outputs/<scenario>/sweep-<time>-reps<N>)")
    _experiment_options(sweep)
    sweep.set_defaults(handler=_sweep)

    report = commands.add_parser("report", help="draw a run's report again from its output folder alone")
    report.add_argument("folder", metavar="RUN_DIR", help="a folder written by `run` (outputs/<scenario>/<run-id>)")
    report.add_argument("--replication", type=_non_negative, metavar="I",
                        help="RUN_DIR holds --reps replications: run replication I again with its seed and report "
                             "it (written to RUN_DIR/replication-I)")
    report.set_defaults(handler=_report)

    view = commands.add_parser(
        "view", help="replay a run in the browser (two runs of one city: side by side on one clock)",
        description="Serve a local web page that replays a stored run: the roads, incidents appearing,\n"
                    "units moving, the queue, a clock and KPIs over time. Give two run folders of the\n"
                    "same city (a scenario and its variant, same seed) to see them side by side.",
        epilog="Examples:\n  python run.py view outputs/baseline/20261102-000000-seed1\n"
               "  python run.py view RUN_A RUN_B --port 8800 --no-browser",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    view.add_argument("folder", metavar="RUN_DIR", help="a folder written by `run` (outputs/<scenario>/<run-id>)")
    view.add_argument("other", metavar="RUN_B", nargs="?", help="a second run folder of the same city, shown beside")
    view.add_argument("--host", default="127.0.0.1",
                      help="address to listen on (default: 127.0.0.1, this machine only)")
    view.add_argument("--port", type=_non_negative, metavar="N",
                      help="port (default: 8765, or any free one if taken; 0: any free one)")
    view.add_argument("--no-browser", action="store_true", help="print the address without opening a browser")
    view.set_defaults(handler=_view)

    regress = commands.add_parser("regress", help="run the regression scenarios and check their KPIs (CI)")
    regress.add_argument("names", nargs="*", metavar="NAME", help="only these scenarios (file stems; default: all)")
    regress.add_argument("--record", action="store_true",
                         help="re-record the expected KPIs (NAME.expected.json) from this run")
    regress.add_argument("--dir", metavar="DIR", help="folder of regression scenarios (default: scenarios/regression)")
    _executor_options(regress)
    regress.set_defaults(handler=_regress)

    bench = commands.add_parser("bench", help="performance benchmarks (ratios against references)")
    bench_commands = bench.add_subparsers(dest="bench_command", metavar="WHAT", required=True)
    benchmarks = {  # module in twin.bench: (what it measures, what --quick does)
        "routing": ("our Dijkstra vs scipy and networkx; k-nearest and point-to-point; cached load",
                    "smaller graphs and fewer repeats (smoke test)"),
        "sim": ("one simulated day, 100k intersections, 150 units, ~5,000 and ~10,000 incidents",
                "a 10k-intersection city (smoke test)"),
        "experiments": ("replications on 1 vs 2 local processes (speed-up); Dask vs local processes (overhead)",
                        "fewer, shorter runs (smoke test)"),
        "population": ("1,000,000 people for a day on 100k intersections vs plain mesa agents per person-step",
                       "100,000 people on 10k intersections (smoke test)"),
    }
    for name, (what, quick) in benchmarks.items():
        bench_commands.add_parser(name, help=what).add_argument("--quick", action="store_true", help=quick)
    bench.set_defaults(handler=_bench)
    return parser


#: Exit status after Ctrl-C (128 + SIGINT) and after SIGTERM (128 + SIGTERM), as a shell reports them.
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated(f"signal {signum}")


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (``timeout``, CI cancellation, ``docker stop``) takes the Ctrl-C path while a command runs."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread (main() called from a thread): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    0 success, 1 a regression moved, 2 a user's mistake (one ``error:`` line),
    130 after Ctrl-C and 143 after SIGTERM (finished runs are kept, temporary
    files removed, worker processes ended).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["run"])
    try:
        with _sigterm_as_interrupt():
            return args.handler(args)
    except TwinError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Terminated:
        print("terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        from twin.experiments.folders import release_all

        release_all()  # output folders reserved but not written (the command failed first)
