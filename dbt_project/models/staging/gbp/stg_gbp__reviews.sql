with

source as (

    select * from {{ source('gbp', 'gbp_reviews') }}

),

-- raw keeps a row per review and day it changed; the latest is the review as it stands
latest as (

    select
        *,
        row_number() over (partition by review_id order by snapshot_date desc, loaded_at desc) as version_rank
    from source

),

renamed as (

    select

        ----------  ids
        cast(review_id as {{ dbt.type_string() }}) as review_id,
        cast(dealer_id as {{ dbt.type_string() }}) as dealer_id,
        cast(location_id as {{ dbt.type_string() }}) as gbp_location_id,

        ---------- review
        cast(star_rating as {{ dbt.type_int() }}) as star_rating,
        nullif(trim(comment), '') as review_text,
        reviewer_name,
        coalesce(is_anonymous, false) as is_anonymous,

        ---------- reply
        nullif(trim(reply_comment), '') as reply_text,
        reply_comment is not null as has_reply,

        ---------- timestamps
        create_time as created_at,
        update_time as updated_at,
        reply_update_time as replied_at,

        ---------- dates
        cast(snapshot_date as date) as snapshot_date,
        loaded_at

    from latest
    where version_rank = 1

)

select * from renamed
