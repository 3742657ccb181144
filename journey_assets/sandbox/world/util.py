"""Vectorized building blocks for the synthetic world: random streams, ids,
strings, dates in local time, phone numbers, VINs and UUIDs.

Nothing here loops over rows in Python: every helper takes and returns numpy
arrays (object arrays for strings) so a million customers cost seconds.
Dates are carried as int64 day numbers (days since 1970-01-01) and times as
int64 nanoseconds in the rooftop's local wall-clock time until the very end,
where `local_to_utc` converts them per rooftop timezone.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

NS_PER_SEC = 1_000_000_000
NS_PER_MIN = 60 * NS_PER_SEC
NS_PER_HOUR = 60 * NS_PER_MIN
NS_PER_DAY = 24 * NS_PER_HOUR
EPOCH = date(1970, 1, 1)


# --- random streams ---------------------------------------------------------------


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator per table/stage, so adding a column to one table
    does not shift every other table's random numbers."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])


def pick(rng: np.random.Generator, values, n: int, p=None) -> np.ndarray:
    """n draws from `values` (with probabilities `p`, normalized here)."""
    values = np.asarray(values, dtype=object)
    if p is not None:
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
    return values[rng.choice(len(values), size=n, p=p)]


def pick_index(rng: np.random.Generator, n: int, p) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def grouped_pick(
    rng: np.random.Generator, group: np.ndarray, item_group: np.ndarray, cum_within: np.ndarray
) -> np.ndarray:
    """For each row of `group`, draw an item index among that group's items.

    Items are laid out in contiguous blocks per group (`item_group`, sorted) and
    `cum_within` holds each item's cumulative weight inside its block, ending at
    1.0 (see `block_cumulative`). One searchsorted over `group + cumulative`.
    Every group that appears in `group` must own at least one item.
    """
    upper = np.asarray(item_group, dtype=float) + cum_within
    key = np.asarray(group, dtype=float) + rng.random(len(group))
    return np.minimum(np.searchsorted(upper, key, side="right"), len(cum_within) - 1)


def block_cumulative(weights: np.ndarray, item_group: np.ndarray) -> np.ndarray:
    """Cumulative weights normalized to 1.0 within each contiguous group."""
    w = pd.Series(np.asarray(weights, dtype=float))
    g = pd.Series(np.asarray(item_group))
    out = (w.groupby(g).cumsum() / w.groupby(g).transform("sum")).to_numpy()
    item_group = np.asarray(item_group)
    last = np.r_[item_group[1:] != item_group[:-1], True]
    out[last] = 1.0
    return out


def position_in_group(counts: np.ndarray) -> np.ndarray:
    """[0..c0-1, 0..c1-1, ...] for counts [c0, c1, ...] (the row's rank inside its
    parent after an np.repeat)."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


# --- ids and strings --------------------------------------------------------------


def ids(prefix: str, n: int, width: int, start: int = 1) -> np.ndarray:
    """prefix + zero-padded sequence numbers: C0000001, C0000002, ..."""
    return _digits_matrix(prefix, np.arange(start, start + n, dtype=np.int64), width)


def _digits_matrix(prefix: str, nums: np.ndarray, width: int) -> np.ndarray:
    """prefix + each non-negative int zero-padded to `width`, via a byte matrix."""
    nums = np.asarray(nums, dtype=np.int64).copy()
    if len(nums) and (nums.min() < 0 or nums.max() >= 10**width):
        raise ValueError(f"values do not fit in {width} digits")
    p = np.frombuffer(prefix.encode(), dtype=np.uint8)
    m = np.empty((len(nums), len(p) + width), dtype=np.uint8)
    m[:, : len(p)] = p
    for k in range(width - 1, -1, -1):
        m[:, len(p) + k] = 48 + nums % 10
        nums //= 10
    if len(m) == 0:
        return np.array([], dtype=object)
    return bytes_matrix_to_str(m)


def numeric_ids(rng: np.random.Generator, n: int, base: int, step: int = 1000) -> np.ndarray:
    """Unique, random-looking digit strings (vendor ids such as campaign ids)."""
    vals = base + np.arange(n, dtype=np.int64) * step + rng.integers(0, step, n)
    return to_str(vals)


def to_str(values: np.ndarray) -> np.ndarray:
    return pd.Series(np.asarray(values)).astype(str).to_numpy(dtype=object)


def zfill(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative ints below 10**width as zero-padded strings."""
    return _digits_matrix("", values, width)


def random_digits(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """Digit strings of exactly `width` characters, first digit non-zero."""
    out = to_str(rng.integers(1, 10, n))
    left = width - 1
    while left > 0:
        k = min(left, 9)
        out = out + zfill(rng.integers(0, 10**k, n), k)
        left -= k
    return out.astype(object)


def labels(vocab, index) -> np.ndarray:
    """vocab[index] as an object array whose cells share the vocabulary's string
    objects (np.where on literals would allocate one str per row)."""
    return np.asarray(vocab, dtype=object)[np.asarray(index, dtype=np.int64)]


def slugify(values: np.ndarray) -> np.ndarray:
    s = pd.Series(values, dtype=object).str.lower().str.replace(r"[^a-z0-9]+", "-", regex=True)
    return s.str.strip("-").to_numpy(dtype=object)


# --- dates and times --------------------------------------------------------------


def day_number(d: date) -> int:
    return (d - EPOCH).days


def days_to_datetime(days: np.ndarray) -> pd.Series:
    """Day numbers (int, -1 or masked for missing) to datetime64[ns] midnight."""
    days = np.asarray(days)
    out = days.astype("datetime64[D]").astype("datetime64[ns]")
    return pd.Series(out)


def nullable_days(days: np.ndarray, valid: np.ndarray) -> pd.Series:
    out = np.asarray(days).astype("datetime64[D]").astype("datetime64[ns]")
    out[~np.asarray(valid, dtype=bool)] = np.datetime64("NaT")
    return pd.Series(out)


def local_to_utc(local_ns: np.ndarray, dealer_idx: np.ndarray, timezones: Sequence[str]) -> pd.Series:
    """Local wall-clock nanoseconds at each row's rooftop to tz-aware UTC timestamps.

    Loops over the handful of rooftop timezones, not over rows. Nonexistent
    spring-forward times shift forward; ambiguous fall-back times take DST.
    """
    local_ns = np.asarray(local_ns, dtype=np.int64)
    dealer_idx = np.asarray(dealer_idx)
    out = np.empty(len(local_ns), dtype=np.int64)
    tz_arr = np.asarray(timezones, dtype=object)
    for tz in sorted(set(tz_arr.tolist())):
        dealers = np.flatnonzero(tz_arr == tz)
        mask = np.isin(dealer_idx, dealers)
        if not mask.any():
            continue
        idx = pd.DatetimeIndex(local_ns[mask].view("datetime64[ns]"))
        loc = idx.tz_localize(tz, ambiguous=np.ones(len(idx), dtype=bool), nonexistent="shift_forward")
        out[mask] = loc.tz_convert("UTC").asi8
    return pd.Series(pd.DatetimeIndex(out.view("datetime64[ns]")).tz_localize("UTC"))


def time_of_day_ns(rng: np.random.Generator, n: int, hour_weights: Sequence[float]) -> np.ndarray:
    """Random times of day (ns since local midnight) following 24 hourly weights."""
    hours = pick_index(rng, n, hour_weights)
    return hours * NS_PER_HOUR + rng.integers(0, NS_PER_HOUR, n)


# Hourly shapes (local time) for when things happen.
WEB_HOURS = [2, 1, 1, 1, 1, 2, 4, 6, 8, 9, 10, 10, 11, 11, 10, 10, 10, 11, 12, 13, 13, 11, 7, 4]
BUSINESS_HOURS = [0, 0, 0, 0, 0, 0, 0, 1, 6, 10, 11, 11, 10, 10, 10, 10, 9, 8, 6, 4, 2, 0.5, 0, 0]
SERVICE_HOURS = [0, 0, 0, 0, 0, 0, 0, 8, 12, 11, 9, 8, 7, 8, 8, 7, 6, 3, 1, 0, 0, 0, 0, 0]


# --- phone numbers ----------------------------------------------------------------


def phone_parts(rng: np.random.Generator, area_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exchange and line numbers for real, dialable-looking NANP numbers.

    Exchanges avoid N11 service codes and 555; `phonenumbers` accepts every
    area code in the catalog with these exchanges.
    """
    n = len(area_codes)
    exchange = rng.integers(201, 1000, n)
    bad = (exchange % 100 == 11) | (exchange == 555) | (exchange == 950) | (exchange == 958) | (exchange == 959)
    exchange = np.where(bad, exchange + 1, exchange)
    line = rng.integers(0, 10_000, n)
    return exchange, line


def e164(area: np.ndarray, exchange: np.ndarray, line: np.ndarray) -> np.ndarray:
    return "+1" + to_str(area) + to_str(exchange) + zfill(line, 4)


PHONE_FORMATS = ("paren", "dash", "dot", "digits", "e164", "one_dash", "spaced_e164")


def format_phone(area, exchange, line, fmt_idx: np.ndarray) -> np.ndarray:
    """Render (area, exchange, line) in one of PHONE_FORMATS per row."""
    a, e, l4 = to_str(area), to_str(exchange), zfill(line, 4)
    forms = [
        "(" + a + ") " + e + "-" + l4,
        a + "-" + e + "-" + l4,
        a + "." + e + "." + l4,
        a + e + l4,
        "+1" + a + e + l4,
        "1-" + a + "-" + e + "-" + l4,
        "+1 " + a + " " + e + " " + l4,
    ]
    return np.choose(np.asarray(fmt_idx), forms).astype(object)


# --- UUIDs ------------------------------------------------------------------------

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def uuid4s(rng: np.random.Generator, n: int) -> np.ndarray:
    """RFC 4122 version-4 UUID strings built from the generator's bytes."""
    b = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    hexes = np.empty((n, 32), dtype=np.uint8)
    hexes[:, 0::2] = _HEX[b >> 4]
    hexes[:, 1::2] = _HEX[b & 0x0F]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    for dst, src in ((0, 0), (9, 8), (14, 12), (19, 16), (24, 20)):
        width = {0: 8, 9: 4, 14: 4, 19: 4, 24: 12}[dst]
        out[:, dst : dst + width] = hexes[:, src : src + width]
    return bytes_matrix_to_str(out)


def bytes_matrix_to_str(m: np.ndarray) -> np.ndarray:
    m = np.ascontiguousarray(m, dtype=np.uint8)
    width = m.shape[1]
    return m.view(f"S{width}").ravel().astype(f"U{width}").astype(object)


def str_to_bytes_matrix(values: np.ndarray, width: int) -> np.ndarray:
    return np.asarray(values, dtype=f"S{width}").view(np.uint8).reshape(len(values), width).copy()


# --- VINs -------------------------------------------------------------------------

VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O, Q
_TRANSLIT = np.zeros(256, dtype=np.int64)
for _c in "0123456789":
    _TRANSLIT[ord(_c)] = int(_c)
for _c, _v in zip("ABCDEFGH", range(1, 9), strict=True):
    _TRANSLIT[ord(_c)] = _v
for _c, _v in zip("JKLMN", range(1, 6), strict=True):
    _TRANSLIT[ord(_c)] = _v
_TRANSLIT[ord("P")] = 7
_TRANSLIT[ord("R")] = 9
for _c, _v in zip("STUVWXYZ", range(2, 10), strict=True):
    _TRANSLIT[ord(_c)] = _v
VIN_WEIGHTS = np.array([8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)
_CHECK_CHARS = np.frombuffer(b"0123456789X", dtype=np.uint8)
# 49 CFR 565.15 model-year codes repeat every 30 years from 1980 ("A").
_YEAR_CODES = np.frombuffer(b"ABCDEFGHJKLMNPRSTVWXY123456789", dtype=np.uint8)
_PLANTS = np.frombuffer(b"ABCDEFGHJKLMNPRSTUVWXYZ", dtype=np.uint8)  # 23 letters
_SERIALS = 1_000_000
_SPACE = len(_PLANTS) * _SERIALS
_MIX = 7_368_787  # coprime with _SPACE: a bijection over (plant, serial)


def vin_check_digits(m: np.ndarray) -> np.ndarray:
    """Check-digit characters (uint8) for a (n, 17) uint8 VIN matrix."""
    total = (_TRANSLIT[m] * VIN_WEIGHTS).sum(axis=1) % 11
    return _CHECK_CHARS[total]


class VinFactory:
    """Hands out unique VINs: WMI + VDS + check digit + model-year code + plant +
    6-digit serial. Uniqueness comes from a bijection over a world-wide counter
    mapped to (plant, serial), so no two VINs in one world ever collide."""

    def __init__(self, seed: int):
        self._offset = int(stream(seed, "vin-offset").integers(0, _SPACE))
        self._next = 0

    def make(self, rng: np.random.Generator, wmi: np.ndarray, stem: np.ndarray, year: np.ndarray) -> np.ndarray:
        n = len(wmi)
        if n == 0:
            return np.array([], dtype=object)
        m = np.zeros((n, 17), dtype=np.uint8)
        m[:, 0:3] = str_to_bytes_matrix(wmi, 3)
        m[:, 3:6] = str_to_bytes_matrix(stem, 3)
        alphabet = np.frombuffer(VIN_CHARS.encode(), dtype=np.uint8)
        m[:, 6:8] = alphabet[rng.integers(0, len(alphabet), (n, 2))]
        m[:, 9] = _YEAR_CODES[(np.asarray(year) - 1980) % 30]
        counter = np.arange(self._next, self._next + n, dtype=np.int64)
        self._next += n
        if self._next > _SPACE:
            raise ValueError("VIN space exhausted")
        mixed = (counter * _MIX + self._offset) % _SPACE
        m[:, 10] = _PLANTS[mixed // _SERIALS]
        serial = mixed % _SERIALS
        for pos in range(16, 10, -1):
            m[:, pos] = ord("0") + serial % 10
            serial //= 10
        m[:, 8] = ord("0")
        m[:, 8] = vin_check_digits(m)
        return bytes_matrix_to_str(m)
