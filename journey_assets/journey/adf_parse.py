"""ADF/XML 1.0: parse a lead back, leniently (see `adf.py` for the format and the builder).

Real senders are not strict: text around the XML (email bodies), ``<?ADF?>``
before ``<?xml?>``, upper-case tags, bare ``&``, HTML entities, a missing vendor,
``name part="full"`` only, phones without a type (read as the DTD default
``voice``), prices with ``$`` and commas, and US-style request dates are all
accepted; what was repaired or missing is listed in ``AdfLead.warnings``.
"""

from __future__ import annotations

import dataclasses
import html.entities
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from decimal import Decimal, InvalidOperation

from journey_assets.journey.adf import (
    PHONE_TIMES,
    PHONE_TYPES,
    VEHICLE_INTERESTS,
    VEHICLE_STATUSES,
    AdfAddress,
    AdfContact,
    AdfId,
    AdfLead,
    AdfParseError,
    AdfPhone,
    AdfProvider,
    AdfVehicle,
    AdfVendor,
)

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
