"""The Action's lock files cover pyproject.toml's dependencies, pinned and hashed, and the
install step is keyed on them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

REPO = Path(__file__).resolve().parents[1]
PYTHONS = ("3.10", "3.11", "3.12", "3.13")


def pins(lock: str) -> list[tuple[Requirement, list[str]]]:
    """Each requirement of a lock file with its hash options."""
    found: list[tuple[Requirement, list[str]]] = []
    for line in (REPO / "action" / lock).read_text().splitlines():
        stripped = line.strip().rstrip("\\").strip()
        if line[:1].isalnum():
            found.append((Requirement(stripped), []))
        elif stripped.startswith("--hash="):
            found[-1][1].append(stripped)
    return found


def applicable(lock: str, python: str) -> dict[str, str]:
    """``{name: version}`` of the pins that apply on ``python`` (Linux, CPython)."""
    env = {"python_version": python, "python_full_version": f"{python}.0"}
    return {
        requirement.name: str(requirement.specifier).removeprefix("==")
        for requirement, _ in pins(lock)
        if requirement.marker is None or requirement.marker.evaluate(env)
    }


def declared(extra: str | None = None) -> list[Requirement]:
    """pyproject.toml's runtime dependencies, or those of an extra."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    texts = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(text) for text in texts]


@pytest.mark.parametrize(
    ("lock", "required"),
    [
        ("requirements.lock", declared()),
        ("requirements-local.lock", declared() + declared("local")),
    ],
    ids=["runtime", "local"],
)
@pytest.mark.parametrize("python", PYTHONS)
def test_locks_pin_what_pyproject_declares(
    lock: str, required: list[Requirement], python: str
) -> None:
    """Each declared dependency has one pin per Python, inside its specifier."""
    pinned = applicable(lock, python)
    for requirement in required:
        assert requirement.name in pinned, f"{lock} does not pin {requirement.name}"
        assert requirement.specifier.contains(pinned[requirement.name], prereleases=True)


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-local.lock"])
def test_every_pin_is_exact_and_hashed(lock: str) -> None:
    """Every line pins one version with ``==`` and carries SHA-256 hashes; wandb-pr is not in it."""
    found = pins(lock)
    assert len(found) >= 8
    for requirement, hashes in found:
        assert str(requirement.specifier).startswith("=="), requirement
        assert hashes, f"{requirement} has no --hash"
        assert all(h.startswith("--hash=sha256:") and len(h) == 14 + 64 for h in hashes)
    assert "wandb-pr" not in {requirement.name for requirement, _ in found}


def test_exceptiongroup_is_locked_for_python_3_10_only() -> None:
    """Markers keep backports to the Pythons that need them."""
    assert "exceptiongroup" in applicable("requirements.lock", "3.10")
    assert "exceptiongroup" not in applicable("requirements.lock", "3.11")


def test_runs_dir_installs_the_same_versions_as_the_runtime_lock() -> None:
    """The [local] lock is a superset of the runtime lock with the same pins."""
    for python in PYTHONS:
        runtime, local = (
            applicable("requirements.lock", python),
            applicable("requirements-local.lock", python),
        )
        assert runtime.items() <= local.items()
        assert "wandb" in local


def test_install_key_names_the_interpreter_and_the_lock(tmp_path: Path) -> None:
    """The stamp's key changes with the interpreter and with the lock's content."""
    python3 = shutil.which("python3")
    assert python3 is not None

    def key(python: str, root: Path) -> str:
        command = [python, str(REPO / "action" / "install.py"), "--key", str(root)]
        command.append("requirements.lock")
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout

    copy = tmp_path / "copy"
    for part in ("action", "src/wandb_pr"):
        (copy / part).mkdir(parents=True)
    shutil.copy(REPO / "action" / "requirements.lock", copy / "action")
    shutil.copy(REPO / "src" / "wandb_pr" / "__init__.py", copy / "src" / "wandb_pr")
    before = key(python3, copy)
    assert f"from {copy};" in before
    assert "requirements.lock sha256:" in before
    assert key(python3, copy) == before
    assert Path(sys.executable) != Path(python3)  # this test environment's, not the system's
    assert key(sys.executable, copy) != before
    with (copy / "action" / "requirements.lock").open("a") as handle:
        handle.write("# changed\n")
    assert key(python3, copy) != before
