{{ config(materialized='table') }}

{#- Each source record's cluster: the connected component of the match edges,
    labelled by its smallest record_key after identity_max_rounds rounds of
    label propagation (tests/identity/assert_identity_clusters_converged.sql
    fails if one more round would still move a label). -#}

{%- set max_rounds = var('identity_max_rounds') -%}

with

records as (

    select
        record_key,
        source,
        source_record_id
    from {{ ref('int_identity__source_records') }}

),

edges as (

    select
        record_key_a,
        record_key_b,
        match_rule
    from {{ ref('int_identity__match_edges') }}

),

neighbours as (

    {{ identity_neighbours('records', 'edges') }}

),

labels_0 as (

    select
        record_key,
        record_key as cluster_label
    from records

),

{% for round in range(1, max_rounds + 1) %}
    labels_{{ round }} as (

        {{ identity_propagation_round('neighbours', 'labels_' ~ (round - 1)) }}

    ),

{% endfor %}

-- The strongest rule among a record's edges is the one that joined it to its cluster.
record_rules as (

    select
        record_key,
        match_rule,
        row_number() over (
            partition by record_key
            order by
                case match_rule
                    when 'same_customer_id' then 1
                    when 'email' then 2
                    when 'phone_and_first_name' then 3
                    else 4
                end,
                match_rule
        ) as rule_rank
    from (
        select
            record_key_a as record_key,
            match_rule
        from edges
        union all
        select
            record_key_b as record_key,
            match_rule
        from edges
    ) as record_edges

),

final as (

    select
        records.record_key,
        records.source,
        records.source_record_id,
        labels.cluster_label,
        case
            when records.record_key = labels.cluster_label then 'self'
            else record_rules.match_rule
        end as match_rule,
        min(records.source_record_id) over (partition by labels.cluster_label) as anchor_source_record_id,
        count(*) over (partition by labels.cluster_label) as cluster_records
    from records
    inner join labels_{{ max_rounds }} as labels
        on records.record_key = labels.record_key
    left join record_rules
        on
            records.record_key = record_rules.record_key
            and record_rules.rule_rank = 1

)

select
    {{ surrogate_key(['anchor_source_record_id']) }} as customer_key,
    record_key,
    source,
    source_record_id,
    cluster_label,
    match_rule,
    cluster_records
from final
