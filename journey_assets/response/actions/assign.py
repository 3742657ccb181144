"""assign: rooftop and salesperson (round-robin preferring people on shift, among those who take the lead's
tier) and the SLA due time of the tier (`ResponseConfig.routing`).

The cursor is read, the turn picked, the cursor moved and the assignment
recorded in one ledger transaction, so two runs at once (threads or
processes) never hand out the same turn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from journey_assets.journey.routing import LeadLocation, RoundRobinState, assign_lead, sla_due
from journey_assets.response.actions.base import Action
from journey_assets.response.lead import Lead
from journey_assets.response.ledger import DONE
from journey_assets.response.model import Done

if TYPE_CHECKING:
    from journey_assets.response.runner import Runner


class AssignLead(Action[Lead]):
    name, vendor, idempotent = "assign", "routing", True  # local: no vendor call

    def work(self, run: Runner, lead: Lead) -> Done:
        roster = run.deps.roster
        state = RoundRobinState.from_dict(run.ledger.round_robin_state())
        location = LeadLocation(rooftop_id=lead.rooftop.dealer_id, zip_code=lead.contact.postal_code)
        tier = lead.score.band.value
        assignment = assign_lead(
            location, roster.routing_rooftops, roster.routing_salespeople, state, run.now(), tier=tier
        )
        due = sla_due(lead.event.received_at, tier, lead.rooftop.hours, run.cfg.routing.sla_policy())
        staff = roster.staff.get(assignment.salesperson_id or "")
        detail = {
            "rooftop_id": assignment.rooftop_id,
            "salesperson_id": assignment.salesperson_id,
            "salesperson_name": staff.name if staff else None,
            "wrike_contact_id": staff.wrike_contact_id if staff else None,
            "method": assignment.method,
            "on_shift": assignment.on_shift,
            "next_on_shift_at": assignment.next_on_shift_at.isoformat() if assignment.next_on_shift_at else None,
            "reason": assignment.reason,
            "due_at": due.due_at.isoformat(),
            "due_reason": due.reason,
            "band": lead.score.band.value,
            "score": lead.score.score,
            "scored_by": lead.score.model,
        }

        def move_cursor() -> None:
            if assignment.rooftop_id and assignment.salesperson_id:
                run.ledger.set_round_robin(assignment.rooftop_id, assignment.salesperson_id)

        return Done(None, detail, move_cursor)


def assign(run: Runner, lead: Lead) -> None:
    record = run.ledger.get_action(lead.event_id, AssignLead.name)
    if record is None or record.status != DONE:
        with run.assign_lock:
            record = run.record(lead.event, AssignLead(), lead, in_transaction=True, redo=True)
    lead.assignment = record.detail
