{#- One wide row per person (customer_key) for activation: every segment flag and band as of
    as_of_date(). fct_customer_segments holds the same memberships as rows, with reasons. -#}

with

customers as (

    select
        customer_key,
        dealer_id
    from {{ ref('dim_customers') }}

),

retention as (

    select * from {{ ref('int_segments__retention') }}

),

behavioral as (

    select * from {{ ref('int_segments__behavioral') }}

),

demographic as (

    select * from {{ ref('int_segments__demographic') }}

),

preference as (

    select * from {{ ref('int_segments__preference') }}

),

final as (

    select
        customers.customer_key,
        customers.dealer_id,

        ---------- retention
        retention.service_state,
        retention.last_service_date,
        retention.service_due,
        retention.dormant,
        retention.last_activity_date,
        retention.lease_end_window,
        retention.lease_maturity_date,

        ---------- behavioral
        behavioral.high_value,
        behavioral.lifetime_spend,
        behavioral.at_risk,

        ---------- demographic
        demographic.distance_band,
        demographic.distance_miles,
        demographic.nearest_dealer_id,
        demographic.age_band,

        ---------- preference
        preference.preferred_channel,
        preference.preferred_channel_basis,
        preference.best_send_hour,

        {{ as_of_date() }} as as_of_date

    from customers
    inner join retention on customers.customer_key = retention.customer_key
    inner join behavioral on customers.customer_key = behavioral.customer_key
    inner join demographic on customers.customer_key = demographic.customer_key
    inner join preference on customers.customer_key = preference.customer_key

)

select * from final
