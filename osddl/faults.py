"""Faults an operator can meet, as data: what was raised → one line naming the problem and the fix,
and the process's exit code.

One place maps exceptions of the OS, the database drivers, pyarrow, json and the run-state store to
operator messages: `tasks/common.py`'s `operator_action` (faults inside a task) and `osddl/cli.py`
(faults around the tasks). `OSDDL_DEBUG=1` (or `osddl --debug`) adds the Python traceback. Exit
codes beyond doit's own 0-3 follow BSD's sysexits.h, so a scheduler can tell "retry later" (75)
from "fix the disk" (74) without reading the text.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from osddl.errors import OsddlError, SourceError

DEBUG_ENV = "OSDDL_DEBUG"


@dataclass(frozen=True)
class ExitCode:
    code: int
    name: str
    meaning: str


EXIT_CODES: tuple[ExitCode, ...] = (
    ExitCode(0, "ok", "every task ran or was up to date"),
    ExitCode(
        1, "failed", "a task failed: a check or proof said FAIL, or a stage refused its input"
    ),
    ExitCode(
        2,
        "refused",
        "refused before any task ran: a bad setting, or another run holds the "
        "project (doit also exits 2 when a task's file dependency is missing)",
    ),
    ExitCode(3, "usage", "doit's own command-line error (an unknown task or option)"),
    ExitCode(65, "EX_DATAERR", "an input file or an artifact is malformed"),
    ExitCode(66, "EX_NOINPUT", "an input file is missing or unreadable"),
    ExitCode(69, "EX_UNAVAILABLE", "the source server cannot be reached"),
    ExitCode(
        70, "EX_SOFTWARE", "an internal error: rerun with OSDDL_DEBUG=1 and report the traceback"
    ),
    ExitCode(
        73, "EX_CANTCREAT", "an output cannot be created (read-only, no permission, not a folder)"
    ),
    ExitCode(74, "EX_IOERR", "writing failed: the disk or the quota is full, or an I/O error"),
    ExitCode(75, "EX_TEMPFAIL", "the connection to the source was lost mid-run: run again"),
    ExitCode(
        77, "EX_NOPERM", "the source refused this principal: login failed or a grant is missing"
    ),
)
CODES = {c.name: c.code for c in EXIT_CODES}


@dataclass(frozen=True)
class Fault:
    """A kind of fault: how to recognise it, what the operator reads, the exit code."""

    name: str
    exit: str  # a name in EXIT_CODES
    problem: str
    fix: str
    errnos: tuple[int, ...] = ()  # OSError.errno values
    types: tuple[str, ...] = ()  # exception class names (anywhere in the class's MRO)
    sqlstates: tuple[str, ...] = ()  # SQLSTATE of a driver error (PostgreSQL)
    words: tuple[str, ...] = ()  # lower-case fragments of a driver message

    @property
    def exit_code(self) -> int:
        return CODES[self.exit]


# First match wins: a lost connection's message also says "connection", so it comes first.
DATABASE_FAULTS: tuple[Fault, ...] = (
    Fault(
        "connection lost",
        "EX_TEMPFAIL",
        "the connection to the source was lost",
        "check the server and the network, then run again (finished tables are kept)",
        sqlstates=("57P01", "57P02", "57P03", "08003", "08006", "08007"),
        words=(
            "terminating connection",
            "server closed the connection",
            "connection lost",
            "lost connection",
            "consuming input failed",
            "connection already closed",
            "dbprocess is dead",
        ),
    ),
    Fault(
        "authentication failed",
        "EX_NOPERM",
        "the server refused the login",
        "check the user name and password in source.url (or the principal's LOGIN right)",
        sqlstates=("28000", "28P01"),
        words=("authentication failed", "login failed", "not permitted to log in"),
    ),
    Fault(
        "permission denied",
        "EX_NOPERM",
        "this principal may not read it",
        "grant SELECT (and VIEW DEFINITION on SQL Server) to the principal of source.url",
        sqlstates=("42501",),
        words=("permission denied", "permission was denied", "not authorized", "access denied"),
    ),
    Fault(
        "server unreachable",
        "EX_UNAVAILABLE",
        "the server cannot be reached",
        "check that it is running, the host and port in source.url, and the network",
        sqlstates=("08001", "08004"),
        words=(
            "connection refused",
            "could not connect",
            "unable to connect",
            "could not translate host name",
            "name or service not known",
            "timeout expired",
            "timed out",
            "adaptive server is unavailable",
            "connection failed",
        ),
    ),
)

OS_FAULTS: tuple[Fault, ...] = (
    Fault(
        "read-only output",
        "EX_CANTCREAT",
        "cannot write here ({reason})",
        "make {folder} writable, or set output.dir / cache.dir to a writable folder, "
        "then run again",
        errnos=(errno.EROFS, errno.EACCES, errno.EPERM),
    ),
    Fault(
        "full disk",
        "EX_IOERR",
        "cannot write here ({reason})",
        "free space on that disk (or set output.dir / cache.dir on a larger one), then run again; "
        "finished artifacts are kept and nothing half-written is",
        errnos=(errno.ENOSPC, errno.EDQUOT, errno.EFBIG),
    ),
    Fault(
        "not a folder",
        "EX_CANTCREAT",
        "{blocker} is a file where a folder is expected",
        "move that file away, or set output.dir / cache.dir elsewhere, then run again",
        errnos=(errno.ENOTDIR, errno.EEXIST, errno.EISDIR),
    ),
    Fault(
        "missing file",
        "EX_NOINPUT",
        "file not found",
        "check the path; for an artifact, run the task that writes it",
        errnos=(errno.ENOENT,),
    ),
    Fault(
        "i/o error",
        "EX_IOERR",
        "input/output error ({reason})",
        "check the disk and the file system, then run again",
    ),
)

DATA_FAULTS: tuple[Fault, ...] = (
    Fault(
        "corrupt parquet artifact",
        "EX_DATAERR",
        "not a readable Parquet file ({reason})",
        "delete it and run again: the task that writes it rebuilds it",
        types=("ArrowInvalid", "ArrowIOError", "ArrowException"),
    ),
    Fault(
        "corrupt json artifact",
        "EX_DATAERR",
        "malformed JSON ({reason})",
        "fix the syntax there, or if it is an artifact delete it and run again",
        types=("JSONDecodeError",),
    ),
    Fault(
        "corrupt run state",
        "EX_DATAERR",
        "the run-state file is corrupt ({reason})",
        "delete {path} and its -wal/-shm files, then run again (every task reruns once; "
        "out/ is kept)",
        types=("DatabaseException", "DatabaseError"),
    ),
)

INTERNAL = Fault(
    "internal error",
    "EX_SOFTWARE",
    "internal error ({reason})",
    "rerun with OSDDL_DEBUG=1 (or osddl --debug) and report the traceback",
)
SOURCE_FALLBACK = Fault(
    "source statement failed",
    "failed",
    "the source refused a statement",
    "check that the server is running and reachable, the credentials, and that the principal "
    "has SELECT and VIEW DEFINITION",
)
FAULTS: tuple[Fault, ...] = (*DATABASE_FAULTS, *OS_FAULTS, *DATA_FAULTS, INTERNAL)


# --- recognising ------------------------------------------------------------------------------


def class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _driver_error(exc: BaseException) -> BaseException:
    """sqlalchemy's DBAPIError → the driver's own error (which carries the SQLSTATE)."""
    orig = getattr(exc, "orig", None)
    return orig if isinstance(orig, BaseException) else exc


def _wrapped(exc: BaseException) -> Iterator[BaseException]:
    """What `exc` was raised from or during, innermost last (a driver error under a SourceError)."""
    seen = {id(exc)}
    current = exc.__cause__ or exc.__context__
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield _driver_error(current)
        current = current.__cause__ or current.__context__


def database_fault(orig: BaseException | None) -> Fault | None:
    """The row of a driver error, by SQLSTATE, then by the words of its message."""
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    text = str(orig).lower()
    for fault in DATABASE_FAULTS:
        if state in fault.sqlstates:
            return fault
    return next((f for f in DATABASE_FAULTS if any(w in text for w in f.words)), None)


def os_fault(exc: OSError) -> Fault:
    return next((f for f in OS_FAULTS if exc.errno in f.errnos), OS_FAULTS[-1])


def exit_code(exc: BaseException) -> int:
    """The exit code for an operator error: its own, else that of the driver error it wraps, else
    its class's (a stage refused its input: 65; a check failed: 1)."""
    own = getattr(exc, "exit_code", None)
    if isinstance(own, int):
        return own
    for inner in _wrapped(exc):
        fault = database_fault(inner) if "DBAPIError" not in class_names(inner) else None
        if fault is not None:
            return fault.exit_code
    return CODES["EX_DATAERR"] if "InputError" in class_names(exc) else CODES["failed"]


# --- one line ---------------------------------------------------------------------------------


def _blocker(path: Path) -> Path:
    """The first part of `path` that exists and is not a folder (or `path` itself)."""
    for part in (*reversed(path.parents), path):
        if part.exists() and not part.is_dir():
            return part
    return path


def _os_line(exc: OSError) -> OsddlError:
    fault = os_fault(exc)
    where = Path(os.fsdecode(exc.filename)) if exc.filename else None
    reason = (exc.strerror or str(exc)).lower()
    folder = where.parent if where is not None else Path(".")
    facts = {"reason": reason, "folder": folder, "blocker": _blocker(where or folder)}
    subject = f"{where}: " if where is not None else ""
    return OsddlError(
        f"{subject}{fault.problem.format(**facts)}; {fault.fix.format(**facts)}",
        fault.exit_code,
    )


def one_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "no detail"


def as_operator_error(exc: BaseException, where: str | None = None) -> OsddlError:
    """Any exception as an OsddlError with one line and an exit code; an OsddlError as it is.
    `where` names the file a data fault is about when the exception does not (pyarrow)."""
    if isinstance(exc, OsddlError):
        return exc
    names = class_names(exc)
    if isinstance(exc, OSError) and exc.errno is not None and not any("Arrow" in n for n in names):
        return _os_line(exc)
    if "DBAPIError" in names:
        driver = _driver_error(exc)
        fault = database_fault(driver) or SOURCE_FALLBACK
        return OsddlError(
            f"{fault.problem} ({one_line(str(driver))}); {fault.fix}", fault.exit_code
        )
    fault = next((f for f in DATA_FAULTS if names & set(f.types)), INTERNAL)
    reason = f"{type(exc).__name__}: {exc}" if fault is INTERNAL else str(exc)
    subject = f"{where}: " if where else ""
    return OsddlError(
        f"{subject}{fault.problem.format(reason=one_line(reason))}; "
        f"{fault.fix.format(path=where or 'the file')}",
        fault.exit_code,
    )


def source_fault(orig: BaseException | None, url: str, detail: str) -> SourceError:
    """A driver error of the source as one line: the redacted URL, the driver's detail (scrubbed
    by the caller) and the fix of its row."""
    fault = database_fault(orig) or SOURCE_FALLBACK
    return SourceError(f"{url}: {detail}; {fault.fix}", fault.exit_code)


def debugging() -> bool:
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


# --- the documentation table --------------------------------------------------------------------


def exit_code_table() -> str:
    """docs/troubleshooting.md: every exit code, then every fault with its code and fix."""
    rows = ["| exit code | name | meaning |", "|---|---|---|"]
    rows += [f"| {c.code} | `{c.name}` | {c.meaning} |" for c in EXIT_CODES]
    rows += [
        "",
        "| fault | exit code | what the line says | the fix it names |",
        "|---|---|---|---|",
    ]
    for fault in (*FAULTS, SOURCE_FALLBACK):
        problem = fault.problem.format(reason="…", blocker="`<file>`")
        fix = fault.fix.format(folder="the folder", path="the file")
        rows.append(f"| {fault.name} | {fault.exit_code} | {problem} | {fix} |")
    return "\n".join(rows)
