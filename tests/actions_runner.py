"""Run a composite GitHub Action's ``run:`` steps in tests, the way the Actions runner does.

Reproduced from actions/runner (``CompositeActionHandler``, ``ScriptHandler``,
``FileCommandManager``, ``ActionCommand``): input defaults (``required`` is not enforced,
unexpected inputs are only warned about), ``env:``/``if:``/``continue-on-error``, fresh
``$GITHUB_OUTPUT``/``ENV``/``PATH``/``STEP_SUMMARY`` files per step parsed by the runner's
rules (processed even after a failure), workflow commands on stdout and stderr, output mapping.

Environment precedence is the runner's: the process environment (``PATH``, ``HOME``... from
this process) < ``$GITHUB_ENV`` values < the caller's env context (``env=``) < the step's
``env:`` < ``GITHUB_*``/``RUNNER_*`` runtime variables, which no step can override.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from tests.actions_expressions import (
    CaseInsensitiveDict,
    ExpressionEvaluationError,
    Scope,
    UnsupportedExpressionError,
    evaluate_condition,
    evaluate_string,
    evaluate_template,
    format_number,
    to_context,
)

SUMMARY_LIMIT = 1024 * 1024  # bytes of $GITHUB_STEP_SUMMARY per step
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "USER", "LOGNAME")
_GITHUB_ENV_KEYS = {  # github context keys the runner exports as GITHUB_<KEY>
    *("action", "action_path", "action_ref", "action_repository", "actor", "actor_id"),
    *("api_url", "base_ref", "env", "event_name", "event_path", "graphql_url", "head_ref"),
    *("job", "output", "path", "ref", "ref_name", "ref_protected", "ref_type", "repository"),
    *("repository_id", "repository_owner", "repository_owner_id", "retention_days"),
    *("run_attempt", "run_id", "run_number", "server_url", "sha", "state", "step_summary"),
    *("triggering_actor", "workflow", "workflow_ref", "workflow_sha", "workspace"),
}
_SHELLS = {"bash": "--noprofile --norc -e -o pipefail {0}", "sh": "-e {0}", "python": "{0}"}
_STEP_KEYS = {"id", "name", "if", "run", "shell", "env", "working-directory", "uses", "with"}
_STEP_KEYS |= {"continue-on-error"}
_FILE_COMMANDS = ("path", "env", "step_summary", "state", "output")  # the runner's order
_COMMANDS = {"error", "warning", "notice", "debug", "group", "endgroup", "echo", "add-mask"}
_COMMANDS |= {"stop-commands", "set-output", "save-state", "set-env", "add-path", "add-matcher"}
_DATA_ESCAPES = (("\r", "%0D"), ("\n", "%0A"), ("%", "%25"))
_PROPERTY_ESCAPES = (("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"), ("%", "%25"))
_NEWLINE = re.compile(r"\r\n|\r|\n")


class ActionRunnerError(Exception):
    """The action cannot run in this test runner (bad action.yml, ``uses:``, timeout)."""


class FileCommandError(Exception):
    """A ``$GITHUB_OUTPUT``/``$GITHUB_ENV`` file that the runner rejects."""


@dataclass(frozen=True)
class Annotation:
    """A ``::error``/``::warning``/``::notice`` command, or an error the runner reported."""

    level: str
    message: str
    properties: Mapping[str, str] = field(default_factory=dict)
    step: str = ""


@dataclass(frozen=True)
class StepResult:
    """One step as it ran; ``id`` is the step's id or the generated ``__run``/``__run_N``."""

    id: str
    outcome: str  # success | failure | skipped
    conclusion: str  # success when continue-on-error absorbed a failure
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionResult:
    """What a workflow observes once the composite action has run."""

    outputs: dict[str, str]
    steps: list[StepResult]
    step_summary: str
    annotations: list[Annotation]
    masked: list[str]
    failed: bool

    def step(self, step_id: str) -> StepResult:
        """Return the step with this id."""
        return next(step for step in self.steps if step.id == step_id)


class _Yaml12Loader(yaml.SafeLoader):
    """Safe loading with YAML 1.2 core scalars, like GitHub (``on``, ``yes`` stay strings)."""


_Yaml12Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("null", r"~|null|Null|NULL|", "~nN"),
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    ("float", r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?", "-+.0123456789"),
    ("float", r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)", "-+."),
):
    _Yaml12Loader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(f"^(?:{_pattern})$"), [*_first, ""]
    )


def _construct_number(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = loader.construct_scalar(node).lower()
    if text[:2] in ("0x", "0o"):
        return float(int(text[2:], 16 if text[1] == "x" else 8))
    return float(text.replace(".inf", "inf").replace(".nan", "nan"))


_Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_number)
_Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _construct_number)


def _scalar(value: object, where: str) -> str:
    """A YAML scalar as GitHub reads it into a string field (``true``, ``1.5``; null is '')."""
    if isinstance(value, dict | list):
        raise ActionRunnerError(f"{where}: expected a string, got {type(value).__name__}")
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value).lower()
    return format_number(value) if isinstance(value, float) else str(value)


def load_action(action_dir: Path) -> dict[str, Any]:
    """Load ``action.yml`` (or ``action.yaml``) and check it is a composite action we can run."""
    path = action_dir / "action.yml"
    path = path if path.exists() else action_dir / "action.yaml"
    manifest = yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml12Loader)  # noqa: S506
    runs = manifest.get("runs") if isinstance(manifest, dict) else None
    if not isinstance(runs, dict) or str(runs.get("using", "")).lower() != "composite":
        raise ActionRunnerError(f"{path}: runs.using must be 'composite'")
    if not isinstance(runs.get("steps"), list) or set(runs) - {"using", "steps"}:
        raise ActionRunnerError(f"{path}: a composite action has runs.using and runs.steps only")
    ids: set[str] = set()
    for step in runs["steps"]:
        if (
            not isinstance(step, dict)
            or set(step) - _STEP_KEYS
            or ("run" in step) == ("uses" in step)
        ):
            raise ActionRunnerError(f"{path}: bad step {step!r}: needs run or uses; {_STEP_KEYS}")
        if "run" in step and "shell" not in step:
            raise ActionRunnerError(f"{path}: a run step needs 'shell': {step!r}")
        if "id" in step:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", str(step["id"])) or step["id"] in ids:
                raise ActionRunnerError(f"{path}: invalid or duplicate step id {step['id']!r}")
            ids.add(str(step["id"]))
    for name, output in (manifest.get("outputs") or {}).items():
        if not isinstance(output, dict) or "value" not in output:
            raise ActionRunnerError(f"{path}: output {name!r} needs 'value:'")
    return manifest


def parse_file_command(text: str) -> list[tuple[str, str]]:
    """Parse ``$GITHUB_OUTPUT``/``$GITHUB_ENV`` exactly as the runner on Linux does.

    ``NAME=value`` or ``NAME<<DELIM`` then lines then ``DELIM``, whichever of ``=`` and ``<<``
    comes first; lines end at ``\\n`` only (a ``\\r`` stays in the value); empty lines are
    skipped; a missing delimiter, or a last value line without its newline, is an error.
    """
    pairs: list[tuple[str, str]] = []
    index = 0

    def read_line() -> tuple[str, bool] | None:
        nonlocal index
        if index >= len(text):
            return None
        end = text.find("\n", index)
        line, index = text[index : end if end >= 0 else None], end + 1 if end >= 0 else len(text)
        return line, end >= 0

    while (read := read_line()) is not None:
        line = read[0]
        equals, heredoc = line.find("="), line.find("<<")
        if not line:
            continue
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            name, _, value = line.partition("=")
        elif heredoc >= 0:
            name, _, delimiter = line.partition("<<")
            if not name or not delimiter:
                raise FileCommandError(f"Invalid format '{line}'. Name and delimiter must be set")
            start = end = index
            while (read := read_line()) is None or read[0] != delimiter:
                if read is None:
                    raise FileCommandError(f"Matching delimiter not found '{delimiter}'")
                if not read[1]:
                    raise FileCommandError("Invalid value. EOF marker missing new line.")
                end = index - 1
            value = text[start:end]
        else:
            raise FileCommandError(f"Invalid format '{line}'")
        if not name:
            raise FileCommandError(f"Invalid format '{line}'. Name must not be empty")
        pairs.append((name, value))
    return pairs


def _unescape(text: str, escapes: tuple[tuple[str, str], ...]) -> str:
    for token, replacement in escapes:
        text = text.replace(replacement, token)
    return text


def _strict(context: str, allowed: set[str] | None = None) -> Callable[[str], object]:
    """A missing-key handler that refuses typos instead of yielding GitHub's ``null``."""

    def missing(key: str) -> object:
        if allowed is not None and key.lower() in allowed:
            return None
        raise UnsupportedExpressionError(f"{context}.{key} is not set in this test run")

    return missing


class _ActionRun:
    """The state of one composite action run: contexts, files, annotations."""

    def __init__(
        self,
        manifest: dict[str, Any],
        env: Mapping[str, str],
        paths: tuple[Path, Path],
        github: dict[str, Any],
        deadline: float,
    ) -> None:
        self.manifest, self.env, (self.workspace, self.runner_temp) = manifest, dict(env), paths
        self.deadline, self.failed, self.stopped = deadline, False, False
        self.masked: list[str] = []
        self.annotations: list[Annotation] = []
        self.global_env: dict[str, str] = {}
        self.prepend_path: list[str] = []
        self.summary: list[str] = []
        self.github = CaseInsensitiveDict(to_context(github), _strict("github"))
        runner = {"os": "Linux", "arch": "X64", "name": "test-runner", "temp": str(paths[1])}
        runner["environment"] = "github-hosted"
        self.runner = CaseInsensitiveDict(runner, _strict("runner", {"debug"}))
        ids = {str(step["id"]).lower() for step in manifest["runs"]["steps"] if "id" in step}
        self.steps = CaseInsensitiveDict(missing=_strict("steps", ids))
        self.inputs = CaseInsensitiveDict(missing=_strict("inputs"))

    def scope(self, **contexts: object) -> Scope:
        """The contexts an expression sees, with the action's status."""
        base = {"github": self.github, "runner": self.runner, "env": self.env}
        return Scope({**base, "inputs": self.inputs, "steps": self.steps, **contexts}, self.failed)

    def report(self, level: str, message: str, step: str, **properties: str) -> None:
        """Record an annotation."""
        self.annotations.append(Annotation(level, message, properties, step))

    def load_inputs(self, given: Mapping[str, str]) -> None:
        """Apply the ``with:`` values and input defaults; warn about undeclared inputs."""
        declared = {str(k): v or {} for k, v in (self.manifest.get("inputs") or {}).items()}
        lowered = {name.lower() for name in declared}
        for name, value in given.items():
            self.inputs[name] = value
        if unexpected := [name for name in given if name.lower() not in lowered]:
            quoted = ["', '".join(names) for names in (unexpected, declared)]
            message = "Unexpected input(s) '{}', valid inputs are ['{}']".format(*quoted)
            self.report("warning", message, "")
        for name, spec in declared.items():
            if name.lower() not in {key.lower() for key in given}:
                default = _scalar(spec.get("default"), f"inputs.{name}.default")
                contexts = {"github": self.github, "runner": self.runner, "env": self.env}
                self.inputs[name] = evaluate_string(default, Scope(contexts))

    def process_commands(self, output: str, step: str, outputs: dict[str, str]) -> bool:
        """Apply the workflow commands in a step's output; False when one fails the step."""
        ok, stop_token = True, None
        for line in _NEWLINE.split(output):
            if stop_token is not None:
                stop_token = None if line.lower() == f"::{stop_token}::".lower() else stop_token
                continue
            message = line.lstrip()
            end = message.find("::", 2) if message.startswith("::") else -1
            name, _, properties = message[2:end].partition(" ")
            if end < 0 or name not in _COMMANDS:
                continue
            data, props = _unescape(message[end + 2 :], _DATA_ESCAPES), {}
            for item in properties.strip().split(","):
                key, _, value = item.partition("=")
                if key and value:
                    props[key] = _unescape(value, _PROPERTY_ESCAPES)
            if name in ("error", "warning", "notice"):
                self.report(name, data, step, **props)
            elif name == "add-mask" and data.strip():
                self.masked.append(data)
            elif name == "add-mask":
                self.report("warning", "Can't add secret mask for empty string.", step)
            elif name == "stop-commands":
                stop_token = data
            elif name == "set-output":
                outputs[props.get("name", "")] = data
                self.report("warning", "The `set-output` command is deprecated.", step)
            elif name in ("set-env", "add-path"):
                self.report("error", f"The `{name}` command is disabled.", step)
                ok = False
        return ok

    def mask(self, text: str) -> str:
        """Replace registered secrets with ``***`` like the runner's secret masker."""
        for secret in sorted(self.masked, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def process_files(self, files: dict[str, Path], step: str, outputs: dict[str, str]) -> bool:
        """Read a step's command files in the runner's order; False when one is invalid."""
        ok = True
        for kind in _FILE_COMMANDS:
            raw = files[kind].read_bytes()
            text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
            try:
                if kind == "path":
                    for entry in filter(None, _NEWLINE.split(text)):
                        self.prepend_path = [p for p in self.prepend_path if p != entry] + [entry]
                elif kind in ("env", "output"):
                    for name, value in parse_file_command(text):
                        if kind == "output":
                            outputs[name] = value
                        elif name.upper() == "NODE_OPTIONS":
                            self.report("error", "Can't store NODE_OPTIONS in $GITHUB_ENV", step)
                        else:
                            self.global_env[name] = value
                elif kind == "step_summary" and len(raw) > SUMMARY_LIMIT:
                    size = f"over {SUMMARY_LIMIT // 1024}k: {len(raw) // 1024}k"
                    self.report("error", f"$GITHUB_STEP_SUMMARY upload aborted, {size}", step)
                elif kind == "step_summary" and raw:
                    lines = _NEWLINE.split(text.removesuffix("\n").removesuffix("\r"))
                    self.summary.append("".join(f"{self.mask(line)}\n" for line in lines))
            except FileCommandError as error:
                self.report("error", f"Unable to process file command '{kind}' successfully.", step)
                self.report("error", str(error), step)
                ok = False
        return ok

    def run_step(self, step: dict[str, Any], name: str) -> StepResult:
        """Evaluate a step's env and condition, then run it (or skip it)."""
        folder = self.runner_temp / "_runner_file_commands"
        files = {kind: folder / f"{kind}_{uuid.uuid4()}" for kind in _FILE_COMMANDS}
        github = CaseInsensitiveDict(self.github, _strict("github"))
        for kind, path in files.items():
            path.write_bytes(b"")
            github[kind] = str(path)
        github["action"], github["action_status"] = name, "failure" if self.failed else "success"
        env_context = {**self.global_env, **self.env}
        scope = self.scope(github=github, env=env_context)
        try:
            for key, value in (step.get("env") or {}).items():  # all see the env before the step's
                env_context[str(key)] = evaluate_string(_scalar(value, f"env.{key}"), scope)
            scope = self.scope(github=github, env=env_context)
            try:
                condition = evaluate_condition(_scalar(step.get("if", ""), f"{name}.if"), scope)
            except ExpressionEvaluationError:
                self.stopped = True  # the runner stops the whole composite action here
                raise
            if not condition:
                return StepResult(name, "skipped", "skipped")
            if "uses" in step:
                uses = f"uses: {step['uses']}"
                raise ActionRunnerError(f"{name}: '{uses}' is not supported by this test runner")
            script, shell, directory = (
                evaluate_string(_scalar(step.get(key, ""), f"{name}.{key}"), scope)
                for key in ("run", "shell", "working-directory")
            )
        except ExpressionEvaluationError as error:
            self.report("error", str(error), name)
            return StepResult(name, "failure", "failure")
        result = self._execute(name, script, shell, self.workspace / directory, scope, files)
        if result.outcome == "failure" and self._continue_on_error(step, scope, name):
            result = replace(result, conclusion="success")
        return result

    def _continue_on_error(self, step: dict[str, Any], scope: Scope, name: str) -> bool:
        value = step.get("continue-on-error", False)
        try:
            value = evaluate_template(value, scope) if isinstance(value, str) else value
        except ExpressionEvaluationError as error:
            value = str(error)
        if not isinstance(value, bool):
            self.report("error", f"continue-on-error: expected a boolean, got {value!r}", name)
        return value is True

    def _execute(
        self, name: str, script: str, shell: str, cwd: Path, scope: Scope, files: dict[str, Path]
    ) -> StepResult:
        """Run one script with the runner's shell command line and environment."""
        env = {k: os.environ[k] for k in _INHERITED if k in os.environ}
        env |= {"CI": "true", "GITHUB_ACTIONS": "true", **scope.contexts["env"]}
        if self.prepend_path:
            env["PATH"] = ":".join([*reversed(self.prepend_path), env.get("PATH", "")]).rstrip(":")
        for key, value in scope.contexts["github"].items():
            if key.lower() in _GITHUB_ENV_KEYS and isinstance(value, str):
                env[f"GITHUB_{key.upper()}"] = value
        env |= {f"RUNNER_{key.upper()}": str(value) for key, value in self.runner.items()}
        command, _, arguments = shell.partition(" ")
        arguments = arguments.lstrip() or _SHELLS.get(command, "")
        if "{0}" not in arguments:
            message = f"step {name}: shell {shell!r} is not bash, sh, python or has no {{0}}"
            raise ActionRunnerError(message)
        executable = shutil.which(command, path=env.get("PATH"))
        if executable is None or not cwd.is_dir():
            missing = f"'{command}'" if executable is None else f"directory '{cwd}'"
            self.report("error", f"File not found: {missing}", name)
            return StepResult(name, "failure", "failure", env=env)
        suffix = {"bash": ".sh", "sh": ".sh", "python": ".py"}.get(command, "")
        script_path = self.runner_temp / f"{uuid.uuid4()}{suffix}"
        script_path.write_bytes(script.encode("utf-8"))
        argv = [executable, *(a.replace("{0}", str(script_path)) for a in shlex.split(arguments))]
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            raw_out, raw_err = process.communicate(timeout=max(self.deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ActionRunnerError(f"step {name} did not finish before the timeout") from None
        stdout, stderr = raw_out.decode(errors="replace"), raw_err.decode(errors="replace")
        outputs: dict[str, str] = {}
        ok = self.process_commands(stdout, name, outputs)
        ok = self.process_commands(stderr, name, outputs) and ok
        if process.returncode != 0:
            self.report("error", f"Process completed with exit code {process.returncode}.", name)
        ok = self.process_files(files, name, outputs) and ok and process.returncode == 0
        outcome = "success" if ok else "failure"
        return StepResult(name, outcome, outcome, process.returncode, stdout, stderr, outputs, env)


def run_composite_action(
    action_dir: Path,
    *,
    inputs: Mapping[str, str],
    env: Mapping[str, str],
    workspace: Path,
    runner_temp: Path,
    github: Mapping[str, object] | None = None,
    timeout: float = 120,
) -> ActionResult:
    """Run the composite action in ``action_dir`` as a workflow step that ``uses:`` it.

    ``inputs`` is that step's ``with:``; ``env`` its env context (workflow, job and step
    ``env:``); ``github`` the github context (``sha``, ``event_name``, ``event`` as a dict...).
    Raises :class:`ActionRunnerError` for what this runner cannot do and
    :class:`~tests.actions_expressions.ExpressionError` for unsupported or invalid expressions.
    """
    action_dir, workspace, runner_temp = (p.resolve() for p in (action_dir, workspace, runner_temp))
    manifest = load_action(action_dir)
    (runner_temp / "_runner_file_commands").mkdir(parents=True, exist_ok=True)
    github_data = dict(github or {})
    if isinstance(github_data.get("event"), Mapping) and "event_path" not in github_data:
        event_path = runner_temp / "_github_workflow" / "event.json"
        event_path.parent.mkdir(parents=True, exist_ok=True)
        event_path.write_text(json.dumps(github_data["event"]), encoding="utf-8")
        github_data["event_path"] = str(event_path)
    github_data |= {"workspace": str(workspace), "action_path": str(action_dir)}
    deadline = time.monotonic() + timeout
    run = _ActionRun(manifest, env, (workspace, runner_temp), github_data, deadline)
    run.load_inputs(inputs)
    results = []
    for number, step in enumerate(manifest["runs"]["steps"], start=1):
        name = str(step.get("id") or ("__run" if number == 1 else f"__run_{number}"))
        if run.stopped:
            break
        result = run.run_step(step, name)
        run.failed = run.failed or result.conclusion == "failure"
        results.append(result)
        if "id" in step:
            context = {"outcome": result.outcome, "conclusion": result.conclusion}
            run.steps[name] = CaseInsensitiveDict(
                {"outputs": CaseInsensitiveDict(result.outputs), **context}
            )
    outputs: dict[str, str] = {}
    for output_name, output in (manifest.get("outputs") or {}).items():
        try:
            value = _scalar(output["value"], f"outputs.{output_name}")
            outputs[output_name] = evaluate_string(value, run.scope())
        except ExpressionEvaluationError as error:
            run.report("error", str(error), "")
            run.failed = True
    summary = "".join(run.summary)
    return ActionResult(outputs, results, summary, run.annotations, run.masked, run.failed)
