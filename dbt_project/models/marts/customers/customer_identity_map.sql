{#- One row per source record: which customer it belongs to and by which rule.
    CRM contacts and DMS customers come from the identity clusters; a GA4
    browser (user_pseudo_id) belongs to the customer whose id the site's login
    set as user_id on it (dbt-ga4's user stitching), anonymous sessions before
    the login included. A browser whose user_id no CRM or DMS record holds is
    not mapped. -#}

with

clusters as (

    select
        source,
        source_record_id,
        customer_key,
        match_rule
    from {{ ref('int_identity__clusters') }}

),

-- A CRM contact and a DMS customer with the same id are always one customer (the same_customer_id rule).
customer_ids as (

    select
        source_record_id as customer_id,
        min(customer_key) as customer_key
    from clusters
    group by source_record_id

),

web_visitors as (

    select
        'ga4' as source,
        stitching.user_pseudo_id as source_record_id,
        customer_ids.customer_key,
        'ga4_user_id' as match_rule
    from {{ ref('int_ga4__user_stitching') }} as stitching
    inner join customer_ids
        on stitching.user_id = customer_ids.customer_id

)

select
    source,
    source_record_id,
    customer_key,
    match_rule
from clusters
union all
select
    source,
    source_record_id,
    customer_key,
    match_rule
from web_visitors
