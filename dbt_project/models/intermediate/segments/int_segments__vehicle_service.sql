{#- One row per person and held vehicle (every vehicle of stg_dms__vehicles, through the identity map):
    its annual mileage estimated from odometer readings, its maintenance interval, when the next service
    falls due, and whether a lease on it ends soon. int_segments__retention rolls it up per person. -#}

{%- set month_days = 30.44 -%}
{%- set year_days = 365.25 -%}
{%- set model_year_start = "cast(cast(vehicles.model_year as " ~ dbt.type_string() ~ ") || '-01-01' as date)" -%}

with

dms_keys as (

    select
        source_record_id as dms_customer_id,
        customer_key
    from {{ ref('customer_identity_map') }}
    where source = 'dms'

),

vehicle_records as (

    select
        dms_keys.customer_key,
        vehicles.*,
        {{ as_of_date() }} as as_of_date,
        -- a person's duplicate DMS records may each hold the vehicle: keep the latest export
        row_number() over (
            partition by dms_keys.customer_key, vehicles.vin
            order by vehicles.export_date desc, vehicles.dms_customer_id asc
        ) as record_rank
    from {{ ref('stg_dms__vehicles') }} as vehicles
    inner join dms_keys on vehicles.dms_customer_id = dms_keys.dms_customer_id

),

vehicles as (

    select
        customer_key,
        vin,
        dealer_id,
        model_year,
        make,
        model,
        oil_type,
        acquisition,
        cast(acquired_date as date) as acquired_date,
        cast(lease_maturity_date as date) as lease_maturity_date,
        as_of_date
    from vehicle_records
    where record_rank = 1

),

visits as (

    select
        vin,
        cast(max(visit_date) as date) as last_service_date,
        count(*) as service_visit_count
    from {{ ref('stg_dms__service_visits') }}
    where visit_date <= {{ as_of_date() }}
    group by vin

),

listings as (

    select
        vehicle_id,
        max(odometer) as odometer
    from {{ ref('stg_dealer__inventory') }}
    group by vehicle_id

),

deliveries as (

    -- the odometer at delivery for vehicles sold here: about zero for a new one, the listing's odometer
    -- for a used one the website listed (DMS deal files carry no odometer)
    select
        sales.vin,
        case
            when sales.vehicle_condition = 'new' then 0
            else listings.odometer
        end as delivery_odometer,
        row_number() over (partition by sales.vin order by sales.sold_at desc) as deal_rank
    from {{ ref('stg_dms__sales') }} as sales
    left join listings on sales.vehicle_id = listings.vehicle_id

),

delivery_readings as (

    select
        vehicles.vin,
        vehicles.acquired_date as reading_date,
        coalesce(
            deliveries.delivery_odometer,
            -- no deal on file (delivered before the deal history): a lease, or a vehicle delivered no later
            -- than its model year, was new
            case
                when
                    vehicles.acquisition = 'lease'
                    or vehicles.model_year >= extract(year from vehicles.acquired_date)
                    then 0
            end
        ) as mileage
    from vehicles
    left join deliveries on vehicles.vin = deliveries.vin and deliveries.deal_rank = 1
    where vehicles.acquired_date is not null

),

readings as (

    select
        vin,
        visit_date as reading_date,
        mileage
    from {{ ref('stg_dms__service_visits') }}
    where mileage is not null and visit_date <= {{ as_of_date() }}

    union all

    select
        vin,
        reading_date,
        mileage
    from delivery_readings
    where mileage is not null

),

mileage_span as (

    -- odometers only go up: the first and last readings give the rate
    select
        vin,
        count(*) as odometer_reading_count,
        min(reading_date) as first_reading_date,
        max(reading_date) as last_reading_date,
        min(mileage) as first_mileage,
        max(mileage) as last_mileage,
        {{ dbt.datediff(
            "min(reading_date)",
            "max(reading_date)",
            "day"
        ) }} as reading_span_days
    from readings
    group by vin

),

aged_vehicles as (

    select
        vehicles.*,
        {{ dbt.datediff(
            model_year_start,
            "mileage_span.last_reading_date",
            "day"
        ) }} as days_on_road_at_last_reading
    from vehicles
    left join mileage_span on vehicles.vin = mileage_span.vin

),

estimated as (

    select
        vehicles.customer_key,
        vehicles.vin,
        vehicles.dealer_id,
        vehicles.model_year,
        vehicles.make,
        vehicles.model,
        vehicles.oil_type,
        vehicles.acquisition,
        vehicles.acquired_date,
        vehicles.lease_maturity_date,
        visits.last_service_date,
        coalesce(visits.service_visit_count, 0) as service_visit_count,
        coalesce(mileage_span.odometer_reading_count, 0) as odometer_reading_count,
        case
            when
                mileage_span.reading_span_days >= {{ var('segments_min_mileage_span_days') }}
                and mileage_span.last_mileage > mileage_span.first_mileage
                then
                    (mileage_span.last_mileage - mileage_span.first_mileage) * {{ year_days }}
                    / mileage_span.reading_span_days
        end as trend_annual_miles,
        -- one reading: the odometer over the vehicle's age, on the road since January 1 of its model year
        case
            when
                vehicles.days_on_road_at_last_reading >= {{ var('segments_min_mileage_span_days') }}
                and mileage_span.last_mileage > 0
                then mileage_span.last_mileage * {{ year_days }} / vehicles.days_on_road_at_last_reading
        end as lifetime_annual_miles,
        -- the maintenance clock restarts at the last service, or at delivery for a vehicle not yet serviced
        case
            when visits.last_service_date is null then vehicles.acquired_date
            when vehicles.acquired_date is null then visits.last_service_date
            when visits.last_service_date > vehicles.acquired_date then visits.last_service_date
            else vehicles.acquired_date
        end as service_clock_date,
        vehicles.as_of_date,
        case when vehicles.oil_type = 'synthetic' then 'synthetic' else 'conventional' end as oil_spec
    from aged_vehicles as vehicles
    left join visits on vehicles.vin = visits.vin
    left join mileage_span on vehicles.vin = mileage_span.vin

),

intervals as (

    select
        *,
        coalesce(trend_annual_miles, lifetime_annual_miles, {{ var('segments_default_annual_miles') }})
            as annual_miles_estimate,
        case
            when trend_annual_miles is not null then 'odometer_trend'
            when lifetime_annual_miles is not null then 'lifetime_average'
            else 'assumed'
        end as annual_miles_basis,
        case oil_spec
            when 'synthetic' then {{ var('segments_synthetic_interval_months') }} * {{ month_days }}
            else {{ var('segments_conventional_interval_months') }} * {{ month_days }}
        end as interval_days_by_time,
        case oil_spec
            when 'synthetic' then {{ var('segments_synthetic_interval_miles') }}
            else {{ var('segments_conventional_interval_miles') }}
        end * {{ year_days }}
        / coalesce(trend_annual_miles, lifetime_annual_miles, {{ var('segments_default_annual_miles') }})
            as interval_days_by_mileage,
        {{ dbt.datediff(
            "service_clock_date",
            "as_of_date",
            "day"
        ) }} as days_since_service_clock
    from estimated

),

due as (

    select
        *,
        -- whichever comes first
        case
            when interval_days_by_mileage < interval_days_by_time then interval_days_by_mileage
            else interval_days_by_time
        end as service_interval_days,
        cast(
            case
                when interval_days_by_mileage < interval_days_by_time then round(interval_days_by_mileage)
                else round(interval_days_by_time)
            end as {{ dbt.type_int() }}
        ) as service_interval_whole_days
    from intervals

),

flagged as (

    select
        customer_key,
        vin,
        dealer_id,
        model_year,
        make,
        model,
        oil_spec,
        acquisition,
        acquired_date,
        last_service_date,
        service_visit_count,
        odometer_reading_count,
        annual_miles_estimate,
        annual_miles_basis,
        service_interval_days,
        service_clock_date,
        cast({{ dbt.dateadd('day', 'service_interval_whole_days', 'service_clock_date') }} as date)
            as next_service_due_date,
        service_interval_days - days_since_service_clock as days_until_service_due,
        coalesce(
            service_interval_days - days_since_service_clock
            between -{{ var('segments_service_due_overdue_days') }} and {{ var('segments_service_due_ahead_days') }},
            false
        ) as is_service_due,
        lease_maturity_date,
        coalesce(
            lease_maturity_date >= {{ as_of_date() }}
            and lease_maturity_date
            <= cast({{ dbt.dateadd('day', var('segments_lease_end_window_days'), as_of_date()) }} as date),
            false
        ) as is_in_lease_end_window,
        cast(model_year as {{ dbt.type_string() }}) || ' ' || make || ' ' || model as vehicle_name
    from due

),

final as (

    select
        *,
        -- e.g. "2019 Honda CR-V next oil service due 2026-12-10 (synthetic, ~11,800 mi/yr from 3 odometer readings)"
        case
            when is_service_due
                then
                    vehicle_name
                    || case
                        when days_until_service_due < 0 then ' oil service overdue since '
                        else ' next oil service due '
                    end
                    || cast(next_service_due_date as {{ dbt.type_string() }})
                    || ' (' || oil_spec
                    || ', ~' || {{ segments_thousands('round(annual_miles_estimate / 100) * 100') }} || ' mi/yr '
                    || case annual_miles_basis
                        when 'odometer_trend'
                            then
                                'from ' || cast(odometer_reading_count as {{ dbt.type_string() }})
                                || ' odometer readings'
                        when 'lifetime_average' then 'from one odometer reading over the vehicle age'
                        else 'assumed'
                    end
                    || ')'
        end as service_due_reason,
        case
            when is_in_lease_end_window
                then vehicle_name || ' lease matures ' || cast(lease_maturity_date as {{ dbt.type_string() }})
        end as lease_end_reason
    from flagged

)

select * from final
