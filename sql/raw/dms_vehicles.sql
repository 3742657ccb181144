-- The DMS vehicle master from each rooftop's daily export (CSV): one row per VIN and owner created or changed
-- that day, for every vehicle the rooftop sold, leased or serviced. Older leases whose deal predates the deal
-- history carry their maturity only here. Loaded by raw/dms_vehicles; rejected rows are in ops.quarantine_dms.
-- Day columns are DATETIME (midnight), not DATE (see dealer_inventory.sql). Staging casts them to DATE.
create table if not exists raw.dms_vehicles (
    export_date          datetime  not null options (description = 'business date in the file name (partition)'),
    source_file          string    not null,
    file_checksum        string    not null options (description = 'SHA-256 of the file'),
    vin                  string    not null options (description = 'check digit verified (49 CFR 565.15)'),
    customer_id          string    not null options (description = 'the owner, a DMS customer number'),
    dealer_id            string    not null,
    year                 int64,
    make                 string,
    model                string,
    trim                 string,
    oil_type             string    options (description = 'conventional or synthetic, the service menu oil spec'),
    acquisition          string    options (description = 'purchase or lease; null when bought elsewhere'),
    acquired_date        datetime  options (description = 'delivery day; null when bought elsewhere'),
    lease_maturity_date  datetime  options (description = 'leases only'),
    loaded_at            timestamp not null
)
partition by datetime_trunc(export_date, day)
cluster by dealer_id, vin
options (description = 'DMS vehicle-master exports; see journey_assets/connectors/dms.py');
