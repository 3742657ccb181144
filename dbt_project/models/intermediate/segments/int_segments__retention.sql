{#- The retention family per person (customer_key): service state, service due, lease end window, dormant;
    and the last dates the behavioral family reads. Everything as of as_of_date(), in rooftop-local days. -#}

with

as_of as (

    select {{ as_of_date() }} as as_of_date

),

customers as (

    select customer_key from {{ ref('dim_customers') }}

),

identity_map as (

    select * from {{ ref('customer_identity_map') }}

),

rooftops as (

    select * from {{ ref('stg_dealer__rooftops') }}

),

service_visits as (

    select
        identity_map.customer_key,
        cast(visits.visit_date as date) as activity_date
    from {{ ref('stg_dms__service_visits') }} as visits
    inner join identity_map
        on identity_map.source = 'dms' and visits.customer_id = identity_map.source_record_id

),

deals as (

    select
        identity_map.customer_key,
        cast({{ segments_local_datetime('sales.sold_at', 'rooftops.timezone') }} as date) as activity_date
    from {{ ref('stg_dms__sales') }} as sales
    inner join identity_map
        on identity_map.source = 'dms' and sales.customer_id = identity_map.source_record_id
    inner join rooftops on sales.dealer_id = rooftops.dealer_id

),

leads as (

    select
        identity_map.customer_key,
        cast({{ segments_local_datetime('leads.created_at', 'rooftops.timezone') }} as date) as activity_date
    from {{ ref('stg_crm__leads') }} as leads
    inner join identity_map
        on identity_map.source = 'crm' and leads.customer_id = identity_map.source_record_id
    inner join rooftops on leads.dealer_id = rooftops.dealer_id

),

web_sessions as (

    -- identified sessions, and a device's anonymous ones once it logged in (user stitching)
    select
        identity_map.customer_key,
        cast(sessions.session_date as date) as activity_date
    from {{ ref('stg_ga4__export_sessions') }} as sessions
    inner join identity_map
        on identity_map.source = 'ga4' and sessions.user_pseudo_id = identity_map.source_record_id

),

activity as (

    select
        customer_key,
        max(case when kind = 'service' then activity_date end) as last_service_date,
        max(activity_date) as last_activity_date,
        max(case when kind in ('lead', 'web') then activity_date end) as last_touch_date
    from (
        select
            customer_key,
            activity_date,
            'service' as kind
        from service_visits
        union all
        select
            customer_key,
            activity_date,
            'deal' as kind
        from deals
        union all
        select
            customer_key,
            activity_date,
            'lead' as kind
        from leads
        union all
        select
            customer_key,
            activity_date,
            'web' as kind
        from web_sessions
    ) as events
    where activity_date <= {{ as_of_date() }}
    group by customer_key

),

vehicles as (

    select * from {{ ref('int_segments__vehicle_service') }}

),

service_due as (

    select
        customer_key,
        min(
            cast({{ dbt.dateadd('day', -var('segments_service_due_ahead_days'), 'next_service_due_date') }} as date)
        ) as service_due_since,
        {{ dbt.listagg('service_due_reason', "'; '", 'order by next_service_due_date, vin') }} as service_due_reason
    from vehicles
    where is_service_due
    group by customer_key

),

lease_end as (

    select
        customer_key,
        min(lease_maturity_date) as lease_maturity_date,
        min(
            cast({{ dbt.dateadd('day', -var('segments_lease_end_window_days'), 'lease_maturity_date') }} as date)
        ) as lease_end_window_since,
        {{ dbt.listagg('lease_end_reason', "'; '", 'order by lease_maturity_date, vin') }} as lease_end_reason
    from vehicles
    where is_in_lease_end_window
    group by customer_key

),

states as (

    select
        customers.customer_key,
        activity.last_service_date,
        activity.last_activity_date,
        activity.last_touch_date,
        {{ dbt.datediff(
            "activity.last_service_date",
            "as_of.as_of_date",
            "day"
        ) }} as days_since_last_service
    from customers
    cross join as_of
    left join activity on customers.customer_key = activity.customer_key

),

final as (

    select
        states.customer_key,
        states.last_service_date,
        states.days_since_last_service,
        case
            when states.last_service_date is null then 'never'
            when states.days_since_last_service <= {{ var('segments_service_active_days') }} then 'active'
            when states.days_since_last_service <= {{ var('segments_service_lost_days') }} then 'recently_lost'
            else 'defected'
        end as service_state,
        case
            when states.last_service_date is null then null
            when states.days_since_last_service <= {{ var('segments_service_active_days') }}
                then states.last_service_date
            when states.days_since_last_service <= {{ var('segments_service_lost_days') }}
                then cast(
                    {{ dbt.dateadd('day', var('segments_service_active_days') + 1, 'states.last_service_date') }}
                    as date
                )
            else cast(
                {{ dbt.dateadd('day', var('segments_service_lost_days') + 1, 'states.last_service_date') }} as date
            )
        end as service_state_since,
        service_due.customer_key is not null as service_due,
        service_due.service_due_since,
        service_due.service_due_reason,
        lease_end.customer_key is not null as lease_end_window,
        lease_end.lease_maturity_date,
        lease_end.lease_end_window_since,
        lease_end.lease_end_reason,
        states.last_activity_date,
        coalesce(
            states.last_activity_date
            >= cast({{ dbt.dateadd('day', -var('segments_dormant_days'), as_of_date()) }} as date),
            false
        ) = false as dormant,
        cast(
            {{ dbt.dateadd('day', var('segments_dormant_days') + 1, 'states.last_activity_date') }} as date
        ) as dormant_since,
        states.last_touch_date
    from states
    left join service_due on states.customer_key = service_due.customer_key
    left join lease_end on states.customer_key = lease_end.customer_key

)

select * from final
