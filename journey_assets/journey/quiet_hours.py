"""Quiet hours: the TCPA calling window in the recipient's local time.

47 CFR 64.1200(c)(1) bars telephone solicitations "before the hour of 8 a.m. or after
9 p.m. (local time at the called party's location)". We allow sends in the half-open
local window ``[08:00, 21:00)``: 20:59:59 may send, 21:00:00 may not (the
conservative reading of "after 9 p.m."). The window applies to every message;
transactional messages may bypass it only with an explicit :class:`QuietHoursOverride`
whose reason is returned in the decision and logged (without PII).

Where the recipient is
-----------------------
:func:`resolve_timezone` works from the customer's ZIP, then state, then the
rooftop's own timezone. Simplifications, documented on purpose:

* ZIP -> state uses USPS 3-digit prefix ranges (no 5-digit table). Military (AE/AP/AA)
  and unknown prefixes resolve to nothing and fall through to state/rooftop.
* State -> timezone lists *every* zone in use anywhere in the state (e.g. TN is
  Eastern and Central). When more than one zone is possible the send must be inside
  the window in *all* of them, which is the conservative choice: 8 a.m. in the
  western zone to 9 p.m. in the eastern one.
* A few 3-digit prefixes known to lie wholly in one zone narrow a multi-zone state
  (El Paso is Mountain, Pensacola is Central, peninsular Florida is Eastern,
  the rest of Texas is Central).
* Some states' own telemarketing laws are stricter than the TCPA (Florida,
  Oklahoma and Maryland end the window at 8 p.m.). They are applied by default via
  ``STATE_WINDOW_OVERRIDES``; this list is not exhaustive and is not legal advice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from journey_assets.journey.consent import Category

log = logging.getLogger(__name__)

TCPA_START = time(8, 0)
TCPA_END = time(21, 0)

ET, CT, MT, PT = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"

# Every IANA zone in use somewhere in the state (first = the zone most residents use).
STATE_TIMEZONES: dict[str, tuple[str, ...]] = {
    "AL": (CT,),
    "AK": ("America/Anchorage", "America/Adak"),
    "AZ": ("America/Phoenix", MT),
    "AR": (CT,),
    "CA": (PT,),
    "CO": (MT,),
    "CT": (ET,),
    "DC": (ET,),
    "DE": (ET,),
    "FL": (ET, CT),
    "GA": (ET,),
    "HI": ("Pacific/Honolulu",),
    "IA": (CT,),
    "ID": ("America/Boise", PT),
    "IL": (CT,),
    "IN": ("America/Indiana/Indianapolis", CT),
    "KS": (CT, MT),
    "KY": (ET, CT),
    "LA": (CT,),
    "MA": (ET,),
    "MD": (ET,),
    "ME": (ET,),
    "MI": ("America/Detroit", "America/Menominee"),
    "MN": (CT,),
    "MO": (CT,),
    "MS": (CT,),
    "MT": (MT,),
    "NC": (ET,),
    "ND": (CT, MT),
    "NE": (CT, MT),
    "NH": (ET,),
    "NJ": (ET,),
    "NM": (MT,),
    "NV": (PT, MT),
    "NY": (ET,),
    "OH": (ET,),
    "OK": (CT,),
    "OR": (PT, "America/Boise"),
    "PA": (ET,),
    "RI": (ET,),
    "SC": (ET,),
    "SD": (CT, MT),
    "TN": (CT, ET),
    "TX": (CT, MT),
    "UT": (MT,),
    "VA": (ET,),
    "VT": (ET,),
    "WA": (PT,),
    "WI": (CT,),
    "WV": (ET,),
    "WY": (MT,),
    "PR": ("America/Puerto_Rico",),
    "VI": ("America/St_Thomas",),
    "GU": ("Pacific/Guam",),
}

# USPS 3-digit ZIP prefix ranges (inclusive) -> state.
_ZIP3_RANGES: tuple[tuple[int, int, str], ...] = (
    (5, 5, "NY"),
    (6, 7, "PR"),
    (8, 8, "VI"),
    (9, 9, "PR"),
    (10, 27, "MA"),
    (28, 29, "RI"),
    (30, 38, "NH"),
    (39, 49, "ME"),
    (50, 54, "VT"),
    (55, 55, "MA"),
    (56, 59, "VT"),
    (60, 69, "CT"),
    (70, 89, "NJ"),
    (100, 149, "NY"),
    (150, 196, "PA"),
    (197, 199, "DE"),
    (200, 200, "DC"),
    (201, 201, "VA"),
    (202, 205, "DC"),
    (206, 219, "MD"),
    (220, 246, "VA"),
    (247, 268, "WV"),
    (270, 289, "NC"),
    (290, 299, "SC"),
    (300, 319, "GA"),
    (320, 339, "FL"),
    (341, 349, "FL"),
    (350, 369, "AL"),
    (370, 385, "TN"),
    (386, 397, "MS"),
    (398, 399, "GA"),
    (400, 427, "KY"),
    (430, 459, "OH"),
    (460, 479, "IN"),
    (480, 499, "MI"),
    (500, 528, "IA"),
    (530, 549, "WI"),
    (550, 567, "MN"),
    (569, 569, "DC"),
    (570, 577, "SD"),
    (580, 588, "ND"),
    (590, 599, "MT"),
    (600, 629, "IL"),
    (630, 658, "MO"),
    (660, 679, "KS"),
    (680, 693, "NE"),
    (700, 715, "LA"),
    (716, 729, "AR"),
    (730, 749, "OK"),
    (750, 799, "TX"),
    (800, 816, "CO"),
    (820, 831, "WY"),
    (832, 838, "ID"),
    (840, 847, "UT"),
    (850, 865, "AZ"),
    (870, 884, "NM"),
    (885, 885, "TX"),
    (889, 898, "NV"),
    (900, 961, "CA"),
    (967, 968, "HI"),
    (969, 969, "GU"),
    (970, 979, "OR"),
    (980, 994, "WA"),
    (995, 999, "AK"),
)

# Prefixes of multi-zone states that lie wholly in one zone.
_ZIP3_ZONE_OVERRIDES: tuple[tuple[int, int, str], ...] = (
    (750, 797, CT),
    (799, 799, MT),
    (885, 885, MT),  # TX: rest of state / El Paso
    (320, 322, ET),
    (326, 339, ET),
    (341, 349, ET),  # FL peninsula
    (325, 325, CT),  # FL: Pensacola / western panhandle
)

# State laws stricter than the TCPA window (not exhaustive).
STATE_WINDOW_OVERRIDES: dict[str, tuple[time, time]] = {
    "FL": (time(8, 0), time(20, 0)),
    "OK": (time(8, 0), time(20, 0)),
    "MD": (time(8, 0), time(20, 0)),
}


def _zip3(zip_code: str | None) -> int | None:
    digits = "".join(ch for ch in (zip_code or "") if ch.isdigit())
    if len(digits) not in (5, 9):
        return None
    return int(digits[:3])


def zip_to_state(zip_code: str | None) -> str | None:
    """Two-letter state for a US ZIP (5 or 9 digits) from its 3-digit prefix."""
    prefix = _zip3(zip_code)
    if prefix is None:
        return None
    for lo, hi, state in _ZIP3_RANGES:
        if lo <= prefix <= hi:
            return state
    return None


@dataclass(frozen=True)
class TimezoneResolution:
    zones: tuple[str, ...]  # all zones the recipient may be in; non-empty
    source: str  # "zip", "state" or "rooftop"
    state: str | None = None
    note: str = ""

    @property
    def is_ambiguous(self) -> bool:
        return len(self.zones) > 1


def resolve_timezone(zip_code: str | None = None, state: str | None = None, *, rooftop_tz: str) -> TimezoneResolution:
    """Where the recipient is: ZIP first, then state, then the rooftop's timezone."""
    zip_state = zip_to_state(zip_code)
    if zip_state is not None:
        prefix = _zip3(zip_code)
        for lo, hi, zone in _ZIP3_ZONE_OVERRIDES:
            if lo <= prefix <= hi:  # type: ignore[operator]
                return TimezoneResolution((zone,), "zip", zip_state, "zip prefix in one zone")
        zones = STATE_TIMEZONES.get(zip_state)
        if zones:
            note = "state spans several zones; window must hold in all" if len(zones) > 1 else ""
            return TimezoneResolution(zones, "zip", zip_state, note)
    code = (state or "").strip().upper()
    if code in STATE_TIMEZONES:
        zones = STATE_TIMEZONES[code]
        note = "state spans several zones; window must hold in all" if len(zones) > 1 else ""
        return TimezoneResolution(zones, "state", code, note)
    return TimezoneResolution((rooftop_tz,), "rooftop", None, "customer location unknown")


def window_for_state(state: str | None) -> tuple[time, time]:
    return STATE_WINDOW_OVERRIDES.get((state or "").upper(), (TCPA_START, TCPA_END))


TzLike = str | ZoneInfo | TimezoneResolution | Sequence[str | ZoneInfo]


def _zones(tz: TzLike) -> list[ZoneInfo]:
    if isinstance(tz, TimezoneResolution):
        tz = tz.zones
    if isinstance(tz, (str, ZoneInfo)):
        tz = [tz]
    zones = [z if isinstance(z, ZoneInfo) else ZoneInfo(z) for z in tz]
    if not zones:
        raise ValueError("at least one timezone is required")
    return zones


def _require_aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now_utc must be timezone-aware")
    return now.astimezone(UTC)


def _in_window(local: datetime, start: time, end: time) -> bool:
    return start <= local.time() < end


def _local_start(day: date, start: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, start, tzinfo=zone).astimezone(UTC)


def _next_in_zone(t: datetime, zone: ZoneInfo, start: time, end: time) -> datetime:
    local = t.astimezone(zone)
    if _in_window(local, start, end):
        return t
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return _local_start(day, start, zone)


def is_within_window(now_utc: datetime, tz: TzLike, *, start: time = TCPA_START, end: time = TCPA_END) -> bool:
    """True when ``now_utc`` is inside ``[start, end)`` local time in every zone of ``tz``."""
    now = _require_aware(now_utc)
    return all(_in_window(now.astimezone(z), start, end) for z in _zones(tz))


def next_allowed_send(now_utc: datetime, tz: TzLike, *, start: time = TCPA_START, end: time = TCPA_END) -> datetime:
    """The earliest UTC instant >= ``now_utc`` inside the window in every zone of ``tz``.

    Returns ``now_utc`` itself (in UTC) when sending now is allowed. Handles DST:
    the window is computed on local wall-clock time on each day.
    """
    t = _require_aware(now_utc)
    zones = _zones(tz)
    for _ in range(16):
        candidate = max(_next_in_zone(t, z, start, end) for z in zones)
        if candidate == t:
            return t
        t = candidate
    raise ValueError("the windows of these timezones never overlap")


@dataclass(frozen=True)
class QuietHoursOverride:
    """An explicit, reasoned bypass; only honoured for transactional messages."""

    reason: str
    approved_by: str = "system"

    def __post_init__(self) -> None:
        if not self.reason or not self.reason.strip():
            raise ValueError("a quiet-hours override needs a reason")


@dataclass(frozen=True)
class QuietHoursDecision:
    allowed: bool
    send_at: datetime  # UTC; equals now when allowed
    reason: str
    zones: tuple[str, ...]
    local_times: dict[str, str] = field(default_factory=dict)
    override_applied: bool = False


def check_quiet_hours(
    now_utc: datetime,
    tz: TzLike,
    category: Category | str,
    *,
    override: QuietHoursOverride | None = None,
    state: str | None = None,
) -> QuietHoursDecision:
    """Decide whether a message may go now, or when it may go.

    ``state`` selects a stricter state window; when ``tz`` is a
    :class:`TimezoneResolution` its state is used if ``state`` is not given.
    """
    category = Category(category)
    now = _require_aware(now_utc)
    if state is None and isinstance(tz, TimezoneResolution):
        state = tz.state
    start, end = window_for_state(state)
    zones = _zones(tz)
    names = tuple(z.key for z in zones)
    local_times = {z.key: now.astimezone(z).strftime("%Y-%m-%d %H:%M %Z") for z in zones}
    window = f"{start:%H:%M}-{end:%H:%M}"
    if is_within_window(now, zones, start=start, end=end):
        return QuietHoursDecision(True, now, f"inside {window} local", names, local_times)

    if override is not None:
        if category is Category.TRANSACTIONAL:
            reason = f"quiet hours overridden for transactional message: {override.reason} (by {override.approved_by})"
            log.info("quiet-hours override zones=%s reason=%s", ",".join(names), override.reason)
            return QuietHoursDecision(True, now, reason, names, local_times, override_applied=True)
        log.warning("quiet-hours override refused for a marketing message zones=%s", ",".join(names))

    send_at = next_allowed_send(now, zones, start=start, end=end)
    reason = f"outside {window} local time; next allowed {send_at.isoformat()}"
    if override is not None:
        reason += " (override refused: only transactional messages may bypass quiet hours)"
    return QuietHoursDecision(False, send_at, reason, names, local_times)
