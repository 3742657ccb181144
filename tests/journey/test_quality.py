import json

from journey_assets.journey.quality import missing_fields, split_records, split_repeats
from journey_assets.sources.dealer_inventory import inventory_row_problems


def row(**overrides):
    base = {
        "vehicle_id": "v1",
        "vin": "1HGCV1F42JA141468",
        "year": 2018,
        "make": "Honda",
        "model": "Accord",
        "price": 18000,
    }
    return {**base, **overrides}


def test_a_good_inventory_row_has_no_problems():
    assert inventory_row_problems(row()) == []


def test_every_problem_of_a_row_is_reported():
    problems = inventory_row_problems(row(vin="1HGCV1F43JA141468", make=" ", price=-5, year="20x8"))
    assert any("check digit" in p for p in problems)
    assert "required field 'make' is missing" in problems
    assert any("negative" in p for p in problems)
    assert any("not a number" in p for p in problems)


def test_rejected_records_keep_their_payload_and_reason():
    good, bad = split_records([row(), row(vehicle_id="v2", vin="X")], inventory_row_problems, key="vehicle_id")
    assert [r["vehicle_id"] for r in good] == ["v1"]
    assert bad[0]["record_key"] == "v2" and "17 characters" in bad[0]["reason"]
    assert json.loads(bad[0]["payload"])["vin"] == "X"


def test_repeats_are_rejected_not_dropped():
    kept, repeats = split_repeats([row(), row(price=1), row(vehicle_id="v2")], key="vehicle_id", what="vehicle")
    assert [r["vehicle_id"] for r in kept] == ["v1", "v2"] and kept[0]["price"] == 18000
    assert len(repeats) == 1 and json.loads(repeats[0]["payload"])["price"] == 1


def test_missing_fields_treats_blank_strings_as_missing():
    assert missing_fields({"a": "", "b": None, "c": 0}, ["a", "b", "c"]) == [
        "required field 'a' is missing",
        "required field 'b' is missing",
    ]
