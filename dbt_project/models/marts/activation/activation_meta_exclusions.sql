{#- Meta exclusion audiences: one row per person and audience name, with the raw identifiers the
    meta_audience_by_account destination normalizes and hashes, kept in the rooftop's ad account like the
    retargeting audiences (activation_meta_retargeting) the ad sets exclude them from.

    - exclusion_frequency_capped: people in a retargeting audience of a rooftop whose Meta ads have been shown
      too often: Meta's insights report frequency per ad and day (impressions / reach), never per person,
      so a person's frequency is estimated as their account's busiest ad set's average daily frequency over
      the last `meta_exclusion_frequency_days` days (sum of impressions / sum of daily reach, a lower bound
      of the window's frequency), and a person counts as served through the window only when they have not
      touched us for that long (decision 1141). At or above `meta_exclusion_frequency_threshold` they are
      excluded until the frequency falls again or they come back.
    - exclusion_recent_buyers: bought in the last 180 days (fct_customer_features_daily.purchased_180d).

    Only people with marketing consent are uploaded (an opted-out person is in no retargeting audience, so
    needs no exclusion, and their identifiers are not sent to Meta). Features are read as of as_of_date(). -#}

{%- set frequency_threshold = var('meta_exclusion_frequency_threshold', 2.0) -%}
{%- set frequency_days = var('meta_exclusion_frequency_days', 7) -%}

with

rooftops as (

    select
        dealer_id,
        replace(meta_ad_account_id, 'act_', '') as meta_ad_account_id
    from {{ ref('stg_dealer__rooftops') }}
    where meta_ad_account_id is not null

),

ad_set_frequency as (

    select
        replace(account_id, 'act_', '') as meta_ad_account_id,
        ad_group_id,
        sum(impressions) * 1.0 / sum(reach) as ad_frequency
    from {{ ref('stg_meta__ad_insights') }}
    where
        date_day > cast({{ dbt.dateadd('day', -frequency_days, as_of_date()) }} as date)
        and date_day <= {{ as_of_date() }}
        and reach > 0
    group by 1, 2

),

account_frequency as (

    select
        meta_ad_account_id,
        max(ad_frequency) as ad_frequency
    from ad_set_frequency
    group by 1

),

retargeted as (

    select distinct
        customer_key,
        meta_ad_account_id
    from {{ ref('activation_meta_retargeting') }}
    where days_since_last_touch >= {{ frequency_days }}

),

customers as (

    select
        customers.customer_key,
        customers.dealer_id,
        rooftops.meta_ad_account_id,
        customers.email,
        customers.phone,
        customers.first_name,
        customers.last_name,
        customers.zip5
    from {{ ref('dim_customers') }} as customers
    inner join rooftops on customers.dealer_id = rooftops.dealer_id
    where
        (coalesce(customers.email_consent, false) or coalesce(customers.sms_consent, false))
        and (customers.email is not null or customers.phone is not null)

),

frequency_capped as (

    select
        'exclusion_frequency_capped' as audience_name,
        customers.*,
        account_frequency.ad_frequency
    from customers
    inner join retargeted
        on
            customers.customer_key = retargeted.customer_key
            and customers.meta_ad_account_id = retargeted.meta_ad_account_id
    inner join account_frequency on customers.meta_ad_account_id = account_frequency.meta_ad_account_id
    where account_frequency.ad_frequency >= {{ frequency_threshold }}

),

recent_buyers as (

    select
        'exclusion_recent_buyers' as audience_name,
        customers.*,
        cast(null as {{ dbt.type_float() }}) as ad_frequency
    from customers
    inner join {{ ref('fct_customer_features_daily') }} as features
        on customers.customer_key = features.customer_key
    where features.feature_date = {{ as_of_date() }} and features.purchased_180d

),

memberships as (

    select * from frequency_capped
    union all
    select * from recent_buyers

)

select
    {{ meta_member_columns() }},
    ad_frequency,
    {{ as_of_date() }} as as_of_date
from memberships
