{#- Each conversion's credits sum to 1 under every model, and every conversion is credited under
    every model. Fails with each (conversion, model) whose credits do not sum to 1 or that is missing. -#}

{%- set models = ['first_touch', 'last_non_direct', 'linear', 'position_based', 'time_decay', 'data_driven'] -%}

with

models as (

    {% for model in models -%}
        select '{{ model }}' as model  -- noqa: RF04
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

expected as (

    select
        conversions.conversion_type,
        conversions.conversion_id,
        models.model
    from {{ ref('int_attribution__conversions') }} as conversions
    cross join models

),

credited as (

    select
        conversion_type,
        conversion_id,
        model,
        sum(credit) as credit
    from {{ ref('fct_attribution') }}
    group by conversion_type, conversion_id, model

)

select
    expected.conversion_type,
    expected.conversion_id,
    expected.model,
    credited.credit
from expected
full outer join credited
    on
        expected.conversion_type = credited.conversion_type
        and expected.conversion_id = credited.conversion_id
        and expected.model = credited.model
where credited.credit is null or expected.model is null or abs(credited.credit - 1) > 0.000001
