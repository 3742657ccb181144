{#- Intent: the person asked for something only a buyer asks for: a high-intent web event (a lead
    form, a trade-in or credit application, a call, a test drive, a chat) or a lead in the CRM
    (any source: web, third-party sites, Meta lead ads, phone, walk-in). A lead outranks a web event
    as the day's reason: it is the rooftop's own record of the request. -#}

with

intent_events as (

    select
        sessions.customer_key,
        events.event_date as signal_date,
        events.event_at as signal_at,
        'web_event:' || events.event_name as reason
    from {{ ref('stg_ga4__export_events') }} as events
    inner join {{ ref('int_journey__customer_sessions') }} as sessions
        on events.session_key = sessions.session_key
    where events.event_name in ({{ string_literals(var('journey_intent_event_names')) }})

),

leads as (

    select
        customer_key,
        lead_on as signal_date,
        created_at as signal_at,
        'crm_lead:' || coalesce(lead_type, 'unknown') as reason
    from {{ ref('int_journey__customer_leads') }}

),

signals as (

    select
        customer_key,
        signal_date,
        signal_at,
        reason,
        0 as is_lead
    from intent_events
    union all
    select
        customer_key,
        signal_date,
        signal_at,
        reason,
        1 as is_lead
    from leads

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_key, signal_date order by is_lead desc, signal_at asc, reason asc
        ) as reason_rank
    from signals
    where signal_date <= {{ as_of_date() }}

)

select
    customer_key,
    signal_date,
    sum(1 - is_lead) as intent_events,
    sum(is_lead) as leads,
    max(case when reason_rank = 1 then reason end) as entry_reason
from ranked
group by customer_key, signal_date
