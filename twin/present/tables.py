"""A system's part of a report: a heading, small tables, notes and figures, and how they render.

Each installed system contributes one :class:`Section` to a run report (and may
add sections to a comparison report). Sections hold text cells, not numbers, so
rendering them needs no knowledge of the systems: :func:`section_markdown`
turns one into plain Markdown.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Table:
    """One table of a section.

    Attributes
    ----------
    columns : sequence of str
        Column headers.
    rows : sequence of sequence of str
        Cells, already formatted with their units.
    heading : str, optional
        A sub-heading above the table (on the console: the table's title).
    note : str, optional
        A line under the table (what is counted, units).
    """

    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    heading: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Figure:
    """A figure of a section: a PNG and what it shows.

    Attributes
    ----------
    name : str
        Short identifier, also the PNG's stem (``"crime_by_hour"``).
    path : Path
        The written PNG.
    caption : str
        One line saying what the figure shows.
    """

    name: str
    path: Path
    caption: str


@dataclass(frozen=True)
class Section:
    """A system's part of a report.

    Attributes
    ----------
    title : str
        The section heading (``"People"``, ``"Traffic"``, …).
    tables : list of Table
        Its tables, in order.
    figures : list of Figure
        Its figures, after the tables.
    text : list of str
        Paragraphs before the tables (Markdown).
    """

    title: str
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


def _cell(text: str) -> str:
    # A pipe inside a cell would split it into two columns.
    return str(text).replace("|", "\\|")


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table; every column but the first right-aligned."""
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |",
             "|" + "|".join([":---"] + ["---:"] * (len(columns) - 1)) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def table_markdown(table: Table) -> list[str]:
    """Lines of one table: its sub-heading, the table, its note in italics."""
    lines = [f"### {table.heading}", ""] if table.heading else []
    lines += [markdown_table(table.columns, table.rows), ""]
    if table.note:
        lines += [f"*{table.note}*", ""]
    return lines


def figure_markdown(figure: Figure, folder: Path) -> list[str]:
    """Lines of one figure: its caption as a heading and the image, linked relative to ``folder``."""
    link = Path(os.path.relpath(Path(figure.path), folder)).as_posix()
    return [f"### {figure.caption}", "", f"![{figure.caption}]({link})", ""]


def section_markdown(section: Section, folder: Path) -> list[str]:
    """Lines of a section: heading, text, tables with their notes, then figures linked relative to ``folder``."""
    lines = [f"## {section.title}", ""]
    for paragraph in section.text:
        lines += [paragraph, ""]
    for table in section.tables:
        lines += table_markdown(table)
    for figure in section.figures:
        lines += figure_markdown(figure, folder)
    return lines
