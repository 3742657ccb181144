{#- The data-driven model, as Google's Fractribution computes it: a channel set's value v(S) is the
    conversion rate of the paths (converting and not) whose distinct channels are exactly S, and each
    channel of a converting set gets its Shapley value over the subsets T of S,
        phi_i = sum over T without i of |T|! (|S| - |T| - 1)! / |S|! * (v(T + i) - v(T)),
    with v of a set no path has = 0. Negative values count as 0 and the values are scaled to sum to 1
    per set (Fractribution's normalization); a set whose values are all 0 splits evenly. Subsets are
    enumerated as bit masks over the set's channels in name order; a set of more than
    attribution_shapley_max_channels channels (2^n subsets) splits evenly too. -#}

{%- set max_channels = var('attribution_shapley_max_channels') -%}
{%- set factorials = [1] -%}
{%- for i in range(1, max_channels + 1) -%}
    {%- do factorials.append(factorials[-1] * i) -%}
{%- endfor -%}

with

path_channels as (

    select * from {{ ref('int_attribution__path_channels') }}

),

path_sets as (

    select
        conversion_type,
        path_id,
        is_conversion,
        {{ dbt.listagg('channel', "'|'", 'order by channel') }} as channel_set,
        count(*) as channel_count
    from path_channels
    group by conversion_type, path_id, is_conversion

),

set_values as (

    select
        conversion_type,
        channel_set,
        cast(sum(case when is_conversion then 1 else 0 end) as {{ dbt.type_float() }}) / count(*) as conversion_rate
    from path_sets
    group by conversion_type, channel_set

),

converting_sets as (

    select distinct
        conversion_type,
        channel_set,
        channel_count
    from path_sets
    where is_conversion

),

set_channels as (

    select
        channels.conversion_type,
        channels.channel_set,
        channels.channel_count,
        channels.channel,
        cast(power(2, dense_rank() over (
            partition by channels.conversion_type, channels.channel_set order by channels.channel
        ) - 1) as {{ dbt.type_int() }}) as channel_bit
    from (
        select distinct
            path_sets.conversion_type,
            path_sets.channel_set,
            path_sets.channel_count,
            path_channels.channel
        from path_sets
        inner join path_channels
            on
                path_sets.conversion_type = path_channels.conversion_type
                and path_sets.path_id = path_channels.path_id
                and path_sets.is_conversion = path_channels.is_conversion
        where path_sets.is_conversion
    ) as channels

),

bits as (

    select 0 as bit_value
    union all
    select 1 as bit_value

),

masks_0 as (

    select
        0 as mask,
        0 as subset_size

),
{% for i in range(max_channels) %}
    masks_{{ i + 1 }} as (

        -- the subsets of the first {{ i + 1 }} channels: the first {{ i }}'s, without and with channel {{ i + 1 }}
        select
            masks.mask + bits.bit_value * {{ 2 ** i }} as mask,
            masks.subset_size + bits.bit_value as subset_size
        from masks_{{ i }} as masks
        cross join bits

    ),
{% endfor %}
weights as (

    -- the Shapley weight |T|! (n - |T| - 1)! / n! of a subset of size |T| of a set of n channels
    {% for n in range(1, max_channels + 1) -%}
        {% for k in range(n) -%}
            select
                {{ n }} as channel_count,
                {{ k }} as subset_size,
                {{ factorials[k] * factorials[n - k - 1] }}.0 / {{ factorials[n] }}.0 as weight
            {% if not (loop.last and n == max_channels) %}union all{% endif %}
        {% endfor -%}
    {%- endfor %}

),

subsets as (

    select
        converting_sets.conversion_type,
        converting_sets.channel_set,
        converting_sets.channel_count,
        masks.mask,
        masks.subset_size
    from converting_sets
    inner join masks_{{ max_channels }} as masks on masks.mask < power(2, converting_sets.channel_count)
    where converting_sets.channel_count <= {{ max_channels }}

),

subset_keys as (

    select
        subsets.conversion_type,
        subsets.channel_set,
        subsets.mask,
        {{ dbt.listagg('set_channels.channel', "'|'", 'order by set_channels.channel') }} as subset_key
    from subsets
    inner join set_channels
        on
            subsets.conversion_type = set_channels.conversion_type
            and subsets.channel_set = set_channels.channel_set
            and (subsets.mask & set_channels.channel_bit) > 0
    group by subsets.conversion_type, subsets.channel_set, subsets.mask

),

subset_values as (

    select
        subsets.conversion_type,
        subsets.channel_set,
        subsets.mask,
        subsets.subset_size,
        coalesce(set_values.conversion_rate, 0) as subset_value
    from subsets
    left join subset_keys
        on
            subsets.conversion_type = subset_keys.conversion_type
            and subsets.channel_set = subset_keys.channel_set
            and subsets.mask = subset_keys.mask
    left join set_values
        on
            subset_keys.conversion_type = set_values.conversion_type
            and subset_keys.subset_key = set_values.channel_set

),

shapley as (

    select
        set_channels.conversion_type,
        set_channels.channel_set,
        set_channels.channel,
        sum(weights.weight * (with_channel.subset_value - without_channel.subset_value)) as shapley_value
    from set_channels
    inner join subset_values as without_channel
        on
            set_channels.conversion_type = without_channel.conversion_type
            and set_channels.channel_set = without_channel.channel_set
            and (without_channel.mask & set_channels.channel_bit) = 0
    inner join subset_values as with_channel
        on
            without_channel.conversion_type = with_channel.conversion_type
            and without_channel.channel_set = with_channel.channel_set
            and with_channel.mask = without_channel.mask + set_channels.channel_bit
    inner join weights
        on
            set_channels.channel_count = weights.channel_count
            and without_channel.subset_size = weights.subset_size
    group by set_channels.conversion_type, set_channels.channel_set, set_channels.channel

),

too_wide as (

    select
        conversion_type,
        channel_set,
        channel,
        cast(null as {{ dbt.type_float() }}) as shapley_value
    from set_channels
    where channel_count > {{ max_channels }}

),

valued as (

    select * from shapley
    union all
    select * from too_wide

),

scaled as (

    select
        *,
        sum(greatest(coalesce(shapley_value, 0), 0)) over (partition by conversion_type, channel_set) as positive_total,
        count(*) over (partition by conversion_type, channel_set) as channels
    from valued

)

select
    conversion_type,
    channel_set,
    channel,
    shapley_value,
    case
        when positive_total > 0 then greatest(coalesce(shapley_value, 0), 0) / positive_total
        else 1.0 / channels
    end as credit_share
from scaled
