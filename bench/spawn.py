"""Spawn one command, wait for it, and print its timing and peak memory as one JSON line.

Usage: ``python -I -S bench/spawn.py LOG -- COMMAND...``. The command inherits this process's
environment and working directory; its output goes to LOG.

Why a wrapper: Linux carries a process's ``ru_maxrss`` across ``exec``, and Python spawns
children with ``vfork`` or ``posix_spawn``, so a child's reported peak starts at its parent's
peak RSS. Measured from the benchmark (which holds a 20,000-run W&B server in memory) every
child would seem to use 300 MB. This wrapper is small (about 10 MB; the benchmark prints it as
the floor), so ``os.wait4``'s ``ru_maxrss`` is the command's own high-water mark whenever it
exceeds that.
"""

import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    """Run ``argv[2:]`` (after ``LOG --``) and print what was measured."""
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    log, _, *command = argv
    output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    redirect = [(os.POSIX_SPAWN_DUP2, output, 1), (os.POSIX_SPAWN_DUP2, output, 2)]
    started_wall = time.time()
    started = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ, file_actions=redirect)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    os.close(output)
    result = {
        "started_wall": started_wall,
        "to_exit": elapsed,
        "returncode": os.waitstatus_to_exitcode(status),
        "peak_rss_kib": usage.ru_maxrss,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
