with

source as (

    select * from {{ source('dealer', 'rooftops') }}

),

renamed as (

    select

        ----------  ids
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        name,
        cast(ga4_property_id as {{ dbt.type_string() }}) as ga4_property_id,
        cast(google_ads_customer_id as {{ dbt.type_string() }}) as google_ads_customer_id,
        cast(meta_ad_account_id as {{ dbt.type_string() }}) as meta_ad_account_id,
        cast(gbp_location_id as {{ dbt.type_string() }}) as gbp_location_id,

        ---------- where
        address,
        city,
        state,
        zip,
        {{ zip5('zip') }} as zip5,
        cast(latitude as {{ dbt.type_float() }}) as latitude,
        cast(longitude as {{ dbt.type_float() }}) as longitude,
        timezone,

        ---------- what
        brands,
        website,
        phone,
        loaded_at

    from source

)

select * from renamed
