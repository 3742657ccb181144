-- GA4 event counts per rooftop and day (Data API runReport: date, eventName, pagePath / eventCount).
-- Loaded by the Dagster asset raw/ga4_events; a re-run replaces its day (partition_expr date_day).
-- DATETIME partition column: see ga4_sessions.sql.
create table if not exists raw.ga4_events (
    date_day            datetime  not null options (description = 'the report day at midnight, in the property time zone (partition)'),
    dealer_id           string    not null,
    property_id         string    not null,
    event_name          string    not null options (description = 'page_view, view_item (a VDP), generate_lead, ...'),
    page_path           string,
    event_count         int64,
    loaded_at           timestamp not null
)
partition by datetime_trunc(date_day, day)
cluster by dealer_id, event_name
options (description = 'GA4 Data API events report per rooftop and day; see journey_assets/defs/ingest/ga4.py');
