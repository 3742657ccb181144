"""The response workflow end to end: signed events into the real intake, `respond()` over what the store
holds, and the sandbox's request log as the record of what reached each vendor."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from support.respond_harness import IN_STOCK, SOLD, VEHICLES, Harness, new_phone, vehicle_of, wait_for

from journey_assets.journey.adf_parse import parse_adf_lead
from journey_assets.response.ledger import DEFERRED, DONE, DRY_RUN, FAILED, PENDING, SKIPPED
from journey_assets.response.workflow import Event, respond, respond_due

CHICAGO_2330 = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)  # 23:30 CST on Tue Nov 24


def is_send(row: dict) -> bool:
    """A POST to Messages.json (a GET there lists messages)."""
    return row["method"] == "POST" and row["path"].endswith("/Messages.json")


def sms_bodies(h: Harness) -> list[str]:
    return [parse_qs(r["body"])["Body"][0] for r in h.rows("twilio") if is_send(r)]


def sms_to(h: Harness) -> list[str]:
    return [parse_qs(r["body"])["To"][0] for r in h.rows("twilio") if is_send(r)]


def counts(h: Harness) -> dict[str, int]:
    return {
        "sms": len(sms_bodies(h)),
        "rest_lead": len([r for r in h.rows("crm") if r["path"] == "/leads"]),
        "adf_lead": len([r for r in h.rows("crm") if r["path"] == "/leads/adf"]),
        "task": len([r for r in h.rows("wrike") if r["path"].endswith("/tasks")]),
        "alert": len(h.rows("slack")),
        "email": len([r for r in h.rows("customerio") if r["path"] == "/v1/send/email"]),
    }


def statuses(h: Harness, event_id: str) -> dict[str, str]:
    return {a.action: a.status for a in h.ledger.actions(event_id)}


def fixed(at: datetime):
    return lambda: at


def test_intent_event_answers_once_on_every_channel_and_a_rerun_sends_nothing(harness: Harness):
    phone = new_phone()
    body = harness.intent("test_drive_request", phone=phone, vehicle=vehicle_of(IN_STOCK))
    events = harness.read_new()
    deps = harness.deps()

    report = respond(events, deps)

    assert counts(harness) == {"sms": 1, "rest_lead": 1, "adf_lead": 1, "task": 1, "alert": 1, "email": 0}
    assert report.outcomes[0].result == "lead:hot"
    assert set(statuses(harness, body["event_id"]).values()) == {DONE}
    text = sms_bodies(harness)[0]
    assert text.startswith("Lakeside Honda: Hi Ann, your test drive of the 2023 Honda Civic EX is confirmed for")
    assert sms_to(harness) == [phone]
    # the REST lead is keyed by the event id and assigned; the ADF lead is valid ADF naming the rooftop
    rest = json.loads(next(r["body"] for r in harness.rows("crm") if r["path"] == "/leads"))
    assert rest["external_id"] == body["event_id"] and rest["dealer_id"] == "D01"
    assert rest["salesperson_id"] in {"SP0001", "SP0002"} and rest["vehicle_uuid"] == IN_STOCK["vehicle_uuid"]
    adf = parse_adf_lead(next(r["body"] for r in harness.rows("crm") if r["path"] == "/leads/adf"))
    assert adf.ids[0].value == body["event_id"] and adf.vehicles[0].interest == "test-drive"
    assert adf.vendor.ids[0].value == "D01" and adf.customer.phones[0].number == phone
    # the task is due at the SLA time, with the assigned salesperson responsible
    task = parse_qs(next(r["body"] for r in harness.rows("wrike") if r["path"].endswith("/tasks")))
    assignment = harness.ledger.get_action(body["event_id"], "assign").detail
    assert json.loads(task["responsibles"][0]) == [assignment["wrike_contact_id"]]
    assert json.loads(task["dates"][0])["due"]
    assert task["importance"] == ["High"]
    assert "Hot lead at Lakeside Honda" in harness.rows("slack")[0]["body"]
    assert phone not in harness.rows("slack")[0]["body"]  # masked in the alert

    # the same batch again (a retried run), and a pass over the retry queue: nothing is sent twice
    respond(events, deps)
    respond_due(deps)
    respond(events, harness.deps())
    assert counts(harness) == {"sms": 1, "rest_lead": 1, "adf_lead": 1, "task": 1, "alert": 1, "email": 0}


def test_stop_suppresses_at_once_falls_back_to_email_and_start_restores(harness: Harness):
    phone = new_phone()
    harness.simulate_inbound(phone, "Stop")
    harness.intent("price_request", phone=phone, vehicle=vehicle_of(IN_STOCK), email="stopped@example.com")
    harness.run()  # the STOP and the lead in one batch: the STOP is applied first

    assert harness.ledger.is_suppressed(phone)
    assert counts(harness)["sms"] == 0
    emails = [json.loads(r["body"]) for r in harness.rows("customerio") if r["path"] == "/v1/send/email"]
    assert len(emails) == 1 and emails[0]["to"] == "stopped@example.com"
    assert emails[0]["message_data"]["vehicle"] == "2023 Honda Civic EX"
    sms = next(a for a in harness.ledger.actions() if a.action == "sms")
    assert sms.status == SKIPPED and sms.detail["consent"] == "sms_opted_out"
    assert counts(harness)["rest_lead"] == 1  # the lead still reaches the CRM

    harness.simulate_inbound(phone, "START")
    harness.intent("price_request", phone=phone, vehicle=vehicle_of(IN_STOCK))
    harness.run()
    assert not harness.ledger.is_suppressed(phone)
    assert sms_to(harness) == [phone]


def test_help_gets_the_help_reply(harness: Harness):
    phone = new_phone()
    harness.simulate_inbound(phone, "help")
    harness.run()
    assert sms_to(harness) == [phone]
    assert "Reply STOP to opt out" in sms_bodies(harness)[0]
    harness.run()
    assert len(sms_bodies(harness)) == 1


def test_quiet_hours_defer_the_sms_until_eight_local(harness: Harness):
    phone = new_phone()
    body = harness.intent("price_request", phone=phone, occurred_at=CHICAGO_2330, vehicle=vehicle_of(IN_STOCK))
    harness.run(clock=fixed(CHICAGO_2330 + timedelta(seconds=5)))

    sms = harness.ledger.get_action(body["event_id"], "sms")
    assert sms.status == DEFERRED
    assert sms.retry_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # 08:00 CST
    assert counts(harness)["sms"] == 0
    assert counts(harness)["rest_lead"] == 1 and counts(harness)["task"] == 1  # the dealer side is not held back
    assert harness.ledger.next_retry_at() == sms.retry_at

    harness.run(clock=fixed(datetime(2026, 11, 25, 13, 59, tzinfo=UTC)))  # 07:59: still quiet
    assert counts(harness)["sms"] == 0
    harness.run(clock=fixed(datetime(2026, 11, 25, 14, 1, tzinfo=UTC)))  # 08:01
    assert sms_to(harness) == [phone]
    assert harness.ledger.get_action(body["event_id"], "sms").status == DONE
    assert harness.ledger.next_retry_at() is None
    harness.run(clock=fixed(datetime(2026, 11, 25, 15, 0, tzinfo=UTC)))
    assert counts(harness) == {"sms": 1, "rest_lead": 1, "adf_lead": 1, "task": 1, "alert": 0, "email": 0}


def test_a_test_drive_confirmation_takes_the_logged_transactional_override(harness: Harness, caplog):
    phone = new_phone()
    body = harness.intent("test_drive_request", phone=phone, occurred_at=CHICAGO_2330, vehicle=vehicle_of(IN_STOCK))
    with caplog.at_level(logging.INFO):
        harness.run(clock=fixed(CHICAGO_2330 + timedelta(seconds=5)))

    assert sms_to(harness) == [phone]
    sms = harness.ledger.get_action(body["event_id"], "sms")
    assert "quiet hours overridden for transactional message" in sms.detail["quiet_hours_override"]
    logged = [r.getMessage() for r in caplog.records if "quiet-hours override" in r.getMessage()]
    assert logged and all(phone not in line for line in logged)

    # the same request an hour later is no longer "just asked for": it waits for the morning
    later = harness.intent("test_drive_request", phone=new_phone(), occurred_at=CHICAGO_2330)
    harness.run(clock=fixed(CHICAGO_2330 + timedelta(hours=1)))
    assert harness.ledger.get_action(later["event_id"], "sms").status == DEFERRED


def test_opted_out_at_twilio_21610_falls_back_to_email_and_dead_letters(harness: Harness):
    phone = new_phone()
    harness.configure_twilio(opted_out=[phone])  # Twilio's block list knows a STOP we never saw
    body = harness.intent("credit_application", phone=phone, vehicle=vehicle_of(IN_STOCK), email="cred@example.com")
    harness.run()

    assert statuses(harness, body["event_id"])["sms"] == FAILED
    assert statuses(harness, body["event_id"])["email_fallback"] == DONE
    letters = harness.ledger.dead_letters(body["event_id"])
    assert [(d.action, d.vendor) for d in letters] == [("sms", "twilio")]
    assert letters[0].reason.startswith("21610")
    assert phone not in json.dumps(letters[0].payload)
    assert harness.ledger.is_suppressed(phone)  # Twilio's word is taken: no later SMS is tried
    assert counts(harness)["email"] == 1

    harness.intent("price_request", phone=phone, vehicle=vehicle_of(IN_STOCK), email="cred@example.com")
    harness.run()
    assert len(harness.rows("twilio")) == 1  # the one refused attempt, no second one


def test_invalid_number_21211_takes_the_fallback(harness: Harness):
    """A number the intake would refuse can still come from another source (a CRM import)."""
    now = harness.now()
    event = Event.of(
        {
            "event_id": "evt-imported-1",
            "kind": "intent",
            "event_type": "price_request",
            "dealer_id": "D01",
            "occurred_at": now.isoformat(),
            "received_at": now.isoformat(),
            "payload": {
                "customer": {"first_name": "Bo", "phone": "+1555", "email": "bo@example.com"},
                "consent": {},
                "vehicle": vehicle_of(IN_STOCK),
                "attributes": {},
            },
        }
    )
    respond([event], harness.deps())
    assert statuses(harness, "evt-imported-1")["sms"] == FAILED
    assert harness.ledger.dead_letters("evt-imported-1")[0].reason.startswith("21211")
    assert counts(harness)["email"] == 1


def test_status_callbacks_move_the_message_state(harness: Harness):
    good, bad = new_phone(), new_phone()
    harness.configure_twilio(fail_numbers={bad: "undelivered"})
    first = harness.intent("test_drive_request", phone=good, vehicle=vehicle_of(IN_STOCK))
    second = harness.intent("test_drive_request", phone=bad, vehicle=vehicle_of(IN_STOCK), email=None)
    harness.run()
    sid_good = harness.ledger.get_action(first["event_id"], "sms").vendor_ref
    sid_bad = harness.ledger.get_action(second["event_id"], "sms").vendor_ref
    assert harness.ledger.message(sid_good).status == "queued"

    # the Twilio fake posts signed callbacks (sent, then delivered/undelivered) to the intake
    wait_for(lambda: harness.store.count() >= 2 + 4)
    harness.run()
    assert harness.ledger.message(sid_good).status == "delivered"
    message = harness.ledger.message(sid_bad)
    assert (message.status, message.error_code) == ("undelivered", "30003")
    assert message.to_masked.endswith(bad[-4:]) and bad not in message.to_masked
    letters = harness.ledger.dead_letters(second["event_id"])
    assert [d.reason for d in letters] == ["message undelivered: Twilio error 30003"]


def test_a_sold_vehicle_brings_the_three_closest_into_the_sms_and_the_task(harness: Harness):
    phone = new_phone()
    body = harness.intent("price_request", phone=phone, vehicle=vehicle_of(SOLD))
    harness.run()

    inventory = harness.ledger.get_action(body["event_id"], "inventory").detail
    assert inventory["status"] == "sold"
    stocks = [a["stock_number"] for a in inventory["alternatives"]]
    assert len(stocks) == 3 and set(stocks) <= {v["stock_number"] for v in VEHICLES if v["model"] == "Civic"}
    assert stocks[0] == "S0001"  # same model, same year, closest price
    text = sms_bodies(harness)[0]
    assert "just sold" in text and "2023 Honda Civic EX $24,500" in text and text.endswith("Reply STOP to opt out")
    task = parse_qs(next(r["body"] for r in harness.rows("wrike") if r["path"].endswith("/tasks")))
    assert "Closest in stock" in task["description"][0] and "S0001" in task["description"][0]


def test_repeated_vdp_views_make_a_lead_once(harness: Harness):
    phone = new_phone()
    ids = [harness.intent("vdp_view", phone=phone, vehicle=vehicle_of(VEHICLES[3]))["event_id"] for _ in range(4)]
    harness.run()
    results = {a.event_id: a for a in harness.ledger.actions() if a.action == "sms"}
    assert list(results) == [ids[2]]  # the third view in 7 days; the fourth is the same interest
    sms = results[ids[2]]
    assert sms.detail["template"] == "vdp_interest_sms" and sms.detail["category"] == "marketing"
    assert "still thinking about the 2023 Honda CR-V EX" in sms_bodies(harness)[0]
    assert counts(harness) == {"sms": 1, "rest_lead": 1, "adf_lead": 1, "task": 1, "alert": 0, "email": 0}


def test_a_transient_failure_stays_pending_and_the_next_pass_finishes_it(harness: Harness):
    phone = new_phone()
    harness.server.inject("wrike", "server_error", times=6, path=r"/tasks$", status=503)
    now = harness.now()
    body = harness.intent("trade_in_appraisal", phone=phone, vehicle=vehicle_of(IN_STOCK), occurred_at=now)
    harness.run(clock=fixed(now))
    record = harness.ledger.get_action(body["event_id"], "wrike_task")
    assert record.status == PENDING and record.retry_at == now + timedelta(minutes=1)
    harness.server.clear_faults()

    harness.run(clock=fixed(now + timedelta(seconds=30)))  # backoff not over
    assert harness.ledger.get_action(body["event_id"], "wrike_task").status == PENDING
    harness.run(clock=fixed(now + timedelta(minutes=2)))
    assert harness.ledger.get_action(body["event_id"], "wrike_task").status == DONE
    created = [r for r in harness.rows("wrike") if r["path"].endswith("/tasks") and r["status"] == 200]
    assert len(created) == 1 and counts(harness)["sms"] == 1


def test_dry_run_decides_and_logs_but_sends_nothing(harness: Harness):
    body = harness.intent("test_drive_request", phone=new_phone(), vehicle=vehicle_of(IN_STOCK))
    harness.run(dry_run=True)
    assert counts(harness) == {"sms": 0, "rest_lead": 0, "adf_lead": 0, "task": 0, "alert": 0, "email": 0}
    got = statuses(harness, body["event_id"])
    assert {got[a] for a in ("sms", "crm_lead", "crm_adf", "wrike_task", "slack_alert")} == {DRY_RUN}


def test_frequency_caps_hold_back_a_seventh_text_in_a_day(harness: Harness):
    phone = new_phone()
    now = datetime.now(UTC).replace(hour=18, minute=0, second=0, microsecond=0)  # noon in Chicago
    bodies = [
        harness.intent("price_request", phone=phone, vehicle=vehicle_of(IN_STOCK), occurred_at=now) for _ in range(7)
    ]
    harness.run(clock=fixed(now + timedelta(seconds=10)))
    assert len(sms_bodies(harness)) == 6  # the transactional runaway guard: 6 a day
    seventh = harness.ledger.get_action(bodies[-1]["event_id"], "sms")
    assert seventh.status == DEFERRED and "sms_transactional_daily 6/6" in seventh.detail["reason"]
    assert seventh.retry_at == now + timedelta(seconds=10) + timedelta(days=1)


def test_a_lead_first_seen_days_later_is_recorded_not_answered(harness: Harness):
    old = harness.intent("test_drive_request", phone=new_phone(), occurred_at=harness.now() - timedelta(days=3))
    report = harness.run()
    assert report.results() == {"stale": 1}
    assert statuses(harness, old["event_id"]) == {"respond": SKIPPED}
    assert counts(harness) == {"sms": 0, "rest_lead": 0, "adf_lead": 0, "task": 0, "alert": 0, "email": 0}


@pytest.mark.parametrize("still_queued", [False, True], ids=["sent", "still-queued"])
def test_an_sms_that_timed_out_is_looked_up_at_twilio_and_not_sent_twice(harness: Harness, still_queued: bool):
    """issue 8.13: the fake stores the message after the client gave up; the next pass finds it at
    Twilio (Messages list by To, created since the attempt, matched on the body) and records it instead of
    resending, also while Twilio still has it queued (no date_sent yet, which a DateSent filter would miss)."""
    from journey_assets.connectors.http import RetryPolicy
    from journey_assets.connectors.twilio import TwilioClient
    from journey_assets.sandbox.fakes import twilio as twilio_fake

    phone = new_phone()
    if still_queued:
        harness.configure_twilio(callback_delay=5)
    harness.server.inject("twilio", "timeout", delay=0.8, path=r"/Messages\.json$")
    body = harness.intent("test_drive_request", phone=phone, vehicle=vehicle_of(IN_STOCK))
    impatient = TwilioClient(
        twilio_fake.DEFAULT_ACCOUNT_SID,
        twilio_fake.DEFAULT_AUTH_TOKEN,
        base_url=harness.url("twilio"),
        from_number="+13125550100",
        retry=RetryPolicy(total=2, backoff_factor=0),
        timeout=0.3,
    )
    harness.run(deps=harness.deps(twilio=impatient))

    sms = harness.ledger.get_action(body["event_id"], "sms")
    assert sms.status == PENDING and sms.detail["uncertain"] is True
    assert sms.retry_at >= harness.now() + timedelta(seconds=90)  # looked up after reconcile_after, not at once
    assert counts(harness)["rest_lead"] == 1 and counts(harness)["task"] == 1  # the rest went on
    fake = harness.server.fakes["twilio"]
    stored = wait_for(
        lambda: [m for m in list(fake.messages.values()) if m["to"] == phone and (still_queued or m["date_sent"])]
    )
    assert (stored[0]["date_sent"] is None) == still_queued

    respond(harness.store.read_since(None, 10)[0], harness.deps())  # not due yet: nothing happens
    assert harness.ledger.get_action(body["event_id"], "sms").status == PENDING
    later = harness.now() + timedelta(minutes=3)
    respond_due(harness.deps(clock=lambda: later))

    sms = harness.ledger.get_action(body["event_id"], "sms")
    assert sms.status == DONE and sms.vendor_ref == stored[0]["sid"] and "Twilio has" in sms.detail["reconciled"]
    assert len(sms_bodies(harness)) == 1  # the one attempt; no second text
    assert harness.ledger.message(stored[0]["sid"]).event_id == body["event_id"]
    assert not [d for d in harness.ledger.dead_letters(body["event_id"]) if d.action == "sms"]


def test_a_lead_without_a_vehicle_gets_a_rest_lead_and_no_invalid_adf(harness: Harness):
    body = harness.intent("credit_application", phone=new_phone(), vehicle=None)
    respond(harness.read_new(), harness.deps())

    got = statuses(harness, body["event_id"])
    assert got["crm_lead"] == DONE and got["crm_adf"] == SKIPPED
    assert "year, make and model" in harness.ledger.get_action(body["event_id"], "crm_adf").detail["reason"]
    assert counts(harness)["adf_lead"] == 0 and counts(harness)["rest_lead"] == 1
    assert not [d for d in harness.ledger.dead_letters(body["event_id"]) if d.action == "crm_adf"]
