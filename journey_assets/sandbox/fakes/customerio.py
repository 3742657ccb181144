"""Customer.io Track API and App API (transactional send), as the sandbox plays them.

Implemented from Customer.io's public API reference, independently of our client:

* Track API v1 (Basic auth `site_id:api_key`): identify `PUT
  /api/v1/customers/{id}`, delete `DELETE /api/v1/customers/{id}`, events `POST
  /api/v1/customers/{id}/events` (`name` required, optional ULID `id` used to
  deduplicate), manual segments `POST /api/v1/segments/{segment_id}/add_customers`
  and `/remove_customers` (`{"ids": [...]}`, at most 1,000, `?id_type=id|email|cio_id`).
  https://docs.customer.io/api/track/
  Identify limits and their error texts (`{"meta": {"error": ...}}`, 400):
  https://docs.customer.io/journeys/invalid-api-requests
* Track API v2 batch `POST /api/v2/batch` `{"batch": [entity operation, ...]}`:
  under 500 KB a request, 32 KB an operation; 200 `{}` when all are accepted,
  207 `{"errors": [{"batch_index", "reason", "field", "message"}]}` when some are
  invalid (the others are accepted), 400 when the whole request is malformed.
  https://docs.customer.io/integrations/api/track/tag/track_v2/
* App API (Bearer app key) transactional `POST /v1/send/email` and `/v1/send/sms`
  with `transactional_message_id`, `to`, `identifiers` (exactly one of `id`,
  `email`, `cio_id`), `message_data`; answers `{"delivery_id", "queued_at"}`.
  https://docs.customer.io/integrations/api/app/tag/send-messages/sendSMS/

The sandbox has one URL prefix a vendor, so both APIs are served from here and
their paths tell them apart: track base = `<sandbox>/customerio` (stands in for
`https://track.customer.io`), app base = `<sandbox>/customerio` (stands in for
`https://api.customer.io`).

Fault `partial` on a batch: every operation at an odd `batch_index` that passed
validation is rejected with reason `unavailable` (and not applied), so a test
sees a 207 mixing injected and real validation errors.

Credentials default to sandbox values, overridable with env vars
`JOURNEY_SANDBOX_CUSTOMERIO_SITE_ID`, `_API_KEY` (track) and `_APP_API_KEY` (app).

Reporting webhooks (`customerio_reporting.py`): with a webhook URL configured
(`JOURNEY_SANDBOX_CUSTOMERIO_WEBHOOK_URL`, or `configure_reporting()`), every email the App API accepts is
reported to it (sent, delivered, and an open and a click drawn from the delivery id), signed with the
webhook signing key (`JOURNEY_SANDBOX_CUSTOMERIO_WEBHOOK_SIGNING_KEY`).
State (people, events, segment members, deliveries) is kept in memory for tests
and the demo to inspect.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import phonenumbers

from journey_assets.sandbox.fakes.customerio_reporting import ReportingWebhooks, delivery_events
from journey_assets.sandbox.server import FakeVendor, SandboxRequest, SandboxResponse, route

DEFAULT_SITE_ID = "sandbox-site-id"
DEFAULT_API_KEY = "sandbox-track-api-key"
DEFAULT_APP_API_KEY = "sandbox-app-api-key"

MAX_BATCH_BYTES = 500 * 1024
MAX_OPERATION_BYTES = 32 * 1024
MAX_SEGMENT_IDS = 1000
MAX_ATTRIBUTES = 300
MAX_ATTRIBUTE_NAME_BYTES = 150
MAX_ATTRIBUTE_VALUE_BYTES = 1000

PERSON_ACTIONS = frozenset(
    {
        "identify",
        "delete",
        "event",
        "screen",
        "page",
        "add_relationships",
        "delete_relationships",
        "add_device",
        "delete_device",
        "merge",
        "suppress",
        "unsuppress",
    }
)
OBJECT_ACTIONS = frozenset({"identify", "identify_anonymous", "delete", "add_relationships", "delete_relationships"})
DELIVERY_METRICS = frozenset({"opened", "converted", "delivered"})
PERSON_IDENTIFIERS = ("id", "email", "cio_id")


def _meta_error(status: int, message: str) -> SandboxResponse:
    return SandboxResponse(status, {"meta": {"error": message}})


def _json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


def _attribute_problem(attributes: dict[str, Any]) -> str | None:
    """Customer.io's identify limits, in its own words."""
    if len(attributes) > MAX_ATTRIBUTES:
        return f"cannot identify more than {MAX_ATTRIBUTES} attributes in one request"
    for name, value in attributes.items():
        if len(name.encode()) > MAX_ATTRIBUTE_NAME_BYTES:
            return f"attribute name cannot be longer than {MAX_ATTRIBUTE_NAME_BYTES} bytes"
        rendered = value if isinstance(value, str) else json.dumps(value)
        if len(rendered.encode()) > MAX_ATTRIBUTE_VALUE_BYTES:
            return f"value for attribute '{name}' cannot be longer than {MAX_ATTRIBUTE_VALUE_BYTES} bytes"
    return None


class CustomerIOFake(FakeVendor):
    name = "customerio"

    def __init__(
        self, world: Any, *, site_id: str | None = None, api_key: str | None = None, app_api_key: str | None = None
    ):
        super().__init__(world)
        env = os.environ.get
        self.site_id = site_id or env("JOURNEY_SANDBOX_CUSTOMERIO_SITE_ID") or DEFAULT_SITE_ID
        self.api_key = api_key or env("JOURNEY_SANDBOX_CUSTOMERIO_API_KEY") or DEFAULT_API_KEY
        self.app_api_key = app_api_key or env("JOURNEY_SANDBOX_CUSTOMERIO_APP_API_KEY") or DEFAULT_APP_API_KEY
        self.people: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.segments: dict[int, set[str]] = {}
        self.deliveries: list[dict[str, Any]] = []
        self.suppressed: set[str] = set()
        self._event_ids: set[str] = set()
        self._lock = threading.RLock()
        self._counter = itertools.count(1)
        url = env("JOURNEY_SANDBOX_CUSTOMERIO_WEBHOOK_URL")
        self.reporting: ReportingWebhooks | None = ReportingWebhooks(url) if url else None

    def configure_reporting(self, url: str | None, key: str | None = None) -> ReportingWebhooks | None:
        """Report accepted emails to `url` (None: stop reporting)."""
        if self.reporting is not None:
            self.reporting.close()
        self.reporting = ReportingWebhooks(url, key) if url else None
        return self.reporting

    # --- auth ---------------------------------------------------------------
    @staticmethod
    def _header(request: SandboxRequest, name: str) -> str:
        for key, value in request.headers.items():
            if key.lower() == name.lower():
                return value
        return ""

    def _track_denied(self, request: SandboxRequest) -> SandboxResponse | None:
        scheme, _, encoded = self._header(request, "Authorization").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            user = password = ""
        if scheme.lower() != "basic" or not (
            hmac.compare_digest(user.encode(), self.site_id.encode())
            and hmac.compare_digest(password.encode(), self.api_key.encode())
        ):
            return _meta_error(401, "Unauthorized request. Make sure that you provided the right credentials.")
        return None

    def _app_denied(self, request: SandboxRequest) -> SandboxResponse | None:
        scheme, _, token = self._header(request, "Authorization").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), self.app_api_key.encode()):
            return _meta_error(401, "Unauthorized request. Make sure that you provided the right credentials.")
        return None

    def _body(self, request: SandboxRequest) -> tuple[Any, SandboxResponse | None]:
        try:
            return request.json(), None
        except (ValueError, UnicodeDecodeError):
            return None, _meta_error(400, "request body is not valid JSON")

    # --- Track v1 -------------------------------------------------------------
    @route("PUT", r"/api/v1/customers/(?P<customer_id>[^/]+)")
    def identify(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._track_denied(request)
        if denied:
            return denied
        customer_id = unquote(request.params["customer_id"]).strip()
        if not customer_id:
            return _meta_error(400, "id attribute cannot be an empty string")
        attributes, bad = self._body(request)
        if bad:
            return bad
        attributes = attributes or {}
        if not isinstance(attributes, dict):
            return _meta_error(400, "request body must be a JSON object of attributes")
        problem = _attribute_problem(attributes)
        if problem:
            return _meta_error(400, problem)
        with self._lock:
            self.people.setdefault(customer_id, {}).update(attributes)
        return SandboxResponse(200, {})

    @route("DELETE", r"/api/v1/customers/(?P<customer_id>[^/]+)")
    def delete_customer(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._track_denied(request)
        if denied:
            return denied
        with self._lock:
            self.people.pop(unquote(request.params["customer_id"]), None)
        return SandboxResponse(200, {})

    @route("POST", r"/api/v1/customers/(?P<customer_id>[^/]+)/events")
    def track_event(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._track_denied(request)
        if denied:
            return denied
        body, bad = self._body(request)
        if bad:
            return bad
        if not isinstance(body, dict) or not str(body.get("name") or "").strip():
            return _meta_error(400, "name cannot be blank")
        customer_id = unquote(request.params["customer_id"])
        self._record_event(customer_id, body["name"], body.get("data") or {}, body.get("id"), body.get("timestamp"))
        return SandboxResponse(200, {})

    def _record_event(self, customer_id: str, name: str, data: dict, event_id: str | None, timestamp: Any) -> None:
        with self._lock:
            if event_id and event_id in self._event_ids:
                return  # Customer.io deduplicates events that repeat an id
            if event_id:
                self._event_ids.add(event_id)
            self.events.append(
                {
                    "customer_id": customer_id,
                    "name": name,
                    "data": data,
                    "id": event_id,
                    "timestamp": timestamp or int(time.time()),
                }
            )

    def _segment_change(self, request: SandboxRequest, add: bool) -> SandboxResponse:
        denied = self._track_denied(request)
        if denied:
            return denied
        body, bad = self._body(request)
        if bad:
            return bad
        ids = body.get("ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, (str, int)) for i in ids):
            return _meta_error(400, "ids must be an array of customer identifiers")
        if len(ids) > MAX_SEGMENT_IDS:
            return _meta_error(400, f"cannot add or remove more than {MAX_SEGMENT_IDS} ids in one request")
        id_type = request.arg("id_type", "id")
        if id_type not in PERSON_IDENTIFIERS:
            return _meta_error(400, "id_type must be one of id, email, cio_id")
        with self._lock:
            members = self.segments.setdefault(int(request.params["segment_id"]), set())
            if add:
                members.update(str(i) for i in ids)
            else:
                members.difference_update(str(i) for i in ids)
        return SandboxResponse(200, {})

    @route("POST", r"/api/v1/segments/(?P<segment_id>\d+)/add_customers")
    def add_customers(self, request: SandboxRequest) -> SandboxResponse:
        return self._segment_change(request, add=True)

    @route("POST", r"/api/v1/segments/(?P<segment_id>\d+)/remove_customers")
    def remove_customers(self, request: SandboxRequest) -> SandboxResponse:
        return self._segment_change(request, add=False)

    # --- Track v2 batch -----------------------------------------------------------
    @route("POST", r"/api/v2/batch")
    def batch(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._track_denied(request)
        if denied:
            return denied
        if len(request.body) >= MAX_BATCH_BYTES:
            return SandboxResponse(
                413,
                {
                    "errors": [
                        {"reason": "too_large", "field": "", "message": "batch request must be smaller than 500kb"}
                    ]
                },
            )
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            return SandboxResponse(
                400, {"errors": [{"reason": "invalid", "field": "", "message": "request body is not valid JSON"}]}
            )
        operations = body.get("batch") if isinstance(body, dict) else None
        if not isinstance(operations, list) or not operations:
            problem = {"reason": "required", "field": "batch", "message": "batch must be a non-empty array"}
            return SandboxResponse(400, {"errors": [problem]})
        errors = []
        for index, operation in enumerate(operations):
            problem = self._operation_problem(operation)
            if problem is None and request.fault == "partial" and index % 2 == 1:
                problem = ("unavailable", "", "sandbox injected partial failure; retry this operation")
            if problem:
                reason, field, message = problem
                errors.append({"batch_index": index, "reason": reason, "field": field, "message": message})
            else:
                self._apply(operation)
        if errors:
            return SandboxResponse(207, {"errors": errors})
        return SandboxResponse(200, {})

    def _operation_problem(self, op: Any) -> tuple[str, str, str] | None:
        if not isinstance(op, dict):
            return ("invalid", "", "each batch item must be an object")
        if _json_size(op) > MAX_OPERATION_BYTES:
            return ("too_large", "", "each request in a batch must be 32kb or smaller")
        kind, action, identifiers = op.get("type"), op.get("action"), op.get("identifiers")
        if kind not in ("person", "object", "delivery"):
            return ("invalid", "type", "type must be one of person, object, delivery")
        if not isinstance(identifiers, dict):
            return ("required", "identifiers", "identifiers is required")
        if kind == "person":
            present = [k for k in PERSON_IDENTIFIERS if identifiers.get(k) not in (None, "")]
            if len(present) != 1:
                return ("invalid", "identifiers", "identifiers must contain exactly one of id, email, cio_id")
            if action not in PERSON_ACTIONS:
                return ("invalid", "action", f"action {action!r} is not valid for a person")
        elif kind == "object":
            if not identifiers.get("object_type_id") or not identifiers.get("object_id"):
                return ("required", "identifiers", "identifiers needs object_type_id and object_id")
            if action not in OBJECT_ACTIONS:
                return ("invalid", "action", f"action {action!r} is not valid for an object")
        else:
            if action != "event" or op.get("name") not in DELIVERY_METRICS or not identifiers.get("id"):
                return ("invalid", "name", "a delivery operation is an event named opened, converted or delivered")
        if action in ("event", "screen", "page") and not str(op.get("name") or "").strip():
            return ("required", "name", "name cannot be blank")
        attributes = op.get("attributes")
        if attributes is not None and not isinstance(attributes, dict):
            return ("invalid", "attributes", "attributes must be an object")
        if action == "identify" and attributes:
            problem = _attribute_problem(attributes)
            if problem:
                return ("invalid", "attributes", problem)
        return None

    def _apply(self, op: dict[str, Any]) -> None:
        if op["type"] != "person":
            return
        key = next(str(op["identifiers"][k]) for k in PERSON_IDENTIFIERS if op["identifiers"].get(k) not in (None, ""))
        with self._lock:
            if op["action"] == "identify":
                self.people.setdefault(key, {}).update(op.get("attributes") or {})
            elif op["action"] == "delete":
                self.people.pop(key, None)
            elif op["action"] == "suppress":
                self.suppressed.add(key)
            elif op["action"] == "unsuppress":
                self.suppressed.discard(key)
        if op["action"] in ("event", "screen", "page"):
            self._record_event(key, op["name"], op.get("attributes") or {}, op.get("id"), op.get("timestamp"))

    # --- App API: transactional -----------------------------------------------------
    def _send(self, request: SandboxRequest, channel: str) -> SandboxResponse:
        denied = self._app_denied(request)
        if denied:
            return denied
        body, bad = self._body(request)
        if bad:
            return bad
        if not isinstance(body, dict):
            return _meta_error(400, "request body must be a JSON object")
        if body.get("transactional_message_id") in (None, ""):
            return _meta_error(400, "transactional_message_id is required")
        identifiers = body.get("identifiers")
        present = [
            k for k in PERSON_IDENTIFIERS if isinstance(identifiers, dict) and identifiers.get(k) not in (None, "")
        ]
        if len(present) != 1:
            return _meta_error(400, "identifiers must contain one, and only one, of id, email, cio_id")
        to = str(body.get("to") or "").strip()
        if not to:
            return _meta_error(400, "to is required")
        if channel == "sms":
            try:
                valid = phonenumbers.is_valid_number(phonenumbers.parse(to, None))
            except phonenumbers.NumberParseException:
                valid = False
            if not valid:
                return _meta_error(400, f"to must be a phone number in E.164 format, got {to!r}")
        elif "@" not in to:
            return _meta_error(400, f"to must be an email address, got {to!r}")
        message_data = body.get("message_data") or {}
        if not isinstance(message_data, dict):
            return _meta_error(400, "message_data must be an object")
        queued_at = int(time.time())
        raw_id = f"{channel}:{next(self._counter)}:{time.time_ns()}".encode()
        delivery_id = base64.urlsafe_b64encode(hashlib.sha256(raw_id).digest()[:18]).decode()
        with self._lock:
            self.deliveries.append(
                {
                    "delivery_id": delivery_id,
                    "channel": channel,
                    "transactional_message_id": body["transactional_message_id"],
                    "to": to,
                    "identifiers": identifiers,
                    "message_data": message_data,
                    "queued_at": queued_at,
                }
            )
        if channel == "email" and self.reporting is not None:
            person = str(identifiers.get("id") or identifiers.get("cio_id") or identifiers.get("email"))
            at = datetime.fromtimestamp(queued_at, UTC)
            self.reporting.enqueue(delivery_events(delivery_id, person, to, body["transactional_message_id"], at))
        return SandboxResponse(200, {"delivery_id": delivery_id, "queued_at": queued_at})

    @route("POST", r"/v1/send/email")
    def send_email(self, request: SandboxRequest) -> SandboxResponse:
        return self._send(request, "email")

    @route("POST", r"/v1/send/sms")
    def send_sms(self, request: SandboxRequest) -> SandboxResponse:
        return self._send(request, "sms")
