{#- DMS deals (sales and leases) attributed to people, on the rooftop's calendar day. -#}

with

dms_people as (

    select
        source_record_id as dms_customer_id,
        customer_key
    from {{ ref('customer_identity_map') }}
    where source = 'dms'

)

select
    sales.deal_id,
    dms_people.customer_key,
    sales.dealer_id,
    sales.sale_type,
    sales.sold_at,
    {{ to_local_date('sales.sold_at', 'rooftops.timezone') }} as sold_on
from {{ ref('stg_dms__sales') }} as sales
inner join dms_people on sales.customer_id = dms_people.dms_customer_id
inner join {{ ref('stg_dealer__rooftops') }} as rooftops on sales.dealer_id = rooftops.dealer_id
