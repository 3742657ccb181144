with

source as (

    select * from {{ source('meta', 'meta_leads') }}

),

renamed as (

    select

        ----------  ids
        cast(lead_id as {{ dbt.type_string() }}) as meta_lead_id,
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        cast(page_id as {{ dbt.type_string() }}) as page_id,
        cast(form_id as {{ dbt.type_string() }}) as form_id,
        cast(ad_id as {{ dbt.type_string() }}) as ad_id,

        ---------- contact (validated upstream: email lowercased, phone E.164)
        email,
        phone,
        coalesce(full_name, trim(concat(coalesce(first_name, ''), ' ', coalesce(last_name, '')))) as full_name,
        first_name,
        last_name,
        zip_code,
        city,
        field_data,

        ---------- dates
        cast(created_time as {{ dbt.type_timestamp() }}) as created_at,
        cast(created_date as date) as created_date,
        loaded_at

    from source

)

select * from renamed
