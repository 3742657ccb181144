{#- Every marketing touch of a known person: their web sessions from the GA4 export (one per session,
    with GA4's default channel group and the session's campaign; ad clicks, email and social visits
    arrive as sessions of those channels), and Meta Lead Ads forms, which are ad clicks that never
    reach the website. -#}

with

sessions as (

    select
        customer_sessions.session_key as touch_id,
        'web_session' as touch_type,
        customer_sessions.customer_key,
        customer_sessions.dealer_id,
        {{ utc_timestamp('customer_sessions.session_started_at') }} as touched_at,
        coalesce(customer_sessions.default_channel_group, 'Unassigned') as channel,
        export_sessions.campaign_id
    from {{ ref('int_journey__customer_sessions') }} as customer_sessions
    inner join {{ ref('stg_ga4__export_sessions') }} as export_sessions
        on customer_sessions.session_key = export_sessions.session_key

),

ad_campaigns as (

    select distinct
        ad_id,
        campaign_id
    from {{ ref('stg_meta__ad_insights') }}

),

lead_ad_forms as (

    select
        leads.crm_lead_id as touch_id,
        'lead_ad_form' as touch_type,
        leads.customer_key,
        leads.dealer_id,
        leads.created_at as touched_at,
        'Paid Social' as channel,
        ad_campaigns.campaign_id
    from {{ ref('int_journey__customer_leads') }} as leads
    inner join {{ ref('stg_crm__leads') }} as crm_leads on leads.crm_lead_id = crm_leads.crm_lead_id
    -- the response plane creates a Lead Ads lead in the CRM under its intake event id, meta-leadgen:<leadgen id>
    left join {{ ref('stg_meta__leads') }} as meta_leads
        on crm_leads.external_id = {{ dbt.concat(["'meta-leadgen:'", 'meta_leads.meta_lead_id']) }}
    left join ad_campaigns on meta_leads.ad_id = ad_campaigns.ad_id
    where leads.lead_source = 'meta_lead_ad'

)

select * from sessions
union all
select * from lead_ad_forms
