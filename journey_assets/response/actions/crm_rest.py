"""crm_lead: the lead in the CRM's REST API, keyed by `external_id` = the event id (idempotent there)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from journey_assets.response.actions.base import Action
from journey_assets.response.lead import Lead
from journey_assets.response.ledger import SKIPPED
from journey_assets.response.model import Done, Refused

if TYPE_CHECKING:
    from journey_assets.response.runner import Runner

VEHICLE_FIELDS = ("vin", "stock_number", "year", "make", "model", "trim", "condition", "price")


def lead_body(lead: Lead) -> dict[str, Any]:
    contact, vehicle = lead.contact, lead.vehicle
    customer = {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "name": contact.full_name,
        "email": contact.email,
        "phone": contact.phone,
        "postal_code": contact.postal_code,
    }
    body = {
        "dealer_id": lead.rooftop.dealer_id,
        "customer_id": contact.customer_id,
        "customer": {k: v for k, v in customer.items() if v},
        "lead_type": "sales",
        "source": lead.event.payload.get("source") or "website",
        "vehicle_uuid": vehicle.get("vehicle_id"),
        "vehicle": {k: vehicle.get(k) for k in VEHICLE_FIELDS if vehicle.get(k) is not None},
        "salesperson_id": lead.assignment.get("salesperson_id"),
        "status": "new",
        "comments": lead.comments(),
    }
    return {k: v for k, v in body.items() if v is not None}


class CreateCrmLead(Action[Lead]):
    name, vendor, idempotent = "crm_lead", "crm", True

    def describe(self, lead: Lead) -> dict[str, Any]:
        return {"external_id": lead.event_id}

    def work(self, run: Runner, lead: Lead) -> Done:
        if run.deps.crm is None:
            raise Refused(SKIPPED, "CRM is not configured")
        body = lead_body(lead)
        if run.deps.dry_run:
            return run.dry("create a CRM lead", {"external_id": lead.event_id, "dealer_id": lead.rooftop.dealer_id})
        created = run.deps.crm.create_lead(body, external_id=lead.event_id)
        lead.crm_lead_id = created.id
        return Done(created.id, {"created": created.created})


def crm_lead(run: Runner, lead: Lead) -> None:
    record = run.act(lead.event, CreateCrmLead(), lead)
    if record.vendor_ref:
        lead.crm_lead_id = record.vendor_ref
