"""The Slack webhook client against the sandbox's Slack over real HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from journey_assets.connectors.http import PermanentVendorError, TransientVendorError
from journey_assets.connectors.slack import HotLeadAlert, SlackWebhookClient, hot_lead_alert, mask_phone

HOOK = "/services/T0SANDBOX/B0ALERTS/s3cr3tT0ken"


@pytest.fixture
def fake(sandbox):
    return sandbox.fakes["slack"]


@pytest.fixture
def client(sandbox, fast_retry) -> SlackWebhookClient:
    return SlackWebhookClient(HOOK, base_url=sandbox.vendor_url("slack"), timeout=5, retry=fast_retry)


def alert(**overrides) -> HotLeadAlert:
    fields = {
        "lead_id": "L00001",
        "first_name": "Ana María",
        "phone": "+1 (415) 555-2671",
        "score": 91,
        "dealer_name": "Sunrise Toyota",
        "vehicle": "2024 Toyota RAV4 XLE (stock T1234)",
        "source": "website <chat>",
        "salesperson": "Sam R.",
        "crm_url": "https://crm.example.com/leads/L00001",
        "received_at": datetime(2026, 11, 23, 15, 4, tzinfo=UTC),
        "reasons": ("viewed 6 VDPs in 2 days", "trade-in form started"),
    }
    fields.update(overrides)
    return HotLeadAlert(**fields)


def test_hot_lead_alert_posts_blocks_and_slack_answers_ok(sandbox, client, fake):
    payload = client.post_hot_lead(alert())
    [message] = fake.messages
    assert message["blocks"] == payload["blocks"] and message["text"] == payload["text"]
    assert [b["type"] for b in payload["blocks"]] == ["header", "section", "context"]
    section = payload["blocks"][1]["text"]["text"]
    assert "*Customer:* Ana (•••-•••-2671)" in section and "*Score:* 91/100" in section
    assert "website &lt;chat&gt;" in section
    [row] = sandbox.rows("slack")
    assert (row["method"], row["path"], row["status"]) == ("POST", HOOK, 200)


def test_the_score_reads_as_points_not_a_percentage():
    """issue 8.14: a 50-point lead (RuleBasedScorer sums weights to 0-100) read "Score: 50%"."""
    payload = hot_lead_alert(alert(score=50, band="warm"))
    section = payload["blocks"][1]["text"]["text"]
    assert "*Score:* 50/100 (warm)" in section and "%" not in section
    assert "score 50/100 (warm)" in payload["text"]


def test_the_alert_carries_no_pii_beyond_first_name_and_masked_phone(sandbox, client):
    client.post_hot_lead(alert(first_name="Ana Gómez-Ruiz"))
    sent = sandbox.rows("slack")[0]["body"]
    for leaked in ("Gómez", "4155552671", "415", "555-2671"):
        assert leaked not in sent
    assert mask_phone(None) == "not given" and mask_phone("12") == "not given"


def test_a_long_alert_is_clipped_to_the_section_limit(client, fake):
    payload = client.post_hot_lead(alert(reasons=tuple(f"reason {n} " + "x" * 80 for n in range(60))))
    section = payload["blocks"][1]["text"]["text"]
    assert len(section) == 3000 and section.endswith("…")
    assert len(fake.messages) == 1


def test_slacks_errors_are_permanent_with_slacks_reason(sandbox, client):
    with pytest.raises(PermanentVendorError) as info:
        client.post("   ")
    assert (info.value.status, info.value.reason) == (400, "no_text")
    with pytest.raises(PermanentVendorError) as info:
        client.request("POST", HOOK, data=b"{not json", headers={"Content-Type": "application/json"})
    assert (info.value.status, info.value.reason) == (400, "invalid_payload")
    with pytest.raises(PermanentVendorError) as info:
        client.post("fallback", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}])
    assert info.value.reason == "invalid_blocks"


def test_a_revoked_webhook_is_no_service_and_the_secret_stays_out_of_the_error(sandbox, fast_retry):
    sandbox.reset("slack").revoked_tokens.add("s3cr3tT0ken")
    client = SlackWebhookClient(f"{sandbox.vendor_url('slack')}{HOOK}", retry=fast_retry)  # full URL form
    with pytest.raises(PermanentVendorError) as info:
        client.post("hello")
    assert (info.value.status, info.value.reason) == (404, "no_service")
    assert "s3cr3tT0ken" not in str(info.value) and info.value.__cause__ is None


def test_429_is_retried_after_retry_after(sandbox, client, fake):
    sandbox.inject("slack", "rate_limit", times=1, retry_after=0)
    client.post("hello")
    assert [r["status"] for r in sandbox.rows("slack")] == [429, 200] and len(fake.messages) == 1


def test_a_5xx_is_not_repeated_and_the_error_hides_the_secret(sandbox, client, fake):
    sandbox.inject("slack", "server_error", times=1, status=500)
    with pytest.raises(TransientVendorError) as info:
        client.post("hello")
    assert info.value.status == 500 and "s3cr3tT0ken" not in str(info.value)
    assert len(sandbox.rows("slack")) == 1 and fake.messages == []


def test_payload_is_plain_json(client):
    payload = hot_lead_alert(alert(salesperson=None, crm_url=None, reasons=()))
    assert json.loads(json.dumps(payload)) == payload
    assert "unassigned" in payload["blocks"][1]["text"]["text"]
