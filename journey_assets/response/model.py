"""What the responder reads and answers: events, its settings and dependencies, outcomes.

No vendor calls here; `runner.py` runs the actions over these.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from journey_assets.connectors.crm import CRMClient
from journey_assets.connectors.customerio import CustomerIOAppClient
from journey_assets.connectors.dealer_inventory import DealerInventoryClient
from journey_assets.connectors.meta import MetaGraphClient
from journey_assets.connectors.slack import SlackWebhookClient
from journey_assets.connectors.twilio import TwilioClient
from journey_assets.connectors.wrike import WrikeClient
from journey_assets.journey.frequency import DEFAULT_POLICY, FrequencyPolicy
from journey_assets.journey.lead_ads import LeadAdRouting
from journey_assets.journey.routing import TierRouting
from journey_assets.journey.scoring import LeadScorer, RuleBasedScorer
from journey_assets.response.config import Roster
from journey_assets.response.features import FeatureStore
from journey_assets.response.ledger import ResponseLedger, utc_now

log = logging.getLogger("journey_assets.response")

DRY_RUN_REF = "dry-run"


def as_utc(value: Any) -> datetime:
    """A datetime or ISO text as an aware datetime (naive means UTC)."""
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
                as_utc(raw["occurred_at"]),
                as_utc(raw["received_at"]),
                dict(raw["payload"]),
                raw.get("seq"),
            )
        received = as_utc(raw.received_at)
        return cls(
            raw.event_id,
            raw.kind,
            raw.event_type,
            raw.dealer_id,
            as_utc(raw.occurred_at) if raw.occurred_at else received,
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
    routing: TierRouting = field(default_factory=TierRouting)  # SLA, alert and importance per tier
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
    # An uncertain send (timeout, reset, 5xx) is looked up at the vendor before it is sent again;
    # a vendor may still be storing a message whose request we gave up on, so the look-up that can
    # lead to a second send waits this long after the attempt.
    reconcile_after: timedelta = timedelta(minutes=2)


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
    features: FeatureStore | None = None  # the warehouse's latest features per person (None: rules only see events)
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


class Done(NamedTuple):
    """What an action's work answers when it acted: the vendor's reference, the ledger detail, and
    `writes()`, run in the same ledger transaction as the `done` record (the message row, the touch);
    `status` when a read or a local decision finishes otherwise than `done` (a feed with nothing to match)."""

    ref: str | None
    detail: dict[str, Any]
    writes: Callable[[], None] | None = None
    status: str | None = None


class Refused(Exception):
    """Raised inside an action to finish it as `skipped`/`deferred`/`failed` without a vendor call."""

    def __init__(self, status: str, reason: str, *, retry_at: datetime | None = None, detail: dict | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_at = retry_at
        self.detail = detail or {}
