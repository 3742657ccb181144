with

source as (

    select * from {{ source('dealer', 'dealer_inventory') }}

),

renamed as (

    select

        ----------  ids
        cast(vehicle_id as {{ dbt.type_string() }}) as vehicle_id,
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        upper(trim(vin)) as vin,
        cast(stock_number as {{ dbt.type_string() }}) as stock_number,

        ---------- vehicle
        cast({{ adapter.quote('year') }} as {{ dbt.type_int() }}) as model_year,
        make,
        model,
        {{ adapter.quote('trim') }} as trim_level,
        body_style,
        exterior_color,
        case
            when certified then 'cpo'
            when lower(inventory_type) = 'new' then 'new'
            else 'used'
        end as condition,
        cast(odometer as {{ dbt.type_int() }}) as odometer,

        ---------- money
        cast(msrp as {{ dbt.type_numeric() }}) as msrp,
        cast(price as {{ dbt.type_numeric() }}) as listed_price,

        ---------- links
        vdp_url,
        image_url,

        ---------- dates
        cast(date_in_stock as date) as date_in_stock,
        cast(snapshot_date as date) as snapshot_date,
        loaded_at

    from source

)

select * from renamed
