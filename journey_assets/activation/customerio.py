"""Customer.io destinations over the Track API client (`connectors/customerio.py`).

* `customerio_people`: each row identifies a person (id = the primary key) with the mapped attributes, in the
  v2 batch form so every operation gets its own answer (a 207 names the failed `batch_index`es). A remove in
  mirror mode deletes the person. Default mode: upsert (a person who leaves the model keeps their profile).
* `customerio_segment`: a manual segment (`params.segment_id`, made once in Customer.io's UI) kept in step with
  a warehouse segment: adds and removes of ids, 1,000 a call (the documented maximum). Updates have nothing to
  send (membership only) and are accepted as they are.

US or EU is the base URL (JOURNEY_CUSTOMERIO_BASE_URL=https://track-eu.customer.io for an EU workspace), and
the client comes from the caller (`clients["customerio"]`), so this module holds no credentials.

A request that fails as a whole for a transient reason (a 5xx, a dropped connection, rate limits after the
client's own retries) answers every change in it as not accepted and transient: the engine leaves their state
unmoved and the next run sends them again. A refusal of the credentials (401/403) raises: nothing can be sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from journey_assets.activation.contract import Change, Operation, RowResult, Sent
from journey_assets.activation.spec import SyncSpec, SyncSpecError, register_destination
from journey_assets.connectors.customerio import MAX_SEGMENT_IDS, CustomerIOTrackClient, person_identify
from journey_assets.connectors.http import MalformedResponseError, PermanentVendorError, VendorError

# 207 reasons that describe the operation itself (it will fail again unchanged); any other is worth a retry
PERMANENT_REASONS = frozenset({"invalid", "required", "too_large", "parse"})
PEOPLE_BATCH_SIZE = 200  # ~200 identifies of a few hundred bytes: one request well under 500 KB


def _refused(error: VendorError) -> bool:
    return isinstance(error, PermanentVendorError) and getattr(error, "status", None) in (401, 403)


def _all_failed(changes: Sequence[Change], error: VendorError) -> Sent:
    transient = not isinstance(error, PermanentVendorError) or isinstance(error, MalformedResponseError)
    reason = f"{type(error).__name__}: {getattr(error, 'reason', '') or 'no answer'}"[:300]
    return Sent([RowResult(c.primary_key, c.operation, False, reason, transient) for c in changes])


# Customer.io's reserved suppression attribute: the sync sets it, never clears it. A person may unsubscribe in
# Customer.io before its webhook reaches the warehouse (or before the webhooks were set up); a false or empty
# value would resubscribe them. Customer.io lifts it itself when the person subscribes again (decision 1151).
SET_ONLY = frozenset({"unsubscribed"})


def _attributes(change: Change) -> dict[str, Any]:
    """An add leaves out null attributes; an update sends them as "" so a value that became null is cleared
    (identify merges: an attribute left out would keep its old value; Customer.io clears one sent empty).
    `unsubscribed` goes only as true."""
    fields = {k: v for k, v in change.fields.items() if k not in SET_ONLY or v is True}
    if change.operation is Operation.ADD:
        return {k: v for k, v in fields.items() if v is not None}
    return {k: ("" if v is None else v) for k, v in fields.items()}


class CustomerIOPeople:
    name = "customerio_people"

    def __init__(self, client: CustomerIOTrackClient, *, batch_size: int = PEOPLE_BATCH_SIZE):
        self.client = client
        self.batch_size = batch_size

    def prepare(self) -> dict[str, Any]:
        return {"region": "eu" if "track-eu" in self.client.base_url else "us_or_sandbox"}

    def send(self, changes: Sequence[Change]) -> Sent:
        operations = [
            {"type": "person", "identifiers": {"id": c.primary_key}, "action": "delete"}
            if c.operation is Operation.REMOVE
            else person_identify(c.primary_key, _attributes(c))
            for c in changes
        ]
        try:
            answer = self.client.batch(operations)
        except VendorError as error:
            if _refused(error):
                raise
            return _all_failed(changes, error)
        results = [RowResult(changes[i].primary_key, changes[i].operation, True) for i in answer.accepted]
        for problem in answer.errors:
            change = changes[problem.index]
            where = f" ({problem.field})" if problem.field else ""
            results.append(
                RowResult(
                    change.primary_key,
                    change.operation,
                    False,
                    f"{problem.reason}{where}: {problem.message}"[:300],
                    problem.reason not in PERMANENT_REASONS,
                )
            )
        return Sent(results, {"requests": answer.requests})


class CustomerIOSegment:
    name = "customerio_segment"
    batch_size = MAX_SEGMENT_IDS

    def __init__(self, client: CustomerIOTrackClient, segment_id: int):
        self.client = client
        self.segment_id = segment_id

    def prepare(self) -> dict[str, Any]:
        return {"segment_id": self.segment_id}

    def send(self, changes: Sequence[Change]) -> Sent:
        results = [RowResult(c.primary_key, c.operation, True) for c in changes if c.operation is Operation.UPDATE]
        for operation, call in (
            (Operation.ADD, self.client.add_to_segment),
            (Operation.REMOVE, self.client.remove_from_segment),
        ):
            group = [c for c in changes if c.operation is operation]
            if not group:
                continue
            try:
                call(self.segment_id, [c.primary_key for c in group])  # <= 1,000 ids: one call
            except VendorError as error:
                if _refused(error):
                    raise
                results.extend(_all_failed(group, error).results)
                continue
            results.extend(RowResult(c.primary_key, operation, True) for c in group)
        return Sent(results)


def _client(spec: SyncSpec, clients: Mapping[str, Any]) -> CustomerIOTrackClient:
    client = clients.get("customerio")
    if client is None:
        raise SyncSpecError(f"sync {spec.name!r}: no Customer.io Track client was given (clients['customerio'])")
    return client


def _people(spec: SyncSpec, clients: Mapping[str, Any]) -> CustomerIOPeople:
    return CustomerIOPeople(_client(spec, clients), batch_size=int(spec.params.get("batch_size", PEOPLE_BATCH_SIZE)))


def _segment(spec: SyncSpec, clients: Mapping[str, Any]) -> CustomerIOSegment:
    raw = spec.params.get("segment_id")
    try:
        segment_id = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SyncSpecError(
            f"sync {spec.name!r}: params.segment_id must be the manual segment's number, not {raw!r}"
        ) from None
    return CustomerIOSegment(_client(spec, clients), segment_id)


register_destination("customerio_people", _people)
register_destination("customerio_segment", _segment)
