-- One quarantine table per ingest source: the rows that failed validation, with every reason and the whole
-- payload as JSON, so whoever fixes the source can reload them. Written by each ingest asset's `rejected`
-- output (journey_assets/defs/ingest/common.py quarantine_frame); a re-run replaces its day.
-- BigQuery scripting: run once per project (bq query --use_legacy_sql=false < sql/ops/quarantine.sql).
-- snapshot_date is DATETIME for the reason given in sql/raw/dealer_inventory.sql.
for source in (
    select name from unnest([
        'dealer_inventory', 'ga4', 'google_ads', 'gbp', 'pagespeed',
        'meta_ads', 'meta_leads', 'metricool', 'dms', 'crm'
    ]) as name
) do
    execute immediate format("""
        create table if not exists ops.quarantine_%s (
            snapshot_date  datetime  not null options (description = 'the partition the record arrived in'),
            source         string    not null,
            dealer_id      string,
            record_key     string    options (description = 'the record''s own id, when it had one'),
            reason         string    not null options (description = 'every check it failed, separated by "; "'),
            payload        string    not null options (description = 'the record as received, JSON'),
            loaded_at      timestamp not null
        )
        partition by datetime_trunc(snapshot_date, day)
        cluster by dealer_id
    """, source.name);
end for;
