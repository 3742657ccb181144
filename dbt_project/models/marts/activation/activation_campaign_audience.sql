{#- One row per person and retention audience they are in today (as_of_date()): the contact fields, consent
    flags, where they are (ZIP, rooftop zone), the preferred channel and the variables the campaign templates
    need. The campaigns (journey_assets/activation/campaigns.yml) pick their rows by `audience` and may narrow
    them with conditions over these columns; the runner applies consent, quiet hours and caps. -#}

with

segments as (

    select * from {{ ref('customer_segments_current') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

stages as (

    select
        customer_key,
        stage
    from {{ ref('customer_journey_stage_current') }}

),

rooftops as (

    select * from {{ ref('stg_dealer__rooftops') }}

),

vehicles as (

    select * from {{ ref('int_segments__vehicle_service') }}

),

-- the vehicle each audience talks about: the one due soonest, the lease maturing first, the latest one
service_vehicle as (

    select
        customer_key,
        vehicle_name,
        next_service_due_date
    from (
        select
            customer_key,
            vehicle_name,
            next_service_due_date,
            row_number() over (partition by customer_key order by next_service_due_date, vin) as pick
        from vehicles
        where is_service_due
    ) as ranked
    where pick = 1

),

lease_vehicle as (

    select
        customer_key,
        vehicle_name,
        lease_maturity_date
    from (
        select
            customer_key,
            vehicle_name,
            lease_maturity_date,
            row_number() over (partition by customer_key order by lease_maturity_date, vin) as pick
        from vehicles
        where is_in_lease_end_window
    ) as ranked
    where pick = 1

),

latest_vehicle as (

    select
        customer_key,
        vehicle_name
    from (
        select
            customer_key,
            vehicle_name,
            row_number() over (
                partition by customer_key
                order by coalesce(last_service_date, acquired_date) desc nulls last, vin
            ) as pick
        from vehicles
    ) as ranked
    where pick = 1

),

people as (

    select
        segments.customer_key,
        segments.dealer_id,
        segments.service_state,
        segments.service_due,
        segments.dormant,
        segments.lease_end_window,
        segments.high_value,
        segments.last_service_date,
        segments.last_activity_date,
        segments.preferred_channel,
        segments.as_of_date,
        stages.stage as journey_stage,
        customers.first_name,
        customers.email,
        customers.phone,
        coalesce(customers.email_consent, false) as email_consent,
        coalesce(customers.sms_consent, false) as sms_consent,
        customers.zip5,
        rooftops.name as rooftop_name,
        rooftops.phone as rooftop_phone,
        {{ dbt.concat([
            "rooftops.address", "', '", "rooftops.city", "', '", "rooftops.state", "' '", "rooftops.zip5"
        ]) }} as rooftop_address,
        rooftops.website as rooftop_website,
        rooftops.timezone as rooftop_timezone
    from segments
    inner join customers on segments.customer_key = customers.customer_key
    inner join rooftops on segments.dealer_id = rooftops.dealer_id
    left join stages on segments.customer_key = stages.customer_key

),

memberships as (

    select
        customer_key,
        'service_due' as audience
    from people
    where service_due
    union all
    select
        customer_key,
        'win_back' as audience
    from people
    where dormant or service_state in ('recently_lost', 'defected')
    union all
    select
        customer_key,
        'lease_end' as audience
    from people
    where lease_end_window
    union all
    -- loyal owners: in the retention stage, serviced with us in the last year, and top 10% by spend
    select
        customer_key,
        'loyal_owner' as audience
    from people
    where journey_stage = 'retention' and service_state = 'active' and high_value and not dormant

),

final as (

    select
        memberships.audience,
        people.customer_key,
        people.dealer_id,
        people.first_name,
        people.email,
        people.phone,
        people.email_consent,
        people.sms_consent,
        people.zip5,
        people.rooftop_timezone,
        people.preferred_channel,
        people.service_state,
        people.dormant,
        people.high_value,
        people.journey_stage,
        people.last_service_date,
        people.last_activity_date,
        case
            when memberships.audience = 'service_due' then service_vehicle.vehicle_name
            when memberships.audience = 'lease_end' then lease_vehicle.vehicle_name
            else latest_vehicle.vehicle_name
        end as vehicle_name,
        service_vehicle.next_service_due_date,
        lease_vehicle.lease_maturity_date,
        people.rooftop_name,
        people.rooftop_phone,
        people.rooftop_address,
        people.rooftop_website,
        people.as_of_date
    from memberships
    inner join people on memberships.customer_key = people.customer_key
    left join service_vehicle on memberships.customer_key = service_vehicle.customer_key
    left join lease_vehicle on memberships.customer_key = lease_vehicle.customer_key
    left join latest_vehicle on memberships.customer_key = latest_vehicle.customer_key

)

select * from final
