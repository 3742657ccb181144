{#- The point-in-time features (macros/customer_features.sql, the definitions of
    fct_customer_features_daily) at the propensity training set's snapshot dates: the holdout date
    and the training dates (see ml_propensity_training_set). -#}

{%- set label_days = var('propensity_label_days') -%}
{%- set matured = var('propensity_snapshot_days_back') | select('ge', label_days) | list | sort -%}
{%- set holdout_days_back = matured[0] -%}
{%- set train_days_back = matured | select('ge', holdout_days_back + label_days) | list -%}

with

feature_dates as (

    {% for days_back in [holdout_days_back] + train_days_back %}
        select cast({{ dbt.dateadd('day', -days_back, as_of_date()) }} as date) as feature_date
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

{{ customer_features_after_feature_dates() }}
