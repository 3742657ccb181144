"""Pure rules for service events (issue 13): which service event gets which transactional notice.

Service notices are transactional (the customer's own appointment, repair order or recall), so the
send policy's transactional override applies; prospecting holds do not block them."""

from __future__ import annotations

from journey_assets.intake.models import SERVICE_TYPES

NOTICE_KIND = {
    "appointment_booked": "appointment_confirmation",
    "appointment_cancelled": "appointment_cancellation",
    "vehicle_checked_in": "check_in_confirmation",
    "repair_order_opened": "repair_order_opened",
    "repair_order_closed": "vehicle_ready",
    "recall_notice": "recall_notice",  # goes to the vehicle's owner
}


def notice_kind_for(event_type: str) -> str:
    if event_type not in SERVICE_TYPES:
        raise ValueError(f"not a service event type: {event_type!r}")
    return NOTICE_KIND[event_type]
