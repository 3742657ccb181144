"""`journey respond`: the long-running responder, a follower of the intake's event store.

The Dagster path (a sensor tick every 2 s, then a run whose process takes about 9 s to start on 2
cores) puts 11-17 s between a lead's 2xx and its SMS; the workflow itself takes a quarter of a second.
This process keeps the workflow loaded and answers each event as soon as it is committed: it reads the
store by cursor every `poll` seconds (a SQLite or Postgres read of an index range; nothing new costs
one cheap query) and runs the SAME `respond` the job runs, with deps from the same builder
(`defs/respond/deps.py`). The ledger makes a second pass harmless (each (event, action) is claimed
once), so the sensor and job stay as the catch-up path (docs/decisions/1301).

Its cursor and heartbeat are durable in the ledger's `consumers` table (row `name`): the cursor moves
only after a batch's `respond` returned, so a crash re-reads at most that batch (and the ledger sends
nothing twice); the heartbeat, written at least every `heartbeat_every` seconds, tells the sensor the
responder is alive, and the sensor then leaves fresh events to it. Due retries (quiet hours over, a
backoff elapsed) are passed over every `retry_every` seconds. A failure (the store or the ledger
unreachable) is logged and retried after a pause, never skipped past.

Stops cleanly: `stop` (a `threading.Event`, set by the CLI's SIGTERM/SIGINT handler) ends the loop
between batches, so an event in flight finishes its actions first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from journey_assets.intake.store import EventStore
from journey_assets.response.ledger import ResponseLedger
from journey_assets.response.model import ResponseDeps
from journey_assets.response.workflow import respond, respond_due

log = logging.getLogger(__name__)

DEFAULT_NAME = "responder"
# The sensor treats a heartbeat younger than this as a live responder (defs/respond/sensor.py).
FRESH_WITHIN_SECONDS = 10.0


@dataclass
class FollowerStats:
    batches: int = 0
    events: int = 0
    retry_passes: int = 0
    errors: int = 0
    results: dict[str, int] = field(default_factory=dict)


class Follower:
    """Follows `store` from the cursor the ledger keeps for `name` and answers each new event at once."""

    def __init__(
        self,
        store: EventStore,
        deps: ResponseDeps,
        *,
        name: str = DEFAULT_NAME,
        poll: float = 0.1,
        batch_size: int = 100,
        heartbeat_every: float = 1.0,
        retry_every: float = 30.0,
        error_pause: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        if poll <= 0 or batch_size <= 0:
            raise ValueError("poll and batch_size must be positive")
        self.store, self.deps, self.name = store, deps, name
        self.poll, self.batch_size = poll, batch_size
        self.heartbeat_every, self.retry_every, self.error_pause = heartbeat_every, retry_every, error_pause
        self._clock = clock
        self.stats = FollowerStats()
        self.cursor: str | None = None

    @property
    def ledger(self) -> ResponseLedger:
        return self.deps.ledger

    def start_position(self) -> str | None:
        """The cursor on record (None: the store's beginning; the workflow skips leads past `max_event_age`)."""
        record = self.ledger.consumer(self.name)
        return record.position if record else None

    def step(self) -> int:
        """Read one batch after the cursor and answer it; the cursor moves after `respond` returned. Events read."""
        events, next_cursor = self.store.read_since(self.cursor, self.batch_size)
        if not events:
            return 0
        report = respond(events, self.deps)
        self.ledger.save_consumer(self.name, self.deps.now(), position=next_cursor)
        self.cursor = next_cursor
        self.stats.batches += 1
        self.stats.events += len(events)
        for result, count in report.results().items():
            self.stats.results[result] = self.stats.results.get(result, 0) + count
        log.info(
            "respond: %d event(s) up to seq %d: %s", len(events), events[-1].seq, report.results() or "nothing to do"
        )
        return len(events)

    def run(self, stop: threading.Event) -> FollowerStats:
        """Follow until `stop` is set."""
        self.cursor = self.start_position()
        self.ledger.save_consumer(self.name, self.deps.now())
        last_beat = last_retry = self._clock()
        log.info("respond: following %r as %r from %s", self.store, self.name, self.cursor or "the beginning")
        while not stop.is_set():
            try:
                if self.step():
                    last_beat = self._clock()  # moving the cursor beat the heartbeat too
                    continue  # more may be waiting: no sleep between batches
                now = self._clock()
                if now - last_retry >= self.retry_every:
                    last_retry = now
                    report = respond_due(self.deps)
                    self.stats.retry_passes += 1
                    if report.events:
                        log.info("respond: retries due: %s", report.results())
                if now - last_beat >= self.heartbeat_every:
                    self.ledger.save_consumer(self.name, self.deps.now())
                    last_beat = now
            except Exception:  # the store or the ledger unreachable: never skip past, try the same batch again
                self.stats.errors += 1
                log.exception("respond: a pass failed; trying again in %.1f s", self.error_pause)
                stop.wait(self.error_pause)
                continue
            stop.wait(self.poll)
        log.info("respond: stopped after %d event(s) in %d batch(es)", self.stats.events, self.stats.batches)
        return self.stats


__all__ = ["DEFAULT_NAME", "FRESH_WITHIN_SECONDS", "Follower", "FollowerStats"]
