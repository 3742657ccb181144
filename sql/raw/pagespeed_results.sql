-- PageSpeed Insights v5 runs per rooftop, page template (home, search_results, vehicle_detail), strategy
-- (mobile, desktop) and day: the Lighthouse lab figures and the CrUX field 75th percentiles.
-- Loaded by the Dagster asset raw/pagespeed_results; a re-run replaces its day (partition_expr snapshot_date).
-- DATETIME partition column: see ga4_sessions.sql.
create table if not exists raw.pagespeed_results (
    snapshot_date           datetime  not null options (description = 'the day of the run at midnight UTC (partition)'),
    dealer_id               string    not null,
    template                string    not null options (description = 'home, search_results, vehicle_detail'),
    strategy                string    not null options (description = 'mobile, desktop'),
    requested_url           string    not null,
    final_url               string,
    performance_score       float64   not null options (description = 'Lighthouse performance score, 0..1'),
    lab_lcp_ms              float64,
    lab_cls                 float64,
    lab_fcp_ms              float64,
    lab_ttfb_ms             float64   options (description = 'server-response-time audit'),
    lab_tbt_ms              float64,
    field_lcp_p75_ms        float64   options (description = 'CrUX LARGEST_CONTENTFUL_PAINT_MS p75; null without enough traffic'),
    field_inp_p75_ms        float64,
    field_cls_p75           float64   options (description = 'CrUX CUMULATIVE_LAYOUT_SHIFT_SCORE p75 / 100'),
    field_fcp_p75_ms        float64,
    field_ttfb_p75_ms       float64,
    field_overall_category  string    options (description = 'FAST, AVERAGE, SLOW'),
    lighthouse_version      string,
    fetch_time              timestamp,
    loaded_at               timestamp not null
)
partition by datetime_trunc(snapshot_date, day)
cluster by dealer_id, template
options (description = 'PageSpeed Insights per page template and day; see journey_assets/defs/ingest/pagespeed.py');
