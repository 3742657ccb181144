"""sms: the lead's text, by stage, through the send policy, then Twilio.

Template by stage (`templates.render_stage`): test-drive confirmation when a
time was asked for, the alternatives message when the vehicle is gone and
marketing consent allows it, else the lead acknowledgement; a lead made of
repeated VDP views gets `VDP_INTEREST_SMS`, a marketing text (nobody asked us
anything), so it needs express written consent. Then `journey.send_policy`:
consent (the ledger's suppression list and the event's flags), quiet hours in
the customer's zone (ZIP, else the rooftop's; a fresh test-drive confirmation
takes the explicit, logged transactional override), caps over the ledger's
touches. Deferred -> `deferred` with `retry_at`; refused -> `skipped` with the
reason. A permanent Twilio refusal (21610, 21211, ...) -> `failed` (21610
also suppresses the number) and the email fallback.

Not idempotent at Twilio, but it reconciles: after a timeout, a reset or a 5xx
the runner looks the message up in Twilio's Messages list (by To, created at
or after the attempt, sent yet or still queued) and matches it on its body, the
marker we control; it is sent again only when Twilio has no such message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from journey_assets.connectors.twilio import RecipientOptedOutError, TwilioClient, TwilioMessage
from journey_assets.journey.consent import Category, Channel, consent_decision
from journey_assets.journey.frequency import Touch
from journey_assets.journey.quiet_hours import QuietHoursOverride, resolve_timezone
from journey_assets.journey.send_policy import Rule, SendRequest, Verdict, decide_send
from journey_assets.journey.templates import (
    MessageTemplate,
    RenderedMessage,
    Stage,
    TemplateError,
    render,
    render_stage,
)
from journey_assets.response.actions.base import Action, Found, Lookup
from journey_assets.response.contact import mask_phone
from journey_assets.response.lead import Lead, alt_label
from journey_assets.response.ledger import DEFERRED, FAILED, SKIPPED
from journey_assets.response.model import Done, Refused

if TYPE_CHECKING:
    from journey_assets.response.ledger import ResponseLedger
    from journey_assets.response.runner import Runner

VDP_VIEW = "vdp_view"
CLOCK_SKEW = timedelta(minutes=1)  # Twilio's clock against ours, for "created at or after the attempt"

# The text for a shopper who keeps coming back to a vehicle page. The templates module has no stage
# for it; it is marketing (nobody asked us anything), so it carries the opt-out line.
VDP_INTEREST_SMS = MessageTemplate(
    "vdp_interest_sms",
    Stage.LEAD_ACKNOWLEDGEMENT,
    Channel.SMS,
    Category.MARKETING,
    "$rooftop_name: $greeting, still thinking about the $vehicle? It's here and ready for a test drive. "
    "Call us at $rooftop_phone.",
)


def compose_sms(lead: Lead, *, marketing_ok: bool) -> RenderedMessage:
    extra = {} if lead.vehicle_ref() else {"vehicle": lead.vehicle_label()}
    alternatives = lead.vehicle_gone and lead.alternatives and marketing_ok
    if lead.event.event_type == VDP_VIEW:
        # nobody asked us anything: a text about browsing is marketing (express written consent,
        # marketing caps, no quiet-hours override)
        if alternatives:
            return render_stage(
                Stage.INVENTORY_ALTERNATIVES, Channel.SMS, lead.template_context(alternatives=True), extra=extra
            )
        return render(VDP_INTEREST_SMS, lead.template_context(alternatives=False), extra=extra)
    if alternatives:
        return render_stage(
            Stage.INVENTORY_ALTERNATIVES, Channel.SMS, lead.template_context(alternatives=True), extra=extra
        )
    if lead.event.event_type == "test_drive_request" and not lead.vehicle_gone and lead.appointment():
        return render_stage(
            Stage.TEST_DRIVE_CONFIRMATION, Channel.SMS, lead.template_context(alternatives=False), extra=extra
        )
    return render_stage(Stage.LEAD_ACKNOWLEDGEMENT, Channel.SMS, lead.template_context(alternatives=False), extra=extra)


def find_sent(
    run: Runner, event_id: str, phone: str, body: str, since: datetime
) -> tuple[Lookup, TwilioMessage | None]:
    """Twilio's word on whether `body` went to `phone` at or after `since` (see the module docstring)."""
    twilio = run.deps.twilio
    if twilio is None:
        return Lookup(Found.UNKNOWN, "Twilio is not configured"), None
    message = message_sent_for(twilio, run.ledger, event_id, phone, body, since)
    if message is not None:
        return Lookup(Found.SENT, f"Twilio has {message.sid} ({message.status})"), message
    earliest = since - CLOCK_SKEW
    return Lookup(Found.ABSENT, f"no message with this body to {mask_phone(phone)} since {earliest.isoformat()}"), None


def message_sent_for(
    twilio: TwilioClient, ledger: ResponseLedger, event_id: str, phone: str, body: str, since: datetime
) -> TwilioMessage | None:
    """The message Twilio holds with `body` for `phone` since `since` (queued or sent) that no other event owns.

    The lookup after a lost response, shared by the responder and the retention campaigns."""
    for message in twilio.messages_created_since(phone, since - CLOCK_SKEW):
        if message.body != body:
            continue
        owner = ledger.message(message.sid)
        if owner is not None and owner.event_id not in (None, event_id):
            continue  # the same words sent for another event
        return message
    return None


def sent_writes(run: Runner, lead: Lead, sent: TwilioMessage, category: str, at: datetime):
    def writes() -> None:
        run.ledger.record_message(
            sent.sid, sent.status, at, event_id=lead.event_id, to_masked=lead.contact.phone_masked
        )
        run.ledger.add_touch(lead.contact.keys, Channel.SMS.value, category, at, f"{lead.event_id}:sms")

    return writes


class SendSms(Action[Lead]):
    name, vendor, idempotent, reconciles = "sms", "twilio", False, True

    def describe(self, lead: Lead) -> dict:
        return {"to": lead.contact.phone_masked, "event_type": lead.event.event_type}

    def _message(self, run: Runner, lead: Lead):
        contact = lead.contact
        state = contact.consent_state(sms_opted_out=run.ledger.is_suppressed(contact.phone))
        marketing = consent_decision(state, Channel.SMS, Category.MARKETING)
        try:
            return state, compose_sms(lead, marketing_ok=marketing.allowed)
        except TemplateError as exc:
            raise Refused(FAILED, f"template: {exc}") from None

    def work(self, run: Runner, lead: Lead) -> Done:
        now, contact, event = run.now(), lead.contact, lead.event
        if not contact.phone:
            if lead.phone_problem:
                raise Refused(
                    SKIPPED,
                    f"no usable phone number: {lead.phone_problem}",
                    detail={"fallback": True, "unusable": {"phone": lead.phone_problem}},
                )
            raise Refused(SKIPPED, "no phone number to text", detail={"fallback": True})
        state, message = self._message(run, lead)
        override = None
        age = now - event.occurred_at
        if message.stage is Stage.TEST_DRIVE_CONFIRMATION and age <= run.cfg.override_window:
            override = QuietHoursOverride(
                f"test-drive confirmation the customer asked for {int(age.total_seconds())} s ago",
                approved_by="policy:respond",
            )
        touches = [
            Touch(t.at, Channel(t.channel), Category(t.category))
            for t in run.ledger.touches(contact.keys, since=now - timedelta(days=8))
        ]
        decision = decide_send(
            SendRequest(
                Channel.SMS,
                message.category,
                state,
                now,
                resolve_timezone(contact.postal_code, None, rooftop_tz=lead.rooftop.timezone),
                touches,
                run.cfg.frequency_policy,
                quiet_hours_override=override,
            )
        )
        if decision.rule is Rule.CONSENT and not decision.allowed:
            code = decision.consent_code.value if decision.consent_code else None
            raise Refused(SKIPPED, decision.reason, detail={"consent": code, "fallback": True})
        detail: dict = {
            "template": message.template_key,
            "category": message.category.value,
            "segments": message.segments.segments if message.segments else None,
            "encoding": message.segments.encoding.value if message.segments else None,
            "consent": decision.consent_reason,
        }
        if lead.vehicle_gone:
            detail["alternatives"] = (
                [alt_label(a) for a in lead.alternatives] if message.stage is Stage.INVENTORY_ALTERNATIVES else []
            )
        detail["quiet_hours"] = decision.quiet_hours_reason
        if decision.verdict is Verdict.DEFERRED and decision.rule is Rule.QUIET_HOURS:
            raise Refused(
                DEFERRED, decision.reason, retry_at=decision.send_at, detail={**detail, "local": decision.local_times}
            )
        if decision.quiet_hours_override:
            detail["quiet_hours_override"] = decision.quiet_hours_override
            run.log.info(
                f"respond: quiet-hours override for {event.event_id} to {contact.phone_masked}: "
                f"{decision.quiet_hours_override}; local {decision.local_times}"
            )
        if decision.verdict is Verdict.DEFERRED:
            raise Refused(DEFERRED, decision.reason, retry_at=decision.send_at, detail=detail)
        if decision.verdict is Verdict.REFUSED:
            raise Refused(SKIPPED, decision.reason, detail=detail)
        if run.deps.twilio is None:
            raise Refused(SKIPPED, "Twilio is not configured", detail=detail)
        if run.deps.dry_run:
            return run.dry("send an SMS", {**self.describe(lead), **detail})
        try:
            sent = run.deps.twilio.send_sms(contact.phone, message.body)
        except RecipientOptedOutError:
            # Twilio's own block list says STOP: honour it in ours at once
            run.ledger.set_suppression(contact.phone, True, "21610", now)
            raise
        run.log.info(
            f"respond: SMS {message.template_key} to {contact.phone_masked} for {event.event_id}: "
            f"{sent.sid} {sent.status}"
        )
        return Done(
            sent.sid,
            {**detail, "twilio_status": sent.status},
            sent_writes(run, lead, sent, message.category.value, now),
        )

    def reconcile(self, run: Runner, lead: Lead, since: datetime) -> Lookup:
        if not lead.contact.phone:
            return Lookup(Found.ABSENT, "no phone number: nothing can have been sent")
        _, message = self._message(run, lead)
        found, sent = find_sent(run, lead.event_id, lead.contact.phone, message.body, since)
        if sent is None:
            return found
        writes = sent_writes(run, lead, sent, message.category.value, run.now())
        detail = {"template": message.template_key, "category": message.category.value, "twilio_status": sent.status}
        return Lookup(found.found, found.reason, Done(sent.sid, detail, writes))
