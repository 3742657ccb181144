{#- Every ingest source's vendor calls as one relation: ops.vendor_calls in the KPIs' words. -#}
with

unioned as (

    {% for name in ingest_sources() %}
        select * from {{ source('ops', 'vendor_calls_' ~ name) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    cast(partition_date as date) as partition_date,
    cast(called_at as date) as called_on,
    source,
    run_id,
    vendor,
    method,
    endpoint,
    status,
    outcome,
    outcome = 'ok' as is_success,
    attempts,
    retries,
    latency_ms,
    called_at
from unioned
