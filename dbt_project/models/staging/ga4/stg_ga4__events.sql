with

source as (

    select * from {{ source('ga4', 'ga4_events') }}

),

renamed as (

    select

        ----------  ids
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        cast(property_id as {{ dbt.type_string() }}) as ga4_property_id,

        ---------- event
        event_name,
        page_path,

        ---------- numerics
        cast(event_count as {{ dbt.type_int() }}) as event_count,

        ---------- dates
        cast(date_day as date) as date_day,
        loaded_at

    from source

)

select * from renamed
