"""Request bodies the intake accepts, one pydantic model per event kind, and their error format.

Our four `/events/*` kinds share `JourneyEvent`: `event_id` (the dedupe key,
unique across every kind), `occurred_at` (timezone required), `dealer_id`,
`event_type` (a fixed list per kind), `customer` (validated contact),
optional `vehicle` (VIN check digit), `consent` flags and free-form
`attributes`. Unknown top-level or nested fields are refused (422) so a typo
such as `emial` is reported instead of silently dropped; anything without a
field of its own goes in `attributes`.

Contact values are normalized through `journey.contact` (email lowercased,
phone to E.164, VIN uppercased), so what is stored is what the response job
and the identity keys use. The phone region for numbers written without `+`
comes from the validation context (`{"default_region": "US"}`).

Twilio's form posts and Meta's lead-ads webhook have their own models; they
keep the vendor's field names.

Every number must be finite: NaN, Infinity and literals beyond a double's
range (`1e400`) are refused with 422, in typed fields and inside
`attributes` alike, because JSON cannot carry them (they would be stored as
null). Every datetime must fall within years 1..9999 once converted to UTC,
and a Meta `created_time` within the same range, so that what is stored can
be normalized to UTC (a 500 would make the sender retry forever).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from journey_assets.journey.contact import ContactError, normalize_email, normalize_phone, validate_vin

EVENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$"
# dedupe keys the intake gives vendor events; a sender's event_id may not take them
RESERVED_ID_PREFIXES = ("twilio:", "twilio-status:", "meta-leadgen:", "customerio:")
DEALER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$"

INTENT_TYPES = (
    "test_drive_request",
    "trade_in_appraisal",
    "credit_application",
    "price_request",
    "vdp_view",
    "availability_request",
    "contact_request",
    "chat_lead",
)
CONVERSION_TYPES = ("vehicle_sold", "lease_signed", "deposit_placed", "financing_approved", "appointment_kept")
SOCIAL_TYPES = ("lead_form", "comment", "direct_message", "mention", "review")
SERVICE_TYPES = (
    "appointment_booked",
    "appointment_cancelled",
    "vehicle_checked_in",
    "repair_order_opened",
    "repair_order_closed",
    "recall_notice",
)
TWILIO_STATUSES = (
    "queued",
    "sending",
    "sent",
    "failed",
    "delivered",
    "undelivered",
    "receiving",
    "received",
    "accepted",
    "scheduled",
    "read",
    "canceled",
)

Name = Annotated[str, Field(min_length=1, max_length=100)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
# 9999-12-31T23:59:59Z, the last second Python's datetime (and BigQuery's TIMESTAMP) can hold
MAX_UNIX_SECONDS = 253_402_300_799


def _representable_in_utc(value: datetime) -> datetime:
    try:
        value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC, 9999-12-31T23:00-02:00 in year 10000
        raise PydanticCustomError(
            "datetime_out_of_range", "must fall between 0001-01-01 and 9999-12-31 once converted to UTC"
        ) from None
    return value


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_representable_in_utc)]


def non_finite_path(value: Any, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where in a decoded JSON value a NaN or an infinity sits (None when everywhere finite)."""
    if isinstance(value, float):
        return None if math.isfinite(value) else path
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = non_finite_path(item, (*path, key))
        if found is not None:
            return found
    return None


def _non_finite_error(where: tuple[str | int, ...]) -> PydanticCustomError:
    return PydanticCustomError(
        "finite_number",
        "{where} is not a finite number (NaN, Infinity and numbers beyond 1.8e308 are refused)",
        {"where": ".".join(str(part) for part in where) or "value"},
    )


def _finite_json(value: dict[str, Any]) -> dict[str, Any]:
    where = non_finite_path(value)
    if where is not None:
        raise _non_finite_error(where)
    return value


FiniteJsonObject = Annotated[dict[str, Any], AfterValidator(_finite_json)]


def _contact_error(exc: ContactError) -> PydanticCustomError:
    return PydanticCustomError(f"invalid_{exc.kind}", "{reason}", {"reason": exc.reason})


def _region(info: ValidationInfo) -> str:
    context = info.context or {}
    return context.get("default_region", "US")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class Customer(_Strict):
    """Who the event is about; at least one identifier is required."""

    customer_id: ShortText | None = Field(None, description="The dealer's CRM/DMS customer id.")
    client_id: ShortText | None = Field(None, description="Web analytics client id (GA4 `client_id`).")
    email: str | None = Field(None, description="Normalized to lowercase; syntax checked, no DNS.")
    phone: str | None = Field(None, description="Normalized to E.164; numbers without `+` read in the default region.")
    first_name: Name | None = None
    last_name: Name | None = None
    name: ShortText | None = Field(None, description="Full name when first/last are not split.")
    handle: ShortText | None = Field(None, description="Social handle (for social events).")
    postal_code: Annotated[str, Field(min_length=1, max_length=16)] | None = None

    @field_validator("email", mode="after")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return normalize_email(value)
        except ContactError as exc:
            raise _contact_error(exc) from None

    @field_validator("phone", mode="after")
    @classmethod
    def _phone(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        try:
            return normalize_phone(value, _region(info))
        except ContactError as exc:
            raise _contact_error(exc) from None

    @model_validator(mode="after")
    def _identified(self) -> Customer:
        if not self.identifiers():
            raise PydanticCustomError(
                "customer_unidentified",
                "customer needs at least one of customer_id, client_id, email, phone, handle",
            )
        return self

    def identifiers(self) -> list[str]:
        return [
            name for name in ("customer_id", "client_id", "email", "phone", "handle") if getattr(self, name) is not None
        ]


class Vehicle(_Strict):
    vin: str | None = Field(None, description="17 characters, no I/O/Q, check digit verified.")
    stock_number: ShortText | None = None
    year: Annotated[int, Field(ge=1900, le=2100)] | None = None
    make: Name | None = None
    model: Name | None = None
    trim: Name | None = None
    condition: Literal["new", "used", "cpo"] | None = None
    mileage: Annotated[int, Field(ge=0, le=2_000_000)] | None = None
    price: Annotated[float, Field(ge=0)] | None = None

    @field_validator("vin", mode="after")
    @classmethod
    def _vin(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return validate_vin(value)
        except ContactError as exc:
            raise _contact_error(exc) from None


class Consent(_Strict):
    """What the customer agreed to, as captured by the sender; None means not asked."""

    email: bool | None = None
    sms: bool | None = None
    phone_call: bool | None = None
    captured_at: UtcDatetime | None = None
    text: Annotated[str, Field(max_length=2000)] | None = Field(
        None, description="The consent language shown (TCPA record)."
    )


class JourneyEvent(_Strict):
    event_id: str = Field(pattern=EVENT_ID_PATTERN, description="Idempotency key, unique across all kinds.")
    occurred_at: UtcDatetime = Field(description="When it happened, with a timezone (RFC 3339).")
    dealer_id: str = Field(pattern=DEALER_ID_PATTERN, description="The rooftop.")
    event_type: str
    source: ShortText | None = Field(None, description="Where it came from: website, chat, dealeron, ...")
    customer: Customer
    vehicle: Vehicle | None = None
    consent: Consent = Field(default_factory=Consent)
    attributes: FiniteJsonObject = Field(
        default_factory=dict, description="Free-form extra fields; numbers must be finite."
    )

    @field_validator("event_id", mode="after")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value.lower().startswith(RESERVED_ID_PREFIXES):
            prefixes = ", ".join(RESERVED_ID_PREFIXES)
            raise PydanticCustomError(
                "reserved_event_id", "event_id may not start with {prefixes}", {"prefixes": prefixes}
            )
        return value


class IntentEvent(JourneyEvent):
    """A shopper showed intent (a form, a VDP view, a chat)."""

    event_type: Literal[INTENT_TYPES]  # type: ignore[valid-type]
    page_url: Annotated[str, Field(max_length=2048)] | None = None


class ConversionEvent(JourneyEvent):
    event_type: Literal[CONVERSION_TYPES]  # type: ignore[valid-type]
    deal_id: ShortText | None = None
    value: Annotated[float, Field(ge=0)] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"


class SocialEvent(JourneyEvent):
    event_type: Literal[SOCIAL_TYPES]  # type: ignore[valid-type]
    platform: Annotated[str, Field(min_length=1, max_length=32)] = Field(
        description="facebook, instagram, tiktok, google, ..."
    )
    post_id: ShortText | None = None
    text: Annotated[str, Field(max_length=5000)] | None = None


class ServiceEvent(JourneyEvent):
    event_type: Literal[SERVICE_TYPES]  # type: ignore[valid-type]
    repair_order_id: ShortText | None = None
    appointment_at: UtcDatetime | None = None
    services: list[ShortText] = Field(default_factory=list)
    amount: Annotated[float, Field(ge=0)] | None = None


EVENT_MODELS: dict[str, type[JourneyEvent]] = {
    "intent": IntentEvent,
    "conversion": ConversionEvent,
    "social": SocialEvent,
    "service": ServiceEvent,
}

# --- Twilio ------------------------------------------------------------------------

TwilioSid = Annotated[str, Field(pattern=r"^[A-Z]{2}[0-9a-fA-F]{32}$")]


class _TwilioForm(BaseModel):
    # Twilio adds parameters without notice: keep them all.
    model_config = ConfigDict(extra="allow")

    MessageSid: TwilioSid
    AccountSid: TwilioSid
    From: Annotated[str, Field(min_length=1, max_length=64)]
    To: Annotated[str, Field(min_length=1, max_length=64)]


class TwilioInbound(_TwilioForm):
    """An inbound SMS/MMS (Twilio's messaging webhook, form-encoded)."""

    Body: Annotated[str, Field(max_length=1600)] = ""
    NumMedia: Annotated[int, Field(ge=0, le=10)] = 0


class TwilioStatus(_TwilioForm):
    """A status callback for a message we sent."""

    MessageStatus: Literal[TWILIO_STATUSES]  # type: ignore[valid-type]
    ErrorCode: Annotated[str, Field(max_length=16)] | None = None


def phone_or_none(value: str, region: str) -> str | None:
    """E.164 of a Twilio address, None for a short code or non-phone channel address."""
    _, _, address = value.rpartition(":")  # "whatsapp:+1415..." -> "+1415..."
    try:
        return normalize_phone(address, region)
    except ContactError:
        return None


# --- Meta lead ads -----------------------------------------------------------------

# Graph ids are strings, but some payloads carry them as numbers
GraphId = Annotated[
    str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v), Field(min_length=1, max_length=64)
]


class MetaLeadgen(BaseModel):
    """`value` of a `leadgen` change: ids only; the lead itself is read from the Graph API."""

    model_config = ConfigDict(extra="allow")

    leadgen_id: GraphId
    page_id: GraphId
    form_id: GraphId
    adgroup_id: GraphId | None = None
    ad_id: GraphId | None = None
    created_time: int = Field(ge=0, le=MAX_UNIX_SECONDS, description="Unix seconds.")

    @model_validator(mode="after")
    def _finite_extras(self) -> MetaLeadgen:
        # extra fields are stored with the lead; a NaN would be written as the non-JSON token NaN
        where = non_finite_path(self.model_extra or {})
        if where is not None:
            raise _non_finite_error(where)
        return self


class MetaChange(BaseModel):
    model_config = ConfigDict(extra="allow")

    field: str
    value: dict[str, Any] = Field(default_factory=dict)


class MetaEntry(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: GraphId | None = None
    time: int | None = None
    changes: list[MetaChange] = Field(default_factory=list)


class MetaWebhook(BaseModel):
    model_config = ConfigDict(extra="allow")

    object: str
    entry: list[MetaEntry]


# --- Customer.io reporting webhooks ----------------------------------------------------

# The metrics the warehouse counts; Customer.io sends others too (attempted, drafted, spammed, dropped,
# converted, failed, ...) and adds new ones, so any metric is accepted and stored (a refusal would only make
# Customer.io retry it for 7 days), and staging keeps the ones it knows.
CUSTOMERIO_METRICS = ("sent", "delivered", "opened", "clicked", "bounced", "unsubscribed")
CioName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
# Customer.io's numeric ids (campaign, broadcast, newsletter, action, transactional message), kept as text
CioId = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    Field(min_length=1, max_length=64),
]


class CustomerIOReportingData(BaseModel):
    """`data` of a reporting webhook: who and which message; Customer.io adds fields per metric (kept)."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    customer_id: Annotated[str, Field(max_length=200)] | None = None
    email_address: Annotated[str, Field(max_length=320)] | None = None
    delivery_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    campaign_id: CioId | None = None
    broadcast_id: CioId | None = None
    newsletter_id: CioId | None = None
    action_id: CioId | None = None
    transactional_message_id: CioId | None = None
    identifiers: dict[str, Any] | None = None

    @field_validator("email_address", mode="after")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        # lowercased for matching, never refused: the address is Customer.io's record of where it sent
        return value.lower() if value else None

    @model_validator(mode="after")
    def _finite_extras(self) -> CustomerIOReportingData:
        where = non_finite_path(self.model_extra or {})
        if where is not None:
            raise _non_finite_error(("data", *where))
        return self


class CustomerIOReportingEvent(BaseModel):
    """One reporting webhook (Customer.io posts one event a request): docs.customer.io/api/webhooks."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    event_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")] = Field(
        description="Customer.io's id of this event (a ULID); the dedupe key."
    )
    object_type: CioName = Field(description="email, sms, push, in_app, webhook, customer, ...")
    metric: CioName = Field(description="sent, delivered, opened, clicked, bounced, unsubscribed, ...")
    timestamp: int = Field(ge=0, le=MAX_UNIX_SECONDS, description="Unix seconds when it happened.")
    data: CustomerIOReportingData = Field(default_factory=CustomerIOReportingData)

    @model_validator(mode="after")
    def _finite_extras(self) -> CustomerIOReportingEvent:
        where = non_finite_path(self.model_extra or {})
        if where is not None:
            raise _non_finite_error(where)
        return self


# --- answers -----------------------------------------------------------------------


class Accepted(BaseModel):
    event_id: str
    duplicate: bool = Field(description="True when this event id was already stored; it is not stored again.")


class MetaAccepted(BaseModel):
    stored: int
    duplicates: int
    ignored: int = Field(description="Changes that are not `leadgen`.")


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. customer.email.")
    message: str
    type: str


class ErrorBody(BaseModel):
    error: str = Field(description="invalid_json, validation_failed, unauthorized, payload_too_large, ...")
    message: str
    errors: list[FieldError] = Field(default_factory=list)


def field_errors(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[dict[str, str]]:
    """Pydantic's errors as {field, message, type}, without echoing the input back."""
    out = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = prefix + tuple(error.get("loc", ()))
        out.append(
            {
                "field": ".".join(str(part) for part in loc) or "(body)",
                "message": error.get("msg", "invalid"),
                "type": error.get("type", "value_error"),
            }
        )
    return out


def is_json_error(exc: ValidationError) -> bool:
    return any(error.get("type") == "json_invalid" for error in exc.errors(include_url=False, include_input=False))
