"""The journey's lead as an ADF 1.0 prospect: which of our fields goes into which ADF element.

Pure: plain values in, an `AdfLead` out (`adf.build_adf` writes it). The
responder's `crm_adf` action gathers the values; the rules of the mapping live
here, beside the format.

* vehicle: `interest` from the event type (test-drive, trade-in, else buy),
  `status` new unless the condition says otherwise (ADF knows new|used only), the
  asking price in USD when there is one; a vehicle no longer in stock carries the
  closest alternatives in its comments;
* customer: first and last name when given, else the full name (or "Unknown",
  since ADF requires a name), the email, the mobile as `cellphone`;
* vendor: the rooftop (its dealer id, its phone, or a placeholder email, since
  ADF requires a contact); provider: us, with the lead's source as the service;
* id: the event id (sequence 1), so a CRM can drop a resend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from journey_assets.journey.adf import AdfContact, AdfId, AdfLead, AdfPhone, AdfProvider, AdfVehicle, AdfVendor

INTEREST = {"test_drive_request": "test-drive", "trade_in_appraisal": "trade-in"}
NO_CONTACT_EMAIL = "leads@invalid.example"


@dataclass(frozen=True)
class AdfPerson:
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class AdfRooftop:
    dealer_id: str
    name: str
    phone: str | None = None


def money(value: Any) -> Decimal | None:
    """A price as sent (number or text) as a Decimal; None when absent or not a number."""
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def adf_vehicle(vehicle: Mapping[str, Any], event_type: str, alternatives: Sequence[str] | None = None) -> AdfVehicle:
    """`alternatives` (labels) when the vehicle is no longer in stock; None when it is."""
    condition = (vehicle.get("condition") or "new").lower()
    priced = vehicle.get("price") is not None
    return AdfVehicle(
        year=int(vehicle["year"]) if vehicle.get("year") else None,
        make=vehicle.get("make"),
        model=vehicle.get("model"),
        interest=INTEREST.get(event_type, "buy"),
        status="new" if condition == "new" else "used",
        vin=vehicle.get("vin"),
        stock=vehicle.get("stock_number"),
        trim=vehicle.get("trim"),
        price=money(vehicle.get("price")),
        price_type="asking" if priced else None,
        price_currency="USD" if priced else None,
        comments=("no longer in stock; alternatives: " + ", ".join(alternatives)) if alternatives is not None else None,
    )


def adf_lead(
    *,
    event_id: str,
    event_type: str,
    occurred_at: datetime,
    person: AdfPerson,
    vehicle: Mapping[str, Any],
    rooftop: AdfRooftop,
    provider_name: str,
    source: str,
    comments: str,
    alternatives: Sequence[str] | None = None,
) -> AdfLead:
    named = person.first_name or person.last_name
    customer = AdfContact(
        first_name=person.first_name,
        last_name=person.last_name,
        full_name=None if named else (person.full_name or "Unknown"),
        email=person.email,
        phones=(AdfPhone(person.phone, "cellphone"),) if person.phone else (),
    )
    vendor = AdfVendor(
        name=rooftop.name,
        contact=AdfContact(
            full_name=rooftop.name,
            phones=(AdfPhone(rooftop.phone),) if rooftop.phone else (),
            email=None if rooftop.phone else NO_CONTACT_EMAIL,
        ),
        ids=(AdfId(rooftop.dealer_id, source="dealer_id"),),
    )
    return AdfLead(
        request_date=occurred_at,
        vehicles=(adf_vehicle(vehicle, event_type, alternatives),),
        customer=customer,
        vendor=vendor,
        provider=AdfProvider(name=provider_name, service=source),
        ids=(AdfId(event_id, sequence="1", source=provider_name.lower().replace(" ", "-")),),
        customer_comments=comments,
    )
