"""Wrike API v4: follow-up tasks for sales staff.

`https://www.wrike.com/api/v4` (EU `https://app-eu.wrike.com/api/v4`), Bearer
token. Responses are `{"kind": "tasks", "data": [...]}`; errors are
`{"errorDescription", "error"}` (developers.wrike.com/overview). Parameters go
form-encoded, with object and array values (`dates`, `responsibles`,
`metadata`) JSON-encoded, as the reference shows.

Creating a task is not idempotent and Wrike has no idempotency key, so the
session uses WRITE_RETRY_METHODS (a timed-out create is not repeated inside the
call). For safe re-runs, `create_task_once` stamps our own key into the task's
`metadata` and looks for it in the folder before creating: a task that did go
through on a timed-out attempt is found instead of duplicated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import requests

from journey_assets.connectors.http import (
    BearerTokenClient,
    MalformedResponseError,
    chunked,
    require,
)

LIVE_BASE_URL = "https://www.wrike.com/api/v4"
IMPORTANCE = ("High", "Normal", "Low")
STATUSES = ("Active", "Completed", "Deferred", "Cancelled")
JOURNEY_KEY = "dealer_journey_key"
MAX_IDS_PER_GET = 100


def _wrike_date(value: date | datetime | str) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class WrikeTask:
    id: str
    title: str
    status: str
    importance: str
    permalink: str | None
    due: str | None
    responsible_ids: tuple[str, ...]
    metadata: dict[str, str | None]
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, payload: Any) -> WrikeTask:
        where = "task"
        dates = payload.get("dates") if isinstance(payload, dict) else None
        return cls(
            id=require(payload, "id", "wrike", where),
            title=require(payload, "title", "wrike", where),
            status=payload.get("status", ""),
            importance=payload.get("importance", ""),
            permalink=payload.get("permalink"),
            due=(dates or {}).get("due"),
            responsible_ids=tuple(payload.get("responsibleIds") or ()),
            metadata={
                m["key"]: m.get("value") for m in payload.get("metadata") or [] if isinstance(m, dict) and "key" in m
            },
            raw=payload,
        )


class WrikeClient(BearerTokenClient):
    vendor = "wrike"

    def __init__(self, token: str, *, base_url: str = LIVE_BASE_URL, **kwargs: Any):
        super().__init__(base_url, token, scheme="bearer", **kwargs)  # Wrike documents the lower-case scheme

    def _tasks(self, response: requests.Response, where: str) -> list[WrikeTask]:
        payload = self.parse_json(response, where)
        if require(payload, "kind", self.vendor, where) != "tasks":
            raise MalformedResponseError(self.vendor, f"{where}: expected kind 'tasks', got {payload['kind']!r}")
        data = require(payload, "data", self.vendor, where)
        if not isinstance(data, list):
            raise MalformedResponseError(self.vendor, f"{where}: data is not a list")
        return [WrikeTask.from_api(item) for item in data]

    def create_task(
        self,
        folder_id: str,
        title: str,
        *,
        description: str | None = None,
        status: str | None = None,
        importance: str | None = None,
        due: date | datetime | str | None = None,
        start: date | datetime | str | None = None,
        responsibles: Sequence[str] | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> WrikeTask:
        """Create a task in a folder (its parent). A due date alone makes a milestone; start and due a planned task."""
        if importance is not None and importance not in IMPORTANCE:
            raise ValueError(f"importance must be one of {IMPORTANCE}")
        form: dict[str, str] = {"title": title}
        if description is not None:
            form["description"] = description
        if status is not None:
            form["status"] = status
        if importance is not None:
            form["importance"] = importance
        if due is not None or start is not None:
            dates = {"due": _wrike_date(due)} if due is not None else {}
            if start is not None:
                dates["start"] = _wrike_date(start)
            form["dates"] = json.dumps(dates)
        if responsibles:
            form["responsibles"] = json.dumps(list(responsibles))
        if metadata:
            form["metadata"] = json.dumps([{"key": k, "value": v} for k, v in metadata.items()])
        response = self.request("POST", f"/folders/{folder_id}/tasks", data=form)
        tasks = self._tasks(response, "POST /folders/{id}/tasks")
        if len(tasks) != 1:
            raise MalformedResponseError(self.vendor, f"create task answered {len(tasks)} tasks")
        return tasks[0]

    def find_tasks(self, folder_id: str, *, metadata_key: str, metadata_value: str | None = None) -> list[WrikeTask]:
        """Tasks in a folder carrying a metadata entry (and value)."""
        wanted: dict[str, str] = {"key": metadata_key}
        if metadata_value is not None:
            wanted["value"] = metadata_value
        response = self.request("GET", f"/folders/{folder_id}/tasks", params={"metadata": json.dumps(wanted)})
        return self._tasks(response, "GET /folders/{id}/tasks")

    def create_task_once(self, folder_id: str, title: str, key: str, **fields: Any) -> tuple[WrikeTask, bool]:
        """Create a task unless one stamped with `key` is already in the folder; answers (task, created)."""
        existing = self.find_tasks(folder_id, metadata_key=JOURNEY_KEY, metadata_value=key)
        if existing:
            return existing[0], False
        metadata = {**(fields.pop("metadata", None) or {}), JOURNEY_KEY: key}
        return self.create_task(folder_id, title, metadata=metadata, **fields), True

    def get_task(self, task_id: str) -> WrikeTask:
        tasks = self.get_tasks([task_id])
        if len(tasks) != 1:
            raise MalformedResponseError(self.vendor, f"GET /tasks/{task_id} answered {len(tasks)} tasks")
        return tasks[0]

    def get_tasks(self, task_ids: Sequence[str]) -> list[WrikeTask]:
        out: list[WrikeTask] = []
        for chunk in chunked(list(task_ids), MAX_IDS_PER_GET):
            out.extend(self._tasks(self.request("GET", f"/tasks/{','.join(chunk)}"), "GET /tasks"))
        return out

    def update_task(
        self,
        task_id: str,
        *,
        title: str | None = None,
        description: str | None = None,
        status: str | None = None,
        importance: str | None = None,
        due: date | datetime | str | None = None,
        add_responsibles: Sequence[str] | None = None,
        remove_responsibles: Sequence[str] | None = None,
    ) -> WrikeTask:
        """Modify a task (PUT: repeating it gives the same task, so it is retried like a read)."""
        form: dict[str, str] = {}
        for key, value in (
            ("title", title),
            ("description", description),
            ("status", status),
            ("importance", importance),
        ):
            if value is not None:
                form[key] = value
        if due is not None:
            form["dates"] = json.dumps({"due": _wrike_date(due)})
        if add_responsibles:
            form["addResponsibles"] = json.dumps(list(add_responsibles))
        if remove_responsibles:
            form["removeResponsibles"] = json.dumps(list(remove_responsibles))
        tasks = self._tasks(self.request("PUT", f"/tasks/{task_id}", data=form), "PUT /tasks/{id}")
        if len(tasks) != 1:
            raise MalformedResponseError(self.vendor, f"PUT /tasks/{task_id} answered {len(tasks)} tasks")
        return tasks[0]

    def error_reason(self, response: requests.Response) -> str:
        """Wrike's `error: errorDescription`, e.g. `parameter_required: Parameter 'title' is required`."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("error"):
            return f"{body['error']}: {body.get('errorDescription', '')}".strip(": ")[:500]
        return super().error_reason(response)
