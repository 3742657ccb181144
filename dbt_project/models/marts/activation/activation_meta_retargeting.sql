{#- Meta retargeting audiences: one row per person and audience name, with the raw identifiers the
    meta_audience destination normalizes and hashes (email, phone, fn, ln, zip, country, external_id).

    - retargeting_vdp_no_lead: viewed a vehicle detail page in the last 30 days, no lead in 90 days;
    - retargeting_quiet_high_intent: at least `meta_retargeting_high_intent_vdp_views` VDP views in the last
      30 days, and no touch (session, lead, deal, visit) for `meta_retargeting_quiet_days` days.

    Nobody is in either who bought in the last 180 days, has an open CRM lead (the salesperson has them), or
    consented to neither marketing email nor SMS (the warehouse holds no ad-specific consent, so no
    marketing consent at all is read as opted out), or has neither an email nor a phone to match on.
    Features are read as of as_of_date(). Each row carries its rooftop's Meta ad account (an audience belongs
    to one ad account, decision 1141) and member_key (account/customer), the syncs' primary key: a person
    whose rooftop changes leaves one account's audience and joins the other's. A rooftop without an ad
    account has no audience. -#}

{%- set high_intent_views = var('meta_retargeting_high_intent_vdp_views', 3) -%}
{%- set quiet_days = var('meta_retargeting_quiet_days', 7) -%}
{%- set closed_statuses = var(
    'meta_retargeting_closed_lead_statuses', ['sold', 'lost', 'closed', 'dead', 'duplicate']
) -%}

with

features as (

    select
        customer_key,
        vdp_views_30d,
        leads_90d,
        purchased_180d,
        days_since_last_touch
    from {{ ref('fct_customer_features_daily') }}
    where feature_date = {{ as_of_date() }}

),

customers as (

    select
        customer_key,
        dealer_id,
        email,
        phone,
        first_name,
        last_name,
        zip5,
        coalesce(email_consent, false) or coalesce(sms_consent, false) as marketing_consent
    from {{ ref('dim_customers') }}

),

rooftops as (

    select
        dealer_id,
        replace(meta_ad_account_id, 'act_', '') as meta_ad_account_id
    from {{ ref('stg_dealer__rooftops') }}
    where meta_ad_account_id is not null

),

open_leads as (

    select distinct identities.customer_key
    from {{ ref('stg_crm__leads') }} as leads
    inner join {{ ref('customer_identity_map') }} as identities
        on identities.source = 'crm' and leads.customer_id = identities.source_record_id
    where coalesce(leads.status, '') not in (
        {%- for status in closed_statuses %}
            '{{ status }}'{% if not loop.last %},{% endif %}
        {%- endfor %}
    )

),

eligible as (

    select
        customers.*,
        rooftops.meta_ad_account_id,
        features.vdp_views_30d,
        features.leads_90d,
        features.days_since_last_touch
    from customers
    inner join features on customers.customer_key = features.customer_key
    inner join rooftops on customers.dealer_id = rooftops.dealer_id
    left join open_leads on customers.customer_key = open_leads.customer_key
    where
        customers.marketing_consent
        and not features.purchased_180d
        and open_leads.customer_key is null
        and (customers.email is not null or customers.phone is not null)

),

memberships as (

    select
        'retargeting_vdp_no_lead' as audience_name,
        *
    from eligible
    where vdp_views_30d >= 1 and leads_90d = 0

    union all

    select
        'retargeting_quiet_high_intent' as audience_name,
        *
    from eligible
    where vdp_views_30d >= {{ high_intent_views }} and days_since_last_touch >= {{ quiet_days }}

)

select
    {{ meta_member_columns() }},
    vdp_views_30d,
    days_since_last_touch,
    {{ as_of_date() }} as as_of_date
from memberships
