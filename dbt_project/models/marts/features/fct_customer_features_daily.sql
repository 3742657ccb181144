{#- Point-in-time customer features: one row per known customer and feature_date T, every value
    computed only from what the warehouse knew by the end of T, by each source's own dates
    (session, lead, deal, visit and acquisition days <= T; a stitched anonymous session from the day
    its device first logged in; a customer from the day their first record was created).

    A full build computes the last `features_window_days` days up to as_of_date; an incremental run
    computes the days after the newest one built (and the last `features_recompute_days`), replacing
    whole days (macros/incremental_by_day.sql). Histories before the computed days are summed
    once per customer, so a nightly run reads each source once, not once per day. -#}

{{ config(**incremental_by_day('feature_date')) }}

{%- set rebuild_from = incremental_window_start('feature_date', var('features_recompute_days')) -%}

with

window_days as (

    {% for days_back in range(var('features_window_days')) %}
        select cast({{ dbt.dateadd('day', -days_back, as_of_date()) }} as date) as feature_date
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

feature_dates as (

    select feature_date
    from window_days
    {% if rebuild_from %}
        -- a nightly run: the days after the newest one built, and the last features_recompute_days
        where feature_date >= cast('{{ rebuild_from }}' as date)
    {% endif %}

),

{{ customer_features_after_feature_dates() }}
