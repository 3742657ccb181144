-- One vendor-call log per ingest source: every API call a run made (journey_assets/connectors/http.py VendorCall),
-- with the endpoint as a template ({id} for every id, no query string), the last HTTP status, the outcome and the
-- attempts urllib3 and the vendor's retry hints made. Written by each ingest asset's `vendor_calls` output
-- (journey_assets/defs/ingest/factory.py; columns declared by journey_assets/sources/spec.py vendor_calls_table),
-- stamped with the run's last partition day: a re-run of the range replaces them (docs/decisions/1211).
-- dbt reads them as one model, staging.stg_ops__vendor_calls. Run once per project:
--     bq query --use_legacy_sql=false < sql/ops/vendor_calls.sql
-- partition_date is DATETIME for the reason given in sql/raw/ga4_sessions.sql.

create table if not exists ops.vendor_calls_dealer_inventory (
    partition_date datetime  not null options (description = "the run's last partition day"),
    source         string    not null,
    run_id         string    not null options (description = "the Dagster run that made the call"),
    vendor         string    not null,
    method         string    not null,
    endpoint       string    not null options (description = "the path with every id as {id}, no query string"),
    status         int64     options (description = "the last HTTP status; null when no answer came"),
    outcome        string    not null options (description = "ok, transient_error, permanent_error or error"),
    attempts       int64     not null options (description = "HTTP requests sent for the call, retries included"),
    retries        int64     not null,
    latency_ms     float64   not null,
    called_at      timestamp not null
)
partition by datetime_trunc(partition_date, day)
cluster by vendor, outcome
options (description = 'Vendor API calls of the dealer_inventory ingest; see journey_assets/connectors/http.py');

create table if not exists ops.vendor_calls_ga4 (
    partition_date datetime  not null options (description = "the run's last partition day"),
    source         string    not null,
    run_id         string    not null options (description = "the Dagster run that made the call"),
    vendor         string    not null,
    method         string    not null,
    endpoint       string    not null options (description = "the path with every id as {id}, no query string"),
    status         int64     options (description = "the last HTTP status; null when no answer came"),
    outcome        string    not null options (description = "ok, transient_error, permanent_error or error"),
    attempts       int64     not null options (description = "HTTP requests sent for the call, retries included"),
    retries        int64     not null,
    latency_ms     float64   not null,
    called_at      timestamp not null
)
partition by datetime_trunc(partition_date, day)
cluster by vendor, outcome
options (description = 'Vendor API calls of the ga4 ingest; see journey_assets/connectors/http.py');

create table if not exists ops.vendor_calls_google_ads (
    partition_date datetime  not null options (description = "the run's last partition day"),
    source         string    not null,
    run_id         string    not null options (description = "the Dagster run that made the call"),
    vendor         string    not null,
    method         string    not null,
    endpoint       string    not null options (description = "the path with every id as {id}, no query string"),
    status         int64     options (description = "the last HTTP status; null when no answer came"),
    outcome        string    not null options (description = "ok, transient_error, permanent_error or error"),
    attempts       int64     not null options (description = "HTTP requests sent for the call, retries included"),
    retries        int64     not null,
    latency_ms     float64   not null,
    called_at      timestamp not null
)
partition by datetime_trunc(partition_date, day)
cluster by vendor, outcome
options (description = 'Vendor API calls of the google_ads ingest; see journey_assets/connectors/http.py');

create table if not exists ops.vendor_calls_gbp (
    partition_date datetime  not null options (description = "the run's last partition day"),
    source         string    not null,
    run_id         string    not null options (description = "the Dagster run that made the call"),
    vendor         string    not null,
    method         string    not null,
    endpoint       string    not null options (description = "the path with every id as {id}, no query string"),
    status         int64     options (description = "the last HTTP status; null when no answer came"),
    outcome        string    not null options (description = "ok, transient_error, permanent_error or error"),
    attempts       int64     not null options (description = "HTTP requests sent for the call, retries included"),
    retries        int64     not null,
    latency_ms     float64   not null,
    called_at      timestamp not null
)
partition by datetime_trunc(partition_date, day)
cluster by vendor, outcome
options (description = 'Vendor API calls of the gbp ingest; see journey_assets/connectors/http.py');

create table if not exists ops.vendor_calls_pagespeed (
    partition_date datetime  not null options (description = "the run's last partition day"),
    source         string    not null,
    run_id         string    not null options (description = "the Dagster run that made the call"),
    vendor         string    not null,
    method         string    not null,
    endpoint       string    not null options (description = "the path with every id as {id}, no query string"),
    status         int64     options (description = "the last HTTP status; null when no answer came"),
    outcome        string    not null options (description = "ok, transient_error, permanent_error or error"),
    attempts       int64     not null options (description = "HTTP requests sent for the call, retries included"),
    retries        int64     not null,
    latency_ms     float64   not null,
    called_at      timestamp not null
)
partition by datetime_trunc(partition_date, day)
cluster by vendor, outcome
options (description = 'Vendor API calls of the pagespeed ingest; see journey_assets/connectors/http.py');

create table if not exists ops.vendor_calls_meta_ads (
    partition_date datetime  not null options (description = "the run's last partition day"),
    source         string    not null,
    run_id         string    not null options (description = "the Dagster run that made the call"),
    vendor         string    not null,
    method         string    not null,
    endpoint       string    not null options (description = "the path with every id as {id}, no query string"),
    status         int64     options (description = "the last HTTP status; null when no answer came"),
    outcome        string    not null options (description = "ok, transient_error, permanent_error or error"),
    attempts       int64     not null options (description = "HTTP requests sent for the call, retries included"),
    retries        int64     not null,
    latency_ms     float64   not null,
    called_at      timestamp not null
)
partition by datetime_trunc(partition_date, day)
cluster by vendor, outcome
options (description = 'Vendor API calls of the meta_ads ingest; see journey_assets/connectors/http.py');

create table if not exists ops.vendor_calls_meta_leads (
    partition_date datetime  not null options (description = "the run's last partition day"),
    source         string    not null,
    run_id         string    not null options (description = "the Dagster run that made the call"),
    vendor         string    not null,
    method         string    not null,
    endpoint       string    not null options (description = "the path with every id as {id}, no query string"),
    status         int64     options (description = "the last HTTP status; null when no answer came"),
    outcome        string    not null options (description = "ok, transient_error, permanent_error or error"),
    attempts       int64     not null options (description = "HTTP requests sent for the call, retries included"),
    retries        int64     not null,
    latency_ms     float64   not null,
    called_at      timestamp not null
)
partition by datetime_trunc(partition_date, day)
cluster by vendor, outcome
options (description = 'Vendor API calls of the meta_leads ingest; see journey_assets/connectors/http.py');

create table if not exists ops.vendor_calls_metricool (
    partition_date datetime  not null options (description = "the run's last partition day"),
    source         string    not null,
    run_id         string    not null options (description = "the Dagster run that made the call"),
    vendor         string    not null,
    method         string    not null,
    endpoint       string    not null options (description = "the path with every id as {id}, no query string"),
    status         int64     options (description = "the last HTTP status; null when no answer came"),
    outcome        string    not null options (description = "ok, transient_error, permanent_error or error"),
    attempts       int64     not null options (description = "HTTP requests sent for the call, retries included"),
    retries        int64     not null,
    latency_ms     float64   not null,
    called_at      timestamp not null
)
partition by datetime_trunc(partition_date, day)
cluster by vendor, outcome
options (description = 'Vendor API calls of the metricool ingest; see journey_assets/connectors/http.py');

create table if not exists ops.vendor_calls_crm (
    partition_date datetime  not null options (description = "the run's last partition day"),
    source         string    not null,
    run_id         string    not null options (description = "the Dagster run that made the call"),
    vendor         string    not null,
    method         string    not null,
    endpoint       string    not null options (description = "the path with every id as {id}, no query string"),
    status         int64     options (description = "the last HTTP status; null when no answer came"),
    outcome        string    not null options (description = "ok, transient_error, permanent_error or error"),
    attempts       int64     not null options (description = "HTTP requests sent for the call, retries included"),
    retries        int64     not null,
    latency_ms     float64   not null,
    called_at      timestamp not null
)
partition by datetime_trunc(partition_date, day)
cluster by vendor, outcome
options (description = 'Vendor API calls of the crm ingest; see journey_assets/connectors/http.py');

create table if not exists ops.vendor_calls_dms (
    partition_date datetime  not null options (description = "the run's last partition day"),
    source         string    not null,
    run_id         string    not null options (description = "the Dagster run that made the call"),
    vendor         string    not null,
    method         string    not null,
    endpoint       string    not null options (description = "the path with every id as {id}, no query string"),
    status         int64     options (description = "the last HTTP status; null when no answer came"),
    outcome        string    not null options (description = "ok, transient_error, permanent_error or error"),
    attempts       int64     not null options (description = "HTTP requests sent for the call, retries included"),
    retries        int64     not null,
    latency_ms     float64   not null,
    called_at      timestamp not null
)
partition by datetime_trunc(partition_date, day)
cluster by vendor, outcome
options (description = 'Vendor API calls of the dms ingest; see journey_assets/connectors/http.py');
