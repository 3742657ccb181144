-- Daily snapshot of each rooftop's social posts and engagement from Metricool (posts of the last
-- lookback_days, re-read every day because engagement keeps growing). Loaded by raw/metricool_posts.
-- Day columns are DATETIME (midnight), not DATE: pandas datetime64 loads as DATETIME and the BigQuery IO
-- manager replaces a partition with `WHERE col >= 'YYYY-MM-DD 00:00:00'`, which does not coerce to DATE
-- (see dealer_inventory.sql). Staging casts them to DATE.
create table if not exists raw.metricool_posts (
    snapshot_date  datetime  not null options (description = 'the day the metrics were read (partition)'),
    dealer_id      string    not null,
    blog_id        string    not null options (description = 'Metricool brand id'),
    network        string    not null options (description = 'facebook, instagram, twitter, linkedin, tiktok, ...'),
    post_id        string    not null,
    published_at   timestamp not null,
    post_url       string,
    post_text      string,
    post_type      string,
    likes          int64,
    comments       int64,
    shares         int64,
    mentions       int64,
    reach          int64,
    impressions    int64,
    clicks         int64     options (description = 'null where the network reports none (Instagram)'),
    loaded_at      timestamp not null
)
partition by datetime_trunc(snapshot_date, day)
cluster by dealer_id, network, post_id
options (description = 'Metricool post analytics snapshots; see journey_assets/defs/ingest/metricool.py');
