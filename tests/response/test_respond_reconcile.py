"""issue 8.13: an uncertain SMS is looked up at Twilio, sent when Twilio has none, dead-lettered only when
Twilio cannot tell; under injected faults every customer gets exactly one text."""

from __future__ import annotations

import time
from datetime import timedelta

from support.respond_harness import IN_STOCK, Harness, new_phone, vehicle_of, wait_for

from journey_assets.connectors.http import RetryPolicy
from journey_assets.connectors.twilio import TwilioClient
from journey_assets.response.ledger import DONE, IN_DOUBT, PENDING
from journey_assets.response.workflow import respond, respond_due
from journey_assets.sandbox.fakes import twilio as twilio_fake

SEND_PATH = r"/Messages\.json$"  # the send (POST) and the list (GET) share it


def impatient_twilio(harness: Harness) -> TwilioClient:
    return TwilioClient(
        twilio_fake.DEFAULT_ACCOUNT_SID,
        twilio_fake.DEFAULT_AUTH_TOKEN,
        base_url=harness.url("twilio"),
        from_number="+13125550100",
        retry=RetryPolicy(total=2, backoff_factor=0),
        timeout=0.3,
    )


def texts_to(harness: Harness, phone: str) -> list[dict]:
    """What Twilio itself holds for a number (not what we asked for): the customer's phone."""
    fake = harness.server.fakes["twilio"]
    return [m for m in list(fake.messages.values()) if m["to"] == phone]


def later(harness: Harness, minutes: int):
    at = harness.now() + timedelta(minutes=minutes)
    return lambda: at


def test_under_timeouts_resets_and_5xx_every_customer_gets_exactly_one_sms(harness: Harness):
    phones = [new_phone() for _ in range(8)]
    bodies = [  # eight people: their own phone and email (one shared address would make one person with eight texts)
        harness.intent("test_drive_request", phone=p, email=f"customer{n}@example.com", vehicle=vehicle_of(IN_STOCK))
        for n, p in enumerate(phones)
    ]
    # seven of the eight sends fail in a way that leaves their outcome unknown
    harness.server.inject("twilio", "timeout", delay=0.6, times=3, path=SEND_PATH)  # stored after we gave up
    harness.server.inject("twilio", "drop", times=2, path=SEND_PATH)  # never reached the fake
    harness.server.inject("twilio", "server_error", status=500, times=2, path=SEND_PATH)  # refused after arrival
    deps = harness.deps(twilio=impatient_twilio(harness))
    respond(harness.read_new(), deps)
    statuses = [harness.ledger.get_action(b["event_id"], "sms").status for b in bodies]
    assert statuses.count(PENDING) == 7 and statuses.count(DONE) == 1
    time.sleep(1.0)  # the timed-out sends land at Twilio
    harness.server.clear_faults()

    for step in range(1, 5):  # the passes the retry queue makes, minutes apart
        respond_due(harness.deps(twilio=impatient_twilio(harness), clock=later(harness, 3 * step)))
        if all(harness.ledger.get_action(b["event_id"], "sms").status == DONE for b in bodies):
            break

    for phone, body in zip(phones, bodies, strict=True):
        sms = harness.ledger.get_action(body["event_id"], "sms")
        assert sms.status == DONE, sms.detail
        [text] = texts_to(harness, phone)  # exactly one, whatever happened to the first attempt
        assert sms.vendor_ref == text["sid"]
        assert not [d for d in harness.ledger.dead_letters(body["event_id"]) if d.action == "sms"]
    reconciled = [harness.ledger.get_action(b["event_id"], "sms").detail.get("reconciled") for b in bodies]
    assert sum(1 for r in reconciled if r and r.startswith("Twilio has")) == 3  # found, not resent


def test_when_twilio_cannot_tell_the_sms_is_dead_lettered_in_doubt(harness: Harness):
    phone = new_phone()
    body = harness.intent("test_drive_request", phone=phone, vehicle=vehicle_of(IN_STOCK))
    harness.server.inject("twilio", "timeout", delay=0.6, times=1, path=SEND_PATH)
    respond(harness.read_new(), harness.deps(twilio=impatient_twilio(harness)))
    wait_for(lambda: texts_to(harness, phone))
    harness.server.inject("twilio", "server_error", status=403, times=1, path=SEND_PATH)  # the look-up is refused

    respond_due(harness.deps(clock=later(harness, 3)))

    sms = harness.ledger.get_action(body["event_id"], "sms")
    assert sms.status == IN_DOUBT
    [letter] = [d for d in harness.ledger.dead_letters(body["event_id"]) if d.action == "sms"]
    assert "cannot tell" in letter.reason
    assert len(texts_to(harness, phone)) == 1  # not sent a second time


def test_a_look_up_that_fails_for_a_while_is_tried_again_not_given_up(harness: Harness):
    phone = new_phone()
    body = harness.intent("test_drive_request", phone=phone, vehicle=vehicle_of(IN_STOCK))
    harness.server.inject("twilio", "drop", times=1, path=SEND_PATH)
    respond(harness.read_new(), harness.deps(twilio=impatient_twilio(harness)))
    harness.server.inject("twilio", "server_error", status=503, times=5, path=SEND_PATH)  # the look-ups: busy

    respond_due(harness.deps(twilio=impatient_twilio(harness), clock=later(harness, 3)))
    sms = harness.ledger.get_action(body["event_id"], "sms")
    assert sms.status == PENDING and sms.detail["lookups"] == 1 and "looking it up" in sms.detail["reason"]
    harness.server.clear_faults()
    respond_due(harness.deps(clock=later(harness, 10)))

    assert harness.ledger.get_action(body["event_id"], "sms").status == DONE
    assert len(texts_to(harness, phone)) == 1  # the dropped send never arrived: sent once, now
