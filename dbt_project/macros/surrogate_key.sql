{#- A stable hash key over columns, through dbt's cross-database hash and
    concat macros (md5 on DuckDB, to_hex(md5()) on BigQuery). dbt_utils has the
    same macro, but dbt packages download from the hub, which CI cannot reach. -#}
{% macro surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_null_')") -%}
        {%- if not loop.last %}{%- do parts.append("'|'") -%}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
