with

source as (

    select * from {{ source('google_ads', 'google_ads_keyword_stats') }}

),

renamed as (

    select

        ----------  ids
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        'google_ads' as platform,
        cast(customer_id as {{ dbt.type_string() }}) as account_id,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(ad_group_id as {{ dbt.type_string() }}) as ad_group_id,
        cast(keyword_id as {{ dbt.type_string() }}) as keyword_id,

        ---------- keyword
        keyword_text,
        match_type as keyword_match_type,

        ---------- numerics
        cast(impressions as {{ dbt.type_int() }}) as impressions,
        cast(clicks as {{ dbt.type_int() }}) as clicks,
        {{ micros_to_currency('cost_micros') }} as spend,

        ---------- dates
        cast(date_day as date) as date_day,
        loaded_at

    from source

)

select * from renamed
