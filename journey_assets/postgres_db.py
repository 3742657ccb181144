"""One way to open the real-time plane's Postgres stores (the intake's event store, the response ledger).

In prod both live on the server that holds the Dagster instance's storage, each in its own schema
(`journey_intake`, `journey_response`), so they never meet Dagster's tables. A store is named by a
libpq URL, `postgresql://user@host:5432/db`, with an optional `?schema=<name>` (ours, taken off before
libpq sees the URL). The URL must not carry a password: it is shown in logs, in Dagster's resource
config and in errors; libpq reads the password from PGPASSWORD or a passfile (PGPASSFILE, ~/.pgpass).

Every connection commits with `synchronous_commit=on` whatever the server's default, so COMMIT returns
after the commit record is flushed: the promise behind the intake's 2xx and the ledger's claims.
psycopg 3 is the library; what is shared here is the opening ritual, as `sqlite_file.py` does for SQLite.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

URL_SCHEMES = ("postgresql://", "postgres://")
SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def is_postgres_spec(spec: object) -> bool:
    return str(spec).startswith(URL_SCHEMES)


def postgres_spec(spec: str, default_schema: str) -> tuple[str, str]:
    """(libpq URL, schema) from a store spec; refuses a password in the URL and a schema name that is not plain."""
    parts = urlsplit(spec)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((value for key, value in query if key == "schema"), default_schema)
    conninfo = urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in query if k != "schema"])))
    if not SCHEMA_NAME.match(schema):
        raise ValueError("a Postgres store's schema is lower-case letters, digits and underscores")
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError as exc:
        # libpq's message names the part it could not read; it never echoes a password it did not find
        raise ValueError(f"not a Postgres URL libpq can read: {exc}") from None
    if params.get("password"):
        raise ValueError(
            "a Postgres store URL must not carry a password (it would reach logs and Dagster's config); "
            "set PGPASSWORD or use a passfile"
        )
    return conninfo, schema


def describe(conninfo: str, schema: str) -> str:
    """host:port/db (schema), for reprs and log lines."""
    params = conninfo_to_dict(conninfo)
    return f"{params.get('host', '')}:{params.get('port', '5432')}/{params.get('dbname', '')} ({schema})"


def connect(conninfo: str, schema: str, *, application_name: str, lock_timeout_ms: int = 30_000) -> psycopg.Connection:
    """An autocommit connection (transactions are explicit) whose tables are `schema`'s, committing durably."""
    conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=10, application_name=application_name)
    try:
        conn.execute("SET synchronous_commit TO on")
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("SET lock_timeout TO {}").format(sql.Literal(f"{int(lock_timeout_ms)}ms")))
    except BaseException:
        conn.close()
        raise
    return conn


def create_schema(conn: psycopg.Connection, schema: str, ddl: str) -> None:
    """Create `schema` and its tables once, even when several processes start at the same moment
    (concurrent CREATE ... IF NOT EXISTS can still collide in the catalog, so they take turns)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"journey ddl {schema}",))
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        conn.execute(sql.SQL(ddl))  # our own constant DDL, several statements
