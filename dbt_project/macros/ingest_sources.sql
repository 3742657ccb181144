{#- The ingest sources (journey_assets/sources/catalog.py SOURCES): each writes ops.vendor_calls_<name> and
    ops.quarantine_<name>; tests/sources/test_source_schemas.py holds this list to the catalog. -#}
{% macro ingest_sources() -%}
    {{ return(['dealer_inventory', 'ga4', 'google_ads', 'gbp', 'pagespeed', 'meta_ads', 'meta_leads', 'metricool', 'crm', 'dms']) }}
{%- endmacro %}
