"""Twilio Programmable Messaging: send an SMS and read its status back.

`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (form-encoded `To`,
`From` or `MessagingServiceSid`, `Body`, `StatusCallback`) with HTTP Basic auth
`AccountSid:AuthToken`; `GET .../Messages/{Sid}.json` to fetch one;
`GET .../Messages.json?To=...` to list them (newest first, `PageSize` up to
1000, the next page at `next_page_uri`; `DateSent>=YYYY-MM-DD` narrows it to
messages already sent), which is how an uncertain send is looked up before it
is sent again.
(twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources)

Sending is not idempotent, so the session is built with WRITE_RETRY_METHODS: a
send that timed out may have gone through, and it is not repeated blindly. A
429 (Twilio 20429) is still retried after its Retry-After, because Twilio
refused it before acting. Twilio's error JSON (`code`, `message`, `more_info`,
`status`) becomes `TwilioApiError.code`, with classes for the codes the
journey acts on: 21610 (opted out: record it, never retry), 21211 (invalid
number: fix the contact), 21617 (body too long: fix the template).

Delivery outcomes arrive later as status callbacks on the intake service; the
`StatusCallback` URL given here (or the client default) is where Twilio posts them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from journey_assets.connectors.http import (
    WRITE_RETRY_METHODS,
    MalformedResponseError,
    PermanentVendorError,
    RetryPolicy,
    VendorClient,
    require,
)

LIVE_BASE_URL = "https://api.twilio.com"
API_VERSION = "2010-04-01"
MAX_BODY_CHARS = 1600
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "read", "canceled", "received"})

_CODED_REASON = re.compile(r"^(\d{5}): ")


class TwilioApiError(PermanentVendorError):
    """Twilio refused the request; `code` is Twilio's error code (twilio.com/docs/errors/<code>)."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None, reason: str | None = None):
        super().__init__("twilio", message.removeprefix("twilio: "), status=status, reason=reason)
        self.code = code


class RecipientOptedOutError(TwilioApiError):
    """21610: the recipient replied STOP; do not text them until they reply START."""


class InvalidRecipientError(TwilioApiError):
    """21211: the To number is not a valid phone number."""


class BodyTooLongError(TwilioApiError):
    """21617: the body is over 1,600 characters."""


ERROR_CLASSES: dict[int, type[TwilioApiError]] = {
    21610: RecipientOptedOutError,
    21211: InvalidRecipientError,
    21617: BodyTooLongError,
}


@dataclass(frozen=True)
class TwilioMessage:
    sid: str
    status: str
    to: str
    from_: str | None
    body: str
    num_segments: int
    messaging_service_sid: str | None
    error_code: int | None
    error_message: str | None
    date_created: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def created_at(self) -> datetime | None:
        """`date_created` (RFC 2822, as Twilio writes it), or None when absent or unreadable."""
        try:
            return parsedate_to_datetime(self.date_created) if self.date_created else None
        except (TypeError, ValueError):
            return None

    @classmethod
    def from_resource(cls, payload: Any) -> TwilioMessage:
        where = "message resource"
        sid = require(payload, "sid", "twilio", where)
        status = require(payload, "status", "twilio", where)
        if not isinstance(sid, str) or not sid.startswith(("SM", "MM")):
            raise MalformedResponseError("twilio", f"{where}: unexpected sid {sid!r}")
        error_code = payload.get("error_code")
        try:
            segments = int(payload.get("num_segments") or 0)
        except (TypeError, ValueError) as exc:
            raise MalformedResponseError("twilio", f"{where}: num_segments is not a number") from exc
        return cls(
            sid=sid,
            status=status,
            to=require(payload, "to", "twilio", where),
            from_=payload.get("from"),
            body=payload.get("body") or "",
            num_segments=segments,
            messaging_service_sid=payload.get("messaging_service_sid"),
            error_code=int(error_code) if error_code not in (None, "") else None,
            error_message=payload.get("error_message"),
            date_created=payload.get("date_created"),
            raw=payload,
        )


class TwilioClient(VendorClient):
    vendor = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        base_url: str = LIVE_BASE_URL,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        status_callback: str | None = None,
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
    ):
        super().__init__(
            base_url,
            timeout=timeout,
            retry=retry,
            auth=(account_sid, auth_token),
            retry_methods=WRITE_RETRY_METHODS,
        )
        self.account_sid = account_sid
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback

    def _messages_path(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages"

    def send_sms(
        self,
        to: str,
        body: str,
        *,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        status_callback: str | None = None,
    ) -> TwilioMessage:
        """Create (send) one SMS; answers the message resource, normally `queued` (or `accepted`)."""
        form: dict[str, str] = {"To": to, "Body": body}
        sender = from_number or (None if messaging_service_sid else self.from_number)
        service = messaging_service_sid or (None if sender else self.messaging_service_sid)
        if sender:
            form["From"] = sender
        if service:
            form["MessagingServiceSid"] = service
        if not sender and not service:
            raise ValueError("send_sms needs a from_number or a messaging_service_sid")
        callback = status_callback or self.status_callback
        if callback:
            form["StatusCallback"] = callback
        response = self.request("POST", f"{self._messages_path()}.json", data=form)
        return TwilioMessage.from_resource(self.parse_json(response, "Messages.json"))

    def get_message(self, sid: str) -> TwilioMessage:
        return TwilioMessage.from_resource(self.get_json(f"{self._messages_path()}/{sid}.json"))

    def list_messages(
        self, *, to: str | None = None, date_sent_after: date | None = None, page_size: int = 100
    ) -> Iterator[TwilioMessage]:
        """Messages (newest first), filtered by `To` and sent on or after a UTC day (`DateSent>`), every page."""
        params: dict[str, Any] = {"PageSize": page_size}
        if to:
            params["To"] = to
        if date_sent_after:
            params["DateSent>"] = date_sent_after.isoformat()
        path: str | None = f"{self._messages_path()}.json"
        pages = 0
        while path:
            payload = self.get_json(path, params=params)
            messages = require(payload, "messages", self.vendor, "Messages.json list")
            if not isinstance(messages, list):
                raise MalformedResponseError(self.vendor, "Messages.json list: messages is not a list")
            yield from (TwilioMessage.from_resource(m) for m in messages)
            path, params = payload.get("next_page_uri"), {}  # the next page's URI carries the filters
            pages += 1
            if pages > 1000:
                raise MalformedResponseError(self.vendor, "Messages.json list: more than 1000 pages")

    def messages_created_since(self, to: str, since: datetime) -> Iterator[TwilioMessage]:
        """Messages to `to` created at or after `since`, whether sent yet or not (newest first).

        This is the lookup for a send whose response was lost, so it cannot filter by `DateSent>`: that filters on
        `date_sent`, which Twilio fills only when a message leaves its queue, and a message still queued is exactly
        what a timed-out create leaves behind. Listing by `To` alone is small (one person's messages); a message
        whose `date_created` is unreadable is kept, for the caller to judge by its body."""
        for message in self.list_messages(to=to):
            created = message.created_at
            if created is None or created >= since:
                yield message

    # --- errors -------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return super().request(method, path, **kwargs)
        except TwilioApiError:
            raise
        except PermanentVendorError as exc:
            match = _CODED_REASON.match(exc.reason or "")
            code = int(match.group(1)) if match else None
            cls = ERROR_CLASSES.get(code, TwilioApiError) if code else TwilioApiError
            raise cls(str(exc), code=code, status=exc.status, reason=exc.reason) from exc

    def error_reason(self, response: requests.Response) -> str:
        """Twilio's `code: message`, e.g. `21610: Attempt to send to unsubscribed recipient`."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("code") and body.get("message"):
            return f"{body['code']}: {body['message']}"[:500]
        return super().error_reason(response)
