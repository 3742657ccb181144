{{ config(**incremental_by_day('event_date')) }}

{#- Incremental: the day tables from incremental_window_start() to as_of_date; a full build reads
    them all from ga4_export_start_date (null: every table). -#}
{%- set first_day = incremental_window_start('event_date', var('ga4_export_lookback_days'))
    or var('ga4_export_start_date', none) -%}

with

export as (

    {{ ga4_export_events(first_day, as_of_day().isoformat()) }}

),

rooftops as (

    -- property -> rooftop, as the rooftops config says (the config may write properties/<id>)
    select
        replace(ga4_property_id, 'properties/', '') as ga4_property_id,
        dealer_id
    from {{ ref('stg_dealer__rooftops') }}
    where ga4_property_id is not null

),

flattened as (

    select

        ----------  ids
        cast(export.property_id as {{ dbt.type_string() }}) as ga4_property_id,
        export.stream_id,
        export.user_pseudo_id,
        export.user_id,
        {{ ga4_event_param('ga_session_id', 'int_value') }} as ga_session_id,
        {{ ga4_event_param('ga_session_number', 'int_value') }} as ga_session_number,

        ---------- event
        {{ ga4_parse_yyyymmdd('export.event_date') }} as event_date,
        {{ ga4_timestamp_from_micros('export.event_timestamp') }} as event_at,
        export.event_timestamp as event_timestamp_micros,
        -- snake case, as dbt-ga4 cleans names sent by hand-written tags
        lower(replace(trim(export.event_name), ' ', '_')) as event_name,

        ---------- page
        {{ ga4_event_param('page_location') }} as page_location,
        {{ ga4_event_param('page_referrer') }} as page_referrer,
        {{ ga4_event_param('vehicle_id') }} as vehicle_id,
        {{ ga4_event_param('engagement_time_msec', 'int_value') }} as engagement_time_msec,
        {{ ga4_event_param('session_engaged') }} as session_engaged,

        ---------- traffic: the tagged landing's utm / gclid, else what GA4 put in the params
        coalesce(
            export.collected_traffic_source.manual_source, {{ ga4_event_param('source') }}
        ) as {{ adapter.quote('source') }},
        coalesce(export.collected_traffic_source.manual_medium, {{ ga4_event_param('medium') }}) as medium,
        coalesce(
            export.collected_traffic_source.manual_campaign_id, {{ ga4_event_param('campaign_id') }}
        ) as campaign_id,
        {{ ga4_event_param('campaign') }} as campaign_name,
        export.collected_traffic_source.gclid,
        lower(export.device.category) as device_category

    from export

),

keyed as (

    select
        {{ surrogate_key(['stream_id', 'user_pseudo_id', 'ga_session_id', 'event_name',
            'event_timestamp_micros', 'page_location']) }} as event_key,
        {{ surrogate_key(['stream_id', 'user_pseudo_id', 'ga_session_id']) }} as session_key,
        *,
        {{ url_path('page_location') }} as page_path
    from flattened

),

deduplicated as (

    -- the export can hold an event twice (a batch resent); keep one
    select
        *,
        row_number() over (partition by event_key order by event_at) as copy_number
    from keyed

)

select
    deduplicated.event_key,
    deduplicated.session_key,
    deduplicated.ga4_property_id,
    rooftops.dealer_id,
    deduplicated.stream_id,
    deduplicated.event_date,
    deduplicated.event_at,
    deduplicated.event_timestamp_micros,
    deduplicated.event_name,
    deduplicated.user_pseudo_id,
    deduplicated.user_id,
    deduplicated.ga_session_id,
    deduplicated.ga_session_number,
    deduplicated.page_location,
    deduplicated.page_path,
    deduplicated.page_referrer,
    deduplicated.vehicle_id,
    deduplicated.engagement_time_msec,
    deduplicated.session_engaged,
    deduplicated.{{ adapter.quote('source') }},
    deduplicated.medium,
    deduplicated.campaign_id,
    deduplicated.campaign_name,
    deduplicated.gclid,
    deduplicated.device_category
from deduplicated
left join rooftops on deduplicated.ga4_property_id = rooftops.ga4_property_id
where deduplicated.copy_number = 1
