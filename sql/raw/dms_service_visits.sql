-- Repair orders from each rooftop's daily DMS service export (CSV), keyed by the export's business date.
-- Loaded by raw/dms_service_visits with the same load-once protocol as raw.dms_sales.
-- Day columns are DATETIME (midnight), not DATE: pandas datetime64 loads as DATETIME and the BigQuery IO
-- manager replaces a partition with `WHERE col >= 'YYYY-MM-DD 00:00:00'`, which does not coerce to DATE
-- (see dealer_inventory.sql). Staging casts them to DATE.
create table if not exists raw.dms_service_visits (
    export_date      datetime  not null options (description = 'business date in the file name (partition)'),
    source_file      string    not null,
    file_checksum    string    not null,
    repair_order_id  string    not null,
    customer_id      string,
    dealer_id        string    not null,
    vin              string    not null,
    visit_date       datetime  not null,
    mileage          int64,
    service_type     string    not null,
    amount           float64   not null,
    loaded_at        timestamp not null
)
partition by datetime_trunc(export_date, day)
cluster by dealer_id, vin
options (description = 'DMS service (repair order) exports; see journey_assets/connectors/dms.py');
