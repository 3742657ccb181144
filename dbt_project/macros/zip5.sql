{#
    The five-digit ZIP of a raw ZIP or ZIP+4 ('95610', '95610-1234', ' 95610 '),
    null when it does not start with five digits (translate() drops every digit:
    nothing may be left; the same in DuckDB and BigQuery).
#}
{% macro zip5(column) -%}
    case
        when length(substr(trim({{ column }}), 1, 5)) = 5
            and translate(substr(trim({{ column }}), 1, 5), '0123456789', '') = ''
            then substr(trim({{ column }}), 1, 5)
    end
{%- endmacro %}
