"""The GitHub Actions expression language (``${{ ... }}``), evaluated the way the runner does.

A small test double of the runner's evaluator (actions/runner ``Expressions2``; the same rules
are spelled out in actions/languageservices ``expressions/src``): literals (``null``, booleans,
numbers incl. ``0x``/``0o``/``NaN``/``Infinity``, ``'quoted'`` strings), ``!``, comparisons,
``==``/``!=`` (type coercion to numbers, case-insensitive strings), short-circuit ``&&``/``||``
returning an operand, ``a.b``/``a['b']``/``a[0]``/``a.*.b``, case-insensitive context keys
(``env`` excepted, as on Linux), and the functions ``success failure always cancelled format
contains startsWith endsWith join toJSON fromJSON``. Numbers print as .NET ``G15``.

Deviations are refusals, never a silent ``''``: other contexts and ``hashFiles()`` raise
:class:`UnsupportedExpressionError`, as do printing an object into a string and reading an
undeclared input or an unset ``github``/``runner`` key (GitHub prints ``''``; in a test that is
almost always a typo).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


class ExpressionError(Exception):
    """Base class of every expression error."""


class ExpressionSyntaxError(ExpressionError):
    """Not a valid expression: GitHub rejects the action before running it."""


class UnsupportedExpressionError(ExpressionError):
    """Valid on GitHub, but outside this test double (or a value the test did not provide)."""


class ExpressionEvaluationError(ExpressionError):
    """GitHub fails the step with this error too (bad JSON, bad format string...)."""


class CaseInsensitiveDict(Mapping[str, object]):
    """A context dictionary: keys match case-insensitively, original spelling is kept.

    ``missing`` decides what an absent key yields (GitHub: ``null``); strict contexts raise.
    """

    def __init__(
        self,
        data: Mapping[str, object] | None = None,
        missing: Callable[[str], object] | None = None,
    ) -> None:
        self._data: dict[str, tuple[str, object]] = {}
        self._missing = missing
        for key, value in (data or {}).items():
            self[key] = value

    def __setitem__(self, key: str, value: object) -> None:
        self._data[key.lower()] = (key, value)

    def __getitem__(self, key: str) -> object:
        return self._data[key.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self._data.values())

    def __len__(self) -> int:
        return len(self._data)

    def lookup(self, key: str) -> object:
        """Return the value under ``key`` as an expression sees it."""
        if key.lower() in self._data:
            return self._data[key.lower()][1]
        return self._missing(key) if self._missing else None


class _Filtered(list[object]):
    """The result of ``.*``: property access maps over its items."""


@dataclass
class Scope:
    """What an expression can see: contexts by lower-case name, and the action's status."""

    contexts: Mapping[str, Any] = field(default_factory=dict)
    action_failed: bool = False


Node = tuple[Any, ...]
_KNOWN_CONTEXTS = {"github", "inputs", "env", "steps", "runner", "job", "matrix", "strategy"}
_KNOWN_CONTEXTS |= {"secrets", "vars", "needs"}
_STATUS_FUNCTIONS = {"success", "failure", "always", "cancelled"}
_ARITY = {"format": (1, 255), "contains": (2, 2), "startswith": (2, 2), "endswith": (2, 2)}
_ARITY |= {"join": (1, 2), "tojson": (1, 1), "fromjson": (1, 1)}
_ARITY |= dict.fromkeys(_STATUS_FUNCTIONS, (0, 0))
_BOUNDARY = set("()[],.!><=&|")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_OPERATORS = ("==", "!=", "<=", ">=", "&&", "||", "(", ")", "[", "]", ",", "!", "<", ">", "*")


def parse_number(text: str) -> float:
    """Convert a string to a number as the runner does: '' is 0, garbage is NaN."""
    text = text.strip()
    if not text:
        return 0.0
    try:
        if text[:2] in ("0x", "0o") and len(text) > 2:
            return float(int(text[2:], 16 if text[1] == "x" else 8))
    except ValueError:
        return math.nan
    if text in ("Infinity", "+Infinity", "-Infinity"):
        return -math.inf if text[0] == "-" else math.inf
    return float(text) if _DECIMAL.match(text) else math.nan


def format_number(value: float) -> str:
    """Print a number like .NET's ``ToString("G15")`` (what ``${{ 1.5 }}`` prints)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    mantissa, _, exponent = format(value, ".15g").partition("e")
    return f"{mantissa}E{exponent}" if exponent else mantissa


def to_str(value: object) -> str:
    """Coerce an expression value to the string GitHub would print."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, str):
        return value
    kind = "an array" if isinstance(value, list) else "an object"
    raise UnsupportedExpressionError(f"cannot print {kind} into a string: wrap it in toJSON()")


def _to_number(value: object) -> float:
    if value is None or isinstance(value, bool):
        return float(bool(value))
    if isinstance(value, float):
        return value
    return parse_number(value) if isinstance(value, str) else math.nan


def truthy(value: object) -> bool:
    """JavaScript-like truthiness: null, false, 0, NaN and '' are false."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    return value != "" if isinstance(value, str) else True


def _upper(text: str) -> str:
    """Upper-case one character at a time (OrdinalIgnoreCase), leaving the dotless i alone."""
    return "".join(c if c == "\u0131" or len(c.upper()) != 1 else c.upper() for c in text)


def _kind(value: object) -> str:
    if value is None or isinstance(value, bool | float | str):
        return type(value).__name__
    return "object"


def _coerce(left: object, right: object) -> tuple[object, object]:
    if _kind(left) == _kind(right):
        return left, right
    if left is None or isinstance(left, bool):
        return _coerce(_to_number(left), right)
    if right is None or isinstance(right, bool):
        return _coerce(left, _to_number(right))
    if isinstance(left, float) and isinstance(right, str):
        return left, parse_number(right)
    if isinstance(left, str) and isinstance(right, float):
        return parse_number(left), right
    return left, right


def _compare(op: str, left: object, right: object) -> bool:
    if op == "!=":
        return not _compare("==", left, right)
    if op in ("<=", ">="):
        return _compare("==", left, right) or _compare(op[0], left, right)
    left, right = _coerce(left, right)
    if _kind(left) != _kind(right):
        return False
    if isinstance(left, str) and isinstance(right, str):
        left, right = _upper(left), _upper(right)
    elif isinstance(left, float) and isinstance(right, float):
        if math.isnan(left) or math.isnan(right):
            return False
    elif op == "==":
        return left is right  # null == null, booleans by value, objects by reference
    elif not isinstance(left, bool):
        return False
    if op == "==":
        return left == right
    return left < right if op == "<" else left > right  # type: ignore[operator]


def to_context(value: object) -> Any:
    """Turn JSON-like Python data into expression data (case-insensitive dicts, float numbers)."""
    if isinstance(value, Mapping):
        return CaseInsensitiveDict({str(k): to_context(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return [to_context(item) for item in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def _to_json(value: object) -> object:
    if isinstance(value, Mapping):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _lex(text: str) -> list[tuple[str, object]]:
    """Split an expression into (kind, value) tokens; kind is an operator, or num/str/id/lit."""
    tokens: list[tuple[str, object]] = []
    i = 0
    while i < len(text):
        char, previous = text[i], tokens[-1][0] if tokens else ""
        if char.isspace():
            i += 1
        elif char == "." and previous in ("id", "]", ")", "*"):
            tokens.append((".", "."))
            i += 1
        elif char == "'":
            end = i + 1
            while end < len(text) and (text[end] != "'" or text[end + 1 : end + 2] == "'"):
                end += 2 if text[end] == "'" else 1
            if end >= len(text):
                raise ExpressionSyntaxError(f"unterminated string in expression: {text}")
            tokens.append(("str", text[i + 1 : end].replace("''", "'")))
            i = end + 1
        elif char.isdigit() or char in "+-.":
            end = i + 1
            while end < len(text) and (text[end] == "." or not _is_boundary(text[end])):
                end += 1
            number = parse_number(text[i:end])
            if math.isnan(number):
                raise ExpressionSyntaxError(f"unexpected symbol {text[i:end]!r} in: {text}")
            tokens.append(("num", number))
            i = end
        elif operator := next((op for op in _OPERATORS if text.startswith(op, i)), None):
            tokens.append((operator, operator))
            i += len(operator)
        else:
            end = i
            while end < len(text) and not _is_boundary(text[end]):
                end += 1
            word = text[i:end]
            if not _IDENTIFIER.match(word):
                raise ExpressionSyntaxError(f"unexpected symbol {word or char!r} in: {text}")
            literals: dict[str, object] = {"true": True, "false": False, "null": None}
            if previous != "." and word in literals:
                tokens.append(("lit", literals[word]))
            elif previous != "." and word in ("NaN", "Infinity"):
                tokens.append(("num", parse_number(word) if word != "NaN" else math.nan))
            else:
                tokens.append(("id", word))
            i = end
    return [*tokens, ("eof", None)]


def _is_boundary(char: str) -> bool:
    return char in _BOUNDARY or char.isspace()


class _Parser:
    """Recursive descent over the runner's grammar, producing a tuple AST."""

    def __init__(self, text: str) -> None:
        self.text, self.tokens, self.pos = text, _lex(text), 0

    def parse(self) -> Node:
        node = self.binary(0)
        if self.tokens[self.pos][0] != "eof":
            raise ExpressionSyntaxError(f"unexpected {self.tokens[self.pos][1]!r} in: {self.text}")
        return node

    def take(self, *kinds: str) -> tuple[str, object] | None:
        if self.tokens[self.pos][0] in kinds:
            self.pos += 1
            return self.tokens[self.pos - 1]
        return None

    def expect(self, kind: str) -> tuple[str, object]:
        token = self.take(kind)
        if token is None:
            found = self.tokens[self.pos][1]
            raise ExpressionSyntaxError(f"expected {kind!r}, found {found!r} in: {self.text}")
        return token

    _LEVELS = (("||",), ("&&",), ("==", "!="), ("<", "<=", ">", ">="))

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while token := self.take(*self._LEVELS[level]):
            right = self.binary(level + 1)
            if token[0] in ("&&", "||"):
                node = ("logic", token[0], node, right)
            else:
                node = ("compare", token[0], node, right)
        return node

    def unary(self) -> Node:
        if self.take("!"):
            return ("not", self.unary())
        node = self.primary()
        while token := self.take(".", "["):
            if self.take("*"):
                node = ("star", node)
            elif token[0] == ".":
                node = ("index", node, ("lit", self.expect("id")[1]))
            else:
                node = ("index", node, self.binary(0))
            if token[0] == "[":
                self.expect("]")
        return node

    def primary(self) -> Node:
        if token := self.take("num", "str", "lit"):
            return ("lit", token[1])
        if self.take("("):
            node = self.binary(0)
            self.expect(")")
            return node
        name = str(self.expect("id")[1])
        if not self.take("("):
            if name.lower() not in _KNOWN_CONTEXTS:
                raise ExpressionSyntaxError(f"unrecognized named-value {name!r} in: {self.text}")
            return ("context", name.lower())
        args: list[Node] = []
        while not self.take(")"):
            if args:
                self.expect(",")
            args.append(self.binary(0))
        if name.lower() == "hashfiles":
            raise UnsupportedExpressionError("hashFiles() is not supported by this test runner")
        low, high = _ARITY.get(name.lower(), (-1, -1))
        if low < 0:
            raise ExpressionSyntaxError(f"unrecognized function {name!r} in: {self.text}")
        if not low <= len(args) <= high:
            raise ExpressionSyntaxError(f"{name}() takes {low}..{high} arguments: {self.text}")
        return ("call", name.lower(), *args)


def _index(obj: object, key: object) -> object:
    if isinstance(obj, _Filtered):
        items = (_index(item, key) for item in obj if isinstance(item, Mapping | list))
        return _Filtered(item for item in items if item is not None)
    if isinstance(obj, CaseInsensitiveDict) and not isinstance(key, Mapping | list):
        return obj.lookup(to_str(key))
    if isinstance(obj, Mapping) and isinstance(key, str):
        return obj.get(key)  # env: case-sensitive on Linux
    if isinstance(obj, list) and not isinstance(key, Mapping | list):
        number = _to_number(key)
        if number.is_integer() and 0 <= number < len(obj):
            return obj[int(number)]
    return None


def _evaluate(node: Node, scope: Scope) -> object:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "context":
        name = str(node[1])
        if name not in scope.contexts:
            raise UnsupportedExpressionError(
                f"the {name!r} context is not supported by this test runner in this field"
            )
        return scope.contexts[name]
    if kind == "index":
        return _index(_evaluate(node[1], scope), _evaluate(node[2], scope))
    if kind == "star":
        obj = _evaluate(node[1], scope)
        if isinstance(obj, Mapping):
            return _Filtered(obj.values())
        return _Filtered(obj if isinstance(obj, list) else [])
    if kind == "not":
        return not truthy(_evaluate(node[1], scope))
    if kind == "compare":
        left, right = (_evaluate(n, scope) for n in node[2:])
        return _compare(str(node[1]), left, right)
    if kind == "logic":
        left = _evaluate(node[2], scope)
        if truthy(left) == (node[1] == "||"):
            return left
        return _evaluate(node[3], scope)
    return _call(str(node[1]), [_evaluate(n, scope) for n in node[2:]], scope)


def _call(name: str, args: list[object], scope: Scope) -> object:
    primitive = [a is None or isinstance(a, bool | float | str) for a in args]
    if name in _STATUS_FUNCTIONS:
        return {"success": not scope.action_failed, "failure": scope.action_failed}.get(
            name, name == "always"
        )
    if name in ("contains", "startswith", "endswith"):
        if name == "contains" and isinstance(args[0], list):
            return any(_compare("==", args[1], item) for item in args[0])
        if not all(primitive):
            return False
        haystack, needle = _upper(to_str(args[0])), _upper(to_str(args[1]))
        method = {"contains": str.__contains__, "startswith": str.startswith}.get(name)
        return (method or str.endswith)(haystack, needle)
    if name == "join":
        separator = to_str(args[1]) if len(args) > 1 else ","
        if isinstance(args[0], list):
            return separator.join(to_str(i) if _kind(i) != "object" else "" for i in args[0])
        return to_str(args[0]) if primitive[0] else ""
    if name == "tojson":
        return json.dumps(_to_json(args[0]), indent=2, ensure_ascii=False)
    if name == "fromjson":
        try:
            return to_context(json.loads(to_str(args[0])))
        except ValueError as error:
            raise ExpressionEvaluationError(f"fromJSON: invalid JSON: {error}") from None
    return _format(to_str(args[0]), [to_str(a) for a in args[1:]])


def _format(template: str, args: list[str]) -> str:
    """``format()``: ``{N}`` placeholders, ``{{``/``}}`` escapes, anything else is an error."""
    out, i = [], 0
    for match in re.finditer(r"\{\{|\}\}|\{([0-9]+)\}|[{}]", template):
        out.append(template[i : match.start()])
        i = match.end()
        if match[0] in ("{{", "}}"):
            out.append(match[0][0])
        elif match[1] is None:
            raise ExpressionEvaluationError(f"the format string is invalid: {template}")
        elif int(match[1]) >= len(args):
            raise ExpressionEvaluationError(f"the format string needs more arguments: {template}")
        else:
            out.append(args[int(match[1])])
    return "".join([*out, template[i:]])


def _has_status_function(node: Node) -> bool:
    if node[0] == "call" and node[1] in _STATUS_FUNCTIONS:
        return True
    return any(isinstance(child, tuple) and _has_status_function(child) for child in node[1:])


def evaluate_expression(text: str, scope: Scope) -> object:
    """Evaluate the inside of one ``${{ }}``."""
    return _evaluate(_Parser(text).parse(), scope)


def _segments(text: str) -> list[tuple[bool, str]]:
    """Split a template into (is_expression, text) parts, skipping `}}` inside string literals."""
    parts: list[tuple[bool, str]] = []
    i = 0
    while (start := text.find("${{", i)) >= 0:
        end, quoted = start + 3, False
        while end < len(text) - 1 and (quoted or text[end : end + 2] != "}}"):
            quoted ^= text[end] == "'"
            end += 1
        if end >= len(text) - 1:
            raise ExpressionSyntaxError(f"an expression is not closed with '}}}}': {text}")
        if not text[start + 3 : end].strip():
            raise ExpressionSyntaxError(f"an expression was expected inside ${{{{ }}}}: {text}")
        parts += [(False, text[i:start]), (True, text[start + 3 : end])]
        i = end + 2
    return [part for part in [*parts, (False, text[i:])] if part[1]]


def evaluate_template(text: str, scope: Scope) -> object:
    """Evaluate a YAML string value: one whole ``${{ }}`` keeps its type, else a string."""
    parts = _segments(text)
    if len(parts) == 1 and parts[0][0]:
        return evaluate_expression(parts[0][1], scope)
    return "".join(to_str(evaluate_expression(t, scope)) if e else t for e, t in parts)


def evaluate_string(text: str, scope: Scope) -> str:
    """Evaluate a template into the string a field like ``run:`` or ``env:`` receives."""
    return to_str(evaluate_template(text, scope))


def evaluate_condition(text: str, scope: Scope) -> bool:
    """Evaluate an ``if:``: an expression with or without ``${{ }}``, default ``success()``.

    A condition without a status function is ``success() && (condition)``. Text around a
    ``${{ }}`` turns the whole value into a string, which is truthy when not empty: the
    well-known GitHub pitfall (actions/runner#1173), reproduced on purpose.
    """
    parts = _segments(text)
    if parts and not (len(parts) == 1 and parts[0][0]) and any(e for e, _ in parts):
        return not scope.action_failed and truthy(evaluate_string(text, scope))
    source = parts[0][1] if parts and parts[0][0] else text.strip()
    node = _Parser(source or "success()").parse()
    if not _has_status_function(node):
        node = ("logic", "&&", ("call", "success"), node)
    return truthy(_evaluate(node, scope))
