"""Frequency caps and contact fatigue.

A :class:`CapRule` limits how many touches of one category (on one channel, or on
all channels when ``channel`` is None) may fall in a rolling window. A touch at
``t`` is inside the window ending at ``now`` when ``now - window < t <= now``.
:func:`check_frequency` applies every rule that matches the candidate message and
answers with a :class:`FrequencyDecision`; when a cap is hit, ``retry_at`` is the
first instant at which every violated rule has room again (touches age out; nothing
else changes the count).

Defaults (:data:`DEFAULT_POLICY`): marketing SMS at most 1 a day and 3 a week,
marketing email 1 a day and 4 a week, at most 5 marketing touches a week across
channels (fatigue), and a runaway guard of 6 transactional SMS a day.

High-priority and transactional messages may bypass caps only with an explicit
:class:`FrequencyOverride` carrying a reason; the decision records which caps were
bypassed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from journey_assets.journey.consent import Category, Channel

DAY = timedelta(days=1)
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Touch:
    at: datetime
    channel: Channel
    category: Category
    campaign: str | None = None


@dataclass(frozen=True)
class CapRule:
    name: str
    category: Category
    max_touches: int
    window: timedelta
    channel: Channel | None = None  # None: counts touches on every channel

    def __post_init__(self) -> None:
        if self.max_touches < 0 or self.window <= timedelta(0):
            raise ValueError(f"invalid cap rule {self.name!r}")

    def applies_to(self, channel: Channel, category: Category) -> bool:
        return self.category is category and (self.channel is None or self.channel is channel)

    def counts(self, touch: Touch) -> bool:
        return touch.category is self.category and (self.channel is None or touch.channel is self.channel)


@dataclass(frozen=True)
class FrequencyPolicy:
    rules: tuple[CapRule, ...]
    fatigue_window: timedelta = WEEK
    fatigue_thresholds: tuple[int, int] = (3, 5)  # >= first: "tired", >= second: "fatigued"


DEFAULT_POLICY = FrequencyPolicy(
    rules=(
        CapRule("sms_marketing_daily", Category.MARKETING, 1, DAY, Channel.SMS),
        CapRule("sms_marketing_weekly", Category.MARKETING, 3, WEEK, Channel.SMS),
        CapRule("email_marketing_daily", Category.MARKETING, 1, DAY, Channel.EMAIL),
        CapRule("email_marketing_weekly", Category.MARKETING, 4, WEEK, Channel.EMAIL),
        CapRule("all_marketing_weekly", Category.MARKETING, 5, WEEK, None),
        CapRule("sms_transactional_daily", Category.TRANSACTIONAL, 6, DAY, Channel.SMS),
    )
)


class Priority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"


@dataclass(frozen=True)
class FrequencyOverride:
    reason: str
    priority: Priority = Priority.HIGH

    def __post_init__(self) -> None:
        if not self.reason or not self.reason.strip():
            raise ValueError("a frequency override needs a reason")


@dataclass(frozen=True)
class RuleCheck:
    rule: str
    count: int
    limit: int
    exceeded: bool
    retry_at: datetime | None


@dataclass(frozen=True)
class FrequencyDecision:
    allowed: bool
    reason: str
    retry_at: datetime | None = None
    checks: tuple[RuleCheck, ...] = ()
    override_applied: bool = False
    bypassed_rules: tuple[str, ...] = ()


def in_window(touches: Iterable[Touch], now: datetime, window: timedelta) -> list[Touch]:
    """Touches with ``now - window < at <= now``, oldest first."""
    lo = now - window
    return sorted((t for t in touches if lo < t.at <= now), key=lambda t: t.at)


def count_touches(
    touches: Iterable[Touch],
    now: datetime,
    window: timedelta,
    *,
    channel: Channel | None = None,
    category: Category | None = None,
) -> int:
    return sum(
        1
        for t in in_window(touches, now, window)
        if (channel is None or t.channel is channel) and (category is None or t.category is category)
    )


def evaluate_rule(rule: CapRule, touches: Sequence[Touch], now: datetime) -> RuleCheck:
    """How full is ``rule`` at ``now``, and when would one more touch fit?"""
    inside = [t for t in in_window(touches, now, rule.window) if rule.counts(t)]
    count = len(inside)
    if count < rule.max_touches:
        return RuleCheck(rule.name, count, rule.max_touches, False, None)
    if rule.max_touches == 0:  # a rule that forbids everything never opens
        return RuleCheck(rule.name, count, 0, True, None)
    # Room for one more once the (count - max + 1) oldest touches have aged out.
    retry = inside[count - rule.max_touches].at + rule.window
    return RuleCheck(rule.name, count, rule.max_touches, True, retry)


@dataclass(frozen=True)
class Fatigue:
    total: int
    by_channel: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    level: str = "fresh"  # fresh, tired, fatigued


def fatigue(touches: Iterable[Touch], now: datetime, policy: FrequencyPolicy = DEFAULT_POLICY) -> Fatigue:
    """Touch counts across all channels in the fatigue window."""
    inside = in_window(touches, now, policy.fatigue_window)
    by_channel: dict[str, int] = {}
    by_category: dict[str, int] = {}
    for t in inside:
        by_channel[t.channel.value] = by_channel.get(t.channel.value, 0) + 1
        by_category[t.category.value] = by_category.get(t.category.value, 0) + 1
    tired, fatigued = policy.fatigue_thresholds
    marketing = by_category.get(Category.MARKETING.value, 0)
    level = "fatigued" if marketing >= fatigued else "tired" if marketing >= tired else "fresh"
    return Fatigue(len(inside), by_channel, by_category, level)


def check_frequency(
    touches: Sequence[Touch],
    now: datetime,
    channel: Channel | str,
    category: Category | str,
    policy: FrequencyPolicy = DEFAULT_POLICY,
    override: FrequencyOverride | None = None,
) -> FrequencyDecision:
    """May one more ``category`` message go on ``channel`` at ``now``?"""
    channel = Channel(channel)
    category = Category(category)
    checks = tuple(evaluate_rule(rule, touches, now) for rule in policy.rules if rule.applies_to(channel, category))
    exceeded = [c for c in checks if c.exceeded]
    if not exceeded:
        if not checks:
            return FrequencyDecision(True, f"no cap applies to {category} {channel}", None, checks)
        room = ", ".join(f"{c.rule} {c.count}/{c.limit}" for c in checks)
        return FrequencyDecision(True, f"under caps ({room})", None, checks)

    names = tuple(c.rule for c in exceeded)
    detail = ", ".join(f"{c.rule} {c.count}/{c.limit}" for c in exceeded)
    if override is not None and (override.priority is Priority.HIGH or category is Category.TRANSACTIONAL):
        return FrequencyDecision(
            True,
            f"cap override ({override.priority}): {override.reason}; bypassed {detail}",
            None,
            checks,
            override_applied=True,
            bypassed_rules=names,
        )
    retries = [c.retry_at for c in exceeded]
    retry_at = None if any(r is None for r in retries) else max(retries)  # type: ignore[type-var]
    reason = f"frequency cap reached: {detail}"
    if override is not None:
        reason += " (override refused: needs high priority or a transactional message)"
    return FrequencyDecision(False, reason, retry_at, checks)
