"""A report as one self-contained HTML file: opens by double-click, offline, and can be mailed alone.

Every report the twin writes is Markdown first (``report.md``: readable as text,
diffable, rendered by any Markdown viewer). :func:`write_html` converts one into
``report.html`` beside it with `markdown-it-py <https://markdown-it-py.readthedocs.io>`_
(CommonMark, with GitHub's tables), and makes it stand alone:

* every image the Markdown links to (``figures/*.png``) is embedded as a base64
  ``data:`` URI, so the page needs no other file;
* the style sheet is inline, with system fonts: no request leaves the page;
* long code blocks (the scenario as resolved, dozens of lines) fold into a
  ``<details>`` element, so they do not fill the page;
* raw HTML inside the Markdown is escaped, never passed through.

Links to other files of the folder (``scenario.yaml``) stay relative: they work
while the page sits in its folder.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import os
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

#: Code blocks longer than this many lines fold into a ``<details>`` element.
FOLD_LINES = 25

STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       max-width: 72rem; margin: 2rem auto; padding: 0 1.5rem; line-height: 1.5; color: #212121; }
h1 { font-size: 1.8rem; border-bottom: 2px solid #e0e0e0; padding-bottom: .3rem; }
h2 { font-size: 1.4rem; margin-top: 2.2rem; border-bottom: 1px solid #e0e0e0; padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .92rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d0d0; padding: .3rem .6rem; }
th { background: #f5f5f5; }
tr:nth-child(even) td { background: #fafafa; }
img { max-width: 100%; height: auto; border: 1px solid #eeeeee; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em;
       background: #f5f5f5; padding: .1em .3em; border-radius: 3px; }
pre { background: #f7f7f7; border: 1px solid #e0e0e0; padding: .8rem; overflow-x: auto; }
pre code { background: none; padding: 0; }
details summary { cursor: pointer; color: #1565c0; margin: .6rem 0; }
hr { border: 0; border-top: 1px solid #e0e0e0; margin: 2rem 0; }
@media print { details { display: block; } body { max-width: none; } }
"""


def _parser() -> MarkdownIt:
    """CommonMark with tables; raw HTML in the source is escaped."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    default_fence = md.renderer.rules["fence"]

    def fence(renderer: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        block = default_fence(tokens, idx, options, env)
        lines = tokens[idx].content.count("\n")
        if lines <= FOLD_LINES:
            return block
        what = tokens[idx].info.strip() or "text"
        return f"<details><summary>Show the {html.escape(what)} ({lines} lines)</summary>\n{block}</details>\n"

    md.add_render_rule("fence", fence)
    return md


def _data_uri(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _embed_images(tokens: list[Token], folder: Path) -> list[Path]:
    """Replace every local image's ``src`` with its bytes as a data URI; return the files embedded."""
    embedded = []
    for token in tokens:
        for child in token.children or ():
            if child.type != "image":
                continue
            src = str(child.attrGet("src") or "")
            if not src or ":" in src.split("/")[0]:
                continue  # a URL, or already data: leave it (the twin's reports have none)
            path = (folder / src).resolve()
            if path.is_file():
                child.attrSet("src", _data_uri(path))
                embedded.append(path)
    return embedded


def _title(tokens: list[Token], default: str) -> str:
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1" and i + 1 < len(tokens):
            return tokens[i + 1].content
    return default


def markdown_to_html(text: str, folder: Path) -> str:
    """A whole HTML page from Markdown ``text`` whose relative links are relative to ``folder``."""
    md = _parser()
    env: dict[str, Any] = {}
    tokens = md.parse(text, env)
    _embed_images(tokens, Path(folder))
    body = md.renderer.render(tokens, md.options, env)
    title = html.escape(_title(tokens, "Report"))
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n")


def write_html(markdown_path: Path) -> Path:
    """Write ``<name>.html`` beside the Markdown report ``markdown_path``, figures embedded.

    Parameters
    ----------
    markdown_path : Path
        A Markdown report (``report.md``); images it links to are read relative to its folder.

    Returns
    -------
    Path
        The written HTML file (written under a temporary name, then renamed into place).
    """
    markdown_path = Path(markdown_path)
    page = markdown_to_html(markdown_path.read_text(encoding="utf-8"), markdown_path.parent)
    out = markdown_path.with_suffix(".html")
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return out
