"""Customer.io's reporting webhooks at the intake: an unsubscribe suppresses marketing email at once.

The warehouse counts every reporting event (sent, delivered, opened, ...) from the intake's store; the
response plane acts on one: `unsubscribed` (from an email's link, or the person's own preference) puts the
address on the ledger's suppression list, the STOP list that the retention campaigns read before any
marketing send (`activation/campaigns.py`), so no campaign waits for the nightly warehouse to see it. The
address is kept as `email:<address>` beside the STOP list's phone numbers (raw, as the phones are: it has to
match). A later `subscribed` lifts it. The nightly warehouse takes the same events into dim_customers'
email_consent and the Customer.io people sync's `unsubscribed` attribute (decision 1151).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from journey_assets.response.ledger import DONE
from journey_assets.response.model import Event, EventOutcome

if TYPE_CHECKING:
    from journey_assets.response.runner import Runner

KIND = "customerio_reporting"
SUBSCRIPTION_TYPES = frozenset(
    {"email_unsubscribed", "customer_unsubscribed", "customer_subscribed", "email_subscribed"}
)
EMAIL_SUPPRESSION = "email_suppression"


def email_suppression_key(email: str) -> str:
    """The ledger's suppression key of an email address (the STOP list keys phones by their E.164)."""
    return "email:" + email.strip().lower()


def handles(event_type: str) -> bool:
    """Whether the response plane acts on this reporting event (the others are the warehouse's)."""
    return event_type in SUBSCRIPTION_TYPES


def reporting(run: Runner, event: Event) -> EventOutcome:
    outcome = EventOutcome(event.event_id, event.kind, event.event_type, "ignored")
    if not handles(event.event_type):
        return outcome
    data = event.payload.get("data") or {}
    email = data.get("email_address") or (data.get("identifiers") or {}).get("email")
    if not email:
        outcome.result = "subscription_without_email"
        return outcome
    suppress = event.event_type.endswith("_unsubscribed")
    # the event's own time: a retried webhook or an older one arriving late does not undo a newer change
    state = run.ledger.set_suppression(email_suppression_key(email), suppress, event.event_type, event.occurred_at)
    run.ledger.finish(event.event_id, EMAIL_SUPPRESSION, DONE, run.now(), detail={"state": state.state})
    run.log.info(f"respond: an email address {state.state} by Customer.io {event.event_type}")
    outcome.result = "email_opt_out" if suppress else "email_opt_in"
    return outcome
