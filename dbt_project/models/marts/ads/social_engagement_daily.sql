{#- Organic social (Metricool) per rooftop, network and publication day: the posts published that day
    and the engagement they have gathered up to their latest snapshot. Kept apart from paid ads:
    organic posts have no spend and their metrics grow for weeks after the day. -#}

select
    {{ to_local_date('posts.published_at', 'rooftops.timezone') }} as date_day,
    posts.dealer_id,
    posts.network,
    count(*) as posts,
    sum(coalesce(posts.likes, 0)) as likes,
    sum(coalesce(posts.comments, 0)) as comments,
    sum(coalesce(posts.shares, 0)) as shares,
    sum(coalesce(posts.clicks, 0)) as clicks,
    sum(posts.engagements) as engagements,
    sum(posts.reach) as reach,
    sum(posts.impressions) as impressions,
    case
        when sum(posts.reach) > 0 then cast(sum(posts.engagements) as {{ dbt.type_float() }}) / sum(posts.reach)
    end as engagement_rate,
    max(posts.metrics_as_of) as metrics_as_of
from {{ ref('stg_metricool__posts') }} as posts
inner join {{ ref('stg_dealer__rooftops') }} as rooftops on posts.dealer_id = rooftops.dealer_id
group by 1, 2, 3
