"""Vehicles: specs with valid VINs, owned and leased vehicles, service visits,
dealer inventory with its price history, and deliberately corrupted feed VINs."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey_assets.sandbox.world import catalog as cat
from journey_assets.sandbox.world.util import (
    NS_PER_DAY,
    SERVICE_HOURS,
    VIN_CHARS,
    VinFactory,
    block_cumulative,
    bytes_matrix_to_str,
    days_to_datetime,
    grouped_pick,
    ids,
    labels,
    local_to_utc,
    nullable_days,
    pick,
    pick_index,
    position_in_group,
    slugify,
    str_to_bytes_matrix,
    time_of_day_ns,
    to_str,
    uuid4s,
    vin_check_digits,
    zfill,
)

CONDITIONS = np.array(["new", "used", "cpo"], dtype=object)
NEW, USED, CPO = 0, 1, 2

# --- catalog as arrays --------------------------------------------------------------

_MAKE_INDEX = {m: i for i, m in enumerate(cat.MAKES)}
MODEL_MAKE = np.array([_MAKE_INDEX[m.make] for m in cat.MODELS])
_order = np.argsort(MODEL_MAKE, kind="stable")
assert (np.diff(_order) == 1).all(), "catalog models must be grouped by make"
MODEL_NAME = np.array([m.name for m in cat.MODELS], dtype=object)
MODEL_BODY = np.array([m.body_style for m in cat.MODELS], dtype=object)
MODEL_MSRP = np.array([m.msrp for m in cat.MODELS], dtype=float)
MODEL_CUM = block_cumulative(np.array([m.popularity for m in cat.MODELS]), MODEL_MAKE)
MAKE_NAME = np.array(cat.MAKES, dtype=object)
USED_MAKE_W = np.array([cat.USED_MAKE_WEIGHTS[m] for m in cat.MAKES], dtype=float)

TRIM_MODEL = np.array([i for i, m in enumerate(cat.MODELS) for _ in m.trims])
TRIM_NAME = np.array([t for m in cat.MODELS for t in m.trims], dtype=object)
TRIM_RANK = np.array([k for m in cat.MODELS for k in range(len(m.trims))])
TRIM_CUM = block_cumulative(np.ones(len(TRIM_MODEL)), TRIM_MODEL)
WMI_MODEL = np.array([i for i, m in enumerate(cat.MODELS) for _ in m.wmis])
WMI_CODE = np.array([w for m in cat.MODELS for w in m.wmis], dtype=object)
WMI_CUM = block_cumulative(np.ones(len(WMI_MODEL)), WMI_MODEL)
# A fixed 3-character VDS stem per model (VIN positions 4-6).
MODEL_STEM = np.array(
    [
        "".join(VIN_CHARS[(zlib.crc32(f"{m.make}{m.name}{k}".encode()) >> 3) % len(VIN_CHARS)] for k in range(3))
        for m in cat.MODELS
    ],
    dtype=object,
)
LUXURY = np.isin(MAKE_NAME, ["BMW", "Lexus"])


def day_year(days: np.ndarray) -> np.ndarray:
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def day_month(days: np.ndarray) -> np.ndarray:
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1


def make_specs(
    rng: np.random.Generator,
    vins: VinFactory,
    roof,
    dealer: np.ndarray,
    condition: np.ndarray,
    ref_day: np.ndarray,
    own_brand: np.ndarray,
) -> pd.DataFrame:
    """Vehicle specs: make (the rooftop's brands where `own_brand`), model, trim,
    year, color, MSRP, oil type and a valid VIN whose 10th character is the
    model-year code."""
    n = len(dealer)
    k = (rng.random(n) * roof.n_brands[dealer]).astype(np.int64)
    make = np.where(own_brand, roof.brand_table[dealer, k], pick_index(rng, n, USED_MAKE_W))
    model = grouped_pick(rng, make, MODEL_MAKE, MODEL_CUM)
    trim = grouped_pick(rng, model, TRIM_MODEL, TRIM_CUM)
    ref_year = day_year(ref_day)
    new_year = ref_year + (day_month(ref_day) >= 8)
    age = np.where(condition == CPO, rng.integers(1, 6, n), 1 + np.minimum(rng.geometric(0.28, n) - 1, 11))
    year = np.maximum(np.where(condition == NEW, new_year, ref_year - age), 2012)
    msrp = MODEL_MSRP[model] * (1 + 0.07 * TRIM_RANK[trim]) * 1.03 ** (year - 2024)
    msrp = np.round(msrp / 5) * 5
    synthetic = np.where(year >= 2016, rng.random(n) < 0.85, rng.random(n) < 0.35) | LUXURY[make]
    wmi = WMI_CODE[grouped_pick(rng, model, WMI_MODEL, WMI_CUM)]
    vin = vins.make(rng, wmi, MODEL_STEM[model], year)
    return pd.DataFrame(
        {
            "vin": vin,
            "year": year.astype(np.int64),
            "make": MAKE_NAME[make],
            "model": MODEL_NAME[model],
            "trim": TRIM_NAME[trim],
            "body_style": MODEL_BODY[model],
            "exterior_color": pick(rng, cat.COLORS, n, cat.COLOR_WEIGHTS),
            "msrp": msrp,
            "oil_type": labels(["conventional", "synthetic"], synthetic),
            "condition": CONDITIONS[condition],
        }
    )


# --- owned vehicles ---------------------------------------------------------------------


@dataclass
class Owned:
    spec: pd.DataFrame
    person: np.ndarray
    customer: np.ndarray  # customer row
    dealer: np.ndarray
    acquired_day: np.ndarray
    acquired_here: np.ndarray
    lease: np.ndarray
    maturity_day: np.ndarray  # -1 unless lease
    annual_miles: np.ndarray
    odometer_at_acquisition: np.ndarray
    planted: np.ndarray  # acquired in the planted outcome window

    def __len__(self) -> int:
        return len(self.person)


def choose_record(rng, people, person: np.ndarray, dup_share: float) -> np.ndarray:
    """The customer row a person's activity lands on: mostly their first record,
    sometimes their duplicate."""
    dup = people.person_dup[person]
    use_dup = (dup >= 0) & (rng.random(len(person)) < dup_share)
    return np.where(use_dup, dup, people.person_primary[person])


def new_ownerships(
    rng,
    vins,
    roof,
    people,
    person,
    dealer,
    acquired_day,
    acquired_here,
    condition,
    allow_lease_until: int,
    lease_share: float,
) -> Owned:
    n = len(person)
    spec = make_specs(rng, vins, roof, dealer, condition, acquired_day, own_brand=acquired_here & (condition != USED))
    term = rng.choice([24, 36, 39, 48], size=n, p=[0.1, 0.7, 0.1, 0.1])
    term_days = np.round(term * 30.44).astype(np.int64)
    lease = (
        acquired_here
        & (condition == NEW)
        & (allow_lease_until - acquired_day < term_days + 60)
        & (rng.random(n) < lease_share)
    )
    maturity = np.where(lease, acquired_day + term_days, -1)
    annual = np.clip(np.exp(rng.normal(np.log(11_500), 0.35, n)), 3_000, 35_000).round()
    year = spec["year"].to_numpy()
    age_years = np.maximum(day_year(acquired_day) - year + 0.5, 0.3)
    odo = np.where(
        condition == NEW, rng.integers(3, 60, n), (age_years * annual * rng.uniform(0.7, 1.3, n)).round()
    ).astype(np.int64)
    return Owned(
        spec=spec,
        person=person,
        customer=choose_record(rng, people, person, 0.3),
        dealer=dealer,
        acquired_day=acquired_day.astype(np.int64),
        acquired_here=acquired_here,
        lease=lease,
        maturity_day=maturity.astype(np.int64),
        annual_miles=annual.astype(np.int64),
        odometer_at_acquisition=odo,
        planted=np.zeros(n, dtype=bool),
    )


def build_owned(rng, vins, roof, people, today: int, snapshot: int) -> Owned:
    """Vehicles people held before the outcome window: bought here (new, used, CPO;
    new ones leased about half the time while a lease could still run) or
    bought elsewhere and serviced here."""
    person = np.repeat(np.arange(people.n_persons), people.person_vehicles)
    n = len(person)
    here = rng.random(n) < 0.85
    acquired = np.where(
        here, rng.integers(today - 7 * 365, snapshot + 1, n), rng.integers(today - 10 * 365, today - 30, n)
    )
    condition = np.where(here, pick_index(rng, n, [0.58, 0.32, 0.10]), pick_index(rng, n, [0.45, 0.55, 0.0]))
    home = people.person_dealer[person]
    dealer = np.where(here & (rng.random(n) < 0.1), rng.integers(0, roof.n, n), home)
    return new_ownerships(
        rng, vins, roof, people, person, dealer, acquired, here, condition, allow_lease_until=snapshot, lease_share=0.6
    )


def concat_owned(a: Owned, b: Owned) -> Owned:
    return Owned(
        spec=pd.concat([a.spec, b.spec], ignore_index=True),
        **{
            f: np.concatenate([getattr(a, f), getattr(b, f)])
            for f in (
                "person",
                "customer",
                "dealer",
                "acquired_day",
                "acquired_here",
                "lease",
                "maturity_day",
                "annual_miles",
                "odometer_at_acquisition",
                "planted",
            )
        },
    )


def owned_frame(owned: Owned, customers: pd.DataFrame, dealer_ids: np.ndarray, today: int) -> pd.DataFrame:
    n = len(owned)
    miles = owned.odometer_at_acquisition + owned.annual_miles * (today - owned.acquired_day) / 365.25
    s = owned.spec
    return pd.DataFrame(
        {
            "ownership_id": ids("OV", n, 8),
            "customer_id": customers["customer_id"].to_numpy(dtype=object)[owned.customer],
            "dealer_id": dealer_ids[owned.dealer],
            "vin": s["vin"].to_numpy(dtype=object),
            "year": s["year"].to_numpy(),
            "make": s["make"].to_numpy(dtype=object),
            "model": s["model"].to_numpy(dtype=object),
            "acquisition": labels(["purchase", "lease"], owned.lease),
            "acquired_date": days_to_datetime(owned.acquired_day),
            "lease_maturity_date": nullable_days(owned.maturity_day, owned.lease),
            "mileage_at_as_of": miles.round().astype(np.int64),
            "annual_miles": owned.annual_miles,
            "oil_type": s["oil_type"].to_numpy(dtype=object),
            # extras
            "trim": s["trim"].to_numpy(dtype=object),
            "condition": s["condition"].to_numpy(dtype=object),
            "acquired_here": owned.acquired_here,
        }
    )


# --- service visits ---------------------------------------------------------------------

SERVICE_STATES = np.array(["active", "recently_lost", "defected", "never"], dtype=object)
SERVICE_TYPES = np.array(["oil_change", "tires", "brakes", "inspection", "recall", "repair"], dtype=object)


def service_interval_days(owned: Owned) -> np.ndarray:
    """vendors.md: conventional oil ~5,000 mi or 6 months, synthetic ~10,000 mi or
    12 months, whichever comes first."""
    synthetic = owned.spec["oil_type"].to_numpy() == "synthetic"
    months = np.where(synthetic, 12.0, 6.0)
    miles = np.where(synthetic, 10_000.0, 5_000.0)
    return np.minimum(months * 30.44, miles / owned.annual_miles * 365.25)


@dataclass
class Service:
    frame: pd.DataFrame
    person: np.ndarray
    day: np.ndarray
    vehicle: np.ndarray
    dealer: np.ndarray
    local_ns: np.ndarray
    amount: np.ndarray


def build_service(rng, owned: Owned, people, roof, customers, today: int, hist_start: int) -> Service:
    """Visits at each vehicle's maintenance interval (people run late, so the real
    gap is 1.0-1.6x), until the person drifts away: per person a target state of
    active, recently lost (stopped 12-24 months ago), defected (over 24) or never."""
    n_p = people.n_persons
    target = pick_index(rng, n_p, [0.55, 0.17, 0.13, 0.15])
    stop = np.select(
        [target == 0, target == 1, target == 2],
        [np.full(n_p, today), today - rng.integers(365, 731, n_p), today - rng.integers(731, 1600, n_p)],
        -(10**9),
    )
    nv = len(owned)
    interval = service_interval_days(owned) * rng.uniform(1.0, 1.6, nv)
    t0 = owned.acquired_day + interval * rng.uniform(0.6, 1.1, nv)
    end = np.minimum(stop[owned.person], today)
    end = np.where(owned.planted, -(10**9), end)
    k = np.where(end >= t0, np.floor((end - t0) / interval) + 1, 0).astype(np.int64)
    k = np.minimum(k, 80)
    veh = np.repeat(np.arange(nv), k)
    j = position_in_group(k)
    day = np.round(t0[veh] + j * interval[veh] + rng.normal(0, 6, len(veh))).astype(np.int64)
    keep = (day >= hist_start) & (day <= end[veh]) & (day >= owned.acquired_day[veh] + 7)
    veh, day = veh[keep], day[keep]
    m = len(veh)
    stype = pick_index(rng, m, [62, 8, 8, 8, 4, 10])
    synthetic = owned.spec["oil_type"].to_numpy()[veh] == "synthetic"
    amount = np.select(
        [stype == 0, stype == 1, stype == 2, stype == 3, stype == 4],
        [
            np.where(synthetic, rng.uniform(79, 129, m), rng.uniform(45, 75, m)),
            rng.uniform(520, 1250, m),
            rng.uniform(240, 680, m),
            rng.uniform(25, 65, m),
            np.zeros(m),
        ],
        np.exp(rng.normal(np.log(480), 0.8, m)),
    )
    mileage = owned.odometer_at_acquisition[veh] + owned.annual_miles[veh] * (day - owned.acquired_day[veh]) / 365.25
    dealer = np.where(owned.acquired_here[veh], owned.dealer[veh], people.person_dealer[owned.person[veh]])
    ts = day * NS_PER_DAY + time_of_day_ns(rng, m, SERVICE_HOURS)
    order = np.lexsort((ts, day))
    veh, day, stype, amount, mileage, dealer, ts = (a[order] for a in (veh, day, stype, amount, mileage, dealer, ts))
    frame = pd.DataFrame(
        {
            "repair_order_id": ids("RO", m, 8),
            "customer_id": customers["customer_id"].to_numpy(dtype=object)[owned.customer[veh]],
            "dealer_id": roof.frame["dealer_id"].to_numpy(dtype=object)[dealer],
            "vin": owned.spec["vin"].to_numpy(dtype=object)[veh],
            "visit_date": days_to_datetime(day),
            "mileage": mileage.round().astype(np.int64),
            "service_type": SERVICE_TYPES[stype],
            "amount": amount.round(2),
            "opened_at": local_to_utc(ts, dealer, roof.timezones),
        }
    )
    return Service(
        frame=frame,
        person=owned.person[veh],
        day=day,
        vehicle=veh,
        dealer=dealer,
        local_ns=ts,
        amount=frame["amount"].to_numpy(),
    )


# --- inventory ------------------------------------------------------------------------------


@dataclass
class Inventory:
    frame: pd.DataFrame
    prices: pd.DataFrame
    vin_errors: pd.DataFrame
    dealer: np.ndarray
    in_day: np.ndarray
    sold_day: np.ndarray  # huge when unsold
    final_price: np.ndarray
    first_price: np.ndarray
    uuid: np.ndarray
    vdp_path: np.ndarray


UNSOLD = 10**9


def build_inventory(rng, vins, roof, today: int, sold: pd.DataFrame) -> Inventory:
    """Vehicles on the lot at as_of (150-400 per rooftop) plus every unit sold from
    the feed's history (`sold`: one row per sale in the inventory window, with
    spec columns, dealer, sold_day, odometer and latest_in_day, the day a lead
    already referenced it)."""
    counts = rng.integers(150, 401, roof.n)
    dealer_u = np.repeat(np.arange(roof.n), counts)
    nu = len(dealer_u)
    cond_u = pick_index(rng, nu, [0.55, 0.38, 0.07])
    age_u = np.minimum(rng.exponential(np.where(cond_u == NEW, 50, 38)), 400).astype(np.int64)
    in_u = today - age_u
    spec_u = make_specs(rng, vins, roof, dealer_u, cond_u, in_u, own_brand=cond_u != USED)
    annual = np.clip(np.exp(rng.normal(np.log(11_500), 0.35, nu)), 3_000, 35_000)
    age_years = np.maximum(day_year(in_u) - spec_u["year"].to_numpy() + 0.5, 0.3)
    odo_u = np.where(cond_u == NEW, rng.integers(3, 60, nu), (age_years * annual).round()).astype(np.int64)

    ns = len(sold)
    cond_s = pd.Series(sold["condition"]).map({"new": NEW, "used": USED, "cpo": CPO}).to_numpy()
    dol = 1 + np.minimum(rng.exponential(np.where(cond_s == NEW, 42, 33)), 300).astype(np.int64)
    in_s = np.minimum(sold["sold_day"].to_numpy() - dol, sold["latest_in_day"].to_numpy())

    spec = pd.concat([sold[spec_u.columns], spec_u], ignore_index=True)
    dealer = np.concatenate([sold["dealer"].to_numpy(), dealer_u])
    cond = np.concatenate([cond_s, cond_u])
    in_day = np.concatenate([in_s, in_u]).astype(np.int64)
    sold_day = np.concatenate([sold["sold_day"].to_numpy(), np.full(nu, UNSOLD)]).astype(np.int64)
    odometer = np.concatenate([sold["odometer"].to_numpy(), odo_u]).astype(np.int64)
    n = ns + nu

    uuid = uuid4s(rng, n)
    stock_letter = np.array(["N", "U", "C"], dtype=object)[cond]
    stock = stock_letter + zfill(100_000 + rng.permutation(n), 6)

    # Feed VIN errors: ~0.5% wrong check digit, an I/O/Q, or the wrong length.
    true_vin = spec["vin"].to_numpy(dtype=object)
    feed_vin = true_vin.copy()
    n_err = max(1, int(round(n * 0.005)))
    err = np.sort(rng.choice(n, n_err, replace=False))
    kind = rng.integers(0, 3, n_err)
    m = str_to_bytes_matrix(true_vin[err], 17)
    good_check = vin_check_digits(m)
    wrong = np.frombuffer(b"0123456789X", dtype=np.uint8)
    bad_check = wrong[(np.searchsorted(wrong, good_check) + rng.integers(1, 11, n_err)) % 11]
    m_check = m.copy()
    m_check[:, 8] = bad_check
    m_ioq = m.copy()
    pos = rng.choice([3, 4, 5, 6, 7, 10, 11], n_err)
    m_ioq[np.arange(n_err), pos] = np.frombuffer(b"IOQ", dtype=np.uint8)[rng.integers(0, 3, n_err)]
    short = pd.Series(true_vin[err]).str[:16].to_numpy(dtype=object)
    longer = (true_vin[err] + to_str(rng.integers(0, 10, n_err))).astype(object)
    length_bad = np.where(rng.random(n_err) < 0.5, short, longer).astype(object)
    feed_vin[err] = np.choose(kind, [bytes_matrix_to_str(m_check), bytes_matrix_to_str(m_ioq), length_bad])
    reasons = np.array(["wrong_check_digit", "illegal_character", "wrong_length"], dtype=object)[kind]
    vin_errors = pd.DataFrame(
        {"vehicle_uuid": uuid[err], "vin": feed_vin[err], "reason": reasons, "correct_vin": true_vin[err]}
    )

    year = spec["year"].to_numpy()
    website = roof.frame["website"].to_numpy(dtype=object)[dealer]
    path = (
        "/inventory/"
        + to_str(year)
        + "-"
        + slugify(spec["make"].to_numpy())
        + "-"
        + slugify(spec["model"].to_numpy())
        + "-"
        + feed_vin
    )
    path = path.astype(object)

    # Prices: the opening list price, then markdowns as used units age (new units
    # get the odd incentive); the price on a day is the last effective row.
    msrp = spec["msrp"].to_numpy()
    age_at_in = np.maximum(day_year(in_day) - year, 0)
    used_value = msrp * 0.86 ** (age_at_in + 0.5) * rng.uniform(0.92, 1.08, n) - 0.04 * odometer
    p0 = np.where(
        cond == NEW, msrp * rng.uniform(0.97, 1.03, n), np.maximum(used_value, 4_000) * np.where(cond == CPO, 1.06, 1.0)
    )
    step = np.where(cond == NEW, rng.integers(25, 46, n), rng.integers(10, 22, n))
    end = np.minimum(sold_day - 1, today)
    k = np.clip((end - in_day) // step, 0, None)
    k = np.where(cond == NEW, np.where(rng.random(n) < 0.5, np.minimum(k, 3), 0), np.minimum(k, 8))
    rows = np.repeat(np.arange(n), k + 1)
    j = position_in_group(k + 1)
    drop = np.where(
        j == 0,
        0.0,
        np.where(cond[rows] == NEW, rng.uniform(0.004, 0.02, len(rows)), rng.uniform(0.015, 0.04, len(rows))),
    )
    logp = np.log1p(-drop)
    cum = np.cumsum(logp)
    starts = np.cumsum(k + 1) - (k + 1)
    cum = cum - np.repeat(cum[starts] - logp[starts], k + 1)
    price = np.round(p0[rows] * np.exp(cum) / 100) * 100 - 5
    eff = in_day[rows] + j * step[rows]
    prices = pd.DataFrame(
        {"vehicle_uuid": uuid[rows], "effective_date": days_to_datetime(eff), "price": price.astype(float)}
    )
    final_price = price[np.cumsum(k + 1) - 1]
    first_price = price[starts]

    frame = pd.DataFrame(
        {
            "vehicle_uuid": uuid,
            "dealer_id": roof.frame["dealer_id"].to_numpy(dtype=object)[dealer],
            "vin": feed_vin,
            "stock_number": stock,
            "condition": CONDITIONS[cond],
            "year": year,
            "make": spec["make"].to_numpy(dtype=object),
            "model": spec["model"].to_numpy(dtype=object),
            "trim": spec["trim"].to_numpy(dtype=object),
            "body_style": spec["body_style"].to_numpy(dtype=object),
            "exterior_color": spec["exterior_color"].to_numpy(dtype=object),
            "odometer": odometer,
            "msrp": msrp,
            "date_in_stock": days_to_datetime(in_day),
            "date_sold": nullable_days(np.minimum(sold_day, today), sold_day < UNSOLD),
            "vdp_url": website + path,
            "image_url": website + "/photos/" + uuid + "/1.jpg",
            # extras
            "certified": cond == CPO,
            "list_price": final_price,
        }
    )
    return Inventory(
        frame=frame,
        prices=prices,
        vin_errors=vin_errors,
        dealer=dealer,
        in_day=in_day,
        sold_day=sold_day,
        final_price=final_price,
        first_price=first_price,
        uuid=uuid,
        vdp_path=path,
    )


def in_stock_sample(rng, inv: Inventory, dealer: np.ndarray, day: np.ndarray) -> np.ndarray:
    """For each (dealer, day), a random inventory row on that dealer's lot that day
    (-1 if the lot was empty). Rejection sampling over units sorted by sale day:
    units sold after `day` form a suffix; draw from it until date_in_stock <= day."""
    out = np.full(len(dealer), -1, dtype=np.int64)
    for d in np.unique(dealer):
        rows = np.flatnonzero(dealer == d)
        units = np.flatnonzero(inv.dealer == d)
        units = units[np.lexsort((inv.in_day[units], inv.sold_day[units]))]
        sold = inv.sold_day[units]
        ins = inv.in_day[units]
        t = day[rows]
        lo = np.searchsorted(sold, t, side="right")
        nu = len(units)
        # fallback when sampling keeps missing: the earliest arrival in each suffix
        rev_min = np.minimum.accumulate(ins[::-1])[::-1]
        pos_min = np.where(ins == rev_min, np.arange(nu), nu)
        suffix_min_pos = np.minimum.accumulate(pos_min[::-1])[::-1]
        pickd = np.full(len(rows), -1, dtype=np.int64)
        pending = np.flatnonzero(lo < nu)
        for _ in range(12):
            if len(pending) == 0:
                break
            cand = lo[pending] + (rng.random(len(pending)) * (nu - lo[pending])).astype(np.int64)
            ok = ins[cand] <= t[pending]
            pickd[pending[ok]] = cand[ok]
            pending = pending[~ok]
        if len(pending):
            cand = suffix_min_pos[lo[pending]]
            ok = ins[cand] <= t[pending]
            pickd[pending[ok]] = cand[ok]
        out[rows] = np.where(pickd >= 0, units[np.maximum(pickd, 0)], -1)
    return out
