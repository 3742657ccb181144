{#- Google Ads and Meta in one set of columns, one row per platform, ad (or Google ad group) and day,
    the way fivetran/dbt_ad_reporting unions its platform packages: each platform is first brought to
    the standard columns, then the platforms are stacked. -#}

with

rooftops as (

    select * from {{ ref('stg_dealer__rooftops') }}

),

google_ads as (

    select
        date_day,
        'google_ads' as platform,
        dealer_id,
        account_id,
        campaign_id,
        campaign_name,
        ad_group_id,
        ad_group_name,
        cast(null as {{ dbt.type_string() }}) as ad_id,
        cast(null as {{ dbt.type_string() }}) as ad_name,
        impressions,
        clicks,
        spend,
        platform_conversions
    from {{ ref('int_ads__google_ads_daily') }}

),

meta as (

    select
        date_day,
        platform,
        dealer_id,
        account_id,
        campaign_id,
        campaign_name,
        ad_group_id,
        ad_group_name,
        ad_id,
        ad_name,
        impressions,
        clicks,
        spend,
        platform_conversions
    from {{ ref('stg_meta__ad_insights') }}

),

unioned as (

    select * from google_ads
    union all
    select * from meta

)

select
    unioned.date_day,
    unioned.platform,
    unioned.dealer_id,
    unioned.account_id,
    -- the reports carry no account names; each rooftop runs one account per platform
    rooftops.name as account_name,
    unioned.campaign_id,
    unioned.campaign_name,
    unioned.ad_group_id,
    unioned.ad_group_name,
    unioned.ad_id,
    unioned.ad_name,
    unioned.impressions,
    unioned.clicks,
    unioned.spend,
    unioned.platform_conversions
from unioned
left join rooftops on unioned.dealer_id = rooftops.dealer_id
