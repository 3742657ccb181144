with

source as (

    select * from {{ source('metricool', 'metricool_posts') }}

),

latest as (

    -- a post is re-read every day while its engagement grows: keep its latest snapshot
    select
        *,
        row_number() over (
            partition by network, post_id
            order by snapshot_date desc, loaded_at desc
        ) as snapshot_rank
    from source

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['network', 'post_id']) }} as social_post_key,
        cast(post_id as {{ dbt.type_string() }}) as post_id,
        network,
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        cast(blog_id as {{ dbt.type_string() }}) as metricool_blog_id,

        ---------- content
        post_type,
        post_text,
        post_url,

        ---------- engagement (null where the network does not report the metric)
        cast(likes as {{ dbt.type_int() }}) as likes,
        cast(comments as {{ dbt.type_int() }}) as comments,
        cast(shares as {{ dbt.type_int() }}) as shares,
        cast(mentions as {{ dbt.type_int() }}) as mentions,
        cast(reach as {{ dbt.type_int() }}) as reach,
        cast(impressions as {{ dbt.type_int() }}) as impressions,
        cast(clicks as {{ dbt.type_int() }}) as clicks,
        cast(coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0) as {{ dbt.type_int() }}) as engagements,

        ---------- dates
        cast(published_at as {{ dbt.type_timestamp() }}) as published_at,
        cast(snapshot_date as date) as metrics_as_of,
        loaded_at

    from latest
    where snapshot_rank = 1

)

select * from renamed
