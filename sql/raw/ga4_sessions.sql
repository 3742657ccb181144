-- GA4 sessions per rooftop and day (Data API runReport: date, sessionDefaultChannelGroup, sessionSource,
-- sessionMedium, sessionCampaignId, deviceCategory / sessions, engagedSessions, screenPageViews, keyEvents).
-- Loaded by the Dagster asset raw/ga4_sessions; a re-run replaces its day (partition_expr date_day).
--
-- Why DATETIME and not DATE for the partition column: Dagster's BigQuery IO manager replaces a daily
-- partition with `DELETE ... WHERE date_day >= 'YYYY-MM-DD 00:00:00' AND date_day < '...'`; that literal
-- coerces to DATETIME but not to DATE, and pandas' naive datetime64 loads as DATETIME. Staging casts to DATE.
create table if not exists raw.ga4_sessions (
    date_day            datetime  not null options (description = 'the report day at midnight, in the property time zone (partition)'),
    dealer_id           string    not null,
    property_id         string    not null options (description = 'GA4 property id, digits only'),
    channel_group       string    options (description = 'sessionDefaultChannelGroup'),
    source              string    options (description = 'sessionSource; (direct) when none'),
    medium              string    options (description = 'sessionMedium; (none) when none'),
    campaign_id         string    options (description = 'sessionCampaignId; (not set) when none'),
    device_category     string    options (description = 'desktop, mobile, tablet, smart tv'),
    sessions            int64,
    engaged_sessions    int64,
    screen_page_views   int64,
    key_events          float64   options (description = 'keyEvents (GA4 TYPE_FLOAT, fractional values are real), formerly conversions'),
    loaded_at           timestamp not null
)
partition by datetime_trunc(date_day, day)
cluster by dealer_id, channel_group
options (description = 'GA4 Data API sessions report per rooftop and day; see journey_assets/defs/ingest/ga4.py');
