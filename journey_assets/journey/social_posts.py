"""Inventory events become draft social posts, and the review queue's states (pure rules, no I/O).

Two events come from the inventory marts: a **new arrival** (a vehicle in stock whose first sighting in
the feed falls in the lookback window) and a **price drop** (a vehicle in stock whose current price spell
started in the window at a lower price than the one before). Each event becomes one draft per network
of the rooftop: the text fits that network's length limit (the link included, counted in full), carries
the vehicle's VDP link tagged with UTM parameters, and the vehicle's photo as media.

A draft's id is a hash of the event (kind, vehicle, the day or price spell that made it) and the
network, so re-running the drafting over the same marts drafts nothing new. The id also rides in the
link as `utm_content=<draft_id>`: it is how the scheduler finds a post it already created in Metricool
when the answer to the create call was lost (see journey_assets/journey/social_queue.py).

The queue is a log of decisions; a draft's state is its latest decision (`current_states`), and
`TRANSITIONS` says which decision may follow which (a rejected or scheduled draft is final).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pandas as pd

NEW_ARRIVAL, PRICE_DROP = "new_arrival", "price_drop"

# Characters a post may hold per network. X (280) and Bluesky (300) are the limits Metricool's own MCP
# server checks before scheduling; the others are each network's published caption/post limit.
TEXT_LIMITS: dict[str, int] = {
    "facebook": 63206,
    "instagram": 2200,
    "twitter": 280,
    "linkedin": 3000,
    "tiktok": 2200,
    "youtube": 5000,
    "pinterest": 500,
    "threads": 500,
    "bluesky": 300,
    "gmb": 1500,
}
# Networks that refuse a post without an image or video (Metricool's scheduler notes for Instagram,
# TikTok, Pinterest and YouTube): no photo, no draft for them.
MEDIA_REQUIRED = frozenset({"instagram", "tiktok", "pinterest", "youtube"})
DEFAULT_NETWORKS = ("facebook", "instagram", "twitter")

DRAFTED, APPROVED, REJECTED, SCHEDULED, FAILED = "drafted", "approved", "rejected", "scheduled", "failed"
DECISIONS = (DRAFTED, APPROVED, REJECTED, SCHEDULED, FAILED)
# Which decision may follow a draft's current state. `failed` splits on whether the failure may be
# retried (a transient error) or not (Metricool refused the post): only the former goes back to scheduling.
TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFTED: frozenset({APPROVED, REJECTED}),
    APPROVED: frozenset({REJECTED, SCHEDULED, FAILED}),
    "failed_retryable": frozenset({REJECTED, SCHEDULED, FAILED}),
    "failed_final": frozenset({REJECTED}),
    REJECTED: frozenset(),
    SCHEDULED: frozenset(),
}
# When two decisions of one draft carry the same instant, the later step of the flow wins.
_PRECEDENCE = {DRAFTED: 0, APPROVED: 1, FAILED: 2, REJECTED: 3, SCHEDULED: 4}


@dataclass(frozen=True)
class Draft:
    draft_id: str
    event_type: str  # new_arrival | price_drop
    event_key: str  # the day (new arrival) or price spell (price drop) that made the event
    event_date: date
    dealer_id: str
    vehicle_id: str
    network: str
    text: str
    link: str
    image_url: str | None
    listed_price: float | None
    previous_price: float | None

    def row(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Skipped:
    dealer_id: str
    vehicle_id: str
    network: str
    event_type: str
    reason: str


def draft_id(event_type: str, vehicle_id: str, event_key: str, network: str) -> str:
    digest = hashlib.sha256(f"metricool|{event_type}|{vehicle_id}|{event_key}|{network}".encode()).hexdigest()
    return f"sp_{digest[:20]}"


def tagged_link(vdp_url: str, network: str, event_type: str, the_draft_id: str) -> str:
    """The VDP link with UTM tags (keeping any query it had); utm_content is the draft id."""
    parts = urlsplit(vdp_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    query += [
        ("utm_source", network),
        ("utm_medium", "social"),
        ("utm_campaign", f"inventory_{event_type}"),
        ("utm_content", the_draft_id),
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def marker(the_draft_id: str) -> str:
    """What a scheduled post's text carries when it is this draft's (inside its link)."""
    return f"utm_content={the_draft_id}"


def _money(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return f"${float(value):,.0f}"


def _clean(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value).strip()
    return "" if text.lower() in ("nan", "none") else text


def _int_text(value: Any) -> str:
    text = _clean(value)
    try:
        return str(int(float(text))) if text else ""
    except ValueError:
        return text


def compose_text(vehicle: Mapping[str, Any], event_type: str, rooftop_name: str, link: str, limit: int) -> str | None:
    """The post's words and link within `limit` characters, dropping detail until it fits; None if the
    link alone does not fit."""
    year, make, model = _int_text(vehicle.get("model_year")), _clean(vehicle.get("make")), _clean(vehicle.get("model"))
    trim, color = _clean(vehicle.get("trim_level")), _clean(vehicle.get("exterior_color"))
    price, before = _money(vehicle.get("listed_price")), _money(vehicle.get("previous_price"))
    condition = _clean(vehicle.get("condition"))
    label = " ".join(p for p in (year, make, model) if p)
    place = f" at {rooftop_name}" if rooftop_name else ""

    def text(with_trim: bool, with_color: bool, with_place: bool, with_condition: bool) -> str:
        name = " ".join(p for p in (label, trim if with_trim else "") if p)
        where = place if with_place else ""
        extra = f" in {color}" if with_color and color else ""
        cond = {"new": "New ", "used": "Pre-owned ", "cpo": "Certified pre-owned "}.get(condition, "")
        cond = cond if with_condition else ""
        if event_type == PRICE_DROP:
            now = f" now {price}" if price else ""
            was = f" (was {before})" if before and price else ""
            words = f"Price drop{where}: {cond}{name}{extra}{now}{was}."
        else:
            priced = f", {price}" if price else ""
            words = f"Just arrived{where}: {cond}{name}{extra}{priced}."
        return f"{words} {link}"

    for options in (
        (True, True, True, True),
        (True, False, True, True),
        (False, False, True, True),
        (False, False, False, True),
        (False, False, False, False),
    ):
        candidate = text(*options)
        if len(candidate) <= limit:
            return candidate
    room = limit - len(link) - 2  # "…" and the space before the link
    if room < 10:
        return None
    words = text(False, False, False, False)[: -len(link) - 1]
    return f"{words[:room].rstrip()}… {link}"


def vehicle_events(vehicles: pd.DataFrame, price_spells: pd.DataFrame, as_of: date, lookback_days: int) -> pd.DataFrame:
    """The new arrivals and price drops of the `lookback_days` up to `as_of`, for vehicles still in stock.

    `vehicles`: dim_inventory_vehicles' columns; `price_spells`: fct_inventory_price_history's.
    One row per event with the vehicle's columns, event_type, event_key, event_date, listed_price and
    previous_price.
    """
    first_day = as_of - timedelta(days=max(lookback_days, 1) - 1)
    columns = [
        "vehicle_id",
        "dealer_id",
        "condition",
        "model_year",
        "make",
        "model",
        "trim_level",
        "exterior_color",
        "vdp_url",
        "image_url",
    ]
    stock = vehicles[vehicles["is_in_stock"].fillna(False).astype(bool)]
    stock = stock[stock["vdp_url"].notna()]
    seen = pd.to_datetime(stock["first_seen_date"]).dt.date
    arrivals = stock[(seen >= first_day) & (seen <= as_of)][[*columns, "first_seen_date", "current_listed_price"]]
    arrivals = arrivals.assign(
        event_type=NEW_ARRIVAL,
        event_date=pd.to_datetime(arrivals["first_seen_date"]).dt.date,
        listed_price=arrivals["current_listed_price"],
        previous_price=float("nan"),
    )
    arrivals["event_key"] = arrivals["event_date"].astype(str)
    spells = price_spells[price_spells["is_current"].fillna(False).astype(bool)]
    spells = spells[spells["price_change"].notna() & (spells["price_change"] < 0)]
    started = pd.to_datetime(spells["valid_from"]).dt.date
    spells = spells[(started >= first_day) & (started <= as_of)]
    drops = spells[["vehicle_id", "price_spell_id", "valid_from", "listed_price", "previous_price"]].merge(
        stock[columns], on="vehicle_id", how="inner"
    )
    drops = drops.assign(
        event_type=PRICE_DROP,
        event_date=pd.to_datetime(drops["valid_from"]).dt.date,
        event_key=drops["price_spell_id"].astype(str),
    )
    keep = [*columns, "event_type", "event_key", "event_date", "listed_price", "previous_price"]
    parts = [frame[keep] for frame in (arrivals, drops) if len(frame)]
    if not parts:
        return pd.DataFrame(columns=keep)
    events = pd.concat(parts, ignore_index=True)
    return events.sort_values(["dealer_id", "event_date", "event_type", "vehicle_id"], kind="stable").reset_index(
        drop=True
    )


def draft_posts(
    events: pd.DataFrame,
    rooftops: Mapping[str, Mapping[str, Any]],
    networks: Sequence[str] = DEFAULT_NETWORKS,
) -> tuple[list[Draft], list[Skipped]]:
    """One draft per event and network; `rooftops` maps dealer_id to its config (name, and optionally its
    own `social_networks` list). Events of a rooftop not in the config are skipped, with the reason."""
    drafts: list[Draft] = []
    skipped: list[Skipped] = []
    records: list[dict[str, Any]] = events.to_dict("records")  # type: ignore[assignment]
    for event in records:
        dealer = str(event["dealer_id"])
        vehicle = str(event["vehicle_id"])
        rooftop = rooftops.get(dealer)
        if rooftop is None:
            skipped.append(Skipped(dealer, vehicle, "*", event["event_type"], "rooftop not in the configuration"))
            continue
        for network in rooftop.get("social_networks") or networks:
            limit = TEXT_LIMITS.get(network)
            if limit is None:
                skipped.append(Skipped(dealer, vehicle, network, event["event_type"], "unknown network"))
                continue
            image = _clean(event.get("image_url")) or None
            if network in MEDIA_REQUIRED and not image:
                skipped.append(Skipped(dealer, vehicle, network, event["event_type"], "the network needs a photo"))
                continue
            the_id = draft_id(event["event_type"], vehicle, str(event["event_key"]), network)
            link = tagged_link(str(event["vdp_url"]), network, event["event_type"], the_id)
            text = compose_text(event, event["event_type"], _clean(rooftop.get("name")), link, limit)
            if text is None:
                skipped.append(Skipped(dealer, vehicle, network, event["event_type"], "the link alone is too long"))
                continue
            drafts.append(
                Draft(
                    draft_id=the_id,
                    event_type=event["event_type"],
                    event_key=str(event["event_key"]),
                    event_date=event["event_date"],
                    dealer_id=dealer,
                    vehicle_id=vehicle,
                    network=network,
                    text=text,
                    link=link,
                    image_url=image,
                    listed_price=None if pd.isna(event["listed_price"]) else float(event["listed_price"]),
                    previous_price=(
                        None
                        if event["previous_price"] is None or pd.isna(event["previous_price"])
                        else float(event["previous_price"])
                    ),
                )
            )
    return drafts, skipped


def new_drafts(drafts: Iterable[Draft], known_ids: Iterable[str]) -> list[Draft]:
    """The drafts not drafted before (nor twice in this batch)."""
    seen = set(known_ids)
    fresh = []
    for draft in drafts:
        if draft.draft_id not in seen:
            seen.add(draft.draft_id)
            fresh.append(draft)
    return fresh


def current_states(decisions: pd.DataFrame) -> pd.DataFrame:
    """The latest decision per draft (columns of the decision log), indexed by draft_id."""
    if decisions.empty:
        return decisions.set_index("draft_id") if "draft_id" in decisions else decisions
    ordered = decisions.assign(_rank=decisions["decision"].map(_PRECEDENCE).fillna(-1))
    ordered = ordered.sort_values(["draft_id", "decided_at", "_rank"], kind="stable")
    return ordered.groupby("draft_id", sort=False).tail(1).drop(columns="_rank").set_index("draft_id")


def state_key(decision: str, retryable: Any) -> str:
    if decision == FAILED:
        ok = retryable is not None and not pd.isna(retryable) and bool(retryable)
        return "failed_retryable" if ok else "failed_final"
    return decision


def may_follow(decision: str, retryable: Any, proposed: str) -> bool:
    return proposed in TRANSITIONS.get(state_key(decision, retryable), frozenset())
