"""Conversion events (a sale, a lease, a deposit, financing approved, an appointment kept): the CRM and
Wrike learn the outcome of the person's open leads.

For each lead the journey made for the same person (the ledger's contact history over
`LOOKBACK`, matched by any identity key) the CRM lead's status moves to the conversion's
(`journey.conversion.crm_status_for`), and, on a sale or a lease, the lead's open Wrike task is
completed: the salesperson has nothing left to chase, and the person goes on a prospecting hold
(`holds.py`: no unasked VDP-interest outreach for 90 days). Each update is its own ledger action
(`crm_status:<lead id>`, `wrike_close:<task id>`), so a replayed event changes nothing twice, and a
vendor that fails one update leaves the others done.

Not built yet (decision 1311): the post-sale event to Customer.io, a hold on the retention
campaigns' marketing sends, and a conversion for a person the journey never made a lead for (nothing to update).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from journey_assets.journey.conversion import crm_status_for, places_prospecting_hold
from journey_assets.response.actions.base import Action
from journey_assets.response.contact import contact_from_payload
from journey_assets.response.holds import place_hold
from journey_assets.response.ledger import DONE, SKIPPED
from journey_assets.response.model import Done, Event, EventOutcome, Refused

if TYPE_CHECKING:
    from journey_assets.response.runner import Runner

KIND = "conversion"
LOOKBACK = timedelta(days=90)  # a lead older than a quarter is not the one this sale closes
CRM_LEAD, WRIKE_TASK = "crm_lead", "wrike_task"  # the lead's actions whose vendor refs this reads
WRIKE_DONE = "Completed"
PROSPECTING_HOLD = "prospecting_hold"


@dataclass(frozen=True)
class StatusChange:
    lead_id: str
    status: str


class UpdateCrmLeadStatus(Action[StatusChange]):
    vendor, idempotent = "crm", True  # PATCH to the same status is harmless

    def __init__(self, lead_id: str):
        self.name = f"crm_status:{lead_id}"  # type: ignore[misc]  # one ledger action per lead

    def describe(self, change: StatusChange) -> dict[str, Any]:
        return {"lead_id": change.lead_id, "status": change.status}

    def work(self, run: Runner, change: StatusChange) -> Done:
        if run.deps.crm is None:
            raise Refused(SKIPPED, "CRM is not configured")
        if run.deps.dry_run:
            return run.dry("move a CRM lead's status", self.describe(change))
        run.deps.crm.update_lead_status(change.lead_id, change.status)
        return Done(change.lead_id, {"status": change.status})


class CloseWrikeTask(Action[str]):
    vendor, idempotent = "wrike", True  # PUT status=Completed twice gives the same task

    def __init__(self, task_id: str):
        self.name = f"wrike_close:{task_id}"  # type: ignore[misc]

    def describe(self, task_id: str) -> dict[str, Any]:
        return {"task_id": task_id, "status": WRIKE_DONE}

    def work(self, run: Runner, task_id: str) -> Done:
        if run.deps.wrike is None:
            raise Refused(SKIPPED, "Wrike is not configured")
        if run.deps.dry_run:
            return run.dry("complete a Wrike task", self.describe(task_id))
        task = run.deps.wrike.update_task(task_id, status=WRIKE_DONE)
        return Done(task.id, {"status": task.status})


def earlier_leads(run: Runner, event: Event, keys: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The CRM lead ids and Wrike task ids the journey created for these keys' earlier events."""
    lead_ids: dict[str, None] = {}
    task_ids: dict[str, None] = {}
    for earlier in run.ledger.contact_events(keys, since=event.occurred_at - LOOKBACK):
        if earlier.event_id == event.event_id:
            continue
        for name, found in ((CRM_LEAD, lead_ids), (WRIKE_TASK, task_ids)):
            record = run.ledger.get_action(earlier.event_id, name)
            if record is not None and record.vendor_ref:
                found.setdefault(record.vendor_ref)
    return list(lead_ids), list(task_ids)


def conversion(run: Runner, event: Event) -> EventOutcome:
    outcome = EventOutcome(event.event_id, event.kind, event.event_type, "ignored")
    try:
        status = crm_status_for(event.event_type)
        contact = contact_from_payload(event.payload, event.dealer_id)
    except ValueError as exc:  # the intake validates both; a ledger retry copy of an old shape lands here
        run.ledger.finish(event.event_id, KIND, SKIPPED, run.now(), detail={"reason": str(exc)})
        outcome.result = "unanswerable"
        return outcome
    run.ledger.add_contact_event(event.event_id, contact.keys, event.event_type, event.occurred_at)
    lead_ids, task_ids = earlier_leads(run, event, contact.keys)
    for lead_id in lead_ids:
        record = run.act(event, UpdateCrmLeadStatus(lead_id), StatusChange(lead_id, status))
        outcome.actions[record.action] = record.status
    if places_prospecting_hold(event.event_type):
        place_hold(run.ledger, contact.keys, event.event_type, event.occurred_at)
        outcome.actions[PROSPECTING_HOLD] = DONE
        for task_id in task_ids:
            record = run.act(event, CloseWrikeTask(task_id), task_id)
            outcome.actions[record.action] = record.status
    outcome.result = "converted" if lead_ids else "conversion_without_lead"
    return outcome
