{#- Fails with every record whose cluster label one more propagation round would
    still change: the widest cluster needs more than identity_max_rounds rounds
    (raise the var). -#}
{{ config(severity='error') }}

with

clusters as (

    select
        record_key,
        cluster_label
    from {{ ref('int_identity__clusters') }}

),

edges as (

    select
        record_key_a,
        record_key_b
    from {{ ref('int_identity__match_edges') }}

),

neighbours as (

    {{ identity_neighbours('clusters', 'edges') }}

),

next_round as (

    {{ identity_propagation_round('neighbours', 'clusters') }}

)

select
    clusters.record_key,
    clusters.cluster_label,
    next_round.cluster_label as next_round_label
from clusters
inner join next_round
    on clusters.record_key = next_round.record_key
where clusters.cluster_label <> next_round.cluster_label
