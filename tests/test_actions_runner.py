"""Tests of the composite-action executor (tests/actions_runner.py) on small fixture actions."""

from __future__ import annotations

import json
import tempfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.actions_expressions import (
    CaseInsensitiveDict,
    ExpressionError,
    ExpressionSyntaxError,
    Scope,
    UnsupportedExpressionError,
    evaluate_condition,
    evaluate_expression,
    evaluate_string,
    to_context,
)
from tests.actions_runner import (
    ActionResult,
    ActionRunnerError,
    FileCommandError,
    parse_file_command,
    run_composite_action,
)


def run(
    root: Path,
    action: str,
    inputs: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    github: dict[str, object] | None = None,
    timeout: float = 30,
) -> ActionResult:
    """Write ``action`` as ``root/action/action.yml`` and run it with a fresh workspace."""
    (root / "action").mkdir(parents=True, exist_ok=True)
    (root / "action" / "action.yml").write_text(textwrap.dedent(action), encoding="utf-8")
    for folder in ("workspace", "temp"):
        (root / folder).mkdir(exist_ok=True)
    return run_composite_action(
        root / "action",
        inputs=inputs or {},
        env=env or {},
        workspace=root / "workspace",
        runner_temp=root / "temp",
        github=github,
        timeout=timeout,
    )


def steps(*scripts: str, extra: str = "") -> str:
    """A composite action of bash steps; ``"if: x;; echo"`` puts step keys before the script."""
    body = ""
    for script in scripts:
        *keys, command = script.split(";; ")
        body += "    - shell: bash\n" + "".join(f"      {key}\n" for key in keys)
        body += f"      run: {json.dumps(command)}\n"
    return f"{extra}\nruns:\n  using: composite\n  steps:\n{body}"


def test_inputs_defaults_and_case_insensitive_names(tmp_path: Path) -> None:
    """Defaults apply, given inputs win, ``required`` is not enforced, names ignore case."""
    result = run(
        tmp_path,
        """
        inputs:
          Who: {default: world}
          greeting: {required: true}
          count: {default: 3}
        runs:
          using: composite
          steps:
            - shell: bash
              env: {A: "${{ inputs.who }}", B: "${{ inputs['GREETING'] }}"}
              run: echo "$A|$B|${{ inputs.Count }}"
        """,
        inputs={"COUNT": "7"},
    )
    assert result.steps[0].stdout == "world||7\n"
    assert not result.failed
    assert result.annotations == []


def test_unexpected_input_is_only_a_warning(tmp_path: Path) -> None:
    """An undeclared input is warned about (as GitHub does) and still readable."""
    result = run(tmp_path, steps("echo ${{ inputs.extra }}"), inputs={"extra": "x"})
    assert result.steps[0].stdout == "x\n"
    assert [a.level for a in result.annotations] == ["warning"]
    assert "Unexpected input(s) 'extra'" in result.annotations[0].message


def test_yaml_scalars_are_read_as_yaml_1_2_like_github(tmp_path: Path) -> None:
    """``yes``/``on`` stay strings, ``010`` is ten, ``1.50`` prints as 1.5, null as ''."""
    extra = "inputs: {a: {default: yes}, b: {default: on}, c: {default: 010}, d: {default: 1.50},"
    extra += " e: {default: true}, f: {default: null}, g: {default: 0x1F}}"
    script = "echo '${{ inputs.a }} ${{ inputs.b }} ${{ inputs.c }} ${{ inputs.d }} "
    script += "${{ inputs.e }} [${{ inputs.f }}] ${{ inputs.g }}'"
    assert run(tmp_path, steps(script, extra=extra)).steps[0].stdout == "yes on 10 1.5 true [] 31\n"


def test_outputs_map_single_line_and_multiline_values(tmp_path: Path) -> None:
    """Declared outputs evaluate ``value:`` against step outputs, heredoc values included."""
    result = run(
        tmp_path,
        """
        outputs:
          one: {value: "${{ steps.produce.outputs.ONE }}"}
          lines: {value: "${{ steps.produce.outputs.lines }}"}
          both: {value: "[${{ steps.produce.outputs.one }}|${{ steps.produce.outcome }}]"}
        runs:
          using: composite
          steps:
            - id: produce
              shell: bash
              run: |
                echo "one=1=2" >> "$GITHUB_OUTPUT"
                { echo "lines<<EOF_7f3"; printf 'a\\n\\nb\\n'; echo "EOF_7f3"; } >> "$GITHUB_OUTPUT"
        """,
    )
    assert result.outputs == {"one": "1=2", "lines": "a\n\nb", "both": "[1=2|success]"}
    assert result.step("produce").outputs == {"one": "1=2", "lines": "a\n\nb"}


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ("a=b\n\nc=\n", [("a", "b"), ("c", "")]),
        ("a=b<<c\n", [("a", "b<<c")]),  # '=' comes first
        ("a<<E=F\nx\nE=F\n", [("a", "x")]),  # '<<' comes first
        ("a<<EOF\nEOF\n", [("a", "")]),
        ("a<<EOF\nx\r\nEOF", [("a", "x\r")]),  # only \n ends a line on Linux
        ("a=1\na=2\n", [("a", "1"), ("a", "2")]),
    ],
)
def test_file_command_syntax_matches_the_runner(text: str, pairs: list[tuple[str, str]]) -> None:
    """``NAME=value`` and ``NAME<<DELIM`` parse as the runner's EnvFileKeyValuePairs does."""
    assert parse_file_command(text) == pairs


@pytest.mark.parametrize(
    "text", ["junk\n", "=value\n", "<<EOF\nx\nEOF\n", "a<<EOF\nx\n", "a<<EOF\nx", "a<<\nx\n"]
)
def test_malformed_file_commands_are_rejected(text: str, tmp_path: Path) -> None:
    """A malformed ``$GITHUB_OUTPUT`` raises, and fails the step that wrote it."""
    with pytest.raises(FileCommandError):
        parse_file_command(text)
    result = run(tmp_path, steps(f"printf {json.dumps(text)} > $GITHUB_OUTPUT"))
    assert result.failed
    assert result.steps[0].exit_code == 0
    assert "Unable to process file command 'output'" in result.annotations[0].message


def test_github_env_reaches_later_steps_with_the_runner_precedence(tmp_path: Path) -> None:
    """``$GITHUB_ENV`` feeds later steps, below the caller's env and the step's ``env:``."""
    result = run(
        tmp_path,
        steps(
            'echo "NEW=1" >> $GITHUB_ENV; echo "CALLER=env" >> $GITHUB_ENV; echo "[$NEW]"',
            "env: {STEP: '${{ env.NEW }}', CALLER: step};; echo $NEW $CALLER $STEP",
            "echo $NEW $CALLER ${{ env.NEW }}",
            "env: {GITHUB_WORKSPACE: nope};; echo $GITHUB_WORKSPACE",
        ),
        env={"CALLER": "caller"},
    )
    outs = [s.stdout for s in result.steps]
    assert outs[:3] == ["[]\n", "1 step 1\n", "1 caller 1\n"]
    assert outs[3] == f"{(tmp_path / 'workspace').resolve()}\n"


def test_github_path_is_prepended_for_later_steps(tmp_path: Path) -> None:
    """Directories added to ``$GITHUB_PATH`` come first in PATH, latest first."""
    tools = tmp_path / "tools"
    for name in ("one", "two"):
        (tools / name).mkdir(parents=True)
        (tools / name / "tool").write_text(f"#!/bin/sh\necho {name}\n")
        (tools / name / "tool").chmod(0o755)
    result = run(
        tmp_path,
        steps(
            f"echo {tools}/one >> $GITHUB_PATH; echo {tools}/two >> $GITHUB_PATH",
            "tool; echo ${PATH%%:*}",
        ),
    )
    assert result.steps[1].stdout == f"two\n{tools}/two\n"


def test_runner_environment_and_working_directory(tmp_path: Path) -> None:
    """Steps get GITHUB_*/RUNNER_* variables and run in the workspace or ``working-directory``."""
    (tmp_path / "workspace" / "sub").mkdir(parents=True)
    result = run(
        tmp_path,
        steps(
            "pwd; echo $GITHUB_ACTION_PATH $RUNNER_OS $CI $GITHUB_ACTIONS $GITHUB_SHA",
            "working-directory: sub;; pwd; cat $GITHUB_EVENT_PATH; test -f $GITHUB_STEP_SUMMARY",
        ),
        github={"sha": "abc123", "event_name": "push", "event": {"after": "abc123"}},
    )
    action, workspace = (tmp_path / "action").resolve(), (tmp_path / "workspace").resolve()
    assert result.steps[0].stdout == f"{workspace}\n{action} Linux true true abc123\n"
    assert result.steps[1].stdout == f"{workspace}/sub\n" + '{"after": "abc123"}'
    env = result.steps[0].env
    assert env["RUNNER_TEMP"] == str((tmp_path / "temp").resolve())
    assert env["GITHUB_OUTPUT"] != result.steps[1].env["GITHUB_OUTPUT"]  # a fresh file per step


def test_bash_runs_with_errexit_and_pipefail(tmp_path: Path) -> None:
    """``shell: bash`` is ``bash --noprofile --norc -e -o pipefail {0}``: a failed pipe stops."""
    result = run(tmp_path, steps("echo $-; false | true; echo unreachable"))
    assert "e" in result.steps[0].stdout.split()[0]
    assert "unreachable" not in result.steps[0].stdout
    assert result.steps[0].exit_code == 1
    assert result.failed


def test_failure_skips_later_steps_unless_their_condition_says_otherwise(tmp_path: Path) -> None:
    """After a failure only ``always()``/``failure()`` steps run; outcomes reach ``steps``."""
    result = run(
        tmp_path,
        steps(
            "echo ok",
            "id: boom;; echo 'x=1' >> $GITHUB_OUTPUT; exit 3",
            "echo skipped by default",
            "if: success();; echo skipped too",
            "if: failure();; echo ${{ steps.boom.outcome }} ${{ steps.boom.outputs.x }}",
            "if: always();; echo ${{ github.action_status }}",
        ),
    )
    assert [s.outcome for s in result.steps] == [
        "success",
        "failure",
        "skipped",
        "skipped",
        "success",
        "success",
    ]
    assert [s.stdout for s in result.steps[4:]] == ["failure 1\n", "failure\n"]
    assert result.failed
    assert [(a.level, a.message, a.step) for a in result.annotations] == [
        ("error", "Process completed with exit code 3.", "boom")
    ]


def test_continue_on_error_keeps_the_action_successful(tmp_path: Path) -> None:
    """A failing ``continue-on-error`` step has outcome failure, conclusion success."""
    result = run(
        tmp_path,
        steps(
            "id: soft;; continue-on-error: ${{ inputs.lenient == 'yes' }};; exit 1",
            "echo ${{ steps.soft.outcome }} ${{ steps.soft.conclusion }}",
        ),
        inputs={"lenient": "YES"},
    )
    assert (result.steps[0].outcome, result.steps[0].conclusion) == ("failure", "success")
    assert result.steps[1].stdout == "failure success\n"
    assert not result.failed


@pytest.mark.parametrize(
    ("condition", "runs"),
    [
        ("", True),
        ("false", False),
        ("inputs.flag == 'TRUE'", True),  # strings compare case-insensitively
        ("${{ inputs.flag != 'true' }}", False),
        ("inputs.flag && inputs.empty", False),
        ("'${{ false }}'", True),  # text around ${{ }}: a non-empty string, always true
        ("${{ false }} ", True),
        ("!inputs.empty", True),
        ("always() && false", False),
        ("github.event_name == 'pull_request' || env.MODE == 'all'", True),
        ("contains(fromJSON('[\"a\",\"b\"]'), 'B') && startsWith('abc', 'A')", True),
    ],
)
def test_if_conditions(condition: str, runs: bool, tmp_path: Path) -> None:
    """``if:`` is an expression with or without ``${{ }}``, defaulting to ``success()``."""
    action = steps(f"if: {json.dumps(condition)};; echo ran")
    result = run(
        tmp_path,
        action,
        inputs={"flag": "true", "empty": ""},
        env={"MODE": "all"},
        github={"event_name": "push"},
    )
    assert (result.steps[0].outcome == "success") is runs


def test_workflow_commands_annotations_masks_and_summary(tmp_path: Path) -> None:
    """``::error``/``::warning``/``::notice`` become annotations, ``::add-mask::`` masks."""
    result = run(
        tmp_path,
        steps(
            'echo "::error file=a%2Cb.py,line=3,title=T%3A1::bad%0Aline 100%25"',
            'echo "  ::warning::on stderr" >&2; echo "::notice::n"; echo "::add-mask::s3cret"',
            'echo "::stop-commands::tok"; echo "::error::ignored"; echo "::tok::"',
            'S=$GITHUB_STEP_SUMMARY; echo "# Report s3cret" >> $S; printf "x\\r\\n" >> $S',
            'echo "second" >> $GITHUB_STEP_SUMMARY',
        ),
    )
    assert [(a.level, a.message, dict(a.properties)) for a in result.annotations] == [
        ("error", "bad\nline 100%", {"file": "a,b.py", "line": "3", "title": "T:1"}),
        ("notice", "n", {}),
        ("warning", "on stderr", {}),
    ]
    assert result.masked == ["s3cret"]
    assert result.step_summary == "# Report ***\nx\nsecond\n"


def test_uses_steps_are_refused_only_when_they_would_run(tmp_path: Path) -> None:
    """A ``uses:`` step raises a clear error when reached; a skipped one is fine."""
    action = "runs:\n  using: composite\n  steps:\n    - uses: actions/checkout@v4\n      if: {}\n"
    assert run(tmp_path, action.format("false")).steps[0].outcome == "skipped"
    with pytest.raises(ActionRunnerError, match="not supported by this test runner"):
        run(tmp_path, action.format("true"))


@pytest.mark.parametrize(
    "action",
    [
        "runs:\n  using: node20\n  main: index.js\n",
        "runs:\n  using: composite\n  steps:\n    - run: echo no shell\n",
        "outputs:\n  x: {description: no value}\nruns:\n  using: composite\n  steps: []\n",
    ],
)
def test_actions_this_runner_cannot_run_are_rejected(action: str, tmp_path: Path) -> None:
    """Non-composite actions, run steps without ``shell`` and outputs without ``value`` raise."""
    with pytest.raises(ActionRunnerError):
        run(tmp_path, action)


@pytest.mark.parametrize(
    ("script", "error"),
    [
        ("echo ${{ secrets.TOKEN }}", UnsupportedExpressionError),
        ("echo ${{ hashFiles('**/x') }}", UnsupportedExpressionError),
        ("echo ${{ inputs.undeclared }}", UnsupportedExpressionError),
        ("echo ${{ github.not_given }}", UnsupportedExpressionError),
        ("echo ${{ steps.nope.outputs.x }}", UnsupportedExpressionError),
        ("echo ${{ fromJSON('{}') }}", UnsupportedExpressionError),
        ("echo ${{ inputs.a == }}", ExpressionSyntaxError),
        ("echo ${{ nosuch() }}", ExpressionSyntaxError),
        ("echo ${{ 'unclosed }}", ExpressionSyntaxError),
        ("echo ${{ inputs.a ", ExpressionSyntaxError),
    ],
)
def test_unsupported_or_invalid_expressions_raise(
    script: str, error: type[ExpressionError], tmp_path: Path
) -> None:
    """Nothing unsupported silently becomes '': the run raises instead."""
    with pytest.raises(error):
        run(tmp_path, steps(script, extra="inputs:\n  a: {default: x}\n"))


def test_evaluation_errors_fail_the_step_like_on_github(tmp_path: Path) -> None:
    """Run-time errors GitHub raises too fail the step; in ``if:`` they stop the action."""
    always = "if: always();; echo after"
    result = run(tmp_path, steps("echo ${{ format('{1}', 'a') }}", always))
    assert [s.outcome for s in result.steps] == ["failure", "success"]
    assert "format string" in result.annotations[0].message
    assert result.failed
    result = run(tmp_path, steps("if: fromJSON('nope');; echo x", always))
    assert [s.outcome for s in result.steps] == ["failure"]
    assert "invalid JSON" in result.annotations[0].message


def test_timeout_kills_the_step(tmp_path: Path) -> None:
    """A step running past ``timeout`` is killed and reported."""
    with pytest.raises(ActionRunnerError, match="timeout"):
        run(tmp_path, steps("sleep 5"), timeout=0.3)


SCOPE = Scope(
    {
        "inputs": CaseInsensitiveDict({"Name": "World", "n": "3", "empty": ""}),
        "env": {"Mode": "fast"},
        "github": to_context({"event": {"labels": [{"name": "bug"}, {"name": "ci"}]}}),
    }
)


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("inputs.name", "World"),
        ("inputs['NAME'] == 'world'", True),
        ("inputs.n == 3 && inputs.n < 10 && '0x10' == 16", True),
        ("inputs.empty || 'fallback'", "fallback"),
        ("inputs.name && inputs.empty", ""),
        ("!inputs.empty && !0 && !null && !''", True),
        ("null == 0 && true == 1 && 'abc' != 'abd' && (1 > 2 || 2 >= 2)", True),
        ("env.Mode == 'fast' && env.mode == null", True),
        ("format('{0}-{1}-{{x}}', inputs.name, 1.5)", "World-1.5-{x}"),
        ("contains('Hello', 'ELL') && endsWith('a.yml', '.YML')", True),
        ("contains(github.event.labels.*.name, 'CI')", True),
        ("join(github.event.labels.*.name, ', ')", "bug, ci"),
        ("fromJSON('{\"a\": [1, 2.5]}').a[1]", 2.5),
        ("toJSON(fromJSON('{\"a\": [1]}'))", '{\n  "a": [\n    1\n  ]\n}'),
        ("github.event.labels[5].name", None),
        ("'it''s'", "it's"),
    ],
)
def test_expression_semantics(expression: str, value: object) -> None:
    """Operators, coercions, indexing, filters and functions follow GitHub's rules."""
    assert evaluate_expression(expression, SCOPE) == value


def test_numbers_print_like_dotnet() -> None:
    """Numbers interpolated into strings print as .NET's G15 format, as on GitHub."""
    text = "${{ 10 }} ${{ 1e20 }} ${{ 0.1 }} ${{ 1.0 }} ${{ 0x10 == 16 }} ${{ null }}."
    assert evaluate_string(text, SCOPE) == "10 1E+20 0.1 1 true ."


def test_status_functions_follow_the_action_status() -> None:
    """``success()`` and ``failure()`` read the composite action's own status."""
    failed = Scope(SCOPE.contexts, action_failed=True)
    assert not evaluate_condition("inputs.name", failed)
    assert evaluate_condition("failure() && inputs.name", failed)
    assert evaluate_condition("${{ cancelled() || always() }}", failed)


@settings(max_examples=40, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00")))
@example("${{ github.sha }} $(id) `id` ' \" \\ %0A\n\r\t")
def test_any_input_reaches_the_step_env_byte_for_byte(value: str) -> None:
    """An input mapped into ``env:`` arrives unchanged and is never spliced into the script."""
    run_text = 'printf %s "$VALUE" > "$RUNNER_TEMP/value"; cat "$0"'
    with tempfile.TemporaryDirectory() as root:
        result = run(
            Path(root),
            steps(f"env: {{VALUE: '${{{{ inputs.v }}}}'}};; {run_text}"),
            inputs={"v": value},
            github={"sha": "abc"},
        )
        written = (Path(root) / "temp" / "value").read_bytes()
    assert written == value.encode("utf-8")
    assert result.steps[0].env["VALUE"] == value
    assert result.steps[0].stdout == run_text
