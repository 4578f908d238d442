"""Fixtures shared by the queue tests: a real PostgreSQL server (one per session)."""

from tests.worker.postgres import pg_server, pg_url

__all__ = ["pg_server", "pg_url"]
