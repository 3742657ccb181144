"""The pipeline's own timings as a warehouse table: every step of the recent Dagster runs, with the rows it wrote.

Written by defs/ops/pipeline_steps.py from the Dagster instance's run and step statistics, replaced whole each
run; dbt turns it into processing speed per record for each pipeline stage (marts.fct_pipeline_speed_daily).
"""

from __future__ import annotations

from journey_assets.sources.spec import Table

PIPELINE_STEPS = Table(
    name="pipeline_steps",
    schema="ops",
    description="Each step of the recent Dagster runs: its job, status, start, end and the rows it wrote.",
    columns={
        "run_id": "string",
        "job_name": "string",
        "step_key": "string",
        "status": "string",
        "started_at": "timestamp",
        "finished_at": "timestamp",
        "seconds": "float",
        "rows_written": "int",
        "assets_written": "int",
        "loaded_at": "timestamp",
    },
    partition_column=None,
    key=("run_id", "step_key"),
    not_null=("run_id", "job_name", "step_key", "loaded_at"),
    quarantined=False,
)

TABLES = (PIPELINE_STEPS,)
