"""Install footprint: wandb-pr's runtime dependencies in a fresh virtualenv, and wandb's.

``measure_install`` needs the package registry (``pip install`` of this repository, no extras,
with build isolation, into a new virtualenv): it is optional. ``installed_closure`` needs no
network: it adds up the disk usage of the site-packages entries (packages, modules,
``.dist-info``) that the ``RECORD`` of a distribution installed in this interpreter's
environment names, and of everything it requires (extras excluded). Both count disk usage as
``du`` does: allocated blocks, compiled ``.pyc`` files included, shared directories once.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["Footprint", "installed_closure", "measure_install"]

_TOOLING = ("pip", "setuptools", "pkg_resources", "_distutils_hack", "distutils-precedence.pth")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")
_EXTRA = re.compile(r"\bextra\s*==")


@dataclass(frozen=True)
class Footprint:
    """What an install left on disk."""

    label: str
    """What was installed."""
    size_bytes: int
    """Disk usage."""
    distributions: tuple[str, ...]
    """``name==version`` of every distribution counted."""
    seconds: float | None = None
    """How long ``pip install`` took, when it was timed."""


def measure_install(project: Path, workdir: Path) -> Footprint:
    """``pip install PROJECT`` into a fresh virtualenv; disk usage without pip and setuptools."""
    venv = workdir / "install-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    started = time.perf_counter()
    done = subprocess.run(
        [*pip, "install", "--no-cache-dir", str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"pip install failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    [site] = venv.glob("lib/python*/site-packages")
    kept = [path for path in site.iterdir() if not _is_tooling(path.name)]
    names = sorted(
        path.name.removesuffix(".dist-info").replace("-", "==", 1)
        for path in kept
        if path.name.endswith(".dist-info")
    )
    size = sum(_disk_usage(path) for path in kept)
    return Footprint("wandb-pr (fresh virtualenv, du)", size, tuple(names), seconds)


def installed_closure(name: str) -> Footprint:
    """A distribution installed here and its requirements (extras excluded), from ``RECORD``."""
    seen: dict[str, metadata.Distribution] = {}
    pending = [name]
    while pending:
        wanted = _normalise(pending.pop())
        if wanted in seen:
            continue
        try:
            dist = metadata.distribution(wanted)
        except metadata.PackageNotFoundError:
            continue  # a requirement for another platform or Python
        seen[wanted] = dist
        for requirement in dist.requires or ():
            match = _NAME.match(requirement)
            if match and not _EXTRA.search(requirement):
                pending.append(match.group(0))
    entries = {
        Path(str(dist.locate_file(""))) / file.parts[0]
        for dist in seen.values()
        for file in dist.files or ()
        if file.parts[0] != ".."  # console scripts in bin/
    }
    size = sum(_disk_usage(entry) for entry in entries if entry.exists())
    names = sorted(f"{d.metadata['Name']}=={d.version}" for d in seen.values())
    return Footprint(f"{name} and its requirements (in .venv, du)", size, tuple(names))


def _is_tooling(entry: str) -> bool:
    """Whether a site-packages entry belongs to pip or setuptools."""
    base = entry.split("-")[0] if entry.endswith(".dist-info") else entry
    return base in _TOOLING or entry in _TOOLING


def _disk_usage(path: Path) -> int:
    """Bytes allocated on disk, as ``du`` counts them."""
    if path.is_symlink() or path.is_file():
        return path.lstat().st_blocks * 512
    return path.lstat().st_blocks * 512 + sum(_disk_usage(child) for child in path.iterdir())


def _normalise(name: str) -> str:
    """A distribution name in its canonical form."""
    return re.sub(r"[-_.]+", "-", name).lower()
