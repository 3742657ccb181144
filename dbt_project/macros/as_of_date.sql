{#
    The warehouse's "today": the last day whose data is loaded. Segments and
    features are computed as of this day. Dagster passes it on every build
    (`--vars '{as_of_date: 2026-11-23}'`, from Settings.as_of_day); a hand-run
    `dbt build` without it uses yesterday.
#}
{% macro as_of_date() -%}
    {%- set day = var('as_of_date', none) -%}
    {%- if day -%}
        cast('{{ day }}' as date)
    {%- else -%}
        cast({{ dbt.dateadd('day', -1, 'current_date') }} as date)
    {%- endif -%}
{%- endmacro %}
