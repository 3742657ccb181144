"""What the sync engine and a destination say to each other (no I/O here).

A sync's run diffs the desired rows (a warehouse model) against the rows the destination last *accepted*
(kept in `ops`), and hands the destination `Change`s in its batch size. The destination answers one
`RowResult` per change, accepted or not with the vendor's reason; the engine moves the state only for
accepted rows and writes every result to `ops.sync_changelog`. A destination never keeps state of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class Operation(StrEnum):
    ADD = "add"  # in the desired rows, never accepted by the destination
    UPDATE = "update"  # accepted before, with other field values
    REMOVE = "remove"  # accepted before, no longer desired


class Mode(StrEnum):
    """Which operations a sync sends (RudderStack's reverse-ETL modes)."""

    UPSERT = "upsert"  # adds and updates; a row that leaves the model stays at the destination
    MIRROR = "mirror"  # adds, updates and removes: the destination holds exactly the model's rows
    ADDITIVE = "additive"  # adds only

    def sends(self, operation: Operation) -> bool:
        if self is Mode.ADDITIVE:
            return operation is Operation.ADD
        if self is Mode.UPSERT:
            return operation is not Operation.REMOVE
        return True


@dataclass(frozen=True)
class Change:
    primary_key: str
    operation: Operation
    # the mapped fields: the desired values for an add or update; for a remove, the values the destination
    # last accepted (Meta removes a member by the same hashed identifiers it was added with)
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class RowResult:
    primary_key: str
    operation: Operation
    accepted: bool
    error: str | None = None  # the vendor's reason when not accepted; never a secret or raw PII
    transient: bool = False  # worth retrying next run unchanged (a 5xx after retries, a rate limit)


@dataclass
class Sent:
    """One destination call's answer: a result for every change it was given, in any order."""

    results: list[RowResult]
    metrics: dict[str, Any] = field(default_factory=dict)  # e.g. num_invalid_entries, match_rate


@runtime_checkable
class Destination(Protocol):
    """A vendor object a sync writes to: Customer.io people, a Customer.io segment, a Meta custom audience."""

    name: str  # e.g. "customerio_people", "meta_audience"
    batch_size: int  # changes per `send` (the vendor's own limit, or less)

    def prepare(self) -> dict[str, Any]:
        """Before the first send of a run: create what is missing (an audience), answer facts for metadata."""
        ...

    def send(self, changes: Sequence[Change]) -> Sent:
        """Apply the changes; raise only when nothing could be sent (auth refused, the vendor down after retries)."""
        ...


@runtime_checkable
class FullRefresh(Protocol):
    """A destination that can replace its whole membership at once (Meta's replace session)."""

    def replace(self, desired: Sequence[Change], leaving: Sequence[Change] = ()) -> Sent:
        """Make the destination hold exactly `desired` (all adds); results are per desired row, and may answer
        `leaving` (REMOVEs with the accepted fields: the members no longer desired) too, which the engine
        otherwise counts removed by the replace. One audience per ad account needs them: an account with
        no desired row left gets no replace, so its leaving members are removed by a send."""
        ...
