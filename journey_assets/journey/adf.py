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

:func:`parse_adf` is lenient, because real senders are not: text around the XML
(email bodies), ``<?ADF?>`` before ``<?xml?>``, upper-case tags, bare ``&``, HTML
entities, a missing vendor, ``name part="full"`` only (see ``AdfContact.given_name``),
phones without a type (read as the DTD default ``voice``), prices
with ``$`` and commas, and US-style request dates are all accepted; what was
repaired or missing is listed in ``AdfLead.warnings``.
"""

from __future__ import annotations

import dataclasses
import html.entities
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

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


# ---------------------------------------------------------------- parsing

_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?")


def _fix_entities(text: str, warnings: list[str]) -> str:
    """Escape bare ``&`` and turn HTML named entities into numeric references."""
    fixed = {"bare": 0, "html": 0}

    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        terminated = m.group(0).endswith(";")
        if terminated and (name.startswith("#") or name in _XML_ENTITIES):
            return m.group(0)
        if terminated and name in html.entities.name2codepoint:
            fixed["html"] += 1
            return f"&#{html.entities.name2codepoint[name]};"
        fixed["bare"] += 1
        return "&amp;" + m.group(0)[1:]

    text = _ENTITY.sub(repl, text)
    # an '&' followed by something that is not a name at all ("A & B")
    text, n = re.subn(r"&(?![#A-Za-z])", "&amp;", text)
    fixed["bare"] += n
    if fixed["bare"]:
        warnings.append(f"escaped {fixed['bare']} bare '&'")
    if fixed["html"]:
        warnings.append(f"converted {fixed['html']} HTML entities")
    return text


def _decode(data: str | bytes) -> str:
    if isinstance(data, str):
        return data
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AdfParseError("cannot decode ADF bytes")  # pragma: no cover - latin-1 never fails


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _kids(el: ET.Element | None, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name] if el is not None else []


def _kid(el: ET.Element | None, name: str) -> ET.Element | None:
    found = _kids(el, name)
    return found[0] if found else None


def _attr(el: ET.Element | None, name: str) -> str | None:
    if el is None:
        return None
    for k, v in el.attrib.items():
        if _local(k) == name:
            v = v.strip()
            return v or None
    return None


def _text(el: ET.Element | None) -> str | None:
    if el is None:
        return None
    value = " ".join("".join(el.itertext()).split())
    return value or None


def _kid_text(el: ET.Element | None, *names: str) -> str | None:
    for name in names:
        value = _text(_kid(el, name))
        if value:
            return value
    return None


_DATE_FORMATS = (
    "%m/%d/%Y %I:%M%p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%Y%m%dT%H%M%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
)


def parse_request_date(raw: str | None, warnings: list[str] | None = None) -> datetime | None:
    """ISO 8601 first, then the US formats senders actually use; ``None`` if hopeless."""
    warnings = warnings if warnings is not None else []
    if not raw:
        return None
    value = raw.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(value.upper() if "%p" in fmt else value, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        warnings.append(f"unparseable requestdate {raw!r}")
        return None
    if parsed.tzinfo is None:
        warnings.append("requestdate has no UTC offset")
    return parsed


_PHONE_TYPE_ALIASES = {
    "cell": "cellphone",
    "cellular": "cellphone",
    "mobile": "cellphone",
    "cellphone": "cellphone",
    "cell phone": "cellphone",
    "sms": "cellphone",
    "voice": "voice",
    "home": "voice",
    "work": "voice",
    "day": "voice",
    "evening": "voice",
    "phone": "voice",
    "landline": "voice",
    "fax": "fax",
    "pager": "pager",
}
_INTEREST_ALIASES = {
    "trade in": "trade-in",
    "tradein": "trade-in",
    "trade": "trade-in",
    "test drive": "test-drive",
    "testdrive": "test-drive",
    "purchase": "buy",
}


def _parse_ids(el: ET.Element | None) -> tuple[AdfId, ...]:
    return tuple(AdfId(_text(i) or "", _attr(i, "sequence"), _attr(i, "source")) for i in _kids(el, "id") if _text(i))


def _parse_contact(el: ET.Element | None, who: str, warnings: list[str]) -> AdfContact | None:
    if el is None:
        return None
    first = last = full = None
    for n in _kids(el, "name"):
        value = _text(n)
        if not value:
            continue
        part = (_attr(n, "part") or "full").lower()
        if part == "first":
            first = first or value
        elif part in ("last", "surname"):
            last = last or value
        elif part == "full":
            full = full or value
    phones = []
    for p in _kids(el, "phone"):
        number = _text(p)
        if not number:
            continue
        raw_type = (_attr(p, "type") or "").lower()
        ptype = _PHONE_TYPE_ALIASES.get(raw_type, "voice")
        if raw_type and raw_type not in PHONE_TYPES:
            warnings.append(f"{who} phone type {raw_type!r} read as {ptype!r}")
        time = (_attr(p, "time") or "").lower() or None
        phones.append(AdfPhone(number, ptype, time if time in PHONE_TIMES else None))
    address = None
    a = _kid(el, "address")
    if a is not None:
        streets = sorted(
            (s for s in _kids(a, "street") if _text(s)),
            key=lambda s: int(_attr(s, "line") or 0) if (_attr(s, "line") or "0").isdigit() else 0,
        )
        address = AdfAddress(
            street=tuple(_text(s) or "" for s in streets),
            apartment=_kid_text(a, "apartment"),
            city=_kid_text(a, "city"),
            regioncode=_kid_text(a, "regioncode", "state", "region"),
            postalcode=_kid_text(a, "postalcode", "zip", "zipcode", "postal"),
            country=_kid_text(a, "country"),
            type=_attr(a, "type"),
        )
    contact = AdfContact(first, last, full, _kid_text(el, "email"), tuple(phones), address)
    if not (first or last or full):
        warnings.append(f"{who} contact has no name")
    if not (contact.email or contact.phones):
        warnings.append(f"{who} contact has neither email nor phone")
    return contact


def _parse_decimal(raw: str | None, what: str, warnings: list[str]) -> Decimal | None:
    if not raw:
        return None
    cleaned = re.sub(r"[^0-9.\-]", "", raw)
    try:
        return Decimal(cleaned) if cleaned else None
    except InvalidOperation:
        warnings.append(f"unreadable {what} {raw!r}")
        return None


def _parse_vehicle(el: ET.Element, i: int, warnings: list[str]) -> AdfVehicle:
    year_raw = _kid_text(el, "year")
    year = None
    if year_raw:
        m = re.search(r"\d{4}", year_raw)
        year = int(m.group()) if m else None
        if year is None:
            warnings.append(f"vehicle {i} year {year_raw!r} is not a year")
    interest = (_attr(el, "interest") or "buy").lower()
    interest = _INTEREST_ALIASES.get(interest, interest)
    if interest not in VEHICLE_INTERESTS:
        warnings.append(f"vehicle {i} interest {interest!r} is not standard")
    status = (_attr(el, "status") or "new").lower()
    if status not in VEHICLE_STATUSES:
        warnings.append(f"vehicle {i} status {status!r} is not standard")
    odo_el = _kid(el, "odometer")
    odo = _parse_decimal(_text(odo_el), "odometer", warnings)
    price_el = _kid(el, "price")
    vehicle = AdfVehicle(
        year=year,
        make=_kid_text(el, "make"),
        model=_kid_text(el, "model"),
        interest=interest,
        status=status,
        vin=(_kid_text(el, "vin") or "").upper() or None,
        stock=_kid_text(el, "stock"),
        trim=_kid_text(el, "trim"),
        bodystyle=_kid_text(el, "bodystyle"),
        odometer=int(odo) if odo is not None else None,
        odometer_units=_attr(odo_el, "units"),
        price=_parse_decimal(_text(price_el), "price", warnings),
        price_type=(_attr(price_el, "type") or "").lower() or None,
        price_currency=_attr(price_el, "currency"),
        comments=_kid_text(el, "comments"),
    )
    for name in ("make", "model"):
        if not getattr(vehicle, name):
            warnings.append(f"vehicle {i} has no {name}")
    return vehicle


def _parse_prospect(el: ET.Element) -> AdfLead:
    warnings: list[str] = []
    status = (_attr(el, "status") or "new").lower()
    raw_date = _kid_text(el, "requestdate")
    if raw_date is None:
        warnings.append("no requestdate")
    request_date = parse_request_date(raw_date, warnings)
    vehicles = tuple(_parse_vehicle(v, i, warnings) for i, v in enumerate(_kids(el, "vehicle"), 1))
    if not vehicles:
        warnings.append("no vehicle")

    customer_el = _kid(el, "customer")
    contact_el = _kid(customer_el, "contact")
    if customer_el is not None and contact_el is None and _kids(customer_el, "name"):
        contact_el = customer_el  # name/email/phone directly under <customer>
        warnings.append("customer details outside <contact>")
    customer = _parse_contact(contact_el, "customer", warnings)
    if customer is None:
        warnings.append("no customer contact")
        customer = AdfContact()
    timeframe_el = _kid(customer_el, "timeframe")
    timeframe = _kid_text(timeframe_el, "description") or (
        _text(timeframe_el) if timeframe_el is not None and not list(timeframe_el) else None
    )

    vendor = None
    vendor_el = _kid(el, "vendor")
    if vendor_el is None:
        warnings.append("no vendor")
    else:
        name = _kid_text(vendor_el, "vendorname", "name")
        if not name:
            warnings.append("vendor has no vendorname")
        vendor = AdfVendor(
            name=name or "",
            contact=_parse_contact(_kid(vendor_el, "contact"), "vendor", warnings),
            url=_kid_text(vendor_el, "url"),
            ids=_parse_ids(vendor_el),
        )

    provider = None
    provider_el = _kid(el, "provider")
    if provider_el is not None:
        provider = AdfProvider(
            name=_kid_text(provider_el, "name") or "",
            service=_kid_text(provider_el, "service"),
            url=_kid_text(provider_el, "url"),
            email=_kid_text(provider_el, "email"),
            phone=_kid_text(provider_el, "phone"),
            contact=_parse_contact(_kid(provider_el, "contact"), "provider", []),
            ids=_parse_ids(provider_el),
        )

    return AdfLead(
        request_date=request_date,
        vehicles=vehicles,
        customer=customer,
        vendor=vendor,
        provider=provider,
        ids=_parse_ids(el),
        status=status,
        customer_comments=_kid_text(customer_el, "comments"),
        timeframe=timeframe,
        warnings=tuple(warnings),
    )


def parse_adf(data: str | bytes) -> list[AdfLead]:
    """Every prospect in an ADF document (or an email body containing one)."""
    text = _decode(data)
    pre: list[str] = []
    start = re.search(r"<\s*adf[\s>]", text, re.IGNORECASE)
    if start is not None:
        end = list(re.finditer(r"<\s*/\s*adf\s*>", text, re.IGNORECASE))
        text = text[start.start() : end[-1].end()] if end else text[start.start() :]
        if not end:
            text += "</adf>"
            pre.append("closing </adf> missing")
    else:
        prospect = re.search(r"<\s*prospect[\s>]", text, re.IGNORECASE)
        if prospect is None:
            raise AdfParseError("no <adf> or <prospect> element found")
        tail = list(re.finditer(r"<\s*/\s*prospect\s*>", text, re.IGNORECASE))
        text = "<adf>" + text[prospect.start() : tail[-1].end() if tail else None] + "</adf>"
        pre.append("no <adf> root")
    text = re.sub(r"<\?.*?\?>", "", text, flags=re.DOTALL)  # stray declarations/PIs
    # repair entities outside CDATA sections only (senders often wrap comments in CDATA)
    parts = re.split(r"(<!\[CDATA\[.*?\]\]>)", text, flags=re.DOTALL)
    text = "".join(p if p.startswith("<![CDATA[") else _fix_entities(p, pre) for p in parts)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise AdfParseError(f"malformed ADF XML: {exc}") from exc
    prospects = [p for p in root.iter() if _local(p.tag) == "prospect"]
    if not prospects:
        raise AdfParseError("ADF document has no <prospect>")
    leads = []
    for p in prospects:
        lead = _parse_prospect(p)
        if pre:
            lead = dataclasses.replace(lead, warnings=tuple(pre) + lead.warnings)
        leads.append(lead)
    return leads


def parse_adf_lead(data: str | bytes) -> AdfLead:
    """The first prospect of an ADF document."""
    return parse_adf(data)[0]
