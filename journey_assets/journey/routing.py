"""Lead assignment: which rooftop, which salesperson, and by when.

* **Rooftop**: the rooftop the lead came in for, else the one whose territory (ZIP
  list) holds the customer's ZIP, else the nearest by great-circle distance
  (haversine on latitude/longitude). Ties go to the lowest rooftop id.
* **Salesperson**: round-robin per rooftop. The cursor (:class:`RoundRobinState`,
  the id of the last person assigned at each rooftop) is passed in and a new one is
  returned, so the result is deterministic and the caller persists it. People are
  taken in id order, starting after the last one assigned, skipping anyone off
  shift. When nobody is on shift the lead goes to whoever comes on shift first, and
  the assignment says so.
* **SLA**: the follow-up task is due a number of *working* minutes after the lead
  (hot 15, warm 120, cold 480 by default). A lead that arrives outside working
  hours is due when the rooftop opens (hot) or that many working minutes after it
  opens (other bands).
* **By tier** (:class:`TierRouting`, configuration: ``JOURNEY_TIER_ROUTING``): each
  tier's SLA, whether it alerts the sales floor, the task's importance, and who
  takes it: a salesperson may be limited to some tiers (``lead_tiers`` in the
  roster: the closers take hot leads, the BDC cold ones); when nobody at the
  rooftop takes the tier, everyone does, and the assignment says so.

All datetimes in and out are timezone-aware; results are in UTC. Working hours are
wall-clock times in the rooftop's (or salesperson's) timezone; a shift must start
and end on the same day.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EARTH_RADIUS_KM = 6371.0088
_MAX_LOOKAHEAD_DAYS = 21


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return at.astimezone(UTC)


@dataclass(frozen=True)
class WorkingHours:
    """Weekly opening hours in one timezone; weekday 0 is Monday."""

    tz: str
    weekly: Mapping[int, tuple[time, time]]
    closed_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        for day, (start, end) in self.weekly.items():
            if not 0 <= day <= 6 or not start < end:
                raise ValueError(f"bad hours for weekday {day}: {start}-{end}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def _span(self, day: date) -> tuple[datetime, datetime] | None:
        hours = self.weekly.get(day.weekday())
        if hours is None or day in self.closed_dates:
            return None
        start, end = hours
        return (
            datetime.combine(day, start, tzinfo=self.zone).astimezone(UTC),
            datetime.combine(day, end, tzinfo=self.zone).astimezone(UTC),
        )

    def is_open(self, at: datetime) -> bool:
        at = _utc(at)
        span = self._span(at.astimezone(self.zone).date())
        return span is not None and span[0] <= at < span[1]

    def next_open(self, at: datetime) -> datetime | None:
        """``at`` if open, else the next opening instant (UTC); None if never open."""
        at = _utc(at)
        day = at.astimezone(self.zone).date()
        for offset in range(_MAX_LOOKAHEAD_DAYS):
            span = self._span(day + timedelta(days=offset))
            if span is not None and at < span[1]:
                return max(at, span[0])
        return None

    def closing_after(self, at: datetime) -> datetime:
        """When the open period containing ``at`` ends (``at`` must be open)."""
        at = _utc(at)
        span = self._span(at.astimezone(self.zone).date())
        if span is None or not span[0] <= at < span[1]:
            raise ValueError("not within working hours")
        return span[1]

    def add_working_minutes(self, at: datetime, minutes: float) -> datetime:
        """``at`` plus ``minutes`` of open time, spilling over closing into the next opening."""
        remaining = timedelta(minutes=minutes)
        t = self.next_open(at)
        while t is not None:
            close = self.closing_after(t)
            if remaining <= close - t:
                return t + remaining
            remaining -= close - t
            t = self.next_open(close)
        raise ValueError("working hours never open")


def weekly_hours(tz: str, days: Iterable[int], start: time, end: time) -> WorkingHours:
    """The same hours on each of ``days`` (0 = Monday)."""
    return WorkingHours(tz, dict.fromkeys(days, (start, end)))


@dataclass(frozen=True)
class Rooftop:
    id: str
    name: str
    hours: WorkingHours
    lat: float | None = None
    lon: float | None = None
    zips: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Salesperson:
    id: str
    rooftop_id: str
    hours: WorkingHours  # shifts
    name: str = ""
    active: bool = True
    lead_tiers: frozenset[str] = frozenset()  # the tiers this person takes; empty: every tier

    def takes(self, tier: str | None) -> bool:
        return tier is None or not self.lead_tiers or tier in self.lead_tiers


@dataclass(frozen=True)
class RoundRobinState:
    """Last salesperson assigned per rooftop; persist with :meth:`to_dict`."""

    last_assigned: Mapping[str, str] = field(default_factory=dict)

    def advanced(self, rooftop_id: str, salesperson_id: str) -> RoundRobinState:
        return RoundRobinState({**self.last_assigned, rooftop_id: salesperson_id})

    def to_dict(self) -> dict[str, str]:
        return dict(sorted(self.last_assigned.items()))

    @classmethod
    def from_dict(cls, data: Mapping[str, str] | None) -> RoundRobinState:
        return cls(dict(data or {}))


@dataclass(frozen=True)
class Pick:
    salesperson_id: str | None
    on_shift: bool
    next_on_shift_at: datetime | None
    reason: str
    state: RoundRobinState


def _rotation(people: Sequence[Salesperson], last: str | None) -> list[Salesperson]:
    ordered = sorted(people, key=lambda p: p.id)
    if last is None:
        return ordered
    start = next((i for i, p in enumerate(ordered) if p.id > last), 0)
    return ordered[start:] + ordered[:start]


def round_robin(
    salespeople: Iterable[Salesperson],
    rooftop_id: str,
    state: RoundRobinState,
    now: datetime,
    tier: str | None = None,
) -> Pick:
    """Next salesperson at ``rooftop_id`` after the cursor who takes ``tier``'s leads, preferring people on shift."""
    now = _utc(now)
    people = [p for p in salespeople if p.rooftop_id == rooftop_id and p.active]
    if not people:
        return Pick(None, False, None, f"no active salespeople at rooftop {rooftop_id}", state)
    pool = [p for p in people if p.takes(tier)]
    scope = ""
    if tier is not None and len(pool) < len(people):
        if pool:
            scope = f" among those taking {tier} leads"
        else:
            pool, scope = people, f" (nobody takes {tier} leads only, so everyone does)"
    order = _rotation(pool, state.last_assigned.get(rooftop_id))
    for p in order:
        if p.hours.is_open(now):
            return Pick(
                p.id, True, now, f"round-robin{scope}: {p.id} is next and on shift", state.advanced(rooftop_id, p.id)
            )
    opens = ((p.hours.next_open(now), i, p) for i, p in enumerate(order))
    upcoming = [(at, i, p) for at, i, p in opens if at is not None]
    if not upcoming:
        return Pick(None, False, None, f"nobody at rooftop {rooftop_id} has an upcoming shift", state)
    at, _, p = min(upcoming, key=lambda u: (u[0], u[1]))
    reason = f"nobody on shift at rooftop {rooftop_id}{scope}; assigned to {p.id}, next on shift at {at.isoformat()}"
    return Pick(p.id, False, at, reason, state.advanced(rooftop_id, p.id))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _zip5(zip_code: str | None) -> str | None:
    digits = "".join(ch for ch in (zip_code or "") if ch.isdigit())
    return digits[:5] if len(digits) >= 5 else None


def rooftop_for_zip(zip_code: str | None, rooftops: Iterable[Rooftop]) -> Rooftop | None:
    """The rooftop whose territory holds the ZIP (lowest id when territories overlap)."""
    z = _zip5(zip_code)
    if z is None:
        return None
    matches = sorted((r for r in rooftops if z in r.zips), key=lambda r: r.id)
    return matches[0] if matches else None


def nearest_rooftop(lat: float, lon: float, rooftops: Iterable[Rooftop]) -> tuple[Rooftop, float] | None:
    located = [
        (haversine_km(lat, lon, r.lat, r.lon), r.id, r) for r in rooftops if r.lat is not None and r.lon is not None
    ]
    if not located:
        return None
    km, _, rooftop = min(located, key=lambda x: (round(x[0], 6), x[1]))
    return rooftop, km


@dataclass(frozen=True)
class LeadLocation:
    rooftop_id: str | None = None  # rooftop the lead asked about, if any
    zip_code: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Assignment:
    rooftop_id: str | None
    salesperson_id: str | None
    method: str  # requested, territory, nearest, none
    on_shift: bool
    next_on_shift_at: datetime | None
    reason: str
    state: RoundRobinState
    distance_km: float | None = None


def choose_rooftop(lead: LeadLocation, rooftops: Sequence[Rooftop]) -> tuple[Rooftop | None, str, str, float | None]:
    by_id = {r.id: r for r in rooftops}
    if lead.rooftop_id and lead.rooftop_id in by_id:
        return by_id[lead.rooftop_id], "requested", f"lead is for rooftop {lead.rooftop_id}", None
    r = rooftop_for_zip(lead.zip_code, rooftops)
    if r is not None:
        return r, "territory", f"ZIP {_zip5(lead.zip_code)} is in {r.id}'s territory", None
    if lead.lat is not None and lead.lon is not None:
        found = nearest_rooftop(lead.lat, lead.lon, rooftops)
        if found is not None:
            r, km = found
            return r, "nearest", f"{r.id} is the nearest rooftop ({km:.1f} km)", km
    return None, "none", "no rooftop matches the lead (no rooftop id, territory or location)", None


def assign_lead(
    lead: LeadLocation,
    rooftops: Sequence[Rooftop],
    salespeople: Iterable[Salesperson],
    state: RoundRobinState,
    now: datetime,
    tier: str | None = None,
) -> Assignment:
    rooftop, method, why, km = choose_rooftop(lead, rooftops)
    if rooftop is None:
        return Assignment(None, None, method, False, None, why, state)
    pick = round_robin(salespeople, rooftop.id, state, now, tier)
    return Assignment(
        rooftop.id,
        pick.salesperson_id,
        method,
        pick.on_shift,
        pick.next_on_shift_at,
        f"{why}; {pick.reason}",
        pick.state,
        km,
    )


# ---------------------------------------------------------------- SLA


@dataclass(frozen=True)
class SlaPolicy:
    working_minutes: Mapping[str, int] = field(default_factory=lambda: {"hot": 15, "warm": 120, "cold": 480})
    due_at_open_bands: frozenset[str] = frozenset({"hot"})


@dataclass(frozen=True)
class SlaDue:
    due_at: datetime
    within_hours: bool
    reason: str


def sla_due(received_at: datetime, band: str, hours: WorkingHours, policy: SlaPolicy = SlaPolicy()) -> SlaDue:
    """When the follow-up task for a ``band`` lead received at ``received_at`` is due."""
    received_at = _utc(received_at)
    if band not in policy.working_minutes:
        raise ValueError(f"no SLA for band {band!r}")
    minutes = policy.working_minutes[band]
    if hours.is_open(received_at):
        due = hours.add_working_minutes(received_at, minutes)
        return SlaDue(due, True, f"{band} lead in working hours: due in {minutes} working minutes")
    opening = hours.next_open(received_at)
    if opening is None:
        raise ValueError("working hours never open")
    if band in policy.due_at_open_bands:
        return SlaDue(opening, False, f"{band} lead outside working hours: due at next opening")
    due = hours.add_working_minutes(opening, minutes)
    return SlaDue(due, False, f"{band} lead outside working hours: due {minutes} working minutes after opening")


# ---------------------------------------------------------------- by tier

TIERS = ("hot", "warm", "cold")
IMPORTANCES = ("High", "Normal", "Low")  # Wrike's task importance


@dataclass(frozen=True)
class TierRule:
    sla_minutes: int  # working minutes from the lead to the follow-up's due time
    due_at_open: bool  # outside working hours: due at the opening (else sla_minutes after it)
    alert: bool  # a Slack alert to the sales floor
    importance: str  # the follow-up task's importance

    def __post_init__(self) -> None:
        if not isinstance(self.sla_minutes, int) or isinstance(self.sla_minutes, bool) or self.sla_minutes < 0:
            raise ValueError(f"sla_minutes must be a whole number of minutes >= 0, not {self.sla_minutes!r}")
        if not isinstance(self.due_at_open, bool) or not isinstance(self.alert, bool):
            raise ValueError("due_at_open and alert are true or false")
        if self.importance not in IMPORTANCES:
            raise ValueError(f"importance must be one of {', '.join(IMPORTANCES)}, not {self.importance!r}")


DEFAULT_TIER_RULES: Mapping[str, TierRule] = {
    "hot": TierRule(sla_minutes=15, due_at_open=True, alert=True, importance="High"),
    "warm": TierRule(sla_minutes=120, due_at_open=False, alert=False, importance="Normal"),
    "cold": TierRule(sla_minutes=480, due_at_open=False, alert=False, importance="Normal"),
}


@dataclass(frozen=True)
class TierRouting:
    """What each tier of lead gets: SLA, alert, task importance (who takes it: `Salesperson.lead_tiers`)."""

    rules: Mapping[str, TierRule] = field(default_factory=lambda: dict(DEFAULT_TIER_RULES))

    def __post_init__(self) -> None:
        if set(self.rules) != set(TIERS):
            raise ValueError(f"tier routing needs a rule for each of {', '.join(TIERS)}")

    def rule(self, tier: str) -> TierRule:
        if tier not in self.rules:
            raise ValueError(f"no routing for tier {tier!r}")
        return self.rules[tier]

    def sla_policy(self) -> SlaPolicy:
        return SlaPolicy(
            working_minutes={t: r.sla_minutes for t, r in self.rules.items()},
            due_at_open_bands=frozenset(t for t, r in self.rules.items() if r.due_at_open),
        )

    @property
    def alert_tiers(self) -> frozenset[str]:
        return frozenset(t for t, r in self.rules.items() if r.alert)

    @classmethod
    def from_json(cls, text: str | None) -> TierRouting:
        """``{"hot": {"sla_minutes": 5}, "warm": {"alert": true}}``: each given field overrides the default;
        empty text: the defaults. A clear error names the tier or field that is wrong."""
        if not (text or "").strip():
            return cls()
        try:
            raw = json.loads(text or "")
        except ValueError as exc:
            raise ValueError(f"tier routing is not JSON: {exc}") from None
        if not isinstance(raw, dict):
            raise ValueError('tier routing is a JSON object by tier, e.g. {"hot": {"sla_minutes": 5}}')
        unknown = sorted(set(raw) - set(TIERS))
        if unknown:
            raise ValueError(f"tier routing names unknown tiers {unknown}; the tiers are {', '.join(TIERS)}")
        fields = set(TierRule.__dataclass_fields__)
        rules = dict(DEFAULT_TIER_RULES)
        for tier, given in raw.items():
            if not isinstance(given, dict) or set(given) - fields:
                raise ValueError(f"tier routing for {tier}: fields are {', '.join(sorted(fields))}, got {given!r}")
            try:
                rules[tier] = TierRule(**{**rules[tier].__dict__, **given})
            except ValueError as exc:
                raise ValueError(f"tier routing for {tier}: {exc}") from None
        return cls(rules)
