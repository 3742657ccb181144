{#- One row per source record: which customer it belongs to and by which rule.
    CRM contacts and DMS customers come from the identity clusters. GA4
    browsers (source ga4, through int_ga4__user_stitching) join once the GA4
    export's staging lands. -#}

with

clusters as (

    select
        source,
        source_record_id,
        customer_key,
        match_rule
    from {{ ref('int_identity__clusters') }}

)

select
    source,
    source_record_id,
    customer_key,
    match_rule
from clusters
