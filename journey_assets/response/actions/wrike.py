"""wrike_task: the follow-up task, due at the SLA time, for the salesperson responsible.

Idempotent at Wrike: `create_task_once` keys the task by the event id in its metadata.
The description carries no contact data but the first name and the masked phone;
the full contact is in the CRM lead.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from journey_assets.response.actions.base import Action
from journey_assets.response.lead import Lead, alt_label
from journey_assets.response.ledger import SKIPPED
from journey_assets.response.model import Done, Refused

if TYPE_CHECKING:
    from journey_assets.response.runner import Runner


def task_description(lead: Lead, due: datetime) -> str:
    contact, assignment, esc = lead.contact, lead.assignment, html.escape
    name = contact.given_name or "customer"
    stock = lead.vehicle.get("stock_number")
    lines = [
        f"<b>{esc(lead.label.capitalize())}</b> at {esc(lead.rooftop.name)}",
        f"Customer: {esc(name)} ({esc(contact.phone_masked or 'no phone')}); "
        f"full contact in CRM lead {esc(lead.crm_lead_id or 'pending')}",
        f"Vehicle: {esc(lead.vehicle_label())}" + (f" (stock {esc(str(stock))})" if stock else ""),
        f"Score {lead.score.score} ({lead.score.band.value}, {esc(lead.score.model)}): "
        + esc("; ".join(r.detail for r in lead.score.reasons)),
        f"Due {due:%Y-%m-%d %H:%M %Z}: {esc(assignment.get('due_reason') or '')}",
        f"Assigned: {esc(assignment.get('reason') or 'unassigned')}",
    ]
    if lead.vehicle_gone:
        lines.append("Vehicle no longer in stock. Closest in stock:")
        lines.extend(f"- {esc(alt_label(a))}" for a in lead.alternatives)
    return "<br>".join(lines)


class CreateWrikeTask(Action[Lead]):
    name, vendor, idempotent = "wrike_task", "wrike", True

    def describe(self, lead: Lead) -> dict[str, Any]:
        return {"key": lead.event_id}

    def work(self, run: Runner, lead: Lead) -> Done:
        folder = lead.rooftop.wrike_folder_id or run.cfg.wrike_folder_id
        if run.deps.wrike is None or not folder:
            raise Refused(SKIPPED, "Wrike is not configured (client or folder id)")
        assignment = lead.assignment
        due = datetime.fromisoformat(assignment["due_at"]).astimezone(ZoneInfo(lead.rooftop.timezone))
        title = f"Call {lead.contact.given_name or 'customer'} back: {lead.label}, {lead.vehicle_label()} ({lead.score.band.value})"
        responsibles = [assignment["wrike_contact_id"]] if assignment.get("wrike_contact_id") else None
        if run.deps.dry_run:
            return run.dry(
                "create a Wrike task", {"folder": folder, "due": due.isoformat(), "responsibles": responsibles}
            )
        task, created = run.deps.wrike.create_task_once(
            folder,
            title[:250],
            lead.event_id,
            description=task_description(lead, due),
            importance=run.cfg.routing.rule(lead.score.band.value).importance,
            due=due.replace(tzinfo=None),
            responsibles=responsibles,
        )
        return Done(task.id, {"created": created, "due": due.isoformat(), "responsibles": responsibles or []})
