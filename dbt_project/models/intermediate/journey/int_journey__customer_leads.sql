{#- CRM leads attributed to people, on the rooftop's calendar day. The lead's type and source are
    fixed when it is created; its later status changes are not used by the journey or the features. -#}

with

crm_people as (

    select
        source_record_id as crm_contact_id,
        customer_key
    from {{ ref('customer_identity_map') }}
    where source = 'crm'

)

select
    leads.crm_lead_id,
    crm_people.customer_key,
    leads.dealer_id,
    leads.lead_type,
    leads.lead_source,
    leads.created_at,
    {{ to_local_date('leads.created_at', 'rooftops.timezone') }} as lead_on
from {{ ref('stg_crm__leads') }} as leads
inner join crm_people on leads.customer_id = crm_people.crm_contact_id
inner join {{ ref('stg_dealer__rooftops') }} as rooftops on leads.dealer_id = rooftops.dealer_id
