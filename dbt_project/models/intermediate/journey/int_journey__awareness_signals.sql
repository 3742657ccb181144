{#- Awareness: the person reached the website, on their own or through an ad. Ad impressions are
    counted per campaign, never per person, so the per-person trace of ad reach is the ad-click
    session (a paid channel group). -#}

with

sessions as (

    select * from {{ ref('int_journey__customer_sessions') }}

)

select
    customer_key,
    session_date as signal_date,
    count(*) as sessions,
    sum(case when is_paid then 1 else 0 end) as paid_sessions,
    case when sum(case when is_paid then 1 else 0 end) > 0 then 'paid_ad_click' else 'web_session' end as entry_reason
from sessions
where session_date <= {{ as_of_date() }}
group by customer_key, session_date
