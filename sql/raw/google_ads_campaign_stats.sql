-- Google Ads campaign stats per rooftop account and day (GAQL FROM campaign, segments.date).
-- Loaded by the Dagster asset raw/google_ads_campaign_stats; a re-run replaces its day (partition_expr date_day).
-- Money in micros of the account currency, as the API sends it. DATETIME partition column: see ga4_sessions.sql.
create table if not exists raw.google_ads_campaign_stats (
    date_day                  datetime  not null options (description = 'segments.date (partition)'),
    dealer_id                 string    not null,
    customer_id               string    not null options (description = 'Google Ads customer id, digits only'),
    campaign_id               string    not null,
    campaign_name             string,
    campaign_status           string    options (description = 'ENABLED, PAUSED, REMOVED'),
    advertising_channel_type  string    options (description = 'SEARCH, DISPLAY, PERFORMANCE_MAX, ...'),
    impressions               int64,
    clicks                    int64,
    cost_micros               int64,
    conversions               float64   options (description = 'metrics.conversions as Google attributes them'),
    loaded_at                 timestamp not null
)
partition by datetime_trunc(date_day, day)
cluster by dealer_id, campaign_id
options (description = 'Google Ads campaign stats per day; see journey_assets/defs/ingest/google_ads.py');
