"""Per-stage SMS and email templates, rendered from a typed context.

Templates are :class:`string.Template` strings (``$name`` placeholders). The
variables a template needs are read from the template itself; rendering raises
:class:`MissingVariablesError` naming every absent one instead of sending a message
with a hole in it.

Rules applied at render time:

* every SMS starts with the rooftop's name (CTIA: identify the sender);
* every marketing SMS, and any template marked ``include_opt_out`` (the first text
  to a new lead), ends with ``Reply STOP to opt out`` on its own line;
* SMS bodies pass through :func:`sms.smart_encode` (curly quotes and dashes would
  otherwise force UCS-2) and are checked with :func:`sms.check_body`: at most 1,600
  characters and, by default, at most 3 segments;
* marketing email carries the rooftop's postal address and an unsubscribe link
  (CAN-SPAM), which the templates require as variables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from string import Template

from journey_assets.journey.consent import Category, Channel
from journey_assets.journey.sms import Encoding, SegmentInfo, check_body, smart_encode

OPT_OUT_TEXT = "Reply STOP to opt out"
DEFAULT_MAX_SMS_SEGMENTS = 3


class Stage(StrEnum):
    LEAD_ACKNOWLEDGEMENT = "lead_acknowledgement"
    TEST_DRIVE_CONFIRMATION = "test_drive_confirmation"  # high intent
    SERVICE_REMINDER = "service_reminder"
    WIN_BACK = "win_back"
    LEASE_END = "lease_end"
    LOYALTY_REWARD = "loyalty_reward"
    INVENTORY_ALTERNATIVES = "inventory_alternatives"


class TemplateError(ValueError):
    pass


class MissingVariablesError(TemplateError):
    def __init__(self, template_key: str, missing: Sequence[str]):
        self.template_key = template_key
        self.missing = tuple(sorted(missing))
        super().__init__(f"template {template_key!r} is missing variables: {', '.join(self.missing)}")


class MessageTooLongError(TemplateError):
    pass


@dataclass(frozen=True)
class VehicleRef:
    year: int | None
    make: str
    model: str
    trim: str | None = None
    price: Decimal | float | int | None = None

    def label(self, *, with_make: bool = True) -> str:
        parts = [str(self.year) if self.year else "", self.make if with_make else "", self.model, self.trim or ""]
        return " ".join(p for p in parts if p)


def _money(value: Decimal | float | int) -> str:
    return f"${Decimal(str(value)):,.0f}"


def _one_line(value: str) -> str:
    return " ".join(value.split())


@dataclass(frozen=True)
class TemplateContext:
    """Everything a template may refer to; ``None`` means unknown."""

    rooftop_name: str
    first_name: str | None = None
    rooftop_phone: str | None = None
    rooftop_address: str | None = None
    salesperson: str | None = None
    vehicle: VehicleRef | None = None
    appointment_at: datetime | None = None  # aware; shown in its own timezone
    service_type: str | None = None
    due_mileage: int | None = None
    last_visit: date | None = None
    lease_maturity: date | None = None  # the lease-end campaign's day
    offer: str | None = None
    alternatives: Sequence[VehicleRef] = ()
    link: str | None = None
    unsubscribe_url: str | None = None

    def variables(self, channel: Channel) -> dict[str, str]:
        v: dict[str, str] = {"rooftop_name": self.rooftop_name}
        name = _one_line(self.first_name or "")
        v["greeting"] = f"Hi {name}" if name else "Hi there"
        if name:
            v["first_name"] = name
        v["salesperson"] = self.salesperson or "our team"
        simple = {
            "rooftop_phone": self.rooftop_phone,
            "rooftop_address": self.rooftop_address,
            "service_type": self.service_type,
            "offer": self.offer,
            "link": self.link,
            "unsubscribe_url": self.unsubscribe_url,
        }
        v.update({k: _one_line(x) for k, x in simple.items() if x})
        if self.vehicle is not None:
            v["vehicle"] = self.vehicle.label()
        if self.appointment_at is not None:
            if self.appointment_at.tzinfo is None:
                raise TemplateError("appointment_at must be timezone-aware")
            at = self.appointment_at
            v["appointment"] = f"{at:%a %b} {at.day} at {at:%I:%M %p}".replace(" 0", " ") + f" {at:%Z}".rstrip()
        if self.due_mileage is not None:
            v["due_mileage"] = f"{self.due_mileage:,} miles"
        if self.last_visit is not None:
            v["last_visit"] = f"{self.last_visit:%B %Y}"
        if self.lease_maturity is not None:
            d = self.lease_maturity
            v["lease_maturity"] = f"{d:%B} {d.day}, {d.year}"
        if self.alternatives:
            items = [a.label() + (f" {_money(a.price)}" if a.price is not None else "") for a in self.alternatives]
            v["alternatives"] = "; ".join(items) if channel is Channel.SMS else "\n".join(f"- {i}" for i in items)
        return v


@dataclass(frozen=True)
class MessageTemplate:
    key: str
    stage: Stage
    channel: Channel
    category: Category
    body: str
    subject: str | None = None
    include_opt_out: bool = False  # for transactional SMS that should carry it anyway

    @property
    def required_variables(self) -> frozenset[str]:
        names = set(Template(self.body).get_identifiers())
        if self.subject:
            names |= set(Template(self.subject).get_identifiers())
        return frozenset(names)

    @property
    def needs_opt_out(self) -> bool:
        return self.channel is Channel.SMS and (self.category is Category.MARKETING or self.include_opt_out)


@dataclass(frozen=True)
class RenderedMessage:
    template_key: str
    stage: Stage
    channel: Channel
    category: Category
    body: str
    subject: str | None = None
    segments: SegmentInfo | None = None
    warnings: tuple[str, ...] = field(default=())


def _sms(key: str, stage: Stage, category: Category, body: str, include_opt_out: bool = False) -> MessageTemplate:
    return MessageTemplate(key, stage, Channel.SMS, category, body, None, include_opt_out)


_EMAIL_FOOTER_MARKETING = "\n\n$rooftop_name\n$rooftop_address\nUnsubscribe: $unsubscribe_url"

TEMPLATES: dict[tuple[Stage, Channel], MessageTemplate] = {
    (t.stage, t.channel): t
    for t in (
        _sms(
            "lead_ack_sms",
            Stage.LEAD_ACKNOWLEDGEMENT,
            Category.TRANSACTIONAL,
            "$rooftop_name: $greeting, thanks for asking about the $vehicle. "
            "We'll be in touch shortly, or call us at $rooftop_phone.",
            include_opt_out=True,  # first text to a new number
        ),
        MessageTemplate(
            "lead_ack_email",
            Stage.LEAD_ACKNOWLEDGEMENT,
            Channel.EMAIL,
            Category.TRANSACTIONAL,
            "$greeting,\n\nThanks for your interest in the $vehicle at $rooftop_name. "
            "You'll hear from $salesperson shortly. If you'd rather talk now, call us at $rooftop_phone.\n\n"
            "$rooftop_name",
            subject="Your $vehicle inquiry at $rooftop_name",
        ),
        _sms(
            "test_drive_confirmation_sms",
            Stage.TEST_DRIVE_CONFIRMATION,
            Category.TRANSACTIONAL,
            "$rooftop_name: $greeting, your test drive of the $vehicle is confirmed for $appointment. "
            "Need to reschedule? Call $rooftop_phone.",
        ),
        MessageTemplate(
            "test_drive_confirmation_email",
            Stage.TEST_DRIVE_CONFIRMATION,
            Channel.EMAIL,
            Category.TRANSACTIONAL,
            "$greeting,\n\nYour test drive of the $vehicle is confirmed for $appointment "
            "at $rooftop_name, $rooftop_address.\n\nPlease bring your driver's license. "
            "Need to reschedule? Call $rooftop_phone.\n\n$rooftop_name",
            subject="Test drive confirmed: $vehicle, $appointment",
        ),
        _sms(
            "service_reminder_sms",
            Stage.SERVICE_REMINDER,
            Category.MARKETING,
            "$rooftop_name: $greeting, your $vehicle is due for $service_type. Book a visit: $link",
        ),
        MessageTemplate(
            "service_reminder_email",
            Stage.SERVICE_REMINDER,
            Channel.EMAIL,
            Category.MARKETING,
            "$greeting,\n\nOur records show your $vehicle is due for $service_type. "
            "Book a time that suits you: $link\n\nQuestions? Call our service team at $rooftop_phone."
            + _EMAIL_FOOTER_MARKETING,
            subject="Your $vehicle is due for $service_type",
        ),
        _sms(
            "win_back_sms",
            Stage.WIN_BACK,
            Category.MARKETING,
            "$rooftop_name: $greeting, we miss you! $offer See more: $link",
        ),
        MessageTemplate(
            "win_back_email",
            Stage.WIN_BACK,
            Channel.EMAIL,
            Category.MARKETING,
            "$greeting,\n\nIt's been a while since we last saw you at $rooftop_name. $offer\n\n"
            "Take a look: $link" + _EMAIL_FOOTER_MARKETING,
            subject="$rooftop_name: it's been a while",
        ),
        _sms(
            "lease_end_sms",
            Stage.LEASE_END,
            Category.MARKETING,
            "$rooftop_name: $greeting, the lease on your $vehicle ends $lease_maturity. "
            "Let's find your next one: $link",
        ),
        MessageTemplate(
            "lease_end_email",
            Stage.LEASE_END,
            Channel.EMAIL,
            Category.MARKETING,
            "$greeting,\n\nThe lease on your $vehicle ends $lease_maturity. Whether you want to buy it, "
            "extend or drive something new, we can help you plan: $link\n\nCall us at $rooftop_phone."
            + _EMAIL_FOOTER_MARKETING,
            subject="Your $vehicle lease ends $lease_maturity",
        ),
        _sms(
            "loyalty_reward_sms",
            Stage.LOYALTY_REWARD,
            Category.MARKETING,
            "$rooftop_name: $greeting, thanks for being one of our best customers. $offer Details: $link",
        ),
        MessageTemplate(
            "loyalty_reward_email",
            Stage.LOYALTY_REWARD,
            Channel.EMAIL,
            Category.MARKETING,
            "$greeting,\n\nThank you for trusting $rooftop_name with your $vehicle. $offer\n\n"
            "Details: $link" + _EMAIL_FOOTER_MARKETING,
            subject="A thank-you from $rooftop_name",
        ),
        _sms(
            "inventory_alternatives_sms",
            Stage.INVENTORY_ALTERNATIVES,
            Category.MARKETING,
            "$rooftop_name: $greeting, the $vehicle you viewed just sold. "
            "Similar ones in stock: $alternatives. See them: $link",
        ),
        MessageTemplate(
            "inventory_alternatives_email",
            Stage.INVENTORY_ALTERNATIVES,
            Channel.EMAIL,
            Category.MARKETING,
            "$greeting,\n\nThe $vehicle you looked at has just sold, but these are close matches "
            "in stock now:\n$alternatives\n\nSee them all: $link" + _EMAIL_FOOTER_MARKETING,
            subject="The $vehicle sold - here are close matches",
        ),
    )
}


def get_template(stage: Stage | str, channel: Channel | str) -> MessageTemplate:
    try:
        return TEMPLATES[(Stage(stage), Channel(channel))]
    except KeyError:
        raise TemplateError(f"no template for {stage}/{channel}") from None


def _with_opt_out(body: str) -> str:
    """Append the opt-out line on its own line (never glued to a trailing URL)."""
    body = body.rstrip()
    if body.endswith(OPT_OUT_TEXT) or body.endswith(OPT_OUT_TEXT + "."):
        return body
    return f"{body}\n{OPT_OUT_TEXT}"


def render(
    template: MessageTemplate,
    context: TemplateContext,
    *,
    max_sms_segments: int | None = DEFAULT_MAX_SMS_SEGMENTS,
    extra: Mapping[str, str] | None = None,
) -> RenderedMessage:
    """Render ``template``; raises when a variable is missing or the SMS is too long."""
    variables = context.variables(template.channel)
    if extra:
        variables.update({k: _one_line(v) for k, v in extra.items() if v})
    missing = template.required_variables - variables.keys()
    if missing:
        raise MissingVariablesError(template.key, sorted(missing))
    body = Template(template.body).substitute(variables)
    subject = Template(template.subject).substitute(variables) if template.subject else None

    if template.channel is not Channel.SMS:
        return RenderedMessage(template.key, template.stage, template.channel, template.category, body, subject)

    body = smart_encode(body)
    if template.needs_opt_out:
        body = _with_opt_out(body)
    check = check_body(body, max_segments=max_sms_segments)
    if not check.ok:
        raise MessageTooLongError(f"{template.key}: {'; '.join(check.problems)}")
    warnings: tuple[str, ...] = ()
    if check.info.encoding is Encoding.UCS2:
        warnings = ("body needs UCS-2 (70 characters a segment)",)
    return RenderedMessage(
        template.key, template.stage, template.channel, template.category, body, None, check.info, warnings
    )


def render_stage(
    stage: Stage | str, channel: Channel | str, context: TemplateContext, **kwargs: object
) -> RenderedMessage:
    return render(get_template(stage, channel), context, **kwargs)  # type: ignore[arg-type]
