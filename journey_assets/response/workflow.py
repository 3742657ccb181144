"""The response workflow: what happens to each batch of events the intake stored.

`respond(events, deps)` takes events in commit order (the intake's `StoredEvent`s
or the ledger's retry copies) and, for each:

* **twilio_inbound**: `classify_inbound` on the body. STOP family: the number is
  suppressed at once (before any later event in the batch is looked at);
  START family: restored; HELP: the help reply goes out through Twilio (a
  transactional answer to the customer's own message, so the quiet-hours
  override is applied and logged). Free text that mentions an opt-out word is
  flagged for a person (`inbound_review`).
* **twilio_status**: the message's state in the ledger moves forward; a final
  `undelivered`/`failed` goes to the dead letter with Twilio's error code.
* **intent** events of high-intent types (`HIGH_INTENT_TYPES`, and `vdp_view` once
  the same contact has `vdp_threshold` VDP views in 7 days and no VDP-triggered
  response in those 7 days): resolve the contact (hashed identity keys), score
  it (`LeadScorer`, rule-based for now), then the actions below, each claimed in
  the ledger per (event, action) so a retried run sends nothing twice.
* **meta_leadgen** (a Meta lead-ads webhook: ids only): the rooftop from the
  webhook's page id (`LeadAdRouting`: the rooftops' `meta_page_id`, or a form's
  mapping), then the lead itself, read by id from the Graph API (`meta_lead`
  action: a transient failure leaves it `pending` for the next pass, a
  permanent one, such as an unknown lead or a missing permission, is
  dead-lettered with Meta's reason), its `field_data` mapped by
  `journey.lead_ads.lead_contact_from_field_data`; then it is answered as a
  `lead_form` lead, like a website form (score, SMS, CRM, task, alert). A form's
  contact consent covers the transactional acknowledgement only: marketing texts
  need express written consent. An answer we cannot use (an invalid phone) is
  left out and its reason recorded: no SMS, the rest still goes.
* anything else is recorded in the contact history (intent) or ignored.

Actions of a lead, in the order that gets the customer answered first:

1. `inventory`: look the viewed vehicle up (VIN, else stock number) in the
   rooftop's live feed; if it is not there (sold or gone) the 3 closest in
   stock (`closest_alternatives`). Best effort: a feed that cannot be read is
   noted and the response goes on.
2. `assign`: rooftop and salesperson (`routing.assign_lead`, round-robin that
   prefers people on shift, cursor kept in the ledger) and the SLA due time
   (`routing.sla_due`, working minutes by band).
3. `sms`: template by stage (`templates.render_stage`): test-drive confirmation
   when a time was asked for, the alternatives message when the vehicle is gone
   and marketing consent allows it, else the lead acknowledgement; a lead made
   of repeated VDP views gets `VDP_INTEREST_SMS`, a marketing text (nobody asked
   us anything), so it needs express written consent. Then
   consent (ledger suppression list + the event's consent flags), quiet hours in
   the customer's local time (ZIP, else the rooftop's timezone; a fresh
   test-drive confirmation takes the explicit, logged transactional override)
   and frequency caps (ledger touches). Not allowed now -> `deferred` with
   `retry_at`; not allowed at all -> `skipped` with the reason. A permanent
   Twilio refusal (21610, 21211, ...) -> `failed`, dead letter with Twilio's
   reason (21610 also suppresses the number), and the fallback.
4. `email_fallback` (only after an SMS that was refused or could not be
   sent): Customer.io transactional email, when there is an address.
5. `crm_lead` (REST, `external_id` = event id) and `crm_adf` (ADF/XML 1.0).
6. `wrike_task`: follow-up task due at the SLA time, the salesperson responsible
   (`create_task_once`, keyed by the event id).
7. `slack_alert` for hot leads.

Failures: a `TransientVendorError` (after the client's own retries with
backoff) leaves the action `pending` with a `retry_at`, and the event goes on
the ledger's retry queue (`respond_due` picks it up). When the request may
have reached the vendor (a read timeout, a reset, a 5xx other than 503), an
action that is not idempotent at the vendor (SMS, email) is marked `in_doubt`
and dead-lettered instead of being repeated; CRM leads (external id), Wrike
tasks (metadata key) and Slack alerts (a duplicate alert beats a missing one)
are retried. In dry-run mode every outbound call is logged and recorded as
`dry_run`, nothing is sent.

Events of different customers are answered in parallel (`ResponseConfig.workers`
threads; the work waits on vendors and on the ledger's fsync); one customer's
events (same phone, else same first identifier) stay in commit order, so a
STOP is applied before the lead that follows it.

No raw contact data goes to the logs: phone numbers are masked, names and
emails are not logged.
"""

from __future__ import annotations

import html
import logging
import threading
import time as _time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import requests

from journey_assets.connectors.crm import CRMClient
from journey_assets.connectors.customerio import CustomerIOAppClient
from journey_assets.connectors.dealer_inventory import DealerInventoryClient
from journey_assets.connectors.http import (
    MalformedResponseError,
    PermanentVendorError,
    TransientVendorError,
    VendorError,
)
from journey_assets.connectors.meta import MetaGraphClient
from journey_assets.connectors.slack import HotLeadAlert, SlackWebhookClient
from journey_assets.connectors.twilio import RecipientOptedOutError, TwilioClient
from journey_assets.connectors.wrike import WrikeClient
from journey_assets.journey import inventory_match
from journey_assets.journey.adf import (
    AdfContact,
    AdfId,
    AdfLead,
    AdfPhone,
    AdfProvider,
    AdfValidationError,
    AdfVehicle,
    AdfVendor,
    build_adf,
)
from journey_assets.journey.consent import Category, Channel, KeywordType, classify_inbound, consent_decision
from journey_assets.journey.frequency import DEFAULT_POLICY, FrequencyPolicy, Touch, check_frequency
from journey_assets.journey.lead_ads import LeadAdContact, LeadAdRouting, lead_contact_from_field_data
from journey_assets.journey.quiet_hours import QuietHoursOverride, check_quiet_hours, resolve_timezone
from journey_assets.journey.routing import LeadLocation, RoundRobinState, assign_lead, sla_due
from journey_assets.journey.scoring import Band, LeadEvent, LeadFeatures, LeadScorer, RuleBasedScorer, ScoreResult
from journey_assets.journey.templates import (
    MessageTemplate,
    RenderedMessage,
    Stage,
    TemplateContext,
    TemplateError,
    VehicleRef,
    render,
    render_stage,
)
from journey_assets.response.config import RooftopInfo, Roster
from journey_assets.response.contact import Contact, contact_from_payload, mask_phone
from journey_assets.response.ledger import (
    DEFERRED,
    DONE,
    DRY_RUN,
    FAILED,
    IN_DOUBT,
    PENDING,
    SENDING,
    SKIPPED,
    ActionRecord,
    ResponseLedger,
    utc_now,
)

log = logging.getLogger("journey_assets.response")

HIGH_INTENT_TYPES = frozenset({"test_drive_request", "trade_in_appraisal", "credit_application", "price_request"})
VDP_VIEW = "vdp_view"
INTEREST = {"test_drive_request": "test-drive", "trade_in_appraisal": "trade-in"}
EVENT_LABEL = {
    "test_drive_request": "test drive request",
    "trade_in_appraisal": "trade-in appraisal",
    "credit_application": "credit application",
    "price_request": "price request",
    "vdp_view": "repeated vehicle views",
    "lead_form": "lead-ad form",
}
FINAL_FAILURES = frozenset({"undelivered", "failed"})
NOT_SENT_STATUSES = frozenset({429, 503})
DRY_RUN_REF = "dry-run"

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

# Action names (the ledger's `action` column).
INVENTORY, ASSIGN, SMS, EMAIL_FALLBACK = "inventory", "assign", "sms", "email_fallback"
CRM_LEAD, CRM_ADF, WRIKE_TASK, SLACK_ALERT = "crm_lead", "crm_adf", "wrike_task", "slack_alert"
HELP_REPLY, INBOUND_REVIEW, SUPPRESSION = "help_reply", "inbound_review", "suppression"
META_LEAD, RESPOND = "meta_lead", "respond"
META_LEADGEN, LEAD_FORM = "meta_leadgen", "lead_form"  # the intake's event kind; the lead type we answer it as
LEAD_AD_SOURCE = "meta_lead_ad"
REREAD_PENDING = "meta_lead:reread_pending"


# --- inputs -----------------------------------------------------------------------------------


def _dt(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Event:
    """One stored event as the workflow reads it."""

    event_id: str
    kind: str
    event_type: str
    dealer_id: str | None
    occurred_at: datetime
    received_at: datetime
    payload: dict[str, Any]
    seq: int | None = None

    @classmethod
    def of(cls, raw: Any) -> Event:
        """From an intake `StoredEvent`, an `Event`, or the dict `to_dict` wrote."""
        if isinstance(raw, Event):
            return raw
        if isinstance(raw, Mapping):
            return cls(
                raw["event_id"],
                raw["kind"],
                raw["event_type"],
                raw.get("dealer_id"),
                _dt(raw["occurred_at"]),
                _dt(raw["received_at"]),
                dict(raw["payload"]),
                raw.get("seq"),
            )
        received = _dt(raw.received_at)
        return cls(
            raw.event_id,
            raw.kind,
            raw.event_type,
            raw.dealer_id,
            _dt(raw.occurred_at) if raw.occurred_at else received,
            received,
            raw.data(),
            raw.seq,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "kind": self.kind,
            "event_type": self.event_type,
            "dealer_id": self.dealer_id,
            "occurred_at": self.occurred_at.isoformat(),
            "received_at": self.received_at.isoformat(),
            "payload": self.payload,
            "seq": self.seq,
        }


@dataclass(frozen=True)
class ResponseConfig:
    vendor_name: str = "Dealer Journey"  # ADF <provider> and the REST lead's source system
    wrike_folder_id: str | None = None  # default folder; a rooftop's `wrike_folder_id` wins
    fallback_email_message_id: str = "lead_response_fallback"  # Customer.io transactional message
    override_window: timedelta = timedelta(minutes=15)  # "just asked for": the quiet-hours override's reach
    vdp_threshold: int = 3
    vdp_window: timedelta = timedelta(days=7)
    alert_bands: frozenset[str] = frozenset({Band.HOT.value})
    inventory_ttl_seconds: float = 60.0
    retry_base: timedelta = timedelta(minutes=1)
    retry_max: timedelta = timedelta(hours=1)
    frequency_policy: FrequencyPolicy = DEFAULT_POLICY
    crm_rest: bool = True
    crm_adf: bool = True
    # A lead first seen this long after it happened (a sensor switched on over an old store,
    # a long outage) is recorded, not answered: a "thanks for asking" days later does more harm.
    max_event_age: timedelta = timedelta(hours=24)
    # Events of different customers are answered in parallel (the work is waiting on vendors and on
    # the ledger's fsync); one customer's events stay in commit order (a STOP before the next lead).
    workers: int = 4


@dataclass
class ResponseDeps:
    """Everything the workflow touches; tests build it over the sandbox, the Dagster op from resources.

    A vendor client left as None means that action is not configured (recorded as skipped).
    `clock` answers the current time (aware); inject one to test quiet hours and retries.
    """

    ledger: ResponseLedger
    roster: Roster
    twilio: TwilioClient | None = None
    crm: CRMClient | None = None
    wrike: WrikeClient | None = None
    slack: SlackWebhookClient | None = None
    email: CustomerIOAppClient | None = None
    inventory: DealerInventoryClient | None = None
    meta: MetaGraphClient | None = None  # reads lead-ad leads by id (kind meta_leadgen)
    lead_ad_routing: LeadAdRouting | None = None  # page/form id -> rooftop (the rooftops' meta_page_id)
    scorer: LeadScorer = field(default_factory=RuleBasedScorer)
    clock: Callable[[], datetime] = utc_now
    config: ResponseConfig = field(default_factory=ResponseConfig)
    dry_run: bool = False
    logger: Any = None  # a logging.Logger or Dagster's context.log
    _inventory_cache: dict[str, tuple[float, list[dict[str, Any]]]] = field(default_factory=dict, repr=False)

    @property
    def log(self) -> Any:
        return self.logger or log

    def now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the clock must answer timezone-aware datetimes")
        return now


# --- outputs --------------------------------------------------------------------------------


@dataclass
class EventOutcome:
    event_id: str
    kind: str
    event_type: str
    result: str
    actions: dict[str, str] = field(default_factory=dict)


@dataclass
class RespondReport:
    outcomes: list[EventOutcome] = field(default_factory=list)

    def add(self, outcome: EventOutcome) -> None:
        self.outcomes.append(outcome)

    def extend(self, other: RespondReport) -> None:
        self.outcomes.extend(other.outcomes)

    @property
    def events(self) -> int:
        return len(self.outcomes)

    def action_counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for outcome in self.outcomes:
            for action, status in outcome.actions.items():
                counts.setdefault(action, {}).setdefault(status, 0)
                counts[action][status] += 1
        return counts

    def results(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for outcome in self.outcomes:
            out[outcome.result] = out.get(outcome.result, 0) + 1
        return out


# --- helpers --------------------------------------------------------------------------------


class _Refused(Exception):
    """Raised inside an action to finish it as `skipped`/`deferred`/`failed` without a vendor call."""

    def __init__(self, status: str, reason: str, *, retry_at: datetime | None = None, detail: dict | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_at = retry_at
        self.detail = detail or {}


def not_delivered(exc: BaseException) -> bool:
    """True when a failed request certainly did not reach the vendor (safe to send again)."""
    if isinstance(exc, VendorError) and exc.status in NOT_SENT_STATUSES:
        return True
    cause = exc.__cause__
    if isinstance(cause, requests.exceptions.RetryError):  # retries ran out on 429/503 answers
        return True
    if isinstance(cause, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(cause, requests.exceptions.ConnectionError) and not isinstance(
        cause, requests.exceptions.ReadTimeout
    ):
        text = repr(cause)
        return "NewConnectionError" in text or "Connection refused" in text
    return False


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


@dataclass
class _Lead:
    event: Event
    contact: Contact
    score: ScoreResult
    rooftop: RooftopInfo
    now: datetime
    vehicle: dict[str, Any] = field(default_factory=dict)  # event vehicle, completed from the feed
    inventory: dict[str, Any] = field(default_factory=dict)
    assignment: dict[str, Any] = field(default_factory=dict)
    crm_lead_id: str | None = None
    sms_problem: str | None = None  # why the SMS did not go (for the fallback)
    phone_problem: str | None = None  # why the phone the customer gave cannot be used (lead ads)

    @property
    def event_id(self) -> str:
        return self.event.event_id

    @property
    def alternatives(self) -> list[dict[str, Any]]:
        return list(self.inventory.get("alternatives") or [])

    @property
    def vehicle_gone(self) -> bool:
        return self.inventory.get("status") == "sold"

    def vehicle_ref(self) -> VehicleRef | None:
        v = self.vehicle
        if not (v.get("make") and v.get("model")):
            return None
        return VehicleRef(v.get("year"), v["make"], v["model"], v.get("trim"), _money(v.get("price")))

    def vehicle_label(self) -> str:
        ref = self.vehicle_ref()
        return ref.label() if ref else "vehicle you asked about"


def _alt_refs(alts: Iterable[Mapping[str, Any]]) -> list[VehicleRef]:
    return [
        VehicleRef(a.get("year"), a.get("make") or "", a.get("model") or "", a.get("trim"), _money(a.get("price")))
        for a in alts
    ]


def _alt_label(alt: Mapping[str, Any]) -> str:
    ref = _alt_refs([alt])[0]
    price = f" ${ref.price:,.0f}" if ref.price is not None else ""
    stock = f" (stock {alt['stock_number']})" if alt.get("stock_number") else ""
    return f"{ref.label()}{price}{stock}"


# --- the workflow -----------------------------------------------------------------------------


def partition_key(event: Event) -> str:
    """Events with the same key are answered in order, one at a time: the customer's phone when there
    is one (STOP and the next lead share it), else their first identifier, else the event itself."""
    payload = event.payload
    customer = payload.get("customer") or {}
    for value in (
        customer.get("phone"),
        payload.get("from_phone"),
        payload.get("to_phone"),
        customer.get("email"),
        customer.get("customer_id"),
        customer.get("client_id"),
    ):
        if value:
            return str(value)
    return event.event_id


class Responder:
    """One pass of the workflow over a batch; `respond()` is the entry point."""

    def __init__(self, deps: ResponseDeps):
        self.deps = deps
        self.ledger = deps.ledger
        self.cfg = deps.config
        self._assign_lock = threading.Lock()  # the round-robin cursor is read, then moved
        self._feed_lock = threading.Lock()  # one feed download per rooftop at a time

    # -- plumbing ---------------------------------------------------------------------------
    def _backoff(self, attempts: int) -> timedelta:
        return min(self.cfg.retry_base * (2 ** max(attempts - 1, 0)), self.cfg.retry_max)

    def _act(
        self,
        event: Event,
        action: str,
        vendor: str,
        work: Callable[[], tuple[Any, ...]],
        *,
        idempotent: bool,
        describe: Callable[[], dict[str, Any]] | None = None,
    ) -> ActionRecord:
        """Claim (event, action), run `work` (which calls the vendor, or raises `_Refused`), record the outcome.

        `work` answers (vendor_ref, detail) or (vendor_ref, detail, writes): `writes()` runs in the
        same ledger transaction as the `done` record.

        `describe` answers what would be sent (for dry-run logs and dead letters), PII-free.
        """
        now = self.deps.now()
        claim = self.ledger.claim(event.event_id, action, now)
        if not claim.granted:
            return claim.record  # type: ignore[return-value]
        described = describe if describe is not None else dict

        def give_up(
            status: str, reason: str, detail: dict[str, Any], payload: dict[str, Any] | None = None
        ) -> ActionRecord:
            with self.ledger.atomic():  # the dead letter and the outcome together
                self.ledger.add_dead_letter(event.event_id, action, vendor, reason, payload or described(), now)
                return self.ledger.finish(event.event_id, action, status, self.deps.now(), detail=detail)

        if claim.in_doubt and not idempotent:
            reason = "an earlier attempt stopped mid-call; it may have been sent, so it is not repeated"
            self.deps.log.warning(f"respond: {action} for {event.event_id} in doubt after an interrupted attempt")
            return give_up(IN_DOUBT, reason, {"reason": reason})
        attempts = claim.record.attempts if claim.record else 1
        try:
            # In dry-run mode the decisions (consent, quiet hours, caps) still run inside work();
            # only the vendor call is replaced by a log line, and work() answers the ref "dry-run".
            answer = work()
        except _Refused as refused:
            detail = {"reason": refused.reason, **refused.detail}
            if refused.status == FAILED:
                return give_up(FAILED, refused.reason, detail)
            return self.ledger.finish(
                event.event_id, action, refused.status, self.deps.now(), detail=detail, retry_at=refused.retry_at
            )
        except PermanentVendorError as exc:
            reason = exc.reason or str(exc)
            self.deps.log.warning(f"respond: {action} for {event.event_id} refused by {vendor}: {reason}")
            return give_up(
                FAILED,
                reason,
                {"reason": reason, "error": type(exc).__name__, "status": exc.status},
                {**described(), "status": exc.status},
            )
        except Exception as exc:  # transient, malformed answer, or a bug of ours
            reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
            safe = isinstance(exc, TransientVendorError) and not_delivered(exc)
            if not isinstance(exc, (TransientVendorError, MalformedResponseError)):
                self.deps.log.exception(f"respond: {action} for {event.event_id} failed")
            if idempotent or safe:
                retry_at = self.deps.now() + self._backoff(attempts)
                self.deps.log.warning(
                    f"respond: {action} for {event.event_id} failed ({reason}); retry at {retry_at.isoformat()}"
                )
                return self.ledger.finish(
                    event.event_id,
                    action,
                    PENDING,
                    self.deps.now(),
                    detail={"reason": reason, "transient": True},
                    retry_at=retry_at,
                )
            reason = f"outcome unknown, not repeated to avoid a duplicate: {reason}"
            return give_up(IN_DOUBT, reason, {"reason": reason})
        ref, detail = answer[0], answer[1]
        if ref == DRY_RUN_REF:
            return self.ledger.finish(event.event_id, action, DRY_RUN, self.deps.now(), detail=detail)
        with self.ledger.atomic():  # what the send implies (message row, touch) commits with the outcome
            if len(answer) > 2 and answer[2] is not None:
                answer[2]()
            return self.ledger.finish(event.event_id, action, DONE, self.deps.now(), vendor_ref=ref, detail=detail)

    def _dry(self, what: str, described: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        self.deps.log.info(f"respond (dry run): would {what}: {dict(described)}")
        return DRY_RUN_REF, {"dry_run": True, **described}

    def _finish_event(self, event: Event, outcome: EventOutcome) -> None:
        """Queue the event for a later pass while any of its actions is pending or deferred."""
        open_actions = [a for a in self.ledger.actions(event.event_id) if a.status in (PENDING, DEFERRED, SENDING)]
        outcome.actions = {a.action: a.status for a in self.ledger.actions(event.event_id)}
        if open_actions:
            now = self.deps.now()
            retry_at = min((a.retry_at or now + self.cfg.retry_base) for a in open_actions)
            reasons = ", ".join(f"{a.action} {a.status}" for a in open_actions)
            self.ledger.schedule_retry(event.event_id, event.to_dict(), retry_at, reasons)
        else:
            self.ledger.clear_retry(event.event_id)

    # -- dispatch ---------------------------------------------------------------------------------
    def run(self, events: Iterable[Any]) -> RespondReport:
        batch = [Event.of(raw) for raw in events]
        lanes: dict[str, list[int]] = {}
        for index, event in enumerate(batch):
            lanes.setdefault(partition_key(event), []).append(index)
        outcomes: list[EventOutcome | None] = [None] * len(batch)

        def run_lane(indexes: list[int]) -> None:
            for index in indexes:
                outcomes[index] = self.safe_one(batch[index])

        if self.cfg.workers <= 1 or len(lanes) <= 1:
            for indexes in lanes.values():
                run_lane(indexes)
        else:
            with ThreadPoolExecutor(
                max_workers=min(self.cfg.workers, len(lanes)), thread_name_prefix="respond"
            ) as pool:
                for future in [pool.submit(run_lane, indexes) for indexes in lanes.values()]:
                    future.result()
        report = RespondReport()
        for outcome in outcomes:
            report.add(outcome)  # type: ignore[arg-type]
        return report

    def safe_one(self, event: Event) -> EventOutcome:
        try:
            return self.one(event)
        except Exception:
            # one bad event must not block the batch; it waits in the retry queue
            self.deps.log.exception(f"respond: event {event.event_id} failed")
            now = self.deps.now()
            self.ledger.schedule_retry(event.event_id, event.to_dict(), now + self.cfg.retry_max, "error")
            return EventOutcome(event.event_id, event.kind, event.event_type, "error")

    def one(self, event: Event) -> EventOutcome:
        if event.kind == "twilio_inbound":
            return self.inbound(event)
        if event.kind == "twilio_status":
            return self.status(event)
        if event.kind == "intent":
            return self.intent(event)
        if event.kind == META_LEADGEN:
            return self.meta_lead(event)
        return EventOutcome(event.event_id, event.kind, event.event_type, "ignored")

    # -- Twilio inbound ---------------------------------------------------------------------------
    def inbound(self, event: Event) -> EventOutcome:
        params = event.payload.get("params") or {}
        phone = event.payload.get("from_phone")
        outcome = EventOutcome(event.event_id, event.kind, event.event_type, "inbound")
        classified = classify_inbound(params.get("Body"))
        if not phone:
            outcome.result = "inbound_without_phone"
            return outcome
        if classified.kind in (KeywordType.OPT_OUT, KeywordType.OPT_IN):
            suppress = classified.kind is KeywordType.OPT_OUT
            state = self.ledger.set_suppression(phone, suppress, classified.keyword or "", event.received_at)
            self.ledger.finish(
                event.event_id,
                SUPPRESSION,
                DONE,
                self.deps.now(),
                detail={"keyword": classified.keyword, "state": state.state},
            )
            self.deps.log.info(f"respond: {mask_phone(phone)} {state.state} by {classified.keyword}")
            outcome.result = "opt_out" if suppress else "opt_in"
        elif classified.kind is KeywordType.HELP:
            self.help_reply(event, phone)
            outcome.result = "help"
        elif classified.possible_opt_out:
            self.ledger.finish(
                event.event_id,
                INBOUND_REVIEW,
                DONE,
                self.deps.now(),
                detail={"possible_opt_out": True, "from": mask_phone(phone)},
            )
            self.deps.log.warning(
                f"respond: inbound text from {mask_phone(phone)} may revoke consent; a person should read it"
            )
            outcome.result = "needs_review"
        self._finish_event(event, outcome)
        return outcome

    def _rooftop_for(self, event: Event) -> RooftopInfo | None:
        rooftop = self.deps.roster.rooftop(event.dealer_id)
        if rooftop is None and self.deps.roster.rooftops:
            rooftop = sorted(self.deps.roster.rooftops.values(), key=lambda r: r.dealer_id)[0]
        return rooftop

    def help_reply(self, event: Event, phone: str) -> ActionRecord:
        rooftop = self._rooftop_for(event)
        name = rooftop.name if rooftop else self.cfg.vendor_name
        call = f" Questions? Call {rooftop.phone}." if rooftop and rooftop.phone else ""
        body = f"{name}: Reply STOP to opt out, START to opt back in.{call} Msg & data rates may apply."

        def describe() -> dict[str, Any]:
            return {"to": mask_phone(phone), "kind": "help_reply"}

        def work() -> tuple[str | None, dict[str, Any]]:
            now = self.deps.now()
            if self.ledger.is_suppressed(phone):
                raise _Refused(SKIPPED, "number is suppressed (STOP); no reply")
            tz = resolve_timezone(None, None, rooftop_tz=rooftop.timezone if rooftop else "America/New_York")
            override = QuietHoursOverride("reply to the customer's own HELP message", approved_by="policy:respond")
            quiet = check_quiet_hours(now, tz, Category.TRANSACTIONAL, override=override)
            detail: dict[str, Any] = {"quiet_hours": quiet.reason}
            if quiet.override_applied:
                self.deps.log.info(
                    f"respond: quiet-hours override for HELP reply to {mask_phone(phone)}: {quiet.reason}"
                )
                detail["quiet_hours_override"] = quiet.reason
            if self.deps.twilio is None:
                raise _Refused(SKIPPED, "Twilio is not configured")
            if self.deps.dry_run:
                return self._dry("send a HELP reply", {**describe(), **detail})
            message = self.deps.twilio.send_sms(phone, body)

            def writes() -> None:
                self.ledger.record_message(
                    message.sid, message.status, now, event_id=event.event_id, to_masked=mask_phone(phone)
                )

            return message.sid, {**detail, "segments": message.num_segments}, writes

        return self._act(event, HELP_REPLY, "twilio", work, idempotent=False, describe=describe)

    # -- Twilio status --------------------------------------------------------------------------------
    def status(self, event: Event) -> EventOutcome:
        params = event.payload.get("params") or {}
        sid, status = params.get("MessageSid"), params.get("MessageStatus") or event.event_type
        error_code = params.get("ErrorCode") or None
        outcome = EventOutcome(event.event_id, event.kind, event.event_type, "status")
        if not sid:
            outcome.result = "status_without_sid"
            return outcome
        row = self.ledger.record_message(sid, status, event.received_at, error_code=error_code)
        if status in FINAL_FAILURES and row.status == status:
            reason = f"message {status}" + (f": Twilio error {error_code}" if error_code else "")
            self.ledger.add_dead_letter(
                row.event_id or event.event_id,
                SMS,
                "twilio",
                reason,
                {"sid": sid, "to": row.to_masked, "error_code": error_code},
                self.deps.now(),
            )
            if error_code == "21610" and event.payload.get("to_phone"):
                self.ledger.set_suppression(event.payload["to_phone"], True, "21610", event.received_at)
        outcome.result = f"status:{row.status}"
        return outcome

    # -- intent -----------------------------------------------------------------------------------------
    def intent(self, event: Event) -> EventOutcome:
        outcome = EventOutcome(event.event_id, event.kind, event.event_type, "recorded")
        contact = contact_from_payload(event.payload, event.dealer_id)
        self.ledger.add_contact_event(event.event_id, contact.keys, event.event_type, event.occurred_at)
        if event.event_type == VDP_VIEW:
            if not self._vdp_trigger(event, contact):
                return outcome
        elif event.event_type not in HIGH_INTENT_TYPES:
            return outcome
        now = self.deps.now()
        if now - event.occurred_at > self.cfg.max_event_age and not self.ledger.actions(event.event_id):
            self.ledger.finish(
                event.event_id,
                "respond",
                SKIPPED,
                now,
                detail={"reason": f"stale: happened {now - event.occurred_at} ago (limit {self.cfg.max_event_age})"},
            )
            outcome.result = "stale"
            outcome.actions = {"respond": SKIPPED}
            return outcome
        history = self.ledger.contact_events(contact.keys, since=event.occurred_at - timedelta(days=30))
        features = LeadFeatures.from_events([LeadEvent(e.event_type, e.at) for e in history], as_of=event.occurred_at)
        score = self.deps.scorer.score(features)
        rooftop = self.deps.roster.rooftop(event.dealer_id)
        if rooftop is None:
            now = self.deps.now()
            reason = f"no rooftop {event.dealer_id!r} in the configuration"
            self.ledger.add_dead_letter(
                event.event_id, "respond", "config", reason, {"dealer_id": event.dealer_id}, now
            )
            self.ledger.finish(event.event_id, "respond", FAILED, now, detail={"reason": reason})
            outcome.result = "unknown_rooftop"
            self._finish_event(event, outcome)
            return outcome
        lead = _Lead(event, contact, score, rooftop, self.deps.now(), vehicle=dict(event.payload.get("vehicle") or {}))
        outcome.result = f"lead:{score.band.value}"
        self.respond_lead(lead)
        self._finish_event(event, outcome)
        return outcome

    # -- Meta lead ads ------------------------------------------------------------------------------------
    def meta_lead(self, event: Event) -> EventOutcome:
        """A lead-ads webhook: rooftop from the page, the lead read by id, then answered as a `lead_form` lead."""
        outcome = EventOutcome(event.event_id, event.kind, event.event_type, "recorded")
        payload = event.payload
        leadgen_id = str(payload.get("leadgen_id") or "")
        ids = {"leadgen_id": leadgen_id, "page_id": payload.get("page_id"), "form_id": payload.get("form_id")}
        rooftop, why = self._lead_ad_rooftop(event)
        if rooftop is None:

            def refuse() -> tuple[str | None, dict[str, Any]]:
                raise _Refused(FAILED, why)

            record = self._act(event, RESPOND, "config", refuse, idempotent=True, describe=lambda: dict(ids))
            outcome.result = "unknown_rooftop"
            outcome.actions = {RESPOND: record.status}
            self._finish_event(event, outcome)
            return outcome
        now = self.deps.now()
        if now - event.occurred_at > self.cfg.max_event_age and not self.ledger.actions(event.event_id):
            self.ledger.finish(
                event.event_id,
                RESPOND,
                SKIPPED,
                now,
                detail={"reason": f"stale: happened {now - event.occurred_at} ago (limit {self.cfg.max_event_age})"},
            )
            outcome.result = "stale"
            outcome.actions = {RESPOND: SKIPPED}
            return outcome
        lead_ad = payload.get("lead_ad")  # present on the retry queue's copy once the lead was read
        if lead_ad is None:
            mapped = self._read_lead_ad(event, ids, outcome)
            if mapped is None:
                if outcome.result != REREAD_PENDING:  # a re-read that failed has queued the event itself
                    self._finish_event(event, outcome)
                return outcome
            lead_ad = {
                **ids,
                "ad_id": mapped[1].get("ad_id") or payload.get("ad_id"),
                "vehicle": mapped[0].vehicle,
                "answers": mapped[0].answers,
                "unusable": mapped[0].unusable,
            }
            customer = {**mapped[0].customer(), "meta_lead_id": leadgen_id}
            payload = {
                **payload,
                "lead_ad": lead_ad,
                "customer": customer,
                "consent": {},
                "source": LEAD_AD_SOURCE,
                "vehicle": {k: v for k, v in mapped[0].vehicle.items() if k != "description"},
            }
        lead_event = replace(event, event_type=LEAD_FORM, dealer_id=rooftop.dealer_id, payload=payload)
        # No consent flags: the form's consent covers answering this request (transactional) only.
        contact = contact_from_payload(payload, rooftop.dealer_id)
        self.ledger.add_contact_event(event.event_id, contact.keys, LEAD_FORM, event.occurred_at)
        history = self.ledger.contact_events(contact.keys, since=event.occurred_at - timedelta(days=30))
        features = LeadFeatures.from_events([LeadEvent(e.event_type, e.at) for e in history], as_of=event.occurred_at)
        score = self.deps.scorer.score(features)
        lead = _Lead(
            lead_event,
            contact,
            score,
            rooftop,
            self.deps.now(),
            vehicle=dict(payload.get("vehicle") or {}),
            phone_problem=(lead_ad.get("unusable") or {}).get("phone"),
        )
        outcome.result = f"lead:{score.band.value}"
        self.respond_lead(lead)
        self._finish_event(lead_event, outcome)
        return outcome

    def _lead_ad_rooftop(self, event: Event) -> tuple[RooftopInfo | None, str]:
        payload = event.payload
        dealer_id, why = event.dealer_id, ""
        if not dealer_id:
            routing = self.deps.lead_ad_routing
            if routing is None:
                return None, "lead-ad routing is not configured (the rooftops' meta_page_id)"
            dealer_id, why = routing.resolve(payload.get("page_id"), payload.get("form_id"))
            if dealer_id is None:
                return None, why
        rooftop = self.deps.roster.rooftop(dealer_id)
        return rooftop, why if rooftop else f"no rooftop {dealer_id!r} in the configuration"

    def _read_lead_ad(
        self, event: Event, ids: dict[str, Any], outcome: EventOutcome
    ) -> tuple[LeadAdContact, dict[str, Any]] | None:
        """The lead's answers, mapped; None (the `meta_lead` action pending or failed) when it cannot be read now."""
        leadgen_id = ids["leadgen_id"]
        read: dict[str, Any] = {}

        def fetch() -> dict[str, Any]:
            if self.deps.meta is None:
                raise _Refused(FAILED, "Meta is not configured: the lead cannot be read")
            try:
                return self.deps.meta.get_lead(leadgen_id)
            except ValueError as exc:
                raise _Refused(FAILED, f"leadgen id {leadgen_id!r}: {exc}") from None

        def work() -> tuple[str | None, dict[str, Any]]:
            raw = fetch()  # a read: fetched in dry-run mode too
            mapped = lead_contact_from_field_data(raw.get("field_data"))
            read.update(raw=raw, mapped=mapped)
            detail = {
                "form_id": raw.get("form_id"),
                "ad_id": raw.get("ad_id"),
                "created_time": raw.get("created_time"),
                "fields": list(mapped.fields),
                "unusable": mapped.unusable,
            }
            if mapped.unusable:
                self.deps.log.info(f"respond: lead-ad lead {leadgen_id}: unusable answers {sorted(mapped.unusable)}")
            return str(raw.get("id") or leadgen_id), detail

        record = self._act(event, META_LEAD, "meta", work, idempotent=True, describe=lambda: dict(ids))
        if record.status == DONE and "mapped" not in read:
            # read on an earlier pass whose copy with the answers was not kept: read it again (a GET)
            try:
                raw = fetch()
            except (VendorError, _Refused) as exc:
                reason = getattr(exc, "reason", None) or str(exc)
                retry_at = self.deps.now() + self.cfg.retry_base
                self.ledger.schedule_retry(event.event_id, event.to_dict(), retry_at, f"meta_lead re-read: {reason}")
                outcome.result = REREAD_PENDING
                outcome.actions = {a.action: a.status for a in self.ledger.actions(event.event_id)}
                return None
            read.update(raw=raw, mapped=lead_contact_from_field_data(raw.get("field_data")))
        if record.status != DONE:
            outcome.result = f"meta_lead:{record.status}"
            return None
        return read["mapped"], read["raw"]

    def _vdp_trigger(self, event: Event, contact: Contact) -> bool:
        since = event.occurred_at - self.cfg.vdp_window
        views = [
            e
            for e in self.ledger.contact_events(contact.keys, since=since)
            if e.event_type == VDP_VIEW and e.at <= event.occurred_at
        ]
        if len(views) < self.cfg.vdp_threshold:
            return False
        if any(v.triggered and v.event_id != event.event_id for v in views):
            return False  # already answered for this run of views
        self.ledger.mark_triggered(event.event_id)
        return True

    def respond_lead(self, lead: _Lead) -> None:
        self.match_inventory(lead)
        if not lead.assignment:
            self.assign(lead)
        sms = self.sms(lead)
        if sms.status == FAILED or (sms.status == SKIPPED and sms.detail.get("fallback")):
            lead.sms_problem = sms.detail.get("consent") or sms.detail.get("reason") or sms.status
            self.email_fallback(lead)
        if self.cfg.crm_rest:
            self.crm_lead(lead)
        if self.cfg.crm_adf:
            self.crm_adf(lead)
        self.wrike_task(lead)
        self.slack_alert(lead)

    # -- 1. inventory -----------------------------------------------------------------------------------
    def _feed(self, dealer_id: str) -> list[dict[str, Any]]:
        with self._feed_lock:
            cached = self.deps._inventory_cache.get(dealer_id)
            if cached and _time.monotonic() - cached[0] < self.cfg.inventory_ttl_seconds:
                return cached[1]
            rows = list(self.deps.inventory.iter_vehicles(dealer_id))  # type: ignore[union-attr]
            self.deps._inventory_cache[dealer_id] = (_time.monotonic(), rows)
            return rows

    def match_inventory(self, lead: _Lead) -> None:
        record = self.ledger.get_action(lead.event_id, INVENTORY)
        if record is None or not record.terminal:
            status, detail = self._match_inventory(lead)  # reads the feed; writes nothing
            with self.ledger.atomic():  # the match and the assignment: one transaction
                record = self.ledger.finish(lead.event_id, INVENTORY, status, self.deps.now(), detail=detail)
                self.assign(lead)
        lead.inventory = record.detail
        found = record.detail.get("vehicle") or {}
        for key, value in found.items():  # the feed's facts complete (not override) what the event said
            if value not in (None, "") and not lead.vehicle.get(key):
                lead.vehicle[key] = value
        if lead.vehicle_gone and lead.inventory.get("viewed"):
            for key, value in lead.inventory["viewed"].items():
                lead.vehicle.setdefault(key, value)

    def _match_inventory(self, lead: _Lead) -> tuple[str, dict[str, Any]]:
        vehicle = lead.vehicle
        vin, stock = (vehicle.get("vin") or "").upper(), vehicle.get("stock_number")
        if not (vin or stock):
            return SKIPPED, {"status": "no_vehicle"}
        if self.deps.inventory is None:
            return SKIPPED, {"status": "not_configured"}
        try:
            feed = self._feed(lead.rooftop.dealer_id)
        except (VendorError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            self.deps.log.warning(f"respond: inventory feed of {lead.rooftop.dealer_id} unavailable: {reason}")
            return SKIPPED, {"status": "unavailable", "reason": reason}
        match = next(
            (
                row
                for row in feed
                if (vin and (row.get("vin") or "").upper() == vin) or (stock and row.get("stock_number") == stock)
            ),
            None,
        )
        keep = (
            "vehicle_id",
            "vin",
            "stock_number",
            "year",
            "make",
            "model",
            "trim",
            "body_style",
            "inventory_type",
            "price",
            "vdp_url",
        )
        if match is not None:
            found = {k: match.get(k) for k in keep}
            found["condition"] = match.get("inventory_type")
            return DONE, {"status": "in_stock", "vehicle": found, "feed_size": len(feed)}
        viewed = {
            k: vehicle.get(k) for k in ("vin", "stock_number", "year", "make", "model", "trim", "condition", "price")
        }
        alternatives: list[dict[str, Any]] = []
        note = None
        if viewed.get("make") and viewed.get("model"):
            matches = inventory_match.closest_alternatives(
                {**viewed, "body_style": vehicle.get("body_style")}, feed, limit=3
            )
            for m in matches:
                row = next(
                    (r for r in feed if (r.get("stock_number") or r.get("vin")) == (m.vehicle.stock or m.vehicle.vin)),
                    {},
                )
                alternatives.append({**{k: row.get(k) for k in keep}, "score": m.score})
        else:
            note = "the event does not say the vehicle's make and model, so there is nothing to match on"
        detail = {"status": "sold", "viewed": viewed, "alternatives": alternatives, "feed_size": len(feed)}
        if note:
            detail["note"] = note
        self.deps.log.info(
            f"respond: vehicle of {lead.event_id} is not in {lead.rooftop.dealer_id}'s feed; {len(alternatives)} alternatives"
        )
        return DONE, detail

    # -- 2. assignment --------------------------------------------------------------------------------------
    def assign(self, lead: _Lead) -> None:
        record = self.ledger.get_action(lead.event_id, ASSIGN)
        if record is None or record.status != DONE:
            with self._assign_lock:
                record = self._assign(lead)
        lead.assignment = record.detail

    def _assign(self, lead: _Lead) -> ActionRecord:
        # read the cursor, pick, move the cursor and record the assignment in one transaction, so two
        # runs at once (threads or processes) never hand out the same turn
        with self.ledger.atomic():
            return self._assign_in_transaction(lead)

    def _assign_in_transaction(self, lead: _Lead) -> ActionRecord:
        now = self.deps.now()
        roster = self.deps.roster
        state = RoundRobinState.from_dict(self.ledger.round_robin_state())
        location = LeadLocation(rooftop_id=lead.rooftop.dealer_id, zip_code=lead.contact.postal_code)
        assignment = assign_lead(location, roster.routing_rooftops, roster.routing_salespeople, state, now)
        due = sla_due(lead.event.received_at, lead.score.band.value, lead.rooftop.hours)
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
        }
        if assignment.rooftop_id and assignment.salesperson_id:
            self.ledger.set_round_robin(assignment.rooftop_id, assignment.salesperson_id)
        return self.ledger.finish(lead.event_id, ASSIGN, DONE, now, detail=detail)

    # -- 3. SMS -------------------------------------------------------------------------------------------------
    def _appointment(self, lead: _Lead) -> datetime | None:
        attrs = lead.event.payload.get("attributes") or {}
        raw = attrs.get("appointment_at") or attrs.get("preferred_time") or attrs.get("requested_time")
        if not raw:
            return None
        try:
            at = _dt(raw)
        except (TypeError, ValueError):
            return None
        return at.astimezone(ZoneInfo(lead.rooftop.timezone))

    def _context(self, lead: _Lead, *, alternatives: bool) -> TemplateContext:
        rooftop = lead.rooftop
        alts = lead.alternatives if alternatives else []
        link = None
        if alts:
            link = f"{rooftop.website.rstrip('/')}/inventory" if rooftop.website else alts[0].get("vdp_url")
        return TemplateContext(
            rooftop_name=rooftop.name,
            first_name=lead.contact.given_name,
            rooftop_phone=rooftop.phone,
            rooftop_address=rooftop.address,
            salesperson=lead.assignment.get("salesperson_name"),
            vehicle=lead.vehicle_ref(),
            appointment_at=self._appointment(lead),
            alternatives=_alt_refs(alts),
            link=link,
        )

    def compose_sms(self, lead: _Lead, *, marketing_ok: bool) -> RenderedMessage:
        extra = {} if lead.vehicle_ref() else {"vehicle": lead.vehicle_label()}
        if lead.event.event_type == VDP_VIEW:
            # nobody asked us anything: a text about browsing is marketing (express written consent,
            # marketing caps, no quiet-hours override)
            if lead.vehicle_gone and lead.alternatives and marketing_ok:
                return render_stage(
                    Stage.INVENTORY_ALTERNATIVES, Channel.SMS, self._context(lead, alternatives=True), extra=extra
                )
            return render(VDP_INTEREST_SMS, self._context(lead, alternatives=False), extra=extra)
        if lead.vehicle_gone and lead.alternatives and marketing_ok:
            return render_stage(
                Stage.INVENTORY_ALTERNATIVES, Channel.SMS, self._context(lead, alternatives=True), extra=extra
            )
        if lead.event.event_type == "test_drive_request" and not lead.vehicle_gone and self._appointment(lead):
            return render_stage(
                Stage.TEST_DRIVE_CONFIRMATION, Channel.SMS, self._context(lead, alternatives=False), extra=extra
            )
        return render_stage(
            Stage.LEAD_ACKNOWLEDGEMENT, Channel.SMS, self._context(lead, alternatives=False), extra=extra
        )

    def sms(self, lead: _Lead) -> ActionRecord:
        contact, event = lead.contact, lead.event

        def describe() -> dict[str, Any]:
            return {"to": contact.phone_masked, "event_type": event.event_type}

        def work() -> tuple[str | None, dict[str, Any]]:
            now = self.deps.now()
            if not contact.phone:
                if lead.phone_problem:
                    raise _Refused(
                        SKIPPED,
                        f"no usable phone number: {lead.phone_problem}",
                        detail={"fallback": True, "unusable": {"phone": lead.phone_problem}},
                    )
                raise _Refused(SKIPPED, "no phone number to text", detail={"fallback": True})
            suppressed = self.ledger.is_suppressed(contact.phone)
            state = contact.consent_state(sms_opted_out=suppressed)
            marketing = consent_decision(state, Channel.SMS, Category.MARKETING)
            try:
                message = self.compose_sms(lead, marketing_ok=marketing.allowed)
            except TemplateError as exc:
                raise _Refused(FAILED, f"template: {exc}") from None
            decision = consent_decision(state, Channel.SMS, message.category)
            if not decision.allowed:
                raise _Refused(
                    SKIPPED, f"consent: {decision.reason}", detail={"consent": decision.code.value, "fallback": True}
                )
            detail: dict[str, Any] = {
                "template": message.template_key,
                "category": message.category.value,
                "segments": message.segments.segments if message.segments else None,
                "encoding": message.segments.encoding.value if message.segments else None,
                "consent": decision.reason,
            }
            if lead.vehicle_gone:
                detail["alternatives"] = (
                    [_alt_label(a) for a in lead.alternatives] if message.stage is Stage.INVENTORY_ALTERNATIVES else []
                )
            tz = resolve_timezone(contact.postal_code, None, rooftop_tz=lead.rooftop.timezone)
            override = None
            age = now - event.occurred_at
            if message.stage is Stage.TEST_DRIVE_CONFIRMATION and age <= self.cfg.override_window:
                override = QuietHoursOverride(
                    f"test-drive confirmation the customer asked for {int(age.total_seconds())} s ago",
                    approved_by="policy:respond",
                )
            quiet = check_quiet_hours(now, tz, message.category, override=override)
            detail["quiet_hours"] = quiet.reason
            if not quiet.allowed:
                raise _Refused(
                    DEFERRED, quiet.reason, retry_at=quiet.send_at, detail={**detail, "local": quiet.local_times}
                )
            if quiet.override_applied:
                detail["quiet_hours_override"] = quiet.reason
                self.deps.log.info(
                    f"respond: quiet-hours override for {event.event_id} to {contact.phone_masked}: {quiet.reason}; "
                    f"local {quiet.local_times}"
                )
            touches = [
                Touch(t.at, Channel(t.channel), Category(t.category))
                for t in self.ledger.touches(contact.keys, since=now - timedelta(days=8))
            ]
            caps = check_frequency(touches, now, Channel.SMS, message.category, self.cfg.frequency_policy)
            if not caps.allowed:
                if caps.retry_at is not None:
                    raise _Refused(DEFERRED, caps.reason, retry_at=caps.retry_at, detail=detail)
                raise _Refused(SKIPPED, caps.reason, detail=detail)
            if self.deps.twilio is None:
                raise _Refused(SKIPPED, "Twilio is not configured", detail=detail)
            if self.deps.dry_run:
                return self._dry("send an SMS", {**describe(), **detail})
            try:
                sent = self.deps.twilio.send_sms(contact.phone, message.body)
            except RecipientOptedOutError:
                # Twilio's own block list says STOP: honour it in ours at once
                self.ledger.set_suppression(contact.phone, True, "21610", now)
                raise
            self.deps.log.info(
                f"respond: SMS {message.template_key} to {contact.phone_masked} for {event.event_id}: {sent.sid} {sent.status}"
            )

            def writes() -> None:
                self.ledger.record_message(
                    sent.sid, sent.status, now, event_id=event.event_id, to_masked=contact.phone_masked
                )
                self.ledger.add_touch(
                    contact.keys, Channel.SMS.value, message.category.value, now, f"{event.event_id}:sms"
                )

            return sent.sid, {**detail, "twilio_status": sent.status}, writes

        return self._act(event, SMS, "twilio", work, idempotent=False, describe=describe)

    # -- 4. fallback email ---------------------------------------------------------------------------------------
    def email_fallback(self, lead: _Lead) -> ActionRecord:
        contact, event = lead.contact, lead.event

        def describe() -> dict[str, Any]:
            return {"channel": "email", "why": lead.sms_problem, "event_type": event.event_type}

        def work() -> tuple[str | None, dict[str, Any]]:
            now = self.deps.now()
            if not contact.email:
                raise _Refused(SKIPPED, f"SMS not possible ({lead.sms_problem}) and no email address")
            state = contact.consent_state(sms_opted_out=True)
            decision = consent_decision(state, Channel.EMAIL, Category.TRANSACTIONAL)
            if not decision.allowed:
                raise _Refused(SKIPPED, f"consent: {decision.reason}")
            extra = {} if lead.vehicle_ref() else {"vehicle": lead.vehicle_label()}
            stage = Stage.LEAD_ACKNOWLEDGEMENT
            if (
                event.event_type == "test_drive_request"
                and not lead.vehicle_gone
                and self._appointment(lead)
                and lead.rooftop.address
            ):
                stage = Stage.TEST_DRIVE_CONFIRMATION
            message = render_stage(stage, Channel.EMAIL, self._context(lead, alternatives=False), extra=extra)
            data = {
                "subject": message.subject,
                "body": message.body,
                "first_name": contact.given_name,
                "vehicle": lead.vehicle_label(),
                "rooftop_name": lead.rooftop.name,
                "rooftop_phone": lead.rooftop.phone,
                "alternatives": [_alt_label(a) for a in lead.alternatives] if lead.vehicle_gone else [],
                "salesperson": lead.assignment.get("salesperson_name"),
            }
            detail = {"template": message.template_key, "why": lead.sms_problem}
            if self.deps.email is None:
                raise _Refused(SKIPPED, "Customer.io is not configured", detail=detail)
            if self.deps.dry_run:
                return self._dry("send a fallback email", {**describe(), **detail})
            delivery = self.deps.email.send_email(
                self.cfg.fallback_email_message_id, contact.email, {"email": contact.email}, data
            )
            self.deps.log.info(
                f"respond: fallback email for {event.event_id} ({lead.sms_problem}): {delivery.delivery_id}"
            )

            def writes() -> None:
                self.ledger.add_touch(
                    contact.keys, Channel.EMAIL.value, Category.TRANSACTIONAL.value, now, f"{event.event_id}:email"
                )

            return delivery.delivery_id, detail, writes

        return self._act(event, EMAIL_FALLBACK, "customerio", work, idempotent=False, describe=describe)

    # -- 5. CRM ----------------------------------------------------------------------------------------------------
    def _comments(self, lead: _Lead) -> str:
        parts = [
            f"{EVENT_LABEL.get(lead.event.event_type, lead.event.event_type)}; score {lead.score.score} ({lead.score.band.value}): "
            + "; ".join(r.detail for r in lead.score.reasons)
        ]
        appointment = self._appointment(lead)
        if appointment:
            parts.append(f"requested time {appointment:%Y-%m-%d %H:%M %Z}")
        if lead.assignment.get("salesperson_id"):
            parts.append(f"assigned to {lead.assignment.get('salesperson_name')} ({lead.assignment['salesperson_id']})")
        if lead.vehicle_gone:
            alts = ", ".join(_alt_label(a) for a in lead.alternatives) or "none found"
            parts.append(f"vehicle no longer in stock; closest in stock: {alts}")
        lead_ad = lead.event.payload.get("lead_ad")
        if lead_ad:
            parts.append(
                f"Meta lead ad: lead {lead_ad.get('leadgen_id')}, form {lead_ad.get('form_id')}, "
                f"ad {lead_ad.get('ad_id') or 'organic'}"
            )
            if (lead_ad.get("vehicle") or {}).get("description"):
                parts.append(f"vehicle of interest: {lead_ad['vehicle']['description']}")
            for key, answer in sorted((lead_ad.get("answers") or {}).items()):
                parts.append(f"form answer {key}: {answer}")
            for key, reason in sorted((lead_ad.get("unusable") or {}).items()):
                parts.append(f"unusable {key} on the form: {reason}")
        return ". ".join(parts)

    def crm_lead(self, lead: _Lead) -> ActionRecord:
        contact, event, vehicle = lead.contact, lead.event, lead.vehicle

        def work() -> tuple[str | None, dict[str, Any]]:
            if self.deps.crm is None:
                raise _Refused(SKIPPED, "CRM is not configured")
            body = {
                "dealer_id": lead.rooftop.dealer_id,
                "customer_id": contact.customer_id,
                "customer": {
                    k: v
                    for k, v in {
                        "first_name": contact.first_name,
                        "last_name": contact.last_name,
                        "name": contact.full_name,
                        "email": contact.email,
                        "phone": contact.phone,
                        "postal_code": contact.postal_code,
                    }.items()
                    if v
                },
                "lead_type": "sales",
                "source": event.payload.get("source") or "website",
                "vehicle_uuid": vehicle.get("vehicle_id"),
                "vehicle": {
                    k: vehicle.get(k)
                    for k in ("vin", "stock_number", "year", "make", "model", "trim", "condition", "price")
                    if vehicle.get(k) is not None
                },
                "salesperson_id": lead.assignment.get("salesperson_id"),
                "status": "new",
                "comments": self._comments(lead),
            }
            if self.deps.dry_run:
                return self._dry(
                    "create a CRM lead", {"external_id": event.event_id, "dealer_id": lead.rooftop.dealer_id}
                )
            created = self.deps.crm.create_lead(
                {k: v for k, v in body.items() if v is not None}, external_id=event.event_id
            )
            lead.crm_lead_id = created.id
            return created.id, {"created": created.created}

        record = self._act(
            event, CRM_LEAD, "crm", work, idempotent=True, describe=lambda: {"external_id": event.event_id}
        )
        if record.vendor_ref:
            lead.crm_lead_id = record.vendor_ref
        return record

    def build_adf(self, lead: _Lead) -> str:
        contact, vehicle, rooftop = lead.contact, lead.vehicle, lead.rooftop
        condition = (vehicle.get("condition") or "new").lower()
        adf_vehicle = AdfVehicle(
            year=int(vehicle["year"]) if vehicle.get("year") else None,
            make=vehicle.get("make"),
            model=vehicle.get("model"),
            interest=INTEREST.get(lead.event.event_type, "buy"),
            status="new" if condition == "new" else "used",
            vin=vehicle.get("vin"),
            stock=vehicle.get("stock_number"),
            trim=vehicle.get("trim"),
            price=_money(vehicle.get("price")),
            price_type="asking" if vehicle.get("price") is not None else None,
            price_currency="USD" if vehicle.get("price") is not None else None,
            comments=("no longer in stock; alternatives: " + ", ".join(_alt_label(a) for a in lead.alternatives))
            if lead.vehicle_gone
            else None,
        )
        customer = AdfContact(
            first_name=contact.first_name,
            last_name=contact.last_name,
            full_name=None if (contact.first_name or contact.last_name) else (contact.full_name or "Unknown"),
            email=contact.email,
            phones=(AdfPhone(contact.phone, "cellphone"),) if contact.phone else (),
        )
        adf = AdfLead(
            request_date=lead.event.occurred_at,
            vehicles=(adf_vehicle,),
            customer=customer,
            vendor=AdfVendor(
                name=rooftop.name,
                contact=AdfContact(
                    full_name=rooftop.name,
                    phones=(AdfPhone(rooftop.phone),) if rooftop.phone else (),
                    email=None if rooftop.phone else "leads@invalid.example",
                ),
                ids=(AdfId(rooftop.dealer_id, source="dealer_id"),),
            ),
            provider=AdfProvider(name=self.cfg.vendor_name, service=lead.event.payload.get("source") or "website"),
            ids=(AdfId(lead.event_id, sequence="1", source=self.cfg.vendor_name.lower().replace(" ", "-")),),
            customer_comments=self._comments(lead),
        )
        return build_adf(adf)

    def crm_adf(self, lead: _Lead) -> ActionRecord:
        event = lead.event

        def work() -> tuple[str | None, dict[str, Any]]:
            if self.deps.crm is None:
                raise _Refused(SKIPPED, "CRM is not configured")
            if not all(lead.vehicle.get(part) for part in ("year", "make", "model")):
                # ADF 1.0 requires a vehicle; the lead named none, and inventing one would
                # mislead the salesperson. The REST lead carries the lead without it.
                raise _Refused(SKIPPED, "ADF 1.0 needs a vehicle with year, make and model; the lead named none")
            try:
                document = self.build_adf(lead)
            except AdfValidationError as exc:
                raise _Refused(FAILED, str(exc)) from None
            if self.deps.dry_run:
                return self._dry("post an ADF lead", {"prospect_id": event.event_id, "bytes": len(document)})
            created = self.deps.crm.submit_adf(document)
            return created.id, {"created": created.created, "bytes": len(document)}

        return self._act(event, CRM_ADF, "crm", work, idempotent=True, describe=lambda: {"prospect_id": event.event_id})

    # -- 6. Wrike --------------------------------------------------------------------------------------------------
    def wrike_task(self, lead: _Lead) -> ActionRecord:
        event, contact, assignment = lead.event, lead.contact, lead.assignment

        def work() -> tuple[str | None, dict[str, Any]]:
            folder = lead.rooftop.wrike_folder_id or self.cfg.wrike_folder_id
            if self.deps.wrike is None or not folder:
                raise _Refused(SKIPPED, "Wrike is not configured (client or folder id)")
            due = datetime.fromisoformat(assignment["due_at"]).astimezone(ZoneInfo(lead.rooftop.timezone))
            name = contact.given_name or "customer"
            title = f"Call {name} back: {EVENT_LABEL.get(event.event_type, event.event_type)}, {lead.vehicle_label()} ({lead.score.band.value})"
            lines = [
                f"<b>{html.escape(EVENT_LABEL.get(event.event_type, event.event_type).capitalize())}</b> at {html.escape(lead.rooftop.name)}",
                f"Customer: {html.escape(name)} ({html.escape(contact.phone_masked or 'no phone')}); full contact in CRM lead {html.escape(lead.crm_lead_id or 'pending')}",
                f"Vehicle: {html.escape(lead.vehicle_label())}"
                + (
                    f" (stock {html.escape(str(lead.vehicle['stock_number']))})"
                    if lead.vehicle.get("stock_number")
                    else ""
                ),
                f"Score {lead.score.score} ({lead.score.band.value}): "
                + html.escape("; ".join(r.detail for r in lead.score.reasons)),
                f"Due {due:%Y-%m-%d %H:%M %Z}: {html.escape(assignment.get('due_reason') or '')}",
                f"Assigned: {html.escape(assignment.get('reason') or 'unassigned')}",
            ]
            if lead.vehicle_gone:
                lines.append("Vehicle no longer in stock. Closest in stock:")
                lines.extend(f"- {html.escape(_alt_label(a))}" for a in lead.alternatives)
            responsibles = [assignment["wrike_contact_id"]] if assignment.get("wrike_contact_id") else None
            if self.deps.dry_run:
                return self._dry(
                    "create a Wrike task", {"folder": folder, "due": due.isoformat(), "responsibles": responsibles}
                )
            task, created = self.deps.wrike.create_task_once(
                folder,
                title[:250],
                event.event_id,
                description="<br>".join(lines),
                importance="High" if lead.score.band is Band.HOT else "Normal",
                due=due.replace(tzinfo=None),
                responsibles=responsibles,
            )
            return task.id, {"created": created, "due": due.isoformat(), "responsibles": responsibles or []}

        return self._act(event, WRIKE_TASK, "wrike", work, idempotent=True, describe=lambda: {"key": event.event_id})

    # -- 7. Slack --------------------------------------------------------------------------------------------------
    def slack_alert(self, lead: _Lead) -> ActionRecord:
        event, contact = lead.event, lead.contact

        def work() -> tuple[str | None, dict[str, Any]]:
            if lead.score.band.value not in self.cfg.alert_bands:
                raise _Refused(
                    SKIPPED, f"{lead.score.band.value} lead: alerts go out for {sorted(self.cfg.alert_bands)}"
                )
            if self.deps.slack is None:
                raise _Refused(SKIPPED, "Slack is not configured")
            vehicle = lead.vehicle_label()
            if lead.vehicle.get("stock_number"):
                vehicle += f" (stock {lead.vehicle['stock_number']})"
            if lead.vehicle_gone:
                vehicle += " - no longer in stock, see the task for alternatives"
            alert = HotLeadAlert(
                lead_id=lead.crm_lead_id or event.event_id,
                first_name=contact.given_name,
                phone=contact.phone,
                score=lead.score.score / 100,
                dealer_name=lead.rooftop.name,
                vehicle=vehicle,
                source=event.payload.get("source") or EVENT_LABEL.get(event.event_type),
                salesperson=lead.assignment.get("salesperson_name"),
                received_at=event.received_at.astimezone(ZoneInfo(lead.rooftop.timezone)),
                reasons=tuple(r.detail for r in lead.score.reasons),
            )
            if self.deps.dry_run:
                return self._dry("post a Slack alert", {"lead_id": alert.lead_id, "dealer": alert.dealer_name})
            self.deps.slack.post_hot_lead(alert)
            return alert.lead_id, {"band": lead.score.band.value}

        return self._act(
            event, SLACK_ALERT, "slack", work, idempotent=True, describe=lambda: {"event_id": event.event_id}
        )


def respond(events: Iterable[Any], deps: ResponseDeps) -> RespondReport:
    """Run the workflow over one batch of events (commit order); see the module docstring."""
    return Responder(deps).run(events)


def respond_due(deps: ResponseDeps, limit: int = 100) -> RespondReport:
    """Pass again over events whose deferred or pending actions are due (quiet hours over, backoff elapsed)."""
    items = deps.ledger.due_retries(deps.now(), limit)
    return Responder(deps).run(item.event for item in items)


__all__ = [
    "Event",
    "EventOutcome",
    "HIGH_INTENT_TYPES",
    "RespondReport",
    "ResponseConfig",
    "ResponseDeps",
    "not_delivered",
    "respond",
    "respond_due",
]
