{#- The quarantined rows of every ingest source, counted per source, rooftop and partition day (no payload). -#}
with

unioned as (

    {% for name in ingest_sources() %}
        select
            source,
            dealer_id,
            snapshot_date
        from {{ source('ops', 'quarantine_' ~ name) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    source,
    dealer_id,
    cast(snapshot_date as date) as date_day,
    count(*) as quarantined_rows
from unioned
group by source, dealer_id, cast(snapshot_date as date)
