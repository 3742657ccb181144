"""Two responders on one ledger send nothing twice: both answer the same batch at the same moment (the
long-running responder and a Dagster catch-up run, or two runs), each with its own ledger connection,
against the sandbox over HTTP. Run on the SQLite ledger and on Postgres (JOURNEY_TEST_POSTGRES_URL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from support.pg_helpers import postgres_schema, schema_spec
from support.respond_harness import IN_STOCK, Harness, new_phone, vehicle_of

from journey_assets.response.ledger import DONE
from journey_assets.response.ledger_factory import open_ledger
from journey_assets.response.workflow import respond, respond_due


@pytest.fixture(params=["sqlite", "postgres"])
def ledger_spec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "shared" / "ledger.sqlite3")
        return
    yield from (schema_spec(url, schema) for url, schema in postgres_schema("test_responders"))


def sent(h: Harness, vendor: str, path_end: str) -> list[dict]:
    return [r for r in h.rows(vendor) if r["method"] == "POST" and r["path"].endswith(path_end)]


def test_two_responders_on_one_ledger_send_nothing_twice(harness: Harness, ledger_spec: str) -> None:
    phones = [new_phone() for _ in range(6)]
    bodies = [
        harness.intent("test_drive_request", phone=p, email=f"two{n}@example.com", vehicle=vehicle_of(IN_STOCK))
        for n, p in enumerate(phones)
    ]
    events = harness.read_new()
    assert len(events) == len(bodies)
    ledgers = [open_ledger(ledger_spec), open_ledger(ledger_spec)]  # two responders, two connections
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def responder(n: int) -> None:
        try:
            deps = harness.deps(ledger=ledgers[n])
            start.wait(10)
            respond(events, deps)
            respond_due(deps)
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=responder, args=(n,)) for n in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors
        assert not any(t.is_alive() for t in threads)

        texts = [parse_qs(r["body"])["To"][0] for r in sent(harness, "twilio", "/Messages.json")]
        assert sorted(texts) == sorted(phones)  # one SMS per customer, none twice
        assert len([r for r in harness.rows("crm") if r["path"] == "/leads"]) == len(bodies)
        assert len([r for r in harness.rows("crm") if r["path"] == "/leads/adf"]) == len(bodies)
        assert len(sent(harness, "wrike", "/tasks")) == len(bodies)
        assert len(harness.rows("slack")) == len(bodies)
        for body in bodies:
            assert ledgers[0].get_action(body["event_id"], "sms").status == DONE
        # the same batch once more, through either ledger: nothing new goes out
        respond(events, harness.deps(ledger=ledgers[1]))
        assert len(sent(harness, "twilio", "/Messages.json")) == len(phones)
    finally:
        for ledger in ledgers:
            ledger.close()
