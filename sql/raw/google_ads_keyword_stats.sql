-- Google Ads keyword stats per rooftop account and day (GAQL FROM keyword_view, segments.date).
-- Loaded by the Dagster asset raw/google_ads_keyword_stats; a re-run replaces its day (partition_expr date_day).
-- DATETIME partition column: see ga4_sessions.sql.
create table if not exists raw.google_ads_keyword_stats (
    date_day            datetime  not null options (description = 'segments.date (partition)'),
    dealer_id           string    not null,
    customer_id         string    not null,
    campaign_id         string    not null,
    ad_group_id         string    not null,
    keyword_id          string    not null options (description = 'ad_group_criterion.criterion_id (unique within its ad group)'),
    keyword_text        string,
    match_type          string    options (description = 'EXACT, PHRASE, BROAD'),
    impressions         int64,
    clicks              int64,
    cost_micros         int64,
    loaded_at           timestamp not null
)
partition by datetime_trunc(date_day, day)
cluster by dealer_id, campaign_id, ad_group_id
options (description = 'Google Ads keyword stats per day; see journey_assets/defs/ingest/google_ads.py');
