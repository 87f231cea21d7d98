from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.warehouse.fixtures import PG_DSN


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A unique schema in the real PostgreSQL server, dropped after the test."""
    name = f"wh_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_DSN, autocommit=True)
    except psycopg.OperationalError as exc:  # pragma: no cover - the server is part of the test setup
        pytest.fail(f"PostgreSQL at {PG_DSN} is required: {exc}")
    try:
        yield name
    finally:
        admin.execute("SET lock_timeout = '20s'")
        admin.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        admin.close()


@pytest.fixture
def pg(pg_schema: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection closed before ``pg_schema`` is dropped (an open transaction would block the drop)."""
    con = psycopg.connect(PG_DSN)
    yield con
    con.close()
