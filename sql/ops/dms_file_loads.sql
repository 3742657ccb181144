-- Every DMS file a run saw, one row per file and run: loaded, reloaded, duplicate (skipped) or quarantined, with
-- the reason. Written by the Dagster asset ops/dms_file_loads (journey_assets/sources/dms.py); a re-run replaces
-- its export dates. The first partition also holds the files of every earlier export date (a first run loads
-- the whole history), so its partition expression is greatest(export_date, <first partition>).
-- DATETIME partition column: see sql/raw/ga4_sessions.sql.
create table if not exists ops.dms_file_loads (
    export_date    datetime  not null options (description = 'the export date in the file name (partition)'),
    name           string    not null options (description = 'the file name, <sales|service>_<dealer_id>_<YYYYMMDD>.csv'),
    kind           string    options (description = 'sales or service; null when the name is not recognised'),
    dealer_id      string,
    checksum       string    not null options (description = 'SHA-256 of the file bytes, the load-once identity'),
    status         string    not null options (description = 'loaded, reloaded, duplicate or quarantined'),
    reason         string    options (description = 'why a file was quarantined or skipped'),
    rows           int64,
    rejected_rows  int64,
    loaded_at      timestamp not null
)
partition by datetime_trunc(export_date, day)
cluster by dealer_id, status
options (description = 'DMS landing-zone file log; see journey_assets/sources/dms.py');
