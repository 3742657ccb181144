{#- The person columns a CRM contact and a DMS customer have alike, as staging
    types them: names trimmed, email and phone raw beside the forms ingestion
    normalized them to (journey_assets/journey/contact.py), the address as
    entered with its five-digit ZIP. One list, so identity's two sources
    cannot drift apart. -#}
{% macro contact_columns() -%}
    trim(first_name) as first_name,
    trim(last_name) as last_name,
    email,
    email_normalized,
    phone,
    phone_e164,
    address,
    city,
    state,
    zip,
    {{ zip5('zip') }} as zip5,
    cast(birth_year as {{ dbt.type_int() }}) as birth_year
{%- endmacro %}
