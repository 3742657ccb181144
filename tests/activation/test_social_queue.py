"""The review queue in a DuckDB file and scheduling through the Metricool fake over real HTTP, exactly once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pytest
from support.marketing_world import FAST, new_requests, settle

from journey_assets.activation.social_queue import (
    Brand,
    ReviewError,
    decisions,
    queue,
    record_drafts,
    review,
    schedule_approved,
)
from journey_assets.connectors.metricool import MetricoolClient
from journey_assets.journey.social_posts import Draft, draft_id, marker, tagged_link
from journey_assets.warehouse import DuckDBWarehouse

TZ = "America/Chicago"


@pytest.fixture
def warehouse(tmp_path) -> DuckDBWarehouse:
    path = tmp_path / "queue.duckdb"
    duckdb.connect(str(path)).close()
    return DuckDBWarehouse(str(path))


def client(server, **kwargs) -> MetricoolClient:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("timeout", 2.0)
    return MetricoolClient(server.vendor_url("metricool"), "mc-token", "42", **kwargs)


def brands(server) -> dict[str, Brand]:
    found = {b["label"]: b for b in client(server).brands()}
    lakeshore = found["Lakeshore Honda"]
    return {"D01": Brand(str(lakeshore["id"]), TZ, frozenset(MetricoolClient.connected_networks(lakeshore)))}


def make_draft(vehicle: str, network: str = "facebook", text: str | None = None) -> Draft:
    the_id = draft_id("new_arrival", vehicle, "2026-11-22", network)
    link = tagged_link(f"https://d.example/{vehicle}", network, "new_arrival", the_id)
    return Draft(
        draft_id=the_id,
        event_type="new_arrival",
        event_key="2026-11-22",
        event_date=date(2026, 11, 22),
        dealer_id="D01",
        vehicle_id=vehicle,
        network=network,
        text=text if text is not None else f"Just arrived: {vehicle}. {link}",
        link=link,
        image_url=f"https://img.example/{vehicle}.jpg",
        listed_price=20000.0,
        previous_price=None,
    )


def now() -> datetime:
    return datetime.now(UTC)


def posts_with(server, the_id: str) -> list[dict]:
    return [p for p in server.fakes["metricool"].scheduled.values() if marker(the_id) in p["text"]]


def test_the_queue_is_append_only_and_the_latest_decision_wins(warehouse):
    a, b = make_draft("q-a"), make_draft("q-b")
    assert [d.draft_id for d in record_drafts(warehouse, [a, b], now(), "run-1")] == [a.draft_id, b.draft_id]
    assert record_drafts(warehouse, [a, b], now(), "run-2") == []  # drafted once
    first = decisions(warehouse)
    review(warehouse, [a.draft_id], [], "maria@marketing", now(), "run-3")
    review(warehouse, [], [a.draft_id, b.draft_id], "sam", now(), "run-4", note="off-brand photo")
    log = decisions(warehouse)
    assert len(log) == len(first) + 3
    # earlier rows are untouched: the log only grows
    assert log.head(len(first)).reset_index(drop=True).equals(first.reset_index(drop=True))
    state = queue(warehouse).set_index("draft_id")
    assert state.loc[a.draft_id, "decision"] == "rejected" and state.loc[a.draft_id, "decided_by"] == "sam"
    assert state.loc[b.draft_id, "reason"] == "off-brand photo"
    assert duckdb.connect(warehouse.path, read_only=True).execute(
        "select count(*) from ops.social_post_drafts"
    ).fetchone() == (2,)


def test_a_bad_review_records_nothing(warehouse):
    a = make_draft("q-c")
    record_drafts(warehouse, [a], now(), "run-1")
    before = len(decisions(warehouse))
    with pytest.raises(ReviewError, match="no such drafts: sp_nope"):
        review(warehouse, [a.draft_id, "sp_nope"], [], "maria", now(), "run-2")
    with pytest.raises(ReviewError, match="both approved and rejected"):
        review(warehouse, [a.draft_id], [a.draft_id], "maria", now(), "run-2")
    with pytest.raises(ReviewError, match="reviewer is required"):
        review(warehouse, [a.draft_id], [], " ", now(), "run-2")
    assert len(decisions(warehouse)) == before


def test_approved_drafts_are_scheduled_and_rejected_never(warehouse, fresh_sandbox):
    good, bad, unconnected = make_draft("q-d"), make_draft("q-e"), make_draft("q-f", network="twitter")
    record_drafts(warehouse, [good, bad, unconnected], now(), "run-1")
    review(warehouse, [good.draft_id, bad.draft_id, unconnected.draft_id], [], "maria", now(), "run-2")
    review(warehouse, [], [bad.draft_id], "maria", now(), "run-3")  # changed her mind
    outcome = schedule_approved(warehouse, client(fresh_sandbox), brands(fresh_sandbox), now(), "run-4")
    assert outcome.scheduled == [good.draft_id]
    assert outcome.failed == [(unconnected.draft_id, "twitter is not connected to the rooftop's Metricool brand")]
    (post,) = posts_with(fresh_sandbox, good.draft_id)
    assert post["providers"] == [{"network": "facebook"}] and post["media"] == [good.image_url]
    assert posts_with(fresh_sandbox, bad.draft_id) == [] and posts_with(fresh_sandbox, unconnected.draft_id) == []
    state = queue(warehouse).set_index("draft_id")
    assert state.loc[good.draft_id, "metricool_post_id"] == str(post["id"])
    assert state.loc[bad.draft_id, "decision"] == "rejected"
    again = schedule_approved(warehouse, client(fresh_sandbox), brands(fresh_sandbox), now(), "run-5")
    assert (again.scheduled, again.failed, again.created_requests) == ([], [], 0)  # final states stay
    assert len(posts_with(fresh_sandbox, good.draft_id)) == 1


def test_a_lost_answer_is_reconciled_on_the_next_run_without_a_second_post(warehouse, fresh_sandbox):
    drafts = {d.draft_id: d for d in (make_draft("q-g"), make_draft("q-h"))}
    record_drafts(warehouse, list(drafts.values()), now(), "run-1")
    review(warehouse, list(drafts), [], "maria", now(), "run-2")
    # The first create reaches Metricool, which acts on it after our client has stopped waiting.
    fresh_sandbox.inject("metricool", "timeout", times=1, delay=1.0, method="POST")
    run1 = schedule_approved(warehouse, client(fresh_sandbox, timeout=0.3), brands(fresh_sandbox), now(), "run-3")
    ((lost_id, reason),) = run1.failed
    assert "may have scheduled it" in reason
    first, second = drafts[lost_id], next(d for i, d in drafts.items() if i != lost_id)
    assert run1.scheduled == [second.draft_id]
    settle(fresh_sandbox, "metricool")
    assert len(posts_with(fresh_sandbox, first.draft_id)) == 1  # it did go through
    state = queue(warehouse).set_index("draft_id")
    assert state.loc[first.draft_id, "decision"] == "failed" and bool(state.loc[first.draft_id, "retryable"])

    run2 = schedule_approved(warehouse, client(fresh_sandbox), brands(fresh_sandbox), now(), "run-4")
    assert run2.recovered == [first.draft_id] and run2.created_requests == 0
    assert len(posts_with(fresh_sandbox, first.draft_id)) == 1 and len(posts_with(fresh_sandbox, second.draft_id)) == 1
    times = sorted(
        p["publicationDate"]["dateTime"] for d in (first, second) for p in posts_with(fresh_sandbox, d.draft_id)
    )
    assert times[0] != times[1]  # one brand's posts on one network are spaced, not all at the same minute
    creates = [r for r in new_requests(fresh_sandbox, "metricool") if r["method"] == "POST"]
    assert len(creates) == 2  # one create per draft, over both runs
    state = queue(warehouse).set_index("draft_id")
    assert state.loc[first.draft_id, "decision"] == "scheduled"
    assert state.loc[first.draft_id, "metricool_post_id"] == str(posts_with(fresh_sandbox, first.draft_id)[0]["id"])


def test_a_refused_create_is_retried_in_the_run_and_a_rejected_post_is_final(warehouse, fresh_sandbox):
    retried, too_long = make_draft("q-i"), make_draft("q-j", network="linkedin", text="y" * 3001)
    record_drafts(warehouse, [retried, too_long], now(), "run-1")
    review(warehouse, [retried.draft_id, too_long.draft_id], [], "maria", now(), "run-2")
    fresh_sandbox.inject("metricool", "server_error", times=1, method="POST")  # 503: refused before acting
    outcome = schedule_approved(
        warehouse, client(fresh_sandbox), brands(fresh_sandbox), now(), "run-3", sleep=lambda _: None
    )
    assert outcome.scheduled == [retried.draft_id] and len(posts_with(fresh_sandbox, retried.draft_id)) == 1
    ((failed_id, reason),) = outcome.failed
    assert failed_id == too_long.draft_id and "3000-character limit allowed on linkedin" in reason
    state = queue(warehouse).set_index("draft_id")
    assert state.loc[too_long.draft_id, "decision"] == "failed" and not bool(state.loc[too_long.draft_id, "retryable"])
    later = schedule_approved(warehouse, client(fresh_sandbox), brands(fresh_sandbox), now(), "run-4")
    assert later.created_requests == 0 and later.failed == []  # Metricool's refusal is not sent again
