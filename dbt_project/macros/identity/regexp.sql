{#- Regular expressions where DuckDB and BigQuery spell them differently. Both
    engines use RE2 syntax, so one pattern serves both; dbt has no cross-database
    macro for these. -#}

{#- Every match of `pattern` in `expression` replaced (BigQuery always replaces all). -#}
{% macro regexp_replace_all(expression, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all')(expression, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{% macro duckdb__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{#- The first capture group of `pattern` (which must have exactly one), null when it does not match. -#}
{% macro regexp_extract_group(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_extract_group')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_extract_group(expression, pattern) -%}
    regexp_extract({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{#- DuckDB returns '' where BigQuery returns null. -#}
{% macro duckdb__regexp_extract_group(expression, pattern) -%}
    nullif(regexp_extract({{ expression }}, '{{ pattern }}', 1), '')
{%- endmacro %}
