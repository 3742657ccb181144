-- Meta Lead Ads leads created on created_date (UTC), with email normalized and phone in E.164.
-- Loaded by raw/meta_leads; leads whose contact answers fail validation are in ops.quarantine_meta_leads.
-- Day columns are DATETIME (midnight), not DATE: pandas datetime64 loads as DATETIME and the BigQuery IO
-- manager replaces a partition with `WHERE col >= 'YYYY-MM-DD 00:00:00'`, which does not coerce to DATE
-- (see dealer_inventory.sql). Staging casts them to DATE.
create table if not exists raw.meta_leads (
    created_date  datetime  not null options (description = 'UTC day the lead was submitted (partition)'),
    created_time  timestamp not null,
    lead_id       string    not null options (description = 'Meta leadgen id'),
    dealer_id     string    not null,
    page_id       string,
    form_id       string,
    ad_id         string    options (description = 'null for organic leads'),
    email         string    options (description = 'PII: lowercased, syntax-checked'),
    phone         string    options (description = 'PII: E.164'),
    full_name     string    options (description = 'PII'),
    first_name    string,
    last_name     string,
    zip_code      string,
    city          string,
    field_data    string    options (description = 'every form answer as Meta sent it (JSON)'),
    loaded_at     timestamp not null
)
partition by datetime_trunc(created_date, day)
cluster by dealer_id, form_id
options (description = 'Meta Lead Ads leads; see journey_assets/defs/ingest/meta.py');
