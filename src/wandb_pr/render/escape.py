"""Making user-controlled text (run names, tags, notes, config values, metric names) safe to show.

Three steps, in this order:

1. :func:`clean_text`: drop invisible format characters (Unicode category Cf: bidi overrides
   and isolates U+202A-U+202E and U+2066-U+2069, zero-width spaces and joiners, BOM, tag
   characters) and invisible filler letters; turn control characters, line and paragraph
   separators and every other space into one plain space; cap stacked combining marks at
   two; replace lone surrogates with U+FFFD. Nothing can hide, reorder or break lines after it.
2. Cut to a length, ending with an ellipsis.
3. For Markdown (:func:`escape_markdown`), break what GitHub would turn into a notification
   or a link: a WORD JOINER (U+2060, invisible) goes after every ``@`` (mentions, e-mail
   autolinks), after ``#`` before a digit (``#123``, ``owner/repo#123``), after ``GH-``, into
   ``://`` and ``www.`` (autolinked URLs). Then ``&<>|`` become HTML entities and the
   Markdown punctuation ``\\ ` * _ [ ] ~ $`` is backslash-escaped, so no tag, table cell,
   code span, emphasis, link, strikethrough or math can start. The only invisible characters
   in the result are those word joiners.

A character that would open a block at the start of a line (``# > - + =``, ``1.``, ``1)``)
is backslash-escaped too, so the result is safe at the start of a line as well.

``escape_markdown`` output is for Markdown contexts: table cells, paragraphs, list items, link
text; not raw HTML blocks or attributes.
:func:`safe_url` vets link destinations; :func:`mermaid_label` allows only a few ASCII
characters inside Mermaid code.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

__all__ = [
    "WORD_JOINER",
    "clean_text",
    "escape_markdown",
    "escape_terminal",
    "mermaid_label",
    "safe_url",
]

WORD_JOINER = "\u2060"
"""The invisible character that breaks mentions, references and autolinks."""

_NOT_PLAIN_ASCII = re.compile(r"[^\x20-\x7e]+")
_SPACES = re.compile(r"  +")
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")  # Hangul fillers render as blanks
_MAX_COMBINING = 2
_BREAKS = (
    (re.compile(r"@"), "@" + WORD_JOINER),
    (re.compile(r"#(?=\d)"), "#" + WORD_JOINER),
    (re.compile(r"(?i)\b(gh)-(?=\d)"), r"\1-" + WORD_JOINER),
    (re.compile(r"://"), ":" + WORD_JOINER + "//"),
    (re.compile(r"(?i)\b(www)\."), r"\1" + WORD_JOINER + "."),
)
_MARKDOWN = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "|": "&#124;",
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "~": "\\~",
        "$": "\\$",
    }
)
_URL_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#@!$&*+,;=%"
)
_HEX = frozenset("0123456789abcdefABCDEF")
# What opens a block at the start of a line: a heading, list item, quote, setext underline.
_BLOCK_START = re.compile(r"^(\d{1,9}(?=[.)](?:\s|$))|)([.)#>+=-])")
_MERMAID_SAFE = re.compile(r"[^\w .:/-]")


def clean_text(text: object, *, max_length: int | None = None) -> str:
    """Step 1 and 2: a single line of visible text, at most ``max_length`` characters."""
    value = text if isinstance(text, str) else str(text)
    if max_length is not None:  # bound the work on huge input; cleaning only shortens text
        value = value[: 8 * max_length + 64]
    value = _NOT_PLAIN_ASCII.sub(_clean_run, value)
    value = _SPACES.sub(" ", value).strip()
    if max_length is not None and len(value) > max_length:
        value = value[: max(max_length - 1, 0)].rstrip() + "…"
    return value


def escape_markdown(text: object, *, max_length: int | None = 200) -> str:
    """User text made inert for a Markdown table cell or inline text on GitHub."""
    value = clean_text(text, max_length=max_length)
    for pattern, replacement in _BREAKS:
        value = pattern.sub(replacement, value)
    value = value.translate(_MARKDOWN)
    return _BLOCK_START.sub(r"\1\\\2", value, count=1)


def escape_terminal(text: object, *, max_length: int | None = 200) -> str:
    """User text made inert for a terminal: no escape sequences, no line breaks, no bidi."""
    return clean_text(text, max_length=max_length)


def safe_url(url: object) -> str | None:
    """A link destination for ``[text](url)``, or ``None`` when it is not a plain http(s) URL.

    Characters that could end the destination or a table cell (spaces, quotes, parentheses,
    brackets, ``|``, ``<>``, backslashes, anything non-ASCII) are percent-encoded, a ``%``
    that starts no escape too, and ``&`` is written ``&amp;`` (Markdown decodes entities in
    destinations, so ``&copy;`` would otherwise turn into ``©``).
    """
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    raw = url.strip()
    out: list[str] = []
    for index, char in enumerate(raw):
        if char == "%" and not (
            raw[index + 1 : index + 2] in _HEX and raw[index + 2 : index + 3] in _HEX
        ):
            out.append("%25")
        elif char == "&":
            out.append("&amp;")
        elif char in _URL_SAFE:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "replace"))
    return "".join(out)


def mermaid_label(text: object, *, max_length: int = 60) -> str:
    """A label for Mermaid code: letters and digits of any script, space and ``_ . / : -`` only
    (nothing that ends a string, starts a directive or an entity)."""
    value = _MERMAID_SAFE.sub("_", clean_text(text, max_length=max_length))
    return value or "_"


def _clean_run(match: re.Match[str]) -> str:
    out: list[str] = []
    combining = 0
    for char in match.group():
        category = unicodedata.category(char)
        if category in ("Mn", "Me"):
            combining += 1
            if combining <= _MAX_COMBINING:
                out.append(char)
            continue
        combining = 0
        if category == "Cf" or char in _INVISIBLE_LETTERS:
            continue
        if category in ("Cc", "Zs", "Zl", "Zp"):
            out.append(" ")
        elif category == "Cs":
            out.append("\ufffd")
        else:
            out.append(char)
    return "".join(out)
