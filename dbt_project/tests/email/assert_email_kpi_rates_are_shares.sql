{#- The email rates of journey_kpis_daily are shares (0 to 1) and a click rate is never above the open rate
    (a click counts as an open). Returns the rows that break one. -#}
select
    dealer_id,
    date_day
from {{ ref('journey_kpis_daily') }}
where
    email_open_rate not between 0 and 1
    or email_click_rate not between 0 and 1
    or email_click_to_open_rate not between 0 and 1
    or email_unsubscribe_rate not between 0 and 1
    or email_click_rate > email_open_rate
