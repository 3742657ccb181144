"""The unpartitioned reference tables: US ZIP centroids and the rooftops config (journey_assets/sources/reference.py).

Replaced whole by every run that selects them (the nightly job does), so they
always hold the current list; dbt's staging models read them as sources.
"""

import warnings

import dagster as dg
import pandas as pd
from dagster_pandera import pandera_schema_to_dagster_type

from journey_assets.defs.ingest.resources import RooftopsResource
from journey_assets.sources.reference import ROOFTOPS, ZIP_CENTROIDS, rooftop_rows, zip_centroid_rows
from journey_assets.sources.spec import Table


def _dagster_type(table: Table) -> dg.DagsterType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # dagster-pandera's converter is marked beta
        return pandera_schema_to_dagster_type(table.pandera_schema())


@dg.asset(
    key=ZIP_CENTROIDS.key_path,
    description=ZIP_CENTROIDS.description,
    group_name="ingest",
    dagster_type=_dagster_type(ZIP_CENTROIDS),
)
def zip_centroids() -> dg.Output[pd.DataFrame]:
    frame = ZIP_CENTROIDS.frame(zip_centroid_rows())
    return dg.Output(frame, metadata={"rows": len(frame)})


@dg.asset(
    key=ROOFTOPS.key_path,
    description=ROOFTOPS.description,
    group_name="ingest",
    dagster_type=_dagster_type(ROOFTOPS),
)
def rooftops_config(rooftops: RooftopsResource) -> dg.Output[pd.DataFrame]:
    frame = ROOFTOPS.frame(rooftop_rows(rooftops.all()))
    return dg.Output(frame, metadata={"rows": len(frame)})
