"""help_reply: Twilio's HELP answer to a customer's own HELP text.

A transactional answer to the customer's own message, so the quiet-hours
override is applied and logged; a suppressed (STOPped) number gets nothing.
Reconciles like the lead's SMS: looked up by its body before it is sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from journey_assets.journey.consent import Category
from journey_assets.journey.quiet_hours import QuietHoursOverride, check_quiet_hours, resolve_timezone
from journey_assets.response.actions.base import Action, Lookup
from journey_assets.response.actions.sms import find_sent
from journey_assets.response.config import RooftopInfo
from journey_assets.response.contact import mask_phone
from journey_assets.response.ledger import SKIPPED
from journey_assets.response.model import Done, Event, Refused

if TYPE_CHECKING:
    from journey_assets.response.runner import Runner


@dataclass(frozen=True)
class HelpRequest:
    event: Event
    phone: str
    rooftop: RooftopInfo | None
    vendor_name: str

    @property
    def body(self) -> str:
        name = self.rooftop.name if self.rooftop else self.vendor_name
        call = f" Questions? Call {self.rooftop.phone}." if self.rooftop and self.rooftop.phone else ""
        return f"{name}: Reply STOP to opt out, START to opt back in.{call} Msg & data rates may apply."


class HelpReply(Action[HelpRequest]):
    name, vendor, idempotent, reconciles = "help_reply", "twilio", False, True

    def describe(self, request: HelpRequest) -> dict[str, Any]:
        return {"to": mask_phone(request.phone), "kind": "help_reply"}

    def work(self, run: Runner, request: HelpRequest) -> Done:
        now, phone, rooftop = run.now(), request.phone, request.rooftop
        if run.ledger.is_suppressed(phone):
            raise Refused(SKIPPED, "number is suppressed (STOP); no reply")
        tz = resolve_timezone(None, None, rooftop_tz=rooftop.timezone if rooftop else "America/New_York")
        override = QuietHoursOverride("reply to the customer's own HELP message", approved_by="policy:respond")
        quiet = check_quiet_hours(now, tz, Category.TRANSACTIONAL, override=override)
        detail: dict[str, Any] = {"quiet_hours": quiet.reason}
        if quiet.override_applied:
            run.log.info(f"respond: quiet-hours override for HELP reply to {mask_phone(phone)}: {quiet.reason}")
            detail["quiet_hours_override"] = quiet.reason
        if run.deps.twilio is None:
            raise Refused(SKIPPED, "Twilio is not configured")
        if run.deps.dry_run:
            return run.dry("send a HELP reply", {**self.describe(request), **detail})
        message = run.deps.twilio.send_sms(phone, request.body)

        def writes() -> None:
            run.ledger.record_message(
                message.sid, message.status, now, event_id=request.event.event_id, to_masked=mask_phone(phone)
            )

        return Done(message.sid, {**detail, "segments": message.num_segments}, writes)

    def reconcile(self, run: Runner, request: HelpRequest, since: datetime) -> Lookup:
        found, sent = find_sent(run, request.event.event_id, request.phone, request.body, since)
        if sent is None:
            return found

        def writes() -> None:
            run.ledger.record_message(
                sent.sid, sent.status, run.now(), event_id=request.event.event_id, to_masked=mask_phone(request.phone)
            )

        return Lookup(found.found, found.reason, Done(sent.sid, {"segments": sent.num_segments}, writes))
