"""Conversion events from a signed post at the intake to the CRM and Wrike fakes over HTTP."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from urllib.parse import parse_qs

import requests
from support.respond_harness import IN_STOCK, VEHICLES, Harness, new_phone, vehicle_of

from journey_assets.response.ledger import DONE


def post_conversion(
    harness: Harness, event_type: str, *, phone: str, email: str | None = None, days_ago: int = 0
) -> dict:
    customer: dict = {"first_name": "Ann", "last_name": "Lee", "phone": phone}
    if email:
        customer["email"] = email
    body = {
        "event_id": f"evt-{event_type}-{time.time_ns()}",
        "occurred_at": (harness.now() - timedelta(days=days_ago)).isoformat(),
        "dealer_id": "D01",
        "event_type": event_type,
        "source": "dms",
        "customer": customer,
        "deal_id": "DEAL-1",
        "value": 31250.0,
    }
    harness.post("conversion", body)
    return body


def lead_patches(harness: Harness) -> list[tuple[str, dict]]:
    return [(r["path"], json.loads(r["body"])) for r in harness.rows("crm", "PATCH")]


def task_updates(harness: Harness) -> list[tuple[str, dict]]:
    return [(r["path"], parse_qs(r["body"])) for r in harness.rows("wrike", "PUT")]


def answered_lead(harness: Harness, phone: str) -> tuple[str, str]:
    lead = harness.intent("test_drive_request", phone=phone, email=None, vehicle=vehicle_of(IN_STOCK))
    harness.run()
    crm = harness.ledger.get_action(lead["event_id"], "crm_lead")
    task = harness.ledger.get_action(lead["event_id"], "wrike_task")
    assert crm is not None and crm.vendor_ref and task is not None and task.vendor_ref
    return crm.vendor_ref, task.vendor_ref


def test_a_sale_moves_the_persons_crm_lead_to_sold_and_completes_their_task_once(harness: Harness):
    phone = new_phone()
    lead_id, task_id = answered_lead(harness, phone)
    harness.mark = max(r["id"] for v in ("crm", "wrike") for r in harness.server.log.rows(v))

    sale = post_conversion(harness, "vehicle_sold", phone=phone)
    report = harness.run()

    assert [o.result for o in report.outcomes if o.event_id == sale["event_id"]] == ["converted"]
    assert lead_patches(harness) == [(f"/leads/{lead_id}", {"status": "sold"})]
    assert [(path, form["status"]) for path, form in task_updates(harness)] == [(f"/tasks/{task_id}", ["Completed"])]
    actions = {a.action: a.status for a in harness.ledger.actions(sale["event_id"])}
    assert actions == {f"crm_status:{lead_id}": DONE, f"wrike_close:{task_id}": DONE}
    # the vendors hold the new states
    lead = requests.get(
        f"{harness.url('crm')}/leads/{lead_id}", headers={"Authorization": "Bearer sandbox-crm-token"}, timeout=5
    )
    assert lead.json()["status"] == "sold"

    # a replayed batch and a retry pass change nothing twice
    harness.cursor = None
    harness.run()
    assert len(lead_patches(harness)) == 1 and len(task_updates(harness)) == 1


def test_a_deposit_moves_the_status_and_leaves_the_task_open(harness: Harness):
    phone = new_phone()
    lead_id, _ = answered_lead(harness, phone)
    harness.mark = max(r["id"] for v in ("crm", "wrike") for r in harness.server.log.rows(v))

    post_conversion(harness, "deposit_placed", phone=phone)
    harness.run()

    assert lead_patches(harness) == [(f"/leads/{lead_id}", {"status": "deposit"})]
    assert task_updates(harness) == []


def test_a_conversion_of_a_person_the_journey_never_led_calls_no_vendor(harness: Harness):
    answered_lead(harness, new_phone())  # somebody else's lead
    harness.mark = max(r["id"] for v in ("crm", "wrike") for r in harness.server.log.rows(v))

    sale = post_conversion(harness, "vehicle_sold", phone=new_phone(), email="someone.new@example.com")
    report = harness.run()

    assert [o.result for o in report.outcomes if o.event_id == sale["event_id"]] == ["conversion_without_lead"]
    assert lead_patches(harness) == [] and task_updates(harness) == []


def vdp_leads(harness: Harness, phone: str) -> list[str]:
    """Three VDP views in a row (the threshold): the results of the views' events."""
    ids = [
        harness.intent("vdp_view", phone=phone, email=None, vehicle=vehicle_of(VEHICLES[3]))["event_id"]
        for _ in range(3)
    ]
    report = harness.run()
    return [o.result for o in report.outcomes if o.event_id in ids]


def test_a_sale_holds_prospecting_a_deposit_does_not_and_the_hold_ends(harness: Harness):
    sold, deposit, long_ago = new_phone(), new_phone(), new_phone()
    post_conversion(harness, "vehicle_sold", phone=sold)
    post_conversion(harness, "deposit_placed", phone=deposit)
    post_conversion(harness, "lease_signed", phone=long_ago, days_ago=91)
    harness.run()
    harness.mark = max(r["id"] for r in harness.server.log.rows("twilio"))

    assert vdp_leads(harness, sold) == ["prospecting_hold"] * 3
    assert harness.rows("twilio") == []  # no VDP-interest SMS to a buyer
    assert vdp_leads(harness, deposit)[-1].startswith("lead:")  # a deposit leaves the person in the funnel
    assert vdp_leads(harness, long_ago)[-1].startswith("lead:")  # the hold lasts 90 days
    assert len(harness.rows("twilio")) == 2
