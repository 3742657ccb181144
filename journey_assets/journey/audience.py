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


def _letters(value: Any) -> str:
    """Lowercase letters only (Unicode letters kept, NFC), no spaces/punctuation/digits."""
    # str(): a record's COUNTRY reaches the ZIP rule unconverted, and may be a number read from a file
    text = unicodedata.normalize("NFC", ("" if value is None else str(value)).strip().lower())
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


SINGLE_KEY_NAMES = {"EMAIL": "EMAIL_SHA256", "PHONE": "PHONE_SHA256", "MADID": "MOBILE_ADVERTISER_ID"}


def meta_payload(rows: Sequence[Sequence[str]], schema: Sequence[str]) -> dict[str, Any]:
    """``payload`` body for ``POST/DELETE /{audience_id}/users``."""
    schema = [k.upper() for k in schema]
    unknown = [k for k in schema if k not in META_KEYS]
    if unknown:
        raise ValueError(f"unknown Meta schema keys: {unknown}")
    # Meta's string form of `schema` is one of its single-key names (EMAIL_SHA256, PHONE_SHA256,
    # MOBILE_ADVERTISER_ID); every other schema, one key or many, is the multi-key list.
    single = SINGLE_KEY_NAMES.get(schema[0]) if len(schema) == 1 else None
    return {"schema": single or schema, "data": [list(r) for r in rows]}


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


# ---------------------------------------------------------------- vectorized Meta rows
#
# The per-row functions above cost ~50 us a member for a nine-key schema (~20,000 rows/s); a
# million-member audience needs better. `meta_columns` gives the same values column by column:
# low-cardinality keys (names, city, state, zip, country) are normalized and hashed once per distinct
# value with the per-row functions themselves; EMAIL and PHONE, distinct per person, are normalized and
# hashed by DuckDB (vectorized, C++ SHA-256) for printable-ASCII values, where its trim/lower/regex
# agree with Python's, and by the per-row functions for anything else (non-ASCII, control characters,
# non-strings). tests/journey/test_journey_audience_vectorized.py checks the equality with hypothesis.

_VECTOR_SQL = {
    "EMAIL": """CASE WHEN regexp_full_match(lower(trim({c})), '[^@ ]+@[^@ ]+[.][^@ ]+')
        THEN sha256(lower(trim({c}))) ELSE '' END""",
    # digits only, no leading zeros, the default country code before a national number, 7..15 digits
    "PHONE": """CASE WHEN length(p) BETWEEN 7 AND 15 THEN sha256(p) ELSE '' END""",
}
_PHONE_STEPS = """
    SELECT *, CASE
        WHEN d = '' THEN ''
        WHEN NOT intl AND length($prefix) > 0 AND length(d) <= 10 THEN $prefix || d
        ELSE d END AS p
    FROM (
        SELECT *, ltrim(digits, '0') AS d, starts_with(raw, '+') OR starts_with(digits, '00') AS intl
        FROM (SELECT *, regexp_replace(raw, '[^0-9]', '', 'g') AS digits
              FROM (SELECT *, trim({c}) AS raw FROM values_in))
    )
"""


def _simple(value: Any) -> bool:
    """A printable-ASCII string: the one kind where DuckDB's string functions behave as Python's."""
    return isinstance(value, str) and value.isascii() and value.isprintable()


def _vector_hash(wanted: Mapping[str, Sequence[Any]], default_country_code: str | None) -> dict[str, list[str]]:
    """EMAIL and PHONE columns hashed in one DuckDB query; values DuckDB cannot be trusted with go per row."""
    import duckdb
    import numpy as np
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    arrays, fallbacks = {}, {}
    for key, values in wanted.items():
        try:
            array = pa.array(values, pa.string())
        except (pa.ArrowException, TypeError):  # not all strings: sort them out one by one
            simple = [v if _simple(v) else None for v in values]
            fallbacks[key] = [i for i, v in enumerate(values) if v is not None and simple[i] is None]
            arrays[key.lower()] = pa.array(simple, pa.string())
            continue
        printable = pc.match_substring_regex(array, r"^[ -~]*$")  # printable ASCII
        other = pc.invert(pc.fill_null(printable, True))
        fallbacks[key] = np.flatnonzero(other.to_numpy(zero_copy_only=False)).tolist()
        arrays[key.lower()] = pc.if_else(other, pa.scalar(None, pa.string()), array) if fallbacks[key] else array
    select = ", ".join(f"{_VECTOR_SQL[key].format(c=key.lower())} AS h_{key.lower()}" for key in wanted)
    source = _PHONE_STEPS.format(c="phone") if "PHONE" in wanted else "SELECT * FROM values_in"
    con = duckdb.connect()
    try:
        con.register("values_in", pa.table(arrays))
        params = {"prefix": default_country_code or ""} if "PHONE" in wanted else None
        result = con.sql(f"SELECT {select} FROM ({source})", params=params).to_arrow_table()
    finally:
        con.close()
    out = {}
    for key, values in wanted.items():
        column = result.column(f"h_{key.lower()}").to_pylist()
        hashed = ["" if h is None else h for h in column]
        for i in fallbacks[key]:
            hashed[i] = hash_field(key, values[i], default_country_code=default_country_code)
        out[key] = hashed
    return out


def _cached_hash(key: str, values: Sequence[Any], countries: Sequence[Any] | None, dcc: str | None) -> list[str]:
    """Each distinct value (with its country, for ZIP) normalized and hashed once by the per-row function."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    def one(n: int) -> str:
        country = (countries[n] if countries is not None else None) or "us"
        return hash_field(key, values[n], country=country, default_country_code=dcc)

    def codes_of(column: Sequence[Any]) -> Any:
        """Dictionary codes of an all-string column (nulls -1), or None for anything else."""
        try:
            encoded = pa.array(column, pa.string()).dictionary_encode()
        except (pa.ArrowException, TypeError):  # not all strings (1, 1.0 and True would share a hash key)
            return None
        return pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)

    codes = codes_of(values)
    country_codes = codes_of(countries) if countries is not None else None
    if codes is None or (countries is not None and country_codes is None):
        return [one(n) for n in range(len(values))]
    if country_codes is not None:  # a ZIP's rule depends on its country: distinct (zip, country) pairs
        pair = codes * (int(country_codes.max(initial=0)) + 2) + (country_codes + 1)
        codes = np.where(codes < 0, -1, pd.factorize(pair)[0]).astype(np.int64)
    known = codes >= 0
    firsts = pd.Series(np.arange(len(codes))[known]).groupby(codes[known]).first()
    table = np.empty(int(codes.max(initial=-1)) + 2, dtype=object)
    table[-1] = ""
    for code, n in zip(firsts.index.tolist(), firsts.tolist(), strict=True):
        table[code] = one(n)
    out = table[codes].tolist()  # code -1 reads the last cell
    for n in np.flatnonzero(codes < 0).tolist():  # None and NaN: the per-row function decides
        out[n] = one(n)
    return out


def meta_columns(
    columns: Mapping[str, Sequence[Any]], schema: Sequence[str], *, default_country_code: str | None = "1"
) -> dict[str, list[str]]:
    """Column-wise :func:`meta_row`: ``columns`` maps schema names (any case) to equal-length value lists;
    the answer maps each schema key to its normalized, hashed values (the same strings meta_row gives)."""
    cols = {k.upper(): v for k, v in columns.items()}
    lengths = {len(v) for v in cols.values()}
    if len(lengths) > 1:
        raise ValueError("meta_columns: columns of different lengths")
    n = lengths.pop() if lengths else 0
    countries = cols.get("COUNTRY")
    keys = [k.upper() for k in schema]
    unknown = [k for k in keys if k not in META_KEYS]
    if unknown:
        raise ValueError(f"unknown Meta schema keys: {unknown}")
    vector = {k: cols[k] for k in keys if k in _VECTOR_SQL and k in cols}
    out: dict[str, list[str]] = _vector_hash(vector, default_country_code) if vector and n else {}
    for key in keys:
        values = cols.get(key)
        if key in out:
            continue
        if values is None:
            out[key] = [""] * n
        elif key in UNHASHED_KEYS:  # distinct per person and cheap: no cache
            out[key] = [normalize_field(key, v) for v in values]
        else:
            out[key] = _cached_hash(key, values, countries if key == "ZIP" else None, default_country_code)
    return out


def meta_rows(
    columns: Mapping[str, Sequence[Any]], schema: Sequence[str], *, default_country_code: str | None = "1"
) -> list[tuple[str, ...]]:
    """:func:`meta_columns` as ``data`` rows (tuples: JSON arrays all the same), in the order of ``schema``."""
    hashed = meta_columns(columns, schema, default_country_code=default_country_code)
    return list(zip(*(hashed[k.upper()] for k in schema), strict=True))
