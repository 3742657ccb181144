"""The nightly job and its schedule."""

import dagster as dg

from journey_assets.settings import load_settings

# Runs that write the local DuckDB file carry this tag; dagster.yaml lets one
# such run go at a time, because DuckDB allows a single writing process.
WAREHOUSE_TAGS = {"journey/warehouse": "duckdb"} if load_settings().is_local else {}

# Everything the batch plane builds: ingest, dbt, later scoring and activation; the weekly
# report (group "reports", defs/report/) runs on its own Monday schedule, not nightly.
NIGHTLY_SELECTION = dg.AssetSelection.all() - dg.AssetSelection.groups("reports")

nightly_job = dg.define_asset_job(
    "nightly",
    selection=NIGHTLY_SELECTION,
    tags=WAREHOUSE_TAGS,
    description="Ingest yesterday from every source, then build every dbt model and run its tests.",
)

# 03:00 UTC is night for every US rooftop; the run loads the previous UTC day.
nightly_schedule = dg.build_schedule_from_partitioned_job(nightly_job, hour_of_day=3, minute_of_hour=0)
