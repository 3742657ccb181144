{{ config(materialized="table") }}

{#- dbt-ga4's user stitching: a device (user_pseudo_id) seen logged in belongs to the user it last
    logged in as, with its anonymous sessions before and after. One row per device ever identified. -#}

with

events as (

    select
        user_pseudo_id,
        user_id,
        event_at,
        event_key
    from {{ ref('stg_ga4__export_events') }}
    where user_pseudo_id is not null

),

identified as (

    select
        user_pseudo_id,
        user_id,
        event_at,
        row_number() over (partition by user_pseudo_id order by event_at desc, event_key desc) as recency
    from events
    where user_id is not null

),

devices as (

    select
        user_pseudo_id,
        min(event_at) as first_seen_at
    from events
    group by user_pseudo_id

)

select
    identified.user_pseudo_id,
    identified.user_id,
    devices.first_seen_at,
    identified.event_at as last_identified_at
from identified
inner join devices on identified.user_pseudo_id = devices.user_pseudo_id
where identified.recency = 1
