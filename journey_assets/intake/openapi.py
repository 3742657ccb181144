"""What `/openapi.json` says about each intake endpoint.

The handlers in `app.py` read and check the raw body themselves (the signature
covers its bytes), so FastAPI learns nothing about bodies from their
signatures. Each endpoint is therefore declared once more here, with its body
model, headers and answers, on a documentation-only router; `openapi_schema`
builds the document from it and adds every body model's JSON schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from journey_assets.intake.models import (
    EVENT_MODELS,
    Accepted,
    ConversionEvent,
    CustomerIOReportingEvent,
    ErrorBody,
    IntentEvent,
    MetaAccepted,
    MetaLeadgen,
    MetaWebhook,
    ServiceEvent,
    SocialEvent,
    TwilioInbound,
    TwilioStatus,
)

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Malformed body (not JSON, not UTF-8)."},
    401: {"model": ErrorBody, "description": "Missing, tampered or replayed signature."},
    413: {"model": ErrorBody, "description": "Body larger than the configured maximum."},
    422: {"model": ErrorBody, "description": "A field is wrong; `errors[].field` names it."},
    503: {"model": ErrorBody, "description": "Not configured, busy or store unavailable; retry after Retry-After."},
}
_UNSUPPORTED = {"model": ErrorBody, "description": "Content-Type is not the endpoint's."}
_JOURNEY_HEADERS = [
    {
        "name": "X-Journey-Timestamp",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "Unix seconds when the request was signed; must be within the tolerance (300 s).",
    },
    {
        "name": "X-Journey-Signature",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "v1=<hex HMAC-SHA256(secret, f'{timestamp}.{raw_body}')>",
    },
]
_TWILIO_HEADERS = [
    {
        "name": "X-Twilio-Signature",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "base64 HMAC-SHA1(auth token, url + sorted POST params, repeated values once each)",
    },
    {
        "name": "dealer_id",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "Rooftop the number belongs to; part of the signed URL, so it can be trusted.",
    },
]
_META_HEADERS = [
    {
        "name": "X-Hub-Signature-256",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "sha256=<hex HMAC-SHA256(app secret, raw body)>",
    },
]
_CIO_HEADERS = [
    {
        "name": "X-CIO-Timestamp",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "Unix seconds when Customer.io signed the request; must be within the tolerance (300 s).",
    },
    {
        "name": "X-CIO-Signature",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "hex HMAC-SHA256(signing key, 'v0:' + timestamp + ':' + raw body)",
    },
]
BODY_MODELS: list[type[BaseModel]] = [
    IntentEvent,
    ConversionEvent,
    SocialEvent,
    ServiceEvent,
    TwilioInbound,
    TwilioStatus,
    MetaWebhook,
    MetaLeadgen,
    CustomerIOReportingEvent,
]


def _body(model: type[BaseModel], content_type: str = "application/json", parameters: list | None = None) -> dict:
    return {
        "requestBody": {
            "required": True,
            "content": {content_type: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
        },
        "parameters": parameters or [],
    }


def _endpoint_docs() -> dict[tuple[str, str], dict[str, Any]]:
    docs: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, model in EVENT_MODELS.items():
        docs[("POST", f"/events/{kind}")] = {
            "summary": f"Receive a {kind} event",
            "status_code": 201,
            "responses": {
                201: {"model": Accepted, "description": "Stored."},
                200: {"model": Accepted, "description": "Duplicate event id; stored once already."},
                **_ERRORS,
                415: _UNSUPPORTED,
            },
            "openapi_extra": _body(model, parameters=_JOURNEY_HEADERS),
            "tags": ["events"],
        }
    docs[("POST", "/twilio/inbound")] = {
        "summary": "Twilio inbound message webhook",
        "responses": {
            200: {"description": "Stored (or duplicate); empty TwiML.", "content": {"text/xml": {}}},
            415: _UNSUPPORTED,
            **_ERRORS,
        },
        "openapi_extra": _body(TwilioInbound, "application/x-www-form-urlencoded", _TWILIO_HEADERS),
        "tags": ["twilio"],
    }
    docs[("POST", "/twilio/status")] = {
        "summary": "Twilio message status callback",
        "status_code": 204,
        "responses": {204: {"description": "Stored (or duplicate)."}, 415: _UNSUPPORTED, **_ERRORS},
        "openapi_extra": _body(TwilioStatus, "application/x-www-form-urlencoded", _TWILIO_HEADERS),
        "tags": ["twilio"],
    }
    docs[("GET", "/meta/leadgen")] = {
        "summary": "Meta webhook subscription handshake",
        "responses": {
            200: {"description": "hub.challenge echoed", "content": {"text/plain": {}}},
            403: {"model": ErrorBody},
            400: {"model": ErrorBody},
        },
        "openapi_extra": {
            "parameters": [
                {"name": n, "in": "query", "required": True, "schema": {"type": "string"}}
                for n in ("hub.mode", "hub.verify_token", "hub.challenge")
            ]
        },
        "tags": ["meta"],
    }
    docs[("POST", "/meta/leadgen")] = {
        "summary": "Meta lead ads webhook",
        "responses": {200: {"model": MetaAccepted}, **_ERRORS},
        "openapi_extra": _body(MetaWebhook, parameters=_META_HEADERS),
        "tags": ["meta"],
    }
    docs[("POST", "/customerio/reporting")] = {
        "summary": "Customer.io reporting webhook (sent, delivered, opened, clicked, bounced, unsubscribed, ...)",
        "responses": {
            200: {"model": Accepted, "description": "Stored, or a duplicate event id stored once already."},
            **_ERRORS,
        },
        "openapi_extra": _body(CustomerIOReportingEvent, parameters=_CIO_HEADERS),
        "tags": ["customerio"],
    }
    docs[("GET", "/healthz")] = {"summary": "Liveness and store health", "tags": ["ops"]}
    return docs


ENDPOINT_DOCS = _endpoint_docs()


def document(router: APIRouter, method: str, path: str, handler: Callable[..., Any]) -> None:
    """Declare `handler` on the documentation router with the endpoint's documentation."""
    router.add_api_route(path, handler, methods=[method], **ENDPOINT_DOCS[(method, path)])


def openapi_schema(title: str, version: str, description: str, router: APIRouter) -> dict[str, Any]:
    schema = get_openapi(title=title, version=version, description=description, routes=router.routes)
    _, defs = models_json_schema([(m, "validation") for m in BODY_MODELS], ref_template="#/components/schemas/{model}")
    schema.setdefault("components", {}).setdefault("schemas", {}).update(defs.get("$defs", {}))
    return schema
