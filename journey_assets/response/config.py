"""The dealer group's configuration the response workflow needs: rooftops and salespeople.

Both are JSON lists a dealer group keeps beside each other:

* rooftops (`settings.rooftops_file`, written by the sandbox locally): `dealer_id,
  name, address, city, state, zip, timezone, phone, website, latitude, longitude`,
  optionally `sales_hours` (`{"0": ["09:00", "20:00"], ...}`, weekday 0 = Monday;
  default Monday to Saturday 09:00-20:00), `territory_zips` (list or
  comma-separated) and `wrike_folder_id`.
* salespeople (`settings.salespeople_file`: JOURNEY_SALESPEOPLE_FILE, default
  `salespeople.json` beside the rooftops file): `salesperson_id, dealer_id, first_name, last_name,
  working_hours_start, working_hours_end` (hours, rooftop local time),
  optionally `working_days` (default Monday to Saturday), `territory_zips`,
  `wrike_contact_id` (the Wrike contact to make responsible), `active`,
  `lead_tiers` (the tiers of lead this person takes: list or comma-separated; default all).

The CRM fake (like most dealer CRMs' lead APIs) has no salespeople endpoint, so
the roster comes from this file. Locally the sandbox publishes the synthetic
world's `salespeople` table there (`sandbox/run.py`, `write_salespeople_config`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

from journey_assets.journey.routing import TIERS, Rooftop, Salesperson, WorkingHours

DEFAULT_SALES_DAYS = (0, 1, 2, 3, 4, 5)
DEFAULT_SALES_HOURS = (time(9, 0), time(20, 0))


def _clock(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, (int, float)):
        hours = int(value)
        return time(23, 59) if hours >= 24 else time(max(hours, 0), 0)
    text = str(value)
    hour, _, minute = text.partition(":")
    return time(int(hour), int(minute or 0))


def _zips(value: Any) -> frozenset[str]:
    if not value:
        return frozenset()
    items = value if isinstance(value, list) else str(value).split(",")
    return frozenset(str(z).strip()[:5] for z in items if str(z).strip())


def _tiers(value: Any, salesperson_id: str) -> frozenset[str]:
    if not value:
        return frozenset()
    items = value if isinstance(value, list) else str(value).split(",")
    tiers = frozenset(str(t).strip().lower() for t in items if str(t).strip())
    unknown = sorted(tiers - set(TIERS))
    if unknown:
        raise ValueError(f"salesperson {salesperson_id}: lead_tiers {unknown} are not tiers ({', '.join(TIERS)})")
    return tiers


@dataclass(frozen=True)
class RooftopInfo:
    """One rooftop as the workflow uses it (the routing view is `routing`)."""

    dealer_id: str
    name: str
    timezone: str
    phone: str | None
    address: str | None
    website: str | None
    state: str | None
    zip: str | None
    wrike_folder_id: str | None
    routing: Rooftop

    @property
    def hours(self) -> WorkingHours:
        return self.routing.hours

    @property
    def full_address(self) -> str | None:
        return self.address


@dataclass(frozen=True)
class StaffInfo:
    salesperson_id: str
    name: str
    wrike_contact_id: str | None
    routing: Salesperson


@dataclass(frozen=True)
class Roster:
    rooftops: dict[str, RooftopInfo]
    staff: dict[str, StaffInfo]

    @property
    def routing_rooftops(self) -> list[Rooftop]:
        return [r.routing for r in self.rooftops.values()]

    @property
    def routing_salespeople(self) -> list[Salesperson]:
        return [s.routing for s in self.staff.values()]

    def rooftop(self, dealer_id: str | None) -> RooftopInfo | None:
        return self.rooftops.get(dealer_id or "")


def build_roster(rooftops: Sequence[Mapping[str, Any]], salespeople: Sequence[Mapping[str, Any]] = ()) -> Roster:
    territory: dict[str, set[str]] = {}
    for person in salespeople:
        territory.setdefault(str(person["dealer_id"]), set()).update(_zips(person.get("territory_zips")))
    tz_of: dict[str, str] = {}
    roofs: dict[str, RooftopInfo] = {}
    for row in rooftops:
        dealer_id = str(row["dealer_id"])
        tz = str(row.get("timezone") or "America/New_York")
        tz_of[dealer_id] = tz
        raw_hours = row.get("sales_hours")
        if raw_hours:
            weekly = {int(day): (_clock(span[0]), _clock(span[1])) for day, span in dict(raw_hours).items()}
        else:
            weekly = dict.fromkeys(DEFAULT_SALES_DAYS, DEFAULT_SALES_HOURS)
        zips = _zips(row.get("territory_zips")) or frozenset(territory.get(dealer_id, ()))
        lat, lon = row.get("latitude"), row.get("longitude")
        address = ", ".join(
            str(p) for p in (row.get("address"), row.get("city"), row.get("state"), row.get("zip")) if p
        )
        roofs[dealer_id] = RooftopInfo(
            dealer_id=dealer_id,
            name=str(row.get("name") or dealer_id),
            timezone=tz,
            phone=row.get("phone"),
            address=address or None,
            website=row.get("website"),
            state=row.get("state"),
            zip=str(row["zip"]) if row.get("zip") else None,
            wrike_folder_id=row.get("wrike_folder_id"),
            routing=Rooftop(
                dealer_id,
                str(row.get("name") or dealer_id),
                WorkingHours(tz, weekly),
                float(lat) if lat is not None else None,
                float(lon) if lon is not None else None,
                zips,
            ),
        )
    staff: dict[str, StaffInfo] = {}
    for person in salespeople:
        dealer_id = str(person["dealer_id"])
        sp_id = str(person["salesperson_id"])
        start = _clock(person.get("working_hours_start", 9))
        end = _clock(person.get("working_hours_end", 18))
        days = person.get("working_days") or DEFAULT_SALES_DAYS
        hours = WorkingHours(
            str(person.get("timezone") or tz_of.get(dealer_id, "America/New_York")),
            {int(d): (start, end) for d in days},
        )
        name = " ".join(str(p) for p in (person.get("first_name"), person.get("last_name")) if p) or sp_id
        staff[sp_id] = StaffInfo(
            sp_id,
            name,
            person.get("wrike_contact_id"),
            Salesperson(
                sp_id,
                dealer_id,
                hours,
                name,
                bool(person.get("active", True)),
                _tiers(person.get("lead_tiers"), sp_id),
            ),
        )
    return Roster(roofs, staff)


def load_json_list(path: str | Path, what: str) -> list[dict[str, Any]]:
    file = Path(path)
    if not file.exists():
        raise FileNotFoundError(f"no {what} configuration at {file}")
    data = json.loads(file.read_text())
    if not isinstance(data, list):
        raise ValueError(f"{file} must hold a JSON list of {what}")
    return data


def load_roster(rooftops_file: str | Path, salespeople_file: str | Path | None = None) -> Roster:
    """Rooftops (required) and salespeople (optional: without them leads go unassigned)."""
    rooftops = load_json_list(rooftops_file, "rooftops")
    people: list[dict[str, Any]] = []
    if salespeople_file is not None and Path(salespeople_file).exists():
        people = load_json_list(salespeople_file, "salespeople")
    return build_roster(rooftops, people)
