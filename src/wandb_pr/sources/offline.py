"""Read the runs that ``wandb`` wrote to disk in offline mode (or online, before syncing).

A run lives in ``wandb/offline-run-<YYYYMMDD_HHMMSS>-<id>/run-<id>.wandb`` (``run-...`` for online
runs); the ``.wandb`` file holds every record (see :mod:`wandb_pr.sources.wandb_log`). Each record
is a ``wandb_internal.Record`` protobuf message, decoded with the classes of the installed ``wandb``
package (the optional ``local`` extra). A :class:`~wandb_pr.models.Run` is what W&B would show
after ``wandb sync``:

- ``state``: ``finished`` for exit code 0; ``failed`` for any other exit code (W&B's state for
  "ended with a non-zero exit status"); ``running`` without an exit record. A process killed before
  ``finish()`` leaves no exit record and cannot be told apart from a live one on disk (W&B marks it
  ``crashed`` once its heartbeats stop): it is reported ``running``, with a warning, so a gate says
  "pending" rather than guessing.
- ``summary``: the ``summary`` records applied in order. wandb's handler already writes, before
  each history row, a summary update with that row's values (or the aggregate a
  ``define_metric(summary=...)`` asked for), so the log holds the final summary as it would be
  synced; history rows are not re-applied here, which would overwrite those aggregates.
- ``history``: numeric values of each ``history`` row (nested keys joined with ``.``), at the row's
  ``_step``. ``_runtime`` and ``_timestamp`` are kept, like W&B's own history; text and booleans are
  not. Steps are kept increasing the way wandb does when it syncs: a step behind the previous one
  is moved to the next free step.
- A resumed run (``wandb.init(id=..., resume=...)`` offline) is written to a second directory with
  the same id, whose run record says ``resume``; its records are applied after the earlier
  directory's, like ``wandb sync`` does. The same id without ``resume`` is a rewrite: the newest
  directory wins, with a warning.
"""

from __future__ import annotations

import importlib
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

from wandb_pr.errors import OfflineRunError
from wandb_pr.models import HistoryPoint, Run, RunState, UnreadableRun
from wandb_pr.sources.wandb_keys import DIFF_FILE, INTERNAL_CONFIG_KEYS
from wandb_pr.sources.wandb_log import read_log

__all__ = ["OfflineRuns", "read_offline_dir", "read_offline_runs"]

logger = logging.getLogger(__name__)

Warn = Callable[[str], None]

_RUN_DIR = re.compile(r"(?:offline-)?run-(\d{8}_\d{6})-(.+)")
_RUN_FILE = re.compile(r"run-(.+)\.wandb")
_INSTALL_TIP = "pip install 'wandb-pr[local]'"


@dataclass(frozen=True)
class OfflineRuns:
    """What a folder of offline runs holds: the runs read, and those that could not be."""

    runs: tuple[Run, ...]
    """The runs, oldest first."""
    unreadable: tuple[UnreadableRun, ...]
    """Runs with no readable run record (killed before the first flush, a damaged header)."""


def read_offline_runs(directory: Path, *, warn: Warn) -> list[Run]:
    """The readable runs under ``directory`` (see :func:`read_offline_dir`)."""
    return list(read_offline_dir(directory, warn=warn).runs)


def read_offline_dir(directory: Path, *, warn: Warn) -> OfflineRuns:
    """Read every run under ``directory``, oldest first, and list those that cannot be read.

    ``directory`` is a ``wandb/`` folder, the folder that holds it, a single run directory, or a
    ``.wandb`` file. Damaged files are read up to the damage, with a ``warn`` call naming the file
    and byte offset. Returns ``[]`` when there are no runs. Raises :class:`OfflineRunError` when
    ``directory`` cannot be read, when ``wandb`` is not installed, or when a file was written by a
    newer wandb log format.
    """
    files = _find_run_files(directory)
    if not files:
        return OfflineRuns((), ())
    pb = _protobuf_module()
    by_id: dict[str, list[tuple[str, Path]]] = {}
    for run_id, stamp, path in files:
        by_id.setdefault(run_id, []).append((stamp, path))
    runs = []
    unreadable = []
    for run_id, sessions in by_id.items():
        builder = _RunBuilder(run_id=run_id)
        problems: list[str] = []

        def note(message: str, problems: list[str] = problems) -> None:
            problems.append(message)
            warn(message)

        for _, path in sorted(sessions):
            _read_session(path, builder, pb, note)
        if builder.has_run_record:
            diff = max((_diff_size(path) for _, path in sessions), default=0)
            runs.append(replace(builder.build(warn), uncommitted_bytes=diff or None))
        else:
            folder = sorted(sessions)[-1][1]
            unreadable.append(
                UnreadableRun(str(folder.parent), _unreadable_reason(folder, problems))
            )
    ordered = sorted(runs, key=lambda run: (run.created_at or "", run.id))
    return OfflineRuns(tuple(ordered), tuple(sorted(unreadable, key=lambda u: u.folder)))


def _diff_size(path: Path) -> int:
    """The size of ``files/diff.patch`` beside a run's ``.wandb`` file (0 when there is none).

    ``wandb`` writes it with code saving on when the git tree had uncommitted changes.
    """
    try:
        return (path.parent / "files" / DIFF_FILE).stat().st_size
    except OSError:
        return 0


def _unreadable_reason(path: Path, problems: list[str]) -> str:
    """Why a run's file yielded no run record."""
    prefix = f"{path}: "
    for problem in problems:
        if "header" in problem or "empty" in problem:
            return problem.removeprefix(prefix)
    try:
        size = path.stat().st_size
    except OSError:
        size = -1
    if size <= 7:
        return "no records: the process was killed before wandb wrote its first record"
    if problems:
        return problems[0].removeprefix(prefix)
    return "no run record: the process was killed before wandb flushed it"


def _find_run_files(directory: Path) -> list[tuple[str, str, Path]]:
    """List ``(run id, directory timestamp, .wandb file)`` for every run under ``directory``."""
    if directory.is_file() and directory.suffix == ".wandb":
        return [(_file_run_id(directory), "", directory)]
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "does not exist"
        raise OfflineRunError(
            f"{directory} {what}",
            tip="Pass the wandb/ folder that wandb wrote (or the folder that holds it).",
        )
    own = _wandb_files(directory)
    if own:
        match = _RUN_DIR.fullmatch(directory.name)
        return [(_file_run_id(path), match[1] if match else "", path) for path in own]
    found = _run_dirs(directory)
    for name in ("wandb", ".wandb"):
        if not found and (directory / name).is_dir():
            found = _run_dirs(directory / name)
    files, seen = [], set()
    for run_dir, stamp in found:
        for path in _wandb_files(run_dir):
            if path.resolve() not in seen:  # latest-run and other links point at a run twice
                seen.add(path.resolve())
                files.append((_file_run_id(path), stamp, path))
    return files


def _run_dirs(directory: Path) -> list[tuple[Path, str]]:
    """The run directories directly inside ``directory``, with the timestamp in their names."""
    found = []
    for child in _list_dir(directory):
        match = _RUN_DIR.fullmatch(child.name)
        if match and child.is_dir():
            found.append((child, match[1]))
    return found


def _wandb_files(directory: Path) -> list[Path]:
    """The ``.wandb`` files directly inside ``directory``."""
    return sorted(p for p in _list_dir(directory) if p.suffix == ".wandb" and p.is_file())


def _list_dir(directory: Path) -> list[Path]:
    """List ``directory``, mapping an unreadable directory onto :class:`OfflineRunError`."""
    try:
        return list(directory.iterdir())
    except OSError as exc:
        raise OfflineRunError(
            f"cannot read the directory {directory}: {exc.strerror or exc}",
            tip="Check that the directory exists and is readable.",
        ) from exc


def _file_run_id(path: Path) -> str:
    """The run id in a ``run-<id>.wandb`` file name (the file's stem otherwise)."""
    match = _RUN_FILE.fullmatch(path.name)
    return match[1] if match else path.stem


def _protobuf_module() -> ModuleType:
    """Import wandb's protobuf classes, which are generated at import time (so typed ``Any``)."""
    try:
        return importlib.import_module("wandb.proto.wandb_internal_pb2")
    except ImportError as exc:
        raise OfflineRunError(
            f"reading offline runs needs the wandb package: {_INSTALL_TIP}", tip=_INSTALL_TIP
        ) from exc
    except Exception as exc:  # e.g. protobuf's runtime version check
        raise OfflineRunError(
            f"cannot load the wandb package to read offline runs: {exc}",
            tip=f"Reinstall it: {_INSTALL_TIP}",
        ) from exc


def _read_session(path: Path, builder: _RunBuilder, pb: ModuleType, warn: Warn) -> None:
    """Apply the records of one ``.wandb`` file to ``builder``."""
    builder.begin_session(path)
    for offset, payload in read_log(path, warn=warn):
        record = pb.Record()
        try:
            record.ParseFromString(payload)
        except Exception as exc:  # google.protobuf.message.DecodeError
            warn(
                f"{path}: the record at byte {offset} is not a wandb record ({exc}); "
                "ignored the rest of the file"
            )
            break
        kind = record.WhichOneof("record_type")
        if kind == "run":
            builder.apply_run(record.run, warn)
        elif kind == "config":
            builder.apply_items(builder.config, record.config.update, record.config.remove)
        elif kind == "summary":
            builder.apply_items(builder.summary, record.summary.update, record.summary.remove)
        elif kind == "history":
            builder.apply_history(record.history.item, record.history)
        elif kind == "exit":
            builder.exit_code = int(record.exit.exit_code)
    if builder.bad_values:
        warn(f"{path}: skipped {builder.bad_values} values that were not valid JSON")
        builder.bad_values = 0


@dataclass
class _RunBuilder:
    """Accumulates one run's records, across the sessions of a resumed run."""

    run_id: str
    path: Path | None = None
    has_run_record: bool = False
    name: str = ""
    entity: str = ""
    project: str = ""
    group: str = ""
    job_type: str = ""
    notes: str = ""
    tags: tuple[str, ...] = ()
    commit: str = ""
    created_at: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    history: dict[str, list[HistoryPoint]] = field(default_factory=dict)
    next_step: int = 0
    exit_code: int | None = None
    bad_values: int = 0
    _first_run_record: bool = True

    def begin_session(self, path: Path) -> None:
        """Start reading another ``.wandb`` file of this run."""
        self.path = path
        self.exit_code = None
        self._first_run_record = True

    def apply_run(self, run: Any, warn: Warn) -> None:
        """Apply a run record: the first of a session, or an update (new tags, name, notes...)."""
        first, self._first_run_record = self._first_run_record, False
        if first and self.has_run_record and not (run.resume or run.resumed):
            warn(
                f"run {self.run_id} was written again without resuming; "
                f"reading only the newest copy, {self.path}"
            )
            # Start over: everything read so far belongs to the older copy.
            self.__dict__.update(_RunBuilder(run_id=self.run_id, path=self.path).__dict__)
            self._first_run_record = False
        if not self.has_run_record:
            self.has_run_record = True
            if run.HasField("start_time"):
                moment = run.start_time.seconds + run.start_time.nanos / 1e9
                # W&B's createdAt format: UTC, to the second, without a zone designator.
                try:
                    started = datetime.fromtimestamp(moment, tz=timezone.utc)
                except (OverflowError, OSError, ValueError):  # beyond the years datetime holds
                    warn(f"run {self.run_id}: start time {moment!r} is out of range; ignored")
                else:
                    self.created_at = started.strftime("%Y-%m-%dT%H:%M:%S")
        for attr, value in (
            ("run_id", run.run_id),
            ("name", run.display_name),
            ("entity", run.entity),
            ("project", run.project),
            ("group", run.run_group),
            ("job_type", run.job_type),
            ("notes", run.notes),
            ("commit", run.git.commit),
        ):
            if value:
                setattr(self, attr, str(value))
        # A session's later run records carry the full tag list; the first record of a resumed
        # session carries none unless wandb.init was given tags again.
        if run.tags or not first:
            self.tags = tuple(str(tag) for tag in run.tags)
        self.apply_items(self.config, run.config.update, run.config.remove)
        self.apply_items(self.summary, run.summary.update, run.summary.remove)

    def apply_items(
        self, target: dict[str, Any], updates: Iterable[Any], removes: Iterable[Any]
    ) -> None:
        """Apply config or summary items: set each ``value_json`` at its key path, then removals."""
        for item in updates:
            keys = _key_path(item)
            ok, value = self._decode(item.value_json)
            if keys and ok:
                _set_path(target, keys, value)
        for item in removes:
            _remove_path(target, _key_path(item))

    def apply_history(self, items: Iterable[Any], history: Any) -> None:
        """Add one history row: its numeric values at its (increasing) step."""
        row: dict[str, float] = {}
        step: int | None = None
        for item in items:
            keys = _key_path(item)
            ok, value = self._history_value(item)
            if not keys or not ok:
                continue
            if keys == ["_step"]:
                step = value if isinstance(value, int) and not isinstance(value, bool) else None
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                row[".".join(keys)] = value
        if step is None:
            step = int(history.step.num) if history.HasField("step") else self.next_step
        if step < self.next_step:  # a resumed session restarts at 0; wandb sync renumbers it
            step = self.next_step
            self.summary["_step"] = step
        self.next_step = step + 1
        for key, value in row.items():
            self.history.setdefault(key, []).append((step, value))

    def build(self, warn: Warn) -> Run:
        """Make the :class:`Run`, warning when its state on disk is ambiguous."""
        if self.exit_code is None:
            state = RunState.RUNNING
            warn(
                f"run {self.run_id} ({self.path}) has no exit record: it is still running, "
                "or its process was killed before wandb.finish(); shown as running, not finished"
            )
        else:
            state = RunState.FINISHED if self.exit_code == 0 else RunState.FAILED
        config = {k: v for k, v in self.config.items() if k not in INTERNAL_CONFIG_KEYS}
        return Run(
            id=self.run_id,
            name=self.name or self.run_id,
            entity=self.entity,
            project=self.project,
            state=state,
            url=None,
            tags=self.tags,
            group=self.group or None,
            job_type=self.job_type or None,
            commit=self.commit or None,
            created_at=self.created_at,
            notes=self.notes or None,
            config=config,
            summary=dict(self.summary),
            history={key: tuple(points) for key, points in self.history.items()},
        )

    def _history_value(self, item: Any) -> tuple[bool, Any]:
        """A history item's value: ``value_json``, or the typed field newer writers may use."""
        if item.value_json:
            return self._decode(item.value_json)
        kind = item.WhichOneof("value")
        if kind is None:
            return False, None
        if kind == "json":
            return self._decode(item.json)
        return True, None if kind == "none" else getattr(item, kind)

    def _decode(self, text: str) -> tuple[bool, Any]:
        """Parse one ``value_json`` (NaN and Infinity included); count what does not parse."""
        try:
            return True, json.loads(text)
        except (ValueError, RecursionError):
            self.bad_values += 1
            logger.debug("not JSON: %.80r", text)
            return False, None


def _key_path(item: Any) -> list[str]:
    """The key path of a config, summary or history item (``nested_key``, else ``key``)."""
    return [str(key) for key in item.nested_key] or ([str(item.key)] if item.key else [])


def _set_path(target: dict[str, Any], keys: list[str], value: Any) -> None:
    """Set ``target[k1][k2]...`` to ``value``, creating (or replacing non-dict) parents."""
    for key in keys[:-1]:
        child = target.get(key)
        if not isinstance(child, dict):
            child = target[key] = {}
        target = child
    target[keys[-1]] = value


def _remove_path(target: dict[str, Any], keys: list[str]) -> None:
    """Delete ``target[k1][k2]...`` if it exists."""
    for key in keys[:-1]:
        child = target.get(key)
        if not isinstance(child, dict):
            return
        target = child
    if keys:
        target.pop(keys[-1], None)
