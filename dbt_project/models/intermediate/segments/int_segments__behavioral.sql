{#- The behavioral family per person (customer_key): high value by spend (service amounts + deal gross
    profit over the history, top decile of the people who spent anything, across the group), and at risk
    (recently lost, or a lease ending soon with no lead or web session lately). -#}

with

retention as (

    select * from {{ ref('int_segments__retention') }}

),

identity_map as (

    select * from {{ ref('customer_identity_map') }}
    where source = 'dms'

),

spend_events as (

    select
        identity_map.customer_key,
        cast(visits.visit_date as date) as spend_date,
        visits.amount as spend
    from {{ ref('stg_dms__service_visits') }} as visits
    inner join identity_map on visits.customer_id = identity_map.source_record_id
    where visits.visit_date <= {{ as_of_date() }}

    union all

    select
        identity_map.customer_key,
        cast({{ segments_local_datetime('sales.sold_at', 'rooftops.timezone') }} as date) as spend_date,
        sales.gross_profit as spend
    from {{ ref('stg_dms__sales') }} as sales
    inner join identity_map on sales.customer_id = identity_map.source_record_id
    inner join {{ ref('stg_dealer__rooftops') }} as rooftops on sales.dealer_id = rooftops.dealer_id
    where
        cast({{ segments_local_datetime('sales.sold_at', 'rooftops.timezone') }} as date) <= {{ as_of_date() }}
        and sales.gross_profit is not null

),

spend as (

    select
        customer_key,
        sum(spend) as lifetime_spend
    from spend_events
    group by customer_key

),

threshold as (

    select max(quantile) as high_value_threshold
    from (
        select {{ segments_quantile_over_all('lifetime_spend', var('segments_high_value_quantile')) }} as quantile
        from spend
        where lifetime_spend > 0
    ) as quantiles

),

running_spend as (

    select
        customer_key,
        spend_date,
        sum(spend) over (
            partition by customer_key order by spend_date rows between unbounded preceding and current row
        ) as spend_to_date
    from spend_events

),

high_value_since as (

    -- the day the person's spend first reached today's threshold
    select
        running_spend.customer_key,
        min(running_spend.spend_date) as high_value_since
    from running_spend
    cross join threshold
    where running_spend.spend_to_date >= threshold.high_value_threshold
    group by running_spend.customer_key

),

flags as (

    select
        retention.customer_key,
        coalesce(spend.lifetime_spend, 0) as lifetime_spend,
        threshold.high_value_threshold,
        coalesce(spend.lifetime_spend > 0 and spend.lifetime_spend >= threshold.high_value_threshold, false)
            as high_value,
        retention.service_state = 'recently_lost' as is_recently_lost,
        retention.lease_end_window
        and coalesce(
            retention.last_touch_date
            > cast({{ dbt.dateadd('day', -var('segments_at_risk_quiet_days'), as_of_date()) }} as date),
            false
        ) = false as is_quiet_at_lease_end,
        retention.service_state_since,
        retention.last_service_date,
        retention.lease_maturity_date,
        retention.lease_end_window_since,
        retention.last_touch_date,
        coalesce(
            cast({{ dbt.dateadd('day', var('segments_at_risk_quiet_days'), 'retention.last_touch_date') }} as date),
            retention.lease_end_window_since
        ) as quiet_since
    from retention
    cross join threshold
    left join spend on retention.customer_key = spend.customer_key

),

final as (

    select
        flags.customer_key,
        flags.lifetime_spend,
        flags.high_value_threshold,
        flags.high_value,
        case when flags.high_value then high_value_since.high_value_since end as high_value_since,
        case
            when flags.high_value
                then
                    'spent ' || {{ segments_thousands('round(flags.lifetime_spend)') }}
                    || ' (service and deal gross profit), top-decile threshold '
                    || {{ segments_thousands('round(flags.high_value_threshold)') }}
        end as high_value_reason,
        flags.is_recently_lost or flags.is_quiet_at_lease_end as at_risk,
        case
            when flags.is_recently_lost then flags.service_state_since
            when flags.is_quiet_at_lease_end
                then case
                    when flags.quiet_since > flags.lease_end_window_since then flags.quiet_since
                    else flags.lease_end_window_since
                end
        end as at_risk_since,
        case
            when flags.is_recently_lost
                then 'service recently lost: last visit ' || cast(flags.last_service_date as {{ dbt.type_string() }})
            when flags.is_quiet_at_lease_end
                then
                    'lease matures ' || cast(flags.lease_maturity_date as {{ dbt.type_string() }})
                    || coalesce(
                        ' and no lead or web session since '
                        || cast(flags.last_touch_date as {{ dbt.type_string() }}),
                        ' and no lead or web session on record'
                    )
        end as at_risk_reason
    from flags
    left join high_value_since on flags.customer_key = high_value_since.customer_key

)

select * from final
