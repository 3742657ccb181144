"""`intake_events_sensor`: reads the intake's event store by cursor and launches one `respond` run a batch.

Each tick reads up to `MAX_BATCHES_PER_TICK` batches of `respond_settings.batch_size`
events after the cursor and asks for one run per batch, its run key the
cursor range (`events:<after>-><to>`), so a tick that is evaluated twice
(a daemon restart before the cursor was saved) launches nothing twice; the
ledger makes a repeated run harmless anyway. When there are no new events but
the ledger's retry queue has something due (a quiet-hours deferral is over, a
transient failure's backoff has passed), it asks for a retry-only run, at most
one a minute. A batch with nothing the workflow acts on (Customer.io's opens and clicks, which only the
warehouse reads) launches no run: the cursor moves past it. A first tick with no cursor starts at the store's beginning
(nothing acknowledged is skipped); the workflow does not answer leads older
than its `max_event_age`.
"""

from datetime import UTC, datetime

import dagster as dg

from journey_assets.defs.respond.job import RESPOND_TAGS, respond_job, run_config_for
from journey_assets.defs.respond.resources import EventStoreResource, RespondSettingsResource, ResponseLedgerResource
from journey_assets.response.workflow import wants

MAX_BATCHES_PER_TICK = 20


@dg.sensor(
    job=respond_job,
    minimum_interval_seconds=2,  # a lead waits at most this long for its run to be asked for
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="New intake events -> one `respond` run per batch (run key = the event range).",
)
def intake_events_sensor(
    context: dg.SensorEvaluationContext,
    respond_events: EventStoreResource,
    respond_ledger: ResponseLedgerResource,
    respond_settings: RespondSettingsResource,
) -> dg.SensorResult | dg.SkipReason:
    store = respond_events.open()
    try:
        cursor = context.cursor or None
        run_requests: list[dg.RunRequest] = []
        for _ in range(MAX_BATCHES_PER_TICK):
            events, next_cursor = store.read_since(cursor, respond_settings.batch_size)
            if not events:
                break
            if not any(wants(e.kind, e.event_type) for e in events):
                cursor = next_cursor
                continue
            first, last = events[0].seq, events[-1].seq
            run_requests.append(
                dg.RunRequest(
                    run_key=f"events:{cursor or '0'}->{next_cursor}",
                    run_config=run_config_for(cursor, len(events), first, last),
                    tags={**RESPOND_TAGS, "journey/events": f"{first}-{last}", "journey/event_count": str(len(events))},
                )
            )
            cursor = next_cursor
    finally:
        store.close()
    if not run_requests:
        now = datetime.now(UTC)
        ledger = respond_ledger.open()
        try:
            due = ledger.next_retry_at()
        finally:
            ledger.close()
        if due is not None and due <= now:
            run_requests.append(
                dg.RunRequest(
                    run_key=f"retry:{now:%Y%m%dT%H%M}",
                    run_config=run_config_for(None, 0),
                    tags={**RESPOND_TAGS, "journey/events": "retries"},
                )
            )
    if not run_requests:
        if cursor != (context.cursor or None):  # only events the workflow ignores: remember they were read
            return dg.SensorResult(run_requests=[], cursor=cursor)
        return dg.SkipReason("no new intake events and no retries due")
    return dg.SensorResult(run_requests=run_requests, cursor=cursor)
