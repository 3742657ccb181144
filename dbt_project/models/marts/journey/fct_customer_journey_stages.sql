{#- Journey stage spells: one stage per customer and day, as runs of days (spells).

    Each signal holds its stage for the stage's window: a signal on day S holds it on days
    [S, S + window). On a day several stages hold, the first in `journey_stage_precedence` is the
    customer's stage; on a day none holds, the customer has no stage. The spells come from a sweep
    over the days where any window opens or closes (not from a row per customer and day), so the
    cost grows with the signals, not with customers x days. -#}

{%- set stages = var('journey_stage_precedence') -%}
{%- set windows = {
    'awareness': var('journey_awareness_window_days'),
    'consideration': var('journey_consideration_window_days'),
    'intent': var('journey_intent_window_days'),
    'conversion': var('journey_conversion_window_days'),
    'retention': var('journey_retention_window_days'),
} -%}
{%- set signal_models = {
    'awareness': ref('int_journey__awareness_signals'),
    'consideration': ref('int_journey__consideration_signals'),
    'intent': ref('int_journey__intent_signals'),
    'conversion': ref('int_journey__conversion_signals'),
    'retention': ref('int_journey__retention_signals'),
} -%}

with

signals as (

    {% for stage in stages %}
        select
            customer_key,
            '{{ stage }}' as stage,  -- noqa: RF04
            signal_date,
            cast({{ dbt.dateadd('day', windows[stage], 'signal_date') }} as date) as held_until,
            entry_reason
        from {{ signal_models[stage] }}
        where signal_date <= {{ as_of_date() }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

boundaries as (

    -- +1 where a signal's window opens, -1 on the first day after it
    select
        customer_key,
        stage,
        signal_date as boundary_on,
        1 as delta
    from signals
    union all
    select
        customer_key,
        stage,
        held_until as boundary_on,
        -1 as delta
    from signals

),

boundary_days as (

    select
        customer_key,
        boundary_on,
        sum(case when stage = 'awareness' then delta else 0 end) as awareness_delta,
        sum(case when stage = 'consideration' then delta else 0 end) as consideration_delta,
        sum(case when stage = 'intent' then delta else 0 end) as intent_delta,
        sum(case when stage = 'conversion' then delta else 0 end) as conversion_delta,
        sum(case when stage = 'retention' then delta else 0 end) as retention_delta
    from boundaries
    group by customer_key, boundary_on

),

held as (

    -- how many of each stage's windows are open from this boundary until the next one
    select
        customer_key,
        boundary_on,
        sum(awareness_delta) over (customer_days rows between unbounded preceding and current row) as awareness_held,
        sum(consideration_delta) over (customer_days rows between unbounded preceding and current row)
            as consideration_held,
        sum(intent_delta) over (customer_days rows between unbounded preceding and current row) as intent_held,
        sum(conversion_delta) over (customer_days rows between unbounded preceding and current row) as conversion_held,
        sum(retention_delta) over (customer_days rows between unbounded preceding and current row) as retention_held
    from boundary_days
    window customer_days as (partition by customer_key order by boundary_on)

),

stage_from_boundary as (

    -- the first stage of journey_stage_precedence that holds
    select
        customer_key,
        boundary_on,
        case
            {%- for stage in stages %}
                when {{ stage }}_held > 0 then '{{ stage }}'
            {%- endfor %}
        end as stage  -- noqa: RF04
    from held

),

changes as (

    select
        customer_key,
        boundary_on,
        stage,
        lag(stage) over (partition by customer_key order by boundary_on) as previous_stage
    from stage_from_boundary

),

transitions as (

    -- a spell starts where the stage differs from the one before (no stage counts as a value)
    select
        customer_key,
        boundary_on,
        stage,
        lead(boundary_on) over (partition by customer_key order by boundary_on) as next_transition_on
    from changes
    where
        previous_stage is null and stage is not null
        or previous_stage is not null and stage is null
        or previous_stage != stage

),

spells as (

    select
        customer_key,
        stage,
        boundary_on as entered_on,
        next_transition_on as ended_on
    from transitions
    where
        stage is not null
        and boundary_on <= {{ as_of_date() }}

),

entry_signals as (

    -- the signal that holds the stage on the spell's first day (the latest one, if several)
    select
        spells.customer_key,
        spells.entered_on,
        signals.entry_reason,
        signals.signal_date,
        row_number() over (
            partition by spells.customer_key, spells.entered_on
            order by signals.signal_date desc, signals.entry_reason asc
        ) as signal_rank
    from spells
    inner join signals
        on
            spells.customer_key = signals.customer_key
            and spells.stage = signals.stage
            and spells.entered_on >= signals.signal_date
            and spells.entered_on < signals.held_until

)

select
    {{ surrogate_key(['spells.customer_key', 'spells.entered_on']) }} as stage_spell_id,
    spells.customer_key,
    customers.dealer_id,
    spells.stage,
    spells.entered_on,
    -- the first day out of the stage; null while the spell holds on as_of_date
    case when spells.ended_on <= {{ as_of_date() }} then spells.ended_on end as exited_on,
    entry_signals.entry_reason,
    entry_signals.signal_date as entry_signal_on
from spells
inner join entry_signals
    on
        spells.customer_key = entry_signals.customer_key
        and spells.entered_on = entry_signals.entered_on
        and entry_signals.signal_rank = 1
left join {{ ref('dim_customers') }} as customers on spells.customer_key = customers.customer_key
