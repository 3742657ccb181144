{#- The columns of a Meta custom audience member the audience syncs read
    (journey_assets/activation/syncs.yml): the member key of a per-account
    audience (account/customer), the rooftop and its ad account, and the
    identifiers Meta matches on under its own field names (fn, ln, zip,
    country, external_id), hashed by the sync, never here. One list, so the
    retargeting and exclusion audiences cannot drift apart. -#}
{% macro meta_member_columns() -%}
    audience_name,
    meta_ad_account_id || '/' || customer_key as member_key,
    customer_key,
    dealer_id,
    meta_ad_account_id,
    email,
    phone,
    first_name as fn,
    last_name as ln,
    zip5 as zip,
    'US' as country,
    customer_key as external_id
{%- endmacro %}
