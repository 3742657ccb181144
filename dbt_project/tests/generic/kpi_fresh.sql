{#- Freshness of a KPI's input: fails (warn) when the latest `date_column` is more than
    var kpis_freshness_max_lag_days before as_of_date, or there is none. -#}
{% test kpi_fresh(model, date_column='date_day') %}

select max({{ date_column }}) as latest_day
from {{ model }}
having
    max({{ date_column }}) is null
    or max({{ date_column }}) < {{ dbt.dateadd('day', -var('kpis_freshness_max_lag_days'), as_of_date()) }}

{% endtest %}
