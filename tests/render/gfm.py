"""Render Markdown as GitHub does (cmark-gfm) and read the HTML back into tables, tags and text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import cmarkgfm  # type: ignore[import-untyped]

__all__ = ["Html", "Table", "check_xychart", "hazards", "parse", "to_html"]

WORD_JOINER = "\u2060"
_CELL_TAGS = {"td", "th"}


def to_html(markdown: str) -> str:
    """GitHub Flavored Markdown to HTML, keeping raw HTML (``<details>``) as GitHub does."""
    return str(
        cmarkgfm.github_flavored_markdown_to_html(
            markdown, options=cmarkgfm.Options.CMARK_OPT_UNSAFE
        )
    )


@dataclass
class Table:
    """One HTML table: header cells and body rows, as text."""

    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Html:
    """What a rendered document contains."""

    tables: list[Table] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    """Every start tag, in document order."""
    links: list[str] = field(default_factory=list)
    """The ``href`` of every ``<a>``."""
    text: str = ""
    """All text content, entities decoded."""
    code_blocks: list[str] = field(default_factory=list)
    """The text of every ``<pre><code>`` block."""
    code_languages: list[str] = field(default_factory=list)
    """The ``lang`` of every ``<pre>`` (cmark-gfm puts the info string there)."""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = Html()
        self._text: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_head = False
        self._code: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.doc.tags.append(tag)
        attributes = dict(attrs)
        if tag == "table":
            self.doc.tables.append(Table())
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in _CELL_TAGS:
            self._cell = []
        elif tag == "a":
            self.doc.links.append(attributes.get("href") or "")
        elif tag == "pre":
            self.doc.code_languages.append(attributes.get("lang") or "")
        elif tag == "code" and self.doc.tags[-2:-1] == ["pre"]:
            self._code = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _CELL_TAGS and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            table = self.doc.tables[-1]
            if self._in_head:
                table.header = self._row
            else:
                table.rows.append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "code" and self._code is not None:
            self.doc.code_blocks.append("".join(self._code))
            self._code = None

    def handle_data(self, data: str) -> None:
        self._text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._code is not None:
            self._code.append(data)

    def close(self) -> None:
        super().close()
        self.doc.text = "".join(self._text)


def parse(markdown: str) -> Html:
    """Render ``markdown`` with cmark-gfm and read the result."""
    reader = _Reader()
    reader.feed(to_html(markdown))
    reader.close()
    return reader.doc


_HAZARDS = {
    "mention": re.compile(r"@[^\u2060]"),
    "issue reference": re.compile(r"#\d"),
    "GH reference": re.compile(r"(?i)\bgh-\d"),
    "URL": re.compile(r"://"),
    "www autolink": re.compile(r"(?i)\bwww\."),
    "bidi control": re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]"),
    "zero-width character": re.compile("[\u200b-\u200d\ufeff\u180e]"),
    "line break": re.compile("[\n\r\u2028\u2029]"),
}


def hazards(text: str) -> list[str]:
    """What in ``text`` GitHub would turn into a ping, a link, or that hides or reorders text."""
    return [name for name, pattern in _HAZARDS.items() if pattern.search(text)]


_MERMAID_NUMBER = r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)"  # Mermaid's lexer: no exponents
_LINE = re.compile(rf"^  line \[({_MERMAID_NUMBER}(?:, {_MERMAID_NUMBER})*)\]$")
_X_AXIS = re.compile(
    rf'^  x-axis "step" (?:({_MERMAID_NUMBER}) --> ({_MERMAID_NUMBER})'
    rf"|\[{_MERMAID_NUMBER}(?:, {_MERMAID_NUMBER})+\])$"
)
_Y_AXIS = re.compile(
    rf'^  y-axis "[\w .:/-]+(?: \(×1e-?\d+\))?" ({_MERMAID_NUMBER}) --> ({_MERMAID_NUMBER})$'
)


def check_xychart(block: str, palette: str) -> None:
    """Assert a Mermaid block is what Mermaid's xychart lexer and layout expect."""
    lines = block.rstrip("\n").split("\n")
    assert lines[0] == (
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "' + palette + '"}}}}%%'
    )
    assert lines[1] == "xychart-beta"
    x_axis, y_axis = _X_AXIS.match(lines[2]), _Y_AXIS.match(lines[3])
    assert x_axis
    assert y_axis
    series = [_LINE.match(line) for line in lines[4:]]
    assert len(series) == palette.count("#")
    assert all(series)
    values = [[float(v) for v in m.group(1).split(", ")] for m in series if m]
    lo, hi = float(y_axis.group(1)), float(y_axis.group(2))
    if x_axis.group(0).endswith("]"):  # categories: a line may end early, never run past them
        categories = x_axis.group(0).split("[", 1)[1].rstrip("]").split(", ")
        assert all(2 <= len(line) <= len(categories) for line in values)
        assert max(len(line) for line in values) == len(categories)
        assert all(lo <= v <= hi for line in values for v in line)
        return
    assert len({len(line) for line in values}) == 1
    assert all(lo <= v <= hi for line in values for v in line)
    # Mermaid spreads the points by repeatedly adding (max - min) / (n - 1): all must land.
    x_min, x_max, n = float(x_axis.group(1)), float(x_axis.group(2)), len(values[0])
    step, x, landed = (x_max - x_min) / (n - 1), x_min, 0
    while x <= x_max:
        landed, x = landed + 1, x + step
    assert landed == n
