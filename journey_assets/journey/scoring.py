"""Lead scoring: one Protocol, a transparent rule-based implementation.

:class:`LeadScorer` is what the response plane calls; the propensity model
(scikit-learn, or BQML) will implement the same Protocol, so the two can be swapped
or run side by side. A :class:`ScoreResult` carries a 0-100 score, a band and the
reasons, each with the points it contributed, and the name (and version) of the
scorer that decided.

:class:`LeadFeatures` carries the lead's own signals (its intent events, VDP views)
and, for a person the warehouse knows, :class:`KnownPerson`: their newest row of
the features mart as of the last nightly build, with what happened since then
(``new_leads``, ``new_vdp_views``), so a model reads the same feature definitions
in real time as in batch. The rules read the lease and service facts only.

Rule weights (default :class:`RuleWeights`), summed and capped at 100:

====================================  ======
signal                                points
====================================  ======
test-drive request                    50
credit application                    45
lead-ad form (Meta lead ads)          45
trade-in appraisal                    30
price request (e-price, quote)        25
lease matures within 6 months         20
3+ VDP views in the last 7 days       15
prior service customer                10
====================================  ======

Bands: hot >= 45, warm >= 25, cold below. A test-drive request, a credit
application or a lead-ad form alone makes a lead hot (a lead-ad form is a hand
raised on Facebook or Instagram: name and number given so the dealer calls);
a trade-in appraisal plus a price request does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol, runtime_checkable

INTENT_EVENTS = ("test_drive_request", "credit_application", "trade_in_appraisal", "price_request", "lead_form")
VDP_VIEW = "vdp_view"


class Band(StrEnum):
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"


@dataclass(frozen=True)
class ScoreReason:
    code: str
    points: float
    detail: str


@dataclass(frozen=True)
class ScoreResult:
    score: int
    band: Band
    reasons: tuple[ScoreReason, ...]
    model: str

    def __post_init__(self) -> None:
        if not 0 <= self.score <= 100:
            raise ValueError("score must be within 0-100")


@dataclass(frozen=True)
class LeadEvent:
    type: str
    at: datetime


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class KnownPerson:
    """What the warehouse knew about the person at its last build: the features mart's columns by name."""

    feature_date: date
    values: Mapping[str, object]


@dataclass(frozen=True)
class LeadFeatures:
    as_of: datetime
    test_drive_request: bool = False
    trade_in_appraisal: bool = False
    credit_application: bool = False
    price_request: bool = False
    lead_form: bool = False
    vdp_views_7d: int = 0
    lease_maturity_date: date | None = None
    prior_service_customer: bool = False
    event_type: str | None = None  # the event that made the lead
    person: KnownPerson | None = None  # None: the warehouse does not know the person (yet)
    new_leads: int = 0  # intent events after the person's feature date, this lead's included
    new_vdp_views: int = 0  # VDP views after the person's feature date

    @classmethod
    def from_events(
        cls,
        events: Iterable[LeadEvent],
        as_of: datetime,
        *,
        lease_maturity_date: date | None = None,
        prior_service_customer: bool = False,
        intent_lookback: timedelta = timedelta(days=30),
        event_type: str | None = None,
        person: KnownPerson | None = None,
        known_until: datetime | None = None,
    ) -> LeadFeatures:
        """Features from raw events: intent events in the last 30 days, VDP views in the last 7; with a known
        `person`, the intent events and VDP views after `known_until` (the end of their feature date)."""
        seen: set[str] = set()
        vdp = new_leads = new_vdp = 0
        for e in events:
            if e.at > as_of:
                continue
            if e.type in INTENT_EVENTS and e.at > as_of - intent_lookback:
                seen.add(e.type)
            elif e.type == VDP_VIEW and e.at > as_of - timedelta(days=7):
                vdp += 1
            if known_until is not None and e.at >= known_until:
                new_leads += e.type in INTENT_EVENTS
                new_vdp += e.type == VDP_VIEW
        return cls(
            as_of=as_of,
            test_drive_request="test_drive_request" in seen,
            trade_in_appraisal="trade_in_appraisal" in seen,
            credit_application="credit_application" in seen,
            price_request="price_request" in seen,
            lead_form="lead_form" in seen,
            vdp_views_7d=vdp,
            lease_maturity_date=lease_maturity_date,
            prior_service_customer=prior_service_customer,
            event_type=event_type,
            person=person,
            new_leads=new_leads,
            new_vdp_views=new_vdp,
        )

    def lease_matures_within(self, months: int) -> bool:
        if self.lease_maturity_date is None:
            return False
        today = self.as_of.date()
        return today <= self.lease_maturity_date <= _add_months(today, months)


@runtime_checkable
class LeadScorer(Protocol):
    def score(self, features: LeadFeatures) -> ScoreResult: ...


@dataclass(frozen=True)
class RuleWeights:
    test_drive_request: float = 50
    credit_application: float = 45
    trade_in_appraisal: float = 30
    price_request: float = 25
    lead_form: float = 45
    lease_maturity: float = 20
    repeated_vdp_views: float = 15
    prior_service_customer: float = 10
    vdp_views_threshold: int = 3
    lease_months: int = 6
    hot_at: int = 45
    warm_at: int = 25


def band_for(score: float, weights: RuleWeights = RuleWeights()) -> Band:
    if score >= weights.hot_at:
        return Band.HOT
    if score >= weights.warm_at:
        return Band.WARM
    return Band.COLD


class RuleBasedScorer:
    """Transparent additive rules; see the module docstring for the table."""

    name = "rules-v1"

    def __init__(self, weights: RuleWeights = RuleWeights()):
        self.weights = weights

    def score(self, features: LeadFeatures) -> ScoreResult:
        w = self.weights
        reasons: list[ScoreReason] = []
        flags = (
            ("test_drive_request", features.test_drive_request, w.test_drive_request, "asked for a test drive"),
            ("credit_application", features.credit_application, w.credit_application, "submitted a credit application"),
            ("trade_in_appraisal", features.trade_in_appraisal, w.trade_in_appraisal, "requested a trade-in appraisal"),
            ("price_request", features.price_request, w.price_request, "asked for a price"),
            ("lead_form", features.lead_form, w.lead_form, "submitted a lead-ad form"),
        )
        for code, present, points, detail in flags:
            if present:
                reasons.append(ScoreReason(code, points, detail))
        if features.lease_matures_within(w.lease_months):
            reasons.append(
                ScoreReason("lease_maturity", w.lease_maturity, f"lease matures {features.lease_maturity_date}")
            )
        if features.vdp_views_7d >= w.vdp_views_threshold:
            reasons.append(
                ScoreReason("repeated_vdp_views", w.repeated_vdp_views, f"{features.vdp_views_7d} VDP views in 7 days")
            )
        if features.prior_service_customer:
            reasons.append(ScoreReason("prior_service_customer", w.prior_service_customer, "services with us"))
        total = int(round(min(100.0, sum(r.points for r in reasons))))
        reasons.sort(key=lambda r: (-r.points, r.code))
        return ScoreResult(total, band_for(total, w), tuple(reasons), self.name)
