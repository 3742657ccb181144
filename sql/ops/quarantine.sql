-- One quarantine table per ingest source: the rows that failed validation, with every reason and the whole
-- payload as JSON, so whoever fixes the source can reload them. Written by each ingest asset's `rejected`
-- output (journey_assets/defs/ingest/factory.py; columns declared by journey_assets/sources/spec.py
-- quarantine_table); a re-run replaces its days. Run once per project:
--     bq query --use_legacy_sql=false < sql/ops/quarantine.sql
-- Plain DDL, one statement per source (no scripting), so every file under sql/ parses as BigQuery in a test.
-- snapshot_date is DATETIME for the reason given in sql/raw/ga4_sessions.sql.

create table if not exists ops.quarantine_dealer_inventory (
    snapshot_date  datetime  not null options (description = "the partition the record arrived in"),
    source         string    not null,
    dealer_id      string,
    record_key     string    options (description = "the record's own id, when it had one"),
    reason         string    not null options (description = "every check it failed, separated by a semicolon"),
    payload        string    not null options (description = "the record as received, JSON"),
    loaded_at      timestamp not null
)
partition by datetime_trunc(snapshot_date, day)
cluster by dealer_id
options (description = 'Rows from dealer_inventory that failed validation; see journey_assets/sources');

create table if not exists ops.quarantine_ga4 (
    snapshot_date  datetime  not null options (description = "the partition the record arrived in"),
    source         string    not null,
    dealer_id      string,
    record_key     string    options (description = "the record's own id, when it had one"),
    reason         string    not null options (description = "every check it failed, separated by a semicolon"),
    payload        string    not null options (description = "the record as received, JSON"),
    loaded_at      timestamp not null
)
partition by datetime_trunc(snapshot_date, day)
cluster by dealer_id
options (description = 'Rows from ga4 that failed validation; see journey_assets/sources');

create table if not exists ops.quarantine_google_ads (
    snapshot_date  datetime  not null options (description = "the partition the record arrived in"),
    source         string    not null,
    dealer_id      string,
    record_key     string    options (description = "the record's own id, when it had one"),
    reason         string    not null options (description = "every check it failed, separated by a semicolon"),
    payload        string    not null options (description = "the record as received, JSON"),
    loaded_at      timestamp not null
)
partition by datetime_trunc(snapshot_date, day)
cluster by dealer_id
options (description = 'Rows from google_ads that failed validation; see journey_assets/sources');

create table if not exists ops.quarantine_gbp (
    snapshot_date  datetime  not null options (description = "the partition the record arrived in"),
    source         string    not null,
    dealer_id      string,
    record_key     string    options (description = "the record's own id, when it had one"),
    reason         string    not null options (description = "every check it failed, separated by a semicolon"),
    payload        string    not null options (description = "the record as received, JSON"),
    loaded_at      timestamp not null
)
partition by datetime_trunc(snapshot_date, day)
cluster by dealer_id
options (description = 'Rows from gbp that failed validation; see journey_assets/sources');

create table if not exists ops.quarantine_pagespeed (
    snapshot_date  datetime  not null options (description = "the partition the record arrived in"),
    source         string    not null,
    dealer_id      string,
    record_key     string    options (description = "the record's own id, when it had one"),
    reason         string    not null options (description = "every check it failed, separated by a semicolon"),
    payload        string    not null options (description = "the record as received, JSON"),
    loaded_at      timestamp not null
)
partition by datetime_trunc(snapshot_date, day)
cluster by dealer_id
options (description = 'Rows from pagespeed that failed validation; see journey_assets/sources');

create table if not exists ops.quarantine_meta_ads (
    snapshot_date  datetime  not null options (description = "the partition the record arrived in"),
    source         string    not null,
    dealer_id      string,
    record_key     string    options (description = "the record's own id, when it had one"),
    reason         string    not null options (description = "every check it failed, separated by a semicolon"),
    payload        string    not null options (description = "the record as received, JSON"),
    loaded_at      timestamp not null
)
partition by datetime_trunc(snapshot_date, day)
cluster by dealer_id
options (description = 'Rows from meta_ads that failed validation; see journey_assets/sources');

create table if not exists ops.quarantine_meta_leads (
    snapshot_date  datetime  not null options (description = "the partition the record arrived in"),
    source         string    not null,
    dealer_id      string,
    record_key     string    options (description = "the record's own id, when it had one"),
    reason         string    not null options (description = "every check it failed, separated by a semicolon"),
    payload        string    not null options (description = "the record as received, JSON"),
    loaded_at      timestamp not null
)
partition by datetime_trunc(snapshot_date, day)
cluster by dealer_id
options (description = 'Rows from meta_leads that failed validation; see journey_assets/sources');

create table if not exists ops.quarantine_metricool (
    snapshot_date  datetime  not null options (description = "the partition the record arrived in"),
    source         string    not null,
    dealer_id      string,
    record_key     string    options (description = "the record's own id, when it had one"),
    reason         string    not null options (description = "every check it failed, separated by a semicolon"),
    payload        string    not null options (description = "the record as received, JSON"),
    loaded_at      timestamp not null
)
partition by datetime_trunc(snapshot_date, day)
cluster by dealer_id
options (description = 'Rows from metricool that failed validation; see journey_assets/sources');

create table if not exists ops.quarantine_crm (
    snapshot_date  datetime  not null options (description = "the partition the record arrived in"),
    source         string    not null,
    dealer_id      string,
    record_key     string    options (description = "the record's own id, when it had one"),
    reason         string    not null options (description = "every check it failed, separated by a semicolon"),
    payload        string    not null options (description = "the record as received, JSON"),
    loaded_at      timestamp not null
)
partition by datetime_trunc(snapshot_date, day)
cluster by dealer_id
options (description = 'Rows from crm that failed validation; see journey_assets/sources');

create table if not exists ops.quarantine_dms (
    snapshot_date  datetime  not null options (description = "the partition the record arrived in"),
    source         string    not null,
    dealer_id      string,
    record_key     string    options (description = "the record's own id, when it had one"),
    reason         string    not null options (description = "every check it failed, separated by a semicolon"),
    payload        string    not null options (description = "the record as received, JSON"),
    loaded_at      timestamp not null
)
partition by datetime_trunc(snapshot_date, day)
cluster by dealer_id
options (description = 'Rows from dms that failed validation; see journey_assets/sources');
