with

source as (

    select * from {{ source('ga4', 'ga4_sessions') }}

),

renamed as (

    select

        ----------  ids
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        cast(property_id as {{ dbt.type_string() }}) as ga4_property_id,
        -- GA4 writes "(not set)" where a session had no campaign
        nullif(cast(campaign_id as {{ dbt.type_string() }}), '(not set)') as campaign_id,

        ---------- traffic
        channel_group,
        {{ adapter.quote('source') }} as session_source,
        medium as session_medium,
        lower(device_category) as device_category,

        ---------- numerics
        cast(sessions as {{ dbt.type_int() }}) as sessions,
        cast(engaged_sessions as {{ dbt.type_int() }}) as engaged_sessions,
        cast(screen_page_views as {{ dbt.type_int() }}) as screen_page_views,
        cast(key_events as {{ dbt.type_float() }}) as key_events,

        ---------- dates
        cast(date_day as date) as date_day,
        loaded_at

    from source

)

select * from renamed
