-- Meta ads insights, one row per rooftop, ad and day (level=ad, time_increment=1).
-- Loaded by the Dagster asset raw/meta_ad_insights; a re-run replaces its day (partition_expr date_start).
-- Counts and money as Meta reports them; `actions` / `action_values` keep Meta's JSON arrays as text.
-- Day columns are DATETIME (midnight), not DATE: pandas datetime64 loads as DATETIME and the BigQuery IO
-- manager replaces a partition with `WHERE col >= 'YYYY-MM-DD 00:00:00'`, which does not coerce to DATE
-- (see dealer_inventory.sql). Staging casts them to DATE.
create table if not exists raw.meta_ad_insights (
    date_start          datetime  not null options (description = 'the day (partition); Meta date_start = date_stop'),
    dealer_id           string    not null,
    account_id          string    not null options (description = 'ad account id without the act_ prefix'),
    account_currency    string,
    campaign_id         string,
    campaign_name       string,
    adset_id            string,
    adset_name          string,
    ad_id               string    not null,
    ad_name             string,
    impressions         int64,
    reach               int64,
    clicks              int64,
    inline_link_clicks  int64,
    spend               float64   options (description = 'in account_currency'),
    lead_action_type    string    options (description = 'the one actions[] type counted as leads for this account (default lead)'),
    leads               float64   options (description = 'actions[].value of lead_action_type only: Meta files one lead under several overlapping types'),
    leads_value         float64,
    actions             string    options (description = 'Meta actions[] as JSON'),
    action_values       string    options (description = 'Meta action_values[] as JSON'),
    loaded_at           timestamp not null
)
partition by datetime_trunc(date_start, day)
cluster by dealer_id, campaign_id, ad_id
options (description = 'Meta Marketing API ads insights per ad and day; see journey_assets/defs/ingest/meta.py');
