"""Wrike API v4 tasks, as the sandbox plays them.

Implemented from Wrike's public API reference, independently of our client:

* Overview (Bearer OAuth token, responses `{"kind": ..., "data": [...]}`,
  parameters in the query string or a form body, object/array parameters
  JSON-encoded): https://developers.wrike.com/overview
* Create task in a folder, `POST /folders/{folderId}/tasks` (`title` required;
  `description`, `status` Active|Completed|Deferred|Cancelled, `importance`
  High|Normal|Low, `dates` {type, start, due, duration, workOnWeekends},
  `responsibles` contact ids, `metadata` [{key, value}]):
  https://developers.wrike.com/reference/postfolderssingletasks
* Tasks `GET /tasks/{taskId},{taskId}...` (up to 100), `PUT /tasks/{taskId}`
  (`addResponsibles`/`removeResponsibles`), `GET /folders/{folderId}/tasks`
  (filter `metadata={"key":..,"value":..}`): https://developers.wrike.com/reference
* Errors `{"errorDescription": ..., "error": ...}` with codes invalid_request,
  invalid_parameter, parameter_required (400), not_authorized (401),
  access_forbidden (403), resource_not_found (404):
  https://help.wrike.com/hc/en-us/articles/23908384596631-Resolve-Common-REST-API-Errors

Served at `<sandbox>/wrike` (stands in for `https://www.wrike.com/api/v4`).
Bodies may also be JSON (`Content-Type: application/json`). Any well-formed
folder id (16 upper-case letters/digits) is a folder. The token defaults to a
sandbox value, overridable with `JOURNEY_SANDBOX_WRIKE_TOKEN`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from journey_assets.sandbox.server import FakeVendor, SandboxRequest, SandboxResponse, route

DEFAULT_TOKEN = "sandbox-wrike-token"
ACCOUNT_ID = "IEAAAAAA"
SANDBOX_AUTHOR = "KUAAAAAA"
STATUSES = ("Active", "Completed", "Deferred", "Cancelled")
IMPORTANCES = ("High", "Normal", "Low")
DATE_TYPES = ("Backlog", "Milestone", "Planned")
ID_PATTERN = re.compile(r"[A-Z0-9]{16}")
CONTACT_PATTERN = re.compile(r"[A-Z0-9]{8}")
MAX_IDS = 100
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _error(status: int, error: str, description: str) -> SandboxResponse:
    return SandboxResponse(status, {"errorDescription": description, "error": error})


def _parse_when(value: str) -> datetime | None:
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt)
        except (TypeError, ValueError):
            continue
    return None


def _working_minutes(start: datetime, due: datetime, weekends: bool) -> int:
    days, day = 0, start.date()
    while day <= due.date():
        if weekends or day.weekday() < 5:
            days += 1
        day += timedelta(days=1)
    return days * 480


class WrikeFake(FakeVendor):
    name = "wrike"

    def __init__(self, world: Any, *, token: str | None = None):
        super().__init__(world)
        self.token = token or os.environ.get("JOURNEY_SANDBOX_WRIKE_TOKEN") or DEFAULT_TOKEN
        self.tasks: dict[str, dict[str, Any]] = {}
        self._lock = threading.RLock()
        self._counter = itertools.count(1)

    # --- plumbing -----------------------------------------------------------
    def _denied(self, request: SandboxRequest) -> SandboxResponse | None:
        header = next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")
        scheme, _, token = header.partition(" ")
        if token == "" and request.arg("access_token"):
            scheme, token = "bearer", request.arg("access_token") or ""
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), self.token.encode()):
            return _error(401, "not_authorized", "Authorization is required")
        return None

    def _params(self, request: SandboxRequest) -> tuple[dict[str, Any], SandboxResponse | None]:
        """Query string and body merged; JSON-encoded object/array values decoded."""
        params: dict[str, Any] = {k: v[0] for k, v in request.query.items()}
        content_type = next((v for k, v in request.headers.items() if k.lower() == "content-type"), "").lower()
        if request.body:
            if "json" in content_type:
                try:
                    body = request.json()
                except ValueError:
                    return {}, _error(400, "invalid_request", "Request body is not valid JSON")
                if not isinstance(body, dict):
                    return {}, _error(400, "invalid_request", "Request body must be a JSON object")
                params.update(body)
            else:
                params.update(
                    {
                        k: v[0]
                        for k, v in parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True).items()
                    }
                )
        for key in (
            "dates",
            "responsibles",
            "addResponsibles",
            "removeResponsibles",
            "metadata",
            "followers",
            "parents",
        ):
            value = params.get(key)
            if isinstance(value, str):
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    return {}, _error(400, "invalid_parameter", f"Parameter '{key}' value is invalid: not JSON")
        return params, None

    def _new_id(self) -> str:
        n = next(self._counter)
        digest = hashlib.sha256(f"wrike-task-{n}".encode()).digest()
        return "IEAB" + "".join(_ALPHABET[b % 32] for b in digest[:12])

    @staticmethod
    def _now() -> str:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _dates(self, raw: Any) -> tuple[dict[str, Any] | None, SandboxResponse | None]:
        if raw in (None, {}):
            return {"type": "Backlog"}, None
        if not isinstance(raw, dict):
            return None, _error(400, "invalid_parameter", "Parameter 'dates' value is invalid")
        start = _parse_when(raw["start"]) if raw.get("start") else None
        due = _parse_when(raw["due"]) if raw.get("due") else None
        if (raw.get("start") and start is None) or (raw.get("due") and due is None):
            message = "Parameter 'dates' value is invalid: dates are yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss"
            return None, _error(400, "invalid_parameter", message)
        kind = raw.get("type") or ("Planned" if start and due else "Milestone" if due else "Backlog")
        if kind not in DATE_TYPES:
            return None, _error(400, "invalid_parameter", f"Parameter 'dates.type' value is invalid: {kind}")
        if start and due and start > due:
            return None, _error(400, "invalid_parameter", "Parameter 'dates' value is invalid: start is after due")
        out: dict[str, Any] = {"type": kind}
        weekends = bool(raw.get("workOnWeekends", False))
        if kind == "Planned" and start and due:
            out.update(duration=_working_minutes(start, due, weekends), start=raw["start"], due=raw["due"])
        elif kind == "Milestone" and due:
            out["due"] = raw["due"]
        if kind != "Backlog":
            out["workOnWeekends"] = weekends
        return out, None

    def _check_contacts(self, key: str, value: Any) -> SandboxResponse | None:
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(c, str) and CONTACT_PATTERN.fullmatch(c) for c in value):
            return _error(400, "invalid_parameter", f"Parameter '{key}' value is invalid")
        return None

    def _check_enums(self, params: dict[str, Any]) -> SandboxResponse | None:
        if params.get("status") not in (None, *STATUSES):
            return _error(400, "invalid_parameter", f"Parameter 'status' value is invalid: {params['status']}")
        if params.get("importance") not in (None, *IMPORTANCES):
            return _error(400, "invalid_parameter", f"Parameter 'importance' value is invalid: {params['importance']}")
        metadata = params.get("metadata")
        if metadata is not None and not (
            isinstance(metadata, list) and all(isinstance(m, dict) and isinstance(m.get("key"), str) for m in metadata)
        ):
            return _error(400, "invalid_parameter", "Parameter 'metadata' value is invalid")
        return None

    @staticmethod
    def _envelope(tasks: list[dict[str, Any]]) -> dict[str, Any]:
        return {"kind": "tasks", "data": tasks}

    # --- routes -------------------------------------------------------------
    @route("POST", r"/folders/(?P<folder_id>[^/]+)/tasks")
    def create_task(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._denied(request)
        if denied:
            return denied
        folder_id = request.params["folder_id"]
        if not ID_PATTERN.fullmatch(folder_id):
            return _error(400, "invalid_parameter", f"Parameter 'folderId' value is invalid: {folder_id}")
        params, bad = self._params(request)
        if bad:
            return bad
        title = str(params.get("title") or "").strip()
        if not title:
            return _error(400, "parameter_required", "Parameter 'title' is required")
        problem = self._check_enums(params) or self._check_contacts("responsibles", params.get("responsibles"))
        if problem:
            return problem
        dates, bad = self._dates(params.get("dates"))
        if bad:
            return bad
        task_id, now = self._new_id(), self._now()
        description = str(params.get("description") or "")
        task = {
            "id": task_id,
            "accountId": ACCOUNT_ID,
            "title": title,
            "description": description,
            "briefDescription": re.sub(r"<[^>]+>", "", description)[:200],
            "parentIds": [folder_id],
            "superParentIds": [],
            "sharedIds": [SANDBOX_AUTHOR],
            "responsibleIds": list(params.get("responsibles") or []),
            "status": params.get("status") or "Active",
            "importance": params.get("importance") or "Normal",
            "createdDate": now,
            "updatedDate": now,
            "dates": dates,
            "scope": "WsTask",
            "authorIds": [SANDBOX_AUTHOR],
            "customStatusId": "IEAAAAAAJMAAAAAA",
            "hasAttachments": False,
            "permalink": f"https://www.wrike.com/open.htm?id={int(hashlib.sha1(task_id.encode()).hexdigest()[:8], 16)}",
            "priority": f"{next(self._counter):08x}",
            "followedByMe": True,
            "followerIds": [SANDBOX_AUTHOR],
            "superTaskIds": [],
            "subTaskIds": [],
            "dependencyIds": [],
            "metadata": list(params.get("metadata") or []),
            "customFields": [],
        }
        if task["status"] == "Completed":
            task["completedDate"] = now
        with self._lock:
            self.tasks[task_id] = task
        return SandboxResponse(200, self._envelope([task]))

    @route("GET", r"/folders/(?P<folder_id>[^/]+)/tasks")
    def folder_tasks(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._denied(request)
        if denied:
            return denied
        params, bad = self._params(request)
        if bad:
            return bad
        wanted = params.get("metadata")
        if wanted is not None and not (isinstance(wanted, dict) and "key" in wanted):
            return _error(400, "invalid_parameter", "Parameter 'metadata' value is invalid")
        with self._lock:
            found = [t for t in self.tasks.values() if request.params["folder_id"] in t["parentIds"]]
        if wanted is not None:

            def carries(task: dict[str, Any]) -> bool:
                return any(
                    m["key"] == wanted["key"] and ("value" not in wanted or m.get("value") == wanted["value"])
                    for m in task["metadata"]
                )

            found = [t for t in found if carries(t)]
        if params.get("status"):
            found = [t for t in found if t["status"] == params["status"]]
        return SandboxResponse(200, self._envelope(found))

    @route("GET", r"/tasks/(?P<task_ids>[^/]+)")
    def get_tasks(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._denied(request)
        if denied:
            return denied
        ids = [i for i in request.params["task_ids"].split(",") if i]
        if not ids or len(ids) > MAX_IDS:
            return _error(400, "invalid_parameter", f"Parameter 'taskId' value is invalid: 1 to {MAX_IDS} ids")
        with self._lock:
            missing = [i for i in ids if i not in self.tasks]
            if missing:
                return _error(404, "resource_not_found", f"Task {missing[0]} not found")
            return SandboxResponse(200, self._envelope([self.tasks[i] for i in ids]))

    @route("PUT", r"/tasks/(?P<task_ids>[^/,]+)")
    def update_task(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._denied(request)
        if denied:
            return denied
        task_id = request.params["task_ids"]
        params, bad = self._params(request)
        if bad:
            return bad
        problem = (
            self._check_enums(params)
            or self._check_contacts("addResponsibles", params.get("addResponsibles"))
            or self._check_contacts("removeResponsibles", params.get("removeResponsibles"))
        )
        if problem:
            return problem
        if "title" in params and not str(params["title"]).strip():
            return _error(400, "invalid_parameter", "Parameter 'title' value is invalid: empty")
        dates = None
        if "dates" in params:
            dates, bad = self._dates(params["dates"])
            if bad:
                return bad
        with self._lock:
            task = self.tasks.get(task_id)
            if task is None:
                return _error(404, "resource_not_found", f"Task {task_id} not found")
            for key in ("title", "description", "status", "importance"):
                if key in params:
                    task[key] = str(params[key])
            if dates is not None:
                task["dates"] = dates
            for contact in params.get("addResponsibles") or []:
                if contact not in task["responsibleIds"]:
                    task["responsibleIds"].append(contact)
            for contact in params.get("removeResponsibles") or []:
                if contact in task["responsibleIds"]:
                    task["responsibleIds"].remove(contact)
            if "metadata" in params:
                merged = {m["key"]: m for m in task["metadata"]}
                merged.update({m["key"]: m for m in params["metadata"]})
                task["metadata"] = [m for m in merged.values() if m.get("value") is not None]
            task["updatedDate"] = self._now()
            if task["status"] == "Completed":
                task.setdefault("completedDate", task["updatedDate"])
            return SandboxResponse(200, self._envelope([task]))


__all__ = ["WrikeFake", "DEFAULT_TOKEN"]
