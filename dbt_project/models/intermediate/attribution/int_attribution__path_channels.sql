{#- The channels of every path, converting or not, for the data-driven model (Fractribution's
    paths): a conversion's path is its touch path; a person's non-converting path, per conversion
    type, is their touches at a rooftop after their last conversion of that type there (all of them
    when they never converted), within attribution_lookback_days of the last of those touches. -#}

with

touches as (

    select * from {{ ref('int_attribution__touches') }}
    where cast(touched_at as date) <= {{ as_of_date() }}

),

conversion_types as (

    select 'lead' as conversion_type
    union all
    select 'sale' as conversion_type

),

last_conversions as (

    select
        conversion_type,
        customer_key,
        dealer_id,
        max(converted_at) as last_converted_at
    from {{ ref('int_attribution__conversions') }}
    group by conversion_type, customer_key, dealer_id

),

tail_touches as (

    select
        conversion_types.conversion_type,
        touches.customer_key,
        touches.dealer_id,
        touches.touched_at,
        touches.channel,
        max(touches.touched_at) over (
            partition by conversion_types.conversion_type, touches.customer_key, touches.dealer_id
        ) as last_touched_at
    from touches
    cross join conversion_types
    left join last_conversions
        on
            conversion_types.conversion_type = last_conversions.conversion_type
            and touches.customer_key = last_conversions.customer_key
            and touches.dealer_id = last_conversions.dealer_id
    where last_conversions.last_converted_at is null or touches.touched_at > last_conversions.last_converted_at

),

converting as (

    select distinct
        conversion_type,
        conversion_id as path_id,
        true as is_conversion,
        channel
    from {{ ref('int_attribution__touch_paths') }}
    where touch_id is not null

),

not_converting as (

    select distinct
        conversion_type,
        {{ dbt.concat(['customer_key', "'|'", 'dealer_id']) }} as path_id,
        false as is_conversion,
        channel
    from tail_touches
    where
        {{ dbt.datediff('touched_at', 'last_touched_at', 'second') }}
        < {{ var('attribution_lookback_days') }} * 86400

)

select * from converting
union all
select * from not_converting
