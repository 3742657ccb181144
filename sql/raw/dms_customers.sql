-- Customer records from each rooftop's daily DMS customer export (CSV), keyed by the export's business date:
-- a record is exported on the day it was created or changed. Loaded by raw/dms_customers; rejected rows are in
-- ops.quarantine_dms. email_normalized and phone_e164 are computed at ingestion, null where the raw value does
-- not parse. Personal data: every column whose description starts with 'PII:' gets the PII policy tag in prod
-- (BigQuery DDL cannot attach one; see docs/decisions/0801).
-- Day columns are DATETIME (midnight), not DATE (see dealer_inventory.sql). Staging casts them to DATE.
create table if not exists raw.dms_customers (
    export_date       datetime  not null options (description = 'business date in the file name (partition)'),
    source_file       string    not null,
    file_checksum     string    not null options (description = 'SHA-256 of the file'),
    customer_id       string    not null options (description = 'the DMS customer number (as on deals and repair orders)'),
    dealer_id         string    not null,
    first_name        string    options (description = 'PII: first name as entered'),
    last_name         string    options (description = 'PII: last name as entered'),
    email             string    options (description = 'PII: email as entered'),
    phone             string    options (description = 'PII: phone as entered'),
    address           string    options (description = 'PII: street address'),
    city              string,
    state             string,
    zip               string    options (description = 'PII: ZIP or ZIP+4'),
    birth_year        int64     options (description = 'PII: year of birth'),
    created_at        timestamp options (description = 'when the DMS record was created'),
    email_normalized  string    options (description = 'PII: email lowercased when valid, else null'),
    phone_e164        string    options (description = 'PII: phone in E.164 when valid, else null'),
    loaded_at         timestamp not null
)
partition by datetime_trunc(export_date, day)
cluster by dealer_id, customer_id
options (description = 'DMS customer exports; holds PII; see journey_assets/connectors/dms.py');
