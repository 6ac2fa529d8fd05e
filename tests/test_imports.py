"""wandb-pr's modules import one another one way: no cycles, and nothing imports the entry layer."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "wandb_pr"


def module_name(path: Path) -> str:
    """``wandb_pr.a.b`` for ``src/wandb_pr/a/b.py`` (a package by its ``__init__``)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of the package by name."""
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports anywhere in its body, functions included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in known else base)
    return {module for module in found if module in known and module != name}


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_graph_sees_function_local_imports() -> None:
    """An import inside a function counts: the entry's lazy imports are in the graph."""
    graph = import_graph()
    assert "wandb_pr.entry.report" in graph["wandb_pr.entry.cli"]
    assert "wandb_pr.errors" in graph["wandb_pr.entry.cli"]


def test_cycles_are_found() -> None:
    """The cycle finder reports a two-module loop and leaves a chain alone."""
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_import_cycles() -> None:
    """No module of wandb_pr imports itself through others, at import time or in a function."""
    assert cycles(import_graph()) == []


def test_nothing_below_the_entry_layer_imports_it() -> None:
    """Only entry modules (and ``python -m wandb_pr``) import ``wandb_pr.entry``."""
    graph = import_graph()
    callers = {
        name
        for name, imported in graph.items()
        if any(m.startswith("wandb_pr.entry") for m in imported)
        and not name.startswith("wandb_pr.entry")
    }
    assert callers == {"wandb_pr.__main__"}


def test_the_offline_reader_does_not_import_the_graphql_client() -> None:
    """Reading offline files needs nothing from the W&B GraphQL modules."""
    graph = import_graph()
    assert "wandb_pr.sources.wandb_keys" in graph["wandb_pr.sources.offline"]
    graphql = {"wandb_pr.sources.wandb_query", "wandb_pr.sources.wandb_api"}
    assert graph["wandb_pr.sources.offline"] & graphql == set()


def test_help_builds_its_flags_without_the_pipeline() -> None:
    """`wandb-pr --help` reads the option table alone: no pipeline, settings or HTTP client."""
    code = (
        "import io, sys, contextlib\n"
        "from wandb_pr.entry.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['report', '--help'])\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "wandb_pr.options" in loaded
    heavy = (
        "httpx",
        "wandb_pr.pipeline",
        "wandb_pr.settings",
        "wandb_pr.render",
        "wandb_pr.compare",
    )
    assert [m for m in loaded if m.startswith(heavy)] == []
