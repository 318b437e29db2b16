"""The command line: ``python run.py COMMAND ...``.

Every user mistake surfaces as one ``error:`` line and exit status 2; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import difflib
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


def _final(text: str) -> None:
    """The line a command ends with (where its report is): printed even with ``--quiet``."""
    quiet, console.quiet = console.quiet, False
    try:
        console.print(text, highlight=False, soft_wrap=True)
    finally:
        console.quiet = quiet


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
    quiet, console.quiet = console.quiet, False  # the table is what the command is for, --quiet or not
    try:
        console.print(table)
    finally:
        console.quiet = quiet
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
    _final(f"map written to {out}")
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
    from twin.city import load
    from twin.experiments import simulate
    from twin.experiments.outputs import default_folder, link_latest, write_run
    from twin.kernels.compiled import cache_dir, cache_is_cold, compile_timer
    from twin.progress import Stages
    from twin.scenario.systems import SYSTEMS

    folder = _output_folder(args, default_folder(scenario.name, seed))  # before the work, not after
    hours = scenario.run.duration / 3600
    installed = [section for section in SYSTEMS if getattr(scenario, section, None) is not None]
    stage_of = {  # simulate()'s steps, as they are said
        "install": ("installing the systems", f"installing the systems: {', '.join(installed)}"),
        "simulate": ("simulating", f"simulating {hours:g} h of {scenario.name} (seed {seed})"),
        "kpis": ("computing KPIs", None),
    }
    with Stages(console, args.verbosity) as stages:
        try:
            with stages.stage("loading the city", f"loading the city {scenario.city.source}"):
                city = load(scenario.city.source, scenario.city.network)
            stages.detail(_city_line(city))
            if cache_is_cold():
                stages.say(f"compiling kernels: first run only, about a minute (Numba keeps them in {cache_dir()})")

            def on_stage(step: str) -> None:
                name, text = stage_of[step]
                stages.begin(name, text, **({"total": hours, "unit": "h simulated"} if step == "simulate" else {}))

            with compile_timer() as compiling:
                stages.busy = lambda: "compiling kernels" if compiling.compiling else None
                result = simulate(scenario, seed, city=city, on_stage=on_stage,
                                  on_progress=lambda t: stages.advance(t / 3600))
        except TwinError as exc:
            raise TwinError(f"{path}: {exc}") from None
        result.timings_s["city_load"] = stages.durations["loading the city"]
        with stages.stage("writing the report", f"writing the outputs and the report to {folder}"):
            write_run(result, folder)
    _print_system_tables(result)
    if compiling.seconds >= 1:
        stages.say(f"compiled kernels in {compiling.seconds:.0f} s; Numba keeps them in {cache_dir()}, "
                   "so later runs skip this")
    stages.say(f"{len(result.events):,} events")
    compiled = {"compiling kernels (within the above)": f"{compiling.seconds:.1f} s"} if compiling.seconds >= 0.1 else {}
    stages.detail(f"timings: {stages.timings(compiled)}")
    _where(folder, link_latest(folder) if not args.out else None)
    return 0


def _city_line(city: Any) -> str:
    """One line about a loaded city (``--verbose``)."""
    s = city.summary()
    return (f"city {s['name']}: {s['nodes']:,} intersections, {s['edges']:,} directed road edges, "
            f"{s['road_km']:,} km of road, {s['area_km2']:,} km², {s['signals']:,} traffic signals, "
            f"CRS {s['crs']}")


def _where(folder: Path, latest: Path | None = None) -> None:
    """Say where a run's outputs are; the report's path comes last (the one line ``--quiet`` keeps)."""
    figures = sorted((folder / "figures").glob("*.png"))
    if figures:
        console.print(f"figures: {folder / 'figures'}/ ({len(figures)} PNG)", highlight=False, soft_wrap=True)
    if (folder / "report.html").is_file():
        console.print(f"HTML report: {folder / 'report.html'} (figures embedded; opens offline)",
                      highlight=False, soft_wrap=True)
    if latest is not None:
        console.print(f"latest: {latest} -> {folder.name}", highlight=False, soft_wrap=True)
    _final(f"report: {folder / 'report.md'}")


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
    _where(out.parent)
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
        _final(f"replay: {url} (Ctrl-C to stop)")

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
def _counting(args: argparse.Namespace, description: str, total: int, *,
              transient: bool = False) -> Iterator[Any]:
    """Yield ``step(note="")``, called once per finished run: a bar on a terminal, where it redraws
    itself; elsewhere (a CI log) a line when the batch starts and a heartbeat line every 10 s."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from twin.progress import Stages

    if not console.is_terminal:
        with Stages(console, args.verbosity) as stages:
            stages.begin(description, total=total, unit="runs", digits=0)
            done = 0

            def step(note: str = "") -> None:
                nonlocal done
                done += 1
                stages.advance(done)

            yield step
        return
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[note]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=console, transient=transient) as progress:
        task = progress.add_task(description, total=total, note="")
        yield lambda note="": progress.update(task, advance=1, note=note)


@contextmanager
def _batch(args: argparse.Namespace, specs: list[Any], description: str, store: Any = None) -> Iterator[Any]:
    """Run ``specs`` on the executor the options ask for, with a progress bar; yield the records."""
    from twin.experiments.executors import open_executor
    from twin.experiments.runner import BatchStats, execute

    stats = BatchStats()
    total = len({spec.key for spec in specs})
    with open_executor(processes=args.processes, workers=args.workers, scheduler=args.scheduler) as handle:
        console.print(f"{total} runs on {handle.description}"
                      + (f"; result store {store.root}" if store is not None else ""))
        try:
            with _counting(args, description, total) as step:

                def on_result(record: dict[str, Any], cached: bool) -> None:
                    step(f"{stats.from_store} from the store" if stats.from_store else "")

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
    if (folder / "report.md").is_file():
        console.print(f"results: {folder}", highlight=False, soft_wrap=True)
        _final(f"report: {folder / 'report.md'}")
    else:
        _final(f"results: {folder}")
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
    _where(folder)
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
    console.print(f"results: {folder / 'aggregated.csv'}", highlight=False, soft_wrap=True)
    _where(folder)
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
        _final(f"regression: all scenarios as expected ({elapsed:.1f} s)")
        return 0
    table = Table(title="Regression: KPIs that moved", caption="ci: the expected value must lie within got ± "
                  "tolerance (95% CI half-width of this run + slack); exact: must be equal.", caption_justify="left")
    for i, header in enumerate(("scenario", "KPI", "expected", "got", "tolerance", "check")):
        table.add_column(header, justify="left" if i in (0, 1, 5) else "right", no_wrap=i == 1)
    for c in failures:
        table.add_row(c.scenario, c.kpi, f"{c.expected:.6g}", f"{c.got:.6g}" if c.got == c.got else "missing",
                      f"± {c.tolerance:.4g}", c.check)
    console.quiet = False  # what moved is the command's error: shown with --quiet too
    console.print(table)
    console.print(f"[red]regression: {len(failures)} KPI(s) moved[/red]; if the change is intended, "
                  "re-record with `python run.py regress --record` and commit the .expected.json files")
    return 1


def _run_plans(args: argparse.Namespace, plans: list[Any]) -> list[dict[str, list[float]]]:
    from twin.experiments import regress
    from twin.experiments.executors import open_executor

    with open_executor(processes=args.processes, workers=args.workers, scheduler=args.scheduler) as handle:
        with _counting(args, f"regression scenarios on {handle.description}", sum(p.reps for p in plans),
                       transient=True) as step:
            return regress.run_plans(plans, handle.executor, lambda record, cached: step(),
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


def _close(word: str, choices: Any) -> str | None:
    """The choice ``word`` was probably meant to be, if one is close enough."""
    found = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return found[0] if found else None


class _Parser(argparse.ArgumentParser):
    """argparse with a did-you-mean for mistyped commands, choices and options (3.12's
    ``suggest_on_error``, which 3.11 lacks)."""

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if action.choices is None or value in action.choices:
            return
        guess = _close(value, action.choices)
        hint = f" (did you mean {guess!r}?)" if guess else f" (choose from {', '.join(map(repr, action.choices))})"
        if isinstance(action, argparse._SubParsersAction):
            raise argparse.ArgumentError(None, f"unknown command {value!r}{hint}")
        raise argparse.ArgumentError(action, f"invalid choice: {value!r}{hint}")

    def error(self, message: str) -> Any:
        unknown = "unrecognized arguments: "
        if message.startswith(unknown):
            options = sorted({o for parser in _parsers(self) for a in parser._actions for o in a.option_strings})
            hints = {}
            for word in message[len(unknown):].split():
                guess = _close(word.split("=", 1)[0], options) if word.startswith("--") else None
                if guess:
                    hints[word] = guess
            if len(hints) == 1:
                message += f" (did you mean {next(iter(hints.values()))}?)"
            elif hints:
                message += f" ({'; '.join(f'{w}: did you mean {g}?' for w, g in hints.items())})"
        return super().error(message)


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``parser`` and every parser of its commands, depth first."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield from _parsers(sub)


def _prog() -> str:
    """How the user started us: ``twin`` (the console script), ``python -m twin`` or ``python run.py``."""
    started = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    if started.name.removesuffix(".exe").removesuffix("-script.py") == "twin":
        return "twin"
    if started.name == "__main__.py" and started.parent.name == "twin":
        return "python -m twin"
    return "python run.py"


def _examples(prog: str, *lines: str) -> str:
    """An ``Examples:`` block for a ``--help``; ``{prog}`` in a line is how the program was started."""
    return "Examples:\n" + "\n".join(f"  {line.format(prog=prog)}" for line in lines)


def _verbosity_options(parser: argparse.ArgumentParser, default: Any) -> None:
    say = parser.add_argument_group("output").add_mutually_exclusive_group()
    say.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=-1, default=default,
                     help="print only errors and the last line (where the report is)")
    say.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=1, default=default,
                     help="also print the city's summary and how long each stage took")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    import twin

    prog = _prog()
    raw = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog=prog, formatter_class=raw,
        description="Public-safety digital twin of a city. With no command: run the baseline scenario "
                    f"({BASELINE}, central Helsinki, offline).",
        epilog=_examples(prog, "{prog}                                    # the baseline: a Monday in central Helsinki",
                         "{prog} run scenarios/response_only.yaml   # emergency response alone",
                         "{prog} city info helsinki",
                         "{prog} compare scenarios/baseline.yaml scenarios/baseline_adaptive_lighting.yaml --reps 10",
                         "{prog} view outputs/baseline/latest       # replay the newest run in the browser",
                         "{prog} run --help                         # a command's options and examples"))
    parser.add_argument("--version", action="version", version=f"public-safety-twin {twin.__version__}")
    _verbosity_options(parser, 0)
    common = argparse.ArgumentParser(add_help=False)  # -q / -v after the command too
    _verbosity_options(common, argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    city = commands.add_parser(
        "city", help="load, describe and map a city", formatter_class=raw,
        epilog=_examples(prog, "{prog} city info helsinki", "{prog} city plot helsinki -o helsinki.png"))
    city_commands = city.add_subparsers(dest="city_command", metavar="ACTION", required=True)
    source_help = ("helsinki | FILE.osm[.gz|.bz2|.pbf] | place:NAME | bbox:W,S,E,N | "
                   "point:LAT,LON,METRES | synthetic:nodes=N[,seed=S,...]")
    info = city_commands.add_parser(
        "info", help="nodes, edges, km of road, signals, facilities, load times", parents=[common],
        formatter_class=raw,
        epilog=_examples(prog, "{prog} city info helsinki",
                         "{prog} city info synthetic:nodes=10000,seed=7",
                         "{prog} city info ../shared/data/osm/malta.osm.pbf        # a local extract",
                         "{prog} city info bbox:24.93,60.16,24.96,60.175          # fetched (needs the internet)"))
    info.add_argument("source", metavar="SOURCE", help=source_help)
    plot = city_commands.add_parser(
        "plot", help="draw a map of the roads, signals and facilities", parents=[common], formatter_class=raw,
        epilog=_examples(prog, "{prog} city plot helsinki -o helsinki.png",
                         "{prog} city plot synthetic:nodes=2000,seed=3 -o grid.png"))
    plot.add_argument("source", metavar="SOURCE", help=source_help)
    plot.add_argument("-o", "--output", default="map.png", help="PNG file to write (default: map.png)")
    for sub in (info, plot):
        sub.add_argument("--network", default="drive", choices=["drive", "drive_service"],
                         help="OSMnx filter for the vehicle network (default: drive)")
    info.set_defaults(handler=_city_info)
    plot.set_defaults(handler=_city_plot)

    run = commands.add_parser(
        "run", help="run a scenario and write events, KPIs and a report", parents=[common], formatter_class=raw,
        epilog=_examples(prog, "{prog} run                                     # " + BASELINE,
                         "{prog} run scenarios/response_only.yaml --seed 7",
                         "{prog} run scenarios/baseline.yaml --reps 20          # means with 95 % CIs",
                         "{prog} run scenarios/response_only.yaml --out results/response -q"))
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
        "compare", help="compare two scenarios: paired replications, differences with 95%% CIs, verdicts, report",
        parents=[common], formatter_class=raw,
        epilog=_examples(prog, "{prog} compare scenarios/baseline.yaml scenarios/baseline_adaptive_lighting.yaml --reps 10",
                         "{prog} compare scenarios/no_relocation.yaml scenarios/relocation.yaml --reps 20 --workers 2"))
    compare.add_argument("a", metavar="A.yaml", help="the reference scenario")
    compare.add_argument("b", metavar="B.yaml", help="the variant, judged against A")
    compare.add_argument("--reps", type=_positive, default=10, metavar="N",
                         help="replications of each (same seeds for A and B; default: 10)")
    compare.add_argument("--seed", type=_non_negative, help="base seed (default: A's run.seed)")
    compare.add_argument("--out", metavar="DIR",
                         help="output folder (default: outputs/compare/<A>-vs-<B>-<time>-reps<N>)")
    _experiment_options(compare)
    compare.set_defaults(handler=_compare)

    sweep = commands.add_parser(
        "sweep", help="run a grid of scenario variants (--set PATH=V1,V2,...) with CIs and plots",
        parents=[common], formatter_class=raw,
        epilog=_examples(prog, "{prog} sweep scenarios/response_only.yaml --set response.units.ambulance.count=3,4,6 --reps 10",
                         "{prog} sweep scenarios/response_only.yaml --set response.units.ambulance.count=4,6 "
                         "--set response.arrivals.per_day=80,120 --reps 5"))
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

    report = commands.add_parser(
        "report", help="draw a run's report again from its output folder alone", parents=[common],
        formatter_class=raw,
        epilog=_examples(prog, "{prog} report outputs/baseline/latest            # the newest run of baseline",
                         "{prog} report outputs/baseline/reps20-20261102-120000-seed1 --replication 3"))
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
        epilog=_examples(prog, "{prog} view outputs/baseline/latest",
                         "{prog} view RUN_A RUN_B --port 8800 --no-browser"),
        parents=[common], formatter_class=raw)
    view.add_argument("folder", metavar="RUN_DIR", help="a folder written by `run` (outputs/<scenario>/<run-id>)")
    view.add_argument("other", metavar="RUN_B", nargs="?", help="a second run folder of the same city, shown beside")
    view.add_argument("--host", default="127.0.0.1",
                      help="address to listen on (default: 127.0.0.1, this machine only)")
    view.add_argument("--port", type=_non_negative, metavar="N",
                      help="port (default: 8765, or any free one if taken; 0: any free one)")
    view.add_argument("--no-browser", action="store_true", help="print the address without opening a browser")
    view.set_defaults(handler=_view)

    regress = commands.add_parser(
        "regress", help="run the regression scenarios and check their KPIs (CI)", parents=[common],
        formatter_class=raw,
        epilog=_examples(prog, "{prog} regress                                # every scenario in scenarios/regression",
                         "{prog} regress helsinki-short --processes 1",
                         "{prog} regress --record                       # after an intended change: new expectations"))
    regress.add_argument("names", nargs="*", metavar="NAME", help="only these scenarios (file stems; default: all)")
    regress.add_argument("--record", action="store_true",
                         help="re-record the expected KPIs (NAME.expected.json) from this run")
    regress.add_argument("--dir", metavar="DIR", help="folder of regression scenarios (default: scenarios/regression)")
    _executor_options(regress)
    regress.set_defaults(handler=_regress)

    bench = commands.add_parser(
        "bench", help="performance benchmarks (ratios against references)", formatter_class=raw,
        epilog=_examples(prog, "{prog} bench routing --quick                   # a smoke test, seconds",
                         "{prog} bench sim"))
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
        bench_commands.add_parser(name, help=what, parents=[common], formatter_class=raw,
                                  epilog=_examples(prog, f"{{prog}} bench {name} --quick", f"{{prog}} bench {name}")
                                  ).add_argument("--quick", action="store_true", help=quick)
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
    if args.command is None:  # no command: run the baseline, keeping options such as -q
        args = parser.parse_args([*(sys.argv[1:] if argv is None else argv), "run"])
    console.quiet = args.verbosity < 0
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
