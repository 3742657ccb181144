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

The catch-up path beside `journey respond` (docs/decisions/1301). When the long-running responder's
heartbeat in the ledger (`consumers` row `responder`) is fresh (younger than `RESPONDER_FRESH`), the
sensor leaves new events to it: events its cursor has passed are skipped (the cursor moves, no run),
and an event it has not answered is launched only once it is older than `RESPONDER_GRACE` (the
responder is stuck or behind), so runs still show what the responder could not do and the second pass
is rare. With no responder, or a stale heartbeat, every new event gets a run as before.
"""

import itertools
from datetime import UTC, datetime, timedelta

import dagster as dg

from journey_assets.defs.respond.job import RESPOND_TAGS, respond_job, run_config_for
from journey_assets.defs.respond.resources import EventStoreResource, RespondSettingsResource, ResponseLedgerResource
from journey_assets.intake.store import StoredEvent
from journey_assets.response.workflow import wants

MAX_BATCHES_PER_TICK = 20
RESPONDER = "responder"  # the consumer name `journey respond` keeps its cursor and heartbeat under
RESPONDER_FRESH = timedelta(seconds=10)  # a heartbeat younger than this: the responder is alive
RESPONDER_GRACE = timedelta(seconds=30)  # an event it has not answered after this gets a run of its own


def _seq(cursor: str | None) -> tuple[str, int]:
    """(store id, seq) of a store cursor `<store_id>:<seq>`; ("", 0) for none."""
    if not cursor:
        return "", 0
    store_id, _, seq = cursor.rpartition(":")
    return store_id, int(seq)


def _older_than(events: list[StoredEvent], at: datetime) -> list[StoredEvent]:
    """The leading events (commit order) the intake received before `at`."""
    return list(itertools.takewhile(lambda e: datetime.fromisoformat(e.received_at) < at, events))


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
    now = datetime.now(UTC)
    ledger = respond_ledger.open()
    try:
        responder = ledger.consumer(RESPONDER)
    finally:
        ledger.close()
    live = responder is not None and responder.fresh(now, RESPONDER_FRESH)
    store = respond_events.open()
    cursor = context.cursor or None
    left_to_responder = 0
    try:
        run_requests: list[dg.RunRequest] = []
        for _ in range(MAX_BATCHES_PER_TICK):
            events, next_cursor = store.read_since(cursor, respond_settings.batch_size)
            if not events:
                break
            if not any(wants(e.kind, e.event_type) for e in events):
                cursor = next_cursor
                continue
            if live:
                # What the responder has answered is skipped; what it has not, within the grace, waits for it.
                store_id, _ = _seq(next_cursor)
                responder_store, answered = _seq(responder.position)  # type: ignore[union-attr]
                if responder_store != store_id:
                    answered = 0  # its cursor is of another store (replaced): nothing counts as answered
                waiting = [e for e in events if e.seq > answered]
                left_to_responder += len(events) - len(waiting)
                stale = _older_than(waiting, now - RESPONDER_GRACE)
                if not waiting:
                    cursor = next_cursor
                    continue
                skipped_to = f"{store_id}:{waiting[0].seq - 1}"
                if not stale:
                    cursor = skipped_to if waiting[0].seq - 1 > _seq(cursor)[1] else cursor
                    left_to_responder += len(waiting)
                    break
                events, cursor, next_cursor = stale, skipped_to, f"{store_id}:{stale[-1].seq}"
            first, last = events[0].seq, events[-1].seq
            run_requests.append(
                dg.RunRequest(
                    run_key=f"events:{cursor or '0'}->{next_cursor}",
                    run_config=run_config_for(cursor, len(events), first, last),
                    tags={**RESPOND_TAGS, "journey/events": f"{first}-{last}", "journey/event_count": str(len(events))},
                )
            )
            cursor = next_cursor
            if live and len(events) < respond_settings.batch_size:
                break  # the rest of this read is the responder's (or waits for it)
    finally:
        store.close()
    if not run_requests:
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
        reason = (
            f"the responder is answering ({left_to_responder} new event(s) left to it); no retries due"
            if live
            else "no new intake events and no retries due"
        )
        return (
            dg.SensorResult(skip_reason=reason, cursor=cursor)
            if cursor != (context.cursor or None)
            else dg.SkipReason(reason)
        )
    return dg.SensorResult(run_requests=run_requests, cursor=cursor)
