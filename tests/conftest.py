"""Shared pytest fixtures."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.postgres_server import PostgresServer, create_database, find_postgres_bindir

POSTGRES_MISSING = (
    "PostgreSQL server binaries not found: install the Debian package 'postgresql' "
    "(apt-get install -y postgresql) to run these tests"
)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """Superuser URL (``postgresql+psycopg://...@127.0.0.1:<port>/postgres``) of a private,
    throwaway PostgreSQL server shared by the whole test session.

    Skips the requesting test when the server binaries are not installed.  A server that is
    installed but fails to start is an error, not a skip.
    """
    binaries = find_postgres_bindir()
    if binaries is None:
        pytest.skip(POSTGRES_MISSING)
    with PostgresServer(binaries) as server:
        yield server.url


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> str:
    """URL of a brand-new, empty database (unique per test) on the session's server."""
    return create_database(postgres_admin_url, f"test_{uuid.uuid4().hex[:16]}")
