"""Where the W&B API key comes from: ``WANDB_API_KEY``, else the ``~/.netrc`` entry for the W&B
host that ``wandb login`` writes (``NETRC`` names another file). The key itself is never logged.
"""

from __future__ import annotations

import logging
import netrc
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["ApiKey", "find_api_key", "netrc_passwords", "netrc_path"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApiKey:
    """A key and where it was found."""

    key: str
    """The key ('' when none was found)."""
    source: str
    """Where it was found (``WANDB_API_KEY``, ``/home/me/.netrc (machine api.wandb.ai)``), or
    where it was looked for."""


def netrc_path(env: Mapping[str, str]) -> Path | None:
    """The netrc file: ``$NETRC``, else ``$HOME/.netrc``; ``None`` when the environment handed
    in names neither (a test's, or a locked-down job's)."""
    if env.get("NETRC", "").strip():
        return Path(env["NETRC"].strip())
    home = env.get("HOME", "").strip()
    return Path(home) / ".netrc" if home else None


def find_api_key(env: Mapping[str, str], base_url: str) -> ApiKey:
    """The key from ``WANDB_API_KEY``, else from the netrc entry for ``base_url``'s host."""
    key = env.get("WANDB_API_KEY", "").strip()
    if key:
        log.debug("W&B API key from WANDB_API_KEY")
        return ApiKey(key, "WANDB_API_KEY")
    path = netrc_path(env)
    if path is None:
        return ApiKey("", "WANDB_API_KEY")
    host = urlsplit(base_url).hostname or ""
    where = f"{path} (machine {host})"
    try:
        entry = netrc.netrc(str(path)).authenticators(host) if path.is_file() else None
    except netrc.NetrcParseError as exc:
        # Only the place: the parser's message quotes the token it choked on, which may be
        # the key itself, and a file that does not parse has no passwords to redact.
        log.warning("%s cannot be parsed (line %s); no W&B key read from it", path, exc.lineno)
        entry = None
    except OSError as exc:
        log.warning("%s cannot be read: %s", path, exc.strerror or type(exc).__name__)
        entry = None
    password = (entry[2] or "").strip() if entry else ""
    if password:
        log.debug("W&B API key from %s", where)
        return ApiKey(password, where)
    log.debug("no W&B API key: WANDB_API_KEY is not set and %s has none", where)
    return ApiKey("", f"WANDB_API_KEY or {where}")


def netrc_passwords(env: Mapping[str, str]) -> list[str]:
    """Every password in the netrc file, for the log's redaction (unreadable: none)."""
    path = netrc_path(env)
    try:
        hosts = netrc.netrc(str(path)).hosts if path is not None and path.is_file() else {}
    except (OSError, netrc.NetrcParseError):
        return []
    return [password for _, _, password in hosts.values() if password]
