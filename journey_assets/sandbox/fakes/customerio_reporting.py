"""Customer.io's reporting webhooks, as the sandbox sends them: the world's email history and live sends.

Implemented from docs.customer.io/api/webhooks (and customerio-node's `verifyRequestSignature`), not from
our intake: each webhook is one JSON event `{event_id, object_type, metric, timestamp, data{customer_id,
email_address, delivery_id, newsletter_id | broadcast_id | transactional_message_id, ...}}` POSTed with
`X-CIO-Timestamp` (unix seconds when it is sent) and `X-CIO-Signature` (hex HMAC-SHA256 of
`"v0:" + timestamp + ":" + body` with the webhook's signing key). A non-2xx answer is retried (Customer.io
retries for days; the sandbox a few times), so the same `event_id` may arrive twice.

**The world's email history** (`email_history`): each rooftop mails its newsletter list every
`NEWSLETTER_EVERY_DAYS` over the world's web window, plus one broadcast (a sales event) a rooftop. The list
is the customers who gave email consent, a deterministic share `LIST_SHARE` of them, one delivery an
address. Outcomes are drawn from the world's seed (a generator of its own, so the world's tables are
unchanged): a malformed address (the world's typos) bounces, others bounce at `BOUNCE_RATE`; a delivered
message is opened at about `OPEN_RATE` (each edition's subject moves it), an opened one clicked at
`CLICK_OF_OPENS`, and `UNSUBSCRIBE_OF_OPENS` of openers unsubscribe. Nothing later than the world's last day
is sent. The history is computed from the world on demand (not a saved table), so cached worlds keep working.

**Live sends**: `CustomerIOFake` hands each transactional email it accepts to `ReportingWebhooks.delivered`
(sent, delivered, and an open and a click drawn from the delivery id) when a webhook URL is configured
(`JOURNEY_SANDBOX_CUSTOMERIO_WEBHOOK_URL`, or `configure()` in-process); they are posted from a background
thread, so the send API answers at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import queue
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import pandas as pd

DEFAULT_SIGNING_KEY = "sandbox-customerio-webhook-signing-key"
SEED_STREAM = 1151  # this module's own random stream of the world's seed: the world's tables are not touched

NEWSLETTER_EVERY_DAYS = 28
LIST_SHARE = 0.25
BOUNCE_RATE = 0.015
OPEN_RATE = 0.30
CLICK_OF_OPENS = 0.15
UNSUBSCRIBE_OF_OPENS = 0.012
SEND_HOUR_LOCAL = 10
NEWSLETTER_ID_BASE = 2000
BROADCAST_ID_BASE = 500
RETRIES = 3


def signing_key() -> str:
    return os.environ.get("JOURNEY_SANDBOX_CUSTOMERIO_WEBHOOK_SIGNING_KEY") or DEFAULT_SIGNING_KEY


def sign(key: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Customer.io's two headers: `X-CIO-Signature` = hex HMAC-SHA256(key, "v0:<timestamp>:<body>")."""
    digest = hmac.new(key.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-CIO-Timestamp": str(timestamp), "X-CIO-Signature": digest}


def _event_id(*parts: object) -> str:
    """A stable 26-character id (Customer.io's are ULIDs) from what the event is about."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, as a ULID
    number = int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:17], "big")
    return "".join(alphabet[(number >> (5 * i)) & 31] for i in range(26))


def _delivery_id(*parts: object) -> str:
    import base64

    return base64.b64encode(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:18]).decode()


def _event(metric: str, at: datetime, data: dict[str, Any], *, object_type: str = "email") -> dict[str, Any]:
    return {
        "event_id": _event_id(data["delivery_id"], object_type, metric),
        "object_type": object_type,
        "metric": metric,
        "timestamp": int(at.timestamp()),
        "data": data,
    }


# --- the world's history ---------------------------------------------------------------------


@dataclass(frozen=True)
class Mailing:
    dealer_id: str
    kind: str  # newsletter | broadcast
    message_id: int  # newsletter_id or broadcast_id
    sent_at: datetime  # UTC
    open_factor: float  # this edition's subject line: opens move with it


def mailings(world: Any) -> list[Mailing]:
    """Every newsletter edition and broadcast of each rooftop in the world's web window, oldest first."""
    rng = np.random.default_rng([int(world.seed), SEED_STREAM, 0])
    out = []
    for r, rooftop in enumerate(world.table("rooftops").sort_values("dealer_id").itertuples(index=False)):
        zone = ZoneInfo(str(rooftop.timezone))
        first = world.web_first_day + timedelta(days=int(rng.integers(0, 7)))
        days = []
        day = first
        while day <= world.as_of:
            days.append(("newsletter", day))
            day += timedelta(days=NEWSLETTER_EVERY_DAYS)
        span = (world.as_of - world.web_first_day).days
        days.append(("broadcast", world.web_first_day + timedelta(days=int(rng.integers(10, max(11, span - 3))))))
        for n, (kind, day) in enumerate(sorted(days, key=lambda d: d[1])):
            local = datetime(day.year, day.month, day.day, SEND_HOUR_LOCAL, tzinfo=zone)
            base = NEWSLETTER_ID_BASE if kind == "newsletter" else BROADCAST_ID_BASE
            out.append(
                Mailing(
                    dealer_id=str(rooftop.dealer_id),
                    kind=kind,
                    message_id=base + 100 * r + n,
                    sent_at=local.astimezone(UTC),
                    open_factor=float(np.clip(rng.normal(1.0, 0.12), 0.7, 1.3)),
                )
            )
    return sorted(out, key=lambda m: (m.sent_at, m.dealer_id))


def newsletter_list(world: Any) -> pd.DataFrame:
    """Each rooftop's list: consenting customers' addresses, a `LIST_SHARE` of them, one row an address."""
    customers = world.table("customers")
    customers = customers[customers["email_consent"].astype(bool) & customers["email"].notna()]
    customers = customers.assign(email=customers["email"].astype(str).str.strip().str.lower())
    customers = customers.drop_duplicates(["dealer_id", "email"]).sort_values("customer_id")
    rng = np.random.default_rng([int(world.seed), SEED_STREAM, 1])
    chosen = rng.random(len(customers)) < LIST_SHARE
    return customers.loc[chosen, ["customer_id", "dealer_id", "email"]].reset_index(drop=True)


def _malformed(email: str) -> bool:
    local, at, domain = email.partition("@")
    return not (local and at and "." in domain and not domain.startswith(".") and not domain.endswith("."))


def email_history(world: Any) -> list[dict[str, Any]]:
    """The reporting webhooks of the world's email history, in time order (see the module docstring)."""
    end = datetime(world.as_of.year, world.as_of.month, world.as_of.day, tzinfo=UTC) + timedelta(days=1)
    lists = newsletter_list(world)
    by_dealer = dict(tuple(lists.groupby("dealer_id")))
    events: list[dict[str, Any]] = []
    unsubscribed: set[str] = set()
    for m, mailing in enumerate(mailings(world)):
        members = by_dealer.get(mailing.dealer_id)
        if members is None:
            continue
        rng = np.random.default_rng([int(world.seed), SEED_STREAM, 2, m])
        n = len(members)
        u_bounce, u_open, u_click, u_unsub = rng.random((4, n))
        open_delay = rng.exponential(8 * 3600, n)  # seconds after delivery
        click_delay = rng.exponential(90, n)
        unsub_delay = rng.exponential(120, n)
        for i, person in enumerate(members.itertuples(index=False)):
            email = str(person.email)
            if email in unsubscribed:
                continue  # Customer.io sends no newsletter to an unsubscribed person
            id_field = "newsletter_id" if mailing.kind == "newsletter" else "broadcast_id"
            data = {
                "customer_id": str(person.customer_id),
                "email_address": email,
                "delivery_id": _delivery_id(world.seed, mailing.message_id, person.customer_id),
                id_field: mailing.message_id,
                "identifiers": {"id": str(person.customer_id), "email": email},
            }
            sent = mailing.sent_at + timedelta(seconds=int(i % 600))  # a list goes out over ten minutes
            events.append(_event("sent", sent, data))
            if _malformed(email) or u_bounce[i] < BOUNCE_RATE:
                events.append(_event("bounced", sent + timedelta(seconds=20), data))
                continue
            delivered = sent + timedelta(seconds=5)
            events.append(_event("delivered", delivered, data))
            if u_open[i] >= OPEN_RATE * mailing.open_factor:
                continue
            opened = delivered + timedelta(seconds=float(open_delay[i]))
            if opened >= end:
                continue
            events.append(_event("opened", opened, data))
            if u_click[i] < CLICK_OF_OPENS:
                clicked = opened + timedelta(seconds=float(click_delay[i]))
                if clicked < end:
                    events.append(_event("clicked", clicked, {**data, "href": "https://dealer.example/specials"}))
            if u_unsub[i] < UNSUBSCRIBE_OF_OPENS:
                at = opened + timedelta(seconds=float(unsub_delay[i]))
                if at < end:
                    events.append(_event("unsubscribed", at, data))
                    unsubscribed.add(email)
    return sorted(events, key=lambda e: (e["timestamp"], e["event_id"]))


def delivery_events(
    delivery_id: str, customer_id: str, email: str, transactional_message_id: Any, at: datetime
) -> list[dict[str, Any]]:
    """A transactional email the fake accepted: sent and delivered, and an open and a click drawn from its id."""
    data = {
        "customer_id": customer_id,
        "email_address": email.strip().lower(),
        "delivery_id": delivery_id,
        "transactional_message_id": transactional_message_id,
        "identifiers": {"id": customer_id},
    }
    draw = int.from_bytes(hashlib.sha256(delivery_id.encode()).digest()[:4], "big") / 2**32
    events = [_event("sent", at, data), _event("delivered", at + timedelta(seconds=5), data)]
    if draw < OPEN_RATE:
        events.append(_event("opened", at + timedelta(minutes=30), data))
        if draw < OPEN_RATE * CLICK_OF_OPENS:
            events.append(_event("clicked", at + timedelta(minutes=31), {**data, "href": "https://dealer.example/"}))
    return events


# --- sending -----------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    accepted: int = 0  # 2xx
    duplicates: int = 0  # 2xx saying the event id was stored before
    refused: dict[int, int] = field(default_factory=dict)  # status -> count, after the retries
    seconds: float = 0.0


class ReportingWebhooks:
    """Posts reporting webhooks to one endpoint, signed as Customer.io signs them."""

    def __init__(self, url: str, key: str | None = None, *, timeout: float = 10.0):
        self.url = url
        self.key = key or signing_key()
        self._client = httpx.Client(timeout=timeout, limits=httpx.Limits(max_connections=16))
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self.report = SendReport()
        self._lock = threading.Lock()

    def post(self, event: dict[str, Any]) -> int:
        """One webhook, retried on a 5xx or a connection error as Customer.io does; the last status (0: none)."""
        body = json.dumps(event, separators=(",", ":")).encode()
        status = 0
        for attempt in range(RETRIES):
            headers = {"Content-Type": "application/json", **sign(self.key, int(time.time()), body)}
            try:
                response = self._client.post(self.url, content=body, headers=headers)
            except httpx.HTTPError:
                status = 0
            else:
                status = response.status_code
                if status < 500:
                    with self._lock:
                        self.report.sent += 1
                        if 200 <= status < 300:
                            self.report.accepted += 1
                            self.report.duplicates += bool(response.json().get("duplicate"))
                        else:
                            self.report.refused[status] = self.report.refused.get(status, 0) + 1
                    return status
            time.sleep(0.05 * 2**attempt)
        with self._lock:
            self.report.sent += 1
            self.report.refused[status] = self.report.refused.get(status, 0) + 1
        return status

    def send(self, events: Sequence[dict[str, Any]], *, workers: int = 8) -> SendReport:
        """Post every event (`workers` at a time, as Customer.io's senders are concurrent); the report."""
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cio-webhooks") as pool:
            for _ in pool.map(self.post, events, chunksize=64):
                pass
        self.report.seconds += time.perf_counter() - started
        return self.report

    # background sends for the fake's live deliveries
    def enqueue(self, events: Iterable[dict[str, Any]]) -> None:
        for event in events:
            self._queue.put(event)
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._drain, name="cio-webhooks-live", daemon=True)
            self._worker.start()

    def _drain(self) -> None:
        while True:
            try:
                event = self._queue.get(timeout=1.0)
            except queue.Empty:
                return
            if event is None:
                return
            try:
                self.post(event)
            finally:
                self._queue.task_done()

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every queued live event has been posted (tests)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)

    def close(self) -> None:
        self.flush()
        self._client.close()


def send_history_events(
    events: Sequence[dict[str, Any]], url: str, key: str | None = None, *, workers: int = 8
) -> SendReport:
    """Post `events` to `url` (the intake's /customerio/reporting), signed with `key` (the sandbox's)."""
    sender = ReportingWebhooks(url, key)
    try:
        return sender.send(events, workers=workers)
    finally:
        sender.close()


def send_history(world: Any, url: str, key: str | None = None, *, workers: int = 8) -> SendReport:
    """Post the world's whole email history to `url`."""
    return send_history_events(email_history(world), url, key, workers=workers)
