with

source as (

    select * from {{ source('dms', 'dms_vehicles') }}

),

latest as (

    -- one row per vehicle and owner: a record re-exported later (a lease bought out) takes its latest export
    select
        *,
        row_number() over (
            partition by upper(trim(vin)), customer_id order by export_date desc, loaded_at desc
        ) as export_rank
    from source

),

renamed as (

    select

        ----------  ids
        upper(trim(vin)) as vin,
        cast(customer_id as {{ dbt.type_string() }}) as dms_customer_id,
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,

        ---------- vehicle
        cast({{ adapter.quote('year') }} as {{ dbt.type_int() }}) as model_year,
        make,
        model,
        {{ adapter.quote('trim') }} as trim_level,
        lower(oil_type) as oil_type,

        ---------- how the owner got it (null when bought elsewhere and serviced here)
        lower(acquisition) as acquisition,
        cast(acquired_date as date) as acquired_date,
        case when lower(acquisition) = 'lease' then cast(lease_maturity_date as date) end as lease_maturity_date,

        ---------- lineage
        cast(export_date as date) as export_date,
        source_file,
        loaded_at

    from latest
    where export_rank = 1

)

select * from renamed
