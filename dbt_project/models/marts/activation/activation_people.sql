{#- One row per person for Customer.io: the journey's attributes as of as_of_date(). The propensity tier is not
    here: marts.customer_scores is a Python asset a short history may lack, so the sync left-joins it when it
    exists (activation/syncs.yml, optional_joins). -#}

with

customers as (

    select
        customer_key,
        dealer_id,
        email,
        email_consent,
        email_unsubscribed_at,
        sms_consent
    from {{ ref('dim_customers') }}

),

stages as (

    select
        customer_key,
        stage,
        stage_entered_on
    from {{ ref('customer_journey_stage_current') }}

),

segments as (

    select
        customer_key,
        preferred_channel,
        best_send_hour,
        rtrim(
            case when service_due then 'service_due,' else '' end
            || case when dormant then 'dormant,' else '' end
            || case when lease_end_window then 'lease_end_window,' else '' end
            || case when high_value then 'high_value,' else '' end
            || case when at_risk then 'at_risk,' else '' end,
            ','
        ) as segments,
        as_of_date
    from {{ ref('customer_segments_current') }}

),

vehicles as (

    select
        customer_key,
        count(*) as vehicles_owned,
        min(next_service_due_date) as next_service_date,
        min(case when lease_maturity_date >= {{ as_of_date() }} then lease_maturity_date end) as lease_maturity_date
    from {{ ref('int_segments__vehicle_service') }}
    group by customer_key

),

final as (

    select
        customers.customer_key,
        customers.dealer_id,
        customers.email,
        coalesce(customers.email_consent, false) as email_consent,
        -- Customer.io's own suppression attribute: true once the person unsubscribed there, so a sync never
        -- resubscribes them (decision 1151)
        customers.email_unsubscribed_at is not null as unsubscribed,
        coalesce(customers.sms_consent, false) as sms_consent,
        stages.stage as journey_stage,
        stages.stage_entered_on,
        nullif(segments.segments, '') as segments,
        segments.preferred_channel,
        segments.best_send_hour,
        coalesce(vehicles.vehicles_owned, 0) as vehicles_owned,
        vehicles.next_service_date,
        vehicles.lease_maturity_date,
        coalesce(segments.as_of_date, {{ as_of_date() }}) as as_of_date
    from customers
    left join stages on customers.customer_key = stages.customer_key
    left join segments on customers.customer_key = segments.customer_key
    left join vehicles on customers.customer_key = vehicles.customer_key

)

select * from final
