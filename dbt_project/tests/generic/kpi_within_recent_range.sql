{#- A KPI day far outside its recent range: the rows of the last var kpis_anomaly_days_checked days whose
    `column_name` lies more than var kpis_anomaly_max_deviations standard deviations from its mean over the
    var kpis_anomaly_lookback_days days before, per `partition_by` (a rooftop), given at least
    var kpis_anomaly_min_days earlier values and some spread. Used with severity warn: a person looks. -#}
{% test kpi_within_recent_range(model, column_name, partition_by='dealer_id', date_column='date_day') %}

with

history as (

    select
        {{ partition_by }} as series,
        {{ date_column }} as day,
        {{ column_name }} as value,
        avg({{ column_name }}) over recent as recent_mean,
        stddev_samp({{ column_name }}) over recent as recent_stddev,
        count({{ column_name }}) over recent as recent_days
    from {{ model }}
    window recent as (
        partition by {{ partition_by }}
        order by {{ date_column }}
        rows between {{ var('kpis_anomaly_lookback_days') }} preceding and 1 preceding
    )

)

select *
from history
where
    day > {{ dbt.dateadd('day', -var('kpis_anomaly_days_checked'), as_of_date()) }}
    and value is not null
    and recent_days >= {{ var('kpis_anomaly_min_days') }}
    and recent_stddev > 0
    and abs(value - recent_mean) > {{ var('kpis_anomaly_max_deviations') }} * recent_stddev

{% endtest %}
