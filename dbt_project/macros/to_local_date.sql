{#- The calendar day a UTC timestamp falls on in a rooftop's time zone (an IANA name such as
    'America/Chicago'): a lead or a deal belongs to the dealer's day, as GA4's event_date does.
    Staging timestamps are UTC; on DuckDB they are naive `timestamp`s, so they are marked UTC before
    being moved to the zone (timezone() with a naive value would read it as local time instead). -#}
{% macro to_local_date(timestamp_column, timezone_column) -%}
    {{ return(adapter.dispatch('to_local_date')(timestamp_column, timezone_column)) }}
{%- endmacro %}

{% macro default__to_local_date(timestamp_column, timezone_column) -%}
    date({{ timestamp_column }}, {{ timezone_column }})
{%- endmacro %}

{% macro duckdb__to_local_date(timestamp_column, timezone_column) -%}
    cast(timezone({{ timezone_column }}, timezone('UTC', {{ timestamp_column }})) as date)
{%- endmacro %}
