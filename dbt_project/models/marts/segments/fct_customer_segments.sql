{#- One row per person and segment they are in as of as_of_date(): the family, the segment, why
    (human-readable, for a marketer or a salesperson) and since when. The wide per-person view is
    customer_segments_current. -#}

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

memberships as (

    select
        customer_key,
        'retention' as segment_family,
        'service_' || service_state as segment,
        case service_state
            when 'never' then 'no service visit on record'
            else
                'last service visit ' || cast(last_service_date as {{ dbt.type_string() }})
                || ' (' || cast(days_since_last_service as {{ dbt.type_string() }}) || ' days ago)'
        end as reason,
        service_state_since as since
    from retention

    union all

    select
        customer_key,
        'retention' as segment_family,
        'service_due' as segment,
        service_due_reason as reason,
        service_due_since as since
    from retention
    where service_due

    union all

    select
        customer_key,
        'retention' as segment_family,
        'lease_end_window' as segment,
        lease_end_reason as reason,
        lease_end_window_since as since
    from retention
    where lease_end_window

    union all

    select
        customer_key,
        'retention' as segment_family,
        'dormant' as segment,
        coalesce(
            'no deal, service visit, lead or web session since '
            || cast(last_activity_date as {{ dbt.type_string() }}),
            'no deal, service visit, lead or web session on record'
        ) as reason,
        dormant_since as since
    from retention
    where dormant

    union all

    select
        customer_key,
        'behavioral' as segment_family,
        'high_value' as segment,
        high_value_reason as reason,
        high_value_since as since
    from behavioral
    where high_value

    union all

    select
        customer_key,
        'behavioral' as segment_family,
        'at_risk' as segment,
        at_risk_reason as reason,
        at_risk_since as since
    from behavioral
    where at_risk

    union all

    select
        customer_key,
        'demographic' as segment_family,
        'distance_' || distance_band as segment,
        cast(distance_miles as {{ dbt.type_string() }}) || ' mi from ZIP ' || zip5 || ' to the nearest rooftop ('
        || nearest_dealer_id || ')' as reason,
        cast(null as date) as since
    from demographic
    where distance_band is not null

    union all

    select
        customer_key,
        'demographic' as segment_family,
        'age_' || age_band as segment,
        'born ' || cast(birth_year as {{ dbt.type_string() }}) || ', about '
        || cast(age_years as {{ dbt.type_string() }}) || ' years old' as reason,
        cast(null as date) as since
    from demographic
    where age_band is not null

    union all

    select
        customer_key,
        'preference' as segment_family,
        'prefers_' || preferred_channel as segment,
        case preferred_channel_basis
            when 'stated' then 'stated preference, consented'
            when 'engagement'
                then
                    'stated preference ' || coalesce(stated_channel, 'unknown')
                    || ' not usable; engages on ' || preferred_channel
            else
                'stated preference ' || coalesce(stated_channel, 'unknown')
                || ' not usable; only consented channel ' || preferred_channel
        end as reason,
        cast(null as date) as since
    from preference
    where preferred_channel is not null

    union all

    select
        customer_key,
        'preference' as segment_family,
        'send_hour_' || {{ dbt.right("'0' || cast(best_send_hour as " ~ dbt.type_string() ~ ")", 2) }} as segment,
        'most engagement starts at ' || cast(best_send_hour as {{ dbt.type_string() }})
        || ':00 local (' || cast(timed_engagements as {{ dbt.type_string() }}) || ' sessions and leads)' as reason,
        cast(null as date) as since
    from preference
    where best_send_hour is not null

),

final as (

    select
        memberships.customer_key,
        customers.dealer_id,
        memberships.segment_family,
        memberships.segment,
        memberships.reason,
        memberships.since
    from memberships
    inner join customers on memberships.customer_key = customers.customer_key

)

select * from final
