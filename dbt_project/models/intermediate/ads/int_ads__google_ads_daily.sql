{#- Google Ads at the unified report's grain. The ad group report carries the ad groups; a campaign
    with no ad groups (Performance Max) or spend outside them keeps its remainder of the campaign
    report as a row without an ad group, so the sums still reconcile with the campaign report. -#}

with

campaigns as (

    select * from {{ ref('stg_google_ads__campaign_stats') }}

),

ad_groups as (

    select * from {{ ref('stg_google_ads__ad_group_stats') }}

),

ad_group_totals as (

    select
        account_id,
        campaign_id,
        date_day,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend) as spend,
        sum(platform_conversions) as platform_conversions
    from ad_groups
    group by account_id, campaign_id, date_day

),

ad_group_rows as (

    select
        ad_groups.date_day,
        ad_groups.dealer_id,
        ad_groups.account_id,
        ad_groups.campaign_id,
        campaigns.campaign_name,
        ad_groups.ad_group_id,
        ad_groups.ad_group_name,
        ad_groups.impressions,
        ad_groups.clicks,
        ad_groups.spend,
        coalesce(ad_groups.platform_conversions, 0) as platform_conversions
    from ad_groups
    left join campaigns
        on
            ad_groups.account_id = campaigns.account_id
            and ad_groups.campaign_id = campaigns.campaign_id
            and ad_groups.date_day = campaigns.date_day

),

campaign_remainders as (

    select
        campaigns.date_day,
        campaigns.dealer_id,
        campaigns.account_id,
        campaigns.campaign_id,
        campaigns.campaign_name,
        cast(null as {{ dbt.type_string() }}) as ad_group_id,
        cast(null as {{ dbt.type_string() }}) as ad_group_name,
        campaigns.impressions - coalesce(ad_group_totals.impressions, 0) as impressions,
        campaigns.clicks - coalesce(ad_group_totals.clicks, 0) as clicks,
        campaigns.spend - coalesce(ad_group_totals.spend, 0) as spend,
        coalesce(campaigns.platform_conversions, 0) - coalesce(ad_group_totals.platform_conversions, 0)
            as platform_conversions
    from campaigns
    left join ad_group_totals
        on
            campaigns.account_id = ad_group_totals.account_id
            and campaigns.campaign_id = ad_group_totals.campaign_id
            and campaigns.date_day = ad_group_totals.date_day

)

select * from ad_group_rows
union all
select * from campaign_remainders
where impressions <> 0 or clicks <> 0 or spend <> 0 or platform_conversions <> 0
