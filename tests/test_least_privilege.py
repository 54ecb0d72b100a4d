"""Least privilege (docs/security.md): the stages that read the source work through principals that
can only read, and a missing grant ends in one line naming the table and the grant."""

from __future__ import annotations

import hashlib
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from fixtures.demo import build_demo, build_demo_into
from osddl.errors import SourceError
from osddl.faults import CODES
from osddl.model.store import read_model
from osddl.options import (
    extract_options,
    profile_stage_options,
    selection_options,
    snapshot_options,
    static_data_options,
)
from osddl.profile.run import ProfileOptions, profile_model
from osddl.selection import select, table_id
from osddl.source.engine import create_source_engine
from osddl.stages.extract_model import extract_to_file
from osddl.stages.profile import profile_to_files
from osddl.stages.snapshot import snapshot_one
from osddl.stages.static_data import snapshot_static_entities
from tests.postgres_server import create_readonly_role
from tests.project_settings import env_settings

DATABASES = ("qa.sqlite", "qa_billing.sqlite")
REVOKED = "OSUSR_SAL_ORDER"


def read_stages(url: str, folder: Path) -> dict[str, bytes]:
    """extract_model, profile, static_data and every snapshot; returns the snapshots' bytes."""
    config = env_settings({"OSDDL_SOURCE_URL": url, "OSDDL_CACHE_DIR": str(folder / "cache")})
    out = folder / "out"
    model = out / "model.json"
    extract_to_file(extract_options(config), model)
    profile = (out / "profile.parquet", out / "profile-summary.json")
    profile_to_files(profile_stage_options(config), model, *profile)
    snapshot_static_entities(static_data_options(config), model, out)
    for _, entity in select(read_model(model), selection_options(config)).exported:
        snapshot_one(snapshot_options(config), model, table_id(entity), out)
    return {p.name: p.read_bytes() for p in sorted((out / "data").rglob("*.parquet"))}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    build_demo(folder)
    return folder


@pytest.fixture(scope="module")
def writable_run(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The same stages over the ordinary (writable) demo file: what the read-only runs must give."""
    return read_stages(f"sqlite:///{demo / 'qa.sqlite'}", tmp_path_factory.mktemp("writable"))


@pytest.fixture
def read_only_demo(demo: Path, tmp_path: Path) -> Iterator[Path]:
    """The demo files with mode 0444 in a folder with mode 0555 (restored afterwards)."""
    folder = tmp_path / "source"
    folder.mkdir()
    for name in DATABASES:
        shutil.copy(demo / name, folder / name)
        (folder / name).chmod(0o444)
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_sqlite_source_is_read_through_a_read_only_connection(
    read_only_demo: Path, tmp_path: Path, writable_run: dict[str, bytes]
) -> None:
    before = digests(read_only_demo)
    url = f"sqlite:///{read_only_demo / 'qa.sqlite'}"
    assert read_stages(url, tmp_path) == writable_run
    assert digests(read_only_demo) == before  # no journal, no change
    assert all(not (p.stat().st_mode & stat.S_IWUSR) for p in read_only_demo.iterdir())


def test_sqlite_source_connection_refuses_writes(demo: Path) -> None:
    """Read-only is the connection's mode, not the file's: even root cannot write through it."""
    engine = create_source_engine(f"sqlite:///{demo / 'qa.sqlite'}")
    try:
        for statement in (
            'DELETE FROM "OSUSR_SAL_ORDER"',
            'CREATE TABLE "sneaky" ("id" INTEGER)',
            'DELETE FROM "billing"."BILLING_ACCOUNT"',
        ):
            with engine.connect() as connection, pytest.raises(sa.exc.OperationalError) as info:
                connection.exec_driver_sql(statement)
            assert "readonly database" in str(info.value), statement
    finally:
        engine.dispose()


@pytest.fixture
def postgres_reader(postgres_admin_url: str, postgres_url: str) -> tuple[str, str]:
    """The demo on PostgreSQL and a role with CONNECT, USAGE and SELECT only: (its URL, name)."""
    engine = sa.create_engine(postgres_url)
    build_demo_into(engine)
    engine.dispose()
    database = str(sa.engine.make_url(postgres_url).database)
    role = f"reader_{database}"
    return create_readonly_role(postgres_admin_url, database, role), role


def revoke(postgres_url: str, role: str) -> None:
    admin = sa.create_engine(postgres_url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'REVOKE SELECT ON "{REVOKED}" FROM "{role}"')
    admin.dispose()


def test_postgres_select_only_role_reads_every_stage(
    postgres_reader: tuple[str, str], tmp_path: Path, writable_run: dict[str, bytes]
) -> None:
    snapshots = read_stages(postgres_reader[0], tmp_path)
    assert sorted(snapshots) == sorted(writable_run)


def denied(url: str) -> str:
    return (
        f"{url}: permission denied for table {REVOKED} on [dbo].[{REVOKED}]; "
        "grant SELECT on it to this principal"
    )


def test_missing_grant_is_one_line_naming_table_and_grant(
    postgres_reader: tuple[str, str], postgres_url: str, tmp_path: Path
) -> None:
    url, role = postgres_reader
    config = env_settings({"OSDDL_SOURCE_URL": url, "OSDDL_CACHE_DIR": str(tmp_path / "cache")})
    out = tmp_path / "out"
    model = out / "model.json"
    extract_to_file(extract_options(config), model)
    revoke(postgres_url, role)
    with pytest.raises(SourceError) as stage_error:  # the stage's source probe counts rows first
        profile_to_files(
            profile_stage_options(config),
            model,
            out / "profile.parquet",
            out / "profile-summary.json",
        )
    probe_message = str(stage_error.value)
    assert "\n" not in probe_message and f"permission denied for table {REVOKED}" in probe_message
    assert "SELECT" in probe_message
    engine = create_source_engine(url)
    with pytest.raises(SourceError) as profile_error:
        profile_model(engine, read_model(model), ProfileOptions())
    engine.dispose()
    assert str(profile_error.value) == denied(url)
    with pytest.raises(SourceError) as snapshot_error:
        snapshot_one(snapshot_options(config), model, f"dbo.{REVOKED}", out)
    assert str(snapshot_error.value) == denied(url)
    assert profile_error.value.exit_code == snapshot_error.value.exit_code == CODES["EX_NOPERM"]
    assert not (out / "profile.parquet").exists()
    assert not list(out.rglob("*.parquet"))
