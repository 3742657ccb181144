"""The runner: claim an action in the ledger, act, record the outcome, dead-letter, queue retries, lanes.

`Runner.act(event, action, subject)` is the only place an action's outcome is
decided from its exception:

* `Refused` -> `skipped` / `deferred` (with `retry_at`) / `failed` (dead letter);
* `PermanentVendorError` -> `failed`, dead letter with the vendor's reason;
* a transient failure (after the client's own retries with backoff) -> `pending`
  with a backoff `retry_at`, when a repeat is harmless (the action is idempotent
  at the vendor, or the request certainly never arrived: a 429/503, a refused
  connection);
* otherwise the request may have reached the vendor (a read timeout, a reset, a
  5xx): an action that can `reconcile` is looked up at the vendor before it is
  sent again (`pending`, `uncertain`, no sooner than `reconcile_after`); one
  that cannot is `in_doubt` and dead-lettered instead of being repeated.

Events of different customers run in parallel (`ResponseConfig.workers`
threads); one customer's events (same phone, else first identifier) stay in
commit order, so a STOP is applied before the lead that follows it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import requests

from journey_assets.connectors.http import (
    MalformedResponseError,
    PermanentVendorError,
    TransientVendorError,
    VendorError,
)
from journey_assets.response.actions.base import Action, Found, Lookup
from journey_assets.response.ledger import (
    DEFERRED,
    DONE,
    DRY_RUN,
    FAILED,
    IN_DOUBT,
    PENDING,
    SENDING,
    ActionRecord,
    parse_iso,
)
from journey_assets.response.model import DRY_RUN_REF, Done, Event, EventOutcome, Refused, RespondReport, ResponseDeps

NOT_SENT_STATUSES = frozenset({429, 503})
MAX_LOOKUPS = 5  # a vendor that cannot answer a look-up this many times cannot tell


def not_delivered(exc: BaseException) -> bool:
    """True when a failed request certainly did not reach the vendor (safe to send again)."""
    if isinstance(exc, VendorError) and exc.status in NOT_SENT_STATUSES:
        return True
    if isinstance(exc, VendorError) and exc.not_sent is not None:
        return exc.not_sent
    cause = exc.__cause__
    if isinstance(cause, requests.exceptions.RetryError):  # retries ran out on 429/503 answers
        return True
    if isinstance(cause, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(cause, requests.exceptions.ConnectionError) and not isinstance(
        cause, requests.exceptions.ReadTimeout
    ):
        text = repr(cause)
        return "NewConnectionError" in text or "Connection refused" in text
    return False


def partition_key(event: Event) -> str:
    """Events with the same key are answered in order, one at a time: the customer's phone when there
    is one (STOP and the next lead share it), else their first identifier, else the event itself."""
    payload = event.payload
    customer = payload.get("customer") or {}
    for value in (
        customer.get("phone"),
        payload.get("from_phone"),
        payload.get("to_phone"),
        customer.get("email"),
        customer.get("customer_id"),
        customer.get("client_id"),
    ):
        if value:
            return str(value)
    return event.event_id


class Runner:
    """One pass over a batch; `run()` is the entry point, `dispatch` answers one event."""

    def __init__(self, deps: ResponseDeps, dispatch: Callable[[Runner, Event], EventOutcome]):
        self.deps = deps
        self.ledger = deps.ledger
        self.cfg = deps.config
        self.dispatch = dispatch
        self.assign_lock = threading.Lock()  # the round-robin cursor is read, then moved
        self.feed_lock = threading.Lock()  # one feed download per rooftop at a time

    @property
    def log(self) -> Any:
        return self.deps.log

    def now(self) -> datetime:
        return self.deps.now()

    def backoff(self, attempts: int) -> timedelta:
        return min(self.cfg.retry_base * (2 ** max(attempts - 1, 0)), self.cfg.retry_max)

    def dry(self, what: str, described: Mapping[str, Any]) -> Done:
        """In dry-run mode the decisions still run; only the vendor call is replaced by this log line."""
        self.log.info(f"respond (dry run): would {what}: {dict(described)}")
        return Done(DRY_RUN_REF, {"dry_run": True, **described})

    # -- one action ---------------------------------------------------------------------------
    def act(self, event: Event, action: Action[Any], subject: Any) -> ActionRecord:
        """Claim (event, action), run its work, record the outcome (see the module docstring)."""
        now = self.now()
        name, vendor = action.name, action.vendor
        claim = self.ledger.claim(event.event_id, name, now)
        if not claim.granted:
            return claim.record  # type: ignore[return-value]
        record = claim.record

        def give_up(status: str, reason: str, detail: dict[str, Any], payload: dict[str, Any] | None = None):
            with self.ledger.atomic():  # the dead letter and the outcome together
                self.ledger.add_dead_letter(
                    event.event_id, name, vendor, reason, payload or action.describe(subject), now
                )
                return self.ledger.finish(event.event_id, name, status, self.now(), detail=detail)

        earlier = record.detail if record else {}
        if (claim.in_doubt or earlier.get("uncertain")) and not action.idempotent:
            # an earlier attempt may have reached the vendor: ask it before sending again
            # an interrupted attempt's time is lost with its claim; it came after the event arrived
            since = parse_iso(earlier.get("attempted_at")) or event.received_at
            settled = self._reconciled(event, action, subject, since, record, give_up, interrupted=claim.in_doubt)
            if settled is not None:
                return settled
        attempts = record.attempts if record else 1
        attempted_at = self.now()
        try:
            answer = action.work(self, subject)
        except Refused as refused:
            detail = {"reason": refused.reason, **refused.detail}
            if refused.status == FAILED:
                return give_up(FAILED, refused.reason, detail)
            return self.ledger.finish(
                event.event_id, name, refused.status, self.now(), detail=detail, retry_at=refused.retry_at
            )
        except PermanentVendorError as exc:
            reason = exc.reason or str(exc)
            self.log.warning(f"respond: {name} for {event.event_id} refused by {vendor}: {reason}")
            return give_up(
                FAILED,
                reason,
                {"reason": reason, "error": type(exc).__name__, "status": exc.status},
                {**action.describe(subject), "status": exc.status},
            )
        except Exception as exc:  # transient, malformed answer, or a bug of ours
            reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
            safe = isinstance(exc, TransientVendorError) and not_delivered(exc)
            if not isinstance(exc, (TransientVendorError, MalformedResponseError)):
                self.log.exception(f"respond: {name} for {event.event_id} failed")
            if action.idempotent or safe:
                retry_at = self.now() + self.backoff(attempts)
                self.log.warning(
                    f"respond: {name} for {event.event_id} failed ({reason}); retry at {retry_at.isoformat()}"
                )
                return self.ledger.finish(
                    event.event_id,
                    name,
                    PENDING,
                    self.now(),
                    detail={"reason": reason, "transient": True},
                    retry_at=retry_at,
                )
            if action.reconciles:
                retry_at = max(self.now() + self.backoff(attempts), attempted_at + self.cfg.reconcile_after)
                self.log.warning(
                    f"respond: {name} for {event.event_id} may have reached {vendor} ({reason}); "
                    f"looked up there at {retry_at.isoformat()} before it is sent again"
                )
                return self.ledger.finish(
                    event.event_id,
                    name,
                    PENDING,
                    self.now(),
                    detail={"reason": reason, "uncertain": True, "attempted_at": attempted_at.isoformat()},
                    retry_at=retry_at,
                )
            reason = f"outcome unknown, not repeated to avoid a duplicate: {reason}"
            return give_up(IN_DOUBT, reason, {"reason": reason})
        return self._record_done(event, name, answer)

    def record(
        self, event: Event, action: Action[Any], subject: Any, *, in_transaction: bool = False, redo: bool = False
    ) -> ActionRecord:
        """A read or a local decision (no vendor write, nothing to claim): work and record it, once.

        `in_transaction`: the work's reads run in the same transaction as its record (the
        round-robin cursor); `redo`: the caller has decided it is to be done again.
        """
        if not redo:
            record = self.ledger.get_action(event.event_id, action.name)
            if record is not None and record.terminal:
                return record
        if in_transaction:
            with self.ledger.atomic():
                return self._record_done(event, action.name, action.work(self, subject))
        return self._record_done(event, action.name, action.work(self, subject))

    def _record_done(self, event: Event, name: str, answer: Done) -> ActionRecord:
        if answer.ref == DRY_RUN_REF:
            return self.ledger.finish(event.event_id, name, DRY_RUN, self.now(), detail=answer.detail)
        with self.ledger.atomic():  # what the act implies (message row, touch) commits with the outcome
            if answer.writes is not None:
                answer.writes()
            return self.ledger.finish(
                event.event_id, name, answer.status or DONE, self.now(), vendor_ref=answer.ref, detail=answer.detail
            )

    def _reconciled(
        self,
        event: Event,
        action: Action[Any],
        subject: Any,
        since: datetime,
        record: ActionRecord | None,
        give_up: Callable[..., ActionRecord],
        *,
        interrupted: bool,
    ) -> ActionRecord | None:
        """The outcome when the look-up settles it (sent, or cannot tell); None: not there, send it."""
        name = action.name
        why = "an earlier attempt stopped mid-call" if interrupted else "an earlier attempt's outcome was unknown"
        if not action.reconciles:
            reason = f"{why}; it may have been sent, so it is not repeated"
            self.log.warning(f"respond: {name} for {event.event_id} in doubt after an interrupted attempt")
            return give_up(IN_DOUBT, reason, {"reason": reason})
        try:
            found = action.reconcile(self, subject, since)
        except VendorError as exc:
            lookups = int((record.detail if record else {}).get("lookups", 0)) + 1
            reason = f"{why}; looking it up at {action.vendor} failed: {exc.reason or exc}"
            if isinstance(exc, PermanentVendorError) or lookups >= MAX_LOOKUPS:
                found = Lookup(Found.UNKNOWN, reason)
            else:
                retry_at = self.now() + self.backoff(lookups)
                self.log.warning(f"respond: {name} for {event.event_id}: {reason}; again at {retry_at.isoformat()}")
                detail = {**(record.detail if record else {}), "uncertain": True, "lookups": lookups, "reason": reason}
                return self.ledger.finish(event.event_id, name, PENDING, self.now(), detail=detail, retry_at=retry_at)
        self.log.info(
            f"respond: {name} for {event.event_id} looked up at {action.vendor}: {found.found}: {found.reason}"
        )
        if found.found is Found.SENT and found.done is not None:
            done = found.done._replace(detail={**found.done.detail, "reconciled": found.reason})
            return self._record_done(event, name, done)
        if found.found is Found.UNKNOWN:
            reason = f"{why}, and {action.vendor} cannot tell whether it arrived ({found.reason}); not repeated"
            return give_up(IN_DOUBT, reason, {"reason": reason})
        return None  # absent: the work sends it

    # -- one event ----------------------------------------------------------------------------
    def finish_event(self, event: Event, outcome: EventOutcome) -> None:
        """Queue the event for a later pass while any of its actions is pending or deferred."""
        recorded = self.ledger.actions(event.event_id)
        open_actions = [a for a in recorded if a.status in (PENDING, DEFERRED, SENDING)]
        outcome.actions = {a.action: a.status for a in recorded}
        if open_actions:
            now = self.now()
            retry_at = min((a.retry_at or now + self.cfg.retry_base) for a in open_actions)
            reasons = ", ".join(f"{a.action} {a.status}" for a in open_actions)
            self.ledger.schedule_retry(event.event_id, event.to_dict(), retry_at, reasons)
        else:
            self.ledger.clear_retry(event.event_id)

    def safe_one(self, event: Event) -> EventOutcome:
        try:
            return self.dispatch(self, event)
        except Exception:
            # one bad event must not block the batch; it waits in the retry queue
            self.log.exception(f"respond: event {event.event_id} failed")
            self.ledger.schedule_retry(event.event_id, event.to_dict(), self.now() + self.cfg.retry_max, "error")
            return EventOutcome(event.event_id, event.kind, event.event_type, "error")

    def run(self, events: Iterable[Any]) -> RespondReport:
        batch = [Event.of(raw) for raw in events]
        lanes: dict[str, list[int]] = {}
        for index, event in enumerate(batch):
            lanes.setdefault(partition_key(event), []).append(index)
        outcomes: list[EventOutcome | None] = [None] * len(batch)

        def run_lane(indexes: list[int]) -> None:
            for index in indexes:
                outcomes[index] = self.safe_one(batch[index])

        if self.cfg.workers <= 1 or len(lanes) <= 1:
            for indexes in lanes.values():
                run_lane(indexes)
        else:
            with ThreadPoolExecutor(
                max_workers=min(self.cfg.workers, len(lanes)), thread_name_prefix="respond"
            ) as pool:
                for future in [pool.submit(run_lane, indexes) for indexes in lanes.values()]:
                    future.result()
        report = RespondReport()
        for outcome in outcomes:
            report.add(outcome)  # type: ignore[arg-type]
        return report


__all__ = ["Runner", "not_delivered", "partition_key"]
