{#- Spend against attributed leads, sales and revenue per rooftop, day, channel, campaign and
    attribution model, all models side by side (one row each). Spend falls on its ad day, credits on
    the conversion's day. An ad platform's campaign is reported under the channel its platform runs it
    in (Meta: Paid Social; Google Ads by advertising channel type, GA4's names), so its spend and the
    credits of its sessions meet on one row whatever channel group GA4 gave a session. -#}

{%- set models = ['first_touch', 'last_non_direct', 'linear', 'position_based', 'time_decay', 'data_driven'] -%}

with

attribution_models as (

    {% for model in models -%}
        select '{{ model }}' as model  -- noqa: RF04
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

google_campaigns as (

    select
        dealer_id,
        campaign_id,
        max(campaign_name) as campaign_name,
        max(advertising_channel_type) as advertising_channel_type
    from {{ ref('stg_google_ads__campaign_stats') }}
    group by dealer_id, campaign_id

),

meta_campaigns as (

    select
        dealer_id,
        campaign_id,
        max(campaign_name) as campaign_name
    from {{ ref('stg_meta__ad_insights') }}
    group by dealer_id, campaign_id

),

ad_campaigns as (

    select
        dealer_id,
        campaign_id,
        campaign_name,
        'google_ads' as platform,
        case advertising_channel_type
            when 'SEARCH' then 'Paid Search'
            when 'SHOPPING' then 'Paid Shopping'
            when 'DISPLAY' then 'Display'
            when 'VIDEO' then 'Paid Video'
            when 'PERFORMANCE_MAX' then 'Cross-network'
            else 'Paid Other'
        end as channel
    from google_campaigns

    union all

    select
        dealer_id,
        campaign_id,
        campaign_name,
        'meta' as platform,
        'Paid Social' as channel
    from meta_campaigns

),

spend as (

    select
        ads.dealer_id,
        ads.date_day,
        ad_campaigns.channel,
        ads.campaign_id,
        sum(ads.spend) as spend,
        sum(ads.impressions) as impressions,
        sum(ads.clicks) as clicks
    from {{ ref('ad_reporting_daily') }} as ads
    inner join ad_campaigns
        on
            ads.dealer_id = ad_campaigns.dealer_id
            and ads.campaign_id = ad_campaigns.campaign_id
            and ads.platform = ad_campaigns.platform
    group by ads.dealer_id, ads.date_day, ad_campaigns.channel, ads.campaign_id

),

credits as (

    select
        attribution.dealer_id,
        attribution.converted_on as date_day,
        coalesce(ad_campaigns.channel, attribution.channel) as channel,
        attribution.campaign_id,
        attribution.model,
        sum(case when attribution.conversion_type = 'lead' then attribution.credit else 0 end) as leads,
        sum(case when attribution.conversion_type = 'sale' then attribution.credit else 0 end) as sales,
        sum(coalesce(attribution.credited_revenue, 0)) as revenue
    from {{ ref('fct_attribution') }} as attribution
    left join ad_campaigns
        on
            attribution.dealer_id = ad_campaigns.dealer_id
            and attribution.campaign_id = ad_campaigns.campaign_id
    group by
        attribution.dealer_id,
        attribution.converted_on,
        coalesce(ad_campaigns.channel, attribution.channel),
        attribution.campaign_id,
        attribution.model

),

spend_by_model as (

    select
        spend.*,
        attribution_models.model
    from spend
    cross join attribution_models

),

joined as (

    select
        coalesce(spend_by_model.dealer_id, credits.dealer_id) as dealer_id,
        coalesce(spend_by_model.date_day, credits.date_day) as date_day,
        coalesce(spend_by_model.model, credits.model) as model,  -- noqa: RF04
        coalesce(spend_by_model.channel, credits.channel) as channel,
        coalesce(spend_by_model.campaign_id, credits.campaign_id) as campaign_id,
        coalesce(spend_by_model.spend, 0) as spend,
        coalesce(spend_by_model.impressions, 0) as impressions,
        coalesce(spend_by_model.clicks, 0) as clicks,
        coalesce(credits.leads, 0) as leads,
        coalesce(credits.sales, 0) as sales,
        coalesce(credits.revenue, 0) as revenue
    from spend_by_model
    full outer join credits
        on
            spend_by_model.dealer_id = credits.dealer_id
            and spend_by_model.date_day = credits.date_day
            and spend_by_model.model = credits.model
            and spend_by_model.channel = credits.channel
            and spend_by_model.campaign_id = credits.campaign_id

)

select
    {{ surrogate_key([
        'joined.dealer_id', 'joined.date_day', 'joined.model', 'joined.channel', 'joined.campaign_id'
    ]) }} as channel_performance_key,
    joined.dealer_id,
    joined.date_day,
    joined.model,  -- noqa: RF04
    joined.channel,
    ad_campaigns.platform,
    joined.campaign_id,
    ad_campaigns.campaign_name,
    joined.spend,
    joined.impressions,
    joined.clicks,
    joined.leads,
    joined.sales,
    joined.revenue,
    case when joined.leads > 0 then joined.spend / joined.leads end as cost_per_lead,
    case when joined.sales > 0 then joined.spend / joined.sales end as cost_per_sale,
    case when joined.spend > 0 then joined.revenue / joined.spend end as roas
from joined
left join ad_campaigns
    on
        joined.dealer_id = ad_campaigns.dealer_id
        and joined.campaign_id = ad_campaigns.campaign_id
