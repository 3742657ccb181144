{#- Leads by rooftop, day (the rooftop's calendar day of the CRM lead's creation), source and type. -#}
select
    leads.dealer_id,
    {{ to_local_date('leads.created_at', 'rooftops.timezone') }} as date_day,
    coalesce(leads.lead_source, 'unknown') as lead_source,
    coalesce(leads.lead_type, 'unknown') as lead_type,
    count(*) as leads
from {{ ref('stg_crm__leads') }} as leads
inner join {{ ref('stg_dealer__rooftops') }} as rooftops on leads.dealer_id = rooftops.dealer_id
where {{ to_local_date('leads.created_at', 'rooftops.timezone') }} <= {{ as_of_date() }}
group by 1, 2, 3, 4
