with

source as (

    select * from {{ source('dms', 'dms_sales') }}

),

latest as (

    -- a deal re-exported on a later day (an unwind or a correction) takes its latest export
    select
        *,
        row_number() over (partition by deal_id order by export_date desc, loaded_at desc) as export_rank
    from source

),

renamed as (

    select

        ----------  ids
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(vehicle_uuid as {{ dbt.type_string() }}) as vehicle_id,
        upper(trim(vin)) as vin,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,

        ---------- deal
        lower(sale_type) as sale_type,
        cast(price as {{ dbt.type_numeric() }}) as sale_price,
        cast(gross_profit as {{ dbt.type_numeric() }}) as gross_profit,
        case when lower(sale_type) = 'lease' then cast(lease_term_months as {{ dbt.type_int() }}) end
            as lease_term_months,
        case when lower(sale_type) = 'lease' then cast(lease_maturity_date as date) end as lease_maturity_date,

        ---------- vehicle
        lower(condition) as vehicle_condition,
        cast({{ adapter.quote('year') }} as {{ dbt.type_int() }}) as model_year,
        make,
        model,

        ---------- dates
        cast(sold_at as {{ dbt.type_timestamp() }}) as sold_at,
        cast(export_date as date) as export_date,

        ---------- lineage
        source_file,
        file_checksum,
        loaded_at

    from latest
    where export_rank = 1

)

select * from renamed
