"""The local warehouse IO manager: DuckDB, creating a table even for an empty first write.

dagster-duckdb-pandas skips empty DataFrames, so a source with nothing on its
first day (no DMS file, no lead-ads lead) leaves no table, and every dbt model
reading it fails. Ingest assets emit typed frames (defs/ingest/common.py), so
an empty one still carries its column types: create the table from it. In
prod the raw tables exist before the first run (sql/raw DDL).
"""

from collections.abc import Sequence

import pandas as pd
from dagster import OutputContext
from dagster._core.storage.db_io_manager import DbTypeHandler, TableSlice
from dagster_duckdb_pandas import DuckDBPandasIOManager, DuckDBPandasTypeHandler


class TypedEmptyDuckDBPandasTypeHandler(DuckDBPandasTypeHandler):
    def handle_output(self, context: OutputContext, table_slice: TableSlice, obj: pd.DataFrame, connection):
        if obj.empty and len(obj.columns):
            connection.register("empty_frame", obj)
            connection.execute(
                f"create table if not exists {table_slice.schema}.{table_slice.table} as select * from empty_frame"
            )
            connection.unregister("empty_frame")
        super().handle_output(context, table_slice, obj, connection)


class WarehouseDuckDBIOManager(DuckDBPandasIOManager):
    @staticmethod
    def type_handlers() -> Sequence[DbTypeHandler]:
        return [TypedEmptyDuckDBPandasTypeHandler()]
