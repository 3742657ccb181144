{#- Every email count is inside the one it is a share of: clicked <= opened <= delivered <= sent,
    bounced <= sent, delivered + bounced = sent, unsubscribed <= sent. Returns the rows that break one. -#}
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
