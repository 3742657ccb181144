with

source as (

    select * from {{ source('google_ads', 'google_ads_ad_group_stats') }}

),

renamed as (

    select

        ----------  ids
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        'google_ads' as platform,
        cast(customer_id as {{ dbt.type_string() }}) as account_id,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(ad_group_id as {{ dbt.type_string() }}) as ad_group_id,

        ---------- ad group
        ad_group_name,
        ad_group_status,

        ---------- numerics
        cast(impressions as {{ dbt.type_int() }}) as impressions,
        cast(clicks as {{ dbt.type_int() }}) as clicks,
        {{ micros_to_currency('cost_micros') }} as spend,
        cast(conversions as {{ dbt.type_float() }}) as platform_conversions,

        ---------- dates
        cast(date_day as date) as date_day,
        loaded_at

    from source

)

select * from renamed
