"""The Wrike client against the sandbox's Wrike over real HTTP."""

from __future__ import annotations

import json
import re
from datetime import date
from urllib.parse import parse_qs

import pytest

from journey_assets.connectors.http import (
    MalformedResponseError,
    PermanentVendorError,
    RetryPolicy,
    TransientVendorError,
)
from journey_assets.connectors.wrike import JOURNEY_KEY, WrikeClient

FOLDER = "IEAAAAAQI4AB5BGU"
REP = "KUAB1234"


@pytest.fixture
def fake(sandbox):
    return sandbox.fakes["wrike"]


@pytest.fixture
def client(sandbox, fake, fast_retry) -> WrikeClient:
    return WrikeClient(fake.token, base_url=sandbox.vendor_url("wrike"), timeout=5, retry=fast_retry)


def test_create_task_sends_wrikes_form_and_answers_the_task(sandbox, client, fake):
    task = client.create_task(
        FOLDER,
        "Call Ana about the 2024 RAV4 (hot lead)",
        description="Lead L00001 from website; score 0.91",
        importance="High",
        due=date(2026, 11, 24),
        responsibles=[REP],
    )
    assert re.fullmatch(r"[A-Z0-9]{16}", task.id)
    assert (task.status, task.importance, task.due, task.responsible_ids) == ("Active", "High", "2026-11-24", (REP,))
    assert task.raw["parentIds"] == [FOLDER] and task.raw["dates"]["type"] == "Milestone"
    assert task.permalink.startswith("https://www.wrike.com/open.htm?id=")

    [row] = sandbox.rows("wrike")
    assert (row["method"], row["path"], row["status"]) == ("POST", f"/folders/{FOLDER}/tasks", 200)
    form = {k: v[0] for k, v in parse_qs(row["body"]).items()}
    assert json.loads(form["dates"]) == {"due": "2026-11-24"} and json.loads(form["responsibles"]) == [REP]

    assert client.get_task(task.id) == task


def test_update_then_read_back(client):
    task = client.create_task(FOLDER, "Follow up", start=date(2026, 11, 23), due=date(2026, 11, 25))
    assert task.raw["dates"] == {
        "type": "Planned",
        "duration": 1440,
        "start": "2026-11-23",
        "due": "2026-11-25",
        "workOnWeekends": False,
    }
    updated = client.update_task(task.id, status="Completed", importance="Low", add_responsibles=[REP])
    assert (updated.status, updated.importance, updated.responsible_ids) == ("Completed", "Low", (REP,))
    assert "completedDate" in updated.raw
    assert [t.status for t in client.get_tasks([task.id])] == ["Completed"]


def test_errors_carry_wrikes_codes(sandbox, client, fake, fast_retry):
    with pytest.raises(PermanentVendorError) as info:
        client.create_task(FOLDER, "   ")
    assert info.value.status == 400 and info.value.reason == "parameter_required: Parameter 'title' is required"
    with pytest.raises(PermanentVendorError) as info:
        client.create_task(FOLDER, "x", status="Someday")
    assert info.value.reason.startswith("invalid_parameter: Parameter 'status'")
    with pytest.raises(PermanentVendorError) as info:
        client.create_task(FOLDER, "x", due="next tuesday")
    assert info.value.reason.startswith("invalid_parameter: Parameter 'dates'")
    with pytest.raises(PermanentVendorError) as info:
        client.get_task("IEABZZZZZZZZZZZZ")
    assert info.value.status == 404 and info.value.reason.startswith("resource_not_found")
    bad = WrikeClient("wrong", base_url=sandbox.vendor_url("wrike"), retry=fast_retry)
    with pytest.raises(PermanentVendorError) as info:
        bad.create_task(FOLDER, "x")
    assert info.value.status == 401 and info.value.reason.startswith("not_authorized")
    with pytest.raises(ValueError):
        client.create_task(FOLDER, "x", importance="Urgent")


def test_create_task_once_finds_a_task_whose_create_timed_out(sandbox, fake, client, wait_for):
    key = "lead:L00001:call"
    slow = WrikeClient(
        fake.token, base_url=sandbox.vendor_url("wrike"), timeout=0.2, retry=RetryPolicy(total=3, backoff_factor=0)
    )
    sandbox.inject("wrike", "timeout", times=1, delay=0.7)
    with pytest.raises(TransientVendorError):  # last run: the create (as create_task_once sends it) timed out...
        slow.create_task(FOLDER, "Call Ana", metadata={JOURNEY_KEY: key})
    wait_for(lambda: [r for r in sandbox.rows("wrike") if r["status"] is not None])  # ...but went through
    task, created = client.create_task_once(FOLDER, "Call Ana", key=key)
    assert not created and task.metadata[JOURNEY_KEY] == key
    other, created = client.create_task_once(FOLDER, "Call Ben", key="lead:L00002:call")
    assert created and other.id != task.id
    assert len(fake.tasks) == 2
    lookups = [r for r in sandbox.rows("wrike") if r["method"] == "GET"]
    assert json.loads(json.loads(lookups[0]["query"])["metadata"][0]) == {"key": JOURNEY_KEY, "value": key}


def test_a_timed_out_create_is_not_repeated(sandbox, fake, wait_for):
    slow = WrikeClient(
        fake.token, base_url=sandbox.vendor_url("wrike"), timeout=0.2, retry=RetryPolicy(total=3, backoff_factor=0)
    )
    sandbox.inject("wrike", "timeout", times=1, delay=0.7)
    with pytest.raises(TransientVendorError):
        slow.create_task(FOLDER, "Call Ana")
    wait_for(lambda: [r for r in sandbox.rows("wrike") if r["status"] is not None])
    assert [(r["method"], r["status"]) for r in sandbox.rows("wrike")] == [("POST", 200)]
    assert len(fake.tasks) == 1


def test_rate_limit_is_retried_and_a_5xx_create_is_not(sandbox, client):
    sandbox.inject("wrike", "rate_limit", times=1, retry_after=0)
    client.create_task(FOLDER, "a")
    assert [r["status"] for r in sandbox.rows("wrike")] == [429, 200]
    sandbox.inject("wrike", "server_error", times=1, status=502)
    with pytest.raises(TransientVendorError) as info:
        client.create_task(FOLDER, "b")
    assert info.value.status == 502 and len(sandbox.rows("wrike")) == 3


def test_a_malformed_answer_is_refused(sandbox, client):
    sandbox.inject("wrike", "malformed", times=1)
    with pytest.raises(MalformedResponseError):
        client.create_task(FOLDER, "a")
