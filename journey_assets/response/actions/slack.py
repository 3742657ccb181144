"""slack_alert: the hot-lead alert for the sales floor (the tiers whose `ResponseConfig.routing` rule alerts).

Retried after an uncertain failure (`idempotent`): a duplicate alert beats a missing one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from journey_assets.connectors.slack import HotLeadAlert
from journey_assets.response.actions.base import Action
from journey_assets.response.lead import EVENT_LABEL, Lead
from journey_assets.response.ledger import SKIPPED
from journey_assets.response.model import Done, Refused

if TYPE_CHECKING:
    from journey_assets.response.runner import Runner


class PostSlackAlert(Action[Lead]):
    name, vendor, idempotent = "slack_alert", "slack", True

    def describe(self, lead: Lead) -> dict[str, Any]:
        return {"event_id": lead.event_id}

    def work(self, run: Runner, lead: Lead) -> Done:
        band = lead.score.band.value
        alerting = run.cfg.routing.alert_tiers
        if band not in alerting:
            raise Refused(SKIPPED, f"{band} lead: alerts go out for {sorted(alerting)}")
        if run.deps.slack is None:
            raise Refused(SKIPPED, "Slack is not configured")
        event = lead.event
        vehicle = lead.vehicle_label()
        if lead.vehicle.get("stock_number"):
            vehicle += f" (stock {lead.vehicle['stock_number']})"
        if lead.vehicle_gone:
            vehicle += " - no longer in stock, see the task for alternatives"
        alert = HotLeadAlert(
            lead_id=lead.crm_lead_id or event.event_id,
            first_name=lead.contact.given_name,
            phone=lead.contact.phone,
            score=lead.score.score,
            band=band,
            dealer_name=lead.rooftop.name,
            vehicle=vehicle,
            source=event.payload.get("source") or EVENT_LABEL.get(event.event_type),
            salesperson=lead.assignment.get("salesperson_name"),
            received_at=event.received_at.astimezone(ZoneInfo(lead.rooftop.timezone)),
            reasons=tuple(r.detail for r in lead.score.reasons),
        )
        if run.deps.dry_run:
            return run.dry("post a Slack alert", {"lead_id": alert.lead_id, "dealer": alert.dealer_name})
        run.deps.slack.post_hot_lead(alert)
        return Done(alert.lead_id, {"band": band})
