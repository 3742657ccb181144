{#- ad_reporting_daily adds and loses nothing: per platform (and for Google its ad group rows alone)
    its impressions, clicks and spend equal the staging reports'. Fails with each total that differs. -#}

with

mart as (

    select
        platform as report,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend) as spend
    from {{ ref('ad_reporting_daily') }}
    group by platform

    union all

    select
        'google_ads ad groups' as report,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend) as spend
    from {{ ref('ad_reporting_daily') }}
    where platform = 'google_ads' and ad_group_id is not null

),

staging as (

    select
        'google_ads' as report,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend) as spend
    from {{ ref('stg_google_ads__campaign_stats') }}

    union all

    select
        'google_ads ad groups' as report,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend) as spend
    from {{ ref('stg_google_ads__ad_group_stats') }}

    union all

    select
        'meta' as report,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend) as spend
    from {{ ref('stg_meta__ad_insights') }}

)

select
    staging.report,
    staging.impressions as staging_impressions,
    mart.impressions as mart_impressions,
    staging.clicks as staging_clicks,
    mart.clicks as mart_clicks,
    staging.spend as staging_spend,
    mart.spend as mart_spend
from staging
left join mart on staging.report = mart.report
where
    coalesce(mart.impressions, 0) <> coalesce(staging.impressions, 0)
    or coalesce(mart.clicks, 0) <> coalesce(staging.clicks, 0)
    or abs(coalesce(mart.spend, 0) - coalesce(staging.spend, 0)) > 0.005
