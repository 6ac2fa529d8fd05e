"""Every option of wandb-pr, declared once: its spellings, default, parser and help.

Three doors read this table: ``wandb-pr report`` builds its flags from it, the Action reads its
``INPUT_*`` variables through it, and the compat action maps its own input names onto it. A
test keeps ``action.yml`` and the README's tables in step with it. An option's ``name`` is its
Action input and its long flag (``--name``); ``aliases`` are further flags kept for the CLI.

Pure data and light on imports: ``wandb-pr --help`` builds its parser from this module alone.
:mod:`wandb_pr.option_values` turns the text an option was given into settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CLI_ONLY", "COMPAT_INPUTS", "OPTIONS", "Option", "as_inputs", "option"]


@dataclass(frozen=True)
class Option:
    """One option, as every door spells it."""

    name: str
    """The Action input, and the long flag without its ``--``."""
    help: str
    """What it does, one line (the README's meaning; the flag's help without backticks)."""
    parser: str = "text"
    """How its text is read: ``text``, ``list``, ``bool``, ``int``, ``seconds``, ``duration``,
    ``choice``, ``path`` (each in :mod:`wandb_pr.option_values`)."""
    default: str = ""
    """The default, as ``action.yml`` spells it ('' when there is none)."""
    shown_default: str | None = None
    """The default as the README shows it, when it is not the literal (``$WANDB_API_KEY``)."""
    aliases: tuple[str, ...] = ()
    """Further CLI flags with the same meaning (the singular repeatable spellings)."""
    env: str | None = None
    """The environment variable used when the option is not given."""
    flag: bool = True
    """Whether ``wandb-pr report`` has it (publishing and the installer's do not)."""
    action: bool = True
    """Whether the Action has it as an input."""
    read: bool = True
    """Whether ``wandb-pr action`` reads it (``python`` is for the install step only)."""
    metavar: str | None = None
    """The flag's value placeholder."""
    choices: tuple[str, ...] = ()
    """The values a ``choice`` option takes."""
    low: float = 0
    """The smallest value of an ``int`` or ``seconds`` option."""
    high: float = 0
    """The largest value of an ``int`` or ``seconds`` option."""
    cli_default: str | None = None
    """The default on a laptop, when it differs from the Action's (report files: none)."""

    @property
    def flags(self) -> tuple[str, ...]:
        """The CLI spellings, the long flag first."""
        return (f"--{self.name}", *self.aliases)

    @property
    def input_variable(self) -> str:
        """``INPUT_<NAME>``, as the runner spells the input in the environment."""
        return "INPUT_" + self.name.upper().replace("-", "_")


_LIST = "one per line or comma-separated"

OPTIONS: tuple[Option, ...] = (
    Option(
        "project",
        "W&B project, `ENTITY/PROJECT` (a project URL works too)",
        shown_default="$WANDB_ENTITY/$WANDB_PROJECT",
        env="WANDB_PROJECT",
        metavar="ENTITY/PROJECT",
    ),
    Option(
        "wandb-api-key",
        "W&B API key; pass a secret (on a laptop `WANDB_API_KEY`, never a flag)",
        shown_default="$WANDB_API_KEY",
        env="WANDB_API_KEY",
        flag=False,
    ),
    Option(
        "wandb-base-url",
        "self-hosted W&B server URL",
        shown_default="$WANDB_BASE_URL, else W&B cloud",
        env="WANDB_BASE_URL",
        metavar="URL",
    ),
    Option(
        "sha",
        "commit whose runs are the candidates (on a laptop `HEAD` and branch names are "
        "resolved with git)",
        shown_default="the event's head commit",
        metavar="SHA",
    ),
    Option(
        "secondary-sha",
        "candidates must also have this config `secondary_sha` (e.g. a data version)",
        metavar="SHA",
    ),
    Option("sha-key", "config key that holds the commit", default="github_sha", metavar="KEY"),
    Option(
        "secondary-sha-key",
        "config key that holds the secondary SHA",
        default="secondary_sha",
        metavar="KEY",
    ),
    Option(
        "match-commit",
        "also match the git commit W&B records by itself",
        parser="bool",
        default="true",
        aliases=("--no-commit-match",),
    ),
    Option(
        "run-ids",
        f"candidate run ids ({_LIST}); they take precedence over `sha`",
        parser="list",
        aliases=("--run-id",),
        metavar="IDS",
    ),
    Option(
        "baseline-tags",
        f"runs with any of these tags are baselines ({_LIST})",
        parser="list",
        aliases=("--baseline-tag",),
        metavar="TAGS",
    ),
    Option(
        "baseline-run-ids",
        f"these runs are baselines ({_LIST})",
        parser="list",
        aliases=("--baseline-run-id",),
        metavar="IDS",
    ),
    Option(
        "baseline-artifact",
        "`ENTITY/PROJECT/NAME:ALIAS`: the run that produced this artifact version (e.g. the model "
        "in production) is a baseline",
        metavar="ENTITY/PROJECT/NAME:ALIAS",
    ),
    Option(
        "baseline",
        "`base-commit`: the baselines are the finished runs of the base commit, or of its nearest "
        "first-parent ancestor that has any",
        parser="choice",
        choices=("tags", "base-commit"),
        metavar="MODE",
    ),
    Option(
        "baseline-depth",
        "with `baseline: base-commit`, how many first-parent ancestors of the base to consider",
        parser="int",
        default="20",
        aliases=("--base-depth",),
        low=1,
        high=100,
        metavar="N",
    ),
    Option(
        "baseline-commits",
        "with `baseline: base-commit`, pool the finished runs of this many nearest commits that "
        "have any (assumes they are equivalent on the metrics)",
        parser="int",
        default="1",
        low=1,
        high=20,
        metavar="K",
    ),
    Option(
        "base-sha",
        "the base commit of `baseline: base-commit` and of `trend` (on a laptop a git revision; "
        "`--base-commit REV` also sets `--baseline base-commit`)",
        shown_default="the PR's base",
        aliases=("--base-commit",),
        metavar="REV",
    ),
    Option("filter", "extra W&B filter (JSON) ANDed into the candidates' query", metavar="JSON"),
    Option(
        "baseline-filter", "extra W&B filter (JSON) ANDed into the baselines' query", metavar="JSON"
    ),
    Option(
        "metrics",
        f"metrics to compare, `NAME[:min|max|lower|higher][:TOLERANCE[%]]` ({_LIST})",
        parser="list",
        aliases=("--metric",),
        metavar="SPECS",
    ),
    Option(
        "config-keys",
        f"config keys to show for each run ({_LIST})",
        parser="list",
        aliases=("--config-key",),
        metavar="KEYS",
    ),
    Option(
        "runs-dir",
        "read runs that `wandb` wrote offline under this folder instead of W&B (the Action "
        "installs the offline reader from `action/requirements-local.lock`)",
        parser="path",
        metavar="DIR",
    ),
    Option(
        "csv-path",
        "write the CSV report here (in the Action relative to the workspace)",
        parser="path",
        default="wandb_report.csv",
        aliases=("--csv",),
        cli_default="",
        metavar="PATH",
    ),
    Option(
        "json-path",
        "write the JSON report here (in the Action relative to the workspace)",
        parser="path",
        default="wandb_report.json",
        aliases=("--json",),
        cli_default="",
        metavar="PATH",
    ),
    Option(
        "page-size",
        "runs per W&B request",
        parser="int",
        default="100",
        low=1,
        high=1000,
        metavar="N",
    ),
    Option(
        "deadline",
        "seconds after which wandb-pr stops retrying W&B (and GitHub)",
        parser="seconds",
        default="120",
        low=0.001,
        high=3600,
        metavar="SECONDS",
    ),
    Option(
        "wait",
        "wait up to this long (`90s`, `20m`, `1h`) for candidate runs to finish",
        parser="duration",
        metavar="DURATION",
    ),
    Option(
        "require-same-data",
        "fail the gate (verdict `different-data`) when the sides used different data versions",
        parser="bool",
        default="false",
    ),
    Option(
        "require-clean",
        "fail the gate (verdict `uncommitted-changes`) when a compared run was trained with "
        "uncommitted changes (needs W&B code saving on)",
        parser="bool",
        default="false",
    ),
    Option(
        "trend",
        "show the metrics over the last `N` base-branch commits that have finished runs "
        "(0: no trend)",
        parser="int",
        default="0",
        low=0,
        high=50,
        metavar="N",
    ),
    Option(
        "trend-commits",
        f"the base branch's commits for the trend, newest first ({_LIST}), instead of reading "
        "them from git (runs of a repository not cloned here)",
        parser="list",
        action=False,
        metavar="SHAS",
    ),
    Option(
        "fail-on-regression",
        "fail the step unless the verdict is `pass` (see [How the verdict is "
        "decided](#how-the-verdict-is-decided) for each outcome's exit code)",
        parser="bool",
        default="false",
    ),
    Option(
        "allow-missing",
        "with `fail-on-regression`, do not fail when evidence is missing (`no-runs`, "
        "`no-baseline`, `missing-metric`, `pending`); regressions and divergence still fail",
        parser="bool",
        default="false",
    ),
    Option("debug", "log the queries sent (never the API key)", parser="bool", default="false"),
    Option(
        "github-token",
        "token for comments, check runs and statuses",
        default="${{ github.token }}",
        shown_default="github.token",
        flag=False,
    ),
    Option(
        "comment",
        "the pull request comment: `on` (update ours in place), `off`, `create-new` (replace it, "
        "which notifies)",
        parser="choice",
        default="on",
        choices=("on", "off", "create-new"),
        flag=False,
    ),
    Option(
        "comment-key",
        "one comment per key on a pull request (e.g. a matrix value)",
        shown_default="the W&B project",
        flag=False,
    ),
    Option(
        "commit-comment",
        "on `push` events, comment on the commit",
        parser="bool",
        default="false",
        flag=False,
    ),
    Option(
        "check",
        "create a check run whose conclusion follows the verdict",
        parser="bool",
        default="false",
        flag=False,
    ),
    Option(
        "check-name",
        "the check run's name and the commit status's context",
        default="wandb-pr",
        flag=False,
    ),
    Option(
        "status", "set a commit status from the verdict", parser="bool", default="false", flag=False
    ),
    Option(
        "pr-number",
        "the pull request to report on (fork-safe `workflow_run` workflows, `workflow_dispatch`)",
        flag=False,
    ),
    Option(
        "trigger-phrase",
        "on `issue_comment` events, only comments starting a line with it ask for a report",
        default="/wandb",
        flag=False,
    ),
    Option(
        "python",
        "interpreter (3.10+) used to install wandb-pr",
        default="python3",
        flag=False,
        read=False,
    ),
)

CLI_ONLY: tuple[Option, ...] = (
    Option("snapshot", "read runs from a snapshot file instead of W&B", "path", metavar="FILE"),
    Option(
        "save-snapshot",
        "save the fetched runs to `FILE`, to re-run the report with `--snapshot`",
        "path",
        metavar="FILE",
    ),
    Option(
        "format",
        "report format (default: text on a terminal, else markdown)",
        "choice",
        choices=("text", "markdown", "csv", "json"),
        metavar="{text,markdown,csv,json}",
    ),
    Option("output", "write the report to `PATH` instead of printing it", "path", metavar="PATH"),
)
"""Flags with no Action input: the Action always writes its files and job summary."""

COMPAT_INPUTS: dict[str, str] = {
    "WANDB_API_KEY": "wandb-api-key",
    "PROJECT_NAME": "project",
    "RUN_ID": "run-ids",
    "FILTER_GITHUB_SHA": "sha",
    "FILTER_SECONDARY_SHA": "secondary-sha",
    "BASELINE_TAGS": "baseline-tags",
    "DISPLAY_METRICS": "metrics",
    "DISPLAY_CONFIG_VARS": "config-keys",
    "DEBUG": "debug",
}
"""machine-learning-apps/wandb-action's inputs, by the option each one means."""

_BY_NAME = {o.name: o for o in OPTIONS + CLI_ONLY}


def option(name: str) -> Option:
    """The option called ``name``."""
    return _BY_NAME[name]


_INPUT_OF_FLAG = {
    flag: f"input '{o.name}'" for o in OPTIONS if o.flag and o.action for flag in o.flags
}


def as_inputs(text: str) -> str:
    """``text`` with each flag that has an Action input named as that input (for the Action)."""
    return re.sub(
        r"(?<![\w-])--[a-z][a-z-]*", lambda m: _INPUT_OF_FLAG.get(m.group(0), m.group(0)), text
    )
