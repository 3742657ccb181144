"""Closest in-stock alternatives to a vehicle the customer viewed (e.g. it just sold).

The similarity score (0-100) is a sum of visible parts, returned with each match:

===============  ======  ==================================================
part             points  earned when
===============  ======  ==================================================
same model       50      same make and model (case-insensitive)
same body style  25      same body style (sedan, suv, truck...)
price            12      scaled down linearly to 0 at +/-25 % of the viewed price
year             8       scaled down linearly to 0 at 4 model years apart
condition        5       same condition (new/used)
===============  ======  ==================================================

Any same-model vehicle scores at least 50 and any other vehicle at most 50, and the
tie-break prefers the same model, so a same-model vehicle always ranks above one
that only shares the body style. Ties then go to the smaller price gap, the smaller
year gap, and finally the stock number / VIN, so the result is deterministic.

Inventory rows may be :class:`Vehicle` objects or dicts using our column names or
common feed names (``stockNumber``, ``bodyStyle``, ``inventoryType``, ...). Vehicles
not available (sold, pending, in transit) and the viewed vehicle itself are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

WEIGHTS = {"model": 50.0, "body_style": 25.0, "price": 12.0, "year": 8.0, "condition": 5.0}
PRICE_TOLERANCE = 0.25
YEAR_TOLERANCE = 4
AVAILABLE_STATUSES = frozenset({"", "available", "in_stock", "instock", "in stock", "active", "live", "on_lot"})

_ALIASES: dict[str, tuple[str, ...]] = {
    "vin": ("vin", "VIN"),
    "make": ("make",),
    "model": ("model",),
    "year": ("year", "model_year", "modelYear"),
    "price": ("price", "final_price", "finalPrice", "internet_price", "startingPrice", "sale_price"),
    "body_style": ("body_style", "bodyStyle", "bodystyle", "body_type", "body"),
    "condition": ("condition", "inventoryType", "inventory_type"),
    "stock": ("stock", "stock_number", "stockNumber", "vehicle_id", "id"),
    "status": ("status", "availability"),
}


def _get(row: Mapping[str, Any], key: str) -> Any:
    for name in _ALIASES[key]:
        if name in row and row[name] not in (None, ""):
            return row[name]
    return None


def _norm(value: Any) -> str:
    return " ".join(str(value or "").lower().replace("-", " ").split())


def _condition(value: Any) -> str:
    v = _norm(value)
    if v in ("used", "pre owned", "preowned", "cpo", "certified", "certified pre owned"):
        return "used"
    return "new" if v == "new" else v


@dataclass(frozen=True)
class Vehicle:
    make: str
    model: str
    year: int | None = None
    price: Decimal | None = None
    body_style: str | None = None
    condition: str | None = None  # new / used
    vin: str | None = None
    stock: str | None = None
    available: bool = True

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> Vehicle:
        year = _get(row, "year")
        price = _get(row, "price")
        status = _norm(_get(row, "status"))
        available = row.get("available")
        if available is None:
            available = status.replace(" ", "_") in AVAILABLE_STATUSES or status in AVAILABLE_STATUSES
        return cls(
            make=str(_get(row, "make") or ""),
            model=str(_get(row, "model") or ""),
            year=int(year) if year is not None else None,
            price=Decimal(str(price)) if price is not None else None,
            body_style=_get(row, "body_style"),
            condition=_condition(_get(row, "condition")) or None,
            vin=(str(_get(row, "vin")).upper() if _get(row, "vin") else None),
            stock=str(_get(row, "stock")) if _get(row, "stock") is not None else None,
            available=bool(available),
        )

    @property
    def key(self) -> str:
        return self.stock or self.vin or f"{self.year}-{self.make}-{self.model}"


@dataclass(frozen=True)
class Match:
    vehicle: Vehicle
    score: float
    components: dict[str, float] = field(default_factory=dict)
    price_gap: Decimal | None = None
    year_gap: int | None = None


def _as_vehicle(v: Vehicle | Mapping[str, Any]) -> Vehicle:
    return v if isinstance(v, Vehicle) else Vehicle.from_mapping(v)


def _linear(gap: float, tolerance: float) -> float:
    return max(0.0, 1.0 - gap / tolerance) if tolerance > 0 else 0.0


def similarity(viewed: Vehicle, candidate: Vehicle) -> Match:
    parts: dict[str, float] = {}
    same_model = _norm(viewed.make) == _norm(candidate.make) and _norm(viewed.model) == _norm(candidate.model)
    parts["model"] = WEIGHTS["model"] if same_model else 0.0
    same_body = bool(viewed.body_style) and _norm(viewed.body_style) == _norm(candidate.body_style)
    parts["body_style"] = WEIGHTS["body_style"] if same_body else 0.0
    price_gap = None
    if viewed.price and candidate.price is not None:
        price_gap = abs(candidate.price - viewed.price)
        parts["price"] = round(WEIGHTS["price"] * _linear(float(price_gap), float(viewed.price) * PRICE_TOLERANCE), 2)
    else:
        parts["price"] = 0.0
    year_gap = None
    if viewed.year is not None and candidate.year is not None:
        year_gap = abs(candidate.year - viewed.year)
        parts["year"] = round(WEIGHTS["year"] * _linear(year_gap, YEAR_TOLERANCE), 2)
    else:
        parts["year"] = 0.0
    same_condition = bool(viewed.condition) and _condition(viewed.condition) == _condition(candidate.condition)
    parts["condition"] = WEIGHTS["condition"] if same_condition else 0.0
    return Match(candidate, round(sum(parts.values()), 2), parts, price_gap, year_gap)


def _sort_key(m: Match) -> tuple:
    return (
        -m.score,
        -m.components["model"],
        m.price_gap if m.price_gap is not None else Decimal("Infinity"),
        m.year_gap if m.year_gap is not None else 10**6,
        m.vehicle.stock or "",
        m.vehicle.vin or "",
    )


def closest_alternatives(
    viewed: Vehicle | Mapping[str, Any],
    inventory: Iterable[Vehicle | Mapping[str, Any]],
    *,
    limit: int = 3,
) -> list[Match]:
    """The ``limit`` available vehicles most similar to ``viewed``, best first."""
    target = _as_vehicle(viewed)
    matches = []
    for row in inventory:
        v = _as_vehicle(row)
        if not v.available:
            continue
        if target.vin and v.vin == target.vin:
            continue
        if target.stock and v.stock == target.stock and not (target.vin and v.vin):
            continue
        matches.append(similarity(target, v))
    matches.sort(key=_sort_key)
    return matches[:limit]
