"""May this message go to this person now? One decision for every channel.

`decide_send(request)` puts the three rules a message must pass in the order a
person would apply them, and answers the first that stops it:

1. **consent** (`consent.consent_decision`): no consent, a STOP, a do-not-contact
   hold or a hard bounce -> `refused` (waiting will not help);
2. **quiet hours** in the recipient's zone (`quiet_hours.check_quiet_hours`,
   TCPA 08:00-21:00 or the state's stricter window): outside -> `deferred` until
   the window opens, unless a transactional message carries an override with its
   reason (the override is applied and reported; a marketing message never
   takes one);
3. **caps** (`frequency.check_frequency`) over the person's touches on every
   channel: full -> `deferred` until the oldest touch ages out, or `refused`
   when the rule never opens; and **fatigue** (`frequency.fatigue`): a
   contact at or past `refuse_marketing_at` gets no marketing.

Pure: no I/O, no clock (the caller passes `now`), no Dagster. SMS uses it now;
email, Customer.io and Meta audiences are meant to use the same function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from journey_assets.journey.consent import (
    Category,
    Channel,
    ConsentPolicy,
    ConsentReason,
    ConsentState,
    consent_decision,
)
from journey_assets.journey.frequency import (
    DEFAULT_POLICY,
    FrequencyOverride,
    FrequencyPolicy,
    Touch,
    check_frequency,
    fatigue,
)
from journey_assets.journey.quiet_hours import QuietHoursOverride, TzLike, check_quiet_hours

FATIGUE_LEVELS = ("fresh", "tired", "fatigued")


class Verdict(StrEnum):
    ALLOWED = "allowed"
    DEFERRED = "deferred"  # not now: `send_at` says when
    REFUSED = "refused"  # not at all: `reason` says why


class Rule(StrEnum):
    """Which rule gave the verdict (for allowed: the last one checked)."""

    CONSENT = "consent"
    QUIET_HOURS = "quiet_hours"
    CAPS = "caps"
    FATIGUE = "fatigue"


@dataclass(frozen=True)
class SendRequest:
    channel: Channel
    category: Category
    consent: ConsentState
    now: datetime  # aware
    recipient_tz: TzLike  # a zone name, a ZoneInfo, or a `TimezoneResolution` (its state's window applies)
    touches: Sequence[Touch] = ()
    caps: FrequencyPolicy = DEFAULT_POLICY
    quiet_hours_override: QuietHoursOverride | None = None
    cap_override: FrequencyOverride | None = None
    consent_policy: ConsentPolicy = ConsentPolicy()
    refuse_marketing_at: str | None = None  # a fatigue level ("tired", "fatigued"); None: fatigue is reported only

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if self.refuse_marketing_at is not None and self.refuse_marketing_at not in FATIGUE_LEVELS[1:]:
            raise ValueError(f"refuse_marketing_at must be one of {FATIGUE_LEVELS[1:]}")


@dataclass(frozen=True)
class SendDecision:
    verdict: Verdict
    rule: Rule
    reason: str
    send_at: datetime | None = None  # deferred: when it may go; allowed: now
    consent_code: ConsentReason | None = None
    consent_reason: str | None = None
    quiet_hours_reason: str | None = None
    quiet_hours_override: str | None = None  # the override's reason, when it was applied
    local_times: dict[str, str] = field(default_factory=dict)
    caps_reason: str | None = None
    fatigue_level: str | None = None

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOWED


def decide_send(request: SendRequest) -> SendDecision:
    """The verdict for one message; see the module docstring for the order of the rules."""
    channel, category, now = Channel(request.channel), Category(request.category), request.now
    consent = consent_decision(request.consent, channel, category, request.consent_policy)
    if not consent.allowed:
        return SendDecision(
            Verdict.REFUSED,
            Rule.CONSENT,
            f"consent: {consent.reason}",
            consent_code=consent.code,
            consent_reason=consent.reason,
        )
    known: dict[str, Any] = {"consent_code": consent.code, "consent_reason": consent.reason}

    quiet = check_quiet_hours(now, request.recipient_tz, category, override=request.quiet_hours_override)
    known.update(quiet_hours_reason=quiet.reason, local_times=quiet.local_times)
    if quiet.override_applied:
        known["quiet_hours_override"] = quiet.reason
    if not quiet.allowed:
        return SendDecision(Verdict.DEFERRED, Rule.QUIET_HOURS, quiet.reason, send_at=quiet.send_at, **known)

    tired = fatigue(request.touches, now, request.caps)
    known["fatigue_level"] = tired.level
    limit = request.refuse_marketing_at
    if (
        category is Category.MARKETING
        and limit is not None
        and FATIGUE_LEVELS.index(tired.level) >= FATIGUE_LEVELS.index(limit)
    ):
        reason = f"contact is {tired.level} ({tired.by_category.get('marketing', 0)} marketing touches in the window)"
        return SendDecision(Verdict.REFUSED, Rule.FATIGUE, reason, **known)

    caps = check_frequency(request.touches, now, channel, category, request.caps, request.cap_override)
    known["caps_reason"] = caps.reason
    if not caps.allowed:
        if caps.retry_at is not None:
            return SendDecision(Verdict.DEFERRED, Rule.CAPS, caps.reason, send_at=caps.retry_at, **known)
        return SendDecision(Verdict.REFUSED, Rule.CAPS, caps.reason, **known)
    return SendDecision(Verdict.ALLOWED, Rule.CAPS, caps.reason, send_at=now, **known)


__all__ = ["FATIGUE_LEVELS", "Rule", "SendDecision", "SendRequest", "Verdict", "decide_send"]
