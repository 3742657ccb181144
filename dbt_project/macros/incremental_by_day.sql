{#
    One incremental configuration for every table that grows by the day (events, sessions, daily
    features): each run rebuilds whole days. DuckDB: delete+insert on the day column (the days in
    the new batch replace those days). BigQuery: insert_overwrite of the day partitions the batch
    holds, the table partitioned by that day column. Use it as
        {{ config(**incremental_by_day('event_date')) }}
    and read the days to rebuild with incremental_window_start() below.
#}
{% macro incremental_by_day(day_column) -%}
    {{ return(adapter.dispatch('incremental_by_day')(day_column)) }}
{%- endmacro %}

{% macro default__incremental_by_day(day_column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': day_column,
        'on_schema_change': 'append_new_columns',
    }) }}
{%- endmacro %}

{% macro bigquery__incremental_by_day(day_column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': {'field': day_column, 'data_type': 'date', 'granularity': 'day'},
        'on_schema_change': 'append_new_columns',
    }) }}
{%- endmacro %}

{#
    The first day an incremental run rebuilds, as 'YYYY-MM-DD', or none on a full build (every day).
    It re-reads the last `lookback_days` days up to as_of_date (late data: GA4 rewrites a day table
    for up to 72 hours), and every day after the newest one already in the table, so a run after a
    gap of several nights catches up. A literal, not a subquery, so BigQuery prunes partitions and
    wildcard tables by it. Only `dbt run` and `dbt build` look at the table: `dbt compile` (CI, offline)
    shows the full build's SQL without asking the warehouse.
#}
{% macro incremental_window_start(day_column, lookback_days) -%}
    {%- if not execute or flags.WHICH not in ('run', 'build') or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set as_of = as_of_day() -%}
    {%- set start = as_of - modules.datetime.timedelta(days=lookback_days - 1) -%}
    {%- set newest = run_query('select max(' ~ day_column ~ ') from ' ~ this).columns[0].values()[0] -%}
    {%- if newest is not none -%}
        {%- set newest = modules.datetime.date.fromisoformat(newest | string | truncate(10, true, '')) -%}
        {%- if newest + modules.datetime.timedelta(days=1) < start -%}
            {%- set start = newest + modules.datetime.timedelta(days=1) -%}
        {%- endif -%}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(start.isoformat()) }}
{%- endmacro %}

{#- The warehouse's "today" (see as_of_date.sql) as a Python date, for Jinja date arithmetic. -#}
{% macro as_of_day() -%}
    {%- set day = var('as_of_date', none) -%}
    {%- if day -%}
        {{ return(modules.datetime.date.fromisoformat(day | string | truncate(10, true, ''))) }}
    {%- endif -%}
    {{ return(modules.datetime.date.today() - modules.datetime.timedelta(days=1)) }}
{%- endmacro %}
