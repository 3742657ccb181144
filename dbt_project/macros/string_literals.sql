{#- A list var as SQL string literals for `in (...)`: ['Paid Search', 'Email'] -> 'Paid Search', 'Email'. -#}
{% macro string_literals(values) -%}
    {%- for value in values -%}
        '{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
