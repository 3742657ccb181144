with

source as (

    select * from {{ source('dms', 'dms_service_visits') }}

),

latest as (

    select
        *,
        row_number() over (partition by repair_order_id order by export_date desc, loaded_at desc) as export_rank
    from source

),

renamed as (

    select

        ----------  ids
        cast(repair_order_id as {{ dbt.type_string() }}) as repair_order_id,
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        upper(trim(vin)) as vin,

        ---------- visit
        lower(service_type) as service_type,
        cast(mileage as {{ dbt.type_int() }}) as mileage,
        cast(amount as {{ dbt.type_numeric() }}) as amount,

        ---------- dates
        cast(visit_date as date) as visit_date,
        cast(export_date as date) as export_date,

        ---------- lineage
        source_file,
        file_checksum,
        loaded_at

    from latest
    where export_rank = 1

)

select * from renamed
