{#- Rows each ingest source loaded into raw, per table, rooftop and partition day: the denominator of the
    quarantined share. One select per raw table (journey_assets/sources declares their partition columns). -#}
with

loaded as (

    select
        'dealer_inventory' as source,
        'dealer_inventory' as table_name,
        dealer_id,
        cast(snapshot_date as date) as date_day
    from {{ source('dealer', 'dealer_inventory') }}

    union all

    select
        'ga4' as source,
        'ga4_sessions' as table_name,
        dealer_id,
        cast(date_day as date) as date_day
    from {{ source('ga4', 'ga4_sessions') }}

    union all

    select
        'ga4' as source,
        'ga4_events' as table_name,
        dealer_id,
        cast(date_day as date) as date_day
    from {{ source('ga4', 'ga4_events') }}

    union all

    select
        'google_ads' as source,
        'google_ads_campaign_stats' as table_name,
        dealer_id,
        cast(date_day as date) as date_day
    from {{ source('google_ads', 'google_ads_campaign_stats') }}

    union all

    select
        'google_ads' as source,
        'google_ads_ad_group_stats' as table_name,
        dealer_id,
        cast(date_day as date) as date_day
    from {{ source('google_ads', 'google_ads_ad_group_stats') }}

    union all

    select
        'google_ads' as source,
        'google_ads_keyword_stats' as table_name,
        dealer_id,
        cast(date_day as date) as date_day
    from {{ source('google_ads', 'google_ads_keyword_stats') }}

    union all

    select
        'google_ads' as source,
        'google_ads_search_terms' as table_name,
        dealer_id,
        cast(date_day as date) as date_day
    from {{ source('google_ads', 'google_ads_search_terms') }}

    union all

    select
        'gbp' as source,
        'gbp_reviews' as table_name,
        dealer_id,
        cast(snapshot_date as date) as date_day
    from {{ source('gbp', 'gbp_reviews') }}

    union all

    select
        'pagespeed' as source,
        'pagespeed_results' as table_name,
        dealer_id,
        cast(snapshot_date as date) as date_day
    from {{ source('pagespeed', 'pagespeed_results') }}

    union all

    select
        'meta_ads' as source,
        'meta_ad_insights' as table_name,
        dealer_id,
        cast(date_start as date) as date_day
    from {{ source('meta', 'meta_ad_insights') }}

    union all

    select
        'meta_leads' as source,
        'meta_leads' as table_name,
        dealer_id,
        cast(created_date as date) as date_day
    from {{ source('meta', 'meta_leads') }}

    union all

    select
        'metricool' as source,
        'metricool_posts' as table_name,
        dealer_id,
        cast(snapshot_date as date) as date_day
    from {{ source('metricool', 'metricool_posts') }}

    union all

    select
        'crm' as source,
        'crm_leads' as table_name,
        dealer_id,
        cast(updated_date as date) as date_day
    from {{ source('crm', 'crm_leads') }}

    union all

    select
        'crm' as source,
        'crm_activities' as table_name,
        dealer_id,
        cast(occurred_date as date) as date_day
    from {{ source('crm', 'crm_activities') }}

    union all

    select
        'crm' as source,
        'crm_contacts' as table_name,
        dealer_id,
        cast(updated_date as date) as date_day
    from {{ source('crm', 'crm_contacts') }}

    union all

    select
        'dms' as source,
        'dms_sales' as table_name,
        dealer_id,
        cast(export_date as date) as date_day
    from {{ source('dms', 'dms_sales') }}

    union all

    select
        'dms' as source,
        'dms_service_visits' as table_name,
        dealer_id,
        cast(export_date as date) as date_day
    from {{ source('dms', 'dms_service_visits') }}

    union all

    select
        'dms' as source,
        'dms_customers' as table_name,
        dealer_id,
        cast(export_date as date) as date_day
    from {{ source('dms', 'dms_customers') }}

    union all

    select
        'dms' as source,
        'dms_vehicles' as table_name,
        dealer_id,
        cast(export_date as date) as date_day
    from {{ source('dms', 'dms_vehicles') }}

)

select
    source,
    table_name,
    dealer_id,
    date_day,
    count(*) as loaded_rows
from loaded
group by source, table_name, dealer_id, date_day
