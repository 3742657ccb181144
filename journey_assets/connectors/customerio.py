"""Customer.io: the Track API (people, events, segments, batches) and the App API's transactional sends.

Two hosts, two credentials (docs.customer.io/integrations/api/track and /app):

* `CustomerIOTrackClient`: `https://track.customer.io` (EU `track-eu`), Basic
  auth `site_id:api_key`. Identify `PUT /api/v1/customers/{id}`, events `POST
  /api/v1/customers/{id}/events`, manual segments `POST
  /api/v1/segments/{id}/add_customers|remove_customers` (1,000 ids a call), and
  `POST /api/v2/batch` (under 500 KB a request, 32 KB an operation; 207 with
  `errors[{batch_index, reason, field, message}]` when some operations fail).
* `CustomerIOAppClient`: `https://api.customer.io` (EU `api-eu`), Bearer app
  key. `POST /v1/send/email` and `/v1/send/sms` answer a `delivery_id`.

In the sandbox both base URLs are `<sandbox>/customerio`.

Both sessions use WRITE_RETRY_METHODS: a POST that timed out or met a 5xx is not
repeated inside the call, it raises TransientVendorError and the activation
contract retries it next run. That repeat is harmless because every event this
client sends carries a ULID `id`, which Customer.io uses to deduplicate
(`stable_event_id` derives one from our own key), identify is a PUT, and segment
membership is a set. A 429 is retried for every method (refused before acting).

`batch()` answers per-operation results so the caller can move state for the
accepted operations only.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

from journey_assets.connectors.http import (
    WRITE_RETRY_METHODS,
    BearerTokenClient,
    MalformedResponseError,
    RetryPolicy,
    VendorClient,
    chunked,
    require,
)

TRACK_BASE_URL = "https://track.customer.io"
TRACK_BASE_URL_EU = "https://track-eu.customer.io"
APP_BASE_URL = "https://api.customer.io"
APP_BASE_URL_EU = "https://api-eu.customer.io"

MAX_BATCH_BYTES = 500 * 1000  # documented "smaller than 500kb"; stay under either reading of kb
MAX_OPERATION_BYTES = 32 * 1000
MAX_SEGMENT_IDS = 1000

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _ulid(ms: int, randomness: bytes) -> str:
    value = (ms << 80) | int.from_bytes(randomness[:10], "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def new_event_id() -> str:
    """A fresh ULID for an event Customer.io should deduplicate on."""
    return _ulid(int(time.time() * 1000), os.urandom(10))


def stable_event_id(key: str, occurred_at: datetime) -> str:
    """A ULID that is the same every time for the same key and time, so a re-sent event is deduplicated."""
    return _ulid(int(occurred_at.timestamp() * 1000), hashlib.sha256(key.encode()).digest())


UNAUTHORIZED_HINT = (
    "Customer.io refused the credentials: check the site id and Track API key (Track API) or the App API key "
    "(App API), and the region: an EU workspace answers only at track-eu.customer.io / api-eu.customer.io"
)


def _customerio_reason(response: requests.Response) -> str | None:
    """Customer.io's own words; a 401 (often with an empty body) says what to check."""
    if response.status_code == 401:
        said = _said(response)
        return f"{UNAUTHORIZED_HINT} (Customer.io said: {said})" if said else UNAUTHORIZED_HINT
    return _said(response)


def _said(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or None
    if isinstance(body, dict):
        meta = body.get("meta")
        if isinstance(meta, dict) and meta.get("error"):
            return str(meta["error"])[:500]
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0] if isinstance(errors[0], dict) else {"message": errors[0]}
            keys = ("reason", "field", "message", "detail")  # Track: reason/field/message; App: detail
            return "; ".join(str(first.get(k)) for k in keys if first.get(k))[:500]
    return None


# --- batch operation builders (Track v2 entity operations) -----------------------------
def person_identify(customer_id: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "person",
        "identifiers": {"id": str(customer_id)},
        "action": "identify",
        "attributes": dict(attributes),
    }


def person_event(
    customer_id: str,
    name: str,
    attributes: Mapping[str, Any] | None = None,
    *,
    event_id: str | None = None,
    timestamp: int | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "type": "person",
        "identifiers": {"id": str(customer_id)},
        "action": "event",
        "name": name,
        "id": event_id or new_event_id(),
        "attributes": dict(attributes or {}),
    }
    if timestamp is not None:
        op["timestamp"] = int(timestamp)
    return op


@dataclass(frozen=True)
class BatchError:
    index: int  # position in the operations the caller passed
    reason: str
    field: str | None
    message: str


@dataclass
class BatchResult:
    accepted: list[int] = field(default_factory=list)
    errors: list[BatchError] = field(default_factory=list)
    requests: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class CustomerIOTrackClient(VendorClient):
    vendor = "customerio"

    def __init__(
        self,
        site_id: str,
        api_key: str,
        *,
        base_url: str = TRACK_BASE_URL,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ):
        super().__init__(
            base_url, timeout=timeout, retry=retry, auth=(site_id, api_key), retry_methods=WRITE_RETRY_METHODS
        )

    def identify(self, customer_id: str, attributes: Mapping[str, Any]) -> None:
        """Create or update a person."""
        self.request("PUT", f"/api/v1/customers/{quote(str(customer_id), safe='')}", json=dict(attributes))

    def delete(self, customer_id: str) -> None:
        self.request("DELETE", f"/api/v1/customers/{quote(str(customer_id), safe='')}")

    def track_event(
        self,
        customer_id: str,
        name: str,
        data: Mapping[str, Any] | None = None,
        *,
        event_id: str | None = None,
        timestamp: int | None = None,
    ) -> str:
        """Record an event for a person; answers the event's dedupe id (sent as `id`)."""
        event_id = event_id or new_event_id()
        body: dict[str, Any] = {"name": name, "id": event_id, "data": dict(data or {})}
        if timestamp is not None:
            body["timestamp"] = int(timestamp)
        self.request("POST", f"/api/v1/customers/{quote(str(customer_id), safe='')}/events", json=body)
        return event_id

    def add_to_segment(self, segment_id: int, ids: Sequence[str], *, id_type: str = "id") -> int:
        """Add people to a manual segment, 1,000 ids a call; answers the number of calls made."""
        return self._segment(segment_id, ids, "add_customers", id_type)

    def remove_from_segment(self, segment_id: int, ids: Sequence[str], *, id_type: str = "id") -> int:
        return self._segment(segment_id, ids, "remove_customers", id_type)

    def _segment(self, segment_id: int, ids: Sequence[str], verb: str, id_type: str) -> int:
        calls = 0
        for chunk in chunked([str(i) for i in ids], MAX_SEGMENT_IDS):
            self.request(
                "POST", f"/api/v1/segments/{int(segment_id)}/{verb}", params={"id_type": id_type}, json={"ids": chunk}
            )
            calls += 1
        return calls

    def batch(self, operations: Sequence[Mapping[str, Any]]) -> BatchResult:
        """Send v2 entity operations in as few requests as the size limits allow.

        An operation over 32 KB is not sent (it would be refused) and is reported
        with reason `too_large`. Requests are packed under 500 KB. The result lists
        which operations (by the caller's index) were accepted and which failed.
        """
        result = BatchResult()
        chunk: list[int] = []
        chunk_bytes = len(b'{"batch":[]}')
        for index, op in enumerate(operations):
            size = len(json.dumps(op, separators=(",", ":"), default=str).encode())
            if size > MAX_OPERATION_BYTES:
                result.errors.append(
                    BatchError(index, "too_large", None, f"operation is {size} bytes; the limit is 32 KB")
                )
                continue
            if chunk and chunk_bytes + size + 1 >= MAX_BATCH_BYTES:
                self._send_batch(operations, chunk, result)
                chunk, chunk_bytes = [], len(b'{"batch":[]}')
            chunk.append(index)
            chunk_bytes += size + 1
        if chunk:
            self._send_batch(operations, chunk, result)
        result.errors.sort(key=lambda e: e.index)
        return result

    def _send_batch(self, operations: Sequence[Mapping[str, Any]], indexes: list[int], result: BatchResult) -> None:
        body = json.dumps({"batch": [operations[i] for i in indexes]}, separators=(",", ":"), default=str)
        response = self.request(
            "POST", "/api/v2/batch", data=body.encode(), headers={"Content-Type": "application/json"}
        )
        result.requests += 1
        if response.status_code == 207:
            payload = self.parse_json(response, "/api/v2/batch")
            errors = require(payload, "errors", self.vendor, "/api/v2/batch 207")
            failed: set[int] = set()
            for error in errors if isinstance(errors, list) else []:
                position = error.get("batch_index") if isinstance(error, dict) else None
                if not isinstance(position, int) or not 0 <= position < len(indexes):
                    raise MalformedResponseError(self.vendor, f"/api/v2/batch 207: bad batch_index {position!r}")
                failed.add(position)
                reason, message = str(error.get("reason") or "unknown"), str(error.get("message") or "")
                result.errors.append(BatchError(indexes[position], reason, error.get("field") or None, message))
            result.accepted.extend(i for n, i in enumerate(indexes) if n not in failed)
        else:
            result.accepted.extend(indexes)

    def error_reason(self, response: requests.Response) -> str:
        return _customerio_reason(response) or super().error_reason(response)


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    queued_at: int | None


class CustomerIOAppClient(BearerTokenClient):
    vendor = "customerio"

    def __init__(self, app_api_key: str, *, base_url: str = APP_BASE_URL, **kwargs: Any):
        super().__init__(base_url, app_api_key, **kwargs)

    def send_email(
        self,
        transactional_message_id: int | str,
        to: str,
        identifiers: Mapping[str, str],
        message_data: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Delivery:
        """Send a transactional email; `identifiers` is exactly one of {id|email|cio_id: value}."""
        return self._send("email", transactional_message_id, to, identifiers, message_data, options)

    def send_sms(
        self,
        transactional_message_id: int | str,
        to: str,
        identifiers: Mapping[str, str],
        message_data: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Delivery:
        """Send a transactional SMS to an E.164 number."""
        return self._send("sms", transactional_message_id, to, identifiers, message_data, options)

    def _send(
        self,
        channel: str,
        transactional_message_id: int | str,
        to: str,
        identifiers: Mapping[str, str],
        message_data: Mapping[str, Any] | None,
        options: Mapping[str, Any],
    ) -> Delivery:
        if len([k for k in ("id", "email", "cio_id") if identifiers.get(k)]) != 1:
            raise ValueError("identifiers needs exactly one of id, email, cio_id")
        body = {
            "transactional_message_id": transactional_message_id,
            "to": to,
            "identifiers": dict(identifiers),
            "message_data": dict(message_data or {}),
            **options,
        }
        payload = self.post_json(f"/v1/send/{channel}", json=body)
        delivery_id = require(payload, "delivery_id", self.vendor, f"/v1/send/{channel}")
        return Delivery(str(delivery_id), payload.get("queued_at"))

    def error_reason(self, response: requests.Response) -> str:
        return _customerio_reason(response) or super().error_reason(response)


def operations_for_people(rows: Iterable[Mapping[str, Any]], id_column: str = "customer_id") -> list[dict[str, Any]]:
    """Identify operations from desired-state rows: every column but the id becomes an attribute."""
    return [person_identify(row[id_column], {k: v for k, v in row.items() if k != id_column}) for row in rows]
