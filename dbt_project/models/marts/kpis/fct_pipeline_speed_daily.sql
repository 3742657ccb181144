{#- Processing speed per record for each pipeline stage (a Dagster step: an ingest source, dbt_models, the
    ledger landing) and day the steps started: rows written per second of step time, from the runs' own
    timings (ops.pipeline_steps). Steps that reported no row count count for the time, not the rows. -#}
select
    started_on as date_day,
    step_key as stage,  -- noqa: RF04
    count(distinct run_id) as runs,
    sum(case when status = 'SUCCESS' then 1 else 0 end) as succeeded_steps,
    sum(case when status = 'FAILURE' then 1 else 0 end) as failed_steps,
    sum(seconds) as seconds,
    sum(rows_written) as rows_written,
    sum(case when rows_written is not null then seconds end) as seconds_with_rows,
    sum(rows_written) / nullif(sum(case when rows_written is not null then seconds end), 0) as rows_per_second,
    sum(case when rows_written is not null then seconds end) * 1000.0 / nullif(sum(rows_written), 0)
        as milliseconds_per_row
from {{ ref('stg_ops__pipeline_steps') }}
where started_on is not null
group by started_on, step_key
