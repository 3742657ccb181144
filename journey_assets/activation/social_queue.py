"""The social posts' review queue in `ops`, and scheduling the approved ones through Metricool exactly once.

Two append-only tables, written through `journey_assets.warehouse` (DuckDB locally, BigQuery in prod):

* `ops.social_post_drafts`: one row per draft, written once (the draft's id is deterministic, so a
  vehicle event already drafted is not drafted again).
* `ops.social_post_decisions`: every decision on a draft, never updated: `drafted` (by the drafting
  asset), `approved` / `rejected` (by a marketer, with who and when), `scheduled` (with Metricool's post
  id) and `failed` (with the reason, and whether the next run retries it). A draft's state is its
  latest decision (`journey.social_posts.current_states`).

Exactly once: Metricool takes no idempotency key, so before creating a brand's posts the scheduler
lists the brand's scheduled posts and looks for each draft's id in their links (`utm_content`). A
create whose answer was lost (a timeout after Metricool acted) is recorded as a retryable failure; the
next run finds the post in the list and records it as scheduled instead of creating it again. A create
refused before Metricool acted on it (a 429/503, a refused connection) is retried in the same run.
Known gap: a post that has already been *published* is no longer in the scheduled list, so a lost answer
left unreconciled past its publication time would be created again; runs are nightly and posts go out
at the next `publish_hour` at the earliest, so the window is small, and said here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from journey_assets.connectors.http import PermanentVendorError, TransientVendorError, VendorError
from journey_assets.connectors.metricool import MetricoolClient, scheduler_post
from journey_assets.journey.social_posts import (
    APPROVED,
    DRAFTED,
    FAILED,
    REJECTED,
    SCHEDULED,
    Draft,
    current_states,
    may_follow,
    new_drafts,
    state_key,
)
from journey_assets.warehouse import Warehouse

SCHEMA = "ops"
DRAFTS_TABLE = "social_post_drafts"
DECISIONS_TABLE = "social_post_decisions"
DRAFT_STRINGS = (
    "draft_id",
    "event_type",
    "event_key",
    "dealer_id",
    "vehicle_id",
    "network",
    "text",
    "link",
    "image_url",
)
DECISION_STRINGS = ("draft_id", "decision", "decided_by", "reason", "metricool_post_id", "run_id")
SYSTEM = "system"
MARKER = re.compile(r"utm_content=(sp_[0-9a-f]{20})")
CREATE_ATTEMPTS = 3  # creates refused before Metricool acted (not_sent) are tried this often in one run


class ReviewError(ValueError):
    """The approval config names drafts that do not exist, or one draft both ways; nothing was recorded."""


@dataclass(frozen=True)
class Brand:
    """A rooftop's Metricool brand: its blogId, timezone and connected networks."""

    blog_id: str
    timezone: str
    networks: frozenset[str]


@dataclass
class ReviewOutcome:
    recorded: dict[str, list[str]] = field(default_factory=lambda: {APPROVED: [], REJECTED: []})
    refused: list[tuple[str, str]] = field(default_factory=list)  # (draft_id, why)


@dataclass
class ScheduleOutcome:
    scheduled: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)  # found already in Metricool, not created again
    failed: list[tuple[str, str]] = field(default_factory=list)  # (draft_id, reason)
    created_requests: int = 0


def _utc_naive(moment: datetime) -> pd.Timestamp:
    return pd.Timestamp(moment).tz_convert("UTC").tz_localize(None) if moment.tzinfo else pd.Timestamp(moment)


def _typed(frame: pd.DataFrame, strings: Iterable[str]) -> pd.DataFrame:
    # Explicit string columns: an all-null column must still land as text, in DuckDB and BigQuery alike.
    for column in strings:
        frame[column] = frame[column].astype("string")
    return frame


def _decision_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows,
        columns=[
            "draft_id",
            "decision",
            "decided_at",
            "decided_by",
            "reason",
            "retryable",
            "metricool_post_id",
            "publish_at",
            "run_id",
        ],
    )
    frame["decided_at"] = pd.to_datetime(frame["decided_at"])
    frame["publish_at"] = pd.to_datetime(frame["publish_at"])
    frame["retryable"] = frame["retryable"].astype("boolean")
    return _typed(frame, DECISION_STRINGS)


def _decision(
    draft_id: str,
    decision: str,
    at: datetime,
    by: str,
    run_id: str,
    reason: str | None = None,
    retryable: bool | None = None,
    post_id: str | None = None,
    publish_at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "draft_id": draft_id,
        "decision": decision,
        "decided_at": _utc_naive(at),
        "decided_by": by,
        "reason": reason,
        "retryable": retryable,
        "metricool_post_id": post_id,
        "publish_at": None if publish_at is None else _utc_naive(publish_at),
        "run_id": run_id,
    }


def append_decisions(warehouse: Warehouse, rows: list[dict[str, Any]]) -> None:
    if rows:
        warehouse.append(SCHEMA, DECISIONS_TABLE, _decision_frame(rows))


def decisions(warehouse: Warehouse) -> pd.DataFrame:
    if not warehouse.has_table(SCHEMA, DECISIONS_TABLE):
        return _decision_frame([])
    return warehouse.query(f"select * from {SCHEMA}.{DECISIONS_TABLE}")


def drafts(warehouse: Warehouse) -> pd.DataFrame:
    if not warehouse.has_table(SCHEMA, DRAFTS_TABLE):
        return pd.DataFrame(columns=[*DRAFT_STRINGS, "event_date", "listed_price", "previous_price", "drafted_at"])
    return warehouse.query(f"select * from {SCHEMA}.{DRAFTS_TABLE}")


def record_drafts(warehouse: Warehouse, candidates: Iterable[Draft], at: datetime, run_id: str) -> list[Draft]:
    """Append the drafts not drafted before, each with its `drafted` decision; answers the new ones."""
    known = set(drafts(warehouse)["draft_id"])
    fresh = new_drafts(candidates, known)
    if not fresh:
        return []
    frame = pd.DataFrame([d.row() for d in fresh])
    frame["event_date"] = pd.to_datetime(frame["event_date"]).dt.date
    frame["listed_price"] = frame["listed_price"].astype("float64")
    frame["previous_price"] = frame["previous_price"].astype("float64")
    frame["drafted_at"] = _utc_naive(at)
    warehouse.append(SCHEMA, DRAFTS_TABLE, _typed(frame, DRAFT_STRINGS))
    append_decisions(warehouse, [_decision(d.draft_id, DRAFTED, at, SYSTEM, run_id) for d in fresh])
    return fresh


def queue(warehouse: Warehouse) -> pd.DataFrame:
    """Every draft with its current state (decision, decided_at, decided_by, reason, retryable, post id)."""
    all_drafts = drafts(warehouse)
    states = current_states(decisions(warehouse)).reset_index()
    merged = all_drafts.merge(states, on="draft_id", how="left")
    merged["decision"] = merged["decision"].fillna(DRAFTED)
    return merged


def review(
    warehouse: Warehouse,
    approve: Iterable[str],
    reject: Iterable[str],
    by: str,
    at: datetime,
    run_id: str,
    note: str | None = None,
) -> ReviewOutcome:
    """Record a marketer's approvals and rejections. Unknown ids or an id in both lists refuse the whole
    review (nothing recorded); a draft whose state does not allow the decision is left and reported."""
    approve, reject = list(dict.fromkeys(approve)), list(dict.fromkeys(reject))
    if not by or not by.strip():
        raise ReviewError("reviewer is required: who approves or rejects is recorded with each decision")
    both = sorted(set(approve) & set(reject))
    if both:
        raise ReviewError(f"drafts both approved and rejected: {', '.join(both)}")
    states = current_states(decisions(warehouse))
    unknown = [d for d in [*approve, *reject] if d not in states.index]
    if unknown:
        raise ReviewError(f"no such drafts: {', '.join(unknown)}")
    outcome = ReviewOutcome()
    rows = []
    for decision, ids in ((APPROVED, approve), (REJECTED, reject)):
        for the_id in ids:
            state = states.loc[the_id]
            if may_follow(str(state["decision"]), state.get("retryable"), decision):
                rows.append(_decision(the_id, decision, at, by.strip(), run_id, reason=note))
                outcome.recorded[decision].append(the_id)
            else:
                outcome.refused.append((the_id, f"is {state_key(str(state['decision']), state.get('retryable'))}"))
    append_decisions(warehouse, rows)
    return outcome


def next_publication(now: datetime, tz: str, hour: int, lead: timedelta = timedelta(minutes=30)) -> datetime:
    """The first local `hour`:00 at least `lead` after now, as a local wall-clock time (no tzinfo)."""
    zone = ZoneInfo(tz)
    local = (now + lead).astimezone(zone)
    slot = datetime.combine(local.date(), time(hour, 0), tzinfo=zone)
    if slot < local:
        slot = datetime.combine(local.date() + timedelta(days=1), time(hour, 0), tzinfo=zone)
    return slot.replace(tzinfo=None)


def _markers(posts: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    found = {}
    for post in posts:
        for match in MARKER.finditer(str(post.get("text") or "")):
            found[match.group(1)] = str(post.get("id"))
    return found


def schedule_approved(
    warehouse: Warehouse,
    client: MetricoolClient,
    brands: Mapping[str, Brand],
    now: datetime,
    run_id: str,
    publish_hour: int = 10,
    horizon_days: int = 60,
    spacing_minutes: int = 30,
    sleep: Callable[[float], None] | None = None,
) -> ScheduleOutcome:
    """Schedule every approved (or retryably failed) draft once; record each outcome in the decision log."""
    outcome = ScheduleOutcome()
    current = queue(warehouse)
    schedulable = [may_follow(d, r, SCHEDULED) for d, r in zip(current["decision"], current["retryable"], strict=True)]
    due = current[pd.Series(schedulable, index=current.index, dtype=bool)]
    rows: list[dict[str, Any]] = []

    def failed(the_id: str, reason: str, retryable: bool) -> None:
        rows.append(_decision(the_id, FAILED, datetime.now(UTC), SYSTEM, run_id, reason=reason, retryable=retryable))
        outcome.failed.append((the_id, reason))

    for dealer_id, group in due.groupby("dealer_id", sort=True):
        brand = brands.get(str(dealer_id))
        if brand is None:
            for the_id in group["draft_id"]:
                failed(the_id, f"rooftop {dealer_id} has no Metricool brand (metricool_blog_id)", True)
            continue
        local_now = now.astimezone(ZoneInfo(brand.timezone)).replace(tzinfo=None)
        try:
            existing = _markers(
                client.scheduled_posts(
                    brand.blog_id,
                    local_now - timedelta(days=1),
                    local_now + timedelta(days=horizon_days),
                    brand.timezone,
                )
            )
        except VendorError as exc:  # without the list a create could be a second one: wait for the next run
            for the_id in group["draft_id"]:
                failed(the_id, f"could not list the brand's scheduled posts: {exc.reason}", True)
            continue
        per_network: dict[str, int] = {}  # a brand's posts on one network go out `spacing_minutes` apart
        for draft in group.sort_values(["event_date", "draft_id"], kind="stable").to_dict("records"):
            the_id = draft["draft_id"]
            if the_id in existing:
                rows.append(
                    _decision(
                        the_id,
                        SCHEDULED,
                        datetime.now(UTC),
                        SYSTEM,
                        run_id,
                        reason="already in Metricool's planner (an earlier create's answer was lost)",
                        post_id=existing[the_id],
                    )
                )
                outcome.recovered.append(the_id)
                continue
            if draft["network"] not in brand.networks:
                failed(the_id, f"{draft['network']} is not connected to the rooftop's Metricool brand", False)
                continue
            slot = per_network.get(draft["network"], 0)
            per_network[draft["network"]] = slot + 1
            publish_local = next_publication(now, brand.timezone, publish_hour) + timedelta(
                minutes=spacing_minutes * slot
            )
            image = draft.get("image_url")
            media = [image] if isinstance(image, str) and image else []
            body = scheduler_post(draft["text"], draft["network"], publish_local, brand.timezone, media)
            for attempt in range(1, CREATE_ATTEMPTS + 1):
                outcome.created_requests += 1
                try:
                    created = client.schedule_post(brand.blog_id, body)
                except PermanentVendorError as exc:
                    failed(the_id, f"Metricool refused the post: {exc.reason}", False)
                    break
                except TransientVendorError as exc:
                    if exc.not_sent and attempt < CREATE_ATTEMPTS:
                        if sleep:
                            sleep(float(exc.retry_after or 1.0))
                        continue
                    if exc.not_sent:
                        failed(the_id, f"not sent, Metricool unavailable: {exc.message}", True)
                    else:
                        failed(
                            the_id,
                            "no answer to the create (Metricool may have scheduled it); the next run looks for it "
                            f"before creating again: {exc.message}",
                            True,
                        )
                    break
                except VendorError as exc:  # a malformed answer to a create: it may exist, reconcile next run
                    failed(the_id, f"unreadable answer to the create; reconciled on the next run: {exc.message}", True)
                    break
                publish_at = publish_local.replace(tzinfo=ZoneInfo(brand.timezone))
                rows.append(
                    _decision(
                        the_id,
                        SCHEDULED,
                        datetime.now(UTC),
                        SYSTEM,
                        run_id,
                        post_id=str(created["id"]),
                        publish_at=publish_at,
                    )
                )
                outcome.scheduled.append(the_id)
                break
    append_decisions(warehouse, rows)
    return outcome
