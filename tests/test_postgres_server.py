"""Tests proving the throwaway PostgreSQL fixtures really work (and can fail)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.postgres_server import create_database, create_readonly_role


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=NullPool)


def test_admin_url_connects_and_reports_version(postgres_admin_url: str) -> None:
    url = make_url(postgres_admin_url)
    assert url.drivername == "postgresql+psycopg"
    assert url.host == "127.0.0.1"
    assert url.database == "postgres"

    engine = _engine(postgres_admin_url)
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("select version()")).scalar_one()
            encoding = conn.execute(sa.text("show server_encoding")).scalar_one()
            listen = conn.execute(sa.text("show listen_addresses")).scalar_one()
            is_super = conn.execute(sa.text("show is_superuser")).scalar_one()
    finally:
        engine.dispose()
    assert version.startswith("PostgreSQL ")
    assert encoding == "UTF8"
    assert listen == "127.0.0.1"
    assert is_super == "on"


def test_postgres_url_databases_are_distinct(postgres_admin_url: str, postgres_url: str) -> None:
    other_url = create_database(postgres_admin_url, f"other_{uuid.uuid4().hex[:12]}")
    assert make_url(other_url).database != make_url(postgres_url).database

    first, second = _engine(postgres_url), _engine(other_url)
    try:
        with first.begin() as conn:
            conn.execute(sa.text("create table only_here (id int primary key)"))
            conn.execute(sa.text("insert into only_here values (1)"))
        assert sa.inspect(first).has_table("only_here")
        assert not sa.inspect(second).has_table("only_here")
        with second.connect() as conn, pytest.raises(sa.exc.ProgrammingError):
            conn.execute(sa.text("select * from only_here"))
    finally:
        first.dispose()
        second.dispose()


def test_postgres_url_is_fresh_and_empty(postgres_url: str) -> None:
    engine = _engine(postgres_url)
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_create_database_rejects_unsafe_names(postgres_admin_url: str) -> None:
    with pytest.raises(ValueError):
        create_database(postgres_admin_url, 'x"; drop database postgres; --')


def test_readonly_role_can_select_but_not_write(postgres_admin_url: str, postgres_url: str) -> None:
    db_name = make_url(postgres_url).database
    assert db_name is not None

    admin = _engine(postgres_url)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text("create schema app"))
            conn.execute(sa.text("create table public.t (id int primary key, v text)"))
            conn.execute(sa.text("create table app.u (id int primary key)"))
            conn.execute(sa.text("insert into public.t values (1, 'a'), (2, 'b')"))
            conn.execute(sa.text("insert into app.u values (7)"))
    finally:
        admin.dispose()

    role = f"ro_{uuid.uuid4().hex[:12]}"
    ro_url = create_readonly_role(postgres_admin_url, db_name, role)
    parsed = make_url(ro_url)
    assert parsed.username == role
    assert parsed.database == db_name
    assert parsed.password is None

    ro = _engine(ro_url)
    try:
        with ro.connect() as conn:
            assert conn.execute(sa.text("select current_user")).scalar_one() == role
            assert conn.execute(sa.text("select count(*) from public.t")).scalar_one() == 2
            assert conn.execute(sa.text("select id from app.u")).scalar_one() == 7

        for statement in (
            "insert into public.t values (3, 'c')",
            "update public.t set v = 'z'",
            "delete from app.u",
            "create table public.sneaky (id int)",
        ):
            with ro.connect() as conn, pytest.raises(sa.exc.ProgrammingError) as info:
                conn.execute(sa.text(statement))
            assert "permission denied" in str(info.value).lower(), statement
    finally:
        ro.dispose()

    # Nothing was written.
    admin = _engine(postgres_url)
    try:
        with admin.connect() as conn:
            assert conn.execute(sa.text("select count(*) from public.t")).scalar_one() == 2
    finally:
        admin.dispose()


def test_readonly_role_reads_tables_created_later(
    postgres_admin_url: str, postgres_url: str
) -> None:
    db_name = make_url(postgres_url).database
    assert db_name is not None
    ro_url = create_readonly_role(postgres_admin_url, db_name, f"ro_{uuid.uuid4().hex[:12]}")

    admin = _engine(postgres_url)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text("create table later (id int)"))
            conn.execute(sa.text("insert into later values (42)"))
    finally:
        admin.dispose()

    ro = _engine(ro_url)
    try:
        with ro.connect() as conn:
            assert conn.execute(sa.text("select id from later")).scalar_one() == 42
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                conn.execute(sa.text("insert into later values (1)"))
    finally:
        ro.dispose()
