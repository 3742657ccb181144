"""The GA4 BigQuery event export, landed in the local warehouse. Local only: in prod Google writes it.

A GA4 property linked to BigQuery gets `analytics_<property_id>.events_YYYYMMDD`, one table per
property-local day, which dbt reads in place (source `ga4_export`, BigQuery's `events_*` wildcard).
Locally the sandbox writes the same day tables as Parquet files (sandbox/ga4_export.py); this asset
copies a partition's day tables into DuckDB under the same names, schema and nesting, and keeps
`raw.ga4_export_events`, a view over every day table with the two columns BigQuery's wildcard gives
(`_table_suffix`) or the dbt macro adds (`property_id`): DuckDB has no wildcard tables. Partition D
loads the tables named D of every rooftop's property (docs/decisions/0811-ga4-export-landing.md).
"""

import re
from pathlib import Path

import dagster as dg
import duckdb

from journey_assets.defs.ingest.factory import partition_days
from journey_assets.defs.ingest.resources import RooftopsResource
from journey_assets.defs.partitions import daily_partitions
from journey_assets.settings import DUCKDB_DEFAULT_MEMORY_LIMIT, load_settings

VIEW = "raw.ga4_export_events"
DAY_TABLE = re.compile(r"^events_(\d{8})$")
PROPERTY_SCHEMA = re.compile(r"^analytics_(\d+)$")


class GA4ExportLandingResource(dg.ConfigurableResource):
    """Where the sandbox writes the export's day tables, and the DuckDB file they land in."""

    root: str
    database: str
    memory_limit: str = DUCKDB_DEFAULT_MEMORY_LIMIT  # the settings' JOURNEY_DUCKDB_MEMORY_LIMIT


def land_day_tables(db: duckdb.DuckDBPyConnection, root: Path, property_ids: list[str], days: list[str]) -> dict:
    """Copy each (property, YYYYMMDD) day table found under `root` into DuckDB, replacing an earlier copy."""
    tables, rows, missing = 0, 0, []
    for property_id in property_ids:
        if not property_id.isdigit():  # a schema name is built from it
            raise ValueError(f"GA4 property id {property_id!r} is not a number")
        for day in days:
            path = root / f"analytics_{property_id}" / f"events_{day}.parquet"
            if not path.exists():
                missing.append(f"{property_id}/{day}")  # GA4 writes no table for a day without events
                continue
            db.execute(f"create schema if not exists analytics_{property_id}")
            db.execute(
                f"create or replace table analytics_{property_id}.events_{day} as select * from read_parquet(?)",
                [str(path)],
            )
            rows += db.execute(f"select count(*) from analytics_{property_id}.events_{day}").fetchone()[0]
            tables += 1
    return {"tables": tables, "rows": rows, "missing": missing}


def refresh_union_view(db: duckdb.DuckDBPyConnection) -> int:
    """(Re)create the view over every landed day table; returns how many it covers."""
    found = db.execute(
        "select schema_name, table_name from duckdb_tables() where schema_name like 'analytics_%' order by 1, 2"
    ).fetchall()
    parts = [
        f"select '{PROPERTY_SCHEMA.match(schema).group(1)}' as property_id, '{DAY_TABLE.match(table).group(1)}'"
        f" as _table_suffix, * from {schema}.{table}"
        for schema, table in found
        if PROPERTY_SCHEMA.match(schema) and DAY_TABLE.match(table)
    ]
    db.execute("create schema if not exists raw")
    if not parts:  # no day table yet: an empty view of the columns dbt reads, so dbt can still build
        parts = [EMPTY_EXPORT]
    db.execute(f"create or replace view {VIEW} as " + " union all by name ".join(parts))
    return len(found)


_EMPTY_COLUMNS = {
    "property_id": "varchar",
    "_table_suffix": "varchar",
    "event_date": "varchar",
    "event_timestamp": "bigint",
    "event_name": "varchar",
    "event_params": 'struct("key" varchar, "value" struct(string_value varchar, int_value bigint, '
    "float_value double, double_value double))[]",
    "user_id": "varchar",
    "user_pseudo_id": "varchar",
    "user_first_touch_timestamp": "bigint",
    "device": "struct(category varchar)",
    "traffic_source": 'struct("name" varchar, medium varchar, "source" varchar)',
    "collected_traffic_source": "struct(manual_campaign_id varchar, manual_source varchar, manual_medium varchar, "
    "gclid varchar)",
    "stream_id": "varchar",
    "platform": "varchar",
}
EMPTY_EXPORT = "select " + ", ".join(f"cast(null as {t}) as {c}" for c, t in _EMPTY_COLUMNS.items()) + " where false"


if load_settings().is_local:

    @dg.asset(
        key=["raw", "ga4_export_events"],
        group_name="ingest",
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        description=(
            "The GA4 BigQuery export (analytics_<property_id>.events_YYYYMMDD, one row per event) landed in "
            "DuckDB from the sandbox, and raw.ga4_export_events, the view over every day table. Local only."
        ),
        kinds={"duckdb"},
    )
    def ga4_export_events(
        context: dg.AssetExecutionContext, rooftops: RooftopsResource, ga4_export_landing: GA4ExportLandingResource
    ) -> dg.MaterializeResult:
        properties = sorted(
            {str(r["ga4_property_id"]).removeprefix("properties/") for r in rooftops.all() if r.get("ga4_property_id")}
        )
        days = [d.strftime("%Y%m%d") for d in partition_days(context)]
        with duckdb.connect(
            ga4_export_landing.database, config={"memory_limit": ga4_export_landing.memory_limit}
        ) as db:
            db.begin()  # one commit for the range: a DuckDB commit per day table costs more than its copy
            landed = land_day_tables(db, Path(ga4_export_landing.root), properties, days)
            in_view = refresh_union_view(db)
            db.commit()
        if landed["missing"]:
            context.log.warning(f"GA4 export: no day table for {len(landed['missing'])} property-days")
        context.log.info(f"GA4 export: {landed['tables']} day tables, {landed['rows']} events landed")
        return dg.MaterializeResult(
            metadata={
                "day_tables": landed["tables"],
                "rows": landed["rows"],
                "missing_day_tables": len(landed["missing"]),
                "day_tables_in_view": in_view,
            }
        )
