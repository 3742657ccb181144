with

source as (

    select * from {{ source('meta', 'meta_ad_insights') }}

),

renamed as (

    select

        ----------  ids (the unified ad report's standard columns)
        cast(date_start as date) as date_day,
        'meta' as platform,
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        campaign_name,
        cast(adset_id as {{ dbt.type_string() }}) as ad_group_id,
        adset_name as ad_group_name,
        cast(ad_id as {{ dbt.type_string() }}) as ad_id,
        ad_name,
        account_currency as currency,

        ---------- delivery
        cast(coalesce(impressions, 0) as {{ dbt.type_int() }}) as impressions,
        cast(reach as {{ dbt.type_int() }}) as reach,
        cast(coalesce(clicks, 0) as {{ dbt.type_int() }}) as clicks,
        cast(coalesce(inline_link_clicks, 0) as {{ dbt.type_int() }}) as link_clicks,

        ---------- money and platform-reported results (not summed across platforms: attribution is ours)
        cast(coalesce(spend, 0) as {{ dbt.type_numeric() }}) as spend,
        cast(coalesce(leads, 0) as {{ dbt.type_float() }}) as platform_conversions,
        cast(coalesce(leads_value, 0) as {{ dbt.type_numeric() }}) as platform_conversions_value,

        loaded_at

    from source

)

select * from renamed
