from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from journey_assets.journey.routing import (
    LeadLocation,
    Rooftop,
    RoundRobinState,
    Salesperson,
    SlaPolicy,
    WorkingHours,
    assign_lead,
    haversine_km,
    nearest_rooftop,
    rooftop_for_zip,
    round_robin,
    sla_due,
    weekly_hours,
)

TZ = "America/Chicago"
CHI = ZoneInfo(TZ)
WEEKDAYS = range(0, 5)
STORE = WorkingHours(TZ, {**{d: (time(9), time(19)) for d in WEEKDAYS}, 5: (time(9), time(17))})


def at(y, mo, d, h, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=CHI)


MON_10 = at(2024, 6, 3, 10)  # Monday

ROOFTOPS = [
    Rooftop("tulsa", "Tulsa Honda", STORE, 36.154, -95.993, frozenset({"74103", "74104"})),
    Rooftop("okc", "OKC Honda", STORE, 35.468, -97.516, frozenset({"73102"})),
]
DAY_SHIFT = weekly_hours(TZ, WEEKDAYS, time(9), time(17))
LATE_SHIFT = weekly_hours(TZ, WEEKDAYS, time(13), time(21))
TEAM = [
    Salesperson("sp-a", "tulsa", DAY_SHIFT),
    Salesperson("sp-b", "tulsa", DAY_SHIFT),
    Salesperson("sp-c", "tulsa", LATE_SHIFT),
    Salesperson("sp-z", "okc", DAY_SHIFT),
    Salesperson("sp-x", "tulsa", DAY_SHIFT, active=False),
]


def test_round_robin_is_fair_and_deterministic_when_all_on_shift():
    state = RoundRobinState()
    now = at(2024, 6, 3, 14)  # everyone at tulsa on shift
    picks = []
    for _ in range(30):
        pick = round_robin(TEAM, "tulsa", state, now)
        picks.append(pick.salesperson_id)
        state = pick.state
    assert picks[:4] == ["sp-a", "sp-b", "sp-c", "sp-a"]
    assert Counter(picks) == {"sp-a": 10, "sp-b": 10, "sp-c": 10}
    assert state.to_dict() == {"tulsa": "sp-c"}


def test_round_robin_state_round_trips_and_is_per_rooftop():
    state = RoundRobinState.from_dict({"tulsa": "sp-a", "okc": "sp-z"})
    pick = round_robin(TEAM, "tulsa", state, at(2024, 6, 3, 14))
    assert pick.salesperson_id == "sp-b"
    assert pick.state.last_assigned["okc"] == "sp-z"
    assert state.last_assigned["tulsa"] == "sp-a"  # input not mutated


def test_round_robin_skips_people_off_shift():
    state = RoundRobinState({"tulsa": "sp-b"})  # sp-c would be next, but starts at 13:00
    pick = round_robin(TEAM, "tulsa", state, MON_10)
    assert pick.salesperson_id == "sp-a" and pick.on_shift


def test_round_robin_survives_a_removed_cursor():
    state = RoundRobinState({"tulsa": "sp-aa"})  # left the team; next id in order is sp-b
    assert round_robin(TEAM, "tulsa", state, at(2024, 6, 3, 14)).salesperson_id == "sp-b"


def test_nobody_on_shift_assigns_next_on_shift_and_says_so():
    sat_night = at(2024, 6, 8, 22)  # Saturday 22:00; next shifts start Monday
    pick = round_robin(TEAM, "tulsa", RoundRobinState({"tulsa": "sp-a"}), sat_night)
    assert not pick.on_shift
    assert pick.salesperson_id == "sp-b"  # sp-a and sp-b both start Mon 9:00; sp-b is next in rotation
    assert pick.next_on_shift_at == at(2024, 6, 10, 9).astimezone(UTC)
    assert "nobody on shift" in pick.reason and "sp-b" in pick.reason
    evening = at(2024, 6, 4, 20)  # only sp-c (till 21:00) on shift
    assert round_robin(TEAM, "tulsa", RoundRobinState({"tulsa": "sp-c"}), evening).salesperson_id == "sp-c"
    after = at(2024, 6, 4, 21, 30)
    pick = round_robin(TEAM, "tulsa", RoundRobinState({"tulsa": "sp-a"}), after)
    assert pick.salesperson_id == "sp-b" and pick.next_on_shift_at == at(2024, 6, 5, 9).astimezone(UTC)


def test_no_active_salespeople():
    pick = round_robin(TEAM, "nowhere", RoundRobinState(), MON_10)
    assert pick.salesperson_id is None and "no active" in pick.reason


def test_haversine_known_distance():
    # Tulsa to Oklahoma City is about 98 miles (158 km) as the crow flies
    assert haversine_km(36.154, -95.993, 35.468, -97.516) == pytest.approx(158, abs=3)
    # Big Ben to the Statue of Liberty, the classic haversine worked example: 5574.8 km
    assert haversine_km(51.5007, -0.1246, 40.6892, -74.0445) == pytest.approx(5574.8, abs=0.5)
    assert haversine_km(0, 0, 0, 1) == pytest.approx(111.2, abs=0.1)
    assert haversine_km(10, 10, 10, 10) == 0


def test_rooftop_choice_territory_then_nearest():
    assert rooftop_for_zip("74104-1234", ROOFTOPS).id == "tulsa"
    assert rooftop_for_zip("99999", ROOFTOPS) is None
    r, km = nearest_rooftop(35.5, -97.4, ROOFTOPS)
    assert r.id == "okc" and km < 15
    a = assign_lead(LeadLocation(zip_code="73102"), ROOFTOPS, TEAM, RoundRobinState(), MON_10)
    assert (a.rooftop_id, a.salesperson_id, a.method) == ("okc", "sp-z", "territory")
    a = assign_lead(LeadLocation(zip_code="74000", lat=36.1, lon=-96.0), ROOFTOPS, TEAM, RoundRobinState(), MON_10)
    assert a.rooftop_id == "tulsa" and a.method == "nearest" and a.distance_km is not None
    a = assign_lead(LeadLocation(rooftop_id="okc", zip_code="74103"), ROOFTOPS, TEAM, RoundRobinState(), MON_10)
    assert a.method == "requested" and a.rooftop_id == "okc"
    a = assign_lead(LeadLocation(), ROOFTOPS, TEAM, RoundRobinState(), MON_10)
    assert a.rooftop_id is None and a.method == "none"


def test_nearest_tie_goes_to_lowest_id():
    twins = [Rooftop("b", "B", STORE, 1.0, 1.0), Rooftop("a", "A", STORE, 1.0, 1.0)]
    assert nearest_rooftop(0, 0, twins)[0].id == "a"


def test_hot_lead_sla_in_working_hours_is_15_minutes():
    due = sla_due(at(2024, 6, 3, 10, 2), "hot", STORE)
    assert due.within_hours and due.due_at == at(2024, 6, 3, 10, 17).astimezone(UTC)


def test_sla_spills_over_closing_into_next_opening():
    due = sla_due(at(2024, 6, 3, 18, 50), "hot", STORE)  # closes 19:00: 10 min today, 5 tomorrow
    assert due.due_at == at(2024, 6, 4, 9, 5).astimezone(UTC)
    warm = sla_due(at(2024, 6, 8, 16), "warm", STORE)  # Saturday closes 17:00, Sunday closed
    assert warm.due_at == at(2024, 6, 10, 10).astimezone(UTC)


def test_hot_lead_outside_hours_is_due_at_next_opening():
    due = sla_due(at(2024, 6, 8, 23), "hot", STORE)  # Saturday night
    assert not due.within_hours
    assert due.due_at == at(2024, 6, 10, 9).astimezone(UTC)
    assert "next opening" in due.reason
    cold = sla_due(at(2024, 6, 3, 6), "cold", STORE, SlaPolicy())
    assert cold.due_at == at(2024, 6, 3, 17).astimezone(UTC)  # 480 working minutes after 9:00


def test_sla_across_dst_and_holidays():
    # Sunday 2024-03-10 is spring-forward; store closed Sunday, opens Monday 9:00 CDT
    due = sla_due(at(2024, 3, 9, 20), "hot", STORE)
    assert due.due_at.astimezone(CHI) == at(2024, 3, 11, 9)
    closed_monday = WorkingHours(TZ, STORE.weekly, frozenset({date(2024, 3, 11)}))
    assert sla_due(at(2024, 3, 9, 20), "hot", closed_monday).due_at.astimezone(CHI) == at(2024, 3, 12, 9)


def test_working_hours_validation_and_aware_datetimes():
    with pytest.raises(ValueError):
        WorkingHours(TZ, {0: (time(17), time(9))})
    with pytest.raises(ValueError):
        sla_due(datetime(2024, 6, 3, 10), "hot", STORE)
    with pytest.raises(ValueError):
        sla_due(MON_10, "lukewarm", STORE)
    assert STORE.add_working_minutes(MON_10, 0) == MON_10.astimezone(UTC)
    assert STORE.add_working_minutes(MON_10, 60 * 24) - MON_10 > timedelta(days=2)
