"""The response workflow over the generated small world (the session's `small_world`): its rooftops,
salespeople and live inventory, as the sandbox serves them."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest
from support.respond_harness import Harness, new_phone

from journey_assets.journey.contact import ContactError, validate_vin
from journey_assets.sandbox.server import SandboxServer
from journey_assets.sandbox.world import World


@pytest.fixture(scope="module")
def world_sandbox(small_world: World, tmp_path_factory) -> Iterator[SandboxServer]:
    server = SandboxServer(small_world, port=0, record_path=tmp_path_factory.mktemp("sandbox") / "requests.sqlite3")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def world_harness(world_sandbox: SandboxServer, small_world: World, tmp_path) -> Iterator[Harness]:
    h = Harness(world_sandbox, small_world, tmp_path)
    try:
        yield h
    finally:
        h.close()


def _vehicles(world: World, dealer_id: str, *, sold: bool) -> list[dict]:
    inventory = world.table("inventory")
    rows = inventory[(inventory["dealer_id"] == dealer_id) & (inventory["date_sold"].notna() == sold)]
    out = []
    for row in rows.sort_values("stock_number").to_dict("records"):
        try:
            vin = validate_vin(row["vin"])
        except ContactError:
            continue  # the world corrupts some VINs on purpose; the intake refuses those
        out.append(
            {
                "vin": vin,
                "stock_number": row["stock_number"],
                "year": int(row["year"]),
                "make": row["make"],
                "model": row["model"],
                "trim": row["trim"],
                "condition": "new" if row["condition"] == "new" else "used",
            }
        )
    return out


def test_leads_at_a_generated_rooftop_are_answered_assigned_and_matched(world_harness: Harness, small_world: World):
    h = world_harness
    dealer = "D02"
    rooftop = small_world.table("rooftops").set_index("dealer_id").loc[dealer]
    staff = small_world.table("salespeople")
    staff = set(staff[staff["dealer_id"] == dealer]["salesperson_id"])
    in_stock = _vehicles(small_world, dealer, sold=False)[0]
    gone = _vehicles(small_world, dealer, sold=True)[-1]
    kept, sold = new_phone(), new_phone()

    first = h.intent("test_drive_request", phone=kept, vehicle=in_stock, postal_code=rooftop["zip"], dealer_id=dealer)
    second = h.intent("credit_application", phone=sold, vehicle=gone, postal_code=rooftop["zip"], dealer_id=dealer)
    h.run()

    assert h.ledger.get_action(first["event_id"], "inventory").detail["status"] == "in_stock"
    for body in (first, second):
        assignment = h.ledger.get_action(body["event_id"], "assign").detail
        assert assignment["rooftop_id"] == dealer and assignment["salesperson_id"] in staff
    sms = {
        parse_qs(r["body"])["To"][0]: parse_qs(r["body"])["Body"][0]
        for r in h.rows("twilio")
        if r["path"].endswith("/Messages.json")
    }
    assert set(sms) == {kept, sold}
    assert sms[kept].startswith(
        f"{rooftop['name']}: Hi Ann, your test drive of the {in_stock['year']} {in_stock['make']}"
    )

    matched = h.ledger.get_action(second["event_id"], "inventory").detail
    assert matched["status"] == "sold" and len(matched["alternatives"]) == 3
    assert all(a["make"] == gone["make"] or a["body_style"] for a in matched["alternatives"])
    assert "just sold" in sms[sold]
    assert len([r for r in h.rows("wrike") if r["path"].endswith("/tasks")]) == 2
    assert len(h.rows("slack")) == 2  # both hot (test drive 50, credit application 45)
