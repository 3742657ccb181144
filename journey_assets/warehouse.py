"""Access to the warehouse from Python (the report, the analyst, activation): DuckDB locally, BigQuery in prod.

Queries are written once, in DuckDB's dialect over `schema.table` names, and BigQuery gets them transpiled by
sqlglot (`date_diff('second', a, b)` becomes `TIMESTAMP_DIFF(b, a, SECOND)`, and so on). A table another stage
has not built yet is reported missing rather than failing the caller (`has_table`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd


def bigquery_sql(duckdb_sql: str) -> str:
    """A query written for DuckDB, in BigQuery's dialect."""
    import sqlglot

    return sqlglot.transpile(duckdb_sql, read="duckdb", write="bigquery")[0]


class Warehouse(Protocol):
    def has_table(self, schema: str, table: str) -> bool: ...

    def query(self, sql: str) -> pd.DataFrame: ...

    def append(self, schema: str, table: str, frame: pd.DataFrame) -> None: ...

    def replace_keyed(
        self, schema: str, table: str, keys: list[str], upserts: pd.DataFrame, deletes: pd.DataFrame
    ) -> None: ...


def _key_match(table: str, other: str, keys: list[str]) -> str:
    return " and ".join(f"{table}.{k} = {other}.{k}" for k in keys)


@dataclass
class DuckDBWarehouse:
    """A DuckDB file; reads open it read-only, so the UI and a running job can both look."""

    path: str

    def _connect(self, read_only: bool = True) -> Any:
        import duckdb

        return duckdb.connect(self.path, read_only=read_only)

    def has_table(self, schema: str, table: str) -> bool:
        with self._connect() as connection:
            found = connection.execute(
                "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchone()
        return bool(found and found[0])

    def query(self, sql: str) -> pd.DataFrame:
        with self._connect() as connection:
            return connection.execute(sql).df()

    def append(self, schema: str, table: str, frame: pd.DataFrame) -> None:
        """Append rows, creating the table from the frame's columns the first time."""
        with self._connect(read_only=False) as connection:
            connection.register("incoming", frame)
            connection.execute(f"create schema if not exists {schema}")
            connection.execute(f"create table if not exists {schema}.{table} as select * from incoming limit 0")
            connection.execute(f"insert into {schema}.{table} by name select * from incoming")
            connection.unregister("incoming")

    def replace_keyed(
        self, schema: str, table: str, keys: list[str], upserts: pd.DataFrame, deletes: pd.DataFrame
    ) -> None:
        """In one transaction: drop the rows whose `keys` are in `upserts` or `deletes`, insert `upserts`.

        The table is created from `upserts`' columns the first time (so `upserts` must carry every column)."""
        with self._connect(read_only=False) as connection:
            connection.register("upserts", upserts)
            connection.register("deletes", deletes[keys])
            connection.execute(f"create schema if not exists {schema}")
            connection.execute(f"create table if not exists {schema}.{table} as select * from upserts limit 0")
            connection.execute("begin")
            for source in ("upserts", "deletes"):
                connection.execute(
                    f"delete from {schema}.{table} t where exists "
                    f"(select 1 from {source} s where {_key_match('t', 's', keys)})"
                )
            connection.execute(f"insert into {schema}.{table} by name select * from upserts")
            connection.execute("commit")
            connection.unregister("upserts")
            connection.unregister("deletes")


@dataclass
class BigQueryWarehouse:
    """The prod warehouse: datasets named like the local schemas, in `project`."""

    project: str
    location: str | None = None

    def _client(self) -> Any:
        from google.cloud import bigquery

        return bigquery.Client(project=self.project, location=self.location)

    def has_table(self, schema: str, table: str) -> bool:
        from google.api_core.exceptions import NotFound

        try:
            self._client().get_table(f"{self.project}.{schema}.{table}")
        except NotFound:
            return False
        return True

    def query(self, sql: str) -> pd.DataFrame:
        # `marts.x` resolves in the client's project, as the local `schema.table` does in DuckDB.
        return self._client().query(bigquery_sql(sql)).to_dataframe()

    def append(self, schema: str, table: str, frame: pd.DataFrame) -> None:
        from google.cloud import bigquery

        config = bigquery.LoadJobConfig(write_disposition="WRITE_APPEND", create_disposition="CREATE_IF_NEEDED")
        self._client().load_table_from_dataframe(frame, f"{self.project}.{schema}.{table}", job_config=config).result()

    def replace_keyed(
        self, schema: str, table: str, keys: list[str], upserts: pd.DataFrame, deletes: pd.DataFrame
    ) -> None:
        """Drop the rows whose `keys` are in `upserts` or `deletes`, insert `upserts`: the changed keys are loaded
        to a staging table, then one multi-statement transaction deletes and inserts (no streaming buffer, so
        the delete can touch rows loaded by an earlier run)."""
        import uuid

        from google.cloud import bigquery

        client = self._client()
        target = f"{self.project}.{schema}.{table}"
        staging = f"{self.project}.{schema}._staging_{table}_{uuid.uuid4().hex[:12]}"
        load = bigquery.LoadJobConfig(write_disposition="WRITE_TRUNCATE")
        keyed = pd.concat([upserts[keys], deletes[keys]], ignore_index=True).drop_duplicates()
        client.load_table_from_dataframe(upserts, staging + "_rows", job_config=load).result()
        client.load_table_from_dataframe(keyed, staging + "_keys", job_config=load).result()
        try:
            create = bigquery.LoadJobConfig(write_disposition="WRITE_APPEND", create_disposition="CREATE_IF_NEEDED")
            client.load_table_from_dataframe(upserts.head(0), target, job_config=create).result()
            client.query(
                f"begin transaction; "
                f"delete from `{target}` t where exists (select 1 from `{staging}_keys` s "
                f"where {_key_match('t', 's', keys)}); "
                f"insert into `{target}` select * from `{staging}_rows`; "
                f"commit transaction;"
            ).result()
        finally:
            client.delete_table(staging + "_rows", not_found_ok=True)
            client.delete_table(staging + "_keys", not_found_ok=True)
