"""A lead being answered: the event, who it is, its score and rooftop, what the actions learned so far."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from journey_assets.journey.adf_lead import money
from journey_assets.journey.scoring import ScoreResult
from journey_assets.journey.templates import TemplateContext, VehicleRef
from journey_assets.response.config import RooftopInfo
from journey_assets.response.contact import Contact
from journey_assets.response.model import Event, as_utc

EVENT_LABEL = {
    "test_drive_request": "test drive request",
    "trade_in_appraisal": "trade-in appraisal",
    "credit_application": "credit application",
    "price_request": "price request",
    "vdp_view": "repeated vehicle views",
    "lead_form": "lead-ad form",
}


def alt_refs(alts: Iterable[Mapping[str, Any]]) -> list[VehicleRef]:
    return [
        VehicleRef(a.get("year"), a.get("make") or "", a.get("model") or "", a.get("trim"), money(a.get("price")))
        for a in alts
    ]


def alt_label(alt: Mapping[str, Any]) -> str:
    ref = alt_refs([alt])[0]
    price = f" ${ref.price:,.0f}" if ref.price is not None else ""
    stock = f" (stock {alt['stock_number']})" if alt.get("stock_number") else ""
    return f"{ref.label()}{price}{stock}"


@dataclass
class Lead:
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
    def label(self) -> str:
        return EVENT_LABEL.get(self.event.event_type, self.event.event_type)

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
        return VehicleRef(v.get("year"), v["make"], v["model"], v.get("trim"), money(v.get("price")))

    def vehicle_label(self) -> str:
        ref = self.vehicle_ref()
        return ref.label() if ref else "vehicle you asked about"

    def appointment(self) -> datetime | None:
        """The time the customer asked for, in the rooftop's zone (None when absent or unreadable)."""
        attrs = self.event.payload.get("attributes") or {}
        raw = attrs.get("appointment_at") or attrs.get("preferred_time") or attrs.get("requested_time")
        if not raw:
            return None
        try:
            at = as_utc(raw)
        except (TypeError, ValueError):
            return None
        return at.astimezone(ZoneInfo(self.rooftop.timezone))

    def template_context(self, *, alternatives: bool) -> TemplateContext:
        rooftop = self.rooftop
        alts = self.alternatives if alternatives else []
        link = None
        if alts:
            link = f"{rooftop.website.rstrip('/')}/inventory" if rooftop.website else alts[0].get("vdp_url")
        return TemplateContext(
            rooftop_name=rooftop.name,
            first_name=self.contact.given_name,
            rooftop_phone=rooftop.phone,
            rooftop_address=rooftop.address,
            salesperson=self.assignment.get("salesperson_name"),
            vehicle=self.vehicle_ref(),
            appointment_at=self.appointment(),
            alternatives=alt_refs(alts),
            link=link,
        )

    def comments(self) -> str:
        """The lead told in a few sentences, for the CRM lead and the ADF's customer comments."""
        parts = [
            f"{self.label}; score {self.score.score} ({self.score.band.value}, {self.score.model}): "
            + "; ".join(r.detail for r in self.score.reasons)
        ]
        appointment = self.appointment()
        if appointment:
            parts.append(f"requested time {appointment:%Y-%m-%d %H:%M %Z}")
        if self.assignment.get("salesperson_id"):
            parts.append(f"assigned to {self.assignment.get('salesperson_name')} ({self.assignment['salesperson_id']})")
        if self.vehicle_gone:
            alts = ", ".join(alt_label(a) for a in self.alternatives) or "none found"
            parts.append(f"vehicle no longer in stock; closest in stock: {alts}")
        lead_ad = self.event.payload.get("lead_ad")
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
