"""Twilio Programmable Messaging, as the sandbox plays it.

Implemented from Twilio's public documentation, independently of our client:

* Message resource (create, fetch, properties, status values):
  https://www.twilio.com/docs/messaging/api/message-resource
* Status callbacks, and which status changes trigger them (none for the initial
  status; `queued` is initial without a Messaging Service, `accepted` with one):
  https://www.twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks
* The incoming-message webhook form: https://www.twilio.com/docs/messaging/guides/webhook-request
* `X-Twilio-Signature`: base64 HMAC-SHA1, keyed by the auth token, over the full
  URL followed by each POST parameter name and value sorted by name:
  https://www.twilio.com/docs/usage/webhooks/webhooks-security
* Default opt-out keywords (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT,
  REVOKE, OPTOUT; START, YES, UNSTOP to opt back in; HELP, INFO):
  https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out
* Error codes: 20003 authenticate, 20404 not found, 21211 invalid To, 21212
  invalid From, 21602 body required, 21603 From/MessagingServiceSid required,
  21604 To required, 21610 unsubscribed recipient, 21617 body over 1600
  characters; 30003/30008 delivery failures in callbacks (twilio.com/docs/api/errors).

Wire format served at `<sandbox>/twilio` (the client's base URL stands in for
`https://api.twilio.com`):

    POST /2010-04-01/Accounts/{AccountSid}/Messages.json   (form: To, From |
         MessagingServiceSid, Body, StatusCallback) -> 201 message resource
    GET  /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json -> message resource
    GET  /2010-04-01/Accounts/{AccountSid}/Messages.json  (query: To, From, DateSent,
         DateSent< on or before, DateSent> on or after a UTC day YYYY-MM-DD; PageSize
         default 50, at most 1000; Page, PageToken) -> {messages, page, page_size,
         uri, first_page_uri, next_page_uri, previous_page_uri, start, end}, newest
         first; a DateSent filter leaves out messages not sent yet
         (https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources)

Errors are Twilio's JSON: `{"code", "message", "more_info", "status"}`. The
framework's `rate_limit` fault stands in for Twilio's 20429 (429 + Retry-After).

After a send the fake walks the message through its statuses on a background
thread and POSTs each change (form-encoded, signed) to the message's
`StatusCallback`: `sent` then `delivered`, or `undelivered`/`failed` with an
`ErrorCode` for numbers configured to fail. With a Messaging Service the initial
status is `accepted` and `queued` is reported too, as Twilio does.

Sandbox-only routes (no auth; they do not exist at Twilio):

    POST /_simulate/inbound  {From, Body[, To]} (JSON or form): posts Twilio's
         incoming-message webhook, signed, to the configured inbound URL;
         STOP-family keywords add From to the opted-out list (START-family
         remove it), as Twilio's default opt-out handling does.
    POST /_sandbox/config    JSON {inbound_url, status_callback_url,
         fail_numbers: {number: "undelivered" | "failed" | [status, code]},
         opted_out: [numbers], callback_delay}
    GET  /_sandbox/state     opted-out numbers and the webhook deliveries made

Configuration, since the SandboxServer builds every fake as `cls(world)`:
constructor keywords default to env vars `JOURNEY_SANDBOX_TWILIO_ACCOUNT_SID`,
`_AUTH_TOKEN`, `_INBOUND_URL` (incoming-message webhook), `_STATUS_CALLBACK_URL`
(used when a send names no StatusCallback, like a Messaging Service's default),
`_FROM_NUMBER` (the account's number that inbound texts are addressed to),
`_MESSAGING_SERVICE_SID`, `_FAIL_NUMBERS` (`+1555...=undelivered:30003,...`),
`_OPTED_OUT` (comma-separated) and `_CALLBACK_DELAY` (seconds between statuses).

Simplification: Twilio keeps opt-outs per sender (number or Messaging Service);
the fake keeps one account-wide list.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import math
import os
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

import phonenumbers
import requests

from journey_assets.sandbox.server import FakeVendor, SandboxRequest, SandboxResponse, route

API_VERSION = "2010-04-01"
DEFAULT_ACCOUNT_SID = "AC" + hashlib.md5(b"dealer-journey-sandbox-account").hexdigest()
DEFAULT_AUTH_TOKEN = hashlib.md5(b"dealer-journey-sandbox-auth-token").hexdigest()
DEFAULT_FROM_NUMBER = "+15005550006"
MAX_BODY = 1600

OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})

DEFAULT_FAILURE_CODES = {"undelivered": 30003, "failed": 30008}

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def segment_count(body: str) -> int:
    """SMS segments: GSM-7 160 (153 a part), else UCS-2 70 (67 a part)."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in body):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in body)
        single, part = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, part = 70, 67
    if units <= single:
        return 1
    return math.ceil(units / part)


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature: base64(HMAC-SHA1(auth_token, url + name1 + value1 + ... sorted by name))."""
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _error(status: int, code: int, message: str) -> SandboxResponse:
    return SandboxResponse(
        status,
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status},
    )


def _rfc2822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


def _parse_fail_numbers(raw: str) -> dict[str, tuple[str, int]]:
    out: dict[str, tuple[str, int]] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        number, _, spec = item.partition("=")
        status, _, code = (spec or "undelivered").partition(":")
        out[number.strip()] = (status, int(code) if code else DEFAULT_FAILURE_CODES.get(status, 30008))
    return out


def _e164(number: str) -> str | None:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _valid_sender(sender: str) -> bool:
    """An E.164 number, a short code, or an alphanumeric sender ID (up to 11, at least one letter)."""
    if sender.startswith("+"):
        return _e164(sender) is not None
    return bool(re.fullmatch(r"[0-9]{5,6}", sender) or re.fullmatch(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}", sender))


def _country(number: str) -> str:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number, None)) or ""
    except phonenumbers.NumberParseException:
        return ""


@dataclass
class WebhookDelivery:
    """One webhook the fake made: where, what, and what the receiver answered."""

    kind: str  # "status" or "inbound"
    url: str
    params: dict[str, str]
    signature: str
    status_code: int | None
    error: str | None = None
    at: float = field(default_factory=time.time)


class TwilioFake(FakeVendor):
    name = "twilio"

    def __init__(
        self,
        world: Any,
        *,
        account_sid: str | None = None,
        auth_token: str | None = None,
        inbound_url: str | None = None,
        status_callback_url: str | None = None,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        fail_numbers: dict[str, tuple[str, int]] | None = None,
        opted_out: set[str] | None = None,
        callback_delay: float | None = None,
    ):
        super().__init__(world)
        env = os.environ.get
        self.account_sid = account_sid or env("JOURNEY_SANDBOX_TWILIO_ACCOUNT_SID") or DEFAULT_ACCOUNT_SID
        self.auth_token = auth_token or env("JOURNEY_SANDBOX_TWILIO_AUTH_TOKEN") or DEFAULT_AUTH_TOKEN
        self.inbound_url = inbound_url or env("JOURNEY_SANDBOX_TWILIO_INBOUND_URL") or None
        self.status_callback_url = status_callback_url or env("JOURNEY_SANDBOX_TWILIO_STATUS_CALLBACK_URL") or None
        self.from_number = from_number or env("JOURNEY_SANDBOX_TWILIO_FROM_NUMBER") or DEFAULT_FROM_NUMBER
        self.messaging_service_sid = (
            messaging_service_sid or env("JOURNEY_SANDBOX_TWILIO_MESSAGING_SERVICE_SID") or None
        )
        self.fail_numbers = (
            dict(fail_numbers)
            if fail_numbers is not None
            else _parse_fail_numbers(env("JOURNEY_SANDBOX_TWILIO_FAIL_NUMBERS", ""))
        )
        self.opted_out: set[str] = (
            set(opted_out)
            if opted_out is not None
            else {n.strip() for n in env("JOURNEY_SANDBOX_TWILIO_OPTED_OUT", "").split(",") if n.strip()}
        )
        delay = callback_delay if callback_delay is not None else env("JOURNEY_SANDBOX_TWILIO_CALLBACK_DELAY")
        self.callback_delay = float(delay) if delay not in (None, "") else 0.05
        self.messages: dict[str, dict[str, Any]] = {}
        self.deliveries: list[WebhookDelivery] = []
        self._lock = threading.RLock()
        self._counter = itertools.count(1)

    # --- helpers ----------------------------------------------------------
    def _new_sid(self, prefix: str) -> str:
        seed = f"{self.account_sid}:{prefix}:{next(self._counter)}:{time.time_ns()}"
        return prefix + hashlib.md5(seed.encode()).hexdigest()

    def _authenticate(self, request: SandboxRequest) -> SandboxResponse | None:
        header = request.headers.get("Authorization") or request.headers.get("authorization") or ""
        scheme, _, encoded = header.partition(" ")
        try:
            user, _, password = (
                base64.b64decode(encoded).decode().partition(":") if scheme.lower() == "basic" else ("", "", "")
            )
        except (ValueError, UnicodeDecodeError):
            user, password = "", ""
        same_user = hmac.compare_digest(user.encode(), self.account_sid.encode())
        if not (same_user and hmac.compare_digest(password.encode(), self.auth_token.encode())):
            response = _error(401, 20003, "Authenticate")
            response.body["detail"] = "Your AccountSid or AuthToken was incorrect."
            response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return response
        if request.params.get("account") != self.account_sid:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        return None

    def _resource(self, message: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in message.items() if not k.startswith("_")}

    def _post_webhook(self, kind: str, url: str, params: dict[str, str]) -> WebhookDelivery:
        signature = twilio_signature(self.auth_token, url, params)
        delivery = WebhookDelivery(kind, url, dict(params), signature, None)
        try:
            answer = requests.post(
                url,
                data=params,
                headers={
                    "X-Twilio-Signature": signature,
                    "User-Agent": "TwilioProxy/1.1",
                    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                },
                timeout=5,
            )
            delivery.status_code = answer.status_code
        except requests.RequestException as exc:  # Twilio logs a webhook failure (11200) and moves on
            delivery.error = type(exc).__name__
        with self._lock:
            self.deliveries.append(delivery)
        return delivery

    # --- Messages ---------------------------------------------------------
    @route("POST", r"/2010-04-01/Accounts/(?P<account>[^/]+)/Messages\.json")
    def create_message(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._authenticate(request)
        if denied:
            return denied
        form = request.form()
        to, from_, service = (
            form.get("To", "").strip(),
            form.get("From", "").strip(),
            form.get("MessagingServiceSid", "").strip(),
        )
        body = form.get("Body", "")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not from_ and not service:
            return _error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.")
        if not body and not form.get("MediaUrl"):
            return _error(400, 21602, "Message body is required.")
        if len(body) > MAX_BODY:
            return _error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        normalized_to = _e164(to) if to.startswith("+") else None
        if normalized_to is None:
            return _error(400, 21211, f"Invalid 'To' Phone Number: {to}")
        to = normalized_to
        if from_ and not _valid_sender(from_):
            return _error(400, 21212, f"Invalid 'From' Phone Number: {from_}")
        with self._lock:
            if to in self.opted_out:
                return _error(400, 21610, "Attempt to send to unsubscribed recipient")
        now = datetime.now(UTC)
        sid = self._new_sid("SM")
        callback = form.get("StatusCallback") or self.status_callback_url
        message = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": _rfc2822(now),
            "date_sent": None,
            "date_updated": _rfc2822(now),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": from_ or None,
            "messaging_service_sid": service or None,
            "num_media": "0",
            "num_segments": "0" if service and not from_ else str(segment_count(body)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service else "queued",
            "subresource_uris": {
                "media": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}/Media.json",
                "feedback": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}/Feedback.json",
            },
            "to": to,
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json",
            "_status_callback": callback,
        }
        with self._lock:
            self.messages[sid] = message
            outcome = self.fail_numbers.get(to)
        threading.Thread(target=self._progress, args=(sid, outcome), name=f"twilio-{sid}", daemon=True).start()
        return SandboxResponse(201, self._resource(message))

    @route("GET", r"/2010-04-01/Accounts/(?P<account>[^/]+)/Messages/(?P<sid>[^/]+)\.json")
    def fetch_message(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._authenticate(request)
        if denied:
            return denied
        with self._lock:
            message = self.messages.get(request.params["sid"])
            if message is None:
                return _error(404, 20404, f"The requested resource {request.path} was not found")
            return SandboxResponse(200, self._resource(message))

    @route("GET", r"/2010-04-01/Accounts/(?P<account>[^/]+)/Messages\.json")
    def list_messages(self, request: SandboxRequest) -> SandboxResponse:
        denied = self._authenticate(request)
        if denied:
            return denied
        filters = {k: request.arg(k) for k in ("To", "From", "DateSent", "DateSent<", "DateSent>")}
        days: dict[str, str] = {}
        for key in ("DateSent", "DateSent<", "DateSent>"):
            if filters[key]:
                try:
                    days[key] = datetime.strptime(filters[key] or "", "%Y-%m-%d").date().isoformat()
                except ValueError:
                    return _error(400, 20001, f"Invalid {key}: {filters[key]}")
        try:
            size = int(request.arg("PageSize") or 50)
            page = int(request.arg("Page") or 0)
        except ValueError:
            return _error(400, 20001, "PageSize and Page must be integers")
        if not 1 <= size <= 1000 or page < 0:
            return _error(400, 20001, "PageSize must be between 1 and 1000")
        to = _e164(filters["To"] or "") if (filters["To"] or "").startswith("+") else filters["To"]

        def sent_day(message: dict[str, Any]) -> str | None:
            return parsedate_to_datetime(message["date_sent"]).date().isoformat() if message["date_sent"] else None

        def keep(message: dict[str, Any]) -> bool:
            if to and message["to"] != to:
                return False
            if filters["From"] and message["from"] != filters["From"]:
                return False
            day = sent_day(message)
            if days and day is None:
                return False
            return not (
                ("DateSent" in days and day != days["DateSent"])
                or ("DateSent<" in days and day > days["DateSent<"])  # type: ignore[operator]
                or ("DateSent>" in days and day < days["DateSent>"])  # type: ignore[operator]
            )

        with self._lock:
            found = [self._resource(m) for m in reversed(list(self.messages.values())) if keep(m)]
        chosen = found[page * size : (page + 1) * size]
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"
        query = {k: v for k, v in filters.items() if v}

        def page_uri(number: int) -> str:
            return f"{base}?{urlencode({**query, 'PageSize': size, 'Page': number})}"

        more = (page + 1) * size < len(found)
        return SandboxResponse(
            200,
            {
                "messages": chosen,
                "page": page,
                "page_size": size,
                "start": page * size,
                "end": page * size + max(len(chosen) - 1, 0),
                "uri": page_uri(page),
                "first_page_uri": page_uri(0),
                "next_page_uri": page_uri(page + 1) if more else None,
                "previous_page_uri": page_uri(page - 1) if page else None,
            },
        )

    def _progress(self, sid: str, outcome: tuple[str, int] | None) -> None:
        """Walk one message through its statuses, reporting each change to its StatusCallback."""
        with self._lock:
            uses_service = self.messages[sid]["status"] == "accepted"
        steps: list[tuple[str, int | None]] = [("queued", None)] if uses_service else []
        if outcome and outcome[0] == "failed":
            steps.append(("failed", outcome[1]))
        else:
            steps.append(("sent", None))
            steps.append(outcome if outcome else ("delivered", None))
        for status, error_code in steps:
            time.sleep(self.callback_delay)
            with self._lock:
                message = self.messages[sid]
                message["status"] = status
                message["date_updated"] = _rfc2822(datetime.now(UTC))
                if status == "sent":
                    message["date_sent"] = message["date_updated"]
                    message["price"] = f"-{0.0079 * max(int(message['num_segments']), 1):.5f}"
                if message["from"] is None and status in ("queued", "sent"):
                    message["from"] = self.from_number
                    message["num_segments"] = str(segment_count(message["body"]))
                if error_code is not None:
                    message["error_code"] = error_code
                    message["error_message"] = {30003: "Unreachable destination handset"}.get(
                        error_code, "Unknown error"
                    )
                callback = message["_status_callback"]
                params = {
                    "AccountSid": self.account_sid,
                    "ApiVersion": API_VERSION,
                    "From": message["from"] or "",
                    "MessageSid": sid,
                    "MessageStatus": status,
                    "SmsSid": sid,
                    "SmsStatus": status,
                    "To": message["to"],
                }
                if message["messaging_service_sid"]:
                    params["MessagingServiceSid"] = message["messaging_service_sid"]
                if error_code is not None:
                    params["ErrorCode"] = str(error_code)
            if callback:
                self._post_webhook("status", callback, params)

    # --- sandbox-only -----------------------------------------------------
    @route("POST", r"/_simulate/inbound")
    def simulate_inbound(self, request: SandboxRequest) -> SandboxResponse:
        content_type = (request.headers.get("Content-Type") or request.headers.get("content-type") or "").lower()
        try:
            data = (
                request.json()
                if "json" in content_type
                else {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
            )
        except (ValueError, UnicodeDecodeError):
            return SandboxResponse(400, {"error": {"message": "body must be JSON or a form"}})
        sender, text = str((data or {}).get("From", "")).strip(), str((data or {}).get("Body", ""))
        if not sender:
            return SandboxResponse(400, {"error": {"message": "From is required"}})
        sender = _e164(sender) or sender
        to = str(data.get("To") or self.from_number)
        keyword = re.sub(r"[^A-Z]", "", text.strip().upper()) if len(text.split()) <= 1 else ""
        opt_out_type = None
        with self._lock:
            if keyword in OPT_OUT_KEYWORDS:
                self.opted_out.add(sender)
                opt_out_type = "STOP"
            elif keyword in OPT_IN_KEYWORDS:
                self.opted_out.discard(sender)
                opt_out_type = "START"
            elif keyword in HELP_KEYWORDS:
                opt_out_type = "HELP"
        sid = self._new_sid("SM")
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "Body": text,
            "From": sender,
            "FromCountry": _country(sender),
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": str(segment_count(text) if text else 1),
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": to,
            "ToCountry": _country(to),
        }
        if self.messaging_service_sid:
            params["MessagingServiceSid"] = self.messaging_service_sid
        if opt_out_type:
            params["OptOutType"] = opt_out_type
        now = datetime.now(UTC)
        with self._lock:
            self.messages[sid] = {
                "account_sid": self.account_sid,
                "api_version": API_VERSION,
                "body": text,
                "date_created": _rfc2822(now),
                "date_sent": _rfc2822(now),
                "date_updated": _rfc2822(now),
                "direction": "inbound",
                "error_code": None,
                "error_message": None,
                "from": sender,
                "messaging_service_sid": self.messaging_service_sid,
                "num_media": "0",
                "num_segments": params["NumSegments"],
                "price": None,
                "price_unit": "USD",
                "sid": sid,
                "status": "received",
                "subresource_uris": {},
                "to": to,
                "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json",
                "_status_callback": None,
            }
        delivered = None
        if self.inbound_url:
            delivered = self._post_webhook("inbound", self.inbound_url, params)
        return SandboxResponse(
            200,
            {
                "message_sid": sid,
                "opt_out_type": opt_out_type,
                "opted_out": sender in self.opted_out,
                "webhook_url": self.inbound_url,
                "webhook_status": delivered.status_code if delivered else None,
                "webhook_error": delivered.error if delivered else None,
            },
        )

    @route("POST", r"/_sandbox/config")
    def configure(self, request: SandboxRequest) -> SandboxResponse:
        try:
            data = request.json() or {}
        except ValueError:
            return SandboxResponse(400, {"error": {"message": "config must be JSON"}})
        with self._lock:
            if "inbound_url" in data:
                self.inbound_url = data["inbound_url"] or None
            if "status_callback_url" in data:
                self.status_callback_url = data["status_callback_url"] or None
            if "callback_delay" in data:
                self.callback_delay = float(data["callback_delay"])
            if "opted_out" in data:
                self.opted_out = set(data["opted_out"])
            for number, spec in (data.get("fail_numbers") or {}).items():
                status, code = (spec, DEFAULT_FAILURE_CODES.get(spec, 30008)) if isinstance(spec, str) else spec
                self.fail_numbers[number] = (status, int(code))
        return self.state(request)

    @route("GET", r"/_sandbox/state")
    def state(self, request: SandboxRequest) -> SandboxResponse:
        with self._lock:
            return SandboxResponse(
                200,
                {
                    "account_sid": self.account_sid,
                    "inbound_url": self.inbound_url,
                    "status_callback_url": self.status_callback_url,
                    "opted_out": sorted(self.opted_out),
                    "fail_numbers": {k: list(v) for k, v in self.fail_numbers.items()},
                    "webhooks": [
                        {
                            "kind": d.kind,
                            "url": d.url,
                            "params": d.params,
                            "status_code": d.status_code,
                            "error": d.error,
                        }
                        for d in self.deliveries
                    ],
                },
            )


__all__ = ["TwilioFake", "twilio_signature", "segment_count", "DEFAULT_ACCOUNT_SID", "DEFAULT_AUTH_TOKEN"]
