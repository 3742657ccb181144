{#- Each conversion's touch path: the person's touches at the converting rooftop from
    attribution_lookback_days before the conversion up to it, numbered in order. A conversion without
    a touch in the window keeps one row with no touch (it is credited to 'Unattributed'). -#}

with

conversions as (

    select * from {{ ref('int_attribution__conversions') }}

),

touches as (

    select * from {{ ref('int_attribution__touches') }}

),

path_touches as (

    select
        conversions.conversion_id,
        conversions.conversion_type,
        conversions.customer_key,
        conversions.dealer_id,
        conversions.converted_at,
        conversions.converted_on,
        conversions.revenue,
        touches.touch_id,
        touches.touch_type,
        touches.touched_at,
        touches.channel,
        touches.campaign_id,
        {{ dbt.datediff('touches.touched_at', 'conversions.converted_at', 'second') }}
        / 86400.0 as days_before_conversion
    from conversions
    left join touches
        on
            conversions.customer_key = touches.customer_key
            and conversions.dealer_id = touches.dealer_id
            and touches.touched_at <= conversions.converted_at
            and {{ dbt.datediff('touches.touched_at', 'conversions.converted_at', 'second') }}
            < {{ var('attribution_lookback_days') }} * 86400

)

select
    *,
    case
        when touch_id is not null
            then row_number() over (partition by conversion_type, conversion_id order by touched_at, touch_id)
    end as touch_number,
    count(touch_id) over (partition by conversion_type, conversion_id) as touch_count,
    coalesce(channel in ({{ string_literals(var('attribution_direct_channel_groups')) }}), false)
        as is_direct
from path_touches
