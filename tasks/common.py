"""What every task module shares: the effective settings, artifact paths, fingerprints, and
operator-friendly actions."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from doit.exceptions import TaskFailed
from doit.tools import config_changed

from osddl import faults
from osddl.config import Settings, load_settings, unknown_variables
from osddl.errors import OsddlError
from osddl.io import canonical_json, sha256_bytes
from osddl.layout import path
from osddl.model.contract import Entity, Module
from osddl.model.store import read_model
from osddl.options import SourceOptions, fingerprint, selection_options
from osddl.proofs.manifest import append_run_log
from osddl.selection import Selection, select

T = TypeVar("T")
CLI_ENV = "OSDDL_CLI_SET"  # JSON object of `--set key=value` pairs from the `osddl` entry point


@functools.cache
def settings() -> Settings:
    """Loaded once per run; a bad setting stops the run before any task starts."""
    for warning in unknown_variables(os.environ):
        sys.stderr.write(f"osddl: warning: {warning}\n")
    try:
        return load_settings(cli=json.loads(os.environ.get(CLI_ENV, "{}")))
    except OsddlError as exc:
        sys.stderr.write(f"osddl: {exc}\n")
        raise SystemExit(2) from None


def checked(build: Callable[[Settings], T]) -> T:
    """A stage's options; a setting only the builder can judge (a uat-users strategy, say) stops
    the run like any bad setting: one line, exit 2, before any task starts."""
    try:
        return build(settings())
    except OsddlError as exc:
        sys.stderr.write(f"osddl: {exc}\n")
        raise SystemExit(2) from None


def out(*parts: str) -> Path:
    return Path(settings().text("output.dir"), *parts)


def artifact(key: str, module: Module | None = None, entity: Entity | None = None) -> str:
    """An artifact's path (layout key), as doit's file_dep and targets want it."""
    return str(out(path(key, module, entity)))


def selection() -> Selection:
    """The current selection, from model.json (empty before the first extraction)."""
    model = out(path("model"))
    if not model.is_file():
        return Selection((), (), (), ())
    try:
        return select(read_model(model), selection_options(settings()))
    except OsddlError as exc:  # found while doit creates the per-table tasks: no task to blame
        if faults.debugging():
            raise
        sys.stderr.write(f"osddl: {exc}\n")
        raise SystemExit(faults.exit_code(exc)) from None


def options_changed(options: Any) -> Any:
    """doit's config_changed over the same options object the action receives."""
    return config_changed(fingerprint(options))


def source_uptodate(source: SourceOptions, from_file: str, refresh: bool) -> bool:
    """SQLite and JSON sources are file dependencies; servers and refreshes always run (the action
    then asks the evidence cache, which re-extracts only when the source probe changed)."""
    from osddl.stages.extract_model import model_inputs

    return not model_inputs(source, from_file).server and not refresh


def listing(root: Path, exclude: Iterable[str]) -> str:
    """A digest of every file's path, size and modification time under `root`: O(files), no
    reads. Tasks whose input is the whole output tree (manifest, export validation) compare it."""
    skip = set(exclude)
    entries = []
    for file in sorted(root.rglob("*")) if root.is_dir() else []:
        relative = file.relative_to(root).as_posix()
        if file.is_file() and relative not in skip:
            stat = file.stat()
            entries.append([relative, stat.st_size, stat.st_mtime_ns])
    return sha256_bytes(canonical_json(entries))


class TreeUnchanged:
    """Up to date while the listing of out/`folder` and the options equal the last successful
    run's (checked when the task is reached, after the tasks it follows have written)."""

    def __init__(self, options: Any, folder: str = "", exclude: Iterable[str] = ()) -> None:
        self.options, self.folder, self.exclude = options, folder, tuple(exclude)

    def __call__(self, task: Any, values: dict[str, Any]) -> bool:
        return values.get("tree") == tree_values(self.options, self.folder, self.exclude)["tree"]


def tree_values(options: Any, folder: str = "", exclude: Iterable[str] = ()) -> dict[str, str]:
    """What `tree_unchanged` compares: the action returns it, doit keeps it."""
    return {"tree": listing(out(folder), tuple(exclude)) + fingerprint(options)}


def _log(action: str, start: float, subject: str | None, outcome: str) -> None:
    """Best effort: an output folder that cannot take the log line has its fault told by the task
    (or by the next write), not by a traceback here."""
    facts = {"outcome": outcome, **({"subject": subject} if subject else {})}
    with contextlib.suppress(OSError):
        append_run_log(out(), action, time.perf_counter() - start, **facts)


class Fault(TaskFailed):  # type: ignore[misc]
    """A task's one-line failure with the exit code of its kind (osddl/faults.py); the reporter
    (tasks/state.py) ends the run with the first one's code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _corrupt_parquet() -> str | None:
    """The first Parquet file under out/ that does not open (pyarrow's errors do not name it)."""
    import pyarrow.parquet as pq

    for file in sorted(out().rglob("*.parquet")):
        try:
            pq.read_metadata(file)
        except Exception:  # any failure to open it is what is looked for
            return str(file)
    return None


class operator_action:  # a decorator, named like one
    """Run a library function; any error becomes a one-line failure naming the problem and the
    fix, with its exit code (osddl/faults.py), not a traceback (`OSDDL_DEBUG=1` prints it too).
    A dict result is kept by doit as the task's values; False fails the task. Each run's time goes
    to out/run-log.jsonl, the only place for timings (artifacts stay byte-identical).

    A class, not a closure: `doit -n N` pickles actions into its worker processes, and an
    instance pickles as its function's module and name."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        functools.update_wrapper(self, function)  # doit reads the wrapped signature

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        function = self.function
        start = time.perf_counter()
        subject = next((a for a in args if isinstance(a, str)), None)
        try:
            result = function(*args, **kwargs)
        except Exception as exc:  # every fault ends in one line (faults.py)
            if faults.debugging():
                traceback.print_exc()
            where = _corrupt_parquet() if "ArrowException" in faults.class_names(exc) else None
            error = faults.as_operator_error(exc, where)
            _log(function.__name__, start, subject, "failed")
            return Fault(str(error), faults.exit_code(error))
        _log(function.__name__, start, subject, "ok" if result is not False else "failed")
        return result if isinstance(result, dict | bool) else None
