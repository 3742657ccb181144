-- The recent Dagster runs' step timings and row counts, replaced whole by the asset ops/pipeline_steps
-- (journey_assets/defs/ops/pipeline_steps.py; columns declared by journey_assets/sources/pipeline.py):
-- processing speed per record per stage (marts.fct_pipeline_speed_daily). Run once per project:
--     bq query --use_legacy_sql=false < sql/ops/pipeline_steps.sql

create table if not exists ops.pipeline_steps (
    run_id         string    not null,
    job_name       string    not null,
    step_key       string    not null options (description = "the step: an ingest source, dbt_models, ..."),
    status         string    options (description = "SUCCESS, FAILURE, SKIPPED or IN_PROGRESS"),
    started_at     timestamp,
    finished_at    timestamp,
    seconds        float64,
    rows_written   int64     options (description = "rows its outputs reported (rows metadata); null when none did"),
    assets_written int64,
    loaded_at      timestamp not null
)
options (description = 'Dagster step timings; see journey_assets/defs/ops/pipeline_steps.py');
