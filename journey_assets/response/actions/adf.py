"""crm_adf: the lead as ADF/XML 1.0 to the CRM's ADF endpoint (idempotent there: the prospect id)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from journey_assets.journey.adf import AdfValidationError, build_adf
from journey_assets.journey.adf_lead import AdfPerson, AdfRooftop, adf_lead
from journey_assets.response.actions.base import Action
from journey_assets.response.lead import Lead, alt_label
from journey_assets.response.ledger import FAILED, SKIPPED
from journey_assets.response.model import Done, Refused

if TYPE_CHECKING:
    from journey_assets.response.runner import Runner


def adf_document(lead: Lead, provider_name: str) -> str:
    contact, rooftop = lead.contact, lead.rooftop
    return build_adf(
        adf_lead(
            event_id=lead.event_id,
            event_type=lead.event.event_type,
            occurred_at=lead.event.occurred_at,
            person=AdfPerson(contact.first_name, contact.last_name, contact.full_name, contact.email, contact.phone),
            vehicle=lead.vehicle,
            rooftop=AdfRooftop(rooftop.dealer_id, rooftop.name, rooftop.phone),
            provider_name=provider_name,
            source=lead.event.payload.get("source") or "website",
            comments=lead.comments(),
            alternatives=[alt_label(a) for a in lead.alternatives] if lead.vehicle_gone else None,
        )
    )


class PostAdfLead(Action[Lead]):
    name, vendor, idempotent = "crm_adf", "crm", True

    def describe(self, lead: Lead) -> dict[str, Any]:
        return {"prospect_id": lead.event_id}

    def work(self, run: Runner, lead: Lead) -> Done:
        if run.deps.crm is None:
            raise Refused(SKIPPED, "CRM is not configured")
        if not all(lead.vehicle.get(part) for part in ("year", "make", "model")):
            # ADF 1.0 requires a vehicle; the lead named none, and inventing one would
            # mislead the salesperson. The REST lead carries the lead without it.
            raise Refused(SKIPPED, "ADF 1.0 needs a vehicle with year, make and model; the lead named none")
        try:
            document = adf_document(lead, run.cfg.vendor_name)
        except AdfValidationError as exc:
            raise Refused(FAILED, str(exc)) from None
        if run.deps.dry_run:
            return run.dry("post an ADF lead", {"prospect_id": lead.event_id, "bytes": len(document)})
        created = run.deps.crm.submit_adf(document)
        return Done(created.id, {"created": created.created, "bytes": len(document)})
