"""Throwaway PostgreSQL servers for tests.

This module starts a real, private PostgreSQL server in a temporary directory, hands out a
SQLAlchemy URL for it, and tears everything down afterwards::

    with postgres_server() as admin_url:
        db_url = create_database(admin_url, "scratch")
        ro_url = create_readonly_role(admin_url, "scratch", "reader")

The server:

* uses the ``initdb``/``pg_ctl``/``postgres`` binaries found by :func:`find_postgres_bindir`
  (``$PATH`` first, otherwise the highest version under ``/usr/lib/postgresql/*/bin``);
* is initialised with trust authentication, UTF8 encoding and the ``C`` locale;
* listens only on ``127.0.0.1`` (a free port picked at start-up), with its unix socket inside
  the temporary directory, so it never clashes with a system-wide cluster;
* runs with durability switched off (``fsync``, ``synchronous_commit``, ``full_page_writes``),
  which is fine for data that is deleted at the end of the test session.

PostgreSQL refuses to run as root.  When the current process is root, ``initdb`` and ``pg_ctl``
run as the ``postgres`` system user (or ``nobody`` when that user does not exist) through
``runuser`` (or ``su``), and the temporary directory is handed over to that user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

__all__ = [
    "PostgresBinaries",
    "PostgresServer",
    "PostgresServerError",
    "create_database",
    "create_readonly_role",
    "find_postgres_bindir",
    "postgres_server",
]

#: Where the Debian/Ubuntu ``postgresql-NN`` packages install the server binaries.
DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"

#: Binaries that must all live in the same directory.
REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")

#: System users tried, in order, when the server must not run as root.
UNPRIVILEGED_USERS = ("postgres", "nobody")

DEFAULT_SUPERUSER = "postgres"
START_TIMEOUT_S = 60.0
COMMAND_TIMEOUT_S = 120.0

# Conservative identifier rule for names the helpers interpolate (after quoting) into DDL.
_IDENTIFIER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class PostgresServerError(RuntimeError):
    """Raised when the throwaway server cannot be initialised, started or reached."""


@dataclass(frozen=True)
class PostgresBinaries:
    """Absolute paths of the PostgreSQL server binaries (all from one directory)."""

    bindir: Path

    @property
    def initdb(self) -> Path:
        return self.bindir / "initdb"

    @property
    def pg_ctl(self) -> Path:
        return self.bindir / "pg_ctl"

    @property
    def postgres(self) -> Path:
        return self.bindir / "postgres"


def _has_all_binaries(bindir: Path) -> bool:
    return all(
        (bindir / name).is_file() and os.access(bindir / name, os.X_OK)
        for name in REQUIRED_BINARIES
    )


def _version_key(bindir: Path) -> tuple[int, ...]:
    """Sort key for ``/usr/lib/postgresql/<version>/bin`` (``15`` > ``9.6``)."""
    parts = re.findall(r"\d+", bindir.parent.name)
    return tuple(int(p) for p in parts) if parts else (-1,)


def find_postgres_bindir() -> PostgresBinaries | None:
    """Locate a directory holding ``initdb``, ``pg_ctl`` and ``postgres``.

    ``$PATH`` is searched first; symlinks are resolved (``pg_ctl``/``initdb`` find
    ``postgres`` next to their *real* location).  Otherwise the highest version under
    ``/usr/lib/postgresql/*/bin`` wins.  Returns ``None`` when no complete set exists.
    """
    initdb = shutil.which("initdb")
    if initdb is not None:
        bindir = Path(initdb).resolve().parent
        if _has_all_binaries(bindir):
            return PostgresBinaries(bindir)
    candidates = [p for p in Path("/").glob(DEBIAN_BIN_GLOB.lstrip("/")) if _has_all_binaries(p)]
    if not candidates:
        return None
    return PostgresBinaries(max(candidates, key=_version_key))


def _free_port() -> int:
    """Ask the kernel for a currently unused TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _unprivileged_user() -> pwd.struct_passwd:
    for name in UNPRIVILEGED_USERS:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresServerError(
        f"running as root, but none of the users {UNPRIVILEGED_USERS} exist to run PostgreSQL"
    )


def _clean_env() -> dict[str, str]:
    """The current environment minus ``PG*`` variables that would redirect the tools."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


def _quote_ident(name: str) -> str:
    if not _IDENTIFIER_RE.match(name):
        raise ValueError(f"not a simple SQL identifier: {name!r}")
    return '"' + name + '"'


class PostgresServer:
    """A private PostgreSQL cluster in a temporary directory.

    Use as a context manager (``with PostgresServer() as server: server.url``) or call
    :meth:`start` / :meth:`stop` explicitly.  :meth:`stop` is idempotent.
    """

    def __init__(
        self,
        binaries: PostgresBinaries | None = None,
        *,
        superuser: str = DEFAULT_SUPERUSER,
        start_timeout: float = START_TIMEOUT_S,
    ) -> None:
        found = binaries if binaries is not None else find_postgres_bindir()
        if found is None:
            raise PostgresServerError("PostgreSQL server binaries (initdb, pg_ctl) not found")
        _quote_ident(superuser)  # validate early
        self.binaries = found
        self.superuser = superuser
        self.start_timeout = start_timeout
        self.port: int | None = None
        self.basedir: Path | None = None
        self._run_as: pwd.struct_passwd | None = _unprivileged_user() if os.geteuid() == 0 else None
        self._started = False

    # -- paths -------------------------------------------------------------------------------

    @property
    def datadir(self) -> Path:
        return self._require_basedir() / "data"

    @property
    def socketdir(self) -> Path:
        return self._require_basedir()

    @property
    def logfile(self) -> Path:
        return self._require_basedir() / "postgres.log"

    def _require_basedir(self) -> Path:
        if self.basedir is None:
            raise PostgresServerError("server has not been started")
        return self.basedir

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``postgres`` maintenance database, as the superuser."""
        if self.port is None:
            raise PostgresServerError("server has not been started")
        return URL.create(
            "postgresql+psycopg",
            username=self.superuser,
            host="127.0.0.1",
            port=self.port,
            database="postgres",
        ).render_as_string(hide_password=False)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> str:
        """Initialise and start the cluster; return :attr:`url` once it accepts connections."""
        if self._started:
            return self.url
        self.basedir = Path(tempfile.mkdtemp(prefix="osddl-pg-"))
        try:
            os.chmod(self.basedir, 0o700)
            if self._run_as is not None:
                os.chown(self.basedir, self._run_as.pw_uid, self._run_as.pw_gid)
            self._initdb()
            self.port = _free_port()
            self._write_config(self.port)
            self._started = True
            self._pg_ctl_start()
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self.url

    def stop(self) -> None:
        """Stop the server (``pg_ctl stop -m immediate``) and delete the temporary directory."""
        basedir, self.basedir = self.basedir, None
        if basedir is None:
            return
        try:
            if self._started and (basedir / "data" / "postmaster.pid").exists():
                self._run(
                    [
                        str(self.binaries.pg_ctl),
                        "stop",
                        "-D",
                        str(basedir / "data"),
                        "-m",
                        "immediate",
                        "-w",
                        "-t",
                        "30",
                    ],
                    cwd=basedir,
                    check=False,
                )
        finally:
            self._started = False
            self.port = None
            shutil.rmtree(basedir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- steps -------------------------------------------------------------------------------

    def _initdb(self) -> None:
        self._run(
            [
                str(self.binaries.initdb),
                "-D",
                str(self.datadir),
                "-U",
                self.superuser,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            cwd=self.socketdir,
        )

    def _write_config(self, port: int) -> None:
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(port),
            "unix_socket_directories": "'" + str(self.socketdir).replace("'", "''") + "'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "logging_collector": "off",
        }
        lines = "".join(f"{k} = {v}\n" for k, v in settings.items())
        # Appending as root keeps the file's owner (the server user) and mode.
        with (self.datadir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# osddl test server\n" + lines)

    def _pg_ctl_start(self) -> None:
        self._run(
            [
                str(self.binaries.pg_ctl),
                "start",
                "-D",
                str(self.datadir),
                "-l",
                str(self.logfile),
                "-w",
                "-t",
                str(int(self.start_timeout)),
            ],
            cwd=self.socketdir,
        )

    def _wait_until_ready(self) -> None:
        engine = sa.create_engine(self.url, poolclass=NullPool, connect_args={"connect_timeout": 2})
        deadline = time.monotonic() + self.start_timeout
        last_error: Exception | None = None
        try:
            while time.monotonic() < deadline:
                try:
                    with engine.connect() as conn:
                        conn.execute(sa.text("select 1"))
                    return
                except sa.exc.OperationalError as exc:
                    last_error = exc
                    time.sleep(0.1)
        finally:
            engine.dispose()
        raise PostgresServerError(
            f"server did not accept connections within {self.start_timeout}s: {last_error}\n"
            + self._log_tail()
        )

    # -- helpers -----------------------------------------------------------------------------

    def _wrap(self, argv: Sequence[str]) -> list[str]:
        """Prefix ``argv`` so it runs as the unprivileged user when we are root."""
        if self._run_as is None:
            return list(argv)
        user = self._run_as.pw_name
        runuser = shutil.which("runuser")
        if runuser is not None:
            return [runuser, "-u", user, "--", *argv]
        su = shutil.which("su")
        if su is None:
            raise PostgresServerError("running as root, but neither runuser nor su is available")
        return [su, "-s", "/bin/sh", user, "-c", shlex.join(argv)]

    def _run(self, argv: Sequence[str], *, cwd: Path, check: bool = True) -> None:
        cmd = self._wrap(argv)
        try:
            proc = subprocess.run(
                cmd,
                cwd=cwd,
                env=_clean_env(),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise PostgresServerError(f"timed out: {shlex.join(cmd)}") from exc
        if check and proc.returncode != 0:
            raise PostgresServerError(
                f"command failed with exit code {proc.returncode}: {shlex.join(cmd)}\n"
                f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}\n" + self._log_tail()
            )

    def _log_tail(self, lines: int = 40) -> str:
        try:
            if self.basedir is None or not self.logfile.exists():
                return ""
            text = self.logfile.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "--- server log (tail) ---\n" + "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def postgres_server(
    binaries: PostgresBinaries | None = None, *, superuser: str = DEFAULT_SUPERUSER
) -> Iterator[str]:
    """Run a throwaway server for the duration of the ``with`` block; yield its admin URL."""
    server = PostgresServer(binaries, superuser=superuser)
    with server:
        yield server.url


# -- per-test helpers --------------------------------------------------------------------------


def _admin_engine(url: str | URL) -> sa.Engine:
    return sa.create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")


def create_database(admin_url: str, name: str) -> str:
    """Create an empty database ``name`` (owned by the admin user) and return its URL.

    ``name`` must be a simple identifier (letters, digits, ``_``; at most 63 characters).
    """
    quoted = _quote_ident(name)
    engine = _admin_engine(admin_url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {quoted} TEMPLATE template0 ENCODING 'UTF8'"))
    finally:
        engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def create_readonly_role(admin_url: str, db_name: str, role: str) -> str:
    """Create a LOGIN role that can only read ``db_name`` and return a URL that logs in as it.

    The role gets ``CONNECT`` on the database, ``USAGE`` on every non-system schema and
    ``SELECT`` on every table/view in them.  Default privileges are also set so that schemas
    and tables the *admin user* creates later in that database are readable too.

    Roles are cluster-wide: if ``role`` already exists it is reused (made LOGIN) and merely
    granted access to ``db_name`` as well.  Privileges PostgreSQL grants to ``PUBLIC`` still
    apply (on PostgreSQL < 15 that includes ``CREATE`` on schema ``public``).
    Authentication is ``trust``, so the URL carries no password.
    """
    q_role = _quote_ident(role)
    q_db = _quote_ident(db_name)
    base = make_url(admin_url)

    engine = _admin_engine(base)
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
            ).scalar()
            if exists:
                conn.execute(sa.text(f"ALTER ROLE {q_role} LOGIN"))
            else:
                conn.execute(
                    sa.text(
                        f"CREATE ROLE {q_role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                        "NOINHERIT NOREPLICATION NOBYPASSRLS"
                    )
                )
            conn.execute(sa.text(f"GRANT CONNECT ON DATABASE {q_db} TO {q_role}"))
    finally:
        engine.dispose()

    engine = _admin_engine(base.set(database=db_name))
    try:
        with engine.connect() as conn:
            schemas = conn.execute(
                sa.text(
                    "SELECT nspname FROM pg_namespace "
                    "WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%' "
                    "ORDER BY nspname"
                )
            ).scalars()
            for schema in schemas.all():
                q_schema = '"' + schema.replace('"', '""') + '"'
                conn.execute(sa.text(f"GRANT USAGE ON SCHEMA {q_schema} TO {q_role}"))
                conn.execute(
                    sa.text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {q_schema} TO {q_role}")
                )
            conn.execute(sa.text(f"ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO {q_role}"))
            conn.execute(sa.text(f"ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO {q_role}"))
    finally:
        engine.dispose()

    return base.set(username=role, password=None, database=db_name).render_as_string(
        hide_password=False
    )
