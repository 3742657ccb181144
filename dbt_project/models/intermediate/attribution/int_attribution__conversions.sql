{#- What is attributed: every CRM lead and every DMS deal of a known person, from the first day the
    warehouse holds touches (the GA4 export); earlier conversions would have no path to credit. -#}

with

first_touch_day as (

    select min(session_date) as first_day
    from {{ ref('int_journey__customer_sessions') }}

),

leads as (

    select
        crm_lead_id as conversion_id,
        'lead' as conversion_type,
        customer_key,
        dealer_id,
        created_at as converted_at,
        lead_on as converted_on,
        cast(null as {{ dbt.type_numeric() }}) as revenue
    from {{ ref('int_journey__customer_leads') }}

),

sales as (

    select
        deals.deal_id as conversion_id,
        'sale' as conversion_type,
        deals.customer_key,
        deals.dealer_id,
        deals.sold_at as converted_at,
        deals.sold_on as converted_on,
        sales.sale_price as revenue
    from {{ ref('int_journey__customer_deals') }} as deals
    inner join {{ ref('stg_dms__sales') }} as sales on deals.deal_id = sales.deal_id

),

conversions as (

    select * from leads
    union all
    select * from sales

)

select conversions.*
from conversions
cross join first_touch_day
where conversions.converted_on >= first_touch_day.first_day
