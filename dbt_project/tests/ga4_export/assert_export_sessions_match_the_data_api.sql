{{ config(severity='warn') }}

{#- Export sessions against the Data API's per rooftop and day, on the days both hold: beyond
    ga4_export_session_tolerance (a share of the larger count) one of the two loads is incomplete.
    Warn only: GA4 estimates the API's counts, the export's are exact. -#}

with

export_sessions as (

    select
        dealer_id,
        session_date as date_day,
        count(*) as export_sessions
    from {{ ref('stg_ga4__export_sessions') }}
    group by dealer_id, session_date

),

api_sessions as (

    select
        dealer_id,
        cast(date_day as date) as date_day,
        sum(sessions) as api_sessions
    from {{ ref('stg_ga4__sessions') }}
    group by dealer_id, cast(date_day as date)

)

select
    export_sessions.dealer_id,
    export_sessions.date_day,
    export_sessions.export_sessions,
    api_sessions.api_sessions
from export_sessions
inner join api_sessions
    on
        export_sessions.dealer_id = api_sessions.dealer_id
        and export_sessions.date_day = api_sessions.date_day
where
    abs(export_sessions.export_sessions - api_sessions.api_sessions)
    > {{ var('ga4_export_session_tolerance') }}
    * greatest(export_sessions.export_sessions, api_sessions.api_sessions)
