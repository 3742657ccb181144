select
    run_id,
    job_name,
    step_key,
    status,
    cast(started_at as {{ dbt.type_timestamp() }}) as started_at,
    cast(finished_at as {{ dbt.type_timestamp() }}) as finished_at,
    cast(started_at as date) as started_on,
    seconds,
    rows_written,
    assets_written
from {{ source('ops', 'pipeline_steps') }}
