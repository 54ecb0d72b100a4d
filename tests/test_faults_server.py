"""Server faults as an operator meets them, against the real throwaway PostgreSQL: a refused login
and a connection lost in the middle of a snapshot or a profile are one line each, with their exit
code, no traceback, and a rerun after the fault that succeeds."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from fixtures.demo import build_demo_into
from osddl.faults import CODES
from tests.doit_runs import doit, doit_command, doit_environment, tail

BLOCKED = "OSUSR_SAL_ORDER"


def one_line(result: subprocess.CompletedProcess[str], code: str) -> str:
    both = result.stdout + result.stderr
    assert result.returncode == CODES[code], tail(result)
    assert "Traceback" not in both and "PythonAction Error" not in both, tail(result)
    lines = both.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Fault - taskid:"))
    return lines[header + 1]


@pytest.fixture
def demo_url(postgres_url: str) -> str:
    engine = sa.create_engine(postgres_url)
    build_demo_into(engine)
    engine.dispose()
    return postgres_url


def test_a_refused_login_is_one_line(
    demo_url: str, postgres_admin_url: str, tmp_path: Path
) -> None:
    admin = sa.create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql("CREATE ROLE osddl_nologin NOLOGIN")
    admin.dispose()
    url = sa.engine.make_url(demo_url).set(username="osddl_nologin")
    rendered = url.render_as_string(hide_password=False)
    line = one_line(doit(tmp_path, "extract_model", OSDDL_SOURCE_URL=rendered), "EX_NOPERM")
    assert line.startswith(f"{rendered}: ")
    assert "not permitted to log in" in line
    assert line.endswith(
        "; check the user name and password in source.url (or the principal's LOGIN right)"
    )


def _terminate_when_blocked(admin_url: str, table: str, process: subprocess.Popen[str]) -> None:
    """Hold an exclusive lock on `table` until the run's query waits for it, then end that
    backend: the connection is lost while the stage is reading."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    locker = sa.create_engine(admin_url)
    try:
        with locker.connect() as holding:
            holding.exec_driver_sql(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and process.poll() is None:
                with admin.connect() as watching:
                    waiting = (
                        watching.exec_driver_sql(
                            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND pid <> pg_backend_pid()"
                        )
                        .scalars()
                        .all()
                    )
                    if waiting:
                        for pid in waiting:
                            watching.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
                        break
                time.sleep(0.1)
            else:
                raise AssertionError("the run never waited on the locked table")
            holding.rollback()
    finally:
        locker.dispose()
        admin.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["snapshot", "profile"])
def test_a_connection_lost_mid_stage_is_one_line_and_a_rerun_succeeds(
    demo_url: str, tmp_path: Path, stage: str
) -> None:
    env = {"OSDDL_SOURCE_URL": demo_url, "OSDDL_UAT_USERS_ENABLED": "0"}
    ready = doit(tmp_path, "extract_model", **env)
    assert ready.returncode == 0, tail(ready)
    process = subprocess.Popen(
        doit_command(tmp_path, stage),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=doit_environment(env),
    )
    try:
        _terminate_when_blocked(demo_url, BLOCKED, process)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    line = one_line(result, "EX_TEMPFAIL")
    assert "terminating connection" in line
    assert line.endswith(
        "; check the server and the network, then run again (finished tables are kept)"
    )
    again = doit(tmp_path, stage, **env)
    assert again.returncode == 0, tail(again)
