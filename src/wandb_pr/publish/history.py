"""The sticky comment's memory of earlier pushes, kept in the comment itself.

Each push's result (short SHA, time, verdict, headline changes, workflow run) is carried
forward in a hidden HTML comment at the end of the sticky comment: base64 of a small JSON list,
so nothing in it can close the HTML comment. The next push reads it back from the comment the
publisher already found (no W&B request), shows it as a collapsed "Earlier pushes" table and
writes it again with its own entry first.

The payload is treated as untrusted: anyone with write access can edit the comment. It is read
only when it is small enough, and every entry is validated field by field; anything that does
not fit the shape is dropped (an unreadable payload just starts a fresh history).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from wandb_pr.compare import Verdict
from wandb_pr.render._format import verdict_mark
from wandb_pr.render.escape import clean_text, escape_markdown, safe_url

__all__ = ["MAX_ENTRIES", "PushEntry", "comment_tail", "read_history"]

MAX_ENTRIES = 10
"""Pushes remembered, this one included."""
_MAX_PAYLOAD = 16_384
"""Base64 characters read back at most; a longer payload is ignored."""
_PAYLOAD = re.compile(r"<!-- wandb-pr history: ([A-Za-z0-9+/=]{0,16384}) -->")
_SHA = re.compile(r"^[0-9a-f]{4,40}$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$")
_VERDICTS = frozenset(v.value for v in Verdict)
_MAX_TEXT = 300


@dataclass(frozen=True)
class PushEntry:
    """One push's result, as the comment remembers it."""

    sha: str
    """The commit's short SHA (lower-case hex); empty when the report was not for a commit."""
    time: str
    """When the report was made, ``2026-12-04 21:07 UTC``."""
    verdict: str
    """The verdict's value (``pass``, ``regression``...)."""
    changes: str
    """The headline changes as plain text (``val_loss +4.0%, val_acc -0.9%``)."""
    url: str = ""
    """The workflow run that made it, if known."""

    @classmethod
    def now(
        cls, sha: str | None, verdict: Verdict, changes: str, url: str | None, when: datetime
    ) -> PushEntry:
        """The entry for this push, at ``when`` (converted to UTC)."""
        time = when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        short = (sha or "")[:7].lower()
        text = clean_text(changes, max_length=_MAX_TEXT)
        return cls(short if _SHA.match(short) else "", time, verdict.value, text, url or "")


def read_history(body: str | None) -> list[PushEntry]:
    """The entries carried in a comment's body, newest first; empty when absent or unreadable."""
    match = _PAYLOAD.search(body or "")
    if match is None or len(match.group(1)) > _MAX_PAYLOAD:
        return []
    try:
        data = json.loads(base64.b64decode(match.group(1), validate=True))
    except (binascii.Error, ValueError, RecursionError):
        return []
    if not isinstance(data, list):
        return []
    return [e for e in map(_entry, data[:MAX_ENTRIES]) if e is not None]


def comment_tail(entry: PushEntry, earlier: Sequence[PushEntry], *, table: bool = True) -> str:
    """The Markdown after the report: earlier pushes (collapsed), the footer, the payload.

    Without ``table`` the earlier pushes are only carried forward, not shown (for a comment
    with too little room).
    """
    blocks = []
    if earlier and table:
        rows = [
            "| Commit | Time | Verdict | Changes |",
            "| --- | --- | --- | --- |",
            *(_row(e) for e in earlier),
        ]
        blocks.append(
            f"<details><summary>Earlier pushes ({len(earlier)})</summary>\n\n"
            + "\n".join(rows)
            + "\n\n</details>"
        )
    footer = ["Updated for " + (f"`{entry.sha}`" if entry.sha else "this run")]
    url = safe_url(entry.url)
    if url:
        footer.append(f"[workflow run]({url})")
    footer.append(entry.time)
    blocks.append("<sub>" + " · ".join(footer) + "</sub>")
    kept = [entry, *(e for e in earlier if e.sha != entry.sha or not e.sha)][:MAX_ENTRIES]
    payload = json.dumps([asdict(e) for e in kept], separators=(",", ":"))
    encoded = base64.b64encode(payload.encode("utf-8")).decode("ascii")
    blocks.append(f"<!-- wandb-pr history: {encoded} -->")
    return "\n\n".join(blocks) + "\n"


def _entry(raw: object) -> PushEntry | None:
    """A validated entry, or ``None`` when any field is not what this module writes."""
    if not isinstance(raw, dict) or set(raw) - {"sha", "time", "verdict", "changes", "url"}:
        return None
    sha, time, verdict = raw.get("sha"), raw.get("time"), raw.get("verdict")
    changes, url = raw.get("changes", ""), raw.get("url", "")
    if not (isinstance(sha, str) and (sha == "" or _SHA.match(sha))):
        return None
    if not (isinstance(time, str) and _TIME.match(time) and verdict in _VERDICTS):
        return None
    if not (isinstance(changes, str) and len(changes) <= _MAX_TEXT and isinstance(url, str)):
        return None
    return PushEntry(sha, time, str(verdict), changes, url if safe_url(url) else "")


def _row(entry: PushEntry) -> str:
    sha = f"`{entry.sha}`" if entry.sha else "—"
    url = safe_url(entry.url)
    if url:
        sha = f"[{sha}]({url})"
    changes = escape_markdown(entry.changes, max_length=_MAX_TEXT) or "—"
    verdict = f"{verdict_mark(Verdict(entry.verdict))} {entry.verdict}"
    return f"| {sha} | {entry.time} | {verdict} | {changes} |"
