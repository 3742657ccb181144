"""The test Postgres server: `JOURNEY_TEST_POSTGRES_URL` (CI exports it: `eval "$(.ci/postgres)"`).

Without it the Postgres half of the store and ledger contracts is skipped locally, with the reason; on CI
(`CI=true`) a missing server is an error, so the Postgres half can never silently not run there. Each
test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

URL_VAR = "JOURNEY_TEST_POSTGRES_URL"


def postgres_url() -> str:
    url = os.environ.get(URL_VAR, "")
    if not url:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must run the Postgres contracts: {URL_VAR} is not set (.ci/run starts the server)")
        pytest.skip(f'no Postgres server: set {URL_VAR} (eval "$(.ci/postgres)") to run the Postgres contracts')
    return url


def fresh_schema(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def drop_schema(url: str, schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def schema_spec(url: str, schema: str) -> str:
    """A store spec naming `schema` on the test server (what JOURNEY_INTAKE_STORE / _RESPONSE_LEDGER take)."""
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


def postgres_schema(prefix: str) -> Iterator[tuple[str, str]]:
    """(server URL, a fresh schema), dropped afterwards."""
    url = postgres_url()
    schema = fresh_schema(prefix)
    try:
        yield url, schema
    finally:
        drop_schema(url, schema)
