"""The Meta custom-audience destination against the sandbox fake over HTTP, called as the sync engine calls it."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest
import requests
from support.marketing_world import ACCOUNTS, FAST, new_requests

from journey_assets.activation.contract import Change, Destination, FullRefresh, Operation
from journey_assets.activation.meta_audience import (
    DESTINATION_KIND,
    NO_IDENTIFIER,
    SCHEMA,
    MetaAudienceDestination,
    build,
    hashed_row,
)
from journey_assets.connectors.http import RetryPolicy
from journey_assets.connectors.meta import MetaGraphClient, ThrottlePolicy
from journey_assets.journey.audience import sha256_hex
from journey_assets.sandbox.server import SandboxServer

NO_WAIT = ThrottlePolicy(threshold_pct=75, max_pause=0.0, retries=3, backoff=0.0)


@pytest.fixture
def sandbox(fresh_sandbox: SandboxServer) -> Iterator[SandboxServer]:
    meta = fresh_sandbox.fakes["meta"]
    saved = (meta.targetable_minimum, meta.match_share, meta.clock)
    yield fresh_sandbox
    meta.targetable_minimum, meta.match_share, meta.clock = saved


def client(server: SandboxServer, retry: RetryPolicy = FAST) -> MetaGraphClient:
    return MetaGraphClient(server.vendor_url("meta"), "test-token", retry=retry, timeout=2.0, throttle=NO_WAIT)


def destination(server: SandboxServer, retry: RetryPolicy = FAST, **params) -> MetaAudienceDestination:
    params = {"account_id": ACCOUNTS["D01"], "audience_name": f"Service due {uuid.uuid4().hex[:8]}", **params}
    return build(params, client(server, retry))


def person(n: int) -> dict[str, str]:
    return {
        "email": f"  Owner{n}@Example.com ",
        "phone": f"(555) 01{n:05d}"[:14],
        "fn": "Ann-Marie",
        "ln": "O'Neil",
        "zip": "30301-1234",
        "ct": "Atlanta",
        "st": "Georgia",
        "country": "US",
        "external_id": f"cust-{n}",
    }


def changes(n: int, operation: Operation = Operation.ADD, start: int = 0) -> list[Change]:
    return [Change(f"C{i:06d}", operation, person(i)) for i in range(start, start + n)]


def sent_payloads(server: SandboxServer, suffix: str = "/users") -> list[tuple[dict, dict]]:
    out = []
    for r in new_requests(server, "meta"):
        if r["path"].endswith(suffix):
            form = dict(parse_qsl(r["body"]))
            out.append((r, json.loads(form["payload"])))
    return out


def members(server: SandboxServer, audience_id: str) -> set[frozenset]:
    return server.fakes["meta"].members_of(audience_id)


def test_satisfies_the_contract_and_registers_its_kind(sandbox):
    made = destination(sandbox)
    assert isinstance(made, Destination) and isinstance(made, FullRefresh)
    assert DESTINATION_KIND == made.name == "meta_audience" and made.batch_size == 10_000
    with pytest.raises(ValueError, match="unknown params"):
        build({"account_id": "1", "audience_name": "x", "audiance": "typo"}, client(sandbox))
    with pytest.raises(ValueError, match="missing params"):
        build({"account_id": "1"}, client(sandbox))


def test_prepare_creates_the_audience_once_and_says_it_is_too_small(sandbox):
    first = destination(sandbox)
    facts = first.prepare()
    assert facts["created"] and not facts["targetable"] and "300" in facts["not_targeted_because"]
    second = build({"account_id": ACCOUNTS["D01"], "audience_name": first.audience_name}, client(sandbox))
    again = second.prepare()
    assert not again["created"] and again["audience_id"] == facts["audience_id"]


def test_rows_are_hashed_per_meta_rules():
    row = dict(zip(SCHEMA, hashed_row(person(7)), strict=True))
    assert row["EMAIL"] == sha256_hex("owner7@example.com")
    assert row["FN"] == sha256_hex("annmarie") and row["LN"] == sha256_hex("oneil")
    assert row["ZIP"] == sha256_hex("30301") and row["ST"] == sha256_hex("ga") and row["CT"] == sha256_hex("atlanta")
    assert row["COUNTRY"] == sha256_hex("us") and row["EXTERN_ID"] == "cust-7"  # extern id is not hashed


def test_adds_then_removes(sandbox):
    dest = destination(sandbox)
    sandbox.fakes["meta"].targetable_minimum = 5
    added = dest.send(changes(6))
    assert all(r.accepted for r in added.results) and len(added.results) == 6
    assert added.metrics["num_received"] == 6 and added.metrics["match_rate"] == 1.0
    assert dest.prepare()["targetable"]
    removed = dest.send(changes(2, Operation.REMOVE))
    assert all(r.accepted and r.operation is Operation.REMOVE for r in removed.results)
    held = members(sandbox, dest.audience_id)
    assert len(held) == 4
    emails = {v for m in held for k, v in m if k == "EMAIL"}
    assert emails == {sha256_hex(f"owner{i}@example.com") for i in range(2, 6)}
    assert not dest.prepare()["targetable"]  # 4 < 5: below the minimum again, and said so


def test_rows_without_an_identifier_are_rejected_with_a_reason_and_not_sent(sandbox):
    dest = destination(sandbox)
    bad = [
        Change("X1", Operation.ADD, {"email": "not an email", "phone": "12"}),
        Change("X2", Operation.ADD, {"external_id": "only-an-id"}),
    ]
    sent = dest.send([*changes(3), *bad])
    by_key = {r.primary_key: r for r in sent.results}
    assert len(by_key) == 5
    for key in ("X1", "X2"):
        assert not by_key[key].accepted and not by_key[key].transient and by_key[key].error == NO_IDENTIFIER
    assert sent.metrics["rejected_locally"] == 2 and sent.metrics["num_received"] == 3
    assert sent.metrics["num_invalid_entries"] == 0 and sent.metrics["match_rate"] == 0.6
    assert sum(len(p["data"]) for _, p in sent_payloads(sandbox)) == 3


def test_meta_invalid_entries_are_counted(sandbox):
    dest = destination(sandbox)
    dest.prepare()
    # A row Meta cannot read (a raw email where a hash belongs), sent as an older client might have.
    raw = {"schema": list(SCHEMA), "data": [["raw@example.com", *[""] * (len(SCHEMA) - 1)]]}
    answer = requests.post(
        f"{sandbox.vendor_url('meta')}/v25.0/{dest.audience_id}/users",
        data={"payload": json.dumps(raw)},
        headers={"Authorization": "Bearer t"},
        timeout=5,
    ).json()
    assert answer["num_invalid_entries"] == 1
    answer2 = dest.client.add_users(dest.audience_id, list(SCHEMA), raw["data"] + [hashed_row(person(1))])
    assert (answer2.num_received, answer2.num_invalid_entries) == (2, 1)


def test_a_too_large_send_is_split_into_requests_of_10000(sandbox):
    dest = destination(sandbox)
    sent = dest.send(changes(25_000))
    assert len(sent.results) == 25_000 and all(r.accepted for r in sent.results)
    sizes = [len(p["data"]) for _, p in sent_payloads(sandbox)]
    assert sizes == [10_000, 10_000, 5_000]
    assert sent.metrics["requests"] == 3 and len(members(sandbox, dest.audience_id)) == 25_000


def test_replace_session_end_to_end(sandbox):
    dest = destination(sandbox, batch_size=4)
    dest.send(changes(5, start=100))  # people the replace drops
    sent = dest.replace(changes(10))
    assert sent.metrics["replace_session"] and sent.metrics["requests"] == 3  # 4 + 4 + 2
    assert all(r.accepted for r in sent.results) and len(sent.results) == 10
    emails = {v for m in members(sandbox, dest.audience_id) for k, v in m if k == "EMAIL"}
    assert emails == {sha256_hex(f"owner{i}@example.com") for i in range(10)}
    sessions = [json.loads(dict(parse_qsl(r["body"]))["session"]) for r, _ in sent_payloads(sandbox, "/usersreplace")]
    assert [s["batch_seq"] for s in sessions] == [1, 2, 3] and sessions[-1]["last_batch_flag"]


def test_a_session_conflict_is_answered_as_transient(sandbox):
    dest = destination(sandbox)
    dest.prepare()
    held = {"session_id": 77, "batch_seq": 1, "last_batch_flag": False}  # another run's replace, still open
    requests.post(
        f"{sandbox.vendor_url('meta')}/v25.0/{dest.audience_id}/usersreplace",
        data={
            "payload": json.dumps({"schema": list(SCHEMA), "data": [hashed_row(person(1))]}),
            "session": json.dumps(held),
        },
        headers={"Authorization": "Bearer t"},
        timeout=5,
    )
    sent = dest.send(changes(3))
    assert len(sent.results) == 3
    assert all(not r.accepted and r.transient and "1870145" in (r.error or "") for r in sent.results)
    assert "test-token" not in json.dumps([r.error for r in sent.results])
    assert dest.replace(changes(3)).results[0].transient  # a second replace waits for the first too


def test_twenty_percent_transient_faults_end_with_every_row_accepted_exactly_once(sandbox):
    """The engine's loop in miniature: send what is not yet accepted, in batches, until nothing is left."""
    rng = random.Random(11)
    dest = destination(sandbox, retry=RetryPolicy(total=1, backoff_factor=0), batch_size=10)
    dest.prepare()
    desired = {c.primary_key: c for c in changes(500)}
    accepted: set[str] = set()
    faulted = runs = 0
    while len(accepted) < len(desired) and runs < 10:
        runs += 1
        pending = [c for k, c in desired.items() if k not in accepted]
        for start in range(0, len(pending), dest.batch_size):
            if rng.random() < 0.2:  # one request in five meets a fault; half of them outlast the client's retry
                kind = rng.choice(["server_error", "rate_limit", "drop", "malformed"])
                sandbox.inject("meta", kind, times=rng.choice([1, 2]), path=r"/users$", retry_after=0)
                faulted += 1
            sent = dest.send(pending[start : start + dest.batch_size])
            for result in sent.results:
                assert result.accepted or result.transient, result.error
                if result.accepted:
                    assert result.primary_key not in accepted  # never accepted twice
                    accepted.add(result.primary_key)
        sandbox.clear_faults()
    assert accepted == set(desired)
    assert faulted >= 5 and runs > 1  # the faults happened, and some rows waited for a later run
    # Counted from the fake's request log: every person in exactly one request the fake applied and answered
    # 200 (an injected `malformed` answer is logged 200 too, but the fake never saw that request).
    applied = [(r, p) for r, p in sent_payloads(sandbox) if r["status"] == 200 and r["fault"] is None]
    delivered = Counter(row[0] for _, payload in applied for row in payload["data"])
    assert set(delivered) == {sha256_hex(f"owner{i}@example.com") for i in range(500)}
    assert set(delivered.values()) == {1}
    assert len(applied) == 50
    assert sum(1 for r, _ in sent_payloads(sandbox) if r["fault"]) >= 5
    assert len(members(sandbox, dest.audience_id)) == 500


def test_a_declared_meta_sync_runs_through_the_engine_and_then_sends_only_what_changed(sandbox, tmp_path):
    """The kind as syncs.yml declares it: the registry builds the destination, the engine diffs a warehouse table
    against the accepted state; a second run sends nothing, a person leaving the table is removed (mirror)."""
    import duckdb
    import pandas as pd

    from journey_assets.activation.engine import run_sync
    from journey_assets.activation.spec import build_destination, parse_syncs
    from journey_assets.warehouse import DuckDBWarehouse

    path = str(tmp_path / "w.duckdb")
    people = pd.DataFrame([{"customer_key": f"C{i:04d}", **person(i)} for i in range(150)])
    with duckdb.connect(path) as db:
        db.execute("create schema marts")
        db.register("people", people)
        db.execute("create table marts.audience as select * from people")
    name = f"Retargeting {uuid.uuid4().hex[:8]}"
    document = {
        "syncs": {
            "meta_retargeting": {
                "destination": "meta_audience",
                "sql": "select * from marts.audience",
                "primary_key": "customer_key",
                "mode": "mirror",
                "mapping": {k: k for k in ("email", "phone", "fn", "ln", "zip", "country", "external_id")},
                "params": {"account_id": ACCOUNTS["D01"], "audience_name": name},
            }
        }
    }
    (spec,) = parse_syncs(document)
    warehouse = DuckDBWarehouse(path)

    def run():
        return run_sync(spec, warehouse, build_destination(spec, {"meta": client(sandbox)}))

    first = run()
    assert (first.added, first.failed) == (150, 0)
    audience_id = next(a.id for a in sandbox.fakes["meta"].audiences.values() if a.name == name)
    assert len(members(sandbox, audience_id)) == 150
    new_requests(sandbox, "meta")
    again = run()
    assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, 150)
    assert not [r for r in new_requests(sandbox, "meta") if r["path"].endswith("/users")]
    with duckdb.connect(path) as db:
        db.execute("delete from marts.audience where customer_key in ('C0000', 'C0001')")
    third = run()
    assert third.removed == 2 and len(members(sandbox, audience_id)) == 148
