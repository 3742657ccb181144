"""Drafting rules: inventory events become one draft per network, within its length limit, never twice."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from journey_assets.journey.social_posts import (
    APPROVED,
    DRAFTED,
    FAILED,
    NEW_ARRIVAL,
    PRICE_DROP,
    REJECTED,
    SCHEDULED,
    TEXT_LIMITS,
    compose_text,
    current_states,
    draft_posts,
    may_follow,
    new_drafts,
    vehicle_events,
)

AS_OF = date(2026, 11, 23)
ROOFTOPS = {
    "D01": {"dealer_id": "D01", "name": "Lakeshore Honda"},
    "D02": {"dealer_id": "D02", "name": "Front Range Toyota"},
}


def vehicle(vehicle_id: str, first_seen: str, *, dealer: str = "D01", in_stock: bool = True, **extra) -> dict:
    row = {
        "vehicle_id": vehicle_id,
        "dealer_id": dealer,
        "condition": "used",
        "model_year": 2022,
        "make": "Honda",
        "model": "Civic",
        "trim_level": "EX",
        "exterior_color": "Sonic Gray",
        "vdp_url": f"https://dealer.example/used/{vehicle_id}.htm?src=feed",
        "image_url": f"https://img.example/{vehicle_id}.jpg",
        "current_listed_price": 21500.0,
        "first_seen_date": pd.Timestamp(first_seen),
        "last_seen_date": pd.Timestamp(AS_OF),
        "is_in_stock": in_stock,
    }
    row.update(extra)
    return row


def spell(vehicle_id: str, valid_from: str, price: float, previous: float | None, current: bool = True) -> dict:
    return {
        "price_spell_id": f"{vehicle_id}-{valid_from}",
        "vehicle_id": vehicle_id,
        "listed_price": price,
        "previous_price": previous,
        "price_change": None if previous is None else price - previous,
        "valid_from": pd.Timestamp(valid_from),
        "is_current": current,
    }


@pytest.fixture
def marts():
    vehicles = pd.DataFrame(
        [
            vehicle("v-new", "2026-11-21"),  # arrived in the window
            vehicle("v-old", "2026-10-01"),  # in stock for weeks: no arrival event
            vehicle("v-sold", "2026-11-22", in_stock=False),  # gone: nothing
            vehicle("v-cut", "2026-10-05", dealer="D02", make="Toyota", model="RAV4", trim_level="XLE"),
        ]
    )
    spells = pd.DataFrame(
        [
            spell("v-cut", "2026-10-05", 31995.0, None, current=False),
            spell("v-cut", "2026-11-22", 29995.0, 31995.0),  # a markdown in the window
            spell("v-old", "2026-11-20", 23000.0, 22000.0),  # a price rise: no event
            spell("v-sold", "2026-11-22", 19000.0, 20000.0),  # a drop on a sold vehicle: nothing
        ]
    )
    return vehicles, spells


def test_new_arrivals_and_price_drops_of_the_window(marts):
    events = vehicle_events(*marts, AS_OF, lookback_days=7)
    got = sorted(zip(events["vehicle_id"], events["event_type"], strict=True))
    assert got == [("v-cut", PRICE_DROP), ("v-new", NEW_ARRIVAL)]
    drop = events[events["event_type"] == PRICE_DROP].iloc[0]
    assert drop["listed_price"] == 29995.0 and drop["previous_price"] == 31995.0
    assert drop["event_date"] == date(2026, 11, 22)
    # a window that ends before the arrival sees nothing of it
    assert vehicle_events(*marts, date(2026, 11, 20), lookback_days=3)["vehicle_id"].tolist() == []


def test_one_draft_per_network_with_the_vdp_link_and_photo(marts):
    events = vehicle_events(*marts, AS_OF, lookback_days=7)
    drafts, skipped = draft_posts(events, ROOFTOPS, ["facebook", "instagram", "twitter"])
    assert skipped == []
    assert len(drafts) == 6
    drop = next(d for d in drafts if d.vehicle_id == "v-cut" and d.network == "twitter")
    assert drop.text.startswith("Price drop at Front Range Toyota: Pre-owned 2022 Toyota RAV4 XLE")
    assert "now $29,995 (was $31,995)" in drop.text
    assert drop.text.endswith(drop.link) and drop.image_url == "https://img.example/v-cut.jpg"
    query = parse_qs(urlsplit(drop.link).query)
    assert query["src"] == ["feed"]  # the VDP's own query survives
    assert query["utm_source"] == ["twitter"] and query["utm_medium"] == ["social"]
    assert query["utm_campaign"] == ["inventory_price_drop"] and query["utm_content"] == [drop.draft_id]
    arrival = next(d for d in drafts if d.vehicle_id == "v-new" and d.network == "facebook")
    assert arrival.text.startswith(
        "Just arrived at Lakeshore Honda: Pre-owned 2022 Honda Civic EX in Sonic Gray, $21,500."
    )


def test_the_same_event_never_drafts_twice(marts):
    first, _ = draft_posts(vehicle_events(*marts, AS_OF, 7), ROOFTOPS)
    again, _ = draft_posts(vehicle_events(*marts, date(2026, 11, 24), 7), ROOFTOPS)  # the next night
    assert {d.draft_id for d in first} == {d.draft_id for d in again}  # same events, same ids
    assert new_drafts(again, {d.draft_id for d in first}) == []
    assert len(new_drafts([*first, *first], ())) == len(first)  # nor twice within one batch
    assert len({d.draft_id for d in first}) == len(first)  # networks and events do not collide


def test_a_new_markdown_is_a_new_event(marts):
    vehicles, spells = marts
    later = pd.concat(
        [
            spells.assign(is_current=spells["price_spell_id"].ne("v-cut-2026-11-22") & spells["is_current"]),
            pd.DataFrame([spell("v-cut", "2026-11-23", 28995.0, 29995.0)]),
        ]
    )
    before, _ = draft_posts(vehicle_events(vehicles, spells, AS_OF, 7), ROOFTOPS, ["facebook"])
    after, _ = draft_posts(vehicle_events(vehicles, later, AS_OF, 7), ROOFTOPS, ["facebook"])
    drops_before = {d.draft_id for d in before if d.event_type == PRICE_DROP}
    drops_after = {d.draft_id for d in after if d.event_type == PRICE_DROP}
    assert len(drops_after) == 1 and drops_after.isdisjoint(drops_before)


@pytest.mark.parametrize("network", sorted(TEXT_LIMITS))
def test_text_fits_each_networks_limit(network):
    long_name = "The Extremely Long Named Certified Pre-Owned Superstore of the Greater Metropolitan Area"
    row = vehicle("v-x", "2026-11-22", trim_level="Limited Platinum Reserve Edition " * 4, exterior_color="Blue " * 20)
    events = vehicle_events(pd.DataFrame([row]), pd.DataFrame([spell("v-x", "2026-11-22", 1.0, None)]), AS_OF, 7)
    drafts, skipped = draft_posts(events, {"D01": {"name": long_name}}, [network])
    assert skipped == []
    (draft,) = drafts
    assert len(draft.text) <= TEXT_LIMITS[network]
    assert draft.text.endswith(draft.link)  # detail is dropped, never the link


def test_a_short_limit_drops_detail_before_truncating():
    link = "https://d.example/v?utm_content=sp_x"
    row = {
        "model_year": 2024,
        "make": "Toyota",
        "model": "Tacoma",
        "trim_level": "TRD Pro",
        "exterior_color": "Lunar Rock",
        "listed_price": 52000.0,
        "condition": "new",
    }
    full = compose_text(row, NEW_ARRIVAL, "Front Range Toyota", link, 1000)
    assert full == f"Just arrived at Front Range Toyota: New 2024 Toyota Tacoma TRD Pro in Lunar Rock, $52,000. {link}"
    shorter = compose_text(row, NEW_ARRIVAL, "Front Range Toyota", link, len(full) - 5)
    assert shorter is not None and "Lunar Rock" not in shorter and "TRD Pro" in shorter
    tiny = compose_text(row, NEW_ARRIVAL, "Front Range Toyota", link, len(link) + 20)
    assert tiny is not None and len(tiny) <= len(link) + 20 and tiny.endswith(f"… {link}")
    assert compose_text(row, NEW_ARRIVAL, "", link, len(link) + 3) is None  # the link alone barely fits: no draft


def test_photo_networks_skip_a_vehicle_without_one_and_unknown_networks_are_reported(marts):
    vehicles, spells = marts
    vehicles = vehicles.assign(image_url=None)
    drafts, skipped = draft_posts(
        vehicle_events(vehicles, spells, AS_OF, 7), ROOFTOPS, ["facebook", "instagram", "myspace"]
    )
    assert {d.network for d in drafts} == {"facebook"}
    assert {(s.network, s.reason) for s in skipped} == {
        ("instagram", "the network needs a photo"),
        ("myspace", "unknown network"),
    }
    only_d01, skipped = draft_posts(vehicle_events(vehicles, spells, AS_OF, 7), {"D01": ROOFTOPS["D01"]}, ["facebook"])
    assert {d.dealer_id for d in only_d01} == {"D01"}
    assert [s.reason for s in skipped] == ["rooftop not in the configuration"]


def test_latest_decision_wins_and_final_states_stay_final():
    log = pd.DataFrame(
        [
            {"draft_id": "a", "decision": DRAFTED, "decided_at": pd.Timestamp("2026-12-01 01:00"), "retryable": None},
            {"draft_id": "a", "decision": APPROVED, "decided_at": pd.Timestamp("2026-12-01 09:00"), "retryable": None},
            {"draft_id": "b", "decision": DRAFTED, "decided_at": pd.Timestamp("2026-12-01 01:00"), "retryable": None},
            {"draft_id": "b", "decision": REJECTED, "decided_at": pd.Timestamp("2026-12-01 09:00"), "retryable": None},
            {"draft_id": "a", "decision": FAILED, "decided_at": pd.Timestamp("2026-12-01 09:05"), "retryable": True},
        ]
    ).sample(frac=1, random_state=3)  # the log's order on disk does not matter
    states = current_states(log)
    assert states.loc["a", "decision"] == FAILED and states.loc["b", "decision"] == REJECTED
    assert may_follow(FAILED, True, SCHEDULED) and not may_follow(FAILED, False, SCHEDULED)
    assert not may_follow(REJECTED, None, APPROVED) and not may_follow(REJECTED, None, SCHEDULED)
    assert not may_follow(SCHEDULED, None, REJECTED) and not may_follow(DRAFTED, None, SCHEDULED)


def test_empty_marts_draft_nothing(marts):
    vehicles, spells = marts
    events = vehicle_events(vehicles.head(0), spells.head(0), AS_OF, 7)
    assert events.empty
    assert draft_posts(events, ROOFTOPS) == ([], [])
