"""The Twilio client against the sandbox's Twilio over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from urllib.parse import parse_qs

import pytest
import requests

from journey_assets.connectors.http import PermanentVendorError, RetryPolicy, TransientVendorError
from journey_assets.connectors.twilio import (
    BodyTooLongError,
    InvalidRecipientError,
    RecipientOptedOutError,
    TwilioApiError,
    TwilioClient,
)

CUSTOMER = "+14155552671"
DEALER_NUMBER = "+15005550006"


def expected_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's documented scheme, written out here independently of the fake."""
    data = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


@pytest.fixture
def fake(sandbox):
    return sandbox.fakes["twilio"]


@pytest.fixture
def client(sandbox, fake, fast_retry) -> TwilioClient:
    return TwilioClient(
        fake.account_sid,
        fake.auth_token,
        base_url=sandbox.vendor_url("twilio"),
        from_number=DEALER_NUMBER,
        timeout=5,
        retry=fast_retry,
    )


def posts(sandbox, method: str = "POST") -> list[dict]:
    return [r for r in sandbox.rows("twilio") if r["method"] == method and r["path"].endswith("Messages.json")]


def test_send_answers_the_message_resource_and_sends_the_documented_form(sandbox, client, fake):
    message = client.send_sms(CUSTOMER, "Hi Ana, your 2024 RAV4 is ready for a test drive.")
    assert re.fullmatch(r"SM[0-9a-f]{32}", message.sid)
    assert message.status == "queued"
    assert message.num_segments == 1
    assert message.to == CUSTOMER and message.from_ == DEALER_NUMBER
    assert message.raw["direction"] == "outbound-api"
    assert message.raw["uri"] == f"/2010-04-01/Accounts/{fake.account_sid}/Messages/{message.sid}.json"

    [row] = posts(sandbox)
    assert row["path"] == f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
    assert row["status"] == 201
    form = {k: v[0] for k, v in parse_qs(row["body"]).items()}
    assert form == {"To": CUSTOMER, "Body": "Hi Ana, your 2024 RAV4 is ready for a test drive.", "From": DEALER_NUMBER}
    assert json.loads(row["headers"])["Authorization"] == "<redacted>"

    fetched = client.get_message(message.sid)
    assert fetched.sid == message.sid and fetched.body == message.body


def test_segments_follow_gsm7_and_ucs2(client):
    assert client.send_sms(CUSTOMER, "x" * 160).num_segments == 1
    assert client.send_sms(CUSTOMER, "x" * 161).num_segments == 2
    assert client.send_sms(CUSTOMER, "🚗" + "x" * 69).num_segments == 2  # UCS-2: 71 code units


def test_wrong_credentials_answer_twilio_20003(sandbox, fake, fast_retry):
    bad = TwilioClient(
        fake.account_sid,
        "not-the-token",
        base_url=sandbox.vendor_url("twilio"),
        from_number=DEALER_NUMBER,
        retry=fast_retry,
    )
    with pytest.raises(TwilioApiError) as info:
        bad.send_sms(CUSTOMER, "hello")
    assert info.value.status == 401 and info.value.code == 20003
    assert isinstance(info.value, PermanentVendorError)


def test_invalid_to_is_21211(client):
    with pytest.raises(InvalidRecipientError) as info:
        client.send_sms("+15551234567", "hello")
    assert info.value.code == 21211 and info.value.status == 400
    assert "21211" in info.value.reason


def test_body_over_1600_is_21617(client):
    with pytest.raises(BodyTooLongError) as info:
        client.send_sms(CUSTOMER, "x" * 1601)
    assert info.value.code == 21617


def test_inbound_stop_opts_out_and_a_send_then_answers_21610(sandbox, client, fake, receiver):
    fake.inbound_url = f"{receiver.url}/twilio/inbound"
    answer = requests.post(
        f"{sandbox.vendor_url('twilio')}/_simulate/inbound", json={"From": CUSTOMER, "Body": " stop "}, timeout=5
    )
    assert answer.status_code == 200 and answer.json()["opt_out_type"] == "STOP"

    [webhook] = receiver.posts("/twilio/inbound")
    form = webhook.form
    assert form["From"] == CUSTOMER and form["To"] == DEALER_NUMBER and form["Body"] == " stop "
    assert form["OptOutType"] == "STOP" and form["SmsStatus"] == "received" and form["AccountSid"] == fake.account_sid
    assert re.fullmatch(r"SM[0-9a-f]{32}", form["MessageSid"])
    assert webhook.headers["X-Twilio-Signature"] == expected_signature(fake.auth_token, fake.inbound_url, form)

    with pytest.raises(RecipientOptedOutError) as info:
        client.send_sms(CUSTOMER, "Still interested in the RAV4?")
    assert info.value.code == 21610 and info.value.status == 400

    requests.post(
        f"{sandbox.vendor_url('twilio')}/_simulate/inbound", data={"From": CUSTOMER, "Body": "START"}, timeout=5
    )
    assert client.send_sms(CUSTOMER, "Welcome back").status == "queued"


def test_an_ordinary_inbound_reply_does_not_opt_out(sandbox, fake, receiver):
    requests.post(
        f"{sandbox.vendor_url('twilio')}/_sandbox/config", json={"inbound_url": f"{receiver.url}/in"}, timeout=5
    )
    inbound = f"{sandbox.vendor_url('twilio')}/_simulate/inbound"
    answer = requests.post(inbound, json={"From": CUSTOMER, "Body": "Stop by at 5?"}, timeout=5)
    assert answer.json()["opt_out_type"] is None and CUSTOMER not in fake.opted_out
    assert "OptOutType" not in receiver.posts("/in")[0].form


def test_status_callbacks_arrive_signed_sent_then_delivered(client, fake, receiver, wait_for):
    callback = f"{receiver.url}/twilio/status?rooftop=D01"
    message = client.send_sms(CUSTOMER, "Your appointment is confirmed.", status_callback=callback)
    wait_for(lambda: len(receiver.posts("/twilio/status?rooftop=D01")) == 2)
    statuses = []
    for post in receiver.posts("/twilio/status?rooftop=D01"):
        form = post.form
        assert post.headers["X-Twilio-Signature"] == expected_signature(fake.auth_token, callback, form)
        assert post.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
        assert form["MessageSid"] == message.sid and form["AccountSid"] == fake.account_sid
        assert form["To"] == CUSTOMER and form["From"] == DEALER_NUMBER
        statuses.append(form["MessageStatus"])
    assert statuses == ["sent", "delivered"]
    assert wait_for(lambda: client.get_message(message.sid).status == "delivered")


def test_a_number_configured_to_fail_reports_undelivered_with_an_error_code(client, fake, receiver, wait_for):
    failing = "+12025550123"
    fake.fail_numbers[failing] = ("undelivered", 30003)
    client.send_sms(failing, "hello", status_callback=f"{receiver.url}/s")
    wait_for(lambda: len(receiver.posts("/s")) == 2)
    last = receiver.posts("/s")[-1].form
    assert last["MessageStatus"] == "undelivered" and last["ErrorCode"] == "30003"


def test_messaging_service_send_starts_accepted_and_reports_queued(sandbox, fake, receiver, fast_retry, wait_for):
    service = "MG" + "a" * 32
    client = TwilioClient(
        fake.account_sid,
        fake.auth_token,
        base_url=sandbox.vendor_url("twilio"),
        messaging_service_sid=service,
        retry=fast_retry,
    )
    message = client.send_sms(CUSTOMER, "hi", status_callback=f"{receiver.url}/s")
    assert message.status == "accepted" and message.messaging_service_sid == service
    wait_for(lambda: len(receiver.posts("/s")) == 3)
    assert [p.form["MessageStatus"] for p in receiver.posts("/s")] == ["queued", "sent", "delivered"]
    assert receiver.posts("/s")[0].form["MessagingServiceSid"] == service


def test_a_rate_limit_is_retried_after_retry_after_even_for_a_send(sandbox, client):
    sandbox.inject("twilio", "rate_limit", times=1, retry_after=0)
    assert client.send_sms(CUSTOMER, "hello").status == "queued"
    assert [(r["status"], r["fault"]) for r in posts(sandbox)] == [(429, "rate_limit"), (201, None)]


def test_a_persistent_rate_limit_becomes_transient(sandbox, client):
    sandbox.inject("twilio", "rate_limit", times=-1, retry_after=0)
    with pytest.raises(TransientVendorError) as info:
        client.send_sms(CUSTOMER, "hello")
    assert info.value.status == 429
    assert len(posts(sandbox)) == 4  # first try + 3 retries


def test_a_5xx_on_a_send_is_not_repeated(sandbox, client):
    sandbox.inject("twilio", "server_error", times=1)
    with pytest.raises(TransientVendorError) as info:
        client.send_sms(CUSTOMER, "hello")
    assert info.value.status == 503
    assert len(posts(sandbox)) == 1


def test_a_5xx_on_a_read_is_retried(sandbox, client):
    sid = client.send_sms(CUSTOMER, "hello").sid
    sandbox.inject("twilio", "server_error", times=1)
    assert client.get_message(sid).sid == sid
    assert [r["status"] for r in sandbox.rows("twilio") if r["method"] == "GET"] == [503, 200]


def test_a_timed_out_send_is_not_sent_twice(sandbox, fake, wait_for):
    client = TwilioClient(
        fake.account_sid,
        fake.auth_token,
        base_url=sandbox.vendor_url("twilio"),
        from_number=DEALER_NUMBER,
        timeout=0.2,
        retry=RetryPolicy(total=3, backoff_factor=0),
    )
    sandbox.inject("twilio", "timeout", times=1, delay=0.7)
    with pytest.raises(TransientVendorError):
        client.send_sms(CUSTOMER, "hello")
    wait_for(lambda: [r for r in posts(sandbox) if r["status"] is not None])  # the slow answer lands
    assert [(r["status"], r["fault"]) for r in posts(sandbox)] == [(201, "timeout")]
    assert len(fake.messages) == 1  # it did go through: exactly why it must not be repeated blindly


def test_the_messages_list_filters_by_to_and_date_sent_and_follows_next_page_uri(sandbox, client, fake, wait_for):
    """GET .../Messages.json?To=&DateSent>=&PageSize= (twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources):
    newest first, every page through `next_page_uri`, a DateSent filter leaves out what is not sent yet."""
    from datetime import UTC, datetime, timedelta

    to, other = "+14155550177", "+14155550178"  # numbers no other test texts
    sids = [client.send_sms(to, f"message {n}").sid for n in range(3)]
    client.send_sms(other, "someone else")
    wait_for(lambda: all(fake.messages[s]["date_sent"] for s in sids))
    today = datetime.now(UTC).date()

    listed = list(client.list_messages(to=to, date_sent_after=today, page_size=2))
    assert [m.sid for m in listed] == list(reversed(sids)) and {m.to for m in listed} == {to}
    assert all(m.created_at and m.created_at.tzinfo for m in listed)
    gets = [r for r in sandbox.rows("twilio") if r["method"] == "GET" and r["path"].endswith("/Messages.json")]
    assert len(gets) == 2 and '"DateSent>": ["' + today.isoformat() in gets[0]["query"]
    assert list(client.list_messages(to=to, date_sent_after=today + timedelta(days=1))) == []


def test_a_message_still_queued_is_found_by_the_lost_response_lookup(sandbox, client, fake):
    """The lookup after a lost response reads by `To` and creation time: a `DateSent>` filter cannot see a
    message Twilio has not sent yet (its `date_sent` is null while queued), which a timed-out create leaves."""
    from datetime import UTC, datetime, timedelta

    to = "+14155550179"  # a number no other test texts
    since = datetime.now(UTC) - timedelta(seconds=5)
    slow, fake.callback_delay = fake.callback_delay, 3.0  # the message stays queued while the test looks
    try:
        sid = client.send_sms(to, "still in the queue").sid
        assert fake.messages[sid]["date_sent"] is None
        assert list(client.list_messages(to=to, date_sent_after=since.date())) == []  # what the old lookup saw
        assert [m.sid for m in client.messages_created_since(to, since)] == [sid]
        assert list(client.messages_created_since(to, datetime.now(UTC) + timedelta(minutes=1))) == []
    finally:
        fake.callback_delay = slow


def test_the_messages_list_refuses_what_twilio_refuses(sandbox, client):
    with pytest.raises(PermanentVendorError) as info:
        list(client.list_messages(to="+14155550123", page_size=5000))
    assert info.value.status == 400
