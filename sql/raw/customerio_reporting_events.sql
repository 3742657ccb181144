-- Customer.io's reporting webhooks: every event the intake stored (POST /customerio/reporting), replaced whole
-- by raw/customerio_reporting_events (journey_assets/defs/ingest/customerio_reporting.py; columns declared by
-- journey_assets/sources/customerio_reporting.py). One row per Customer.io event id.
create table if not exists raw.customerio_reporting_events (
    event_id                 string    not null options (description = "Customer.io's event id (a ULID): the dedupe key"),
    object_type              string    not null options (description = 'email, sms, push, customer, ...'),
    metric                   string    not null options (description = 'sent, delivered, opened, clicked, bounced, unsubscribed, ...'),
    occurred_at              timestamp not null options (description = "the event's time (Customer.io's timestamp)"),
    received_at              timestamp not null options (description = 'when the intake read the request'),
    customer_id              string    options (description = 'the id the person was identified with in Customer.io'),
    email_address            string    options (description = 'PII: where the message went, lowercased'),
    delivery_id              string    options (description = 'one message to one person'),
    campaign_id              string,
    broadcast_id             string,
    newsletter_id            string,
    action_id                string,
    transactional_message_id string,
    payload                  string    options (description = 'PII: the whole event as Customer.io sent it (JSON)'),
    loaded_at                timestamp not null
)
cluster by metric
options (description = 'Customer.io reporting webhooks; see journey_assets/defs/ingest/customerio_reporting.py');
