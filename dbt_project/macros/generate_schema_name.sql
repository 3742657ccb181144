{#- Layers are named schemas (raw, staging, intermediate, marts, ops) in both
    targets; dbt's default would prefix them with the target schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
