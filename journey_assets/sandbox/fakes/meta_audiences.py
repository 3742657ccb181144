"""Meta custom audiences (customer lists), as the sandbox plays them; mixed into `MetaFake`.

Implemented from Meta's documentation, not from our client
(developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences,
marketing-api/reference/custom-audience/users and /usersreplace, custom-audience-session):

* `POST /act_{id}/customaudiences` with `name`, `subtype=CUSTOM`, `description`,
  `customer_file_source` -> `{"id"}`; `GET /act_{id}/customaudiences?fields=..` lists them
  (cursor paging; `filtering=[{"field": "name", "operator": "EQUAL", "value": ..}]` narrows by name).
* `GET /{audience_id}?fields=id,name,approximate_count_lower_bound,approximate_count_upper_bound,
  operation_status,delivery_status` (answered by `MetaFake.get_object`).
* `POST /{audience_id}/users` adds, `DELETE` (or POST with `method=DELETE`) removes:
  `payload = {schema, data}` (form field holding JSON, or a JSON body), optional `session =
  {session_id, batch_seq, last_batch_flag, estimated_num_total}`; at most 10,000 rows a request.
  Answer: `{audience_id, session_id, num_received, num_invalid_entries, invalid_entry_samples}`.
* `POST /{audience_id}/usersreplace` with `payload` and a required `session`: the first batch opens a
  replace; the audience holds exactly the session's rows once `last_batch_flag` arrives. While it
  runs, `/users` and another session's replace are refused: code 2650, subcode 1870145 ("update in
  progress"); a batch of a session older than 90 minutes: 2650 / 1870158 ("session timed out").

Invalid rows (a hashed key whose value is not lowercase SHA-256 hex, i.e. unhashed data; a row whose
length is not the schema's; a row with no value at all) are counted in `num_invalid_entries`, sampled
in `invalid_entry_samples` and not applied. A bad or unknown schema, a payload that is not JSON and
more than 10,000 rows are code 100 errors for the whole request.

Delivery: an audience with fewer than `targetable_minimum` members (Meta: about 100 matched people)
answers `delivery_status {code: 300, "audience is too small"}`, else 200. Every valid row "matches"
unless `match_share` (0..1) says otherwise (decided by the row's hash, so reruns agree).

State inspection: `GET /meta/_sandbox/audiences` (every audience, its members' count and sessions).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from journey_assets.sandbox.server import SandboxRequest, SandboxResponse, route

VERSION = r"/v(?P<version>\d+\.\d+)"
MAX_USERS = 10_000
SESSION_SECONDS = 90 * 60
MULTI_KEYS = (
    "EXTERN_ID",
    "EMAIL",
    "PHONE",
    "GEN",
    "DOBY",
    "DOBM",
    "DOBD",
    "LN",
    "FN",
    "FI",
    "CT",
    "ST",
    "ZIP",
    "MADID",
    "COUNTRY",
)
SINGLE_KEYS = {"EMAIL_SHA256": "EMAIL", "PHONE_SHA256": "PHONE", "MOBILE_ADVERTISER_ID": "MADID"}
UNHASHED = frozenset({"EXTERN_ID", "MADID"})
FILE_SOURCES = frozenset({"USER_PROVIDED_ONLY", "PARTNER_PROVIDED_ONLY", "BOTH_USER_AND_PARTNER_PROVIDED"})
UPDATE_IN_PROGRESS = (2650, 1870145)
SESSION_TIMED_OUT = (2650, 1870158)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class ReplaceSession:
    session_id: int
    started: float
    batches: set[int] = field(default_factory=set)
    rows: set[frozenset] = field(default_factory=set)
    received: int = 0
    invalid: int = 0
    estimated_num_total: int | None = None


@dataclass
class Audience:
    id: str
    account: str
    name: str
    description: str
    customer_file_source: str
    members: set[frozenset] = field(default_factory=set)
    replace: ReplaceSession | None = None
    sessions: dict[int, dict[str, Any]] = field(default_factory=dict)  # upload sessions seen, for inspection


def _error(status: int, message: str, code: int, subcode: int | None = None) -> SandboxResponse:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "sandbox-audiences"
    return SandboxResponse(status, {"error": error})


def _params(request: SandboxRequest) -> dict[str, Any]:
    """Graph takes parameters in the query, a form body or a JSON body."""
    params: dict[str, Any] = {k: v[0] for k, v in request.query.items()}
    if request.body:
        content_type = (request.headers.get("Content-Type") or request.headers.get("content-type") or "").lower()
        if "json" in content_type:
            body = request.json()
            if isinstance(body, dict):
                params.update(body)
        else:
            params.update(request.form())
    return params


def _json_param(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


class MetaAudiencesMixin:
    """The custom-audience endpoints; `MetaFake` inherits them (one `/meta` prefix for the sandbox)."""

    name: str
    targetable_minimum: int
    match_share: float
    session_seconds: float
    clock: Any

    def _init_audiences(self) -> None:
        self.targetable_minimum = 100
        self.match_share = 1.0
        self.session_seconds = SESSION_SECONDS
        self.clock = time.monotonic  # a test may move time on to expire a session
        self.audiences: dict[str, Audience] = {}
        self._audience_ids = itertools.count(23_850_000_000_000_001)
        self._audience_lock = threading.RLock()

    # --- helpers ------------------------------------------------------------
    def _matched(self, member: frozenset) -> bool:
        if self.match_share >= 1:
            return True
        digest = hashlib.sha256(repr(sorted(member)).encode()).digest()
        return digest[0] / 256 < self.match_share

    def audience_body(self, audience: Audience, fields: list[str]) -> dict[str, Any]:
        count = sum(1 for m in audience.members if self._matched(m))
        small = count < self.targetable_minimum
        full: dict[str, Any] = {
            "id": audience.id,
            "account_id": audience.account,
            "name": audience.name,
            "description": audience.description,
            "subtype": "CUSTOM",
            "customer_file_source": audience.customer_file_source,
            "approximate_count_lower_bound": count,
            "approximate_count_upper_bound": count,
            "operation_status": (
                {"code": 300, "description": "Replace in progress"}
                if self._replace_running(audience)
                else {"code": 200, "description": "Normal"}
            ),
            "delivery_status": (
                {"code": 300, "description": "This audience is too small to be used in ad sets."}
                if small
                else {"code": 200, "description": "This audience is ready for use."}
            ),
        }
        return {f: full[f] for f in ["id", *fields] if f in full}

    def _replace_running(self, audience: Audience) -> bool:
        session = audience.replace
        if session is None:
            return False
        if self.clock() - session.started > self.session_seconds:
            audience.replace = None  # a session closes 90 minutes after its first batch
            return False
        return True

    def _upload_rows(self, payload: Any) -> tuple[list[str] | None, list[Any], SandboxResponse | None]:
        try:
            payload = _json_param(payload)
        except ValueError:
            return None, [], _error(400, "(#100) param payload must be JSON", 100)
        if not isinstance(payload, dict) or "schema" not in payload or "data" not in payload:
            return None, [], _error(400, "(#100) The parameter payload requires schema and data", 100)
        schema = payload["schema"]
        if isinstance(schema, str):  # the string form: one of the single-key names only
            if schema not in SINGLE_KEYS:
                return None, [], _error(400, f"(#100) Invalid schema {schema!r}: one of {sorted(SINGLE_KEYS)}", 100)
            schema = [SINGLE_KEYS[schema]]
        keys = schema
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            return None, [], _error(400, "(#100) Invalid schema: a key or a list of keys", 100)
        unknown = [k for k in keys if k not in MULTI_KEYS]
        if unknown or len(set(keys)) != len(keys):
            return None, [], _error(400, f"(#100) Invalid schema key(s): {unknown or 'repeated'}", 100)
        data = payload["data"]
        if not isinstance(data, list):
            return None, [], _error(400, "(#100) payload data must be an array", 100)
        if len(data) > MAX_USERS:
            return None, [], _error(400, f"(#100) Too many users in payload: at most {MAX_USERS} a request", 100)
        return keys, data, None

    @staticmethod
    def _member(keys: list[str], row: Any) -> frozenset | None:
        """The row's non-empty (key, value) pairs, or None when it is invalid."""
        if len(keys) == 1 and isinstance(row, str):
            row = [row]
        if not isinstance(row, list) or len(row) != len(keys):
            return None
        pairs = []
        for key, value in zip(keys, row, strict=True):
            if value in ("", None):
                continue
            if not isinstance(value, str):
                return None
            if key not in UNHASHED and not _SHA256.match(value):
                return None  # unhashed (or upper-case) data for a hashed key
            pairs.append((key, value))
        return frozenset(pairs) if pairs else None

    def _split_rows(self, keys: list[str], data: list[Any]) -> tuple[list[frozenset], list[Any]]:
        valid, invalid = [], []
        for row in data:
            member = self._member(keys, row)
            (invalid if member is None else valid).append(row if member is None else member)
        return valid, invalid

    def _audience(self, audience_id: str) -> Audience | SandboxResponse:
        audience = self.audiences.get(audience_id)
        if audience is None:
            return _error(
                400,
                f"(#100) Unsupported post request. Object with ID '{audience_id}' does not exist, cannot be loaded "
                "due to missing permissions, or does not support this operation",
                100,
                33,
            )
        return audience

    @staticmethod
    def _samples(invalid: list[Any]) -> dict[str, str]:
        # Meta answers a map of sampled invalid entries; the sandbox names their index, never their value.
        return {str(i): "invalid entry" for i, _ in enumerate(invalid[:5])}

    # --- create and read ----------------------------------------------------
    @route("POST", VERSION + r"/act_(?P<account>\d+)/customaudiences")
    def create_audience(self, request: SandboxRequest) -> SandboxResponse | dict[str, Any]:
        if denied := self._denied(request):  # type: ignore[attr-defined]
            return denied
        account = request.params["account"]
        if account not in self._accounts():  # type: ignore[attr-defined]
            return _error(400, f"(#100) Object with ID 'act_{account}' does not exist", 100, 33)
        params = _params(request)
        name = str(params.get("name") or "").strip()
        if not name:
            return _error(400, "(#100) The parameter name is required", 100)
        if params.get("subtype", "CUSTOM") != "CUSTOM":
            return _error(400, "(#100) the sandbox creates subtype CUSTOM audiences only", 100)
        source = params.get("customer_file_source") or ""
        if source not in FILE_SOURCES:
            return _error(
                400, f"(#100) customer_file_source must be one of {sorted(FILE_SOURCES)} for a customer list", 100
            )
        with self._audience_lock:
            audience = Audience(
                id=str(next(self._audience_ids)),
                account=account,
                name=name,
                description=str(params.get("description") or ""),
                customer_file_source=source,
            )
            self.audiences[audience.id] = audience
        return {"id": audience.id}

    @route("GET", VERSION + r"/act_(?P<account>\d+)/customaudiences")
    def list_audiences(self, request: SandboxRequest) -> SandboxResponse | dict[str, Any]:
        if denied := self._denied(request):  # type: ignore[attr-defined]
            return denied
        account = request.params["account"]
        fields = [f for f in (request.arg("fields") or "id").split(",") if f]
        try:
            filters = json.loads(request.arg("filtering") or "[]")
            limit = min(int(request.arg("limit") or 25), 5000)
            offset = int(request.arg("after") or 0)
        except ValueError as exc:
            return _error(400, f"(#100) {exc}", 100)
        with self._audience_lock:
            chosen = [a for a in self.audiences.values() if a.account == account]
            for f in filters:
                if f.get("field") != "name" or f.get("operator") not in ("EQUAL", "CONTAIN"):
                    return _error(400, "(#100) the sandbox filters customaudiences by name EQUAL or CONTAIN", 100)
                value = str(f.get("value"))
                chosen = [a for a in chosen if (a.name == value if f["operator"] == "EQUAL" else value in a.name)]
            window = chosen[offset : offset + limit]
            body: dict[str, Any] = {"data": [self.audience_body(a, fields) for a in window]}
        if chosen:
            end = offset + len(window)
            body["paging"] = {"cursors": {"before": str(offset), "after": str(end)}}
            if end < len(chosen):
                body["paging"]["next"] = f"/{self.name}{request.path}?after={end}"
        return body

    # --- members ------------------------------------------------------------
    @route("POST", VERSION + r"/(?P<audience_id>\d+)/users")
    def post_users(self, request: SandboxRequest) -> SandboxResponse | dict[str, Any]:
        params = _params(request)
        remove = str(params.get("method", "")).upper() == "DELETE"
        return self._users(request, params, remove=remove)

    @route("DELETE", VERSION + r"/(?P<audience_id>\d+)/users")
    def delete_users(self, request: SandboxRequest) -> SandboxResponse | dict[str, Any]:
        return self._users(request, _params(request), remove=True)

    def _users(self, request: SandboxRequest, params: dict[str, Any], *, remove: bool) -> SandboxResponse | dict:
        if denied := self._denied(request):  # type: ignore[attr-defined]
            return denied
        keys, data, error = self._upload_rows(params.get("payload"))
        if error:
            return error
        assert keys is not None
        try:
            session = _json_param(params.get("session")) or {}
            if not isinstance(session, dict):
                raise ValueError
            session_id = int(session.get("session_id") or next(self._audience_ids))
        except (ValueError, TypeError):
            return _error(400, "(#100) param session must be a JSON object with an integer session_id", 100)
        with self._audience_lock:
            audience = self._audience(request.params["audience_id"])
            if isinstance(audience, SandboxResponse):
                return audience
            if self._replace_running(audience):
                return _error(
                    400,
                    "(#2650) Failed to update the custom audience: a replace operation is in progress for this "
                    "audience; try again once it has finished",
                    *UPDATE_IN_PROGRESS,
                )
            valid, invalid = self._split_rows(keys, data)
            if remove:
                audience.members.difference_update(valid)
            else:
                audience.members.update(valid)
            seen = audience.sessions.setdefault(session_id, {"received": 0, "invalid": 0, "kind": "users"})
            seen["received"] += len(data)
            seen["invalid"] += len(invalid)
        return {
            "audience_id": audience.id,
            "session_id": str(session_id),
            "num_received": len(data),
            "num_invalid_entries": len(invalid),
            "invalid_entry_samples": self._samples(invalid),
        }

    @route("POST", VERSION + r"/(?P<audience_id>\d+)/usersreplace")
    def replace_users(self, request: SandboxRequest) -> SandboxResponse | dict[str, Any]:
        if denied := self._denied(request):  # type: ignore[attr-defined]
            return denied
        params = _params(request)
        keys, data, error = self._upload_rows(params.get("payload"))
        if error:
            return error
        assert keys is not None
        try:
            session = _json_param(params.get("session"))
            session_id = int(session["session_id"])
            batch_seq = int(session["batch_seq"])
            last = bool(session.get("last_batch_flag"))
            estimated = session.get("estimated_num_total")
            estimated = int(estimated) if estimated is not None else None
            if batch_seq < 1:
                raise ValueError
        except (ValueError, TypeError, KeyError, AttributeError):
            return _error(400, "(#100) usersreplace needs session {session_id, batch_seq >= 1, last_batch_flag}", 100)
        with self._audience_lock:
            audience = self._audience(request.params["audience_id"])
            if isinstance(audience, SandboxResponse):
                return audience
            running = audience.replace
            if running is not None and running.session_id == session_id:
                if self.clock() - running.started > self.session_seconds:
                    audience.replace = None
                    return _error(400, "(#2650) The replace session has timed out", *SESSION_TIMED_OUT)
            elif self._replace_running(audience):
                return _error(
                    400, "(#2650) Another replace session is in progress for this audience", *UPDATE_IN_PROGRESS
                )
            elif session_id in audience.sessions:
                return _error(400, "(#2650) The replace session has already finished or timed out", *SESSION_TIMED_OUT)
            else:
                running = audience.replace = ReplaceSession(session_id, self.clock())
            valid, invalid = self._split_rows(keys, data)
            if batch_seq not in running.batches:  # a batch sent again after a lost answer counts once
                running.batches.add(batch_seq)
                running.rows.update(valid)
                running.received += len(data)
                running.invalid += len(invalid)
            if estimated is not None:
                running.estimated_num_total = estimated
            if last:
                audience.members = set(running.rows)
                audience.replace = None
                audience.sessions[session_id] = {
                    "received": running.received,
                    "invalid": running.invalid,
                    "kind": "replace",
                    "batches": len(running.batches),
                }
        return {
            "audience_id": audience.id,
            "session_id": str(session_id),
            "num_received": len(data),
            "num_invalid_entries": len(invalid),
            "invalid_entry_samples": self._samples(invalid),
        }

    # --- inspection ---------------------------------------------------------
    @route("GET", r"/_sandbox/audiences")
    def audience_state(self, request: SandboxRequest) -> dict[str, Any]:
        with self._audience_lock:
            return {
                "targetable_minimum": self.targetable_minimum,
                "audiences": [
                    {
                        **self.audience_body(
                            a, ["name", "account_id", "approximate_count_lower_bound", "delivery_status"]
                        ),
                        "members": len(a.members),
                        "replace_running": a.replace is not None,
                        "sessions": {str(k): v for k, v in a.sessions.items()},
                    }
                    for a in self.audiences.values()
                ],
            }

    def members_of(self, audience_id: str) -> set[frozenset]:
        """The audience's members as (schema key, value) sets: for tests."""
        with self._audience_lock:
            return set(self.audiences[audience_id].members)
