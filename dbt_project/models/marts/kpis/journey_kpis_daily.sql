{#- The success metrics per rooftop and day, over the var kpis_window_days days ending on as_of_date (one row
    per rooftop and day even when nothing happened). Each column is defined in journey_kpis_daily.yml. -#}
{%- set funnel = var('kpis_funnel_stages') -%}
with

digits as (

    select 0 as d
    union all
    select 1
    union all
    select 2
    union all
    select 3
    union all
    select 4
    union all
    select 5
    union all
    select 6
    union all
    select 7
    union all
    select 8
    union all
    select 9

),

offsets as (

    select hundreds.d * 100 + tens.d * 10 + ones.d as days_back
    from digits as hundreds cross join digits as tens cross join digits as ones

),

spine as (

    select
        rooftops.dealer_id,
        cast({{ dbt.dateadd('day', '-offsets.days_back', as_of_date()) }} as date) as date_day
    from {{ ref('stg_dealer__rooftops') }} as rooftops
    cross join offsets
    where offsets.days_back < {{ var('kpis_window_days') }}

),

leads as (

    select
        dealer_id,
        date_day,
        sum(leads) as leads
    from {{ ref('fct_leads_daily') }}
    group by dealer_id, date_day

),

speed as (

    select
        dealer_id,
        received_on as date_day,
        count(*) as response_leads,
        sum(case when is_answered then 1 else 0 end) as answered_leads,
        {{ kpi_quantile('seconds_to_first_response', 0.5) }} as speed_to_lead_p50_seconds,
        {{ kpi_quantile('seconds_to_first_response', 0.9) }} as speed_to_lead_p90_seconds,
        sum(case when is_within_target then 1 else 0 end) * 1.0 / count(*) as speed_to_lead_within_target_share
    from {{ ref('fct_speed_to_lead') }}
    group by dealer_id, received_on

),

spells as (

    select
        customer_key,
        dealer_id,
        stage,
        entered_on,
        exited_on,
        lead(stage) over (partition by customer_key order by entered_on) as next_stage,
        lead(entered_on) over (partition by customer_key order by entered_on) as next_entered_on
    from {{ ref('fct_customer_journey_stages') }}

),

transitions as (

    -- a customer moves from one stage to the next on the day the first spell ends and the next begins
    select
        dealer_id,
        exited_on as date_day,
        stage,
        next_stage,
        count(*) as customers
    from spells
    where next_entered_on = exited_on
    group by dealer_id, exited_on, stage, next_stage

),

holding as (

    -- customers in each stage on the day before: the denominator of a day's stage-to-stage rate
    select
        spine.dealer_id,
        spine.date_day,
        spells.stage,
        count(*) as customers
    from spine
    inner join spells
        on
            spine.dealer_id = spells.dealer_id
            and spine.date_day > spells.entered_on
            and (spells.exited_on is null or spine.date_day <= spells.exited_on)
    group by spine.dealer_id, spine.date_day, spells.stage

),

sms as (

    select
        actions.dealer_id,
        {{ to_local_date('actions.finished_at', 'rooftops.timezone') }} as date_day,
        sum(case when actions.action = 'sms' then 1 else 0 end) as sms_sent,
        sum(case when actions.action = 'sms' and messages.status in ('delivered', 'read') then 1 else 0 end)
            as sms_delivered,
        sum(case when actions.action = 'sms' and messages.status in ('undelivered', 'failed') then 1 else 0 end)
            as sms_bounced,
        sum(case when actions.action = 'sms' and messages.error_code = '21610' then 1 else 0 end) as sms_opted_out,
        sum(case when actions.action = 'email_fallback' then 1 else 0 end) as emails_sent
    from {{ ref('stg_ops__response_actions') }} as actions
    inner join {{ ref('stg_dealer__rooftops') }} as rooftops on actions.dealer_id = rooftops.dealer_id
    left join {{ ref('stg_ops__response_messages') }} as messages on actions.vendor_ref = messages.sid
    where actions.status = 'done' and actions.action in ('sms', 'email_fallback')
    -- by position: the local day is an expression of the rooftop's time zone
    group by 1, 2  -- noqa: AM06

),

email as (

    -- Customer.io's emails by the day they were sent: a day's opens and clicks are of that day's emails
    select
        dealer_id,
        date_day,
        sum(delivered) as email_delivered,
        sum(opened) as email_opened,
        sum(clicked) as email_clicked,
        sum(unsubscribed) as email_unsubscribed
    from {{ ref('fct_email_engagement_daily') }}
    group by dealer_id, date_day

),

api as (

    select
        date_day,
        sum(calls) as api_calls,
        sum(ok_calls) * 1.0 / sum(calls) as api_success_rate,
        (sum(calls) - sum(ok_calls)) * 1.0 / sum(calls) as api_error_rate
    from {{ ref('fct_vendor_api_daily') }}
    group by date_day

),

quarantine as (

    select
        dealer_id,
        date_day,
        sum(loaded_rows) as ingested_rows,
        sum(quarantined_rows) as quarantined_rows,
        sum(quarantined_rows) * 1.0 / nullif(sum(loaded_rows) + sum(quarantined_rows), 0) as quarantined_share
    from {{ ref('fct_quarantine_daily') }}
    group by dealer_id, date_day

),

acquisition as (

    -- paid media's spend against the leads and sales credited to it under one attribution model
    -- (var kpis_cpa_attribution_model), so the spend is counted once; every model side by side is in
    -- channel_performance
    select
        dealer_id,
        date_day,
        sum(spend) as ad_spend,
        sum(leads) as attributed_leads,
        sum(sales) as attributed_sales
    from {{ ref('channel_performance') }}
    where model = '{{ var("kpis_cpa_attribution_model") }}'
    group by dealer_id, date_day

),

lifetime_value as (

    select
        dealer_id,
        {{ as_of_date() }} as date_day,
        avg(lifetime_value) as avg_customer_lifetime_value,
        avg(historical_value) as avg_customer_historical_value
    from {{ ref('fct_customer_lifetime_value') }}
    group by dealer_id

)

select
    spine.dealer_id,
    spine.date_day,
    ---------- leads
    coalesce(leads.leads, 0) as leads,
    ---------- speed to lead
    coalesce(speed.response_leads, 0) as response_leads,
    coalesce(speed.answered_leads, 0) as answered_leads,
    speed.speed_to_lead_p50_seconds,
    speed.speed_to_lead_p90_seconds,
    speed.speed_to_lead_within_target_share,
    ---------- stage to stage
    {%- for i in range(funnel | length - 1) %}
        {%- set this, next = funnel[i], funnel[i + 1] %}
        coalesce(to_{{ next }}.customers, 0) as {{ this }}_to_{{ next }}_customers,
        coalesce(to_{{ next }}.customers, 0)
        * 1.0
        / nullif(in_{{ this }}.customers, 0) as {{ this }}_to_{{ next }}_rate,
    {%- endfor %}
    ---------- messages
    coalesce(sms.sms_sent, 0) as sms_sent,
    sms.sms_delivered * 1.0 / nullif(sms.sms_sent, 0) as sms_delivery_rate,
    sms.sms_bounced * 1.0 / nullif(sms.sms_sent, 0) as sms_bounce_rate,
    sms.sms_opted_out * 1.0 / nullif(sms.sms_sent, 0) as sms_opt_out_rate,
    coalesce(sms.emails_sent, 0) as emails_sent,
    coalesce(email.email_delivered, 0) as email_delivered,
    email.email_opened * 1.0 / nullif(email.email_delivered, 0) as email_open_rate,
    email.email_clicked * 1.0 / nullif(email.email_delivered, 0) as email_click_rate,
    email.email_clicked * 1.0 / nullif(email.email_opened, 0) as email_click_to_open_rate,
    email.email_unsubscribed * 1.0 / nullif(email.email_delivered, 0) as email_unsubscribe_rate,
    ---------- pipeline health (API calls are the group's, the same on every rooftop's row)
    coalesce(api.api_calls, 0) as api_calls,
    api.api_success_rate,
    api.api_error_rate,
    coalesce(quarantine.ingested_rows, 0) as ingested_rows,
    coalesce(quarantine.quarantined_rows, 0) as quarantined_rows,
    quarantine.quarantined_share,
    ---------- acquisition cost (paid media, one attribution model)
    coalesce(acquisition.ad_spend, 0) as ad_spend,
    acquisition.ad_spend / nullif(acquisition.attributed_leads, 0) as cost_per_lead,
    acquisition.ad_spend / nullif(acquisition.attributed_sales, 0) as cost_per_acquisition,
    ---------- value
    lifetime_value.avg_customer_lifetime_value,
    lifetime_value.avg_customer_historical_value
from spine
left join leads on spine.dealer_id = leads.dealer_id and spine.date_day = leads.date_day
left join speed on spine.dealer_id = speed.dealer_id and spine.date_day = speed.date_day
{%- for i in range(funnel | length - 1) %}
    {%- set this, next = funnel[i], funnel[i + 1] %}
    left join transitions as to_{{ next }}
        on
            spine.dealer_id = to_{{ next }}.dealer_id
            and spine.date_day = to_{{ next }}.date_day
            and to_{{ next }}.stage = '{{ this }}'
            and to_{{ next }}.next_stage = '{{ next }}'
    left join holding as in_{{ this }}
        on
            spine.dealer_id = in_{{ this }}.dealer_id
            and spine.date_day = in_{{ this }}.date_day
            and in_{{ this }}.stage = '{{ this }}'
{%- endfor %}
left join sms on spine.dealer_id = sms.dealer_id and spine.date_day = sms.date_day
left join email on spine.dealer_id = email.dealer_id and spine.date_day = email.date_day
left join api on spine.date_day = api.date_day
left join quarantine on spine.dealer_id = quarantine.dealer_id and spine.date_day = quarantine.date_day
left join acquisition on spine.dealer_id = acquisition.dealer_id and spine.date_day = acquisition.date_day
left join lifetime_value on spine.dealer_id = lifetime_value.dealer_id and spine.date_day = lifetime_value.date_day
