-- Google Ads search terms per rooftop account, day and triggering keyword (GAQL FROM search_term_view,
-- segments.keyword.ad_group_criterion). Loaded by the Dagster asset raw/google_ads_search_terms; a re-run
-- replaces its day (partition_expr date_day). DATETIME partition column: see ga4_sessions.sql.
create table if not exists raw.google_ads_search_terms (
    date_day            datetime  not null options (description = 'segments.date (partition)'),
    dealer_id           string    not null,
    customer_id         string    not null,
    campaign_id         string    not null,
    ad_group_id         string    not null,
    keyword_id          string    options (description = 'the triggering keyword criterion id; null when no keyword triggered the ad'),
    search_term         string    not null,
    impressions         int64,
    clicks              int64,
    cost_micros         int64,
    loaded_at           timestamp not null
)
partition by datetime_trunc(date_day, day)
cluster by dealer_id, campaign_id, ad_group_id
options (description = 'Google Ads search terms per day; see journey_assets/defs/ingest/google_ads.py');
