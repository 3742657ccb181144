"""The webhook intake: a FastAPI app that authenticates, size-limits, validates, deduplicates
and durably stores every event before it answers 2xx.

Endpoints (OpenAPI at `/openapi.json`, UI at `/docs`):

| endpoint | auth | body |
|---|---|---|
| POST /events/intent, /events/conversion, /events/social, /events/service | X-Journey-Timestamp + X-Journey-Signature | JSON, `models.*Event` |
| POST /twilio/inbound, /twilio/status | X-Twilio-Signature over `public_url + path [+ ?query]` | form, Twilio's fields |
| GET /meta/leadgen | hub.verify_token | query: hub.mode, hub.verify_token, hub.challenge |
| POST /meta/leadgen | X-Hub-Signature-256 | JSON, Meta's `entry[].changes[]` |
| POST /customerio/reporting | X-CIO-Timestamp + X-CIO-Signature | JSON, one Customer.io reporting webhook event |
| GET /healthz | none | |

Order of checks on every POST: size (413, from Content-Length before any byte
of the body is read, else while streaming it), signature (401), media type
(415: `/events/*` take JSON only, `application/json` or `application/*+json`,
UTF-8; Twilio's form posts and Meta's JSON keep their own checks), parse and
validate (400 bad JSON / 422 a field is wrong, naming the field), then append
to the store, which returns only after COMMIT; only then the 2xx. A store that
cannot commit answers 503 with Retry-After, so the sender retries; the event id
makes the retry harmless.

Refusals on authentication or size are recorded as security events (endpoint,
reason, remote address, time) and logged at WARNING with the same fields; no
payload, header value or secret is ever recorded or logged. uvicorn's access
log is switched off by `serve()` because it would log query strings (Meta's
verify token travels in one).

Dedupe keys: our events use the sender's `event_id`; Twilio inbound
`twilio:<MessageSid>`; Twilio status `twilio-status:<MessageSid>:<MessageStatus>`
(one row per status transition); Meta `meta-leadgen:<leadgen_id>`; Customer.io
`customerio:<event_id>` (kind `customerio_reporting`, event type `<object_type>_<metric>`).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.message import Message
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response

from journey_assets.intake.models import (
    DEALER_ID_PATTERN,
    EVENT_MODELS,
    CustomerIOReportingEvent,
    MetaLeadgen,
    MetaWebhook,
    TwilioInbound,
    TwilioStatus,
    field_errors,
    is_json_error,
    phone_or_none,
)
from journey_assets.intake.openapi import document, openapi_schema
from journey_assets.intake.settings import IntakeSettings
from journey_assets.intake.store import (
    AppendResult,
    EventStore,
    NewEvent,
    SecurityEvent,
    StoreBusy,
    utc_now_iso,
)
from journey_assets.intake.store_factory import open_store
from journey_assets.journey.signatures import (
    CIO_SIGNATURE_HEADER,
    CIO_TIMESTAMP_HEADER,
    JOURNEY_SIGNATURE_HEADER,
    JOURNEY_TIMESTAMP_HEADER,
    META_SIGNATURE_HEADER,
    TWILIO_SIGNATURE_HEADER,
    SignatureError,
    verify_customerio,
    verify_journey,
    verify_meta,
    verify_twilio,
)

log = logging.getLogger("journey_assets.intake")

EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_CHALLENGE_LENGTH = 256
_DEALER_ID = re.compile(DEALER_ID_PATTERN)
_SIG_TS = JOURNEY_TIMESTAMP_HEADER.lower()
_SIG = JOURNEY_SIGNATURE_HEADER.lower()


class Refusal(Exception):
    """A request answered with an error; `security_reason` set means it is recorded as a security event."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        *,
        errors: list[dict[str, str]] | None = None,
        security_reason: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.errors = errors or []
        self.security_reason = security_reason
        self.headers = headers or {}


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")).encode(),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()  # in range: models.UtcDatetime checked it converts


def is_json_media_type(content_type: str | None) -> bool:
    """application/json or a structured `+json` type (RFC 6839), with no charset or UTF-8 (RFC 8259 section 8.1)."""
    if not content_type:
        return False
    # the stdlib's header parser, for quoted parameters and case; it answers text/plain for a malformed value
    header = Message()
    header["content-type"] = content_type
    maintype, subtype = header.get_content_maintype(), header.get_content_subtype()
    if maintype != "application" or not (subtype == "json" or subtype.endswith("+json")):
        return False
    charset = header.get_param("charset")
    return charset is None or (isinstance(charset, str) and charset.lower() in ("utf-8", "utf8"))


class Intake:
    """The request handling, shared by the routes; holds settings and the store."""

    def __init__(self, settings: IntakeSettings, store: EventStore):
        self.settings = settings
        self.store = store
        self.context = {"default_region": settings.default_region}
        self.journey_secrets = settings.journey_secrets()

    # -- shared steps -----------------------------------------------------------------------

    async def read_body(self, request: Request) -> bytes:
        limit = self.settings.max_body
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                raise Refusal(400, "bad_request", "Content-Length is not a number")
            if int(declared) > limit:
                raise self.too_large()
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise self.too_large()
            chunks.append(chunk)
        return b"".join(chunks)

    def too_large(self) -> Refusal:
        return Refusal(
            413,
            "payload_too_large",
            f"request body is larger than {self.settings.max_body} bytes",
            security_reason="body_too_large",
            headers={"Connection": "close"},
        )

    @staticmethod
    def unauthorized(exc: SignatureError) -> Refusal:
        return Refusal(401, "unauthorized", f"signature check failed: {exc.reason}", security_reason=exc.reason)

    @staticmethod
    def not_configured(what: str) -> Refusal:
        return Refusal(503, "not_configured", f"{what} is not configured on this intake", headers={"Retry-After": "60"})

    @staticmethod
    def invalid(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> Refusal:
        if is_json_error(exc):
            return Refusal(400, "invalid_json", "the body is not valid JSON")
        return Refusal(422, "validation_failed", "one or more fields are invalid", errors=field_errors(exc, prefix))

    async def append(self, events: Sequence[NewEvent]) -> list[AppendResult]:
        try:
            return await self.store.append_async(events)
        except StoreBusy:
            log.warning("intake store busy; answering 503")
            raise Refusal(503, "busy", "the intake is busy, retry shortly", headers={"Retry-After": "1"}) from None
        except Exception:
            log.exception("intake store failed; nothing was stored")
            raise Refusal(
                503, "store_unavailable", "the event could not be stored, retry later", headers={"Retry-After": "5"}
            ) from None

    async def refuse(self, request: Request, endpoint: str, refusal: Refusal) -> Response:
        if refusal.security_reason:
            remote = request.client.host if request.client else None
            log.warning(
                "intake refused a request: endpoint=%s reason=%s remote=%s status=%d",
                endpoint,
                refusal.security_reason,
                remote,
                refusal.status,
            )
            event = SecurityEvent(endpoint, refusal.security_reason, remote, utc_now_iso())
            try:
                await self.store.record_security_event_async(event)
            except Exception as exc:  # the refusal stands; only its record is lost
                log.warning("intake could not record a security event (endpoint=%s): %s", endpoint, type(exc).__name__)
        body: dict[str, Any] = {"error": refusal.error, "message": refusal.message}
        if refusal.errors:
            body["errors"] = refusal.errors
        return _json(refusal.status, body, refusal.headers)

    # -- /events/* ------------------------------------------------------------------------------

    async def event(self, request: Request, kind: str) -> Response:
        endpoint = f"/events/{kind}"
        try:
            secrets = self.journey_secrets
            if not self.settings.intake_secret:
                raise self.not_configured("the journey signing secret")
            body = await self.read_body(request)
            headers = request.headers
            try:
                verify_journey(
                    secrets, body, headers.get(_SIG_TS), headers.get(_SIG), tolerance=self.settings.tolerance_seconds
                )
            except SignatureError as exc:
                raise self.unauthorized(exc) from None
            if not is_json_media_type(headers.get("content-type")):
                raise Refusal(
                    415,
                    "unsupported_media_type",
                    "send the event as JSON: Content-Type application/json (UTF-8)",
                    headers={"Accept-Post": "application/json"},
                )
            received_at = utc_now_iso()
            try:
                model = EVENT_MODELS[kind].model_validate_json(body, context=self.context)
            except ValidationError as exc:
                raise self.invalid(exc) from None
            stored = NewEvent(
                event_id=model.event_id,
                kind=kind,
                event_type=model.event_type,
                dealer_id=model.dealer_id,
                occurred_at=_iso_utc(model.occurred_at),
                received_at=received_at,
                payload=model.model_dump_json(),
            )
            result = (await self.append([stored]))[0]
        except Refusal as refusal:
            return await self.refuse(request, endpoint, refusal)
        return _json(200 if result.duplicate else 201, {"event_id": result.event_id, "duplicate": result.duplicate})

    # -- /twilio/* ------------------------------------------------------------------------------

    def twilio_url(self, request: Request, path: str) -> str:
        """The URL Twilio signed: the public base URL (behind a proxy) or the URL as we see it."""
        query = request.scope.get("query_string", b"").decode("latin-1")
        if self.settings.public_url:
            base = self.settings.public_url + path
        else:
            url = request.url
            base = f"{url.scheme}://{url.netloc}{path}"
        return f"{base}?{query}" if query else base

    async def twilio(self, request: Request, which: str) -> Response:
        endpoint = f"/twilio/{which}"
        try:
            token = self.settings.twilio_auth_token
            if not token:
                raise self.not_configured("the Twilio auth token")
            body = await self.read_body(request)
            content_type = request.headers.get("content-type", "")
            is_form = content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"
            try:
                pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True) if is_form else None
            except UnicodeDecodeError:
                raise Refusal(400, "bad_request", "the form body is not UTF-8") from None
            try:
                verify_twilio(
                    token,
                    self.twilio_url(request, endpoint),
                    pairs,
                    request.headers.get(TWILIO_SIGNATURE_HEADER),
                    body=None if is_form else body,  # a JSON body is signed through bodySHA256
                )
            except SignatureError as exc:
                raise self.unauthorized(exc) from None
            if not is_form:
                raise Refusal(415, "unsupported_media_type", "Twilio webhooks are application/x-www-form-urlencoded")
            received_at = utc_now_iso()
            form: dict[str, str] = {}
            for name, value in pairs or ():
                form.setdefault(name, value)
            dealer_id = request.query_params.get("dealer_id")
            if dealer_id is not None and not _DEALER_ID.match(dealer_id):
                raise Refusal(
                    422,
                    "validation_failed",
                    "one or more fields are invalid",
                    errors=[
                        {"field": "query.dealer_id", "message": "not a dealer id", "type": "string_pattern_mismatch"}
                    ],
                )
            region = self.settings.default_region
            message: TwilioInbound | TwilioStatus
            if which == "inbound":
                try:
                    message = TwilioInbound.model_validate(form)
                except ValidationError as exc:
                    raise self.invalid(exc) from None
                event_id = f"twilio:{message.MessageSid}"
                event_type = "mms_inbound" if message.NumMedia else "sms_inbound"
                kind = "twilio_inbound"
            else:
                try:
                    status = TwilioStatus.model_validate(form)
                except ValidationError as exc:
                    raise self.invalid(exc) from None
                message = status
                event_id = f"twilio-status:{status.MessageSid}:{status.MessageStatus}"
                event_type = status.MessageStatus
                kind = "twilio_status"
            payload = {
                "params": form,
                "from_phone": phone_or_none(message.From, region),
                "to_phone": phone_or_none(message.To, region),
            }
            stored = NewEvent(
                event_id=event_id,
                kind=kind,
                event_type=event_type,
                dealer_id=dealer_id,
                occurred_at=received_at,  # Twilio sends no event time
                received_at=received_at,
                payload=json.dumps(payload, separators=(",", ":")),
            )
            result = (await self.append([stored]))[0]
        except Refusal as refusal:
            return await self.refuse(request, endpoint, refusal)
        headers = {"X-Journey-Duplicate": "true" if result.duplicate else "false"}
        if which == "inbound":
            # an empty TwiML document: Twilio sends no automatic reply
            return Response(EMPTY_TWIML, status_code=200, media_type="text/xml", headers=headers)
        return Response(status_code=204, headers=headers)

    # -- /meta/leadgen ----------------------------------------------------------------------------

    async def meta_handshake(self, request: Request) -> Response:
        endpoint = "/meta/leadgen"
        try:
            expected = self.settings.meta_verify_token
            params = request.query_params
            mode, token, challenge = params.get("hub.mode"), params.get("hub.verify_token"), params.get("hub.challenge")
            if not expected:
                raise Refusal(
                    403,
                    "forbidden",
                    "the Meta verify token is not configured",
                    security_reason="handshake_not_configured",
                )
            if mode != "subscribe":
                raise Refusal(403, "forbidden", "hub.mode must be subscribe", security_reason="bad_hub_mode")
            if token is None or not hmac.compare_digest(token.encode(), expected.encode()):
                raise Refusal(403, "forbidden", "hub.verify_token does not match", security_reason="bad_verify_token")
            if not challenge or len(challenge) > MAX_CHALLENGE_LENGTH:
                raise Refusal(400, "bad_request", "hub.challenge is missing or too long")
        except Refusal as refusal:
            return await self.refuse(request, endpoint, refusal)
        return PlainTextResponse(challenge)

    async def meta_leadgen(self, request: Request) -> Response:
        endpoint = "/meta/leadgen"
        try:
            secret = self.settings.meta_app_secret
            if not secret:
                raise self.not_configured("the Meta app secret")
            body = await self.read_body(request)
            try:
                verify_meta(secret, body, request.headers.get(META_SIGNATURE_HEADER))
            except SignatureError as exc:
                raise self.unauthorized(exc) from None
            received_at = utc_now_iso()
            try:
                hook = MetaWebhook.model_validate_json(body)
            except ValidationError as exc:
                raise self.invalid(exc) from None
            events: list[NewEvent] = []
            ignored = 0
            for ei, entry in enumerate(hook.entry):
                for ci, change in enumerate(entry.changes):
                    if change.field != "leadgen":
                        ignored += 1
                        continue
                    try:
                        lead = MetaLeadgen.model_validate(change.value)
                    except ValidationError as exc:
                        raise self.invalid(exc, ("entry", ei, "changes", ci, "value")) from None
                    payload = {"object": hook.object, "entry_id": entry.id, "entry_time": entry.time}
                    payload.update(lead.model_dump())
                    events.append(
                        NewEvent(
                            event_id=f"meta-leadgen:{lead.leadgen_id}",
                            kind="meta_leadgen",
                            event_type="leadgen",
                            dealer_id=None,  # resolved from page_id by the response job
                            occurred_at=datetime.fromtimestamp(lead.created_time, UTC).isoformat(),
                            received_at=received_at,
                            payload=json.dumps(payload, separators=(",", ":")),
                        )
                    )
            results = await self.append(events) if events else []
        except Refusal as refusal:
            return await self.refuse(request, endpoint, refusal)
        duplicates = sum(1 for r in results if r.duplicate)
        return _json(200, {"stored": len(results) - duplicates, "duplicates": duplicates, "ignored": ignored})

    # -- /customerio/reporting ---------------------------------------------------------------------

    async def customerio_reporting(self, request: Request) -> Response:
        endpoint = "/customerio/reporting"
        try:
            key = self.settings.customerio_signing_key
            if not key:
                raise self.not_configured("the Customer.io webhook signing key")
            body = await self.read_body(request)
            headers = request.headers
            try:
                verify_customerio(
                    key,
                    body,
                    headers.get(CIO_TIMESTAMP_HEADER),
                    headers.get(CIO_SIGNATURE_HEADER),
                    tolerance=self.settings.tolerance_seconds,
                )
            except SignatureError as exc:
                raise self.unauthorized(exc) from None
            received_at = utc_now_iso()
            try:
                hook = CustomerIOReportingEvent.model_validate_json(body)
            except ValidationError as exc:
                raise self.invalid(exc) from None
            stored = NewEvent(
                event_id=f"customerio:{hook.event_id}",
                kind="customerio_reporting",
                event_type=f"{hook.object_type}_{hook.metric}",
                dealer_id=None,  # the warehouse finds the rooftop from the person
                occurred_at=datetime.fromtimestamp(hook.timestamp, UTC).isoformat(),
                received_at=received_at,
                payload=hook.model_dump_json(exclude_none=True),
            )
            result = (await self.append([stored]))[0]
        except Refusal as refusal:
            return await self.refuse(request, endpoint, refusal)
        return _json(200, {"event_id": result.event_id, "duplicate": result.duplicate})


# --- the app --------------------------------------------------------------------------------

Handler = Callable[[Request], Awaitable[Response]]


class IntakeApp(FastAPI):
    """FastAPI, plus a direct dispatch of the webhook routes.

    The webhook handlers read the raw body, check it and build their answer
    themselves, so FastAPI's middleware stack (error, exception and exit-stack
    middleware, about 30 us a request) has nothing to add for them: `__call__`
    hands an exact (method, path) match straight to its handler, with a
    last-resort 500 of its own. Everything else (OpenAPI, /docs, lifespan, a
    path with a trailing slash) goes through FastAPI as usual, where the same
    handlers are mounted as ordinary routes.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.direct_routes: dict[tuple[str, str], Handler] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            handler = self.direct_routes.get((scope["method"], scope["path"]))
            if handler is not None:
                try:
                    response = await handler(Request(scope, receive, send))
                except Exception:
                    log.exception("intake handler failed: %s %s", scope["method"], scope["path"])
                    response = _json(500, {"error": "internal_error", "message": "unexpected error; nothing stored"})
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def create_app(settings: IntakeSettings | None = None, *, store: EventStore | None = None) -> IntakeApp:
    """The intake app. `settings` default to the env vars; `store` defaults to `open_store(settings.store)`
    and is closed on shutdown only if this function opened it."""
    settings = settings or IntakeSettings.from_env()
    owns_store = store is None
    the_store = store if store is not None else open_store(settings.store)
    intake = Intake(settings, the_store)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        log.info("intake started: %s", settings.describe())
        yield
        if owns_store:
            await run_in_threadpool(the_store.close)

    app = IntakeApp(
        title="Dealer Journey intake",
        version="1",
        description="Webhook intake: every event is authenticated, validated, deduplicated and stored "
        "durably before the 2xx. See docs/webhooks.md for the signing scheme.",
        lifespan=lifespan,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = the_store
    app.state.intake = intake

    # Each endpoint is served directly (IntakeApp.direct_routes) and as a plain Starlette route;
    # the handlers read the raw body themselves, for the signature, so FastAPI's parameter
    # machinery would have nothing to do. Each is declared once more, with its models, on a
    # documentation-only router that feeds /openapi.json (intake/openapi.py).
    docs = APIRouter()

    def route(path: str, method: str, handler: Handler) -> None:
        app.router.add_route(path, handler, methods=[method], include_in_schema=False)
        app.direct_routes[(method, path)] = handler
        document(docs, method, path, handler)

    def event_handler(kind: str) -> Handler:
        async def handler(request: Request) -> Response:
            return await intake.event(request, kind)

        handler.__name__ = f"post_{kind}_event"
        return handler

    for kind in EVENT_MODELS:
        route(f"/events/{kind}", "POST", event_handler(kind))

    async def twilio_inbound(request: Request) -> Response:
        return await intake.twilio(request, "inbound")

    async def twilio_status(request: Request) -> Response:
        return await intake.twilio(request, "status")

    async def meta_handshake(request: Request) -> Response:
        return await intake.meta_handshake(request)

    async def meta_leadgen(request: Request) -> Response:
        return await intake.meta_leadgen(request)

    async def customerio_reporting(request: Request) -> Response:
        return await intake.customerio_reporting(request)

    async def healthz(request: Request) -> Response:
        if the_store.healthy():
            return _json(200, {"status": "ok"})
        return _json(503, {"status": "store_unavailable"})

    route("/twilio/inbound", "POST", twilio_inbound)
    route("/twilio/status", "POST", twilio_status)
    route("/meta/leadgen", "GET", meta_handshake)
    route("/meta/leadgen", "POST", meta_leadgen)
    route("/customerio/reporting", "POST", customerio_reporting)
    route("/healthz", "GET", healthz)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi_schema(app.title, app.version, app.description, docs)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
