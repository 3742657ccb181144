{#- DMS repair orders attributed to people (visit_date is already the rooftop's day). -#}

with

dms_people as (

    select
        source_record_id as dms_customer_id,
        customer_key
    from {{ ref('customer_identity_map') }}
    where source = 'dms'

)

select
    visits.repair_order_id,
    dms_people.customer_key,
    visits.dealer_id,
    visits.vin,
    visits.visit_date,
    visits.amount
from {{ ref('stg_dms__service_visits') }} as visits
inner join dms_people on visits.customer_id = dms_people.dms_customer_id
