"""Twilio's callbacks at the intake: an inbound text (STOP, START, HELP, free text) and a message status.

* **twilio_inbound**: `classify_inbound` on the body. STOP family: the number is
  suppressed at once (before any later event of that customer is looked at);
  START family: restored; HELP: the `help_reply` action. Free text that mentions
  an opt-out word is flagged for a person (`inbound_review`).
* **twilio_status**: the message's state in the ledger moves forward; a final
  `undelivered`/`failed` goes to the dead letter with Twilio's error code
  (21610 also suppresses the number).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from journey_assets.journey.consent import KeywordType, classify_inbound
from journey_assets.response.actions.help_reply import HelpReply, HelpRequest
from journey_assets.response.config import RooftopInfo
from journey_assets.response.contact import mask_phone
from journey_assets.response.ledger import DONE
from journey_assets.response.model import Event, EventOutcome

if TYPE_CHECKING:
    from journey_assets.response.runner import Runner

FINAL_FAILURES = frozenset({"undelivered", "failed"})
INBOUND_REVIEW, SUPPRESSION = "inbound_review", "suppression"


def _rooftop_for(run: Runner, event: Event) -> RooftopInfo | None:
    rooftop = run.deps.roster.rooftop(event.dealer_id)
    if rooftop is None and run.deps.roster.rooftops:
        rooftop = sorted(run.deps.roster.rooftops.values(), key=lambda r: r.dealer_id)[0]
    return rooftop


def inbound(run: Runner, event: Event) -> EventOutcome:
    params = event.payload.get("params") or {}
    phone = event.payload.get("from_phone")
    outcome = EventOutcome(event.event_id, event.kind, event.event_type, "inbound")
    classified = classify_inbound(params.get("Body"))
    if not phone:
        outcome.result = "inbound_without_phone"
        return outcome
    if classified.kind in (KeywordType.OPT_OUT, KeywordType.OPT_IN):
        suppress = classified.kind is KeywordType.OPT_OUT
        state = run.ledger.set_suppression(phone, suppress, classified.keyword or "", event.received_at)
        run.ledger.finish(
            event.event_id, SUPPRESSION, DONE, run.now(), detail={"keyword": classified.keyword, "state": state.state}
        )
        run.log.info(f"respond: {mask_phone(phone)} {state.state} by {classified.keyword}")
        outcome.result = "opt_out" if suppress else "opt_in"
    elif classified.kind is KeywordType.HELP:
        run.act(event, HelpReply(), HelpRequest(event, phone, _rooftop_for(run, event), run.cfg.vendor_name))
        outcome.result = "help"
    elif classified.possible_opt_out:
        run.ledger.finish(
            event.event_id,
            INBOUND_REVIEW,
            DONE,
            run.now(),
            detail={"possible_opt_out": True, "from": mask_phone(phone)},
        )
        run.log.warning(f"respond: inbound text from {mask_phone(phone)} may revoke consent; a person should read it")
        outcome.result = "needs_review"
    run.finish_event(event, outcome)
    return outcome


def status(run: Runner, event: Event) -> EventOutcome:
    params = event.payload.get("params") or {}
    sid, state = params.get("MessageSid"), params.get("MessageStatus") or event.event_type
    error_code = params.get("ErrorCode") or None
    outcome = EventOutcome(event.event_id, event.kind, event.event_type, "status")
    if not sid:
        outcome.result = "status_without_sid"
        return outcome
    row = run.ledger.record_message(sid, state, event.received_at, error_code=error_code)
    if state in FINAL_FAILURES and row.status == state:
        reason = f"message {state}" + (f": Twilio error {error_code}" if error_code else "")
        run.ledger.add_dead_letter(
            row.event_id or event.event_id,
            "sms",
            "twilio",
            reason,
            {"sid": sid, "to": row.to_masked, "error_code": error_code},
            run.now(),
        )
        if error_code == "21610" and event.payload.get("to_phone"):
            run.ledger.set_suppression(event.payload["to_phone"], True, "21610", event.received_at)
    outcome.result = f"status:{row.status}"
    return outcome
