with

source as (

    select * from {{ source('dms', 'dms_customers') }}

),

latest as (

    -- a customer re-exported on a later day (a changed address, a new phone) takes its latest export
    select
        *,
        row_number() over (partition by customer_id order by export_date desc, loaded_at desc) as export_rank
    from source

),

renamed as (

    select

        ----------  ids
        cast(customer_id as {{ dbt.type_string() }}) as dms_customer_id,
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,

        ---------- person (normalized at ingestion: journey_assets/journey/contact.py)
        {{ contact_columns() }},

        ---------- dates
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(export_date as date) as export_date,

        ---------- lineage
        source_file,
        loaded_at

    from latest
    where export_rank = 1

)

select * from renamed
