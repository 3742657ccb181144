"""Meta custom audiences: the sandbox fake's documented shapes and errors over HTTP, and the client against it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest
import requests
from support.marketing_world import ACCOUNTS, FAST, new_requests

from journey_assets.connectors.http import PermanentVendorError, TransientVendorError
from journey_assets.connectors.meta import MetaGraphClient, ThrottlePolicy
from journey_assets.journey.audience import meta_row, sha256_hex
from journey_assets.sandbox.server import SandboxServer

NO_WAIT = ThrottlePolicy(threshold_pct=75, max_pause=0.0, retries=3, backoff=0.0)
SCHEMA = ["EMAIL", "PHONE", "FN"]


@pytest.fixture
def sandbox(fresh_sandbox: SandboxServer) -> Iterator[SandboxServer]:
    meta = fresh_sandbox.fakes["meta"]
    saved = (meta.targetable_minimum, meta.match_share, meta.clock)
    yield fresh_sandbox
    meta.targetable_minimum, meta.match_share, meta.clock = saved


def client(server: SandboxServer, **kwargs) -> MetaGraphClient:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("timeout", 2.0)
    kwargs.setdefault("throttle", NO_WAIT)
    return MetaGraphClient(server.vendor_url("meta"), "test-token", **kwargs)


def rows(n: int, start: int = 0) -> list[list[str]]:
    return [
        meta_row({"email": f"p{i}@example.com", "phone": f"555010{i:04d}", "fn": "Ann"}, SCHEMA)
        for i in range(start, start + n)
    ]


def graph(server: SandboxServer, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(
        method,
        f"{server.vendor_url('meta')}/v25.0/{path}",
        headers={"Authorization": "Bearer t0ken"},
        timeout=5,
        **kwargs,
    )


def new_audience(server: SandboxServer) -> str:
    made = graph(
        server,
        "POST",
        f"act_{ACCOUNTS['D01']}/customaudiences",
        data={
            "name": f"test {uuid.uuid4().hex[:8]}",
            "subtype": "CUSTOM",
            "customer_file_source": "USER_PROVIDED_ONLY",
        },
    )
    assert made.status_code == 200, made.text
    return made.json()["id"]


# --- the fake, spoken to directly --------------------------------------------------------------------------


def test_users_answer_has_the_documented_fields(sandbox):
    audience = new_audience(sandbox)
    payload = {"schema": SCHEMA, "data": rows(3)}
    answer = graph(sandbox, "POST", f"{audience}/users", data={"payload": json.dumps(payload)})
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"audience_id", "session_id", "num_received", "num_invalid_entries", "invalid_entry_samples"}
    assert body["audience_id"] == audience and body["num_received"] == 3 and body["num_invalid_entries"] == 0
    read = graph(sandbox, "GET", audience, params={"fields": "approximate_count_lower_bound,delivery_status"}).json()
    assert read["approximate_count_lower_bound"] == 3
    assert read["delivery_status"]["code"] == 300  # below the targetable minimum: too small for an ad set


def test_unhashed_and_misshapen_rows_are_counted_invalid_and_not_applied(sandbox):
    audience = new_audience(sandbox)
    data = [*rows(2), ["someone@example.com", "", ""], ["", ""], ["", "", ""]]  # raw email, short row, empty row
    body = graph(
        sandbox, "POST", f"{audience}/users", data={"payload": json.dumps({"schema": SCHEMA, "data": data})}
    ).json()
    assert body["num_received"] == 5 and body["num_invalid_entries"] == 3
    assert len(body["invalid_entry_samples"]) == 3
    assert "someone@example.com" not in json.dumps(body)  # the sample names no personal data
    assert len(sandbox.fakes["meta"].members_of(audience)) == 2


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"schema": ["EMAIL", "SHOE_SIZE"], "data": []}, "Invalid schema"),
        ({"schema": "EMAIL_SHA256"}, "requires schema and data"),
        ({"schema": "EMAIL_SHA256", "data": [[sha256_hex(f"{i}")] for i in range(10_001)]}, "Too many users"),
    ],
)
def test_whole_request_errors_are_graph_code_100(sandbox, payload, words):
    audience = new_audience(sandbox)
    answer = graph(sandbox, "POST", f"{audience}/users", data={"payload": json.dumps(payload)})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == 100 and words in error["message"]
    assert sandbox.fakes["meta"].members_of(audience) == set()


def test_delete_removes_by_the_same_rows_and_post_method_delete_too(sandbox):
    audience = new_audience(sandbox)
    payload = json.dumps({"schema": SCHEMA, "data": rows(4)})
    graph(sandbox, "POST", f"{audience}/users", data={"payload": payload})
    graph(sandbox, "DELETE", f"{audience}/users", data={"payload": json.dumps({"schema": SCHEMA, "data": rows(1)})})
    assert len(sandbox.fakes["meta"].members_of(audience)) == 3
    one_more = json.dumps({"schema": SCHEMA, "data": rows(1, start=1)})
    graph(sandbox, "POST", f"{audience}/users", data={"payload": one_more, "method": "DELETE"})
    assert len(sandbox.fakes["meta"].members_of(audience)) == 2


def test_a_running_replace_blocks_users_and_other_sessions(sandbox):
    audience = new_audience(sandbox)
    first = {"session_id": 11, "batch_seq": 1, "last_batch_flag": False, "estimated_num_total": 4}
    payload = json.dumps({"schema": SCHEMA, "data": rows(2)})
    opened = graph(sandbox, "POST", f"{audience}/usersreplace", data={"payload": payload, "session": json.dumps(first)})
    assert opened.status_code == 200 and opened.json()["session_id"] == "11"
    blocked = graph(sandbox, "POST", f"{audience}/users", data={"payload": payload})
    other = {**first, "session_id": 12}
    rival = graph(sandbox, "POST", f"{audience}/usersreplace", data={"payload": payload, "session": json.dumps(other)})
    for refused in (blocked, rival):
        assert refused.status_code == 400
        assert (refused.json()["error"]["code"], refused.json()["error"]["error_subcode"]) == (2650, 1870145)
    state = graph(sandbox, "GET", audience, params={"fields": "operation_status"}).json()
    assert state["operation_status"]["code"] != 200
    last = {**first, "batch_seq": 2, "last_batch_flag": True}
    payload2 = json.dumps({"schema": SCHEMA, "data": rows(2, start=2)})
    graph(sandbox, "POST", f"{audience}/usersreplace", data={"payload": payload2, "session": json.dumps(last)})
    assert len(sandbox.fakes["meta"].members_of(audience)) == 4
    assert graph(sandbox, "POST", f"{audience}/users", data={"payload": payload}).status_code == 200


def test_a_replace_session_times_out_after_90_minutes(sandbox):
    meta = sandbox.fakes["meta"]
    now = [1000.0]
    meta.clock = lambda: now[0]
    audience = new_audience(sandbox)
    payload = json.dumps({"schema": SCHEMA, "data": rows(1)})
    session = {"session_id": 21, "batch_seq": 1, "last_batch_flag": False}
    graph(sandbox, "POST", f"{audience}/usersreplace", data={"payload": payload, "session": json.dumps(session)})
    now[0] += 91 * 60
    late = graph(
        sandbox,
        "POST",
        f"{audience}/usersreplace",
        data={"payload": payload, "session": json.dumps({**session, "batch_seq": 2})},
    )
    assert (late.json()["error"]["code"], late.json()["error"]["error_subcode"]) == (2650, 1870158)
    assert graph(sandbox, "POST", f"{audience}/users", data={"payload": payload}).status_code == 200  # no longer held


def test_create_needs_a_customer_file_source_and_lists_by_name(sandbox):
    path = f"act_{ACCOUNTS['D01']}/customaudiences"
    refused = graph(sandbox, "POST", path, data={"name": "x", "subtype": "CUSTOM"})
    assert refused.status_code == 400 and "customer_file_source" in refused.json()["error"]["message"]
    audience = new_audience(sandbox)
    name = graph(sandbox, "GET", audience, params={"fields": "name"}).json()["name"]
    listed = graph(
        sandbox,
        "GET",
        path,
        params={"fields": "id,name", "filtering": json.dumps([{"field": "name", "operator": "EQUAL", "value": name}])},
    ).json()
    assert [a["id"] for a in listed["data"]] == [audience]
    state = requests.get(f"{sandbox.vendor_url('meta')}/_sandbox/audiences", timeout=5).json()
    assert audience in {a["id"] for a in state["audiences"]}


def test_audience_endpoints_need_a_token(sandbox):
    answer = requests.post(
        f"{sandbox.vendor_url('meta')}/v25.0/act_{ACCOUNTS['D01']}/customaudiences", data={"name": "x"}, timeout=5
    )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 104


# --- the client ---------------------------------------------------------------------------------------------


def test_find_or_create_creates_once_then_finds(sandbox):
    meta = client(sandbox)
    name = f"Service due {uuid.uuid4().hex[:6]}"
    first, created = meta.find_or_create_audience(ACCOUNTS["D01"], name)
    again, created_again = meta.find_or_create_audience(ACCOUNTS["D01"], name)
    assert created and not created_again and first.id == again.id
    assert not first.targetable and first.count_lower == 0
    posts = [r for r in new_requests(sandbox, "meta") if r["method"] == "POST"]
    assert len(posts) == 1
    sent = dict(parse_qsl(posts[0]["body"]))
    assert sent["subtype"] == "CUSTOM" and sent["customer_file_source"] == "USER_PROVIDED_ONLY"


def test_add_and_remove_users_and_the_targetable_minimum(sandbox):
    sandbox.fakes["meta"].targetable_minimum = 5
    meta = client(sandbox)
    status, _ = meta.find_or_create_audience(ACCOUNTS["D01"], f"a {uuid.uuid4().hex[:6]}")
    added = meta.add_users(status.id, SCHEMA, rows(6))
    assert (added.num_received, added.num_invalid_entries) == (6, 0)
    assert meta.audience(status.id).targetable
    meta.remove_users(status.id, SCHEMA, rows(2))
    after = meta.audience(status.id)
    assert after.count_lower == 4 and not after.targetable and after.delivery_code == 300
    body = [r for r in new_requests(sandbox, "meta") if r["method"] == "DELETE"][0]["body"]
    payload = json.loads(dict(parse_qsl(body))["payload"])
    assert payload["schema"] == SCHEMA and len(payload["data"]) == 2  # the documented form: payload as JSON


def test_client_refuses_more_than_10000_rows_before_sending(sandbox):
    meta = client(sandbox)
    with pytest.raises(ValueError, match="10000"):
        meta.add_users("123", ["EMAIL"], [[sha256_hex(str(i))] for i in range(10_001)])
    assert new_requests(sandbox, "meta") == []


def test_replace_users_runs_a_session_in_batches(sandbox):
    meta = client(sandbox)
    status, _ = meta.find_or_create_audience(ACCOUNTS["D01"], f"r {uuid.uuid4().hex[:6]}")
    meta.add_users(status.id, SCHEMA, rows(3, start=100))  # replaced away
    result = meta.replace_users(status.id, SCHEMA, rows(5), batch_size=2)
    assert result.num_received == 5 and result.requests == 3
    assert len(sandbox.fakes["meta"].members_of(status.id)) == 5
    sessions = [
        json.loads(dict(parse_qsl(r["body"]))["session"])
        for r in new_requests(sandbox, "meta")
        if r["path"].endswith("/usersreplace")
    ]
    assert [s["batch_seq"] for s in sessions] == [1, 2, 3]
    assert [s["last_batch_flag"] for s in sessions] == [False, False, True]
    assert {s["session_id"] for s in sessions} == {int(result.session_id)}
    assert {s["estimated_num_total"] for s in sessions} == {5}


def test_session_conflict_is_transient_and_a_bad_audience_permanent(sandbox):
    meta = client(sandbox)
    status, _ = meta.find_or_create_audience(ACCOUNTS["D01"], f"c {uuid.uuid4().hex[:6]}")
    payload = json.dumps({"schema": SCHEMA, "data": rows(1)})
    session = json.dumps({"session_id": 31, "batch_seq": 1, "last_batch_flag": False})
    graph(sandbox, "POST", f"{status.id}/usersreplace", data={"payload": payload, "session": session})
    with pytest.raises(TransientVendorError) as busy:
        meta.add_users(status.id, SCHEMA, rows(1))
    assert "1870145" in (busy.value.reason or "") and busy.value.not_sent
    with pytest.raises(PermanentVendorError) as missing:
        meta.add_users("999", SCHEMA, rows(1))
    assert "test-token" not in str(missing.value)


def test_client_retries_injected_server_errors(sandbox):
    meta = client(sandbox)
    status, _ = meta.find_or_create_audience(ACCOUNTS["D01"], f"f {uuid.uuid4().hex[:6]}")
    sandbox.inject("meta", "server_error", times=2, path=r"/users$")
    assert meta.add_users(status.id, SCHEMA, rows(2)).num_received == 2
    statuses = [r["status"] for r in new_requests(sandbox, "meta") if r["path"].endswith("/users")]
    assert statuses == [503, 503, 200]


def test_a_bare_multi_key_name_is_not_a_schema_string(sandbox):
    audience = new_audience(sandbox)
    hashed = [[sha256_hex("a@b.co")]]
    refused = graph(
        sandbox, "POST", f"{audience}/users", data={"payload": json.dumps({"schema": "EMAIL", "data": hashed})}
    )
    assert refused.status_code == 400 and "Invalid schema" in refused.json()["error"]["message"]
    single = graph(
        sandbox, "POST", f"{audience}/users", data={"payload": json.dumps({"schema": "EMAIL_SHA256", "data": hashed})}
    )
    assert single.status_code == 200 and single.json()["num_invalid_entries"] == 0
    assert client(sandbox).add_users(audience, ["EMAIL"], hashed).num_invalid_entries == 0  # sent as EMAIL_SHA256


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("users", {"payload": "{not json"}),
        ("users", {"payload": json.dumps({"schema": ["EMAIL"], "data": "x"}), "session": "[1, 2]"}),
        ("users", {"payload": json.dumps({"schema": [7], "data": []})}),
        ("usersreplace", {"payload": json.dumps({"schema": ["EMAIL"], "data": []})}),
        ("usersreplace", {"payload": json.dumps({"schema": ["EMAIL"], "data": []}), "session": '"s"'}),
        (
            "usersreplace",
            {
                "payload": json.dumps({"schema": ["EMAIL"], "data": []}),
                "session": json.dumps({"session_id": 5, "batch_seq": 1, "estimated_num_total": "many"}),
            },
        ),
    ],
)
def test_bad_sender_input_is_a_400_never_a_5xx(sandbox, path, form):
    audience = new_audience(sandbox)
    answer = graph(sandbox, "POST", f"{audience}/{path}", data=form)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == 100
