{#- Consideration: the person is weighing a purchase: they came back (a repeat visit), looked at a
    vehicle's detail page, or engaged with an email (an email-channel session). The day's reason is
    the strongest of them: a VDP view, then an email session, then a repeat visit. -#}

with

sessions as (

    select
        *,
        lag(session_date) over (
            partition by customer_key order by session_started_at, session_key
        ) as previous_session_date
    from {{ ref('int_journey__customer_sessions') }}
    where session_date <= {{ as_of_date() }}

),

flagged as (

    select
        customer_key,
        session_date,
        vdp_views,
        is_email,
        coalesce(
            {{ dbt.datediff('previous_session_date', 'session_date', 'day') }}
            <= {{ var('journey_repeat_visit_days') }},
            false
        ) as is_repeat_visit
    from sessions

),

daily as (

    select
        customer_key,
        session_date as signal_date,
        sum(case when is_repeat_visit then 1 else 0 end) as repeat_visits,
        sum(vdp_views) as vdp_views,
        sum(case when is_email then 1 else 0 end) as email_sessions
    from flagged
    group by customer_key, session_date

)

select
    customer_key,
    signal_date,
    repeat_visits,
    vdp_views,
    email_sessions,
    case
        when vdp_views > 0 then 'vdp_view'
        when email_sessions > 0 then 'email_session'
        else 'repeat_visit'
    end as entry_reason
from daily
where repeat_visits > 0 or vdp_views > 0 or email_sessions > 0
