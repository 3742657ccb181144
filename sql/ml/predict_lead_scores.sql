-- marts.lead_scores: the open CRM leads (status neither sold nor lost) with their person's score from
-- marts.customer_scores (predict_customer_scores.sql runs first), in the shape the sklearn engine writes:
-- lead_id, customer_key, dealer_id, score, decile, tier, model_version, scored_at. A lead is scored as its
-- person: the features already count the lead (leads_90d, latest_lead_type_30d).

create or replace table marts.lead_scores
cluster by dealer_id
as
select
    leads.crm_lead_id as lead_id,
    scores.customer_key,
    leads.dealer_id,
    scores.score,
    scores.decile,
    scores.tier,
    scores.model_version,
    scores.scored_at
from staging.stg_crm__leads as leads
inner join marts.customer_identity_map as people
    on people.source = 'crm' and people.source_record_id = leads.customer_id
inner join marts.customer_scores as scores
    on scores.customer_key = people.customer_key
where leads.status not in ('sold', 'lost');
