-- Each rooftop's website inventory feed (DealerOn / Dealer.com), one row per vehicle per snapshot day.
-- Loaded by the Dagster asset raw/dealer_inventory; a re-run replaces its day (partition_expr snapshot_date).
-- Rows failing VIN or required-field checks are in ops.quarantine_dealer_inventory instead.
--
-- Why DATETIME and not DATE for snapshot_date and date_in_stock: the asset's frames hold pandas datetime64
-- (typed_frame 'date'), which loads as DATETIME, and Dagster's BigQuery IO manager replaces a partition with
-- `DELETE ... WHERE snapshot_date >= 'YYYY-MM-DD 00:00:00' AND ...`, a literal that coerces to DATETIME but
-- not to DATE. stg_dealer__inventory casts both to DATE.
create table if not exists raw.dealer_inventory (
    snapshot_date       datetime  not null options (description = 'the day the feed was read, at midnight (partition)'),
    dealer_id           string    not null,
    vehicle_id          string    not null options (description = "the feed's own vehicle id (Dealer.com uuid)"),
    vin                 string    not null options (description = '17 characters, check digit validated'),
    stock_number        string,
    inventory_type      string    options (description = 'new or used'),
    certified           bool,
    status              string,
    year                int64,
    make                string,
    model               string,
    trim                string,
    body_style          string,
    exterior_color      string,
    odometer            int64,
    msrp                float64,
    price               float64   options (description = 'the advertised price on snapshot_date (Dealer.com finalPrice)'),
    date_in_stock       datetime,
    image_url           string,
    vdp_url             string,
    loaded_at           timestamp not null
)
partition by datetime_trunc(snapshot_date, day)
cluster by dealer_id, vin
options (description = 'Website inventory feed snapshots; see journey_assets/defs/ingest/dealer_inventory.py');
