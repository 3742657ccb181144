{#- The vehicles each person holds (the DMS vehicle master), with the first day the rooftops knew of
    each: its acquisition here, or for a vehicle bought elsewhere the first time it came in for
    service. The master is the latest export, so a vehicle acquired after day T is in it already:
    point-in-time features use acquired_date and known_on, never the export's presence. -#}

with

dms_people as (

    select
        source_record_id as dms_customer_id,
        customer_key
    from {{ ref('customer_identity_map') }}
    where source = 'dms'

),

first_service as (

    select
        customer_id,
        vin,
        min(visit_date) as first_visit_date
    from {{ ref('stg_dms__service_visits') }}
    group by customer_id, vin

)

select
    vehicles.vin,
    dms_people.customer_key,
    vehicles.dealer_id,
    vehicles.acquisition,
    vehicles.acquisition is not null as acquired_here,
    vehicles.acquired_date,
    vehicles.lease_maturity_date,
    coalesce(vehicles.acquired_date, first_service.first_visit_date, vehicles.export_date) as known_on
from {{ ref('stg_dms__vehicles') }} as vehicles
inner join dms_people on vehicles.dms_customer_id = dms_people.dms_customer_id
left join first_service
    on
        vehicles.dms_customer_id = first_service.customer_id
        and vehicles.vin = first_service.vin
