with

source as (

    select * from {{ source('reference', 'zip_centroids') }}

),

renamed as (

    select
        cast(zip_code as {{ dbt.type_string() }}) as zip5,
        cast(latitude as {{ dbt.type_float() }}) as latitude,
        cast(longitude as {{ dbt.type_float() }}) as longitude,
        state,
        city,
        county,
        timezone,
        zip_code_type,
        active as is_active

    from source

)

select * from renamed
