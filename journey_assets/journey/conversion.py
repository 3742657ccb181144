"""Pure rules for conversion events (issue 13): the CRM lead status each one moves to and
whether it places a prospecting hold (a bought/leased person stops getting prospecting sends)."""

from __future__ import annotations

CRM_STATUS = {
    "vehicle_sold": "sold",
    "lease_signed": "sold",
    "deposit_placed": "deposit",
    "financing_approved": "financing_approved",
    "appointment_kept": "appointment_kept",
}
# A sale or lease ends prospecting for that person; earlier steps keep the person in the funnel.
HOLDING_TYPES = frozenset({"vehicle_sold", "lease_signed"})
POST_SALE_TYPES = HOLDING_TYPES


def crm_status_for(event_type: str) -> str:
    try:
        return CRM_STATUS[event_type]
    except KeyError:
        raise ValueError(f"not a conversion event type: {event_type!r}") from None


def places_prospecting_hold(event_type: str) -> bool:
    crm_status_for(event_type)
    return event_type in HOLDING_TYPES
