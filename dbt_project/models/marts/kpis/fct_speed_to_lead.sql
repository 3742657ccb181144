{#- One row per lead the response workflow answered or tried to: an intake event with any lead response action
    (var kpis_lead_response_actions: an SMS, a call task, a CRM lead). Speed to lead runs from the event's
    arrival (the intake's received_at) to the first of those actions done. -#}
with

actions as (

    select * from {{ ref('stg_ops__response_actions') }}
    where action in ({{ string_literals(var('kpis_lead_response_actions')) }})

),

leads as (

    select
        event_id,
        max(dealer_id) as dealer_id,
        max(event_kind) as event_kind,
        max(event_type) as event_type,
        max(event_source) as event_source,
        max(received_at) as received_at,
        min(case when status = 'done' then finished_at end) as first_response_at,
        count(*) as response_actions
    from actions
    group by event_id

),

first_action as (

    select
        actions.event_id,
        min(actions.action) as first_response_action
    from actions
    inner join leads
        on
            actions.event_id = leads.event_id
            and actions.status = 'done'
            and actions.finished_at = leads.first_response_at
    group by actions.event_id

)

select
    leads.event_id,
    leads.dealer_id,
    leads.event_kind,
    leads.event_type,
    leads.event_source,
    leads.received_at,
    {{ to_local_date('leads.received_at', 'rooftops.timezone') }} as received_on,
    leads.first_response_at,
    first_action.first_response_action,
    {{ dbt.datediff('leads.received_at', 'leads.first_response_at', 'second') }} as seconds_to_first_response,  -- noqa: LT05
    leads.first_response_at is not null as is_answered,
    coalesce(
        {{ dbt.datediff('leads.received_at', 'leads.first_response_at', 'second') }}
        <= {{ var('kpis_speed_to_lead_target_seconds') }},
        false
    ) as is_within_target,
    leads.response_actions
from leads
left join first_action on leads.event_id = first_action.event_id
left join {{ ref('stg_dealer__rooftops') }} as rooftops on leads.dealer_id = rooftops.dealer_id
where leads.received_at is not null
