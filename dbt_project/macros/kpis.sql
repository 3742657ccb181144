{#- The q-quantile of a column as an aggregate: exact on DuckDB, BigQuery's approx_quantiles (percentile_cont is
    only analytic there) at whole percents. -#}
{% macro kpi_quantile(column, q) -%}
    {{ return(adapter.dispatch('kpi_quantile')(column, q)) }}
{%- endmacro %}

{% macro default__kpi_quantile(column, q) -%}
    quantile_cont({{ column }}, {{ q }})
{%- endmacro %}

{% macro bigquery__kpi_quantile(column, q) -%}
    approx_quantiles({{ column }}, 100)[offset({{ (q * 100) | int }})]
{%- endmacro %}
