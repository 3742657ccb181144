-- CRM activities (calls, emails, texts, visits) by the UTC day they occurred. Loaded by raw/crm_activities.
-- Day columns are DATETIME (midnight), not DATE: pandas datetime64 loads as DATETIME and the BigQuery IO
-- manager replaces a partition with `WHERE col >= 'YYYY-MM-DD 00:00:00'`, which does not coerce to DATE
-- (see dealer_inventory.sql). Staging casts them to DATE.
create table if not exists raw.crm_activities (
    occurred_date   datetime  not null options (description = 'UTC day (partition)'),
    activity_id     string    not null,
    lead_id         string,
    customer_id     string,
    dealer_id       string    not null,
    salesperson_id  string,
    activity_type   string    not null,
    outcome         string,
    occurred_at     timestamp not null,
    loaded_at       timestamp not null
)
partition by datetime_trunc(occurred_date, day)
cluster by dealer_id, lead_id
options (description = 'CRM activities; see journey_assets/defs/ingest/crm.py');
