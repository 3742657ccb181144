"""Meta lead-ads leads end to end: Meta's signed webhook into the real intake, `respond()` over what the
store holds, the lead read by id from the sandbox's Meta fake over HTTP, and the sandbox's request log as
the record of what reached each vendor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pandas as pd
import pytest
from support.respond_harness import IN_STOCK, VEHICLES, Harness, build_world

from journey_assets.journey.adf_parse import parse_adf_lead
from journey_assets.response.ledger import DONE, FAILED, PENDING, SKIPPED
from journey_assets.response.workflow import respond, respond_due
from journey_assets.sandbox.server import SandboxServer
from journey_assets.sandbox.world import World

PAGE = "100000000000777"
FORM = "800000000000001"
AD = "120000000000001"
# 10:00 in Chicago on a Tuesday: inside the 8am-9pm window, so the acknowledgement is not deferred.
NOON = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
LEADS = {  # name: (leadgen id, customer, vehicle of interest)
    "whole": ("900000000000001", "C101", IN_STOCK),  # every answer usable
    "bad_phone": ("900000000000002", "C102", VEHICLES[3]),  # a phone number that is not one
    "flaky": ("900000000000003", "C103", VEHICLES[4]),  # read while Meta answers 503
}
UNKNOWN_LEAD = "900000000000999"


def meta_world() -> World:
    world = build_world()
    rooftops = world.tables["rooftops"].copy()
    rooftops["meta_page_id"] = PAGE
    customers = pd.DataFrame(
        [
            {
                "customer_id": "C101",
                "first_name": "Maria",
                "last_name": "Gomez",
                "email": "Maria.Gomez@Example.com",
                "phone": "(312) 555-0711",
                "zip": "60614",
                "city": "Chicago",
            },
            {
                "customer_id": "C102",
                "first_name": "Sam",
                "last_name": "Ortiz",
                "email": "sam.ortiz@example.com",
                "phone": "555-12",
                "zip": "60601",
                "city": "Chicago",
            },
            {
                "customer_id": "C103",
                "first_name": "Lee",
                "last_name": "Park",
                "email": "lee.park@example.com",
                "phone": "+13125550713",
                "zip": "60601",
                "city": "Chicago",
            },
        ]
    )
    leads = pd.DataFrame(
        [
            {
                "lead_id": f"L{n}",
                "dealer_id": "D01",
                "customer_id": customer,
                "source": "meta_lead_ad",
                "created_at": pd.Timestamp(NOON - timedelta(minutes=1)),
                "meta_form_id": FORM,
                "meta_leadgen_id": leadgen,
                "meta_ad_id": AD,
                "vehicle_uuid": vehicle["vehicle_uuid"],
            }
            for n, (leadgen, customer, vehicle) in enumerate(LEADS.values(), 1)
        ]
    )
    world.tables.update({"rooftops": rooftops, "customers": customers, "leads": leads})
    return world


@pytest.fixture(scope="module")
def lead_world() -> World:
    return meta_world()


@pytest.fixture(scope="module")
def lead_sandbox(lead_world: World, tmp_path_factory) -> Iterator[SandboxServer]:
    server = SandboxServer(lead_world, port=0, record_path=tmp_path_factory.mktemp("sandbox") / "requests.sqlite3")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def h(lead_sandbox: SandboxServer, lead_world: World, tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(lead_sandbox, lead_world, tmp_path)
    try:
        yield harness
    finally:
        harness.close()
        lead_sandbox.clear_faults()


def at(moment: datetime):
    return lambda: moment


def webhook(h: Harness, leadgen_id: str, *, page_id: str = PAGE) -> str:
    """Post Meta's lead-ads webhook for one lead; answers the event id the intake stores it under."""
    h.post_meta_leadgen(
        [
            {
                "leadgen_id": leadgen_id,
                "page_id": page_id,
                "form_id": FORM,
                "adgroup_id": "110000000000001",
                "ad_id": AD,
                "created_time": int((NOON - timedelta(minutes=1)).timestamp()),
            }
        ],
        page_id=page_id,
    )
    return f"meta-leadgen:{leadgen_id}"


def sms(h: Harness) -> list[dict[str, str]]:
    return [
        {k: v[0] for k, v in parse_qs(r["body"]).items()}
        for r in h.rows("twilio")
        if r["path"].endswith("/Messages.json")
    ]


def counts(h: Harness) -> dict[str, int]:
    return {
        "sms": len(sms(h)),
        "rest_lead": len([r for r in h.rows("crm") if r["path"] == "/leads"]),
        "adf_lead": len([r for r in h.rows("crm") if r["path"] == "/leads/adf"]),
        "task": len([r for r in h.rows("wrike") if r["path"].endswith("/tasks")]),
        "alert": len(h.rows("slack")),
        "email": len([r for r in h.rows("customerio") if r["path"] == "/v1/send/email"]),
    }


def lead_reads(h: Harness, leadgen_id: str) -> list[dict]:
    return [r for r in h.rows("meta", "GET") if r["path"].endswith(f"/{leadgen_id}")]


def statuses(h: Harness, event_id: str) -> dict[str, str]:
    return {a.action: a.status for a in h.ledger.actions(event_id)}


def test_a_lead_ad_lead_is_answered_once_on_every_channel_and_a_rerun_sends_nothing(h: Harness):
    leadgen_id = LEADS["whole"][0]
    event_id = webhook(h, leadgen_id)
    events = h.read_new()
    assert [(e.kind, e.event_id) for e in events] == [("meta_leadgen", event_id)]

    report = respond(events, h.deps(clock=at(NOON)))

    assert report.outcomes[0].result == "lead:hot"
    assert counts(h) == {"sms": 1, "rest_lead": 1, "adf_lead": 1, "task": 1, "alert": 1, "email": 0}
    state = statuses(h, event_id)
    assert state.pop("inventory") == SKIPPED  # a free-text vehicle of interest names no VIN or stock number
    assert set(state.values()) == {DONE}
    # the lead was read by id, with the documented fields
    (read,) = lead_reads(h, leadgen_id)
    assert json.loads(read["query"])["fields"] == ["created_time,id,ad_id,form_id,field_data"]
    assert read["status"] == 200
    # the SMS: the transactional acknowledgement, to the number the form gave, normalized to E.164
    (text,) = sms(h)
    assert text["To"] == "+13125550711"
    assert text["Body"].startswith("Lakeside Honda: Hi Maria, thanks for asking about the 2023 Honda Civic EX.")
    meta_lead = h.ledger.get_action(event_id, "meta_lead")
    assert meta_lead.vendor_ref == leadgen_id and meta_lead.detail["unusable"] == {}
    assert meta_lead.detail["form_id"] == FORM and meta_lead.detail["ad_id"] == AD
    assert h.ledger.get_action(event_id, "sms").detail["category"] == "transactional"
    # the REST lead keyed by the event id, from the lead-ad source; the ADF lead names the customer
    rest = json.loads(next(r["body"] for r in h.rows("crm") if r["path"] == "/leads"))
    assert rest["external_id"] == event_id and rest["dealer_id"] == "D01" and rest["source"] == "meta_lead_ad"
    assert rest["customer"]["email"] == "maria.gomez@example.com" and rest["customer"]["postal_code"] == "60614"
    assert f"Meta lead ad: lead {leadgen_id}, form {FORM}, ad {AD}" in rest["comments"]
    assert "submitted a lead-ad form" in rest["comments"]
    adf = parse_adf_lead(next(r["body"] for r in h.rows("crm") if r["path"] == "/leads/adf"))
    assert adf.ids[0].value == event_id and adf.customer.phones[0].number == "+13125550711"
    assert adf.customer.first_name == "Maria" and adf.customer.last_name == "Gomez"
    assert (
        "<b>Lead-ad form</b> at Lakeside Honda"
        in parse_qs(next(r["body"] for r in h.rows("wrike") if r["path"].endswith("/tasks")))["description"][0]
    )
    assert "Hot lead at Lakeside Honda" in h.rows("slack")[0]["body"]
    assert "+13125550711" not in h.rows("slack")[0]["body"]

    # the same batch again (a retried run), the retry queue, a fresh deps: nothing is sent twice
    respond(events, h.deps(clock=at(NOON)))
    respond_due(h.deps(clock=at(NOON + timedelta(hours=2))))
    assert counts(h) == {"sms": 1, "rest_lead": 1, "adf_lead": 1, "task": 1, "alert": 1, "email": 0}
    assert not h.rows("meta", "POST")  # reading a lead again is a GET; nothing is written to Meta


def test_an_unknown_leadgen_id_is_dead_lettered_with_metas_reason(h: Harness):
    event_id = webhook(h, UNKNOWN_LEAD)

    report = h.run(clock=at(NOON))

    assert report.outcomes[0].result == "meta_lead:failed"
    assert statuses(h, event_id) == {"meta_lead": FAILED}
    (letter,) = h.ledger.dead_letters(event_id)
    assert letter.vendor == "meta" and letter.action == "meta_lead"
    assert (
        f"Object with ID '{UNKNOWN_LEAD}' does not exist" in letter.reason and "code 100, subcode 33" in letter.reason
    )
    assert letter.payload["leadgen_id"] == UNKNOWN_LEAD and letter.payload["status"] == 400
    assert counts(h) == {"sms": 0, "rest_lead": 0, "adf_lead": 0, "task": 0, "alert": 0, "email": 0}
    assert h.ledger.next_retry_at() is None  # nothing left to retry

    # a re-run neither asks Meta again nor dead-letters twice
    respond(h.store.read_since(None, 10)[0], h.deps(clock=at(NOON + timedelta(minutes=5))))
    assert len(lead_reads(h, UNKNOWN_LEAD)) == 1 and len(h.ledger.dead_letters(event_id)) == 1


def test_a_transient_failure_reading_the_lead_stays_pending_then_the_next_run_answers(h: Harness):
    leadgen_id = LEADS["flaky"][0]
    h.server.inject("meta", "server_error", path=rf"/{leadgen_id}$", times=3)  # every attempt of the first read
    event_id = webhook(h, leadgen_id)

    first = h.run(clock=at(NOON))

    assert first.outcomes[0].result == "meta_lead:pending"
    record = h.ledger.get_action(event_id, "meta_lead")
    assert record.status == PENDING and record.detail["transient"] is True and record.retry_at > NOON
    assert [r["status"] for r in lead_reads(h, leadgen_id)] == [503, 503, 503]
    assert counts(h)["sms"] == 0 and counts(h)["rest_lead"] == 0
    assert h.ledger.next_retry_at() == record.retry_at  # the sensor launches a retry run when it is due
    assert not h.ledger.dead_letters(event_id)

    second = h.run(clock=at(NOON + timedelta(minutes=5)))

    assert [o.result for o in second.outcomes] == ["lead:hot"]
    assert set(statuses(h, event_id).values()) == {DONE, SKIPPED}
    assert {a for a, s in statuses(h, event_id).items() if s == SKIPPED} == {"inventory"}
    assert counts(h) == {"sms": 1, "rest_lead": 1, "adf_lead": 1, "task": 1, "alert": 1, "email": 0}
    assert sms(h)[0]["To"] == "+13125550713"
    assert h.ledger.next_retry_at() is None


def test_a_lead_with_an_unusable_phone_gets_no_sms_but_every_other_action(h: Harness):
    leadgen_id = LEADS["bad_phone"][0]
    event_id = webhook(h, leadgen_id)

    report = h.run(clock=at(NOON))

    assert report.outcomes[0].result == "lead:hot"
    state = statuses(h, event_id)
    assert state["sms"] == SKIPPED
    assert {state[a] for a in ("meta_lead", "crm_lead", "crm_adf", "wrike_task", "slack_alert")} == {DONE}
    skipped = h.ledger.get_action(event_id, "sms").detail
    assert skipped["reason"].startswith("no usable phone number: phone is not")
    assert "phone" in skipped["unusable"] and "555-12" not in json.dumps(skipped)  # the reason, not the value
    assert "phone" in h.ledger.get_action(event_id, "meta_lead").detail["unusable"]
    # no text; the customer still hears back by email (the fallback), and the salesperson gets the lead
    assert counts(h) == {"sms": 0, "rest_lead": 1, "adf_lead": 1, "task": 1, "alert": 1, "email": 1}
    rest = json.loads(next(r["body"] for r in h.rows("crm") if r["path"] == "/leads"))
    assert "phone" not in rest["customer"] and rest["customer"]["email"] == "sam.ortiz@example.com"
    assert "unusable phone on the form: phone is not" in rest["comments"]


def test_a_page_no_rooftop_owns_is_dead_lettered_without_reading_the_lead(h: Harness):
    event_id = webhook(h, LEADS["whole"][0], page_id="100000000000999")

    report = h.run(clock=at(NOON))

    assert report.outcomes[0].result == "unknown_rooftop"
    assert statuses(h, event_id) == {"respond": FAILED}
    (letter,) = h.ledger.dead_letters(event_id)
    assert letter.vendor == "config" and "no rooftop has meta_page_id 100000000000999" in letter.reason
    assert not lead_reads(h, LEADS["whole"][0]) and counts(h)["rest_lead"] == 0
