-- Google Business Profile reviews per rooftop, one row per review and day it was written, edited or replied to
-- (My Business API v4 accounts.locations.reviews.list), as it stood at the end of that day; the first partition
-- holds every review written by then. Loaded by the Dagster asset raw/gbp_reviews; a re-run replaces its day
-- (partition_expr snapshot_date). Reviewer names are personal data.
-- DATETIME partition column: see ga4_sessions.sql.
create table if not exists raw.gbp_reviews (
    snapshot_date       datetime  not null options (description = 'the snapshot day at midnight UTC (partition)'),
    dealer_id           string    not null,
    account_id          string    not null,
    location_id         string    not null,
    review_id           string    not null,
    reviewer_name       string    options (description = 'null when the reviewer is anonymous'),
    is_anonymous        bool,
    star_rating         int64     not null options (description = '1..5 (StarRating ONE..FIVE)'),
    comment             string    options (description = 'null for a rating-only review'),
    create_time         timestamp not null,
    update_time         timestamp,
    reply_comment       string    options (description = 'the dealer reply, if made by the end of snapshot_date'),
    reply_update_time   timestamp,
    loaded_at           timestamp not null
)
partition by datetime_trunc(snapshot_date, day)
cluster by dealer_id, review_id
options (description = 'Google Business Profile reviews, daily snapshots; see journey_assets/defs/ingest/gbp.py');
