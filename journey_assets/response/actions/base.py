"""The one shape every action has.

An action is a name (the ledger's `action` column), the vendor it calls, whether
a repeat is harmless at that vendor (`idempotent`: an external id, a metadata
key, a duplicate alert beats a missing one), the work (decide, call, answer
`Done`, or raise `Refused`), and how it is described in the ledger and dead
letters (`describe`, PII-free). An action that is not idempotent may say how to
find out at the vendor whether an uncertain attempt went through (`reconcile`);
the runner uses it instead of giving up.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from journey_assets.response.model import Done

if TYPE_CHECKING:
    from journey_assets.response.runner import Runner

Subject = TypeVar("Subject")


class Found(StrEnum):
    SENT = "sent"  # the vendor has it: record it as done, do not send again
    ABSENT = "absent"  # the vendor says it never arrived: send it
    UNKNOWN = "unknown"  # the vendor cannot tell: dead-letter in doubt


@dataclass(frozen=True)
class Lookup:
    found: Found
    reason: str
    done: Done | None = None  # when sent: the vendor's reference and what to record
    detail: dict[str, Any] = field(default_factory=dict)


class Action(ABC, Generic[Subject]):
    name: ClassVar[str]
    vendor: ClassVar[str]
    idempotent: ClassVar[bool]
    reconciles: ClassVar[bool] = False  # implements `reconcile`

    def describe(self, subject: Subject) -> dict[str, Any]:
        """What would be sent, for dry-run logs and dead letters; never personal data."""
        return {}

    @abstractmethod
    def work(self, run: Runner, subject: Subject) -> Done:
        """Decide and act: answer `Done`, or raise `Refused` (skipped, deferred, failed) or a vendor error."""

    def reconcile(self, run: Runner, subject: Subject, since: datetime) -> Lookup:
        """Did an uncertain attempt made at or after `since` reach the vendor?"""
        return Lookup(Found.UNKNOWN, f"{self.vendor} offers no way to look this up")
