"""Audience activation: diff desired members against the last accepted state, batch
them to the vendor's size, and normalize + hash identifiers for Meta.

Diffing follows the activation contract in DESIGN.md: the desired state (a dbt
model) minus the last accepted state (``ops``) gives adds, the reverse gives
removes; only rows the vendor accepted move the state, so a failed batch is simply
diffed again next run. Output is sorted so runs are reproducible.

Meta customer-list normalization (developers.facebook.com, marketing-api
custom-audiences "hashing and normalizing"; the same rules as the Conversions API
customer-information parameters), then SHA-256 as lowercase hex:

=========  ===============================================================
EMAIL      trim, lowercase
PHONE      digits only, leading zeros removed, with country code (a 10-digit
           national number gets ``default_country_code``, "1" by default)
FN, LN     lowercase, no punctuation; non-ASCII letters kept (UTF-8), so
           ``Valéry`` -> ``valéry``; we also drop whitespace and digits
FI         first letter of the normalized first name
CT         lowercase letters only: no spaces, punctuation or digits
ST         US: 2-letter code lowercase (full names mapped); elsewhere letters only
ZIP        lowercase, no spaces or dashes; US: first 5 digits
COUNTRY    ISO 3166-1 alpha-2, lowercase (common names mapped)
GEN        ``m`` or ``f``
DOBY/M/D   ``YYYY``, ``MM``, ``DD``
EXTERN_ID  not hashed
MADID      not hashed (lowercase, hyphens kept)
=========  ===============================================================

An empty normalized value becomes ``""`` (Meta's "unknown"); ``sha256("")`` is never
sent.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

# Vendor batch sizes (vendors.md).
META_MAX_USERS_PER_REQUEST = 10_000
CUSTOMERIO_SEGMENT_MAX_IDS = 1_000
BATCH_SIZES = {"meta": META_MAX_USERS_PER_REQUEST, "customerio_segment": CUSTOMERIO_SEGMENT_MAX_IDS}


# ---------------------------------------------------------------- diffing


@dataclass(frozen=True)
class AudienceDiff:
    adds: tuple[str, ...]
    removes: tuple[str, ...]
    unchanged: int

    @property
    def is_empty(self) -> bool:
        return not self.adds and not self.removes


def diff_audience(desired: Iterable[str], accepted: Iterable[str]) -> AudienceDiff:
    """Members to add and to remove so that ``accepted`` becomes ``desired``."""
    want, have = set(desired), set(accepted)
    return AudienceDiff(tuple(sorted(want - have)), tuple(sorted(have - want)), len(want & have))


@dataclass(frozen=True)
class KeyedDiff:
    adds: tuple[str, ...]
    updates: tuple[str, ...]  # present in both, attributes changed
    removes: tuple[str, ...]
    unchanged: int


def diff_keyed(desired: Mapping[str, Hashable], accepted: Mapping[str, Hashable]) -> KeyedDiff:
    """Like :func:`diff_audience` for members with attributes (e.g. Customer.io profiles):
    values are compared for equality (pass a fingerprint/hash for large payloads)."""
    adds = sorted(k for k in desired if k not in accepted)
    removes = sorted(k for k in accepted if k not in desired)
    common = [k for k in desired if k in accepted]
    updates = sorted(k for k in common if desired[k] != accepted[k])
    return KeyedDiff(tuple(adds), tuple(updates), tuple(removes), len(common) - len(updates))


def batched(items: Iterable[T], size: int) -> Iterator[tuple[T, ...]]:
    """Consecutive chunks of at most ``size`` items (the last may be shorter)."""
    if size < 1:
        raise ValueError("batch size must be positive")
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield tuple(chunk)
            chunk = []
    if chunk:
        yield tuple(chunk)


# ---------------------------------------------------------------- Meta normalization

US_STATES: dict[str, str] = {
    "alabama": "al",
    "alaska": "ak",
    "arizona": "az",
    "arkansas": "ar",
    "california": "ca",
    "colorado": "co",
    "connecticut": "ct",
    "delaware": "de",
    "districtofcolumbia": "dc",
    "florida": "fl",
    "georgia": "ga",
    "hawaii": "hi",
    "idaho": "id",
    "illinois": "il",
    "indiana": "in",
    "iowa": "ia",
    "kansas": "ks",
    "kentucky": "ky",
    "louisiana": "la",
    "maine": "me",
    "maryland": "md",
    "massachusetts": "ma",
    "michigan": "mi",
    "minnesota": "mn",
    "mississippi": "ms",
    "missouri": "mo",
    "montana": "mt",
    "nebraska": "ne",
    "nevada": "nv",
    "newhampshire": "nh",
    "newjersey": "nj",
    "newmexico": "nm",
    "newyork": "ny",
    "northcarolina": "nc",
    "northdakota": "nd",
    "ohio": "oh",
    "oklahoma": "ok",
    "oregon": "or",
    "pennsylvania": "pa",
    "rhodeisland": "ri",
    "southcarolina": "sc",
    "southdakota": "sd",
    "tennessee": "tn",
    "texas": "tx",
    "utah": "ut",
    "vermont": "vt",
    "virginia": "va",
    "washington": "wa",
    "westvirginia": "wv",
    "wisconsin": "wi",
    "wyoming": "wy",
    "puertorico": "pr",
}
_COUNTRY_ALIASES = {
    "usa": "us",
    "unitedstates": "us",
    "unitedstatesofamerica": "us",
    "america": "us",
    "canada": "ca",
    "can": "ca",
    "mexico": "mx",
    "mex": "mx",
    "unitedkingdom": "gb",
    "uk": "gb",
    "greatbritain": "gb",
    "england": "gb",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _letters(value: str | None) -> str:
    """Lowercase letters only (Unicode letters kept, NFC), no spaces/punctuation/digits."""
    text = unicodedata.normalize("NFC", (value or "").strip().lower())
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LM")


def normalize_email(value: str | None) -> str:
    email = (value or "").strip().lower()
    return email if _EMAIL.match(email) else ""


def normalize_phone(value: str | None, default_country_code: str | None = "1") -> str:
    raw = (value or "").strip()
    digits = re.sub(r"\D", "", raw)
    international = raw.startswith("+") or digits.startswith("00")
    digits = digits.lstrip("0")
    if not digits:
        return ""
    if not international and default_country_code and len(digits) <= 10:
        digits = default_country_code + digits  # a national number without country code
    return digits if 7 <= len(digits) <= 15 else ""


def normalize_name(value: str | None) -> str:
    return _letters(value)


def normalize_first_initial(value: str | None) -> str:
    return normalize_name(value)[:1]


def normalize_city(value: str | None) -> str:
    return _letters(value)


def normalize_state(value: str | None) -> str:
    letters = _letters(value)
    if len(letters) == 2:
        return letters
    return US_STATES.get(letters, letters)


def normalize_country(value: str | None) -> str:
    letters = _letters(value)
    letters = _COUNTRY_ALIASES.get(letters, letters)
    return letters if len(letters) == 2 and letters.isascii() else ""


def normalize_zip(value: str | None, country: str | None = "us") -> str:
    compact = re.sub(r"[\s\-]", "", (value or "").strip().lower())
    if normalize_country(country) == "us" or (country is None and re.fullmatch(r"\d{5}(\d{4})?", compact)):
        return compact[:5] if re.fullmatch(r"\d{5,9}", compact) else ""
    return compact


def normalize_gender(value: str | None) -> str:
    g = (value or "").strip().lower()
    if g in ("m", "male", "man"):
        return "m"
    if g in ("f", "female", "woman"):
        return "f"
    return ""


def _fixed_digits(value: str | int | None, width: int, lo: int, hi: int) -> str:
    digits = re.sub(r"\D", "", str(value if value is not None else ""))
    if not digits or not lo <= int(digits) <= hi:
        return ""
    return digits.zfill(width)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


UNHASHED_KEYS = frozenset({"EXTERN_ID", "MADID"})
META_KEYS = (
    "EXTERN_ID",
    "EMAIL",
    "PHONE",
    "GEN",
    "DOBY",
    "DOBM",
    "DOBD",
    "LN",
    "FN",
    "FI",
    "CT",
    "ST",
    "ZIP",
    "MADID",
    "COUNTRY",
)


def normalize_field(key: str, value: Any, *, country: str | None = "us", default_country_code: str | None = "1") -> str:
    """The normalized (unhashed) value Meta expects for schema key ``key``."""
    key = key.upper()
    text = None if value is None else str(value)
    match key:
        case "EMAIL":
            return normalize_email(text)
        case "PHONE":
            return normalize_phone(text, default_country_code)
        case "FN" | "LN":
            return normalize_name(text)
        case "FI":
            return normalize_first_initial(text)
        case "CT":
            return normalize_city(text)
        case "ST":
            return normalize_state(text)
        case "ZIP":
            return normalize_zip(text, country)
        case "COUNTRY":
            return normalize_country(text)
        case "GEN":
            return normalize_gender(text)
        case "DOBY":
            return _fixed_digits(text, 4, 1900, 2100)
        case "DOBM":
            return _fixed_digits(text, 2, 1, 12)
        case "DOBD":
            return _fixed_digits(text, 2, 1, 31)
        case "EXTERN_ID":
            return (text or "").strip()
        case "MADID":
            return (text or "").strip().lower()
    raise ValueError(f"unknown Meta schema key {key!r}")


def hash_field(key: str, value: Any, **kwargs: Any) -> str:
    """Normalized and SHA-256 hashed (lowercase hex), or ``""`` when unknown."""
    normalized = normalize_field(key, value, **kwargs)
    if not normalized:
        return ""
    return normalized if key.upper() in UNHASHED_KEYS else sha256_hex(normalized)


def meta_row(record: Mapping[str, Any], schema: Sequence[str], *, default_country_code: str | None = "1") -> list[str]:
    """One ``data`` row for ``schema`` from a record keyed by schema names (any case).

    The record's COUNTRY (default US) decides the ZIP rule.
    """
    rec = {k.upper(): v for k, v in record.items()}
    country = rec.get("COUNTRY") or "us"
    return [
        hash_field(k, rec.get(k.upper()), country=country, default_country_code=default_country_code) for k in schema
    ]


def meta_payload(rows: Sequence[Sequence[str]], schema: Sequence[str]) -> dict[str, Any]:
    """``payload`` body for ``POST/DELETE /{audience_id}/users``."""
    schema = [k.upper() for k in schema]
    unknown = [k for k in schema if k not in META_KEYS]
    if unknown:
        raise ValueError(f"unknown Meta schema keys: {unknown}")
    return {"schema": schema if len(schema) > 1 else schema[0], "data": [list(r) for r in rows]}


def meta_session_batches(
    rows: Sequence[Sequence[str]],
    schema: Sequence[str],
    session_id: int,
    batch_size: int = META_MAX_USERS_PER_REQUEST,
) -> list[dict[str, Any]]:
    """Request bodies for a multi-batch upload session (batch_seq from 1, last flagged)."""
    if not 0 < batch_size <= META_MAX_USERS_PER_REQUEST:
        raise ValueError(f"Meta accepts 1..{META_MAX_USERS_PER_REQUEST} users per request")
    chunks = list(batched(rows, batch_size))
    return [
        {
            "payload": meta_payload(chunk, schema),
            "session": {
                "session_id": session_id,
                "batch_seq": seq,
                "last_batch_flag": seq == len(chunks),
                "estimated_num_total": len(rows),
            },
        }
        for seq, chunk in enumerate(chunks, 1)
    ]
