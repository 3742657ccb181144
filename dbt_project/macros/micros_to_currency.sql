{#- An ad platform's micros (millionths of the account's currency, as Google Ads reports cost_micros)
    as an amount in the currency. -#}
{% macro micros_to_currency(column) -%}
    cast({{ column }} as {{ dbt.type_numeric() }}) / 1000000
{%- endmacro %}
