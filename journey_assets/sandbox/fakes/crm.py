"""A generic dealer CRM REST API, served from the world's `leads` and `crm_activities`.

Dealer CRMs (VinSolutions, DealerSocket, Elead, ...) have no common public API,
so this fake defines the plain REST shape our CRM client speaks, and takes the
lead-intake half from the one real standard: ADF/XML 1.0 (the auto-lead data
format; `<?adf version="1.0"?><adf><prospect>` with `id`, `requestdate`,
`vehicle`, `customer/contact`, `vendor`, `provider`; see
shared/reference/vendors.md and the ADF 1.0 DTD). Parsing is lenient, as real
senders deviate, but DTDs/entities are refused.

Served at `<sandbox>/crm`, auth `Authorization: Bearer <token>` (default
`sandbox-crm-token`, env `JOURNEY_SANDBOX_CRM_TOKEN`):

    GET   /leads?updated_since=ISO-8601&page=N&per_page=M   (per_page <= 200, default 50)
          -> {"data": [lead...], "page", "per_page", "total", "total_pages", "next_page"}
          leads ordered by (updated_at, id), updated_at >= updated_since
    GET   /leads/{id}                    -> lead
    POST  /leads  JSON lead              -> 201 {"id", "duplicate": false, "lead"}
          idempotent on `external_id`: a repeat answers 200 with the same id
          and "duplicate": true, creating nothing
    POST  /leads/adf  ADF/XML (Content-Type application/xml or text/xml)
          -> 202 {"id", "status": "accepted"}; a repeat of the same prospect
          <id source=...> answers 200 {"id", "status": "duplicate"};
          400 invalid_xml on unparseable XML, 415 on another content type
    PATCH /leads/{id}  JSON {"status"[, "salesperson_id"]} -> lead
    GET   /activities?since=ISO-8601&page=N&per_page=M       (same paging)
    GET   /contacts?updated_since=ISO-8601&page=N&per_page=M (same paging, ordered by (updated_at, id))
    GET   /contacts/{id}                 -> contact

A lead is the world's `leads` row with `lead_id` served as `id`: id, dealer_id,
customer_id, created_at, lead_type, source, vehicle_uuid, status,
salesperson_id, updated_at, external_id (+ customer, vehicle, comments when
posted). An activity is the `crm_activities` row with `activity_id` as `id`.
A contact is a customer the CRM holds, in the shape crm_contacts.py describes.
Timestamps are ISO-8601 UTC (`2026-11-23T15:04:05Z`). Errors:
`{"error": {"code", "message"[, "fields"]}}` with 400 invalid_parameter /
invalid_json / invalid_xml, 401 unauthorized, 404 not_found, 415
unsupported_media_type, 422 validation_failed.

Writes are stamped with the world's clock: the world's `as_of` date at the
current UTC time of day, so new and changed leads sort after the world's history.
"""

from __future__ import annotations

import hmac
import itertools
import math
import os
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from journey_assets.sandbox.fakes.crm_contacts import contact_frame, contact_json
from journey_assets.sandbox.server import FakeVendor, SandboxRequest, SandboxResponse, route

DEFAULT_TOKEN = "sandbox-crm-token"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
LEAD_COLUMNS = (
    "id",
    "dealer_id",
    "customer_id",
    "created_at",
    "lead_type",
    "source",
    "vehicle_uuid",
    "status",
    "salesperson_id",
    "updated_at",
    "external_id",
)
ACTIVITY_COLUMNS = (
    "id",
    "lead_id",
    "customer_id",
    "dealer_id",
    "salesperson_id",
    "activity_type",
    "occurred_at",
    "outcome",
)
BASE_STATUSES = frozenset(
    {
        "new",
        "contacted",
        "working",
        "appointment_set",
        "appointment",
        "showed",
        "sold",
        "lost",
        "dead",
        "duplicate",
        "closed",
    }
)
EXTRA_FIELDS = ("customer", "vehicle", "comments")


def _error(status: int, code: str, message: str, **extra: Any) -> SandboxResponse:
    return SandboxResponse(status, {"error": {"code": code, "message": message, **extra}})


def _iso(value: Any) -> Any:
    """A JSON-ready scalar: timestamps as ISO-8601 UTC, missing values as null, numpy scalars as Python."""
    # The common cases first, same answers: a large first run renders ~50 million values (0901).
    if type(value) is str:
        return value
    if type(value) is pd.Timestamp and value.tzinfo is UTC:
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        if pd.isna(stamp):
            return None
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):  # containers
        return value
    return value.item() if hasattr(value, "item") else value


def _parse_since(raw: str | None) -> pd.Timestamp | None:
    if raw in (None, ""):
        return None
    stamp = pd.Timestamp(raw.replace(" ", "+") if "T" in raw and " " in raw else raw)  # '+' often arrives as ' '
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _text(element: ET.Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    return found.text.strip() if found is not None and found.text and found.text.strip() else None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _lower_tags(element: ET.Element) -> ET.Element:
    """ADF senders vary tag case; normalize so lookups are case-insensitive."""
    for node in element.iter():
        node.tag = _local(node.tag)
    return element


class CRMFake(FakeVendor):
    name = "crm"

    def __init__(self, world: Any, *, token: str | None = None):
        super().__init__(world)
        self.token = token or os.environ.get("JOURNEY_SANDBOX_CRM_TOKEN") or DEFAULT_TOKEN
        self._leads: pd.DataFrame | None = None
        self._activities: pd.DataFrame | None = None
        self._contacts: pd.DataFrame | None = None
        self._extras: dict[str, dict[str, Any]] = {}
        self._external_ids: dict[str, str] = {}
        self._counter = itertools.count(1)
        self._lock = threading.RLock()
        self._orders: dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.DatetimeIndex]] = {}

    # --- data -------------------------------------------------------------------
    def now(self) -> pd.Timestamp:
        wall = datetime.now(UTC)
        return pd.Timestamp(datetime.combine(self.world.as_of, wall.time(), tzinfo=UTC))

    def _table(
        self, name: str, id_column: str, columns: tuple[str, ...], time_columns: tuple[str, ...]
    ) -> pd.DataFrame:
        try:
            frame = self.world.table(name).copy()
        except KeyError:
            frame = pd.DataFrame(columns=[id_column, *columns[1:]])
        frame = frame.rename(columns={id_column: "id"})
        for column in columns:
            if column not in frame.columns:
                frame[column] = None
        for column in time_columns:
            frame[column] = pd.to_datetime(frame[column], utc=True)
        frame["id"] = frame["id"].astype(str)
        return frame.set_index("id", drop=False).rename_axis(None)

    def leads(self) -> pd.DataFrame:
        with self._lock:
            if self._leads is None:
                self._leads = self._table("leads", "lead_id", LEAD_COLUMNS, ("created_at", "updated_at"))
                self._leads["external_id"] = self._leads["external_id"].astype(object)
            return self._leads

    def activities(self) -> pd.DataFrame:
        with self._lock:
            if self._activities is None:
                self._activities = self._table("crm_activities", "activity_id", ACTIVITY_COLUMNS, ("occurred_at",))
            return self._activities

    def contacts(self) -> pd.DataFrame:
        with self._lock:
            if self._contacts is None:
                self._contacts = contact_frame(self.world)
            return self._contacts

    def _statuses(self) -> set[str]:
        return set(BASE_STATUSES) | {str(s) for s in self.leads()["status"].dropna().unique()}

    def _lead_json(self, row: pd.Series | dict[str, Any]) -> dict[str, Any]:
        out = {column: _iso(row.get(column)) for column in LEAD_COLUMNS}
        out.update(self._extras.get(out["id"], {}))
        return out

    # --- plumbing ------------------------------------------------------------------
    def _denied(self, request: SandboxRequest) -> SandboxResponse | None:
        header = next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), self.token.encode()):
            return _error(401, "unauthorized", "a valid bearer token is required")
        return None

    @staticmethod
    def _content_type(request: SandboxRequest) -> str:
        return (
            next((v for k, v in request.headers.items() if k.lower() == "content-type"), "")
            .split(";")[0]
            .strip()
            .lower()
        )

    def _paging(self, request: SandboxRequest) -> tuple[int, int] | SandboxResponse:
        try:
            page = int(request.arg("page", "1") or 1)
            per_page = int(request.arg("per_page", str(DEFAULT_PER_PAGE)) or DEFAULT_PER_PAGE)
        except ValueError:
            return _error(400, "invalid_parameter", "page and per_page must be integers")
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            return _error(400, "invalid_parameter", f"page must be >= 1 and per_page between 1 and {MAX_PER_PAGE}")
        return page, per_page

    def _ordered(self, name: str, frame: pd.DataFrame, time_column: str) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
        """`frame` sorted by (time, id), sorted once per version of the table: a first load reads hundreds of
        pages of it. Answers the sorted frame and its times without the missing ones (they sort last)."""
        cached = self._orders.get(name)
        if cached is None or cached[0] is not frame:
            ordered = frame.sort_values([time_column, "id"], kind="stable")
            times = ordered[time_column]
            cached = (frame, ordered, pd.DatetimeIndex(times.iloc[: int(times.notna().sum())]))
            self._orders[name] = cached
        return cached[1], cached[2]

    def _page(
        self,
        name: str,
        frame: pd.DataFrame,
        time_column: str,
        since: pd.Timestamp | None,
        page: int,
        per_page: int,
        render,
    ) -> dict:
        ordered, times = self._ordered(name, frame, time_column)
        # The rows at or after `since` are a run of the sorted table: where `since` falls, up to the missing times.
        start, stop = (0, len(ordered)) if since is None else (int(times.searchsorted(since)), len(times))
        total = stop - start
        total_pages = max(1, math.ceil(total / per_page))
        chunk = ordered.iloc[start + (page - 1) * per_page : min(stop, start + page * per_page)]
        return {
            "data": [render(row) for row in chunk.to_dict("records")],
            "page": page,
            "per_page": per_page,
            "total": total,
            "total_pages": total_pages,
            "next_page": page + 1 if page < total_pages else None,
        }

    # --- leads -----------------------------------------------------------------------
    @route("GET", r"/leads")
    def list_leads(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._denied(request)
        if denied:
            return denied
        paging = self._paging(request)
        if isinstance(paging, SandboxResponse):
            return paging
        try:
            since = _parse_since(request.arg("updated_since"))
        except ValueError:
            return _error(400, "invalid_parameter", "updated_since must be an ISO-8601 timestamp")
        with self._lock:
            return SandboxResponse(
                200, self._page("leads", self.leads(), "updated_at", since, *paging, self._lead_json)
            )

    @route("GET", r"/leads/(?P<lead_id>[^/]+)")
    def get_lead(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._denied(request)
        if denied:
            return denied
        with self._lock:
            leads = self.leads()
            if request.params["lead_id"] not in leads.index:
                return _error(404, "not_found", f"no lead {request.params['lead_id']}")
            return SandboxResponse(200, self._lead_json(leads.loc[request.params["lead_id"]]))

    def _create(self, fields: dict[str, Any], extras: dict[str, Any]) -> tuple[str, bool]:
        """Insert a lead unless its external_id is known; answers (id, created)."""
        with self._lock:
            external_id = fields.get("external_id")
            if external_id and external_id in self._external_ids:
                return self._external_ids[external_id], False
            lead_id = f"CRM{next(self._counter):07d}"
            while lead_id in self.leads().index:
                lead_id = f"CRM{next(self._counter):07d}"
            now = self.now()
            row = {column: fields.get(column) for column in LEAD_COLUMNS}
            row.update(id=lead_id, created_at=now, updated_at=now, status=fields.get("status") or "new")
            new = pd.DataFrame([row]).set_index("id", drop=False).rename_axis(None)
            new["created_at"] = pd.to_datetime(new["created_at"], utc=True)
            new["updated_at"] = pd.to_datetime(new["updated_at"], utc=True)
            self._leads = pd.concat([self.leads(), new.astype({"external_id": object})])
            self._extras[lead_id] = {k: v for k, v in extras.items() if v is not None}
            if external_id:
                self._external_ids[external_id] = lead_id
            return lead_id, True

    @route("POST", r"/leads")
    def create_lead(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._denied(request)
        if denied:
            return denied
        if self._content_type(request) != "application/json":
            return _error(
                415, "unsupported_media_type", "POST /leads takes application/json; ADF/XML goes to /leads/adf"
            )
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            return _error(400, "invalid_json", "the body is not valid JSON")
        if not isinstance(body, dict):
            return _error(400, "invalid_json", "the body must be a JSON object")
        problems: dict[str, str] = {}
        if not body.get("dealer_id"):
            problems["dealer_id"] = "is required"
        if not body.get("customer_id") and not isinstance(body.get("customer"), dict):
            problems["customer"] = "a customer_id or a customer object is required"
        if body.get("status") is not None and body["status"] not in self._statuses():
            problems["status"] = f"must be one of {sorted(self._statuses())}"
        external_id = body.get("external_id")
        if external_id is not None and (not isinstance(external_id, str) or not 0 < len(external_id) <= 255):
            problems["external_id"] = "must be a string of 1 to 255 characters"
        if problems:
            return _error(422, "validation_failed", "the lead is not valid", fields=problems)
        fields = {k: body.get(k) for k in LEAD_COLUMNS if k not in ("id", "created_at", "updated_at")}
        fields.setdefault("lead_type", None)
        fields["lead_type"] = fields["lead_type"] or "sales"
        lead_id, created = self._create(fields, {k: body.get(k) for k in EXTRA_FIELDS})
        with self._lock:
            lead = self._lead_json(self.leads().loc[lead_id])
        return SandboxResponse(201 if created else 200, {"id": lead_id, "duplicate": not created, "lead": lead})

    @route("POST", r"/leads/adf")
    def create_adf_lead(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._denied(request)
        if denied:
            return denied
        if self._content_type(request) not in ("application/xml", "text/xml"):
            return _error(415, "unsupported_media_type", "ADF leads are application/xml")
        if b"<!doctype" in request.body.lower() or b"<!entity" in request.body.lower():
            return _error(400, "invalid_xml", "DTDs and entity declarations are not accepted")
        try:
            root = _lower_tags(ET.fromstring(request.body))
        except ET.ParseError as exc:
            return _error(400, "invalid_xml", f"the body is not well-formed XML: {exc}")
        prospect = root if root.tag == "prospect" else root.find("prospect")
        if root.tag not in ("adf", "prospect") or prospect is None:
            return _error(400, "invalid_xml", "not an ADF document: expected <adf><prospect>")
        id_node = prospect.find("id")
        adf_id = id_node.text.strip() if id_node is not None and id_node.text and id_node.text.strip() else None
        adf_source = id_node.get("source") if id_node is not None else None
        vehicle_node = prospect.find("vehicle")
        contact = prospect.find("customer/contact")
        name_nodes = contact.findall("name") if contact is not None else []
        names = {(n.get("part") or "full").lower(): (n.text or "").strip() for n in name_nodes}
        vendor = prospect.find("vendor")
        provider = _text(prospect, "provider/name") or _text(prospect, "provider/service")
        customer = {
            "first_name": names.get("first"),
            "last_name": names.get("last"),
            "full_name": names.get("full") or " ".join(p for p in (names.get("first"), names.get("last")) if p) or None,
            "email": _text(contact, "email"),
            "phone": _text(contact, "phone"),
        }
        vehicle = None
        if vehicle_node is not None:
            vehicle = {
                "interest": vehicle_node.get("interest"),
                "status": vehicle_node.get("status"),
                **{tag: _text(vehicle_node, tag) for tag in ("year", "make", "model", "vin", "stock", "trim")},
            }
        fields = {
            "dealer_id": _text(vendor, "id") or request.arg("dealer_id"),
            "external_id": f"adf:{adf_source or provider or 'unknown'}:{adf_id}" if adf_id else None,
            "lead_type": "sales",
            "source": provider or adf_source or "adf",
            "status": "new",
        }
        extras = {
            "customer": {k: v for k, v in customer.items() if v},
            "vehicle": vehicle,
            "comments": _text(prospect, "customer/comments"),
            "requestdate": _text(prospect, "requestdate"),
            "vendor_name": _text(vendor, "vendorname"),
        }
        lead_id, created = self._create(fields, extras)
        return SandboxResponse(
            202 if created else 200, {"id": lead_id, "status": "accepted" if created else "duplicate"}
        )

    @route("PATCH", r"/leads/(?P<lead_id>[^/]+)")
    def update_lead(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._denied(request)
        if denied:
            return denied
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            return _error(400, "invalid_json", "the body is not valid JSON")
        if not isinstance(body, dict) or not ({"status", "salesperson_id"} & set(body)):
            return _error(
                422, "validation_failed", "send status and/or salesperson_id", fields={"status": "is required"}
            )
        if "status" in body and body["status"] not in self._statuses():
            return _error(
                422,
                "validation_failed",
                "unknown status",
                fields={"status": f"must be one of {sorted(self._statuses())}"},
            )
        with self._lock:
            leads = self.leads()
            lead_id = request.params["lead_id"]
            if lead_id not in leads.index:
                return _error(404, "not_found", f"no lead {lead_id}")
            for column in ("status", "salesperson_id"):
                if column in body:
                    leads.loc[lead_id, column] = body[column]
            leads.loc[lead_id, "updated_at"] = self.now()
            self._orders.pop("leads", None)  # changed in place: sort again
            return SandboxResponse(200, self._lead_json(leads.loc[lead_id]))

    # --- activities --------------------------------------------------------------------
    @route("GET", r"/activities")
    def list_activities(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._denied(request)
        if denied:
            return denied
        paging = self._paging(request)
        if isinstance(paging, SandboxResponse):
            return paging
        try:
            since = _parse_since(request.arg("since"))
        except ValueError:
            return _error(400, "invalid_parameter", "since must be an ISO-8601 timestamp")

        def render(row: dict[str, Any]) -> dict[str, Any]:
            return {column: _iso(row.get(column)) for column in ACTIVITY_COLUMNS}

        with self._lock:
            return SandboxResponse(
                200, self._page("activities", self.activities(), "occurred_at", since, *paging, render)
            )

    # --- contacts ----------------------------------------------------------------------
    @route("GET", r"/contacts")
    def list_contacts(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._denied(request)
        if denied:
            return denied
        paging = self._paging(request)
        if isinstance(paging, SandboxResponse):
            return paging
        try:
            since = _parse_since(request.arg("updated_since"))
        except ValueError:
            return _error(400, "invalid_parameter", "updated_since must be an ISO-8601 timestamp")
        with self._lock:
            return SandboxResponse(
                200,
                self._page(
                    "contacts", self.contacts(), "updated_at", since, *paging, lambda row: contact_json(row, _iso)
                ),
            )

    @route("GET", r"/contacts/(?P<contact_id>[^/]+)")
    def get_contact(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._denied(request)
        if denied:
            return denied
        with self._lock:
            contacts = self.contacts()
            contact_id = request.params["contact_id"]
            if contact_id not in contacts.index:
                return _error(404, "not_found", f"no contact {contact_id}")
            return SandboxResponse(200, contact_json(contacts.loc[contact_id].to_dict(), _iso))
