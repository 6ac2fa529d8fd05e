"""The text each option was given, from any door, read into settings by the option table.

A door (the CLI, the Action, the compat action) hands in the raw text of each option it was
given, keyed by the option's name, and how it names options to its user (``--sha``, ``input
'sha'``, ``input 'FILTER_GITHUB_SHA'``). Everything after that is shared: the same text gives
the same :class:`~wandb_pr.settings.Settings` through every door, and an error names the
option as that door spells it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from wandb_pr.compare import MetricSpec, parse_metric_specs
from wandb_pr.errors import InputError
from wandb_pr.events import EventCommit
from wandb_pr.options import COMPAT_INPUTS, option
from wandb_pr.settings import (
    Settings,
    check_settings,
    parse_artifact_ref,
    parse_bool,
    parse_config_key,
    parse_duration,
    parse_filter,
    parse_int,
    parse_list,
    parse_project,
    parse_run_ids,
    parse_sha,
)
from wandb_pr.sources.interface import RunSource

__all__ = ["CLI", "Door", "Given", "build_settings", "check_source"]

FirstParents = Callable[[str, int], "list[str] | None"]
"""``(revision, limit)`` -> the revision and its first-parent ancestors, or ``None``."""


@dataclass(frozen=True)
class Door:
    """How one door names options: ``cli`` by flag, ``action`` and ``compat`` by input."""

    kind: str

    def what(self, name: str) -> str:
        """How an error names the option ``name`` to this door's user."""
        if self.kind == "cli":
            return f"--{name}"
        if self.kind == "compat":
            seed = {v: k for k, v in COMPAT_INPUTS.items()}
            return f"input '{seed.get(name, name)}'"
        return f"input '{name}'"

    @property
    def in_action(self) -> bool:
        """Whether the user writes a workflow (inputs) rather than a command (flags)."""
        return self.kind != "cli"


CLI = Door("cli")


@dataclass(frozen=True)
class Given:
    """The raw text of the options one door was given ('' or absent: not given)."""

    door: Door
    text_of: Mapping[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str:
        """The option's text, stripped ('' when not given)."""
        return (self.text_of.get(name) or "").strip()

    def what(self, name: str) -> str:
        """How an error names the option."""
        return self.door.what(name)

    def given(self, name: str) -> bool:
        """Whether the option was given at all."""
        return bool(self.text(name))

    def default(self, name: str) -> str:
        """The option's default through this door."""
        opt = option(name)
        if self.door.kind == "cli" and opt.cli_default is not None:
            return opt.cli_default
        return opt.default

    def list(self, name: str) -> tuple[str, ...]:
        """A list option: one item per line or comma, or a list literal; never evaluated."""
        text = self.text(name)
        if self.door.kind == "compat":
            _refuse_code(text, self.what(name))
        return parse_list(text, what=self.what(name))

    def flag(self, name: str) -> bool:
        """A boolean option (true/false)."""
        return parse_bool(
            self.text(name), what=self.what(name), default=self.default(name) == "true"
        )

    def integer(self, name: str) -> int:
        """A whole-number option within the table's bounds."""
        opt = option(name)
        default = int(self.default(name))
        what = self.what(name)
        return parse_int(
            self.text(name), what=what, default=default, low=int(opt.low), high=int(opt.high)
        )

    def seconds(self, name: str) -> float:
        """A number of seconds within the table's bounds."""
        opt, text, what = option(name), self.text(name), self.what(name)
        try:
            value = float(text or self.default(name))
        except ValueError:
            raise InputError(f"{what} must be a number of seconds, got {text[:40]!r}") from None
        if not opt.low <= value <= opt.high:
            raise InputError(f"{what} must be between 0 and {opt.high:g} seconds, got {text}")
        return value

    def duration(self, name: str) -> float:
        """A duration option (``90s``, ``20m``, ``1h``; empty: 0)."""
        return parse_duration(self.text(name), what=self.what(name))

    def choice(self, name: str) -> str:
        """A choice option, lower-cased; '' when not given and without a default."""
        opt = option(name)
        value = (self.text(name) or self.default(name)).lower()
        if value and value not in opt.choices:
            raise InputError(
                f"{self.what(name)} must be {_or(opt.choices)}, got {value[:40]!r}",
            )
        return value

    def path(self, name: str) -> Path | None:
        """A path option (``None`` when not given and without a default)."""
        text = self.text(name) or self.default(name)
        return Path(text) if text else None

    def metrics(self, name: str = "metrics") -> tuple[MetricSpec, ...]:
        """Metric specs, with errors naming the option."""
        what = self.what(name)
        try:
            return parse_metric_specs(self.list(name))
        except InputError as exc:
            if exc.message.startswith(what):
                raise
            raise InputError(f"{what}: {exc.message}", tip=exc.tip) from None


def build_settings(
    given: Given,
    env: Mapping[str, str],
    event: EventCommit,
    *,
    default_project: tuple[str, str] | None = None,
    resolve_sha: Callable[[str, str], str | None] | None = None,
    first_parents: FirstParents | None = None,
) -> Settings:
    """Validated settings from one door's options, the environment and the event.

    ``default_project`` is the project of a snapshot or, for offline runs, ``("", "")`` (any);
    ``resolve_sha(text, what)`` reads a git revision on a laptop (``None``: not one);
    ``first_parents`` walks a base commit's ancestors (local git, or GitHub in the Action).
    """
    entity, project = _project(given, env, default_project)
    run_ids = parse_run_ids(given.list("run-ids"), what=given.what("run-ids"))
    sha = _sha(given, resolve_sha)
    merge_sha = None
    if sha is None and not run_ids and given.door.kind != "compat":
        sha = parse_sha(event.sha, what=f"the event's commit ({event.source})")
        merge_sha = parse_sha(event.merge_sha, what="GITHUB_SHA (the merge commit)")
    settings = Settings(
        entity=entity,
        project=project,
        sha=sha,
        merge_sha=merge_sha,
        secondary_sha=parse_sha(given.text("secondary-sha"), what=given.what("secondary-sha")),
        sha_key=parse_config_key(
            given.text("sha-key") or given.default("sha-key"), what=given.what("sha-key")
        ),
        secondary_sha_key=parse_config_key(
            given.text("secondary-sha-key") or given.default("secondary-sha-key"),
            what=given.what("secondary-sha-key"),
        ),
        match_commit=given.flag("match-commit"),
        sha_prefix=given.door.kind != "compat",
        run_ids=run_ids,
        baseline_tags=given.list("baseline-tags"),
        baseline_run_ids=parse_run_ids(
            given.list("baseline-run-ids"), what=given.what("baseline-run-ids")
        ),
        candidate_filter=parse_filter(given.text("filter"), what=given.what("filter")),
        baseline_filter=parse_filter(
            given.text("baseline-filter"), what=given.what("baseline-filter")
        ),
        metrics=given.metrics(),
        config_keys=given.list("config-keys"),
        page_size=given.integer("page-size"),
        require_same_data=given.flag("require-same-data"),
        require_clean=given.flag("require-clean"),
        baseline_pool=given.integer("baseline-commits"),
        trend=given.integer("trend"),
        allow_missing=given.flag("allow-missing"),
        baseline_artifact=parse_artifact_ref(
            given.text("baseline-artifact"), what=given.what("baseline-artifact")
        ),
    )
    if settings.baseline_pool > 1 and given.choice("baseline") != "base-commit":
        raise InputError(
            f"{given.what('baseline-commits')} pools the runs of several base commits, but "
            "the baselines are not chosen by base commit.",
            tip=f"Set {given.what('baseline')} to base-commit, or leave "
            f"{given.what('baseline-commits')} out.",
        )
    settings = _with_base_chain(settings, given, event, first_parents)
    check_settings(settings, sha_name=given.what("sha"), run_id_name=given.what("run-ids"))
    return settings


def check_source(settings: Settings, source: RunSource, given: Given) -> None:
    """Refuse settings the run source cannot serve (a baseline artifact without W&B)."""
    if settings.baseline_artifact and not source.supports_artifacts:
        raise InputError(
            f"{given.what('baseline-artifact')} needs W&B: {source.description} hold no "
            "artifact registry.",
            tip=f"Read the runs from W&B, or name the baseline by "
            f"{given.what('baseline-run-ids')}.",
        )


def _project(
    given: Given, env: Mapping[str, str], default_project: tuple[str, str] | None
) -> tuple[str, str]:
    """The project given, else a snapshot's, else ``WANDB_PROJECT``; offline runs: any."""
    text = given.text("project")
    if not text and default_project is not None and default_project != ("", ""):
        return default_project
    text = text or env.get("WANDB_PROJECT", "").strip()
    if not text and default_project == ("", ""):
        return default_project
    what = given.what("project") + ("" if given.door.in_action else " or WANDB_PROJECT")
    return parse_project(text, what=what, default_entity=env.get("WANDB_ENTITY"))


def _sha(given: Given, resolve_sha: Callable[[str, str], str | None] | None) -> str | None:
    """The commit option: a SHA as given, or (on a laptop) a git revision resolved."""
    text, what = given.text("sha"), given.what("sha")
    if resolve_sha is None or not text:
        return parse_sha(text, what=what)
    try:
        return parse_sha(text, what=what)
    except InputError as problem:
        resolved = resolve_sha(text, what)
        if resolved is None:
            raise InputError(
                f"{problem.message} It is not a git revision here either.", tip=problem.tip
            ) from None
        return resolved


TREND_REACH = 3
"""The trend looks through this many times ``trend`` base-branch commits for ones with runs."""


def _with_base_chain(
    settings: Settings, given: Given, event: EventCommit, first_parents: FirstParents | None
) -> Settings:
    """The base commit's first-parent chain, read once, for base-commit baselines and the trend.

    The base is ``base-sha``, else the pull request's base; for the trend alone on an event
    without one (a push), the chain starts at the first parent of the commit under review.
    """
    base_commit = given.choice("baseline") == "base-commit"
    listed = tuple(
        sha
        for sha in (
            parse_sha(t, what=given.what("trend-commits")) for t in given.list("trend-commits")
        )
        if sha
    )
    if listed:
        settings = replace(settings, trend=settings.trend or len(listed), trend_commits=listed)
    if not base_commit and not (settings.trend and not listed):
        return settings
    base = given.text("base-sha")
    if given.door.in_action:  # a workflow passes a SHA; a laptop may pass a git revision
        base = parse_sha(base, what=given.what("base-sha")) or ""
    base = base or event.base_sha or ""
    skip = 0
    if not base and not base_commit and settings.sha:
        base, skip = settings.sha, 1
    if not base and not base_commit:
        raise InputError(
            f"{given.what('trend')} needs a commit to start the base branch's history from, and "
            "there is none (no pull request base, no commit under review).",
            tip=f"Pass the base commit as {given.what('base-sha')}.",
        )
    if not base:
        raise InputError(
            f"{given.what('baseline')} is base-commit, but this event has no pull request base "
            "commit.",
            tip=f"Use it on pull_request events, or pass the base commit as "
            f"{given.what('base-sha')}.",
        )
    depth = given.integer("baseline-depth") + 1 if base_commit else 0
    limit = min(100, max(depth, TREND_REACH * settings.trend)) + skip
    commits = first_parents(base, limit) if first_parents is not None else None
    if not commits:
        if given.door.in_action:
            raise InputError(
                f"The base commit {base[:12]} was not found (GitHub API or local git).",
                tip="Pass github-token, or check out the base branch's history (fetch-depth: 0).",
            )
        if not base_commit:
            raise InputError(
                f"--trend reads the base branch's history with git, but {base!r} is not a commit "
                "in the git repository here.",
                tip="Run wandb-pr inside a clone with the base branch fetched and pass e.g. "
                "--base-sha origin/main, or name the commits with --trend-commits.",
            )
        raise InputError(
            f"--base-commit {base!r} is not a commit in the git repository here.",
            tip="Run wandb-pr inside a clone with the base branch fetched (git fetch origin "
            "main), and pass e.g. --base-commit origin/main.",
        )
    chain = tuple(commits[skip:])
    return replace(
        settings,
        baseline_commits=chain[:depth] if base_commit else (),
        trend_commits=settings.trend_commits or (chain if settings.trend else ()),
    )


_CODE = re.compile(r"[()\[\]{}=;]")


def _refuse_code(text: str, what: str) -> None:
    """The original action ``eval``ed its list inputs: text that is code is an error here."""
    if text and text[0] not in "[(" and _CODE.search(text):
        raise InputError(
            f"{what} must be a list such as ['baseline', 'reference'], got code or "
            f"punctuation: {text[:60]!r}",
            tip="wandb-pr reads list inputs, it never evaluates them: write a list literal.",
        )


def _or(choices: tuple[str, ...]) -> str:
    """``a, b or c``."""
    return ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else choices[0]
