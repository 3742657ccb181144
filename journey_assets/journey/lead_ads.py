"""Meta lead ads: a lead's `field_data` as our contact, and which rooftop a lead-ad page belongs to.

Pure functions, no I/O. A lead node (`GET /{leadgen_id}`) answers
`field_data: [{"name": <question key>, "values": [<answer>, ...]}]`. Meta's
prefilled questions have fixed keys (`email`, `phone_number`, `full_name`,
`first_name`, `last_name`, `zip_code` / `post_code`, `city`, `state`, ...);
a dealer's custom questions carry whatever key the form's author gave them,
so the ones we act on are matched by a short list of aliases (vehicle of
interest, VIN, stock number). Every value goes through `journey/contact.py`;
one that cannot be used (a phone that is not a valid number, a malformed
email, a VIN with a wrong check digit) is left out and named in `unusable`
with the reason, which never repeats the value.

Consent: a lead-ad form asks for contact details so the advertiser can follow
up on that request. We read that as prior express consent to answer the
request (the transactional acknowledgement) and nothing more: no `consent.sms`
flag, no consent language, so marketing texts stay refused until the customer
gives express written consent elsewhere (`response/contact.py`,
`Contact.consent_state`). A form's custom disclaimer checkboxes are not read.

Routing: a rooftop's configuration carries `meta_page_id` (the Facebook Page
its lead ads run on) and optionally `meta_form_ids` (for a group Page shared
by several rooftops, the form names the rooftop). `LeadAdRouting` answers the
rooftop of a webhook's (page_id, form_id): the form's mapping first, then the
page's when exactly one rooftop has it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from journey_assets.journey.contact import ContactError, normalize_email, normalize_phone, validate_vin

__all__ = ["LeadAdContact", "LeadAdRouting", "field_key", "lead_contact_from_field_data"]

# Meta's standard question keys we map, by our field.
EMAIL_KEYS = ("email", "work_email")
PHONE_KEYS = ("phone_number", "phone", "mobile_phone", "work_phone_number")
FULL_NAME_KEYS = ("full_name", "name")
FIRST_NAME_KEYS = ("first_name",)
LAST_NAME_KEYS = ("last_name",)
POSTAL_KEYS = ("zip_code", "post_code", "zip", "postal_code")
CITY_KEYS = ("city",)
STATE_KEYS = ("state", "province")
# A dealer's custom questions we act on (matched after `field_key` normalization).
VEHICLE_KEYS = (
    "vehicle_of_interest",
    "vehicle",
    "vehicle_interest",
    "which_vehicle_are_you_interested_in",
    "what_vehicle_are_you_interested_in",
    "model_of_interest",
    "interested_in",
)
VIN_KEYS = ("vin", "vehicle_vin")
STOCK_KEYS = ("stock_number", "stock", "stock_no")
# Standard questions that are personal data we do not use: left out of the answers we pass on.
PRIVATE_KEYS = frozenset(
    {
        "date_of_birth",
        "gender",
        "marital_status",
        "relationship_status",
        "military_status",
        "national_id_number",
        "street_address",
        "country",
        "job_title",
        "company_name",
    }
)

_YEAR_MAKE_MODEL = re.compile(r"^\s*((?:19|20)\d{2})\s+(\S+)\s+(.+?)\s*$")


def field_key(name: str) -> str:
    """A question key as we compare it: lowercase, separators as `_`, punctuation and a trailing hint dropped.

    `Phone Number`, `phone-number` and `phone_number_(eg.65xxxxxxxx)` all read as `phone_number`.
    """
    text = str(name).strip().lower()
    text = re.sub(r"\(.*?\)", "", text)
    text = re.sub(r"[\s\-./]+", "_", text)
    text = re.sub(r"[^a-z0-9_]", "", text)
    return text.strip("_")


@dataclass(frozen=True)
class LeadAdContact:
    """What a lead form told us, normalized; `unusable` names each answer we could not use and why."""

    email: str | None = None
    phone: str | None = None  # E.164
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    postal_code: str | None = None
    city: str | None = None
    state: str | None = None
    vehicle: dict[str, Any] = field(default_factory=dict)  # year, make, model, vin, stock_number, description
    answers: dict[str, str] = field(default_factory=dict)  # custom questions we do not map, for the salesperson
    unusable: dict[str, str] = field(default_factory=dict)  # our field -> reason (never the value)
    fields: tuple[str, ...] = ()  # the question keys the lead answered, as sent

    @property
    def has_identifier(self) -> bool:
        return bool(self.phone or self.email)

    def customer(self) -> dict[str, Any]:
        """The intake's `customer` shape (what `response.contact.contact_from_payload` reads)."""
        values = {
            "phone": self.phone,
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "name": self.full_name,
            "postal_code": self.postal_code,
        }
        return {k: v for k, v in values.items() if v}


def _values(field_data: Any) -> tuple[dict[str, str], tuple[str, ...]]:
    """{normalized key: first non-empty answer}, and the keys as sent (first occurrence wins)."""
    out: dict[str, str] = {}
    names: list[str] = []
    for item in field_data or []:
        if not isinstance(item, Mapping) or not item.get("name"):
            continue
        raw_values = item.get("values")
        if isinstance(raw_values, str):
            raw_values = [raw_values]
        answer = next((str(v).strip() for v in raw_values or [] if v is not None and str(v).strip()), "")
        key = field_key(str(item["name"]))
        names.append(str(item["name"]))
        if key and key not in out:
            out[key] = answer
    return out, tuple(names)


def _first(values: Mapping[str, str], keys: Sequence[str], *, prefix: bool = False) -> tuple[str | None, str | None]:
    """(key, answer) of the first of `keys` present (with `prefix`, a key starting with one of them)."""
    for key in keys:
        if key in values:
            return key, values[key]
    if prefix:
        for name, answer in values.items():
            if any(name.startswith(k) for k in keys):
                return name, answer
    return None, None


def _clean_name(value: str | None) -> str | None:
    if not value:
        return None
    text = " ".join(value.split())
    return text[:100] or None


def _postal(value: str, country: str) -> tuple[str | None, str | None]:
    text = value.strip().upper()
    if country == "US":
        digits = re.match(r"^(\d{5})(?:[\s-]?\d{4})?$", text)
        if not digits:
            return None, "zip code is not a US ZIP (5 digits, or ZIP+4)"
        return digits.group(1), None
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9 \-]{1,9}", text):
        return None, "postal code is not a postal code"
    return text, None


def parse_vehicle(text: str) -> dict[str, Any]:
    """A free-text vehicle answer: `{"description"}`, plus year, make and model when it reads
    "2023 Honda Civic EX" (model keeps whatever follows the make)."""
    description = " ".join(text.split())[:120]
    out: dict[str, Any] = {"description": description}
    match = _YEAR_MAKE_MODEL.match(description)
    if match:
        out.update({"year": int(match.group(1)), "make": match.group(2), "model": match.group(3)})
    return out


def lead_contact_from_field_data(
    field_data: Iterable[Mapping[str, Any]] | None, *, default_region: str = "US"
) -> LeadAdContact:
    """Map a lead's `field_data` to our contact fields; see the module docstring."""
    values, names = _values(field_data)
    unusable: dict[str, str] = {}
    used: set[str] = set()

    email = None
    key, raw = _first(values, EMAIL_KEYS)
    if key:
        used.add(key)
        try:
            email = normalize_email(raw)
        except ContactError as exc:
            unusable["email"] = exc.reason

    phone = None
    key, raw = _first(values, PHONE_KEYS, prefix=True)
    if key:
        used.add(key)
        try:
            phone = normalize_phone(raw, default_region)
        except ContactError as exc:
            unusable["phone"] = exc.reason

    names_found = {}
    for ours, keys in (("full_name", FULL_NAME_KEYS), ("first_name", FIRST_NAME_KEYS), ("last_name", LAST_NAME_KEYS)):
        key, raw = _first(values, keys)
        if key:
            used.add(key)
            names_found[ours] = _clean_name(raw)
    first, last, full = names_found.get("first_name"), names_found.get("last_name"), names_found.get("full_name")
    if full and not (first or last):
        parts = full.split(" ")
        first, last = parts[0], (" ".join(parts[1:]) or None)
    if not full and (first or last):
        full = " ".join(p for p in (first, last) if p)

    postal = None
    key, raw = _first(values, POSTAL_KEYS)
    if key:
        used.add(key)
        if raw:
            postal, problem = _postal(raw, default_region)
            if problem:
                unusable["postal_code"] = problem

    city_key, city = _first(values, CITY_KEYS)
    state_key, state = _first(values, STATE_KEYS)
    used.update(k for k in (city_key, state_key) if k)

    vehicle: dict[str, Any] = {}
    key, raw = _first(values, VEHICLE_KEYS)
    if key:
        used.add(key)
        if raw:
            vehicle.update(parse_vehicle(raw))
    key, raw = _first(values, VIN_KEYS)
    if key:
        used.add(key)
        if raw:
            try:
                vehicle["vin"] = validate_vin(raw)
            except ContactError as exc:
                unusable["vin"] = exc.reason
    key, raw = _first(values, STOCK_KEYS)
    if key:
        used.add(key)
        if raw:
            vehicle["stock_number"] = raw.strip()[:32]

    answers = {k: v[:500] for k, v in values.items() if k not in used and k not in PRIVATE_KEYS and v}
    if not (phone or email):
        unusable.setdefault("contact", "the lead gives no usable phone number or email address")
    return LeadAdContact(
        email=email,
        phone=phone,
        first_name=first,
        last_name=last,
        full_name=full,
        postal_code=postal,
        city=_clean_name(city),
        state=_clean_name(state),
        vehicle=vehicle,
        answers=answers,
        unusable=unusable,
        fields=names,
    )


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return [str(i).strip() for i in items if str(i).strip() and str(i).strip().lower() not in ("nan", "none")]


@dataclass(frozen=True)
class LeadAdRouting:
    """Which rooftop a lead-ad webhook's page (and form) belongs to, from the rooftops' configuration."""

    pages: dict[str, tuple[str, ...]] = field(default_factory=dict)  # page id -> dealer ids
    forms: dict[str, str] = field(default_factory=dict)  # form id -> dealer id

    @classmethod
    def from_rooftops(cls, rooftops: Iterable[Mapping[str, Any]]) -> LeadAdRouting:
        pages: dict[str, list[str]] = {}
        forms: dict[str, str] = {}
        for row in rooftops:
            dealer = str(row["dealer_id"])
            for page in _ids(row.get("meta_page_id")):
                pages.setdefault(page, []).append(dealer)
            for form in _ids(row.get("meta_form_ids")):
                forms[form] = dealer
        return cls({p: tuple(d) for p, d in pages.items()}, forms)

    def resolve(self, page_id: Any, form_id: Any = None) -> tuple[str | None, str]:
        """(dealer_id, how) or (None, why not)."""
        form = str(form_id) if form_id is not None else ""
        if form and form in self.forms:
            return self.forms[form], f"form {form} is mapped to {self.forms[form]}"
        page = str(page_id) if page_id is not None else ""
        dealers = self.pages.get(page, ())
        if len(dealers) == 1:
            return dealers[0], f"page {page} is {dealers[0]}'s"
        if len(dealers) > 1:
            return None, (
                f"page {page} is shared by {', '.join(dealers)} and form {form or '?'} is not mapped to one "
                "(set meta_form_ids on the rooftop)"
            )
        return None, f"no rooftop has meta_page_id {page or '?'} (or meta_form_ids with form {form or '?'})"
