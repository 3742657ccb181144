{#- Every email count is inside the one it is a share of: clicked <= opened <= delivered <= sent,
    bounced <= sent, and delivered + bounced = sent; and the KPI rates are shares. Returns the rows that break one. -#}
with

engagement as (

    select
        dealer_id,
        campaign_key,
        date_day
    from {{ ref('fct_email_engagement_daily') }}
    where
        clicked > opened
        or opened > delivered
        or delivered > sent
        or bounced > sent
        or delivered + bounced <> sent
        or unsubscribed > sent

),

kpis as (

    select
        dealer_id,
        'journey_kpis_daily' as campaign_key,
        date_day
    from {{ ref('journey_kpis_daily') }}
    where
        email_open_rate not between 0 and 1
        or email_click_rate not between 0 and 1
        or email_click_to_open_rate not between 0 and 1
        or email_click_rate > email_open_rate

)

select * from engagement
union all
select * from kpis
