{{ config(**incremental_by_day('session_date')) }}

{#- Sessions of the days incremental_window_start() rebuilds. Their events are read from a day
    earlier, so a session that began before midnight keeps its first events. -#}
{%- set first_day = incremental_window_start('session_date', var('ga4_export_lookback_days')) -%}
{%- set lead_events = var('ga4_lead_events') -%}

with

events as (

    select * from {{ ref('stg_ga4__export_events') }}
    where session_key is not null
    {%- if first_day %}
        and event_date >= {{ dbt.dateadd('day', -1, "cast('" ~ first_day ~ "' as date)") }}
    {%- endif %}

),

ordered as (

    select
        *,
        row_number() over (partition by session_key order by event_at, event_key) as event_number,
        case
            when event_name = 'page_view'
                then row_number() over (partition by session_key, event_name order by event_at, event_key)
        end as page_view_number,
        case
            when {{ adapter.quote('source') }} is not null
                then row_number() over (
                    partition by session_key, {{ adapter.quote('source') }} is not null
                    order by event_at, event_key
                )
        end as traffic_number
    from events

),

sessions as (

    select
        session_key,
        min(ga4_property_id) as ga4_property_id,
        min(dealer_id) as dealer_id,
        min(user_pseudo_id) as user_pseudo_id,
        max(user_id) as user_id,
        min(ga_session_id) as ga_session_id,
        min(event_at) as session_started_at,
        max(event_at) as session_ended_at,
        sum(case when event_name = 'page_view' then 1 else 0 end) as page_views,
        sum(case when event_name = 'view_item' then 1 else 0 end) as vdp_views,
        count(distinct vehicle_id) as vehicles_viewed,
        max(case when session_engaged = '1' then 1 else 0 end) = 1 as is_engaged,
        max(
            case
                when event_name in (
                    '{{ lead_events | join("', '") }}'
                ) then 1
                else 0
            end
        ) = 1 as has_lead_event
    from ordered
    group by session_key

),

first_events as (

    select
        session_key,
        max(case when event_number = 1 then event_date end) as session_date,
        max(case when event_number = 1 then device_category end) as device_category,
        max(case when page_view_number = 1 then page_path end) as landing_page_path,
        max(case when traffic_number = 1 then {{ adapter.quote('source') }} end) as traffic_source,
        max(case when traffic_number = 1 then medium end) as traffic_medium,
        max(case when traffic_number = 1 then campaign_id end) as campaign_id,
        max(case when traffic_number = 1 then campaign_name end) as campaign_name
    from ordered
    group by session_key

),

joined as (

    select
        sessions.session_key,
        sessions.ga4_property_id,
        sessions.dealer_id,
        sessions.user_pseudo_id,
        sessions.user_id,
        sessions.ga_session_id,
        sessions.session_started_at,
        sessions.session_ended_at,
        first_events.session_date,
        -- GA4's labels for a session without a source: (direct) / (none)
        coalesce(first_events.traffic_source, '(direct)') as {{ adapter.quote('source') }},
        coalesce(first_events.traffic_medium, '(none)') as medium,
        first_events.campaign_id,
        first_events.campaign_name,
        first_events.device_category,
        first_events.landing_page_path,
        sessions.page_views,
        sessions.vdp_views,
        sessions.vehicles_viewed,
        sessions.is_engaged,
        sessions.has_lead_event
    from sessions
    inner join first_events on sessions.session_key = first_events.session_key

)

select
    session_key,
    ga4_property_id,
    dealer_id,
    user_pseudo_id,
    user_id,
    ga_session_id,
    session_started_at,
    session_ended_at,
    session_date,
    {{ adapter.quote('source') }},
    medium,
    campaign_id,
    campaign_name,
    {{ ga4_default_channel_group(adapter.quote('source'), 'medium', 'campaign_name') }} as default_channel_group,
    device_category,
    landing_page_path,
    page_views,
    vdp_views,
    vehicles_viewed,
    is_engaged,
    has_lead_event
from joined
{%- if first_day %}
where session_date >= cast('{{ first_day }}' as date)
{%- endif %}
