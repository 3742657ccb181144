{#- Every lead and sale credited to channels and campaigns under each attribution model: one row per
    conversion, model, channel and campaign, the credits of a conversion summing to 1 per model.
    The rule-based models credit touches (int_attribution__rule_based); the data-driven model gives
    each channel of the path its Shapley share (int_attribution__shapley_values), split evenly over
    that channel's touches so campaigns are credited too. -#}

with

paths as (

    select * from {{ ref('int_attribution__touch_paths') }}

),

path_sets as (

    select
        conversion_type,
        conversion_id,
        {{ dbt.listagg('channel', "'|'", 'order by channel') }} as channel_set
    from (
        select distinct
            conversion_type,
            conversion_id,
            channel
        from paths
        where touch_id is not null
    ) as path_channels
    group by conversion_type, conversion_id

),

channel_touches as (

    select
        *,
        count(*) over (partition by conversion_type, conversion_id, channel) as channel_touch_count
    from paths
    where touch_id is not null

),

rule_based as (

    select
        credits.conversion_type,
        credits.conversion_id,
        credits.model,
        coalesce(paths.channel, 'Unattributed') as channel,
        paths.campaign_id,
        credits.credit
    from {{ ref('int_attribution__rule_based') }} as credits
    left join paths
        on
            credits.conversion_type = paths.conversion_type
            and credits.conversion_id = paths.conversion_id
            and credits.touch_id = paths.touch_id

),

data_driven as (

    select
        channel_touches.conversion_type,
        channel_touches.conversion_id,
        'data_driven' as model,  -- noqa: RF04
        channel_touches.channel,
        channel_touches.campaign_id,
        shapley.credit_share / channel_touches.channel_touch_count as credit
    from channel_touches
    inner join path_sets
        on
            channel_touches.conversion_type = path_sets.conversion_type
            and channel_touches.conversion_id = path_sets.conversion_id
    inner join {{ ref('int_attribution__shapley_values') }} as shapley
        on
            path_sets.conversion_type = shapley.conversion_type
            and path_sets.channel_set = shapley.channel_set
            and channel_touches.channel = shapley.channel

    union all

    select
        conversion_type,
        conversion_id,
        'data_driven' as model,  -- noqa: RF04
        'Unattributed' as channel,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        1.0 as credit
    from paths
    where touch_id is null

),

credits as (

    select * from rule_based
    union all
    select * from data_driven

),

conversions as (

    select * from {{ ref('int_attribution__conversions') }}

)

select
    {{ surrogate_key([
        'credits.conversion_type', 'credits.conversion_id', 'credits.model', 'credits.channel', 'credits.campaign_id'
    ]) }} as attribution_key,
    credits.conversion_id,
    credits.conversion_type,
    conversions.customer_key,
    conversions.dealer_id,
    conversions.converted_on,
    credits.channel,
    credits.campaign_id,
    credits.model,
    sum(credits.credit) as credit,
    sum(credits.credit) * conversions.revenue as credited_revenue
from credits
inner join conversions
    on
        credits.conversion_type = conversions.conversion_type
        and credits.conversion_id = conversions.conversion_id
group by
    credits.conversion_type,
    credits.conversion_id,
    credits.model,
    credits.channel,
    credits.campaign_id,
    conversions.customer_key,
    conversions.dealer_id,
    conversions.converted_on,
    conversions.revenue
