"""Install wandb-pr for the Action: locked, hash-checked wheels in a virtualenv, no build step.

Run by ``setup.sh`` with the interpreter the workflow chose (the ``python`` input), standard
library only:

    python install.py ROOT VENV LOCK        install (or reuse) and set the step output ``python``
    python install.py --key ROOT LOCK       print the install key (what the stamp must hold)

Every distribution comes from ``ROOT/action/LOCK`` (``requirements.lock``, or
``requirements-local.lock`` when ``runs-dir`` is set), installed with ``--require-hashes`` and
``--only-binary :all:``: pip refuses any file whose SHA-256 is not in the lock, so neither the
package index nor a pip cache shared between jobs can slip in other code, and no ``setup.py``
or build backend runs. wandb-pr itself is not built or installed: a ``.pth`` file puts
``ROOT/src`` on the virtualenv's path, so the code that runs is exactly the action's checkout.

The stamp in the virtualenv holds the key (wandb-pr's version and folder, the interpreter's
path and version, the lock's name and SHA-256) and the virtualenv's interpreter; a later step
with the same key reuses the virtualenv, any difference installs afresh. The virtualenv's
interpreter is the one ``venv`` reports (``bin/python``, or ``Scripts\\python.exe`` on Windows).
"""

import hashlib
import os
import re
import subprocess
import sys
import types
import venv
from pathlib import Path

STAMP = ".wandb-pr-installed"


def install_key(root: str, lock_name: str) -> str:
    """What decides whether an existing virtualenv can be reused."""
    init = (Path(root) / "src" / "wandb_pr" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "(.*)"$', init, re.MULTILINE)
    digest = hashlib.sha256((Path(root) / "action" / lock_name).read_bytes()).hexdigest()
    version = found.group(1) if found else "unknown"
    python = f"{sys.executable} {sys.version.split()[0]}"
    return f"wandb-pr {version} from {root}; python {python}; {lock_name} sha256:{digest}"


class _Builder(venv.EnvBuilder):
    """A virtualenv builder that remembers where the new interpreter is."""

    executable = ""

    def post_setup(self, context: types.SimpleNamespace) -> None:
        self.executable = context.env_exe


def _reusable(venv_dir: str, key: str) -> str:
    """The virtualenv's interpreter when the stamp matches ``key`` and it exists, else ''."""
    try:
        lines = (Path(venv_dir) / STAMP).read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    if len(lines) == 2 and lines[0] == key and Path(lines[1]).is_file():
        return lines[1]
    return ""


def install(root: str, venv_dir: str, lock_name: str) -> str:
    """Create the virtualenv and install the lock into it; return its interpreter."""
    builder = _Builder(clear=True, with_pip=True)
    builder.create(venv_dir)
    python = builder.executable
    cache = str(Path(os.environ.get("RUNNER_TOOL_CACHE") or venv_dir) / "wandb-pr-pip-cache")
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    pip += ["--no-input", "--require-hashes", "--only-binary", ":all:", "--cache-dir", cache]
    subprocess.run([*pip, "-r", str(Path(root) / "action" / lock_name)], check=True)
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(purelib) / "wandb_pr_src.pth").write_text(f"{Path(root) / 'src'}\n", encoding="utf-8")
    return python


def main(argv: "list[str]") -> int:
    """Install or reuse; print the key with ``--key``."""
    if argv[1:2] == ["--key"]:
        print(install_key(argv[2], argv[3]))
        return 0
    root, venv_dir, lock_name = argv[1:4]
    key = install_key(root, lock_name)
    python = _reusable(venv_dir, key)
    if python:
        print(f"wandb-pr is already installed in {venv_dir} ({lock_name})")
    else:
        print(f"::group::Installing wandb-pr from {lock_name} (hashes required)", flush=True)
        python = install(root, venv_dir, lock_name)
        (Path(venv_dir) / STAMP).write_text(f"{key}\n{python}\n", encoding="utf-8")
        print("::endgroup::")
    with Path(os.environ["GITHUB_OUTPUT"]).open("a", encoding="utf-8") as handle:
        handle.write(f"python={python}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
