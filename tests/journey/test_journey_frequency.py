from datetime import UTC, datetime, timedelta

import pytest

from journey_assets.journey.consent import Category, Channel
from journey_assets.journey.frequency import (
    DAY,
    WEEK,
    CapRule,
    FrequencyOverride,
    FrequencyPolicy,
    Priority,
    Touch,
    check_frequency,
    count_touches,
    fatigue,
)

NOW = datetime(2024, 6, 10, 15, 0, tzinfo=UTC)
SMS, EMAIL = Channel.SMS, Channel.EMAIL
MKT, TX = Category.MARKETING, Category.TRANSACTIONAL


def touch(hours_ago, channel=SMS, category=MKT):
    return Touch(NOW - timedelta(hours=hours_ago), channel, category)


def test_first_marketing_sms_is_allowed():
    d = check_frequency([], NOW, SMS, MKT)
    assert d.allowed and d.retry_at is None
    assert "sms_marketing_daily 0/1" in d.reason


def test_one_marketing_sms_per_rolling_day():
    d = check_frequency([touch(5)], NOW, SMS, MKT)
    assert not d.allowed
    assert d.retry_at == NOW - timedelta(hours=5) + DAY
    # exactly 24h later the old touch is out of the window
    assert check_frequency([touch(24)], NOW, SMS, MKT).allowed
    assert not check_frequency([touch(23.99)], NOW, SMS, MKT).allowed


def test_three_marketing_sms_per_rolling_week_and_retry_when_oldest_ages_out():
    touches = [touch(24 * 6), touch(24 * 4), touch(24 * 2)]
    d = check_frequency(touches, NOW, SMS, MKT)
    assert not d.allowed
    assert d.retry_at == touches[0].at + WEEK  # the oldest of the three ages out first
    assert check_frequency(touches, d.retry_at, SMS, MKT).allowed


def test_retry_at_is_the_latest_of_all_violated_rules():
    touches = [touch(24 * 6), touch(24 * 4), touch(2)]
    d = check_frequency(touches, NOW, SMS, MKT)
    assert {c.rule for c in d.checks if c.exceeded} == {"sms_marketing_daily", "sms_marketing_weekly"}
    assert d.retry_at == max(touches[2].at + DAY, touches[0].at + WEEK)
    assert check_frequency(touches, d.retry_at, SMS, MKT).allowed
    assert not check_frequency(touches, d.retry_at - timedelta(seconds=1), SMS, MKT).allowed


def test_channels_are_capped_separately_but_fatigue_spans_channels():
    sms_today = [touch(1)]
    assert check_frequency(sms_today, NOW, EMAIL, MKT).allowed
    # 5 marketing touches in a week across channels -> fatigue cap, whatever the channel
    channels = [EMAIL, SMS, EMAIL, SMS, EMAIL]
    touches = [touch(24 * d + 12, ch) for d, ch in zip(range(1, 6), channels, strict=True)]
    d = check_frequency(touches, NOW, EMAIL, MKT)
    assert not d.allowed and "all_marketing_weekly 5/5" in d.reason
    f = fatigue(touches, NOW)
    assert f.level == "fatigued" and f.total == 5 and f.by_channel == {"email": 3, "sms": 2}


def test_transactional_touches_do_not_use_marketing_caps():
    touches = [touch(1, category=TX), touch(2, category=TX)]
    assert check_frequency(touches, NOW, SMS, MKT).allowed
    assert check_frequency([touch(1)], NOW, SMS, TX).allowed


def test_transactional_runaway_guard_and_override():
    touches = [touch(h, category=TX) for h in range(1, 7)]
    d = check_frequency(touches, NOW, SMS, TX)
    assert not d.allowed and "sms_transactional_daily 6/6" in d.reason
    o = check_frequency(touches, NOW, SMS, TX, override=FrequencyOverride("appointment moved", Priority.NORMAL))
    assert o.allowed and o.override_applied and o.bypassed_rules == ("sms_transactional_daily",)
    assert "appointment moved" in o.reason


def test_high_priority_override_bypasses_marketing_cap_with_reason():
    d = check_frequency([touch(3)], NOW, SMS, MKT, override=FrequencyOverride("hot lead asked for a call back"))
    assert d.allowed and d.override_applied and "hot lead asked for a call back" in d.reason
    refused = check_frequency([touch(3)], NOW, SMS, MKT, override=FrequencyOverride("newsletter", Priority.NORMAL))
    assert not refused.allowed and "refused" in refused.reason


def test_override_needs_a_reason():
    with pytest.raises(ValueError):
        FrequencyOverride("")


def test_configurable_policy_and_future_touches_ignored():
    policy = FrequencyPolicy(rules=(CapRule("email_2_per_day", MKT, 2, DAY, EMAIL),))
    touches = [touch(1, EMAIL), touch(-1, EMAIL)]  # one scheduled in the future
    assert check_frequency(touches, NOW, EMAIL, MKT, policy).allowed
    assert not check_frequency(touches + [touch(2, EMAIL)], NOW, EMAIL, MKT, policy).allowed
    assert check_frequency([], NOW, SMS, MKT, policy).reason.startswith("no cap applies")
    assert count_touches(touches, NOW, DAY, channel=EMAIL) == 1


def test_zero_cap_never_opens():
    policy = FrequencyPolicy(rules=(CapRule("no_sms", MKT, 0, WEEK, SMS),))
    d = check_frequency([], NOW, SMS, MKT, policy)
    assert not d.allowed and d.retry_at is None
