with

source as (

    select * from {{ source('google_ads', 'google_ads_campaign_stats') }}

),

renamed as (

    select

        ----------  ids
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        'google_ads' as platform,
        cast(customer_id as {{ dbt.type_string() }}) as account_id,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,

        ---------- campaign
        campaign_name,
        campaign_status,
        advertising_channel_type,

        ---------- numerics
        cast(impressions as {{ dbt.type_int() }}) as impressions,
        cast(clicks as {{ dbt.type_int() }}) as clicks,
        {{ micros_to_currency('cost_micros') }} as spend,
        -- Google's own (attributed) conversion count; the marts decide whether to trust it
        cast(conversions as {{ dbt.type_float() }}) as platform_conversions,

        ---------- dates
        cast(date_day as date) as date_day,
        loaded_at

    from source

)

select * from renamed
