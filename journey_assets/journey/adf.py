"""ADF/XML 1.0 (Auto-lead Data Format): build a lead for a dealer CRM, parse one back.

Structure follows the ADF 1.0 DTD (adfxml.info/adf_spec.pdf)::

    adf       (prospect+)
    prospect  (id*, requestdate, vehicle+, customer, vendor, provider?)  status new|resend
    vehicle   (id*, year, make, model, vin?, stock?, trim?, doors?, bodystyle?,
               transmission?, odometer?, ..., price?, pricecomments?, ..., comments?)
              interest buy|lease|sell|trade-in|test-drive, status new|used
    customer  (contact, id*, timeframe?, comments?)
    vendor    (id*, vendorname, url?, contact)
    provider  (id*, name, service?, url?, email?, phone?, contact?)
    contact   (name+, (email | phone+ | email, phone+), address?)
    name      part first|middle|last|surname|full (default full)
    phone     type voice|fax|cellphone|pager (default voice),
              time morning|afternoon|evening|nopreference|day
    address   (street+, apartment?, city?, regioncode?, postalcode?, country?)
    price     type quote|offer|msrp|invoice|call|appraisal|asking, currency

:func:`build_adf` writes exactly that, with ``xml.etree`` doing the escaping and
characters XML 1.0 forbids (control characters) removed. It refuses a lead missing
what the DTD requires (requestdate, a vehicle with year/make/model, a customer name
with an email or phone, a vendor with a name and a contact).

:func:`parse_adf` (in ``adf_parse.py``) is lenient, because real senders are not: text around the XML
(email bodies), ``<?ADF?>`` before ``<?xml?>``, upper-case tags, bare ``&``, HTML
entities, a missing vendor, ``name part="full"`` only (see ``AdfContact.given_name``),
phones without a type (read as the DTD default ``voice``), prices
with ``$`` and commas, and US-style request dates are all accepted; what was
repaired or missing is listed in ``AdfLead.warnings``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

PROSPECT_STATUSES = ("new", "resend")
VEHICLE_INTERESTS = ("buy", "lease", "sell", "trade-in", "test-drive")
VEHICLE_STATUSES = ("new", "used")
PHONE_TYPES = ("voice", "fax", "cellphone", "pager")
PHONE_TIMES = ("morning", "afternoon", "evening", "nopreference", "day")
PRICE_TYPES = ("quote", "offer", "msrp", "invoice", "call", "appraisal", "asking")


class AdfError(ValueError):
    pass


class AdfValidationError(AdfError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid ADF lead: " + "; ".join(problems))


class AdfParseError(AdfError):
    pass


@dataclass(frozen=True)
class AdfId:
    value: str
    sequence: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class AdfPhone:
    number: str
    type: str = "voice"
    time: str | None = None


@dataclass(frozen=True)
class AdfAddress:
    street: tuple[str, ...] = ()
    apartment: str | None = None
    city: str | None = None
    regioncode: str | None = None
    postalcode: str | None = None
    country: str | None = None
    type: str | None = None  # home, work, delivery


@dataclass(frozen=True)
class AdfContact:
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    email: str | None = None
    phones: tuple[AdfPhone, ...] = ()
    address: AdfAddress | None = None

    @property
    def given_name(self) -> str | None:
        """First name, or the first word of a ``part="full"`` name."""
        if self.first_name:
            return self.first_name
        tokens = (self.full_name or "").split()
        return tokens[0] if tokens else None

    @property
    def family_name(self) -> str | None:
        """Last name, or the last word of a multi-word ``part="full"`` name."""
        if self.last_name:
            return self.last_name
        tokens = (self.full_name or "").split()
        return tokens[-1] if len(tokens) > 1 else None

    @property
    def display_name(self) -> str:
        if self.first_name or self.last_name:
            return " ".join(p for p in (self.first_name, self.last_name) if p)
        return self.full_name or ""


@dataclass(frozen=True)
class AdfVehicle:
    year: int | None
    make: str | None
    model: str | None
    interest: str = "buy"
    status: str = "new"
    vin: str | None = None
    stock: str | None = None
    trim: str | None = None
    bodystyle: str | None = None
    odometer: int | None = None
    odometer_units: str | None = None  # mi, km
    price: Decimal | None = None
    price_type: str | None = None
    price_currency: str | None = None
    comments: str | None = None


@dataclass(frozen=True)
class AdfVendor:
    name: str
    contact: AdfContact | None = None
    url: str | None = None
    ids: tuple[AdfId, ...] = ()


@dataclass(frozen=True)
class AdfProvider:
    name: str
    service: str | None = None
    url: str | None = None
    email: str | None = None
    phone: str | None = None
    contact: AdfContact | None = None
    ids: tuple[AdfId, ...] = ()


@dataclass(frozen=True)
class AdfLead:
    request_date: datetime | None
    vehicles: tuple[AdfVehicle, ...]
    customer: AdfContact
    vendor: AdfVendor | None
    provider: AdfProvider | None = None
    ids: tuple[AdfId, ...] = ()
    status: str = "new"
    customer_comments: str | None = None
    timeframe: str | None = None
    warnings: tuple[str, ...] = field(default=(), compare=False)


# ---------------------------------------------------------------- validation


def _contact_problems(contact: AdfContact | None, who: str) -> list[str]:
    if contact is None:
        return [f"{who} contact is required"]
    problems = []
    if not (contact.first_name or contact.last_name or contact.full_name):
        problems.append(f"{who} contact needs a name")
    if not (contact.email or contact.phones):
        problems.append(f"{who} contact needs an email or a phone")
    for p in contact.phones:
        if p.type not in PHONE_TYPES:
            problems.append(f"{who} phone type {p.type!r} is not one of {PHONE_TYPES}")
        if p.time is not None and p.time not in PHONE_TIMES:
            problems.append(f"{who} phone time {p.time!r} is not one of {PHONE_TIMES}")
    return problems


def validate_lead(lead: AdfLead) -> list[str]:
    """What the ADF 1.0 DTD requires and this lead lacks (empty when valid)."""
    problems: list[str] = []
    if lead.status not in PROSPECT_STATUSES:
        problems.append(f"prospect status {lead.status!r} is not one of {PROSPECT_STATUSES}")
    if lead.request_date is None:
        problems.append("requestdate is required")
    elif lead.request_date.tzinfo is None:
        problems.append("requestdate must be timezone-aware")
    if not lead.vehicles:
        problems.append("at least one vehicle is required")
    for i, v in enumerate(lead.vehicles, 1):
        for name in ("year", "make", "model"):
            if getattr(v, name) in (None, ""):
                problems.append(f"vehicle {i} needs {name}")
        if v.interest not in VEHICLE_INTERESTS:
            problems.append(f"vehicle {i} interest {v.interest!r} is not one of {VEHICLE_INTERESTS}")
        if v.status not in VEHICLE_STATUSES:
            problems.append(f"vehicle {i} status {v.status!r} is not one of {VEHICLE_STATUSES}")
        if v.price_type is not None and v.price_type not in PRICE_TYPES:
            problems.append(f"vehicle {i} price type {v.price_type!r} is not one of {PRICE_TYPES}")
    problems += _contact_problems(lead.customer, "customer")
    if lead.vendor is None or not lead.vendor.name:
        problems.append("vendor with a vendorname is required")
    else:
        problems += _contact_problems(lead.vendor.contact, "vendor")
    if lead.provider is not None and not lead.provider.name:
        problems.append("provider needs a name")
    return problems


# ---------------------------------------------------------------- building

_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(value: object) -> str:
    return _XML_INVALID.sub("", str(value))


def _sub(parent: ET.Element, tag: str, value: object | None = None, **attrs: str | None) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items() if v is not None})
    if value is not None:
        el.text = _clean(value)
    return el


def _opt(parent: ET.Element, tag: str, value: object | None) -> None:
    if value not in (None, ""):
        _sub(parent, tag, value)


def _ids(parent: ET.Element, ids: tuple[AdfId, ...]) -> None:
    for i in ids:
        _sub(parent, "id", i.value, sequence=i.sequence, source=i.source)


def _money(value: Decimal) -> str:
    return format(value, "f")


def _contact(parent: ET.Element, c: AdfContact) -> None:
    el = _sub(parent, "contact")
    if c.first_name or c.last_name:
        if c.first_name:
            _sub(el, "name", c.first_name, part="first")
        if c.last_name:
            _sub(el, "name", c.last_name, part="last")
    elif c.full_name:
        _sub(el, "name", c.full_name, part="full")
    _opt(el, "email", c.email)
    for p in c.phones:
        _sub(el, "phone", p.number, type=p.type, time=p.time)
    if c.address is not None:
        a = c.address
        addr = _sub(el, "address", type=a.type)
        for n, line in enumerate(a.street, 1):
            _sub(addr, "street", line, line=str(n))
        for tag in ("apartment", "city", "regioncode", "postalcode", "country"):
            _opt(addr, tag, getattr(a, tag))


def _vehicle(parent: ET.Element, v: AdfVehicle) -> None:
    el = _sub(parent, "vehicle", interest=v.interest, status=v.status)
    _sub(el, "year", v.year)
    _sub(el, "make", v.make)
    _sub(el, "model", v.model)
    for tag in ("vin", "stock", "trim", "bodystyle"):
        _opt(el, tag, getattr(v, tag))
    if v.odometer is not None:
        _sub(el, "odometer", v.odometer, units=v.odometer_units)
    if v.price is not None:
        _sub(el, "price", _money(v.price), type=v.price_type, currency=v.price_currency)
    _opt(el, "comments", v.comments)


def build_adf_element(lead: AdfLead, *, validate: bool = True) -> ET.Element:
    if validate:
        problems = validate_lead(lead)
        if problems:
            raise AdfValidationError(problems)
    root = ET.Element("adf")
    prospect = _sub(root, "prospect", status=lead.status)
    _ids(prospect, lead.ids)
    if lead.request_date is not None:
        _sub(prospect, "requestdate", lead.request_date.isoformat(timespec="seconds"))
    for v in lead.vehicles:
        _vehicle(prospect, v)
    customer = _sub(prospect, "customer")
    _contact(customer, lead.customer)
    if lead.timeframe:
        _sub(_sub(customer, "timeframe"), "description", lead.timeframe)
    _opt(customer, "comments", lead.customer_comments)
    if lead.vendor is not None:
        vendor = _sub(prospect, "vendor")
        _ids(vendor, lead.vendor.ids)
        _sub(vendor, "vendorname", lead.vendor.name)
        _opt(vendor, "url", lead.vendor.url)
        if lead.vendor.contact is not None:
            _contact(vendor, lead.vendor.contact)
    if lead.provider is not None:
        p = lead.provider
        provider = _sub(prospect, "provider")
        _ids(provider, p.ids)
        _sub(provider, "name", p.name, part="full")
        for tag in ("service", "url", "email", "phone"):
            _opt(provider, tag, getattr(p, tag))
        if p.contact is not None:
            _contact(provider, p.contact)
    return root


def build_adf(lead: AdfLead, *, validate: bool = True, pretty: bool = True) -> str:
    """The ADF document for ``lead`` as text (UTF-8 declared), ready for an email body."""
    root = build_adf_element(lead, validate=validate)
    if pretty:
        ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<?adf version="1.0"?>\n{body}\n'
