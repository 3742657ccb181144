"""Meta lead-ads webhooks (kind `meta_leadgen`, ids only): rooftop, the lead read by id, answered as a form lead.

The rooftop comes from the webhook's page id (`LeadAdRouting`: the rooftops'
`meta_page_id`, or a form's mapping); then the lead itself, read from the Graph
API (`meta_lead`: a transient failure leaves it `pending` for the next pass, a
permanent one, such as an unknown lead or a missing permission, is
dead-lettered with Meta's reason), its `field_data` mapped by
`journey.lead_ads.lead_contact_from_field_data`; then it is answered as a
`lead_form` lead, like a website form. A form's contact consent covers the
transactional acknowledgement only: marketing texts need express written
consent. An answer we cannot use (an invalid phone) is left out and its reason
recorded: no SMS, the rest still goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from journey_assets.connectors.http import VendorError
from journey_assets.journey.lead_ads import LeadAdContact, lead_contact_from_field_data
from journey_assets.response.actions.base import Action
from journey_assets.response.config import RooftopInfo
from journey_assets.response.contact import contact_from_payload
from journey_assets.response.lead import Lead
from journey_assets.response.leads import RESPOND, respond_lead, score_contact, stale
from journey_assets.response.ledger import DONE, FAILED
from journey_assets.response.model import Done, Event, EventOutcome, Refused

if TYPE_CHECKING:
    from journey_assets.response.runner import Runner

LEAD_FORM = "lead_form"  # the lead type a lead-ads lead is answered as
LEAD_AD_SOURCE = "meta_lead_ad"
REREAD_PENDING = "meta_lead:reread_pending"


@dataclass
class LeadAdRead:
    """The ids the webhook gave; `raw` and `mapped` once the lead was read."""

    event: Event
    ids: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict)
    mapped: LeadAdContact | None = None

    def fetch(self, run: Runner) -> dict[str, Any]:
        leadgen_id = self.ids["leadgen_id"]
        if run.deps.meta is None:
            raise Refused(FAILED, "Meta is not configured: the lead cannot be read")
        try:
            return run.deps.meta.get_lead(leadgen_id)
        except ValueError as exc:
            raise Refused(FAILED, f"leadgen id {leadgen_id!r}: {exc}") from None


class ReadMetaLead(Action[LeadAdRead]):
    name, vendor, idempotent = "meta_lead", "meta", True  # a read (a GET): fetched in dry-run mode too

    def describe(self, read: LeadAdRead) -> dict[str, Any]:
        return dict(read.ids)

    def work(self, run: Runner, read: LeadAdRead) -> Done:
        raw = read.fetch(run)
        mapped = lead_contact_from_field_data(raw.get("field_data"))
        read.raw, read.mapped = raw, mapped
        detail = {
            "form_id": raw.get("form_id"),
            "ad_id": raw.get("ad_id"),
            "created_time": raw.get("created_time"),
            "fields": list(mapped.fields),
            "unusable": mapped.unusable,
        }
        if mapped.unusable:
            run.log.info(f"respond: lead-ad lead {read.ids['leadgen_id']}: unusable answers {sorted(mapped.unusable)}")
        return Done(str(raw.get("id") or read.ids["leadgen_id"]), detail)


class UnknownRooftop(Action[str]):
    name, vendor, idempotent = RESPOND, "config", True

    def work(self, run: Runner, why: str) -> Done:
        raise Refused(FAILED, why)


def _rooftop(run: Runner, event: Event) -> tuple[RooftopInfo | None, str]:
    payload = event.payload
    dealer_id, why = event.dealer_id, ""
    if not dealer_id:
        routing = run.deps.lead_ad_routing
        if routing is None:
            return None, "lead-ad routing is not configured (the rooftops' meta_page_id)"
        dealer_id, why = routing.resolve(payload.get("page_id"), payload.get("form_id"))
        if dealer_id is None:
            return None, why
    rooftop = run.deps.roster.rooftop(dealer_id)
    return rooftop, why if rooftop else f"no rooftop {dealer_id!r} in the configuration"


def _read(run: Runner, read: LeadAdRead, outcome: EventOutcome) -> bool:
    """Read and map the lead; False (the `meta_lead` action pending or failed) when it cannot be read now."""
    event = read.event
    record = run.act(event, ReadMetaLead(), read)
    if record.status == DONE and read.mapped is None:
        # read on an earlier pass whose copy with the answers was not kept: read it again (a GET)
        try:
            raw = read.fetch(run)
        except (VendorError, Refused) as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            retry_at = run.now() + run.cfg.retry_base
            run.ledger.schedule_retry(event.event_id, event.to_dict(), retry_at, f"meta_lead re-read: {reason}")
            outcome.result = REREAD_PENDING
            outcome.actions = {a.action: a.status for a in run.ledger.actions(event.event_id)}
            return False
        read.raw, read.mapped = raw, lead_contact_from_field_data(raw.get("field_data"))
    if record.status != DONE:
        outcome.result = f"meta_lead:{record.status}"
        return False
    return True


def meta_lead(run: Runner, event: Event) -> EventOutcome:
    outcome = EventOutcome(event.event_id, event.kind, event.event_type, "recorded")
    payload = event.payload
    leadgen_id = str(payload.get("leadgen_id") or "")
    ids = {"leadgen_id": leadgen_id, "page_id": payload.get("page_id"), "form_id": payload.get("form_id")}
    rooftop, why = _rooftop(run, event)
    if rooftop is None:
        record = run.act(event, UnknownRooftop(), why)
        outcome.result = "unknown_rooftop"
        outcome.actions = {RESPOND: record.status}
        run.finish_event(event, outcome)
        return outcome
    if stale(run, event, outcome):
        return outcome
    lead_ad = payload.get("lead_ad")  # present on the retry queue's copy once the lead was read
    if lead_ad is None:
        read = LeadAdRead(event, ids)
        if not _read(run, read, outcome):
            if outcome.result != REREAD_PENDING:  # a re-read that failed has queued the event itself
                run.finish_event(event, outcome)
            return outcome
        mapped = read.mapped
        assert mapped is not None
        lead_ad = {
            **ids,
            "ad_id": read.raw.get("ad_id") or payload.get("ad_id"),
            "vehicle": mapped.vehicle,
            "answers": mapped.answers,
            "unusable": mapped.unusable,
        }
        payload = {
            **payload,
            "lead_ad": lead_ad,
            "customer": {**mapped.customer(), "meta_lead_id": leadgen_id},
            "consent": {},
            "source": LEAD_AD_SOURCE,
            "vehicle": {k: v for k, v in mapped.vehicle.items() if k != "description"},
        }
    lead_event = replace(event, event_type=LEAD_FORM, dealer_id=rooftop.dealer_id, payload=payload)
    # No consent flags: the form's consent covers answering this request (transactional) only.
    contact = contact_from_payload(payload, rooftop.dealer_id)
    run.ledger.add_contact_event(event.event_id, contact.keys, LEAD_FORM, event.occurred_at)
    score = score_contact(run, contact, event)
    lead = Lead(
        lead_event,
        contact,
        score,
        rooftop,
        run.now(),
        vehicle=dict(payload.get("vehicle") or {}),
        phone_problem=(lead_ad.get("unusable") or {}).get("phone"),
    )
    outcome.result = f"lead:{score.band.value}"
    respond_lead(run, lead)
    run.finish_event(lead_event, outcome)
    return outcome
