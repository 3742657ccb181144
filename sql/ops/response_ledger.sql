-- The response ledger's copy in the warehouse: written whole each night by the Dagster multi-asset
-- ops/response_ledger (journey_assets/defs/ops/response_ledger.py; columns declared by
-- journey_assets/sources/response.py). No payload and no phone number: ids, statuses and times only.
-- Run once per project:
--     bq query --use_legacy_sql=false < sql/ops/response_ledger.sql

create table if not exists ops.response_actions (
    event_id     string    not null options (description = "the intake event the action answered"),
    action       string    not null options (description = "sms, crm_lead, crm_adf, wrike_task, slack_alert, ..."),
    vendor       string    options (description = "the vendor the action calls (twilio, crm, wrike, ...)"),
    status       string    not null options (description = "done, skipped, failed, in_doubt, dry_run, pending, deferred, sending"),
    attempts     int64     not null,
    vendor_ref   string    options (description = "the vendor's id of what was made (a message SID, a CRM lead id)"),
    started_at   timestamp options (description = "when the latest attempt was claimed"),
    finished_at  timestamp options (description = "when a terminal outcome was recorded; null while open"),
    updated_at   timestamp not null,
    retry_at     timestamp,
    event_kind   string    options (description = "the intake event's kind (intent, meta_leadgen, ...)"),
    event_type   string,
    event_source string    options (description = "where the event came from (website, chat, meta_lead_ads, ...)"),
    dealer_id    string,
    occurred_at  timestamp,
    received_at  timestamp options (description = "when the intake read the request: the lead's arrival"),
    loaded_at    timestamp not null
)
cluster by dealer_id, action
options (description = 'Response ledger actions; see journey_assets/defs/ops/response_ledger.py');

create table if not exists ops.response_messages (
    sid         string    not null options (description = "Twilio's message SID"),
    event_id    string,
    status      string    not null options (description = "the latest Twilio status (delivered, undelivered, failed, ...)"),
    error_code  string,
    updated_at  timestamp not null,
    loaded_at   timestamp not null
)
options (description = 'Response ledger SMS states; see journey_assets/defs/ops/response_ledger.py');
