-- Deals from each rooftop's daily DMS sales export (CSV), keyed by the export's business date.
-- Each file is loaded once (SHA-256 manifest in the landing bucket); a re-run rebuilds the day from the
-- files accepted for it. Loaded by raw/dms_sales; rejected rows are in ops.quarantine_dms.
-- Day columns are DATETIME (midnight), not DATE: pandas datetime64 loads as DATETIME and the BigQuery IO
-- manager replaces a partition with `WHERE col >= 'YYYY-MM-DD 00:00:00'`, which does not coerce to DATE
-- (see dealer_inventory.sql). Staging casts them to DATE.
create table if not exists raw.dms_sales (
    export_date    datetime  not null options (description = 'business date in the file name (partition)'),
    source_file    string    not null,
    file_checksum  string    not null options (description = 'SHA-256 of the file'),
    deal_id        string    not null,
    dealer_id      string    not null,
    customer_id    string,
    vehicle_uuid   string,
    vin            string    not null options (description = 'check digit verified (49 CFR 565.15)'),
    sold_at        timestamp not null,
    sale_type      string    not null,
    price          float64   not null,
    gross_profit   float64,
    lead_id        string,
    condition      string    options (description = 'new, used or cpo'),
    year           int64     options (description = 'model year'),
    make           string,
    model          string,
    lease_term_months    int64     options (description = 'leases only'),
    lease_maturity_date  datetime  options (description = 'leases only'),
    loaded_at      timestamp not null
)
partition by datetime_trunc(export_date, day)
cluster by dealer_id, deal_id
options (description = 'DMS sales exports; see journey_assets/connectors/dms.py');
