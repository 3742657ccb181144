{#- The CRM leads the nightly batch scores: those still open (propensity_open_lead_statuses), with
    the person they belong to. A lead's score is its person's (marts.lead_scores). -#}

select
    leads.crm_lead_id as lead_id,
    people.customer_key,
    people.dealer_id,
    leads.status,
    leads.created_at
from {{ ref('stg_crm__leads') }} as leads
inner join {{ ref('int_journey__customer_leads') }} as people on leads.crm_lead_id = people.crm_lead_id
where leads.status in ({{ string_literals(var('propensity_open_lead_statuses')) }})
