"""The response workflow: what happens to each batch of events the intake stored.

`respond(events, deps)` takes events in commit order (the intake's `StoredEvent`s
or the ledger's retry copies) and answers each by its kind:

* `twilio_inbound`, `twilio_status`: `twilio_events.py` (STOP/START/HELP, message states);
* `intent`: `leads.py` (which events make a lead, and the lead's actions);
* `meta_leadgen`: `lead_ads.py` (a lead-ads webhook: the lead read by id, answered as a form lead);
* `conversion`: `conversions.py` (the person's CRM leads move to the sale's status, a sale closes their
  Wrike tasks);
* `customerio_reporting`: `customerio_events.py` (an unsubscribe suppresses marketing email; the other
  reporting events are the warehouse's, and `wants` tells the sensor not to launch runs for them);
* anything else is ignored.

The runner (`runner.py`) claims each action in the ledger per (event, action)
so a retried run sends nothing twice, records outcomes and dead letters, queues
retries, and answers different customers in parallel while one customer's
events stay in order. Each action is one module in `actions/`; whether a
message may go now is `journey.send_policy.decide_send`. In dry-run mode every
outbound call is logged and recorded as `dry_run`, nothing is sent.

No raw contact data goes to the logs: phone numbers are masked, names and
emails are not logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from journey_assets.response import conversions, customerio_events, lead_ads, leads, twilio_events
from journey_assets.response.leads import HIGH_INTENT_TYPES
from journey_assets.response.model import Event, EventOutcome, RespondReport, ResponseConfig, ResponseDeps
from journey_assets.response.runner import Runner, not_delivered

HANDLERS = {
    "twilio_inbound": twilio_events.inbound,
    "twilio_status": twilio_events.status,
    "intent": leads.intent,
    "meta_leadgen": lead_ads.meta_lead,
    "customerio_reporting": customerio_events.reporting,
    "conversion": conversions.conversion,
}


def wants(kind: str, event_type: str) -> bool:
    """False for an event the workflow only ignores by design: Customer.io's reporting events other than
    (un)subscribes, which come in bulk for the warehouse. The sensor launches no run for a batch of those."""
    if kind == customerio_events.KIND:
        return customerio_events.handles(event_type)
    return True


def dispatch(run: Runner, event: Event) -> EventOutcome:
    handler = HANDLERS.get(event.kind)
    if handler is None:
        return EventOutcome(event.event_id, event.kind, event.event_type, "ignored")
    return handler(run, event)


def respond(events: Iterable[Any], deps: ResponseDeps) -> RespondReport:
    """Run the workflow over one batch of events (commit order); see the module docstring."""
    return Runner(deps, dispatch).run(events)


def respond_due(deps: ResponseDeps, limit: int = 100) -> RespondReport:
    """Pass again over events whose deferred or pending actions are due (quiet hours over, backoff elapsed)."""
    items = deps.ledger.due_retries(deps.now(), limit)
    return Runner(deps, dispatch).run(item.event for item in items)


__all__ = [
    "Event",
    "EventOutcome",
    "HIGH_INTENT_TYPES",
    "RespondReport",
    "ResponseConfig",
    "ResponseDeps",
    "not_delivered",
    "respond",
    "respond_due",
]
