{#- The error rate of ingestion: per source, rooftop and partition day, the rows loaded into raw and the rows
    quarantined, and the quarantined share of all rows received. -#}
with

loaded as (

    select
        source,
        dealer_id,
        date_day,
        sum(loaded_rows) as loaded_rows
    from {{ ref('int_kpis__raw_rows_daily') }}
    group by source, dealer_id, date_day

),

quarantined as (

    select
        source,
        dealer_id,
        date_day,
        sum(quarantined_rows) as quarantined_rows
    from {{ ref('stg_ops__quarantined_rows') }}
    group by source, dealer_id, date_day

),

joined as (

    select
        coalesce(loaded.source, quarantined.source) as source,
        coalesce(loaded.dealer_id, quarantined.dealer_id) as dealer_id,
        coalesce(loaded.date_day, quarantined.date_day) as date_day,
        coalesce(loaded.loaded_rows, 0) as loaded_rows,
        coalesce(quarantined.quarantined_rows, 0) as quarantined_rows
    from loaded
    full outer join quarantined
        on
            loaded.source = quarantined.source
            and loaded.dealer_id = quarantined.dealer_id
            and loaded.date_day = quarantined.date_day

)

select
    source,
    dealer_id,
    date_day,
    loaded_rows,
    quarantined_rows,
    quarantined_rows * 1.0 / nullif(loaded_rows + quarantined_rows, 0) as quarantined_share
from joined
