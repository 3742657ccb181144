"""The dealer CRM: read leads and activities incrementally, push leads (JSON or ADF/XML), move lead status.

Dealer CRMs share no public API, so this client speaks one plain REST shape
(the sandbox's `crm` fake documents it): Bearer token; `GET /leads?
updated_since=&page=&per_page=`, `GET /activities?since=&page=&per_page=` and
`GET /contacts?updated_since=&page=&per_page=` paged with `{data, page, per_page, total, total_pages, next_page}`; `POST
/leads` JSON, idempotent on `external_id`; `POST /leads/adf` with an ADF/XML
body; `PATCH /leads/{id}`. Errors are `{"error": {"code", "message"[, "fields"]}}`.
A deployment whose CRM differs subclasses this client and overrides the paths
and the page parsing (Singer-style: a stream is a path, a paginator and a key).

Writes use WRITE_RETRY_METHODS, so a POST that timed out is not repeated inside
the call. Re-sending it on the next run is safe: `create_lead` requires an
`external_id` (our own key for the lead) and the CRM answers the existing id for
a repeat; an ADF prospect's `<id source=...>` plays the same part.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from journey_assets.connectors.http import (
    BearerTokenClient,
    MalformedResponseError,
    require,
)

MAX_PER_PAGE = 200


def _iso(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Page:
    data: list[dict[str, Any]]
    page: int
    total: int
    total_pages: int
    next_page: int | None


@dataclass(frozen=True)
class CreatedLead:
    id: str
    created: bool  # False when the CRM already had this external_id (or ADF prospect id)
    lead: dict[str, Any] | None = None


def _preferred(entries: Any) -> Mapping[str, Any]:
    """The entry marked preferred in a contact's typed list (emails, phones, addresses), else its first."""
    if not isinstance(entries, list):
        return {}
    found = [e for e in entries if isinstance(e, Mapping)]
    return next((e for e in found if e.get("preferred")), found[0] if found else {})


def contact_fields(contact: Mapping[str, Any]) -> dict[str, Any]:
    """A contact's wire shape flattened: its preferred email, phone and address, and its contact preferences.

    Values stay as the CRM holds them (normalizing is the caller's); a field the CRM leaves out is None.
    """
    given = contact.get("communication")
    communication: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    address = _preferred(contact.get("addresses"))
    return {
        "id": None if contact.get("id") is None else str(contact["id"]),
        "dealer_id": contact.get("dealer_id"),
        "first_name": contact.get("first_name"),
        "last_name": contact.get("last_name"),
        "email": _preferred(contact.get("emails")).get("address"),
        "phone": _preferred(contact.get("phones")).get("number"),
        "address": address.get("street"),
        "city": address.get("city"),
        "state": address.get("state"),
        "zip": address.get("postal_code"),
        "birth_year": contact.get("birth_year"),
        "gender": contact.get("gender"),
        "preferred_channel": communication.get("preferred_channel"),
        "sms_consent": communication.get("sms_opt_in"),
        "email_consent": communication.get("email_opt_in"),
        "created_at": contact.get("created_at"),
        "updated_at": contact.get("updated_at"),
    }


class CRMClient(BearerTokenClient):
    """`CRMClient(base_url, token, timeout=..., retry=...)`."""

    vendor = "crm"
    leads_path = "/leads"
    activities_path = "/activities"
    contacts_path = "/contacts"

    # --- reads ---------------------------------------------------------------------
    def page(self, path: str, params: Mapping[str, Any]) -> Page:
        payload = self.get_json(path, params={k: v for k, v in params.items() if v is not None})
        data = require(payload, "data", self.vendor, path)
        if not isinstance(data, list):
            raise MalformedResponseError(self.vendor, f"{path}: data is not a list")
        try:
            return Page(
                data=data,
                page=int(require(payload, "page", self.vendor, path)),
                total=int(require(payload, "total", self.vendor, path)),
                total_pages=int(require(payload, "total_pages", self.vendor, path)),
                next_page=int(payload["next_page"]) if payload.get("next_page") is not None else None,
            )
        except (TypeError, ValueError) as exc:
            raise MalformedResponseError(self.vendor, f"{path}: paging fields are not integers") from exc

    def _paged(self, path: str, params: dict[str, Any], per_page: int) -> Iterator[dict[str, Any]]:
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        number, seen = 1, 0
        while True:
            current = self.page(path, {**params, "page": number, "per_page": per_page})
            if current.page != number:
                raise MalformedResponseError(self.vendor, f"{path}: asked for page {number}, got {current.page}")
            yield from current.data
            seen += 1
            if current.next_page is None or not current.data:
                return
            if current.next_page != number + 1 or seen > current.total_pages:
                raise MalformedResponseError(self.vendor, f"{path}: next_page {current.next_page} after page {number}")
            number = current.next_page

    def iter_leads(
        self, updated_since: datetime | str | None = None, *, per_page: int = 100
    ) -> Iterator[dict[str, Any]]:
        """Every lead updated at or after `updated_since` (all when None), oldest change first."""
        return self._paged(self.leads_path, {"updated_since": _iso(updated_since)}, per_page)

    def iter_activities(self, since: datetime | str | None = None, *, per_page: int = 100) -> Iterator[dict[str, Any]]:
        """Every activity that occurred at or after `since`, oldest first."""
        return self._paged(self.activities_path, {"since": _iso(since)}, per_page)

    def iter_contacts(
        self, updated_since: datetime | str | None = None, *, per_page: int = 100
    ) -> Iterator[dict[str, Any]]:
        """Every contact created or changed at or after `updated_since` (all when None), oldest change first."""
        return self._paged(self.contacts_path, {"updated_since": _iso(updated_since)}, per_page)

    def get_lead(self, lead_id: str) -> dict[str, Any]:
        return self.get_json(f"{self.leads_path}/{lead_id}")

    # --- writes --------------------------------------------------------------------
    def create_lead(self, lead: Mapping[str, Any], *, external_id: str) -> CreatedLead:
        """Create a lead keyed by our `external_id`; a repeat answers the lead already created."""
        if not external_id:
            raise ValueError("create_lead needs an external_id so a repeat cannot create a second lead")
        body = {**lead, "external_id": external_id}
        response = self.request("POST", self.leads_path, json=body)
        payload = self.parse_json(response, self.leads_path)
        lead_id = require(payload, "id", self.vendor, f"POST {self.leads_path}")
        return CreatedLead(str(lead_id), response.status_code == 201, payload.get("lead"))

    def submit_adf(self, adf_xml: str | bytes) -> CreatedLead:
        """Post an ADF/XML lead; answers the CRM's lead id (202 new, 200 a repeat of the same prospect id)."""
        body = adf_xml.encode("utf-8") if isinstance(adf_xml, str) else adf_xml
        response = self.request(
            "POST",
            f"{self.leads_path}/adf",
            data=body,
            headers={"Content-Type": "application/xml; charset=utf-8"},
        )
        payload = self.parse_json(response, f"{self.leads_path}/adf")
        return CreatedLead(str(require(payload, "id", self.vendor, "POST /leads/adf")), response.status_code == 202)

    def update_lead_status(self, lead_id: str, status: str, *, salesperson_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"status": status}
        if salesperson_id is not None:
            body["salesperson_id"] = salesperson_id
        return self.parse_json(
            self.request("PATCH", f"{self.leads_path}/{lead_id}", json=body), f"PATCH {self.leads_path}/{{id}}"
        )

    def error_reason(self, response: requests.Response) -> str:
        """`code: message` plus the field errors of a 422, e.g. `validation_failed: ... (dealer_id is required)`."""
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and error.get("code"):
            reason = f"{error['code']}: {error.get('message', '')}"
            fields = error.get("fields")
            if isinstance(fields, dict) and fields:
                reason += " (" + "; ".join(f"{k} {v}" for k, v in fields.items()) + ")"
            return reason[:500]
        return super().error_reason(response)
