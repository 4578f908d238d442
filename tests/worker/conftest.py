"""Fixtures shared by the queue tests: a real PostgreSQL server (one per session)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.worker.postgres import PostgresServer, postgres_server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    """A fresh database on the session's server."""
    return pg_server.new_database()
