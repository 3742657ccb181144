"""The response ledger: what the response workflow did, durably, outside DuckDB.

DuckDB allows one writing process and the nightly job holds it for minutes, so
speed to lead cannot queue behind it. Locally the ledger is its own SQLite file (WAL,
`synchronous=FULL`), `data/response/ledger.sqlite3` by default
(`JOURNEY_RESPONSE_LEDGER`); in prod a Postgres schema on the Dagster instance's
server (`JOURNEY_RESPONSE_LEDGER=postgresql://...`). Several processes (responders,
concurrent response runs, the sensor) may open it.

`ResponseLedger` is the interface the workflow sees; `SQLiteLedger` (`ledger_sqlite.py`)
and `PostgresLedger` (`ledger_postgres.py`) implement it over the same tables, and
`ledger_factory.open_ledger(spec)` picks one.

Tables
------
actions      (event_id, action) -> status, vendor_ref, detail, attempts, retry_at, updated_at,
             started_at (when the latest attempt was claimed; the decision's time when none was).
             The idempotency record: an action is claimed (`sending`) before the
             vendor call and completed after it, so a retried run that finds
             `done` sends nothing again, and a crash between the two leaves a
             `sending` row that the next run treats as *in doubt* (see `claim`).
suppressions phone -> state (suppressed | active), keyword, at: Twilio inbound
             STOP-family keywords (and 21610 answers) suppress a number at once,
             START-family keywords restore it. A Customer.io unsubscribe suppresses an
             email address under the key `email:<address>` (customerio_events.py).
touches      contact key, channel, category, at, ref: every message sent, for frequency caps.
messages     sid -> event_id, to_masked, status, error_code, updated_at: the state of
             each SMS, moved by Twilio status callbacks (never backwards).
dead_letter  event_id, action, vendor, reason, payload, at: permanent failures with
             the vendor's own reason.
contact_events  (event_id, contact_key) -> event_type, at, triggered: the intent history
             of each identity key (repeated VDP views, the scorer's features).
retry_queue  event_id -> the event (JSON), retry_at, reason: events with an action
             deferred (quiet hours, caps) or left pending after a transient failure.
round_robin  rooftop_id -> last salesperson assigned.
consumers    name -> position, heartbeat_at: each follower of the intake's store (`journey respond`),
             its durable cursor (the store's own cursor string) and when it last said it was alive,
             which the Dagster sensor reads to leave fresh events to it (docs/decisions/1301).

Contact keys are hashes (`contact.py`), phone numbers in `suppressions` are
E.164 (Twilio needs them to match), and `messages` keeps a masked number only.
`retry_queue` keeps a copy of the event (with its contact data) until its
actions are settled, as the intake's store does.

Every write is its own transaction (one fsync) unless grouped by `atomic()`:
the workflow records a sent SMS's message row, touch and `done` outcome in one,
and reads and moves the round-robin cursor in one, so two runs at once never
hand out the same turn.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

# Action statuses. Terminal ones are never retried.
PENDING = "pending"  # to do (again): first time, or after a transient failure
SENDING = "sending"  # claimed; the vendor call is in flight (or the process died during it)
DONE = "done"
DEFERRED = "deferred"  # not allowed now (quiet hours, frequency cap); retry_at says when
SKIPPED = "skipped"  # decided not to act (no consent, no address, not applicable)
FAILED = "failed"  # permanent vendor refusal; see dead_letter
IN_DOUBT = "in_doubt"  # the call may have gone through; not repeated (see dead_letter)
DRY_RUN = "dry_run"  # dry-run mode: logged, not sent
TERMINAL = frozenset({DONE, SKIPPED, FAILED, IN_DOUBT, DRY_RUN})
RETRYABLE = frozenset({PENDING, DEFERRED})

# A `sending` claim older than this belongs to a process that died mid-call.
DEFAULT_LEASE = timedelta(minutes=5)

# Twilio message statuses in the order a message moves through them; a late callback
# for an earlier status never moves a message backwards.
STATUS_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "receiving": 3,
    "received": 4,
    "delivered": 5,
    "undelivered": 5,
    "failed": 5,
    "read": 6,
    "canceled": 5,
}


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("ledger times must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def parse_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class ActionRecord:
    event_id: str
    action: str
    status: str
    vendor_ref: str | None
    detail: dict[str, Any]
    attempts: int
    retry_at: datetime | None
    updated_at: datetime
    started_at: datetime | None = None  # the latest claim; a row written by `finish` alone: its first outcome

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL


@dataclass(frozen=True)
class Claim:
    """The answer to `claim`: whether this caller may act, and what is on record."""

    granted: bool
    record: ActionRecord | None  # the row as it stands (after the claim when granted)
    in_doubt: bool = False  # a stale `sending` row: an earlier attempt may have reached the vendor


@dataclass(frozen=True)
class Suppression:
    phone: str
    state: str  # suppressed | active
    keyword: str
    at: datetime

    @property
    def suppressed(self) -> bool:
        return self.state == "suppressed"


@dataclass(frozen=True)
class TouchRow:
    contact_key: str
    channel: str
    category: str
    at: datetime
    ref: str


@dataclass(frozen=True)
class MessageRow:
    sid: str
    event_id: str | None
    to_masked: str | None
    status: str
    error_code: str | None
    updated_at: datetime


@dataclass(frozen=True)
class DeadLetter:
    event_id: str
    action: str
    vendor: str
    reason: str
    payload: dict[str, Any]
    at: datetime


@dataclass(frozen=True)
class ContactEvent:
    event_id: str
    contact_key: str
    event_type: str
    at: datetime
    triggered: bool


@dataclass(frozen=True)
class Consumer:
    """A follower of the event store: how far it has answered (`position`, a store cursor) and when it last beat."""

    name: str
    position: str | None
    heartbeat_at: datetime

    def fresh(self, now: datetime, within: timedelta) -> bool:
        return now - self.heartbeat_at < within


@dataclass(frozen=True)
class RetryItem:
    event_id: str
    event: dict[str, Any]
    retry_at: datetime
    reason: str
    attempts: int


class ResponseLedger(ABC):
    """Durable state of the response workflow (see the module docstring)."""

    # -- actions ---------------------------------------------------------------------
    @abstractmethod
    def get_action(self, event_id: str, action: str) -> ActionRecord | None: ...

    @abstractmethod
    def actions(self, event_id: str | None = None) -> list[ActionRecord]: ...

    @abstractmethod
    def claim(self, event_id: str, action: str, now: datetime, lease: timedelta = DEFAULT_LEASE) -> Claim:
        """Take (event_id, action) for one attempt: granted when the row is new, or `pending` or
        `deferred` with its `retry_at` come; also granted, flagged `in_doubt`, for a `sending` row older
        than `lease` (its process died mid-call; the caller decides whether repeating is safe).
        Refused when the action is terminal, deferred to later, or claimed by someone else."""

    @abstractmethod
    def finish(
        self,
        event_id: str,
        action: str,
        status: str,
        now: datetime,
        *,
        vendor_ref: str | None = None,
        detail: dict[str, Any] | None = None,
        retry_at: datetime | None = None,
    ) -> ActionRecord: ...

    # -- suppressions ------------------------------------------------------------------
    @abstractmethod
    def set_suppression(self, phone: str, suppressed: bool, keyword: str, at: datetime) -> Suppression: ...

    @abstractmethod
    def suppression(self, phone: str) -> Suppression | None: ...

    def is_suppressed(self, phone: str | None) -> bool:
        if not phone:
            return False
        row = self.suppression(phone)
        return row is not None and row.suppressed

    # -- touches ------------------------------------------------------------------------
    @abstractmethod
    def add_touch(self, keys: Sequence[str], channel: str, category: str, at: datetime, ref: str) -> None: ...

    @abstractmethod
    def touches(self, keys: Sequence[str], since: datetime) -> list[TouchRow]:
        """Touches of any of `keys` after `since`, one per `ref`."""

    # -- messages -----------------------------------------------------------------------
    @abstractmethod
    def record_message(
        self,
        sid: str,
        status: str,
        at: datetime,
        *,
        event_id: str | None = None,
        to_masked: str | None = None,
        error_code: str | None = None,
    ) -> MessageRow:
        """Insert or move a message's state forward (a callback older than the state is ignored)."""

    @abstractmethod
    def message(self, sid: str) -> MessageRow | None: ...

    @abstractmethod
    def messages(self, event_id: str | None = None) -> list[MessageRow]:
        """Every message on record (of `event_id`), for the warehouse's delivery rates."""

    # -- dead letter ----------------------------------------------------------------------
    @abstractmethod
    def add_dead_letter(
        self, event_id: str, action: str, vendor: str, reason: str, payload: dict[str, Any], at: datetime
    ) -> None: ...

    @abstractmethod
    def dead_letters(self, event_id: str | None = None) -> list[DeadLetter]: ...

    # -- contact history --------------------------------------------------------------------
    @abstractmethod
    def add_contact_event(self, event_id: str, keys: Sequence[str], event_type: str, at: datetime) -> None: ...

    @abstractmethod
    def contact_events(self, keys: Sequence[str], since: datetime | None = None) -> list[ContactEvent]:
        """Events of any of `keys` (after `since`), one per event id, oldest first."""

    @abstractmethod
    def mark_triggered(self, event_id: str) -> None: ...

    # -- retry queue --------------------------------------------------------------------------
    @abstractmethod
    def schedule_retry(self, event_id: str, event: dict[str, Any], retry_at: datetime, reason: str) -> None: ...

    @abstractmethod
    def clear_retry(self, event_id: str) -> None: ...

    @abstractmethod
    def due_retries(self, now: datetime, limit: int = 100) -> list[RetryItem]: ...

    @abstractmethod
    def next_retry_at(self) -> datetime | None: ...

    # -- round robin ---------------------------------------------------------------------------
    @abstractmethod
    def round_robin_state(self) -> dict[str, str]: ...

    @abstractmethod
    def set_round_robin(self, rooftop_id: str, salesperson_id: str) -> None: ...

    # -- consumers (followers of the event store) ------------------------------------------------
    @abstractmethod
    def consumer(self, name: str) -> Consumer | None: ...

    @abstractmethod
    def save_consumer(self, name: str, at: datetime, position: str | None = None) -> Consumer:
        """Beat `name`'s heartbeat at `at` and, when `position` is given, move its cursor there
        (`None` keeps the cursor on record)."""

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Group the writes made inside (by this thread) into one transaction: one fsync, all or nothing."""
        yield

    def close(self) -> None:  # noqa: B027 - optional hook
        pass
