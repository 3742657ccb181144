"""Intent events: which make a lead, and the lead's actions in the order that answers the customer first.

High-intent types (`HIGH_INTENT_TYPES`) make a lead, and so does a `vdp_view`
once the same contact has `vdp_threshold` VDP views in 7 days, no
VDP-triggered response in those 7 days and no prospecting hold (a recent sale,
`holds.py`). A lead is resolved (hashed identity keys), scored (`LeadScorer`), then answered by the actions in
`response/actions/`. Anything else is recorded in the contact history only; a
lead first seen more than `max_event_age` after it happened is recorded, not
answered.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from journey_assets.journey.scoring import KnownPerson, LeadEvent, LeadFeatures, ScoreResult
from journey_assets.response.actions.adf import PostAdfLead
from journey_assets.response.actions.assign import assign
from journey_assets.response.actions.crm_rest import crm_lead
from journey_assets.response.actions.email_fallback import EmailFallback
from journey_assets.response.actions.inventory import match_inventory
from journey_assets.response.actions.slack import PostSlackAlert
from journey_assets.response.actions.sms import VDP_VIEW, SendSms
from journey_assets.response.actions.wrike import CreateWrikeTask
from journey_assets.response.contact import Contact, contact_from_payload
from journey_assets.response.features import PersonFeatures
from journey_assets.response.holds import standing_hold
from journey_assets.response.lead import Lead
from journey_assets.response.ledger import FAILED, SKIPPED
from journey_assets.response.model import Event, EventOutcome

if TYPE_CHECKING:
    from journey_assets.response.runner import Runner

HIGH_INTENT_TYPES = frozenset({"test_drive_request", "trade_in_appraisal", "credit_application", "price_request"})
RESPOND = "respond"


def stale(run: Runner, event: Event, outcome: EventOutcome) -> bool:
    """Record (and answer True for) a lead first seen too long after it happened."""
    now = run.now()
    if now - event.occurred_at <= run.cfg.max_event_age or run.ledger.actions(event.event_id):
        return False
    reason = f"stale: happened {now - event.occurred_at} ago (limit {run.cfg.max_event_age})"
    run.ledger.finish(event.event_id, RESPOND, SKIPPED, now, detail={"reason": reason})
    outcome.result = "stale"
    outcome.actions = {RESPOND: SKIPPED}
    return True


def known_person(run: Runner, contact: Contact) -> PersonFeatures | None:
    """The person's latest warehouse features, or None: unknown, no store, or the store cannot be read (the
    lead is then scored on its events alone rather than waiting)."""
    if run.deps.features is None:
        return None
    try:
        return run.deps.features.lookup(contact.keys)
    except Exception as exc:  # any store failure: answer the lead without the features
        run.log.warning(f"respond: feature store not readable ({type(exc).__name__}); scoring without features")
        return None


def score_contact(run: Runner, contact: Contact, event: Event) -> ScoreResult:
    """Score the lead from its contact history and, for a person the warehouse knows, their latest features
    (which carry the lease maturity and service facts the rules read too)."""
    history = run.ledger.contact_events(contact.keys, since=event.occurred_at - timedelta(days=30))
    person = known_person(run, contact)
    known_until = None
    if person is not None:
        rooftop = run.deps.roster.rooftop(event.dealer_id)
        zone = ZoneInfo(rooftop.timezone) if rooftop else UTC
        # the mart's day ends at the rooftop's midnight: events from then on are news to the model
        known_until = datetime.combine(person.feature_date + timedelta(days=1), time(0), tzinfo=zone)
    features = LeadFeatures.from_events(
        [LeadEvent(e.event_type, e.at) for e in history],
        as_of=event.occurred_at,
        lease_maturity_date=person.lease_maturity_date if person else None,
        prior_service_customer=person.prior_service_customer if person else False,
        event_type=event.event_type,
        person=KnownPerson(person.feature_date, person.features) if person else None,
        known_until=known_until,
    )
    return run.deps.scorer.score(features)


def _vdp_trigger(run: Runner, event: Event, contact: Contact) -> bool:
    since = event.occurred_at - run.cfg.vdp_window
    views = [
        e
        for e in run.ledger.contact_events(contact.keys, since=since)
        if e.event_type == VDP_VIEW and e.at <= event.occurred_at
    ]
    if len(views) < run.cfg.vdp_threshold:
        return False
    if any(v.triggered and v.event_id != event.event_id for v in views):
        return False  # already answered for this run of views
    run.ledger.mark_triggered(event.event_id)
    return True


def intent(run: Runner, event: Event) -> EventOutcome:
    outcome = EventOutcome(event.event_id, event.kind, event.event_type, "recorded")
    contact = contact_from_payload(event.payload, event.dealer_id)
    run.ledger.add_contact_event(event.event_id, contact.keys, event.event_type, event.occurred_at)
    if event.event_type == VDP_VIEW:
        hold = standing_hold(run.ledger, contact.keys, event.occurred_at)
        if hold is not None:  # unasked outreach waits out a recent sale's hold (holds.py)
            reason = f"prospecting hold: {hold.keyword} at {hold.at:%Y-%m-%d}"
            run.ledger.finish(event.event_id, RESPOND, SKIPPED, run.now(), detail={"reason": reason})
            outcome.result = "prospecting_hold"
            return outcome
        if not _vdp_trigger(run, event, contact):
            return outcome
    elif event.event_type not in HIGH_INTENT_TYPES:
        return outcome
    if stale(run, event, outcome):
        return outcome
    score = score_contact(run, contact, event)
    rooftop = run.deps.roster.rooftop(event.dealer_id)
    if rooftop is None:
        now = run.now()
        reason = f"no rooftop {event.dealer_id!r} in the configuration"
        run.ledger.add_dead_letter(event.event_id, RESPOND, "config", reason, {"dealer_id": event.dealer_id}, now)
        run.ledger.finish(event.event_id, RESPOND, FAILED, now, detail={"reason": reason})
        outcome.result = "unknown_rooftop"
        run.finish_event(event, outcome)
        return outcome
    lead = Lead(event, contact, score, rooftop, run.now(), vehicle=dict(event.payload.get("vehicle") or {}))
    outcome.result = f"lead:{score.band.value}"
    respond_lead(run, lead)
    run.finish_event(event, outcome)
    return outcome


def respond_lead(run: Runner, lead: Lead) -> None:
    match_inventory(run, lead)
    if not lead.assignment:
        assign(run, lead)
    sms = run.act(lead.event, SendSms(), lead)
    if sms.status == FAILED or (sms.status == SKIPPED and sms.detail.get("fallback")):
        lead.sms_problem = sms.detail.get("consent") or sms.detail.get("reason") or sms.status
        run.act(lead.event, EmailFallback(), lead)
    if run.cfg.crm_rest:
        crm_lead(run, lead)
    if run.cfg.crm_adf:
        run.act(lead.event, PostAdfLead(), lead)
    run.act(lead.event, CreateWrikeTask(), lead)
    run.act(lead.event, PostSlackAlert(), lead)
