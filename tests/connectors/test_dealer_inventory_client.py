"""The inventory feed client against the sandbox fake over real HTTP, including each injected fault."""

from __future__ import annotations

from datetime import date

import pytest

from journey_assets.connectors.dealer_inventory import DealerInventoryClient
from journey_assets.connectors.http import (
    MalformedResponseError,
    PermanentVendorError,
    RetryPolicy,
    TransientVendorError,
)

FAST = RetryPolicy(total=3, backoff_factor=0)


def client(inventory_sandbox, **kwargs) -> DealerInventoryClient:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("timeout", 2.0)
    return DealerInventoryClient(inventory_sandbox.vendor_url("dealer_inventory"), "test-key", **kwargs)


def test_pages_through_the_whole_feed(inventory_sandbox):
    vehicles = list(client(inventory_sandbox, page_size=2).iter_vehicles("D01"))
    # 6 listed at D01 on as_of (veh-006 sold on 11-20), across 3 pages of 2.
    assert sorted(v["vehicle_id"] for v in vehicles) == [
        "veh-000",
        "veh-001",
        "veh-002",
        "veh-003",
        "veh-004",
        "veh-005",
    ]
    pages = [r for r in inventory_sandbox.log.rows("dealer_inventory") if r["status"] == 200]
    assert len(pages) == 3


def test_maps_dealer_com_fields_and_current_price(inventory_sandbox):
    by_id = {v["vehicle_id"]: v for v in client(inventory_sandbox).iter_vehicles("D01")}
    assert by_id["veh-001"]["price"] == 27500.0  # the markdown on 11-22
    assert by_id["veh-000"]["price"] == 29000.0
    assert by_id["veh-002"]["certified"] is True and by_id["veh-002"]["inventory_type"] == "used"
    assert by_id["veh-000"]["image_url"] == "https://img.example/0.jpg"  # nested images.0.uri


def test_as_of_returns_the_stock_of_that_day(inventory_sandbox):
    earlier = {v["vehicle_id"] for v in client(inventory_sandbox).iter_vehicles("D01", as_of=date(2026, 11, 19))}
    assert "veh-006" in earlier  # not yet sold on 11-19
    before_markdown = {
        v["vehicle_id"]: v["price"] for v in client(inventory_sandbox).iter_vehicles("D01", as_of=date(2026, 11, 21))
    }
    assert before_markdown["veh-001"] == 29000.0


def test_csv_export_maps_the_same_columns(inventory_sandbox):
    rows = client(inventory_sandbox).fetch_csv("D01")
    json_rows = list(client(inventory_sandbox).iter_vehicles("D01"))
    assert {r["vin"] for r in rows} == {r["vin"] for r in json_rows}
    assert {r["image_url"] for r in rows} == {r["image_url"] for r in json_rows}


@pytest.mark.parametrize("kind", ["rate_limit", "server_error", "drop"])
def test_a_transient_fault_is_retried(inventory_sandbox, kind):
    inventory_sandbox.inject("dealer_inventory", kind, times=1, retry_after=0)
    assert len(list(client(inventory_sandbox).iter_vehicles("D01"))) == 6
    statuses = [r["status"] for r in inventory_sandbox.log.rows("dealer_inventory")]
    assert statuses[0] != 200 and statuses[-1] == 200


def test_a_slow_answer_times_out_and_is_retried(inventory_sandbox):
    inventory_sandbox.inject("dealer_inventory", "timeout", times=1, delay=1.5)
    assert len(list(client(inventory_sandbox, timeout=0.5).iter_vehicles("D01"))) == 6
    assert len(inventory_sandbox.log.rows("dealer_inventory")) == 2


def test_a_persistent_outage_fails_loudly(inventory_sandbox):
    inventory_sandbox.inject("dealer_inventory", "server_error", times=-1)
    with pytest.raises(TransientVendorError) as error:
        list(client(inventory_sandbox).iter_vehicles("D01"))
    assert error.value.status == 503
    assert len(inventory_sandbox.log.rows("dealer_inventory")) == FAST.total + 1


def test_a_malformed_page_fails_loudly(inventory_sandbox):
    inventory_sandbox.inject("dealer_inventory", "malformed", times=1)
    with pytest.raises(MalformedResponseError):
        list(client(inventory_sandbox).iter_vehicles("D01"))


def test_a_truncated_page_is_not_loaded(inventory_sandbox):
    inventory_sandbox.inject("dealer_inventory", "partial", times=1)
    with pytest.raises(MalformedResponseError, match="expected"):
        list(client(inventory_sandbox, page_size=4).iter_vehicles("D01"))


def test_a_refusal_is_permanent_with_the_vendors_reason(inventory_sandbox):
    with pytest.raises(PermanentVendorError) as error:
        list(client(inventory_sandbox).iter_vehicles("D99"))
    assert error.value.status == 404 and "unknown dealer" in error.value.reason
    keyless = DealerInventoryClient(inventory_sandbox.vendor_url("dealer_inventory"), "", retry=FAST)
    with pytest.raises(PermanentVendorError) as error:
        list(keyless.iter_vehicles("D01"))
    assert error.value.status == 401
