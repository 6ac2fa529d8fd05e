"""Every error wandb-pr raises on purpose.

Low-level exceptions (``httpx`` transport errors, ``OSError``, ``json`` decoding errors) are
mapped onto this tree once, at the edge that met them, always with ``raise ... from exc``.
The CLI catches :class:`WandbPrError`, prints its message and its ``tip``, and exits non-zero;
anything else reaching the CLI is a bug.

::

    WandbPrError                    base; carries an optional ``tip`` (the next step to take)
    ├── InputError                  a flag, Action input, environment variable or event is wrong
    ├── SourceError                 a RunSource could not deliver runs
    │   ├── WandbError              W&B did not answer with runs
    │   │   ├── WandbAuthError      401/403: the API key is missing, wrong, or lacks access
    │   │   ├── ProjectNotFound     ``project: null``: no such project, or not visible to this key
    │   │   ├── ArtifactNotFound    no such artifact version, or its producing run is not visible
    │   │   ├── WandbQueryError     a 4xx, a GraphQL ``errors`` array, or a malformed answer
    │   │   └── WandbUnavailable    nothing answers at the URL, or retries or the deadline ran
    │   │                           out (timeouts, 429, 5xx)
    │   ├── SnapshotError           a snapshot file is missing, unreadable or of another version
    │   └── OfflineRunError         a ``wandb`` offline run directory cannot be read
    ├── OutputError                 a report file or ``$GITHUB_OUTPUT`` could not be written
    └── PublishError                GitHub did not take the report (the files are written already)
        ├── GitHubPermissionError   403: the token lacks a permission (read-only fork PR tokens)
        └── GitHubUnavailable       retries or the time budget ran out (rate limits, 5xx, network)
"""

from __future__ import annotations

__all__ = [
    "ArtifactNotFound",
    "GitHubPermissionError",
    "GitHubUnavailable",
    "InputError",
    "OfflineRunError",
    "OutputError",
    "ProjectNotFound",
    "PublishError",
    "SnapshotError",
    "SourceError",
    "WandbAuthError",
    "WandbError",
    "WandbPrError",
    "WandbQueryError",
    "WandbUnavailable",
]


class WandbPrError(Exception):
    """Base of every error wandb-pr raises on purpose.

    ``message`` says what happened, naming the thing (input, URL, status, file);
    ``tip`` says what to do next, and the CLI prints it on a line of its own.
    """

    def __init__(self, message: str, *, tip: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.tip = tip

    def __str__(self) -> str:
        return self.message


class InputError(WandbPrError):
    """A user input (flag, Action input, environment variable, event payload) is wrong."""


class SourceError(WandbPrError):
    """A run source could not deliver the runs asked for."""


class WandbError(SourceError):
    """W&B did not answer with runs."""


class WandbAuthError(WandbError):
    """W&B refused the API key (HTTP 401 or 403)."""


class ProjectNotFound(WandbError):
    """W&B answered ``project: null``: the project does not exist or the key cannot see it."""


class ArtifactNotFound(WandbError):
    """No such artifact version (alias or version), or the run that produced it is not visible."""


class WandbQueryError(WandbError):
    """W&B rejected the query (a 4xx, a GraphQL ``errors`` array) or answered malformed data."""


class WandbUnavailable(WandbError):
    """W&B could not be reached (nothing answers), or not in time (retries or deadline ran out)."""


class SnapshotError(SourceError):
    """A snapshot file is missing, unreadable, or of an unsupported version."""


class OfflineRunError(SourceError):
    """A ``wandb`` offline run directory cannot be read."""


class OutputError(WandbPrError):
    """A report file or ``$GITHUB_OUTPUT`` could not be written."""


class PublishError(WandbPrError):
    """GitHub did not take the report; the job summary, files and outputs are already written."""


class GitHubPermissionError(PublishError):
    """GitHub answered 403: the token lacks a permission (fork PRs get read-only tokens)."""


class GitHubUnavailable(PublishError):
    """GitHub could not be reached in time: retries or the time budget ran out."""
