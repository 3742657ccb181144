"""Routing by tier: each tier's SLA, alert and task importance come from configuration (defaults: the behaviour
before tiers), a salesperson may take only some tiers, and a bad configuration is refused with the field named."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from journey_assets.journey.routing import (
    DEFAULT_TIER_RULES,
    RoundRobinState,
    Salesperson,
    SlaPolicy,
    TierRouting,
    WorkingHours,
    round_robin,
    sla_due,
    weekly_hours,
)
from journey_assets.response.config import build_roster

TZ = "America/Chicago"
CHI = ZoneInfo(TZ)
STORE = WorkingHours(TZ, {d: (time(9), time(19)) for d in range(5)})
MON_10 = datetime(2024, 6, 3, 10, tzinfo=CHI)
SAT_22 = datetime(2024, 6, 1, 22, tzinfo=CHI)
SHIFT = weekly_hours(TZ, range(5), time(9), time(17))


def test_the_defaults_are_the_behaviour_before_tiers():
    routing = TierRouting()
    assert routing.sla_policy() == SlaPolicy()
    assert routing.alert_tiers == {"hot"}
    assert {t: r.importance for t, r in routing.rules.items()} == {"hot": "High", "warm": "Normal", "cold": "Normal"}
    assert TierRouting.from_json("") == routing and TierRouting.from_json(None) == routing


def test_a_configured_tier_changes_only_what_it_names():
    routing = TierRouting.from_json('{"hot": {"sla_minutes": 5}, "warm": {"alert": true, "importance": "High"}}')
    assert routing.rule("hot").sla_minutes == 5 and routing.rule("hot").alert and routing.rule("hot").due_at_open
    assert routing.alert_tiers == {"hot", "warm"} and routing.rule("warm").importance == "High"
    assert routing.rule("cold") == DEFAULT_TIER_RULES["cold"]
    policy = routing.sla_policy()
    assert sla_due(MON_10, "hot", STORE, policy).due_at == datetime(2024, 6, 3, 10, 5, tzinfo=CHI)
    assert sla_due(MON_10, "warm", STORE, policy).due_at == datetime(2024, 6, 3, 12, 0, tzinfo=CHI)


def test_due_at_open_is_configuration_too():
    policy = TierRouting.from_json('{"hot": {"due_at_open": false}, "cold": {"due_at_open": true}}').sla_policy()
    monday_9 = datetime(2024, 6, 3, 9, tzinfo=CHI)
    assert sla_due(SAT_22, "cold", STORE, policy).due_at == monday_9
    assert sla_due(SAT_22, "hot", STORE, policy).due_at == datetime(2024, 6, 3, 9, 15, tzinfo=CHI)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "JSON object by tier"),
        ('{"scorching": {}}', "unknown tiers"),
        ('{"hot": {"sla": 5}}', "tier routing for hot: fields are"),
        ('{"hot": {"sla_minutes": -1}}', "sla_minutes must be a whole number"),
        ('{"hot": {"sla_minutes": 2.5}}', "sla_minutes must be a whole number"),
        ('{"warm": {"importance": "Urgent"}}', "importance must be one of High, Normal, Low"),
        ('{"cold": {"alert": "yes"}}', "true or false"),
    ],
)
def test_a_bad_configuration_is_refused_naming_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        TierRouting.from_json(text)


def people(*tiers_of):
    return [Salesperson(f"s{i}", "tulsa", SHIFT, f"S{i}", True, frozenset(t)) for i, t in enumerate(tiers_of, 1)]


def test_a_tier_goes_round_robin_among_those_who_take_it():
    team = people({"hot"}, set(), {"warm", "cold"}, {"hot"})
    state = RoundRobinState()
    hot = []
    for _ in range(4):
        pick = round_robin(team, "tulsa", state, MON_10, tier="hot")
        hot.append(pick.salesperson_id)
        state = pick.state
    assert hot == ["s1", "s2", "s4", "s1"]  # s3 takes warm and cold only
    assert "among those taking hot leads" in pick.reason
    cold = round_robin(team, "tulsa", RoundRobinState(), MON_10, tier="cold")
    assert cold.salesperson_id == "s2" and round_robin(team, "tulsa", cold.state, MON_10, "cold").salesperson_id == "s3"


def test_when_nobody_takes_a_tier_everyone_does_and_the_reason_says_so():
    team = people({"hot"}, {"hot"})
    pick = round_robin(team, "tulsa", RoundRobinState(), MON_10, tier="cold")
    assert pick.salesperson_id == "s1" and "nobody takes cold leads only, so everyone does" in pick.reason
    untiered = round_robin(team, "tulsa", RoundRobinState(), MON_10)
    assert untiered.salesperson_id == "s1" and "among" not in untiered.reason


def test_the_roster_reads_lead_tiers_and_refuses_an_unknown_one():
    rooftop = {"dealer_id": "D01", "name": "Tulsa", "timezone": TZ}
    person = {"salesperson_id": "s1", "dealer_id": "D01", "lead_tiers": "hot, Warm"}
    assert build_roster([rooftop], [person]).staff["s1"].routing.lead_tiers == {"hot", "warm"}
    assert build_roster([rooftop], [{**person, "lead_tiers": None}]).staff["s1"].routing.lead_tiers == frozenset()
    with pytest.raises(ValueError, match="salesperson s1: lead_tiers \\['tepid'\\] are not tiers"):
        build_roster([rooftop], [{**person, "lead_tiers": ["hot", "tepid"]}])
