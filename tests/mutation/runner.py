"""Plant each mutant in a copy of the repository and see whether its tests fail.

The copy is made once (the working tree as it is, without ``.git`` and
outputs), in a temporary folder. For each mutant the runner writes the changed
file, runs ``python -m pytest`` on the mutant's test files inside the copy
with ``PYTHONPATH`` set to it, and writes the original back. A guard plugin
(:mod:`tests.mutation.guard`) refuses to run if ``twin`` was imported from
anywhere but the copy, so a mutant is never "killed" or "survived" against the
wrong code. Before any mutant, the same tests run on the unchanged copy: they
must pass, or a kill would mean nothing.

A mutant is *killed* when at least one of its tests fails (or errors, or the
run times out), *survived* when they all pass, and *stale* when its snippet is
no longer found exactly once (the code moved): stale mutants are reported and
make the run fail before anything is planted.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.mutation.mutants import MUTANTS, Mutant

ROOT = Path(__file__).resolve().parents[2]
#: Not copied: version control, outputs, caches that do not affect the tests.
IGNORE = shutil.ignore_patterns(".git", "outputs", ".hypothesis", ".pytest_cache", "*.egg-info", "build", "dist",
                                ".ruff_cache")
#: Longest a mutant's test run may take, seconds; longer counts as killed (a hang is a failure).
TIMEOUT_S = 900


@dataclass
class Outcome:
    """What happened to one mutant."""

    mutant: Mutant
    status: str  # "killed", "survived", "timeout"
    seconds: float
    failed: list[str] = field(default_factory=list)

    @property
    def killed(self) -> bool:
        return self.status in ("killed", "timeout")


def stale(mutants: tuple[Mutant, ...] = MUTANTS, root: Path = ROOT) -> list[str]:
    """Why each mutant that cannot be planted in ``root`` cannot (empty if all can)."""
    problems = []
    for m in mutants:
        path = root / m.path
        if not path.is_file():
            problems.append(f"{m.name}: {m.path} does not exist")
            continue
        count = path.read_text(encoding="utf-8").count(m.original)
        if count != 1:
            problems.append(f"{m.name}: snippet found {count} times in {m.path} (expected once)")
        if m.original == m.replacement:
            problems.append(f"{m.name}: the replacement is the original")
        for test in m.tests:
            if not (root / test.split("::")[0]).is_file():
                problems.append(f"{m.name}: test file {test} does not exist")
    return problems


def copy_repository(target: Path) -> Path:
    """Copy the working tree to ``target/<repo name>`` (keeping ``../shared`` reachable); return the copy."""
    copy = target / ROOT.name
    shutil.copytree(ROOT, copy, ignore=IGNORE, symlinks=True)
    shared = ROOT.parent / "shared"
    if shared.exists():
        (target / "shared").symlink_to(shared)
    return copy


def run_tests(copy: Path, tests: tuple[str, ...] | list[str], fast: bool) -> tuple[int | None, str]:
    """Run pytest on ``tests`` inside ``copy``; return its exit code (None on timeout) and output."""
    env = dict(os.environ, PYTHONPATH=str(copy), TWIN_MUTATION_ROOT=str(copy), CI="1",
               PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", "-p", "tests.mutation.guard",
               "-W", "ignore::DeprecationWarning", *(["-x"] if fast else []), *tests]
    try:
        done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        return None, str(exc.stdout or "")
    return done.returncode, done.stdout + done.stderr


def failed_tests(output: str) -> list[str]:
    """The node ids pytest reported as FAILED or ERROR."""
    return sorted({m.group(2) for m in re.finditer(r"^(FAILED|ERROR) (\S+)", output, re.MULTILINE)})


def plant(copy: Path, mutant: Mutant, fast: bool) -> Outcome:
    """Write the mutant into the copy, run its tests, restore the file."""
    path = copy / mutant.path
    original = path.read_text(encoding="utf-8")
    start = time.perf_counter()
    try:
        path.write_text(original.replace(mutant.original, mutant.replacement, 1), encoding="utf-8")
        code, output = run_tests(copy, mutant.tests, fast)
    finally:
        path.write_text(original, encoding="utf-8")
    seconds = time.perf_counter() - start
    if code is None:
        return Outcome(mutant, "timeout", seconds)
    if code == 0:
        return Outcome(mutant, "survived", seconds)
    if code not in (1, 2):  # 3-5: pytest itself failed (usage, internal error, nothing collected)
        raise RuntimeError(f"pytest could not run the tests of mutant {mutant.name} (exit code {code}):\n{output}")
    return Outcome(mutant, "killed", seconds, failed_tests(output))


def table(outcomes: list[Outcome]) -> str:
    """The outcomes as a plain-text table, then the kill rate."""
    rows = [("mutant", "area", "result", "s", "killed by")]
    for o in outcomes:
        by = ", ".join(t.removeprefix("tests/") for t in o.failed[:3]) + (" …" if len(o.failed) > 3 else "")
        rows.append((o.mutant.name, o.mutant.area, o.status, f"{o.seconds:.0f}", by))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4] for row in rows]
    killed = sum(o.killed for o in outcomes)
    lines.append(f"\nkill rate: {killed}/{len(outcomes)} = {100 * killed / max(len(outcomes), 1):.0f} %")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m tests.mutation [--only NAME ...] [--fast] [--list]``; see the README."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="plant only these mutants")
    parser.add_argument("--fast", action="store_true", help="stop each test run at the first failure (-x)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy (its path is printed)")
    args = parser.parse_args(argv)

    mutants = MUTANTS
    if args.only:
        unknown = set(args.only) - {m.name for m in MUTANTS}
        if unknown:
            parser.error(f"unknown mutant(s): {', '.join(sorted(unknown))}")
        mutants = tuple(m for m in MUTANTS if m.name in args.only)
    if args.list:
        for m in mutants:
            print(f"{m.name:32} {m.area:24} {m.path}\n{'':32} {m.why}; tests: {', '.join(m.tests)}")
        return 0
    problems = stale(mutants)
    if problems:
        print("STALE MUTANTS: the code they change has moved; update tests/mutation/mutants.py\n  "
              + "\n  ".join(problems), file=sys.stderr)
        return 2

    folder = Path(tempfile.mkdtemp(prefix="twin-mutants-"))
    try:
        copy = copy_repository(folder)
        print(f"copy: {copy}", flush=True)
        every_test = sorted({t for m in mutants for t in m.tests})
        start = time.perf_counter()
        code, output = run_tests(copy, every_test, fast=False)
        if code != 0:
            print(f"the tests fail on the unchanged code, so no kill would mean anything:\n{output}", file=sys.stderr)
            return 2
        print(f"baseline: {len(every_test)} test files pass on the unchanged copy "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
        outcomes = []
        for m in mutants:
            outcome = plant(copy, m, args.fast)
            print(f"  {m.name}: {outcome.status} ({outcome.seconds:.0f} s)", flush=True)
            outcomes.append(outcome)
        print()
        print(table(outcomes))
        return 0 if all(o.killed for o in outcomes) else 1
    finally:
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
