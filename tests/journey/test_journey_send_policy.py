"""journey.send_policy.decide_send: consent, then quiet hours in the recipient's zone, then fatigue and caps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journey_assets.journey.consent import Category, Channel, ConsentReason, ConsentState
from journey_assets.journey.frequency import DEFAULT_POLICY, FrequencyOverride, Priority, Touch
from journey_assets.journey.quiet_hours import QuietHoursOverride, resolve_timezone
from journey_assets.journey.send_policy import Rule, SendRequest, Verdict, decide_send

CHICAGO = "America/Chicago"
NOON = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # 12:00 in Chicago
NIGHT = datetime(2026, 11, 24, 5, 30, tzinfo=UTC)  # 23:30 in Chicago
OK_SMS = ConsentState(has_phone=True, sms_transactional_consent=True, sms_marketing_consent=True)
OVERRIDE = QuietHoursOverride("test-drive confirmation the customer asked for 5 s ago", approved_by="policy:respond")


def request(**changes) -> SendRequest:
    fields = {
        "channel": Channel.SMS,
        "category": Category.TRANSACTIONAL,
        "consent": OK_SMS,
        "now": NOON,
        "recipient_tz": CHICAGO,
    }
    fields.update(changes)
    return SendRequest(**fields)


def sms_touches(n: int, category: Category, end: datetime, step: timedelta = timedelta(minutes=30)) -> list[Touch]:
    return [Touch(end - step * (i + 1), Channel.SMS, category) for i in range(n)]


def test_a_consented_text_at_noon_is_allowed_now():
    decision = decide_send(request())
    assert decision.verdict is Verdict.ALLOWED and decision.allowed and decision.send_at == NOON
    assert decision.consent_code is ConsentReason.OK and "inside 08:00-21:00" in decision.quiet_hours_reason
    assert decision.fatigue_level == "fresh" and "under caps" in decision.caps_reason


@pytest.mark.parametrize(
    ("consent", "category", "code"),
    [
        (
            ConsentState(has_phone=True, sms_opted_out=True, sms_transactional_consent=True),
            "transactional",
            "sms_opted_out",
        ),
        (ConsentState(has_phone=True, sms_transactional_consent=True), "marketing", "no_sms_marketing_consent"),
        (ConsentState(has_phone=False, sms_transactional_consent=True), "transactional", "no_address"),
        (ConsentState(has_phone=True), "transactional", "no_sms_consent"),
        (
            ConsentState(has_phone=True, do_not_contact=True, sms_marketing_consent=True),
            "transactional",
            "do_not_contact",
        ),
    ],
)
def test_no_consent_is_refused_before_anything_else(consent, category, code):
    decision = decide_send(request(consent=consent, category=Category(category), now=NIGHT))  # night: still consent
    assert decision.verdict is Verdict.REFUSED and decision.rule is Rule.CONSENT
    assert decision.consent_code.value == code and decision.reason.startswith("consent: ")
    assert decision.send_at is None


def test_outside_quiet_hours_it_waits_until_eight_in_the_recipients_zone():
    decision = decide_send(request(now=NIGHT))
    assert decision.verdict is Verdict.DEFERRED and decision.rule is Rule.QUIET_HOURS
    assert decision.send_at.astimezone(ZoneInfo(CHICAGO)).hour == 8
    assert decision.send_at == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert decision.local_times[CHICAGO].startswith("2026-11-23 23:30")


def test_the_zone_is_the_recipients_not_ours():
    # 17:00 UTC is 11:00 in Chicago, 07:00 in Honolulu: the same moment, opposite answers
    at = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert decide_send(request(now=at, recipient_tz=resolve_timezone("60614", None, rooftop_tz=CHICAGO))).allowed
    honolulu = decide_send(request(now=at, recipient_tz=resolve_timezone("96813", None, rooftop_tz=CHICAGO)))
    assert honolulu.verdict is Verdict.DEFERRED and honolulu.send_at.astimezone(ZoneInfo("Pacific/Honolulu")).hour == 8


def test_a_transactional_override_is_applied_and_reported_with_its_reason():
    decision = decide_send(request(now=NIGHT, quiet_hours_override=OVERRIDE))
    assert decision.allowed and "asked for 5 s ago" in decision.quiet_hours_override
    assert "(by policy:respond)" in decision.quiet_hours_override


def test_a_marketing_message_never_takes_the_quiet_hours_override():
    decision = decide_send(request(category=Category.MARKETING, now=NIGHT, quiet_hours_override=OVERRIDE))
    assert decision.verdict is Verdict.DEFERRED and decision.quiet_hours_override is None
    assert "override refused" in decision.reason


def test_a_full_cap_defers_until_the_oldest_touch_ages_out():
    touches = sms_touches(1, Category.MARKETING, NOON)  # sms_marketing_daily is 1
    decision = decide_send(request(category=Category.MARKETING, touches=touches))
    assert decision.verdict is Verdict.DEFERRED and decision.rule is Rule.CAPS
    assert decision.send_at == touches[0].at + timedelta(days=1) and "sms_marketing_daily 1/1" in decision.reason


def test_a_cap_that_never_opens_refuses():
    policy = DEFAULT_POLICY.__class__(
        rules=(DEFAULT_POLICY.rules[0].__class__("none", Category.MARKETING, 0, timedelta(days=1), Channel.SMS),)
    )
    decision = decide_send(request(category=Category.MARKETING, caps=policy))
    assert decision.verdict is Verdict.REFUSED and decision.rule is Rule.CAPS


def test_a_high_priority_cap_override_passes_with_its_reason():
    touches = sms_touches(1, Category.MARKETING, NOON)
    override = FrequencyOverride("recall notice", Priority.HIGH)
    decision = decide_send(request(category=Category.MARKETING, touches=touches, cap_override=override))
    assert decision.allowed and "recall notice" in decision.caps_reason


def test_fatigue_is_reported_and_refuses_marketing_only_when_asked():
    week = [Touch(NOON - timedelta(days=d), Channel.EMAIL, Category.MARKETING) for d in range(1, 6)]  # 5: fatigued
    reported = decide_send(request(touches=week))
    assert reported.allowed and reported.fatigue_level == "fatigued"
    refused = decide_send(request(category=Category.MARKETING, touches=week, refuse_marketing_at="tired"))
    assert refused.verdict is Verdict.REFUSED and refused.rule is Rule.FATIGUE and "fatigued" in refused.reason
    assert decide_send(request(touches=week, refuse_marketing_at="tired")).allowed  # transactional goes


def test_bad_requests_are_refused_loudly():
    with pytest.raises(ValueError, match="timezone-aware"):
        request(now=datetime(2026, 11, 23, 12, 0))
    with pytest.raises(ValueError, match="refuse_marketing_at"):
        request(refuse_marketing_at="sleepy")


# --- properties ------------------------------------------------------------------------------------
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC))
zones = st.sampled_from(
    ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Pacific/Honolulu"]
)
consents = st.builds(
    ConsentState,
    has_phone=st.booleans(),
    has_email=st.booleans(),
    sms_opted_out=st.booleans(),
    sms_marketing_consent=st.booleans(),
    sms_transactional_consent=st.booleans(),
    email_unsubscribed=st.booleans(),
    email_hard_bounced=st.booleans(),
    do_not_contact=st.booleans(),
)
categories = st.sampled_from(list(Category))
channels = st.sampled_from(list(Channel))


@st.composite
def touch_lists(draw, now):
    offsets = draw(st.lists(st.integers(min_value=1, max_value=8 * 24 * 60), max_size=12))
    return [Touch(now - timedelta(minutes=m), draw(channels), draw(categories)) for m in offsets]


@settings(max_examples=300, deadline=None)
@given(now=moments, tz=zones, consent=consents, category=categories, channel=channels, data=st.data())
def test_every_verdict_is_consistent(now, tz, consent, category, channel, data):
    touches = data.draw(touch_lists(now))
    decision = decide_send(
        request(channel=channel, category=category, consent=consent, now=now, recipient_tz=tz, touches=touches)
    )
    if decision.verdict is Verdict.ALLOWED:
        assert decision.send_at == now
        local = now.astimezone(ZoneInfo(tz))
        assert 8 <= local.hour < 21, "allowed outside quiet hours without an override"
    elif decision.verdict is Verdict.DEFERRED:
        assert decision.send_at is not None and decision.send_at > now
        assert decision.rule in (Rule.QUIET_HOURS, Rule.CAPS)
        if decision.rule is Rule.QUIET_HOURS:  # it waits for the window, and not a minute longer
            opens = decision.send_at.astimezone(ZoneInfo(tz))
            assert (opens.hour, opens.minute) == (8, 0) and decision.send_at - now <= timedelta(hours=11, minutes=1)
    else:
        assert decision.send_at is None and decision.reason
    # consent is never waited out: the verdict for a refused consent is the same at any hour
    if decision.rule is Rule.CONSENT:
        assert decision.verdict is Verdict.REFUSED


@settings(max_examples=200, deadline=None)
@given(now=moments, tz=zones, data=st.data())
def test_a_deferred_message_is_allowed_at_the_time_it_was_given(now, tz, data):
    touches = data.draw(touch_lists(now))
    first = decide_send(request(now=now, recipient_tz=tz, touches=touches, category=Category.TRANSACTIONAL))
    if first.verdict is Verdict.DEFERRED and first.rule is Rule.QUIET_HOURS:
        again = decide_send(
            request(now=first.send_at, recipient_tz=tz, touches=touches, category=Category.TRANSACTIONAL)
        )
        assert again.rule is not Rule.QUIET_HOURS or again.allowed


@settings(max_examples=200, deadline=None)
@given(now=moments, tz=zones, consent=consents, category=categories, data=st.data())
def test_the_override_only_ever_helps_a_transactional_message_past_quiet_hours(now, tz, consent, category, data):
    touches = data.draw(touch_lists(now))
    plain = decide_send(request(now=now, recipient_tz=tz, consent=consent, category=category, touches=touches))
    overridden = decide_send(
        request(
            now=now, recipient_tz=tz, consent=consent, category=category, touches=touches, quiet_hours_override=OVERRIDE
        )
    )
    if category is Category.MARKETING or plain.rule is not Rule.QUIET_HOURS:
        assert (overridden.verdict, overridden.rule) == (plain.verdict, plain.rule)
    else:
        assert overridden.rule is not Rule.QUIET_HOURS and overridden.quiet_hours_override
