{#- The rule-based models' credit for every touch of every path (one row per touch and model):
    first_touch, last_non_direct (the last touch that is not Direct, else the last touch),
    linear, position_based (attribution_position_first_share to the first touch, as much to the last,
    the rest shared by the middle; two touches split evenly) and time_decay (a touch's weight halves
    every attribution_time_decay_half_life_days before the conversion). A path without touches gives
    its whole credit to 'Unattributed' in every model. -#}

{%- set first_share = var('attribution_position_first_share') -%}
{%- set last_share = var('attribution_position_last_share') -%}
{%- set half_life = var('attribution_time_decay_half_life_days') -%}

with

paths as (

    select
        *,
        max(case when not is_direct then touch_number end)
            over (partition by conversion_type, conversion_id) as last_non_direct_number,
        power(0.5, days_before_conversion / {{ half_life }}) as decay_weight
    from {{ ref('int_attribution__touch_paths') }}

),

weighted as (

    select
        *,
        sum(decay_weight) over (partition by conversion_type, conversion_id) as decay_weight_total
    from paths

),

credits as (

    select
        conversion_id,
        conversion_type,
        touch_id,
        case when touch_number = 1 then 1.0 else 0.0 end as first_touch,
        case
            when touch_number = coalesce(last_non_direct_number, touch_count) then 1.0 else 0.0
        end as last_non_direct,
        1.0 / touch_count as linear,
        case
            when touch_count = 1 then 1.0
            when touch_count = 2 then 0.5
            when touch_number = 1 then {{ first_share }}
            when touch_number = touch_count then {{ last_share }}
            else (1.0 - {{ first_share }} - {{ last_share }}) / (touch_count - 2)
        end as position_based,
        decay_weight / decay_weight_total as time_decay
    from weighted
    where touch_id is not null

),

{%- set models = ['first_touch', 'last_non_direct', 'linear', 'position_based', 'time_decay'] %}

touch_credits as (

    {% for model in models -%}
        select
            conversion_id,
            conversion_type,
            touch_id,
            '{{ model }}' as model,  -- noqa: RF04
            {{ model }} as credit
        from credits
        where {{ model }} > 0
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

untouched as (

    {% for model in models -%}
        select
            conversion_id,
            conversion_type,
            cast(null as {{ dbt.type_string() }}) as touch_id,
            '{{ model }}' as model,  -- noqa: RF04
            1.0 as credit
        from paths
        where touch_id is null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from touch_credits
union all
select * from untouched
