{#- The propensity model's training set: the point-in-time features (the same definitions as
    fct_customer_features_daily, macros/customer_features.sql) at a few snapshot dates, each with its
    label, whether the person bought or leased in the propensity_label_days after that date, and its
    split. Only matured dates (the label window has passed by as_of_date) are built. The holdout is
    the latest matured date; training dates are those whose label window ends by the holdout's
    feature date, so no training label overlaps the holdout's (docs/decisions/1001). -#}

{%- set holdout_days_back = var('propensity_snapshot_days_back') | select('ge', var('propensity_label_days')) | min -%}
{%- set label_days = var('propensity_label_days') -%}

with

features as (

    select * from {{ ref('ml_propensity_features') }}

),

deals as (

    select
        customer_key,
        sold_on
    from {{ ref('int_journey__customer_deals') }}

),

labels as (

    select
        features.customer_key,
        features.feature_date,
        max(case when deals.sold_on is not null then 1 else 0 end) as bought_30d
    from features
    left join deals
        on
            features.customer_key = deals.customer_key
            and deals.sold_on > features.feature_date
            and deals.sold_on <= cast({{ dbt.dateadd('day', label_days, 'features.feature_date') }} as date)
    group by features.customer_key, features.feature_date

)

select
    features.*,
    labels.bought_30d,
    case
        when features.feature_date = cast({{ dbt.dateadd('day', -holdout_days_back, as_of_date()) }} as date)
            then 'holdout'
        else 'train'
    end as split
from features
inner join labels
    on features.customer_key = labels.customer_key and features.feature_date = labels.feature_date
