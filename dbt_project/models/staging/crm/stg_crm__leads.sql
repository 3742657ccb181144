with

source as (

    select * from {{ source('crm', 'crm_leads') }}

),

latest as (

    -- raw keeps one row per lead per day it changed: the current lead is its latest change
    select
        *,
        row_number() over (partition by lead_id order by updated_at desc, loaded_at desc) as change_rank
    from source

),

renamed as (

    select

        ----------  ids
        cast(lead_id as {{ dbt.type_string() }}) as crm_lead_id,
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(external_id as {{ dbt.type_string() }}) as external_id,
        cast(vehicle_uuid as {{ dbt.type_string() }}) as vehicle_id,
        cast(salesperson_id as {{ dbt.type_string() }}) as salesperson_id,

        ---------- lead
        lower(lead_type) as lead_type,
        lower(source) as lead_source,
        lower(status) as status,

        ---------- dates
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        loaded_at

    from latest
    where change_rank = 1

)

select * from renamed
