-- CRM leads in the state they had at the end of updated_date: each nightly run adds the leads that
-- changed that day, so the table accumulates the status history. Loaded by raw/crm_leads.
-- Day columns are DATETIME (midnight), not DATE: pandas datetime64 loads as DATETIME and the BigQuery IO
-- manager replaces a partition with `WHERE col >= 'YYYY-MM-DD 00:00:00'`, which does not coerce to DATE
-- (see dealer_inventory.sql). Staging casts them to DATE.
create table if not exists raw.crm_leads (
    updated_date    datetime  not null options (description = 'UTC day of the change (partition)'),
    lead_id         string    not null,
    dealer_id       string    not null,
    customer_id     string,
    external_id     string    options (description = 'our key when the lead was created by this platform'),
    lead_type       string,
    source          string,
    vehicle_uuid    string,
    status          string    not null,
    salesperson_id  string,
    created_at      timestamp,
    updated_at      timestamp not null,
    loaded_at       timestamp not null
)
partition by datetime_trunc(updated_date, day)
cluster by dealer_id, lead_id
options (description = 'CRM lead states by day of change; see journey_assets/defs/ingest/crm.py');
