"""Escaping of user-controlled text and URLs, checked on the HTML GitHub's renderer makes."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.render.gfm import WORD_JOINER, hazards, parse
from wandb_pr.render.escape import (
    clean_text,
    escape_markdown,
    escape_terminal,
    mermaid_label,
    safe_url,
)

WJ = WORD_JOINER

HOSTILE = [
    "a | b",
    "line one\nline two\r\nthree",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<details open>",
    "<!-- hidden -->",
    "ping @octocat and @org/team",
    "fixes #123 and owner/repo#45 and GH-7",
    "`code` and ``` fence",
    "**bold** _em_ ~~strike~~ [link](https://evil.example) ![img](x.png)",
    "https://evil.example/path www.evil.example user@example.com",
    "$x^2$ and $$y$$",
    "bell\x07 escape\x1b[31mred\x1b[0m nul\x00",
    "right-to-left \u202eevil\u202c and isolate \u2066x\u2069",
    "zero\u200bwidth\u200d joiner\ufeff bom \u2060wj",
    "&amp; &#64; &lt;b&gt;",
    "back\\slash \\| pipe",
    "[^1] footnote",
    "- [ ] task",
    "# heading",
    "> quote",
    "a\u2028b\u2029c",
    "e\u0301\u0301\u0301\u0301\u0301\u0301 zalgo",
    "\u3164",
]


def _cell(text: str) -> tuple[int, str]:
    """Render ``text`` escaped in a one-row table; return the row's cell count and the cell."""
    markdown = f"| a | b |\n| --- | --- |\n| x | {escape_markdown(text, max_length=None)} |\n"
    doc = parse(markdown)
    assert len(doc.tables) == 1
    row = doc.tables[0].rows[0]
    return len(row), row[-1]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_stays_one_inert_cell(text: str) -> None:
    """Each hostile string renders as exactly one table cell with no tag, link or ping."""
    markdown = f"| a | b |\n| --- | --- |\n| x | {escape_markdown(text, max_length=None)} |\n"
    doc = parse(markdown)
    assert [len(r) for r in doc.tables[0].rows] == [2]
    assert set(doc.tags) == {"table", "thead", "tr", "th", "tbody", "td"}
    cell = doc.tables[0].rows[0][1]
    assert hazards(cell) == []
    assert cell.replace(WJ, "") == clean_text(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("val_loss", "val\\_loss"),
        ("a | b", "a &#124; b"),
        ("<b>&", "&lt;b&gt;&amp;"),
        ("@octocat", f"@{WJ}octocat"),
        ("a #12 #x", f"a #{WJ}12 #x"),
        ("# title", "\\# title"),
        ("1. one", "1\\. one"),
        ("see GH-7", f"see GH-{WJ}7"),
        ("http://x.io", f"http:{WJ}//x.io"),
        ("WWW.x.io", f"WWW{WJ}.x.io"),
        ("`*_[]~$\\", "\\`\\*\\_\\[\\]\\~\\$\\\\"),
        ("two\nlines", "two lines"),
        ("  spaced   out  ", "spaced out"),
        ("\u202eevil\u200b", "evil"),
        ("\x1b[31mred", "\\[31mred"),
        ("\ud800", "\ufffd"),
        ("e\u0301\u0301\u0301", "e\u0301\u0301"),
        (3.5, "3.5"),
    ],
)
def test_escape_markdown_exact(text: object, expected: str) -> None:
    """Each escaping rule produces exactly the documented output."""
    assert escape_markdown(text) == expected


def test_escape_markdown_truncates_with_an_ellipsis_before_escaping() -> None:
    """Long text is cut to ``max_length`` characters of *visible* text, never inside an escape."""
    assert escape_markdown("a_" * 10, max_length=5) == "a\\_a\\_…"
    assert len(clean_text("x" * 500, max_length=200)) == 200


def test_terminal_escape_removes_escape_sequences_and_line_breaks() -> None:
    """Terminal text keeps no ESC, no newline and no bidi control."""
    assert escape_terminal("a\x1b]0;title\x07b\nc\u202e") == "a ]0;title b c"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://wandb.ai/acme/detector/runs/abc", "https://wandb.ai/acme/detector/runs/abc"),
        ("http://h/a b|c(d)<e>", "http://h/a%20b%7Cc%28d%29%3Ce%3E"),
        ("https://h/?a=1&copy=2", "https://h/?a=1&amp;copy=2"),
        ("https://h/%41%zz", "https://h/%41%25zz"),
        ("https://h/é", "https://h/%C3%A9"),
        ("https://h/`x`\\", "https://h/%60x%60%5C"),
        ("javascript:alert(1)", None),
        ("data:text/html,x", None),
        ("//no-scheme", None),
        ("https://", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_safe_url(url: object, expected: str | None) -> None:
    """Only http(s) URLs pass, with the characters that could break Markdown encoded."""
    assert safe_url(url) == expected


def test_safe_url_link_survives_in_a_table_cell() -> None:
    """A vetted URL with hostile characters stays one link in one cell, with the right target."""
    url = safe_url('https://h/x|y) [z] &copy; "q"')
    assert url is not None
    doc = parse(f"| a |\n| --- |\n| [run]({url}) |\n")
    assert [len(r) for r in doc.tables[0].rows] == [1]
    assert doc.links == [
        "https://h/x%7Cy%29%20%5Bz%5D%20&amp;copy;%20%22q%22".replace("&amp;", "&")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("val/loss", "val/loss"),
        ('a"b`c\nd%%{e}', "a_b_c d___e_"),
        ("", "_"),
        ("x" * 100, "x" * 59 + "_"),
    ],
)
def test_mermaid_label(text: str, expected: str) -> None:
    """Mermaid labels keep only plain ASCII that cannot end a string or start a directive."""
    assert mermaid_label(text) == expected


@settings(max_examples=400, deadline=None)
@given(st.text())
@example("@a#1|<b>`x`")
@example("x\u0301" * 3 + "|")
def test_no_input_adds_a_cell_a_tag_or_a_ping(text: str) -> None:
    """Property: any text, escaped, is one cell showing exactly the cleaned text, nothing more."""
    cells, cell = _cell(text)
    assert cells == 2
    assert hazards(cell) == []
    assert cell.replace(WJ, "") == clean_text(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30), st.text(max_size=30))
def test_escaped_text_adds_no_html_in_paragraphs_and_lists(before: str, text: str) -> None:
    """Property: escaped text inside a list item yields no tag but ``ul`` and ``li``."""
    doc = parse(f"- Name: {escape_markdown(before)} {escape_markdown(text)}\n")
    assert set(doc.tags) <= {"ul", "li"}
    assert hazards(doc.text.strip()) == []


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_clean_text_leaves_no_invisible_or_control_characters(text: str) -> None:
    """Property: cleaned text has no control, format, separator or surrogate characters."""
    cleaned = clean_text(text)
    assert not re.search(
        r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]", cleaned
    )
    assert cleaned == cleaned.strip()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
@example("# heading")
@example("1. item")
@example("- item")
@example("> quote")
@example("===")
def test_escaped_text_at_the_start_of_a_line_opens_no_block(text: str) -> None:
    """Property: escaped text opening a paragraph or list item makes no heading, list or quote."""
    escaped = escape_markdown(text)
    assert set(parse(f"{escaped}\n").tags) <= {"p"}
    assert set(parse(f"- {escaped}\n").tags) <= {"ul", "li"}
