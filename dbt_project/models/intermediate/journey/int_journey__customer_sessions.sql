{#- Web sessions of known people: every session of a device (user_pseudo_id) that was ever seen
    logged in, attributed to that person through the identity map, anonymous sessions before the
    login included (dbt-ga4's user stitching). `known_on` is the first day the warehouse could tie
    the session to the person: the session's own day, or the device's first login if that came later;
    point-in-time features count a session on day T only when known_on <= T. -#}
{{ config(materialized='table') }}

with

sessions as (

    select * from {{ ref('stg_ga4__export_sessions') }}

),

ga4_people as (

    select
        source_record_id as user_pseudo_id,
        customer_key
    from {{ ref('customer_identity_map') }}
    where source = 'ga4'

),

device_first_login as (

    select
        user_pseudo_id,
        min(session_date) as identified_on
    from sessions
    where user_id is not null
    group by user_pseudo_id

)

select
    sessions.session_key,
    ga4_people.customer_key,
    sessions.dealer_id,
    sessions.user_pseudo_id,
    sessions.session_date,
    sessions.session_started_at,
    case
        when device_first_login.identified_on > sessions.session_date then device_first_login.identified_on
        else sessions.session_date
    end as known_on,
    sessions.user_id is null as is_anonymous,
    sessions.default_channel_group,
    coalesce(sessions.default_channel_group in ({{ string_literals(var('journey_paid_channel_groups')) }}), false)
        as is_paid,
    coalesce(sessions.default_channel_group in ({{ string_literals(var('journey_email_channel_groups')) }}), false)
        as is_email,
    coalesce(sessions.page_views, 0) as page_views,
    coalesce(sessions.vdp_views, 0) as vdp_views
from sessions
inner join ga4_people on sessions.user_pseudo_id = ga4_people.user_pseudo_id
left join device_first_login on sessions.user_pseudo_id = device_first_login.user_pseudo_id
