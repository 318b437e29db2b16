"""The commands the README and the docs show still work as written.

Every ``python run.py ...`` line of a fenced ``bash`` block in ``README.md`` and
``docs/*.md`` (continuation lines joined, comments dropped, ``&&`` chains split) is

* **parsed** by the command line's own parser (``build_parser().parse_args``): a
  command, action or option that no longer exists fails here with argparse's
  error, as it would for a reader; the ``scenarios/*.yaml`` files it names must
  exist. Parsing is what ``--help`` of the command would check, without a process;
* **run for real** when it is in :data:`RUN`: quick, offline commands (seconds).
  A run command writes to a temporary ``--out`` folder. Commands that need
  ``../shared/data`` skip when that folder is absent.

Only parsed, never run here: commands that need the network (``bbox:``,
``place:``, ``point:`` sources), those that take minutes (the baseline, ``--reps``,
``compare``, ``sweep``, ``regress``, ``bench``), ``view`` (a server until Ctrl-C),
and those naming files a reader makes first (``my.yaml``, ``outputs/…/<run-id>``).

The glossary (``docs/glossary.md``) is checked here too: every headline KPI of
every installed system is listed with the unit and direction its rule gives.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from twin.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: Documented commands run for real (exactly as written, plus ``--out`` for runs).
RUN = {
    "python run.py city info helsinki",
    "python run.py run scenarios/response_only.yaml",
}

_FENCE = re.compile(r"^```(\S*)\s*$")


@dataclass(frozen=True)
class Documented:
    """One documented command: where it is, and its words after ``python run.py``."""

    where: str
    words: tuple[str, ...]

    @property
    def text(self) -> str:
        return shlex.join(("python", "run.py", *self.words))


def _bash_lines(path: Path) -> list[tuple[int, str]]:
    """The lines of the fenced bash blocks of ``path``, continuation lines joined, with their line numbers."""
    lines, fence, pending, start = [], None, "", 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _FENCE.match(line.strip())
        if match:
            fence = None if fence is not None else match.group(1)
            continue
        if fence not in ("bash", "sh", "shell"):
            continue
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        lines.append((start, pending + line))
        pending = ""
    return lines


def documented() -> list[Documented]:
    """Every ``python run.py`` command of the docs."""
    found = []
    for path in DOCS:
        for number, line in _bash_lines(path):
            words = shlex.split(line, comments=True)
            segment: list[str] = []
            for word in [*words, "&&"]:
                if word in ("&&", ";", "||"):
                    if segment[:2] == ["python", "run.py"]:
                        found.append(Documented(f"{path.relative_to(ROOT)}:{number}", tuple(segment[2:])))
                    segment = []
                else:
                    segment.append(word)
    return found


COMMANDS = documented()


def test_the_docs_show_commands() -> None:
    """The extraction itself: the README's own commands are found (a broken extractor checks nothing)."""
    texts = {c.text for c in COMMANDS}
    assert len(COMMANDS) >= 30
    assert {"python run.py", "python run.py run scenarios/response_only.yaml",
            "python run.py city info helsinki"} <= texts
    assert RUN <= texts, f"commands to run that no page shows any more: {RUN - texts}"


@pytest.mark.parametrize("command", COMMANDS, ids=[f"{c.where} {c.text[14:60]}" for c in COMMANDS])
def test_documented_command_parses(command: Documented, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        build_parser().parse_args(list(command.words))
    except SystemExit as exc:
        if exc.code != 0:  # 0: a documented --help
            pytest.fail(f"{command.where}: `{command.text}` no longer parses: {capsys.readouterr().err.strip()}")
    for word in command.words:
        if re.fullmatch(r"scenarios/[\w/.-]+\.yaml", word):
            assert (ROOT / word).is_file(), f"{command.where}: `{command.text}` names {word}, which does not exist"


@pytest.mark.parametrize("text", sorted(RUN))
def test_quick_documented_command_runs(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    words = shlex.split(text)[2:]
    if any("shared/data" in w for w in words) and not SHARED.is_dir():
        pytest.skip(f"needs {SHARED}")
    monkeypatch.chdir(ROOT)  # the docs' paths are relative to the project
    out = tmp_path / "out"
    if words[0] == "run" and "--out" not in words:
        words += ["--out", str(out)]
    assert main(words) == 0, capsys.readouterr().err
    if words[0] == "run":
        assert (out / "report.md").is_file()


# -- the glossary ----------------------------------------------------------------------------------

def _glossary_rows() -> dict[str, list[str]]:
    rows = {}
    for line in (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def expected_glossary() -> dict[str, tuple[str, str]]:
    """Every headline KPI pattern of every installed system: its unit and which way is better,
    from the system's own rules (``{money}`` in a unit reads "currency")."""
    from twin.present.kpis import rule_for
    from twin.sim.system import available

    words = {"lower": "lower", "higher": "higher", "neutral": "neither"}
    expected = {}
    for section, system in available().items():
        for pattern in system.headline:
            found = rule_for(f"{section}.{pattern.replace('*', 'x')}")
            assert found is not None, f"{section}.{pattern}: a headline without a rule"
            rule = found[0]
            expected[f"{section}.{pattern}"] = (rule.measure.replace("{money}", "currency"), words[rule.direction])
    return expected


def test_glossary_lists_every_headline_kpi() -> None:
    rows = _glossary_rows()
    expected = expected_glossary()
    table = "\n".join(f"| `{k}` | … | {u} | {b} | … |" for k, (u, b) in expected.items())
    missing = sorted(set(expected) - set(rows))
    assert not missing, f"docs/glossary.md lacks headline KPIs {missing}; the expected rows:\n{table}"
    stale = sorted(set(rows) - set(expected))
    assert not stale, f"docs/glossary.md lists KPIs that are no headline of any system: {stale}"
    for key, (unit, better) in expected.items():
        assert rows[key][1:3] == [unit, better], f"{key}: glossary says {rows[key][1:3]}, the rule {unit}, {better}"
        assert rows[key][3], f"{key}: say what it measures"
