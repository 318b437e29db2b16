"""The self-contained HTML report: every figure embedded, no external address, the same numbers as report.md."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.report.test_report import FIGURES, report  # noqa: F401  (the module's run and its report)
from tests.report.test_report import run as run  # noqa: F401
from twin.report.html import FOLD_LINES, markdown_to_html, write_html


class _Page(HTMLParser):
    """The image sources, link targets, table cells and <details> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []
        self.cells: list[str] = []
        self.details = 0
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.images.append(values.get("src") or "")
        if tag in ("a", "link"):
            self.links.append(values.get("href") or "")
        if tag in ("td", "th"):
            self._cell = []
        if tag == "details":
            self.details += 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append("".join(self._cell).strip())
            self._cell = None


def _markdown_cells(text: str) -> list[str]:
    """Every cell of every Markdown table, in order (separator rows left out)."""
    cells = []
    for line in text.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|(:?-+:?\|)+", line):
            cells += [cell.strip().replace("\\|", "|") for cell in line.strip("|").split(" | ")]
    return cells


def test_the_run_report_has_a_self_contained_html_twin(report: Path) -> None:  # noqa: F811
    page_path = report.with_suffix(".html")
    assert page_path.is_file()
    page = page_path.read_text(encoding="utf-8")
    assert 'src="http' not in page and "<link" not in page and "@import" not in page and "url(" not in page
    parsed = _Page()
    parsed.feed(page)
    assert len(parsed.images) == len(FIGURES)
    for name, src in zip(FIGURES, parsed.images, strict=True):
        assert src.startswith("data:image/png;base64,")
        png = (report.parent / "figures" / f"{name}.png").read_bytes()
        assert base64.b64decode(src.split(",", 1)[1]) == png  # every figure, byte for byte, in report order
    assert not [link for link in parsed.links if link.startswith(("http:", "https:", "//"))]
    # The same numbers, cell by cell, as the tables of report.md.
    assert parsed.cells == _markdown_cells(report.read_text(encoding="utf-8"))
    assert parsed.details == 1  # the resolved scenario folds away


def test_markdown_to_html_escapes_raw_html_and_folds_only_long_code(tmp_path: Path) -> None:
    short = "```yaml\na: 1\n```\n"
    long = "```yaml\n" + "".join(f"k{i}: {i}\n" for i in range(FOLD_LINES + 1)) + "```\n"
    page = markdown_to_html(f"# T\n\n<script>alert(1)</script>\n\n{short}\n{long}", tmp_path)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.count("<details>") == 1 and f"({FOLD_LINES + 1} lines)" in page
    assert "<title>T</title>" in page


def test_write_html_embeds_a_figure_and_keeps_other_links(tmp_path: Path) -> None:
    (tmp_path / "figures").mkdir()
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
    (tmp_path / "figures" / "a.png").write_bytes(png)
    (tmp_path / "report.md").write_text("# R\n\n![A figure](figures/a.png)\n\n[the scenario](scenario.yaml)\n\n"
                                        "| x | y |\n|:---|---:|\n| 1 | 2 |\n")
    out = write_html(tmp_path / "report.md")
    page = out.read_text()
    assert out.name == "report.html"
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in page
    assert 'href="scenario.yaml"' in page
    assert re.search(r"<td[^>]*>2</td>", page)


@pytest.mark.parametrize("name", ["report.md"])
def test_no_temporary_file_is_left(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("# R\n")
    write_html(tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.md"]
