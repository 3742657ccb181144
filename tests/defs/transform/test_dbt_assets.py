"""How dbt's tests and tables are described to Dagster: check descriptions and DuckDB row counts."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from journey_assets.defs.transform.dbt import ROW_COUNT, describe_dbt_test, with_duckdb_row_counts


def generic(name: str, **kwargs) -> dict:
    return {"name": f"{name}_x", "test_metadata": {"name": name, "kwargs": kwargs}, "description": ""}


def test_a_generic_test_is_described_from_its_name_column_and_table():
    table = "marts/fct_inventory_price_history"
    assert describe_dbt_test(generic("not_null", column_name="vin"), table) == f"`vin` is never null in {table}."
    assert describe_dbt_test(
        generic("accepted_values", column_name="strategy", values=["mobile", "desktop"]), table
    ) == (f"`strategy` in {table} is one of: mobile, desktop.")
    assert (
        describe_dbt_test(
            generic("relationships", column_name="vehicle_id", to="ref('dim_inventory_vehicles')", field="vehicle_id"),
            table,
        )
        == f"Every `vehicle_id` in {table} is a `vehicle_id` of dim_inventory_vehicles."
    )
    assert (
        describe_dbt_test(
            generic("unique_combination_of_columns", combination_of_columns=["vehicle_id", "valid_from"]), table
        )
        == f"Each (vehicle_id, valid_from) appears once in {table}."
    )
    assert describe_dbt_test(generic("expression_is_true", column_name="price"), table) == (
        f"dbt test `expression_is_true` on `price` of {table}."
    )


def test_a_written_description_wins_and_a_singular_test_names_its_file():
    written = {**generic("not_null", column_name="vin"), "description": "Every vehicle has a VIN."}
    assert describe_dbt_test(written, "t") == "Every vehicle has a VIN."
    singular = {"name": "no_future_sales", "original_file_path": "tests/no_future_sales.sql", "description": ""}
    assert describe_dbt_test(singular, "t") == "Singular dbt test `no_future_sales` (tests/no_future_sales.sql) on t."


def test_tables_get_their_row_count_and_views_none(tmp_path: Path):
    database = tmp_path / "journey.duckdb"
    with duckdb.connect(str(database)) as db:
        db.execute("create schema marts; create schema staging")
        db.execute("create table marts.dim_x as select * from range(7)")
        db.execute("create view staging.stg_x as select * from marts.dim_x")
    events = [
        dg.AssetMaterialization(asset_key=["marts", "dim_x"], metadata={"unique_id": "model.p.dim_x"}),
        dg.AssetMaterialization(asset_key=["staging", "stg_x"]),
    ]
    context = dg.build_asset_context()
    table, view = with_duckdb_row_counts(context, events, database)
    assert table.metadata[ROW_COUNT].value == 7
    assert table.metadata["unique_id"].value == "model.p.dim_x"
    assert ROW_COUNT not in view.metadata


def test_an_unreadable_file_loses_the_counts_not_the_events(tmp_path: Path):
    events = [dg.AssetMaterialization(asset_key=["marts", "dim_x"])]
    (event,) = with_duckdb_row_counts(dg.build_asset_context(), events, tmp_path / "missing.duckdb")
    assert event.asset_key == dg.AssetKey(["marts", "dim_x"]) and ROW_COUNT not in event.metadata
