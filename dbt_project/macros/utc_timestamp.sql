{#- A time-zone-aware timestamp as the UTC timestamp the staging models carry: on DuckDB the GA4 export's
    times are `timestamptz` while the CRM's and DMS's are naive UTC `timestamp`s, and mixing them would cast
    through the session's TimeZone setting; BigQuery's TIMESTAMP is UTC already. -#}
{% macro utc_timestamp(column) -%}
    {{ return(adapter.dispatch('utc_timestamp')(column)) }}
{%- endmacro %}

{% macro default__utc_timestamp(column) -%}
    {{ column }}
{%- endmacro %}

{% macro duckdb__utc_timestamp(column) -%}
    timezone('UTC', {{ column }})
{%- endmacro %}
