from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from journey_assets.journey.consent import Category
from journey_assets.journey.quiet_hours import (
    QuietHoursOverride,
    check_quiet_hours,
    is_within_window,
    next_allowed_send,
    resolve_timezone,
    zip_to_state,
)

CHI = ZoneInfo("America/Chicago")
NY = ZoneInfo("America/New_York")


def local(y, mo, d, h, mi, tz=CHI):
    return datetime(y, mo, d, h, mi, tzinfo=tz).astimezone(UTC)


# 2024-03-10 is the US spring-forward day, 2024-11-03 the fall-back day.
@pytest.mark.parametrize("day", [(2024, 1, 15), (2024, 3, 10), (2024, 7, 4), (2024, 11, 3)])
@pytest.mark.parametrize("hm, allowed", [((7, 59), False), ((8, 0), True), ((20, 59), True), ((21, 0), False)])
def test_window_boundaries_in_local_time_across_dst(day, hm, allowed):
    now = local(*day, *hm)
    assert is_within_window(now, "America/Chicago") is allowed
    nxt = next_allowed_send(now, "America/Chicago")
    if allowed:
        assert nxt == now
    else:
        assert nxt > now
        assert nxt.astimezone(CHI).time() == time(8, 0)


def test_next_allowed_from_7_59_is_same_day_8_00_on_dst_days():
    for day in [(2024, 3, 10), (2024, 11, 3)]:
        nxt = next_allowed_send(local(*day, 7, 59), "America/Chicago")
        assert nxt.astimezone(CHI) == datetime(*day, 8, 0, tzinfo=CHI)
        assert (nxt - local(*day, 7, 59)).total_seconds() == 60


def test_next_allowed_from_21_00_is_next_morning_across_dst_change():
    # Evening before fall-back: 21:00 CDT -> 08:00 CST next day is 12 hours later.
    now = local(2024, 11, 2, 21, 0)
    nxt = next_allowed_send(now, CHI)
    assert nxt.astimezone(CHI) == datetime(2024, 11, 3, 8, 0, tzinfo=CHI)
    assert (nxt - now).total_seconds() == 12 * 3600
    # Evening before spring-forward: 10 hours of wall clock but only 9 real hours
    now = local(2024, 3, 9, 22, 0)
    nxt = next_allowed_send(now, CHI)
    assert nxt.astimezone(CHI) == datetime(2024, 3, 10, 8, 0, tzinfo=CHI)
    assert (nxt - now).total_seconds() == 9 * 3600


def test_the_same_instant_is_allowed_in_one_zone_and_not_another():
    now = local(2024, 6, 3, 7, 30, tz=ZoneInfo("America/Los_Angeles"))  # 10:30 in New York
    assert is_within_window(now, "America/New_York")
    assert not is_within_window(now, "America/Los_Angeles")


def test_multi_zone_state_needs_window_in_all_zones():
    r = resolve_timezone(state="TN", rooftop_tz="America/New_York")
    assert set(r.zones) == {"America/Chicago", "America/New_York"} and r.is_ambiguous
    # 08:30 Eastern is 07:30 Central: not yet
    now = local(2024, 6, 3, 8, 30, tz=NY)
    assert not is_within_window(now, r)
    assert next_allowed_send(now, r).astimezone(CHI).time() == time(8, 0)
    # 20:30 Eastern is 19:30 Central, but Eastern closes at 21:00
    late = local(2024, 6, 3, 21, 0, tz=NY)
    assert not is_within_window(late, r)
    assert next_allowed_send(late, r) == local(2024, 6, 4, 8, 0, tz=CHI)


def test_zip_resolution_and_fallbacks():
    assert zip_to_state("60601") == "IL"
    assert zip_to_state("10001-1234") == "NY"
    assert zip_to_state("99501") == "AK"
    assert zip_to_state("1234") is None
    assert resolve_timezone("90210", rooftop_tz="America/Chicago").zones == ("America/Los_Angeles",)
    el_paso = resolve_timezone("79901", "TX", rooftop_tz="America/Chicago")
    assert el_paso.zones == ("America/Denver",) and el_paso.source == "zip"
    assert resolve_timezone("75201", rooftop_tz="America/Denver").zones == ("America/Chicago",)
    assert resolve_timezone(None, "ca", rooftop_tz="America/Chicago").source == "state"
    fallback = resolve_timezone("", None, rooftop_tz="America/Phoenix")
    assert fallback.zones == ("America/Phoenix",) and fallback.source == "rooftop"


def test_state_with_stricter_window_closes_at_8pm():
    r = resolve_timezone("33101", rooftop_tz="America/Chicago")  # Miami
    assert r.state == "FL" and r.zones == ("America/New_York",)
    d = check_quiet_hours(local(2024, 6, 3, 20, 30, tz=NY), r, Category.MARKETING)
    assert not d.allowed
    assert d.send_at == local(2024, 6, 4, 8, 0, tz=NY)


def test_transactional_override_is_explicit_and_reasoned(caplog):
    now = local(2024, 6, 3, 22, 15)
    blocked = check_quiet_hours(now, "America/Chicago", Category.TRANSACTIONAL)
    assert not blocked.allowed and blocked.send_at == local(2024, 6, 4, 8, 0)
    with caplog.at_level("INFO", logger="journey_assets.journey.quiet_hours"):
        d = check_quiet_hours(
            now, "America/Chicago", "transactional", override=QuietHoursOverride("customer booked a 7am test drive")
        )
    assert d.allowed and d.override_applied
    assert "customer booked a 7am test drive" in d.reason
    assert any("override" in r.message for r in caplog.records)


def test_override_refused_for_marketing():
    now = local(2024, 6, 3, 22, 15)
    d = check_quiet_hours(now, "America/Chicago", "marketing", override=QuietHoursOverride("big sale"))
    assert not d.allowed and not d.override_applied
    assert "refused" in d.reason


def test_override_needs_a_reason_and_now_must_be_aware():
    with pytest.raises(ValueError):
        QuietHoursOverride("  ")
    with pytest.raises(ValueError):
        next_allowed_send(datetime(2024, 6, 3, 12, 0), "America/Chicago")
