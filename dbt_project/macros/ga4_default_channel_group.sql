{#
    GA4's session default channel group from source, medium and campaign name, rule by rule in GA4's
    order (support.google.com/analytics/answer/9756891, as dbt-ga4's default_channel_grouping).
    GA4 classes a source as search, social, video or shopping from a list Google publishes; the
    lists below hold the sources a dealer's traffic comes from (extend them with the vars
    ga4_search_sources, ga4_social_sources, ga4_video_sources, ga4_shopping_sources).
#}
{% macro ga4_default_channel_group(source, medium, campaign) -%}
    {%- set search = var('ga4_search_sources', [
        'google', 'bing', 'yahoo', 'duckduckgo', 'baidu', 'yandex', 'ecosia', 'ask', 'aol', 'search.brave.com'
    ]) -%}
    {%- set social = var('ga4_social_sources', [
        'facebook', 'facebook.com', 'm.facebook.com', 'l.facebook.com', 'fb', 'meta', 'instagram', 'instagram.com',
        'ig', 'linkedin', 'linkedin.com', 'lnkd.in', 't.co', 'twitter', 'x.com', 'tiktok', 'pinterest', 'reddit',
        'snapchat', 'nextdoor', 'threads.net'
    ]) -%}
    {%- set video = var('ga4_video_sources', ['youtube', 'youtube.com', 'm.youtube.com', 'vimeo', 'twitch']) -%}
    {%- set shopping = var('ga4_shopping_sources', ['google shopping', 'shopping.google.com', 'amazon', 'ebay']) -%}
    {%- set paid = "^(.*cp.*|ppc|retargeting|paid.*)$" -%}
    {%- set shop_campaign = "^(.*(([^a-df-z]|^)shop|shopping).*)$" -%}
    {%- set src = "lower(coalesce(" ~ source ~ ", ''))" -%}
    {%- set med = "lower(coalesce(" ~ medium ~ ", ''))" -%}
    {%- set camp = "lower(coalesce(" ~ campaign ~ ", ''))" -%}
    case
        when ({{ source }} is null and {{ medium }} is null)
            or ({{ src }} = '(direct)' and {{ med }} in ('(none)', '(not set)', ''))
            then 'Direct'
        when {{ regexp_contains(camp, 'cross-network') }} then 'Cross-network'
        when ({{ src }} in ('{{ shopping | join("', '") }}') or {{ regexp_contains(camp, shop_campaign) }})
            and {{ regexp_contains(med, paid) }}
            then 'Paid Shopping'
        when {{ src }} in ('{{ search | join("', '") }}') and {{ regexp_contains(med, paid) }} then 'Paid Search'
        when {{ src }} in ('{{ social | join("', '") }}') and {{ regexp_contains(med, paid) }} then 'Paid Social'
        when {{ src }} in ('{{ video | join("', '") }}') and {{ regexp_contains(med, paid) }} then 'Paid Video'
        when {{ med }} in ('display', 'banner', 'expandable', 'interstitial', 'cpm') then 'Display'
        when {{ regexp_contains(med, paid) }} then 'Paid Other'
        when {{ src }} in ('{{ shopping | join("', '") }}') or {{ regexp_contains(camp, shop_campaign) }}
            then 'Organic Shopping'
        when {{ src }} in ('{{ social | join("', '") }}')
            or {{ med }} in ('social', 'social-network', 'social-media', 'sm', 'social network', 'social media')
            then 'Organic Social'
        when {{ src }} in ('{{ video | join("', '") }}') or {{ regexp_contains(med, '^(.*video.*)$') }}
            then 'Organic Video'
        when {{ src }} in ('{{ search | join("', '") }}') or {{ med }} = 'organic' then 'Organic Search'
        when {{ med }} in ('referral', 'app', 'link') then 'Referral'
        when {{ regexp_contains(src, 'email|e-mail|e_mail|e mail') }}
            or {{ regexp_contains(med, 'email|e-mail|e_mail|e mail') }}
            then 'Email'
        when {{ med }} = 'affiliate' then 'Affiliates'
        when {{ med }} = 'audio' then 'Audio'
        when {{ src }} = 'sms' or {{ med }} = 'sms' then 'SMS'
        when {{ regexp_contains(med, 'push$') }} or {{ regexp_contains(med, 'mobile|notification') }}
            or {{ src }} = 'firebase'
            then 'Mobile Push Notifications'
        else 'Unassigned'
    end
{%- endmacro %}
