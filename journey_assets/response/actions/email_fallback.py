"""email_fallback: a Customer.io transactional email when the SMS was refused or could not be sent.

Not idempotent at Customer.io (a repeat is a second email) and not looked up
there: an uncertain send is dead-lettered in doubt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from journey_assets.journey.consent import Category, Channel, consent_decision
from journey_assets.journey.templates import Stage, render_stage
from journey_assets.response.actions.base import Action
from journey_assets.response.lead import Lead, alt_label
from journey_assets.response.ledger import SKIPPED
from journey_assets.response.model import Done, Refused

if TYPE_CHECKING:
    from journey_assets.response.runner import Runner


class EmailFallback(Action[Lead]):
    name, vendor, idempotent = "email_fallback", "customerio", False

    def describe(self, lead: Lead) -> dict[str, Any]:
        return {"channel": "email", "why": lead.sms_problem, "event_type": lead.event.event_type}

    def work(self, run: Runner, lead: Lead) -> Done:
        now, contact, event = run.now(), lead.contact, lead.event
        if not contact.email:
            raise Refused(SKIPPED, f"SMS not possible ({lead.sms_problem}) and no email address")
        state = contact.consent_state(sms_opted_out=True)
        decision = consent_decision(state, Channel.EMAIL, Category.TRANSACTIONAL)
        if not decision.allowed:
            raise Refused(SKIPPED, f"consent: {decision.reason}")
        extra = {} if lead.vehicle_ref() else {"vehicle": lead.vehicle_label()}
        stage = Stage.LEAD_ACKNOWLEDGEMENT
        if (
            event.event_type == "test_drive_request"
            and not lead.vehicle_gone
            and lead.appointment()
            and lead.rooftop.address
        ):
            stage = Stage.TEST_DRIVE_CONFIRMATION
        message = render_stage(stage, Channel.EMAIL, lead.template_context(alternatives=False), extra=extra)
        data = {
            "subject": message.subject,
            "body": message.body,
            "first_name": contact.given_name,
            "vehicle": lead.vehicle_label(),
            "rooftop_name": lead.rooftop.name,
            "rooftop_phone": lead.rooftop.phone,
            "alternatives": [alt_label(a) for a in lead.alternatives] if lead.vehicle_gone else [],
            "salesperson": lead.assignment.get("salesperson_name"),
        }
        detail = {"template": message.template_key, "why": lead.sms_problem}
        if run.deps.email is None:
            raise Refused(SKIPPED, "Customer.io is not configured", detail=detail)
        if run.deps.dry_run:
            return run.dry("send a fallback email", {**self.describe(lead), **detail})
        delivery = run.deps.email.send_email(
            run.cfg.fallback_email_message_id, contact.email, {"email": contact.email}, data
        )
        run.log.info(f"respond: fallback email for {event.event_id} ({lead.sms_problem}): {delivery.delivery_id}")

        def writes() -> None:
            run.ledger.add_touch(
                contact.keys, Channel.EMAIL.value, Category.TRANSACTIONAL.value, now, f"{event.event_id}:email"
            )

        return Done(delivery.delivery_id, detail, writes)
