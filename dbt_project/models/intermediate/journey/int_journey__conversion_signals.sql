{#- Conversion: a deal (a sale or a lease) in the DMS, on the rooftop's calendar day. -#}

with

ranked as (

    select
        *,
        row_number() over (partition by customer_key, sold_on order by sold_at, deal_id) as deal_rank
    from {{ ref('int_journey__customer_deals') }}
    where sold_on <= {{ as_of_date() }}

)

select
    customer_key,
    sold_on as signal_date,
    count(*) as deals,
    max(case when deal_rank = 1 then 'deal:' || coalesce(sale_type, 'unknown') end) as entry_reason
from ranked
group by customer_key, sold_on
