"""The code location: Dagster's own loader over defs/, with the resources and executor of the environment.

`JOURNEY_ENV` picks the environment (journey_assets/settings.py); the assets,
jobs and schedules are the same in both, only resources and executor differ.
Each stage keeps its own resources beside its definitions; they are merged
here, and `Definitions.merge` refuses two stages giving one key different values.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dagster as dg

from journey_assets.defs.activate.resources import activate_resources
from journey_assets.defs.predict.resources import predict_resources
from journey_assets.defs.report.resources import report_resources
from journey_assets.defs.resources import ingest_resources, warehouse_resources
from journey_assets.defs.respond.resources import respond_resources
from journey_assets.defs.transform.resources import transform_resources
from journey_assets.settings import Settings, load_settings

# Any path inside the project: the loader finds pyproject.toml's [tool.dg.project] from it.
PACKAGE_DIR = Path(__file__).resolve().parent
STAGE_RESOURCES = (
    warehouse_resources,
    ingest_resources,
    transform_resources,
    respond_resources,
    predict_resources,
    report_resources,
    activate_resources,
)

# The nightly run lands by about 04:00 UTC: a raw table or mart not updated
# for a day and a bit is late (warn), for two nights it is stale (fail).
NIGHTLY_FRESHNESS = dg.FreshnessPolicy.time_window(warn_window=timedelta(hours=26), fail_window=timedelta(hours=50))


def build_definitions(settings: Settings) -> dg.Definitions:
    # Locally one process writes DuckDB at a time, so steps run in the run's own process.
    executor = dg.in_process_executor if settings.is_local else dg.multiprocess_executor
    defs = dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=PACKAGE_DIR),
        *(dg.Definitions(resources=stage(settings)) for stage in STAGE_RESOURCES),
        dg.Definitions(executor=executor),
    )
    return defs.map_resolved_asset_specs(
        func=lambda spec: dg.apply_freshness_policy(spec, NIGHTLY_FRESHNESS),
        selection=dg.AssetSelection.key_prefixes("raw", "marts"),
    )


defs = build_definitions(load_settings())
