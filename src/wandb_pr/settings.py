"""User inputs, parsed and checked: every way an input can be wrong gets a clear error.

Pure: the CLI hands in strings (from flags, Action inputs or the environment) together with the
name the user knows them by (``--sha``, ``input 'baseline-tags'``), and gets back a validated
:class:`Settings` or an :class:`~wandb_pr.errors.InputError` that names that input.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from wandb_pr import filters
from wandb_pr.compare.spec import MetricSpec
from wandb_pr.errors import InputError
from wandb_pr.options import option

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "ArtifactRef",
    "Settings",
    "check_settings",
    "parse_artifact_ref",
    "parse_bool",
    "parse_config_key",
    "parse_duration",
    "parse_filter",
    "parse_int",
    "parse_list",
    "parse_project",
    "parse_run_ids",
    "parse_sha",
]

DEFAULT_PAGE_SIZE = int(option("page-size").default)
"""Runs per GraphQL page (declared in the option table). A PR selection is rarely over 100 runs
a side, so one request serves the whole report, while a page of 100 runs with their config,
summary and sampled history stays a few MB at most (W&B's own client pages by 50)."""

_SHA = re.compile(r"[A-Za-z0-9._-]{7,64}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_RUN_ID = re.compile(r"[^\s/\\#?%:'\"]{1,128}")
_KEY = re.compile(r"[^\s.$]{1,256}")


@dataclass(frozen=True)
class ArtifactRef:
    """``ENTITY/PROJECT/NAME:ALIAS``: an artifact version by alias or ``vN``."""

    entity: str
    """The entity owning the project (for W&B Registry, the organization's registry entity)."""
    project: str
    """The project holding the artifact (``wandb-registry-model`` for the model registry)."""
    name: str
    """``NAME:ALIAS`` or ``NAME:vN``."""

    def __str__(self) -> str:
        return f"{self.entity}/{self.project}/{self.name}"


@dataclass(frozen=True)
class Settings:
    """What to fetch: which runs are candidates, which are baselines, and which fields matter."""

    entity: str
    """W&B entity (user or team) owning the project."""
    project: str
    """W&B project name."""
    sha: str | None = None
    """Commit whose runs are the candidates (7-64 characters; hex may be a prefix)."""
    secondary_sha: str | None = None
    """Optional second key the candidates must carry in config (e.g. a data version)."""
    sha_key: str = option("sha-key").default
    """Config key holding the commit SHA."""
    secondary_sha_key: str = option("secondary-sha-key").default
    """Config key holding the secondary SHA."""
    match_commit: bool = True
    """Also match W&B's own recorded git commit, not only the config key."""
    sha_prefix: bool = True
    """Let a hexadecimal SHA shorter than 40 characters match as a prefix."""
    run_ids: tuple[str, ...] = ()
    """Candidate run ids; when given, they win over the SHA (as in the original action)."""
    baseline_tags: tuple[str, ...] = ()
    """Runs with any of these tags are baselines (unless they are candidates)."""
    baseline_run_ids: tuple[str, ...] = ()
    """Runs with these ids are baselines."""
    candidate_filter: Mapping[str, Any] | None = None
    """Extra W&B filter ANDed into the candidates' query."""
    baseline_filter: Mapping[str, Any] | None = None
    """Extra W&B filter ANDed into the baselines' query."""
    metrics: tuple[MetricSpec, ...] = ()
    """Metrics to compare, with direction and tolerance, in order (none: chosen automatically)."""
    config_keys: tuple[str, ...] = ()
    """Config keys to show for each run."""
    page_size: int = DEFAULT_PAGE_SIZE
    """Runs per request page."""
    require_same_data: bool = False
    """Fail the gate when candidates and baselines used different data versions."""
    merge_sha: str | None = None
    """Another commit whose runs are candidates too: on ``pull_request`` events, GitHub's merge
    commit (``GITHUB_SHA``), which a training job in the same workflow checked out."""
    allow_missing: bool = False
    """Missing evidence (no runs, no baseline, a missing metric, runs not finished) does not
    fail the gate; regressions and divergence still do."""
    candidate_commits: tuple[str, ...] = ()
    """Full SHAs whose runs may stand in for the commit under review, newest first (a pull
    request's earlier commits, when its head has no runs yet); the newest with runs is used."""
    baseline_artifact: ArtifactRef | None = None
    """An artifact version (e.g. the model in production) whose producing run is a baseline."""
    baseline_commits: tuple[str, ...] = ()
    """A base commit and its first-parent ancestors, nearest first; the baselines are the
    finished runs of the nearest one that has any (of the nearest :attr:`baseline_pool`)."""
    baseline_pool: int = 1
    """With :attr:`baseline_commits`: how many of the nearest commits that have finished runs
    are pooled into the baselines."""
    require_clean: bool = False
    """A counted run trained with uncommitted changes fails the gate."""
    trend: int = 0
    """How many base-branch commits with finished runs the trend shows (0: no trend)."""
    trend_commits: tuple[str, ...] = ()
    """The base branch's first-parent commits the trend looks through, nearest first."""

    @property
    def path(self) -> str:
        """``entity/project``."""
        return f"{self.entity}/{self.project}"


def check_settings(settings: Settings, *, sha_name: str, run_id_name: str) -> None:
    """Check rules that span several inputs; the names are how the user knows the inputs."""
    if not settings.sha and not settings.run_ids and not settings.candidate_commits:
        raise InputError(
            f"No runs to look for: give a commit ({sha_name}) or run ids ({run_id_name}).",
            tip="In a GitHub workflow the commit defaults to the event's head SHA; on a laptop "
            "pass --sha HEAD.",
        )
    if settings.secondary_sha and not settings.sha:
        raise InputError(
            f"A secondary SHA was given without a commit ({sha_name}).",
            tip="The secondary SHA narrows the runs of a commit; give the commit too.",
        )
    if settings.baseline_commits and (
        settings.baseline_tags or settings.baseline_run_ids or settings.baseline_artifact
    ):
        raise InputError(
            "Baselines were asked for both by base commit and by tag, run id or artifact.",
            tip="Choose one way to pick baselines: the base commit's runs, or tags, run ids "
            "and the production artifact.",
        )
    both = sorted(set(settings.run_ids) & set(settings.baseline_run_ids))
    if both:
        raise InputError(
            f"Run id {', '.join(both)} is both a candidate and a baseline.",
            tip="A baseline is never also a candidate: remove it from one of the two lists.",
        )


def parse_project(text: str | None, *, what: str, default_entity: str | None) -> tuple[str, str]:
    """Parse ``ENTITY/PROJECT`` (or a W&B project URL, or ``PROJECT`` with a default entity)."""
    raw = (text or "").strip()
    if not raw:
        raise InputError(
            f"No W&B project given ({what}).",
            tip="Pass the project as ENTITY/PROJECT, e.g. acme/detector, or set WANDB_PROJECT "
            "(and WANDB_ENTITY).",
        )
    if "://" in raw:
        try:
            parts = [p for p in urlsplit(raw).path.split("/") if p]
        except ValueError:  # e.g. "http://[x": an invalid IPv6 host
            parts = raw.split("/")
        raw = "/".join(parts[:2])
    pieces = raw.split("/")
    if len(pieces) == 1 and default_entity:
        pieces = [default_entity.strip(), pieces[0]]
    if len(pieces) != 2 or not all(_NAME.fullmatch(p) for p in pieces):
        problem = "has no entity" if len(pieces) == 1 else "is not of the form ENTITY/PROJECT"
        raise InputError(
            f"W&B project {text!r} ({what}) {problem}.",
            tip="Write it as it appears in the run URL https://wandb.ai/ENTITY/PROJECT, e.g. "
            "acme/detector, or set WANDB_ENTITY for a bare project name.",
        )
    return pieces[0], pieces[1]


def parse_sha(text: str | None, *, what: str) -> str | None:
    """Validate a commit SHA input: 7 to 64 of letters, digits, ``.``, ``_``, ``-``."""
    raw = (text or "").strip()
    if not raw:
        return None
    if not _SHA.fullmatch(raw):
        if len(raw) < 7 and _SHA.fullmatch(raw.ljust(7, "0")):
            problem = f"is {len(raw)} characters long; at least 7 are needed to be unambiguous"
        elif len(raw) > 64:
            problem = "is longer than 64 characters"
        else:
            problem = "may only contain letters, digits, '.', '_' and '-'"
        raise InputError(
            f"Commit SHA {raw!r} ({what}) {problem}.",
            tip="Pass a full or abbreviated commit hash (git rev-parse HEAD), or the exact value "
            "your training script logs in config.",
        )
    return raw


def is_hex_sha(sha: str) -> bool:
    """Whether a SHA input can also be matched against git commits (hex, 7-64 characters)."""
    return bool(_HEX.fullmatch(sha))


def parse_list(text: str | None, *, what: str) -> tuple[str, ...]:
    """Parse a list input, safely (never ``eval``).

    Accepted: a Python list literal as the original action took (``"['a', 'b']"``), a JSON list,
    or newline- or comma-separated text. Items are stripped; empty items are dropped.
    """
    raw = (text or "").strip()
    if not raw:
        return ()
    if raw[0] in "[(":
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            try:
                value = ast.literal_eval(raw)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                raise InputError(
                    f"{what} looks like a list but cannot be read: {_clip(raw)}",
                    tip="Write ['a', 'b'], [\"a\", \"b\"], a, b, or one item per line.",
                ) from None
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise InputError(
                f"{what} must be a list of strings, got {_clip(raw)}",
                tip="Quote every item: ['baseline', 'reference'].",
            )
        items: Iterable[str] = value
    else:
        items = re.split(r"[\n,]", raw)
    return tuple(dict.fromkeys(item.strip() for item in items if item.strip()))


def parse_run_ids(values: Iterable[str], *, what: str) -> tuple[str, ...]:
    """Validate run ids (a run URL is accepted and reduced to its id)."""
    ids: list[str] = []
    for value in values:
        run_id = value.strip()
        if "://" in run_id:
            try:
                parts = [p for p in urlsplit(run_id).path.split("/") if p]
            except ValueError:  # e.g. "http://[x": an invalid IPv6 host; refused below
                parts = []
            run_id = parts[-1] if len(parts) >= 4 and parts[-2] == "runs" else run_id
        if not _RUN_ID.fullmatch(run_id):
            raise InputError(
                f"Run id {value!r} ({what}) is not a W&B run id.",
                tip="A run id is the last part of the run URL: https://wandb.ai/ENTITY/PROJECT/"
                "runs/RUN_ID (letters and digits, no spaces or /\\#?%:).",
            )
        ids.append(run_id)
    return tuple(dict.fromkeys(ids))


def parse_artifact_ref(text: str | None, *, what: str) -> ArtifactRef | None:
    """Parse ``ENTITY/PROJECT/NAME:ALIAS`` (or ``NAME:vN``)."""
    raw = (text or "").strip()
    if not raw:
        return None
    parts = raw.split("/")
    name, _, alias = parts[-1].partition(":")
    if (
        len(parts) != 3
        or not all(_NAME.fullmatch(p) for p in parts[:2])
        or not _NAME.fullmatch(name)
        or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", alias)
    ):
        raise InputError(
            f"Artifact {raw!r} ({what}) is not of the form ENTITY/PROJECT/NAME:ALIAS.",
            tip="For example acme/detector/model:production, or a registry model "
            "acme-org/wandb-registry-model/detector:production; a version works too (model:v7).",
        )
    return ArtifactRef(parts[0], parts[1], f"{name}:{alias}")


def parse_config_key(text: str, *, what: str) -> str:
    """Validate a config key name used in a W&B filter (no dots: W&B cannot filter on them)."""
    key = text.strip()
    if not _KEY.fullmatch(key):
        raise InputError(
            f"Config key {text!r} ({what}) cannot be used in a W&B filter.",
            tip="Use a top-level config key without spaces, '.' or '$' (W&B cannot filter on "
            "keys containing dots).",
        )
    return key


def parse_filter(text: str | None, *, what: str) -> dict[str, Any] | None:
    """Parse and validate a raw W&B filter given as JSON."""
    raw = (text or "").strip()
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise InputError(
            f"{what} is not valid JSON: {exc.args[0] if exc.args else exc}",
            tip='Quote the filter for your shell, e.g. --filter \'{"config.dataset": "v2"}\'.',
        ) from None
    filters.validate(value, where=what)
    assert isinstance(value, dict)  # validate() accepts only objects
    return value


def parse_bool(text: str | None, *, what: str, default: bool) -> bool:
    """Parse a boolean the way GitHub Actions spells it (true/True/TRUE, false/False/FALSE)."""
    raw = (text or "").strip()
    if not raw:
        return default
    if raw in ("true", "True", "TRUE"):
        return True
    if raw in ("false", "False", "FALSE"):
        return False
    raise InputError(f"{what} must be true or false, got {_clip(raw)}")


def parse_int(text: str | None, *, what: str, default: int, low: int, high: int) -> int:
    """Parse an integer input within ``[low, high]``."""
    raw = (text or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{what} must be a whole number, got {_clip(raw)}") from None
    if not low <= value <= high:
        raise InputError(f"{what} must be between {low} and {high}, got {value}")
    return value


def parse_duration(text: str | None, *, what: str) -> float:
    """Parse a duration: ``90s``, ``20m``, ``1h30m``, or a plain number of seconds (empty: 0)."""
    raw = (text or "").strip().lower()
    if not raw:
        return 0.0
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        value = float(raw)
    else:
        parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", raw)
        if not parts or not any(parts.groups()):
            raise InputError(
                f"{what} is not a duration: {_clip(text or '')}",
                tip="Write it as 90s, 20m, 1h30m, or a number of seconds.",
            )
        hours, minutes, seconds = (int(g or 0) for g in parts.groups())
        try:
            value = float(hours * 3600 + minutes * 60 + seconds)
        except OverflowError:
            value = math.inf
    if not math.isfinite(value):
        raise InputError(
            f"{what} is too long: {_clip(text or '')}",
            tip="Write it as 90s, 20m, 1h30m, or a number of seconds.",
        )
    return value


def _clip(text: str, limit: int = 80) -> str:
    """Quote a user value for a message, shortened when long."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
