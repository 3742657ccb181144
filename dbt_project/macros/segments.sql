{#- Helpers for the segment models where DuckDB and BigQuery differ (dispatched, as dbt-ga4 does). -#}

{#- The wall-clock datetime at a rooftop: `ts` is a UTC timestamp, `tz` an IANA zone name column. -#}
{% macro segments_local_datetime(ts, tz) -%}
    {{ return(adapter.dispatch('segments_local_datetime', 'dealer_journey')(ts, tz)) }}
{%- endmacro %}

{% macro default__segments_local_datetime(ts, tz) -%}
    ((cast({{ ts }} as timestamp) at time zone 'UTC') at time zone {{ tz }})
{%- endmacro %}

{% macro bigquery__segments_local_datetime(ts, tz) -%}
    datetime(cast({{ ts }} as timestamp), {{ tz }})
{%- endmacro %}

{#- The continuous (linearly interpolated) quantile of `expression` over every row of the query, as a
    window; the same interpolation as numpy's default and PERCENTILE_CONT. -#}
{% macro segments_quantile_over_all(expression, fraction) -%}
    {{ return(adapter.dispatch('segments_quantile_over_all', 'dealer_journey')(expression, fraction)) }}
{%- endmacro %}

{% macro default__segments_quantile_over_all(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }}) over ()
{%- endmacro %}

{% macro bigquery__segments_quantile_over_all(expression, fraction) -%}
    percentile_cont({{ expression }}, {{ fraction }}) over ()
{%- endmacro %}

{#- An integer with thousands separators, for the human-readable reasons ("11,800"). -#}
{% macro segments_thousands(expression) -%}
    {{ return(adapter.dispatch('segments_thousands', 'dealer_journey')(expression)) }}
{%- endmacro %}

{% macro default__segments_thousands(expression) -%}
    format('{:,}', cast({{ expression }} as bigint))
{%- endmacro %}

{% macro bigquery__segments_thousands(expression) -%}
    format("%'d", cast({{ expression }} as int64))
{%- endmacro %}

{#- Great-circle distance in statute miles between two latitude/longitude points (haversine, mean Earth
    radius 3,958.8 mi). Plain trigonometry so both engines agree; BigQuery has no radians(). -#}
{% macro segments_haversine_miles(lat1, lon1, lat2, lon2) -%}
    2 * 3958.8 * asin(sqrt(
        power(sin(({{ lat2 }} - {{ lat1 }}) * {{ segments_radians_per_degree() }} / 2), 2)
        + cos({{ lat1 }} * {{ segments_radians_per_degree() }}) * cos({{ lat2 }} * {{ segments_radians_per_degree() }})
        * power(sin(({{ lon2 }} - {{ lon1 }}) * {{ segments_radians_per_degree() }} / 2), 2)
    ))
{%- endmacro %}

{% macro segments_radians_per_degree() -%}
    (3.141592653589793 / 180)
{%- endmacro %}
