"""Run state that survives a SIGKILL, and one run at a time per project folder.

doit keeps what it saves for each finished task (file digests, values) in memory and writes the dep
file when the run ends, so a killed run lost the state of every task. Here:

- **Backend `sqlite3`** (doit's own `SqliteDB`, still in `.doit.db`; a dep file of the former
  `json` backend is migrated in place). `StateReporter.add_success` commits a task's row as soon as
  doit has saved it, in WAL mode with `synchronous=NORMAL`: a commit is one append to the log,
  atomic when the process dies, with no fsync per task. A kill loses at most the task in flight.
  Not `json`: its only save rewrites the whole file (O(tasks) per task, and a kill during the
  write leaves invalid JSON).
- **Why a reporter.** doit takes backend plugins from `pyproject.toml` in the *current folder*,
  which `doit -f ROOT/dodo.py --dir X` never reads; `DOIT_CONFIG["reporter"]` is read by every
  entry point (`doit`, `python -m doit -f`, `osddl`), and the reporter is called by run-type
  commands only (not `list`, `info`, `help`), right after each task's state is saved.
- **One run at a time.** A run holds an advisory `flock` on `.doit.db.lock` from start to end (the
  kernel releases it when the process dies, so a killed run never blocks the next). A second run
  refuses with one line and exit code 2 rather than waiting: doit loads dodo.py and builds the task
  list before any hook can wait, so a waiting run would execute a graph computed from the other
  run's half-written outputs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any, Final, TextIO

from doit.dependency import Dependency, SqliteDB
from doit.globals import Globals
from doit.reporter import ConsoleReporter

from osddl import faults

if sys.platform != "win32":
    import fcntl

STATE_FILE: Final = ".doit.db"
BACKEND: Final = "sqlite3"
REFUSED: Final = 2  # exit code of a run refused because another one holds the project
_SQLITE_HEADER: Final = b"SQLite format 3\x00"


# --- the dep file: doit's sqlite3 table, migrated from the json backend once ------------------


def state_file(path: str = STATE_FILE) -> str:
    """The dep file for DOIT_CONFIG; a file of the former json backend becomes SQLite in place
    (same tasks, same saved values), so upgrading reruns nothing."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return path
    if header and header != _SQLITE_HEADER:
        _migrate_json(Path(path))
    _check(path)
    return path


def _check(path: str) -> None:
    """A corrupt state file stops the run with one line (doit would print a traceback at the
    first task): `quick_check` reads every page once (the file holds one row per task)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            verdict = db.execute("pragma quick_check").fetchone()[0]
            db.execute("select task_id, task_data from doit limit 1").fetchall()
    except sqlite3.Error as exc:
        verdict = str(exc)
    if verdict != "ok":
        error = faults.as_operator_error(sqlite3.DatabaseError(verdict), path)
        sys.stderr.write(f"osddl: {error}\n")
        raise SystemExit(faults.exit_code(error))


def _migrate_json(file: Path) -> None:
    try:
        tasks = json.loads(file.read_text(encoding="utf-8"))
    except ValueError:
        return  # unreadable: doit's sqlite3 backend then says to delete it, as json's did
    temporary = file.with_name(f"{file.name}.{os.getpid()}.migrating")
    with contextlib.closing(sqlite3.connect(temporary)) as db:
        db.execute("pragma journal_mode=wal")
        db.execute("create table doit (task_id text not null primary key, task_data json)")
        rows = ((task, json.dumps(data)) for task, data in tasks.items())
        db.executemany("insert into doit values (?, ?)", rows)
        db.commit()
    os.replace(temporary, file)


# --- per-task commits on doit's SqliteDB -------------------------------------------------------
# doit 0.37's SqliteDB caches rows in `_cache`, marks them in `_dirty` and writes them in `dump()`
# at exit; `commit_task` writes one task's row now (tests/test_run_state.py pins this contract).


def prepare(dependency: Dependency) -> None:
    """WAL with synchronous=NORMAL: commits survive a killed process and cost no fsync."""
    backend = dependency.backend
    if isinstance(backend, SqliteDB):
        if backend._conn.in_transaction:
            backend._conn.commit()
        backend._conn.execute("pragma journal_mode=wal")
        backend._conn.execute("pragma synchronous=normal")


def commit_task(dependency: Dependency, task_name: str) -> None:
    """Make what doit saved (or removed) for `task_name` durable now rather than at exit."""
    backend = dependency.backend
    if not isinstance(backend, SqliteDB):
        return  # another backend chosen on the command line: saved at exit, as doit does
    if task_name in backend._dirty:
        data = backend.codec.encode(backend._cache[task_name])
        backend._conn.execute("insert or replace into doit values (?, ?)", (task_name, data))
        backend._dirty.discard(task_name)
    backend._conn.commit()


# --- one run at a time --------------------------------------------------------------------------


def lock_run(state: str) -> int:
    """Hold `<state>.lock` for this run (returns the descriptor to keep open), or refuse the run
    with one line naming the holder."""
    descriptor = os.open(f"{state}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    if sys.platform == "win32":
        return descriptor  # no flock there: runs are not serialised on Windows (docs/tasks.md)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(descriptor, 200).decode("utf-8", "replace").strip() or "pid unknown"
        os.close(descriptor)
        sys.stderr.write(
            f"osddl: another run is using this project ({holder}); "
            "wait for it to finish (or stop it), then run again\n"
        )
        raise SystemExit(REFUSED) from None
    started = dt.datetime.now().astimezone().isoformat(sep=" ", timespec="seconds")
    os.ftruncate(descriptor, 0)
    os.write(descriptor, f"pid {os.getpid()}, started {started}\n".encode())
    return descriptor


def unlock_run(descriptor: int) -> None:
    os.close(descriptor)  # closing the descriptor releases the flock


class StateReporter(ConsoleReporter):  # type: ignore[misc]
    """doit's console output; the run holds the project lock, and each task's state is committed
    as soon as doit saves it."""

    desc = "console output; one run per project; each task's state committed when it ends"

    def __init__(self, outstream: TextIO, options: dict[str, Any]) -> None:
        super().__init__(outstream, options)
        self._lock: int | None = None
        self._exit: int | None = None
        self._ran: list[str] = []
        self._fresh = 0
        self._failed: list[str] = []
        self._summarise = False

    def initialize(self, tasks: Any, selected_tasks: Any) -> None:
        super().initialize(tasks, selected_tasks)
        dependency = Globals.dep_manager
        self._lock = lock_run(dependency.name)
        prepare(dependency)
        # `full_export` (named, or the default task) ends with the closing summary; a run refused
        # above has nothing to summarise.
        self._summarise = "full_export" in (selected_tasks or ["full_export"])

    def execute_task(self, task: Any) -> None:
        super().execute_task(task)
        if task.actions:
            self._ran.append(task.name)

    def skip_uptodate(self, task: Any) -> None:
        super().skip_uptodate(task)
        self._fresh += 1

    def add_success(self, task: Any) -> None:
        super().add_success(task)
        commit_task(Globals.dep_manager, task.name)

    def add_failure(self, task: Any, fail: Any) -> None:
        super().add_failure(task, fail)
        self._failed.append(task.name)
        commit_task(Globals.dep_manager, task.name)  # doit removed its saved state
        code = getattr(fail, "exit_code", None)
        if self._exit is None and isinstance(code, int) and code != 1:
            self._exit = code  # the first fault's kind (tasks/common.py Fault)

    def complete_run(self) -> None:
        try:
            super().complete_run()
            if self._summarise:
                self._summary()
        finally:
            if self._lock is not None:
                unlock_run(self._lock)
                self._lock = None
        if self._exit is not None:
            # doit would exit 1 for any failed task; its state is saved by now (Runner.finish).
            raise SystemExit(self._exit)

    def _summary(self) -> None:
        """What ran, what the artifacts say, where the report is, and the next command."""
        from osddl.summary import closing_summary

        from .common import out, settings

        enabled = settings().flag("uat_users.enabled")
        for line in closing_summary(out(), self._ran, self._fresh, self._failed, enabled):
            self.write(line + "\n")
