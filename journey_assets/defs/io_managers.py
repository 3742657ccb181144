"""The local warehouse IO manager: DuckDB, with every declared raw and ops table created before the first write.

dagster-duckdb-pandas skips an empty DataFrame, so a source with nothing on its
first day (no DMS file, no lead-ads lead) would leave no table and every dbt
model reading it would fail. In prod the tables exist before the first run
(sql/raw, sql/ops DDL); locally this IO manager creates them the same way,
from the source specs (journey_assets/sources), before it first writes.
"""

from typing import Any

import dagster as dg
import duckdb
from dagster_duckdb_pandas import DuckDBPandasIOManager

from journey_assets.sources.catalog import ddl, declared_tables
from journey_assets.sources.spec import DUCKDB_TYPES


def create_declared_tables(database: str) -> None:
    with duckdb.connect(database) as connection:
        for table in declared_tables():
            connection.execute(f"create schema if not exists {table.schema}")
            connection.execute(ddl(table, DUCKDB_TYPES))


class _DeclaredTablesFirst(dg.IOManager):
    """Delegates to the DuckDB IO manager; creates the declared tables on the first write of a run only,
    so a run that writes nothing (the respond runs) never opens the warehouse."""

    def __init__(self, inner: dg.IOManager, database: str):
        self.inner, self.database, self.created = inner, database, False

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if not self.created:
            create_declared_tables(self.database)
            self.created = True
        self.inner.handle_output(context, obj)

    def load_input(self, context: dg.InputContext) -> Any:
        return self.inner.load_input(context)


class WarehouseDuckDBIOManager(DuckDBPandasIOManager):
    # The wrapper delegates to the DbIOManager the parent builds; Dagster only needs an IOManager here.
    def create_io_manager(self, context: dg.InitResourceContext) -> dg.IOManager:  # type: ignore[override]
        return _DeclaredTablesFirst(super().create_io_manager(context), self.database)
