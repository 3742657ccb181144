"""The Customer.io fake's reporting webhooks: the world's email history, and the live sends, reach the real
intake over HTTP, signed so that it accepts them."""

from __future__ import annotations

import collections
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from support.intake_helpers import make_settings

from journey_assets.intake.server import run_in_thread
from journey_assets.sandbox.fakes import customerio as cio_fake
from journey_assets.sandbox.fakes import customerio_reporting as reporting
from journey_assets.sandbox.server import SandboxServer


@pytest.fixture(scope="module")
def history(small_world) -> list[dict]:
    return reporting.email_history(small_world)


@pytest.fixture
def intake(tmp_path):
    running = run_in_thread(
        make_settings(str(tmp_path / "events.sqlite3"), customerio_signing_key=reporting.DEFAULT_SIGNING_KEY)
    )
    yield running
    running.stop()


def test_history_is_deterministic_and_in_the_worlds_past(small_world, history) -> None:
    assert reporting.email_history(small_world) == history
    metrics = collections.Counter(e["metric"] for e in history)
    assert set(metrics) == {"sent", "delivered", "opened", "clicked", "bounced", "unsubscribed"}
    assert metrics["sent"] == metrics["delivered"] + metrics["bounced"]  # each delivery delivers or bounces
    assert 0.2 < metrics["opened"] / metrics["delivered"] < 0.4
    assert metrics["clicked"] < metrics["opened"]
    assert len({e["event_id"] for e in history}) == len(history)
    end = datetime(small_world.as_of.year, small_world.as_of.month, small_world.as_of.day, tzinfo=UTC)
    first = end - timedelta(days=90)
    assert all(first.timestamp() <= e["timestamp"] < (end + timedelta(days=1)).timestamp() for e in history)
    # every open, click or unsubscribe follows a delivery of the same message
    delivered = {e["data"]["delivery_id"] for e in history if e["metric"] == "delivered"}
    assert all(e["data"]["delivery_id"] in delivered for e in history if e["metric"] in ("opened", "clicked"))
    # nobody gets a newsletter after unsubscribing
    gone = {e["data"]["email_address"]: e["timestamp"] for e in history if e["metric"] == "unsubscribed"}
    assert gone
    assert not [
        e for e in history if e["metric"] == "sent" and e["timestamp"] > gone.get(e["data"]["email_address"], 1e12)
    ]


def test_another_seed_is_another_history(small_world, history) -> None:
    other = type(small_world)(small_world.size, 8, small_world.as_of, directory=small_world.directory)
    assert reporting.email_history(other) != history


def test_the_history_is_accepted_by_the_intake_once(intake, history) -> None:
    url = intake.url + "/customerio/reporting"
    first = reporting.send_history_events(history, url)
    assert (first.sent, first.accepted, first.duplicates, first.refused) == (len(history), len(history), 0, {})
    assert intake.store.count() == len(history)
    stored, cursor = intake.store.read_since(None, 10_000)
    kinds = collections.Counter(e.event_type for e in stored)
    assert kinds["email_opened"] == sum(e["metric"] == "opened" for e in history)
    # Customer.io's retries (or a second demo) store nothing twice
    sample = history[:200]
    again = reporting.send_history_events(sample, url)
    assert (again.accepted, again.duplicates) == (len(sample), len(sample))
    assert intake.store.count() == len(history)


def test_a_wrong_signing_key_is_refused(intake, history) -> None:
    report = reporting.send_history_events(history[:5], intake.url + "/customerio/reporting", key="not-the-key")
    assert report.refused == {401: 5} and report.accepted == 0
    assert intake.store.count() == 0


def test_a_live_email_send_is_reported_to_the_intake(intake, small_world, tmp_path) -> None:
    with SandboxServer(small_world, record_path=tmp_path / "requests.sqlite3") as server:
        fake = server.fakes["customerio"]
        sender = fake.configure_reporting(intake.url + "/customerio/reporting")
        answer = httpx.post(
            server.vendor_url("customerio") + "/v1/send/email",
            json={"transactional_message_id": "7", "to": "pat@example.com", "identifiers": {"id": "C0000042"}},
            headers={"Authorization": f"Bearer {cio_fake.DEFAULT_APP_API_KEY}"},
            timeout=10,
        )
        assert answer.status_code == 200
        sender.flush()
        fake.configure_reporting(None)
    delivery = answer.json()["delivery_id"]
    stored, _ = intake.store.read_since(None, 100)
    mine = [json.loads(e.payload) for e in stored]
    assert [m["metric"] for m in mine][:2] == ["sent", "delivered"]
    assert {m["data"]["delivery_id"] for m in mine} == {delivery}
    assert mine[0]["data"]["customer_id"] == "C0000042" and mine[0]["data"]["transactional_message_id"] == "7"
