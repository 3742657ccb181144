{#- Connected components by min-label propagation, in plain SQL for both engines
    (BigQuery has no recursive CTE over a graph with cycles that stops on its own).
    Each round gives every record the smallest label among itself and its
    neighbours; after as many rounds as the widest cluster's diameter every
    record holds its cluster's smallest record_key. A round reads the previous
    one once, so a chain of rounds costs rounds x edges, not 2^rounds. -#}

{#- Each record's neighbours, itself included (so every record survives a round). -#}
{% macro identity_neighbours(records, edges) -%}
    select record_key, record_key as neighbour_key from {{ records }}
    union all
    select record_key_a as record_key, record_key_b as neighbour_key from {{ edges }}
    union all
    select record_key_b as record_key, record_key_a as neighbour_key from {{ edges }}
{%- endmacro %}

{#- One round: the smallest label among a record's neighbours (a select over `neighbours` and `labels`). -#}
{% macro identity_propagation_round(neighbours, labels) -%}
    select
        {{ neighbours }}.record_key,
        min(previous_round.cluster_label) as cluster_label
    from {{ neighbours }}
    inner join {{ labels }} as previous_round
        on {{ neighbours }}.neighbour_key = previous_round.record_key
    group by {{ neighbours }}.record_key
{%- endmacro %}
