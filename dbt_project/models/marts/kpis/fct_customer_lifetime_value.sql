{#- Each customer's lifetime value as of as_of_date: the value so far (service amounts + deal gross profit,
    as the high-value segment counts it) plus the expected future, the customer's own yearly rate of service
    spend and of purchases (deals per year times their mean gross) over var kpis_clv_horizon_years, for as long
    as the customer is still active (a service visit or deal within var kpis_clv_active_days). -#}
with

identity_map as (

    select * from {{ ref('customer_identity_map') }}
    where source = 'dms'

),

value_events as (

    select
        identity_map.customer_key,
        cast(visits.visit_date as date) as value_on,
        'service' as kind,
        visits.amount
    from {{ ref('stg_dms__service_visits') }} as visits
    inner join identity_map on visits.customer_id = identity_map.source_record_id
    where cast(visits.visit_date as date) <= {{ as_of_date() }} and visits.amount is not null

    union all

    select
        identity_map.customer_key,
        cast(sales.sold_at as date) as value_on,
        'deal' as kind,
        sales.gross_profit as amount
    from {{ ref('stg_dms__sales') }} as sales
    inner join identity_map on sales.customer_id = identity_map.source_record_id
    where cast(sales.sold_at as date) <= {{ as_of_date() }} and sales.gross_profit is not null

),

per_customer as (

    select
        customer_key,
        min(value_on) as first_value_on,
        max(value_on) as last_value_on,
        sum(case when kind = 'service' then amount else 0 end) as service_value,
        sum(case when kind = 'deal' then amount else 0 end) as deal_value,
        sum(case when kind = 'deal' then 1 else 0 end) as deals
    from value_events
    group by customer_key

),

rates as (

    select
        per_customer.*,
        -- at least a year of tenure, so one recent visit does not extrapolate to a visit a week
        greatest({{ dbt.datediff('first_value_on', as_of_date(), 'day') }}, 365) / 365.25 as tenure_years,
        (
            {{ dbt.datediff('last_value_on', as_of_date(), 'day') }}
            <= {{ var('kpis_clv_active_days') }}
        ) as is_active
    from per_customer

),

future as (

    -- Never below zero: a customer whose value so far is negative (a deal sold under cost, say) is not
    -- forecast to keep costing the dealer money; such a loss is one deal's, not a yearly rate to extrapolate.
    select
        customer_key,
        case
            when is_active
                then greatest(
                    (service_value + deal_value) / tenure_years * {{ var('kpis_clv_horizon_years') }}, 0
                )
            else 0
        end as expected_future_value
    from rates

)

select
    rates.customer_key,
    customers.dealer_id,
    rates.first_value_on,
    rates.last_value_on,
    rates.service_value,
    rates.deal_value,
    rates.service_value + rates.deal_value as historical_value,
    rates.tenure_years,
    rates.service_value / rates.tenure_years as service_value_per_year,
    rates.deals / rates.tenure_years as deals_per_year,
    case when rates.deals > 0 then rates.deal_value / rates.deals end as gross_per_deal,
    rates.is_active,
    future.expected_future_value,
    rates.service_value + rates.deal_value + future.expected_future_value as lifetime_value
from rates
inner join future on rates.customer_key = future.customer_key
inner join {{ ref('dim_customers') }} as customers on rates.customer_key = customers.customer_key
