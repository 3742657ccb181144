{#
    Reading the GA4 BigQuery export (analytics_<property_id>.events_YYYYMMDD) the same way on both
    targets; docs/decisions/0811-ga4-export-landing.md. Each macro dispatches: BigQuery reads the
    export in place, DuckDB reads what the local asset landed (raw.ga4_export_events, a view over
    the day tables with the columns the wildcard gives).
#}

{#- The properties whose export is read: the ga4_export_property_ids var, else the comma-separated
    JOURNEY_GA4_PROPERTY_IDS (the rooftops' ga4_property_id), so prod needs no dbt_project edit. -#}
{% macro ga4_export_property_ids() -%}
    {%- set ids = var('ga4_export_property_ids', []) -%}
    {%- if ids is string -%}{%- set ids = ids.split(',') -%}{%- endif -%}
    {%- if not ids -%}
        {%- set ids = env_var('JOURNEY_GA4_PROPERTY_IDS', '').split(',') -%}
    {%- endif -%}
    {{ return(ids | map('string') | map('trim') | reject('equalto', '') | list) }}
{%- endmacro %}

{#- Every export row of the day tables first_day..last_day ('YYYY-MM-DD' or none for no bound):
    `property_id`, `_table_suffix` (the table's YYYYMMDD) and the named export columns. Named, not
    *, as dbt-ga4's base_select: properties' tables may differ in columns Google added later. -#}
{% macro ga4_export_events(first_day, last_day, columns=none) -%}
    {%- set columns = columns or [
        'event_date', 'event_timestamp', 'event_name', 'event_params', 'user_id', 'user_pseudo_id',
        'user_first_touch_timestamp', 'device', 'traffic_source', 'collected_traffic_source', 'stream_id',
        'platform'
    ] -%}
    {{ return(adapter.dispatch('ga4_export_events')(first_day, last_day, columns)) }}
{%- endmacro %}

{% macro _ga4_table_suffix_filter(first_day, last_day) -%}
    {#- The literal suffixes prune BigQuery's wildcard to the days' tables; 'intraday_...' sorts after
        every digit, so the streaming tables stay out. -#}
    _table_suffix between '{{ (first_day or "00000000") | replace("-", "") }}'
    and '{{ (last_day or "99999999") | replace("-", "") }}'
{%- endmacro %}

{% macro bigquery__ga4_export_events(first_day, last_day, columns) -%}
    {%- set export = source('ga4_export', 'ga4_export_events') -%}
    {%- set property_ids = ga4_export_property_ids() -%}
    {%- if not property_ids and execute -%}
        {{ exceptions.raise_compiler_error(
            "No GA4 property to read: set the dbt var ga4_export_property_ids or JOURNEY_GA4_PROPERTY_IDS") }}
    {%- endif -%}
    {%- for property_id in property_ids %}
    select
        '{{ property_id }}' as property_id,
        _table_suffix,
        {{ columns | join(', ') }}
    from {{ export.replace_path(schema='analytics_' ~ property_id) }}
    where {{ _ga4_table_suffix_filter(first_day, last_day) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{% macro default__ga4_export_events(first_day, last_day, columns) -%}
    {%- set property_ids = ga4_export_property_ids() %}
    select
        property_id,
        _table_suffix,
        {{ columns | join(', ') }}
    from {{ source('ga4_export', 'ga4_export_events') }}
    where {{ _ga4_table_suffix_filter(first_day, last_day) }}
    {%- if property_ids %}
        and property_id in ('{{ property_ids | join("', '") }}')
    {%- endif %}
{%- endmacro %}

{#- One event parameter's value (value_type: string_value, int_value, float_value, double_value):
    dbt-ga4's unnest_key. BigQuery: a subquery over UNNEST; DuckDB: list functions, which run ~40x
    faster there than a correlated UNNEST. -#}
{% macro ga4_event_param(key, value_type='string_value') -%}
    {{ return(adapter.dispatch('ga4_event_param')(key, value_type)) }}
{%- endmacro %}

{% macro bigquery__ga4_event_param(key, value_type) -%}
    (select ep.value.{{ value_type }} from unnest(event_params) as ep where ep.key = '{{ key }}' limit 1)
{%- endmacro %}

{% macro default__ga4_event_param(key, value_type) -%}
    list_filter(event_params, lambda ep: ep.key = '{{ key }}')[1].value.{{ value_type }}
{%- endmacro %}

{#- event_date ('YYYYMMDD', the property's time zone) as a date. -#}
{% macro ga4_parse_yyyymmdd(column) -%}
    {{ return(adapter.dispatch('ga4_parse_yyyymmdd')(column)) }}
{%- endmacro %}

{% macro bigquery__ga4_parse_yyyymmdd(column) -%}
    parse_date('%Y%m%d', {{ column }})
{%- endmacro %}

{% macro default__ga4_parse_yyyymmdd(column) -%}
    cast(strptime({{ column }}, '%Y%m%d') as date)
{%- endmacro %}

{#- event_timestamp (microseconds since the epoch, UTC) as a UTC timestamp. -#}
{% macro ga4_timestamp_from_micros(column) -%}
    {{ return(adapter.dispatch('ga4_timestamp_from_micros')(column)) }}
{%- endmacro %}

{% macro bigquery__ga4_timestamp_from_micros(column) -%}
    timestamp_micros({{ column }})
{%- endmacro %}

{% macro default__ga4_timestamp_from_micros(column) -%}
    timezone('UTC', make_timestamp({{ column }}))
{%- endmacro %}

{#- The path of a URL, without host, query or fragment (dbt-ga4's extract_page_path). -#}
{% macro url_path(column) -%}
    {{ return(adapter.dispatch('url_path')(column)) }}
{%- endmacro %}

{% macro bigquery__url_path(column) -%}
    regexp_extract({{ column }}, r'^[a-z]+://[^/]+([^?#]*)')
{%- endmacro %}

{% macro default__url_path(column) -%}
    regexp_extract({{ column }}, '^[a-z]+://[^/]+([^?#]*)', 1)
{%- endmacro %}

{#- Whether `column` matches the regular expression (RE2 on both; no backslashes in `pattern`). -#}
{% macro regexp_contains(column, pattern) -%}
    {{ return(adapter.dispatch('regexp_contains')(column, pattern)) }}
{%- endmacro %}

{% macro bigquery__regexp_contains(column, pattern) -%}
    regexp_contains({{ column }}, r'{{ pattern }}')
{%- endmacro %}

{% macro default__regexp_contains(column, pattern) -%}
    regexp_matches({{ column }}, '{{ pattern }}')
{%- endmacro %}
