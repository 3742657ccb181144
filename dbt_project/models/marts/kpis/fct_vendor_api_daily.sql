{#- API health per vendor and day (the runs' partition day): calls, outcomes, retries, latency. Vendor calls
    are the dealer group's (an endpoint template names no rooftop), so this is group-wide. -#}
select
    partition_date as date_day,
    vendor,
    count(*) as calls,
    sum(case when outcome = 'ok' then 1 else 0 end) as ok_calls,
    sum(case when outcome = 'transient_error' then 1 else 0 end) as transient_error_calls,
    sum(case when outcome in ('permanent_error', 'error') then 1 else 0 end) as permanent_error_calls,
    sum(retries) as retries,
    sum(case when outcome = 'ok' then 1 else 0 end) * 1.0 / count(*) as success_rate,
    sum(case when outcome != 'ok' then 1 else 0 end) * 1.0 / count(*) as error_rate,
    sum(case when retries > 0 then 1 else 0 end) * 1.0 / count(*) as retried_share,
    avg(latency_ms) as avg_latency_ms,
    max(latency_ms) as max_latency_ms
from {{ ref('stg_ops__vendor_calls') }}
group by partition_date, vendor
