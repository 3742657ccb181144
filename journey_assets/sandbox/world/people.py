"""Rooftops, salespeople, households and customers (with messy, duplicated records)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey_assets.sandbox.world import catalog as cat
from journey_assets.sandbox.world.util import (
    BUSINESS_HOURS,
    NS_PER_DAY,
    e164,
    format_phone,
    ids,
    labels,
    phone_parts,
    pick,
    pick_index,
    random_digits,
    time_of_day_ns,
    to_str,
    zfill,
)


@dataclass
class Rooftops:
    frame: pd.DataFrame
    metros: list[cat.Metro]
    timezones: list[str]
    brand_table: np.ndarray  # (R, max_brands) make index, -1 padded
    n_brands: np.ndarray
    share: np.ndarray  # share of customers per rooftop
    place_start: np.ndarray  # first index of each rooftop's places in the flat place arrays
    place_city: np.ndarray
    place_zip: np.ndarray
    place_dealer: np.ndarray

    @property
    def n(self) -> int:
        return len(self.metros)


def n_rooftops_for(n_customers: int) -> int:
    if n_customers < 10_000:
        return 3
    if n_customers < 200_000:
        return 5
    return 12


def build_rooftops(rng: np.random.Generator, n_customers: int) -> Rooftops:
    r = n_rooftops_for(n_customers)
    metros = list(cat.METROS[:r])
    slugs = np.array([m.rooftop_name.lower().replace(" ", "") for m in metros], dtype=object)
    area = np.array([m.area_codes[0] for m in metros])
    ex, line = phone_parts(rng, area)
    frame = pd.DataFrame(
        {
            "dealer_id": ids("D", r, 2),
            "name": [m.rooftop_name for m in metros],
            "address": [m.address for m in metros],
            "city": [m.city for m in metros],
            "state": [m.state for m in metros],
            "zip": [m.zip for m in metros],
            "timezone": [m.timezone for m in metros],
            "brands": [",".join(m.brands) for m in metros],
            "latitude": [m.latitude for m in metros],
            "longitude": [m.longitude for m in metros],
            "website": "https://www." + slugs + ".example",
            "phone": e164(area, ex, line),
            "ga4_property_id": "3" + random_digits(rng, r, 8),
            "google_ads_customer_id": random_digits(rng, r, 10),
            "meta_ad_account_id": "10" + random_digits(rng, r, 13),
            "gbp_location_id": random_digits(rng, r, 19),
            # Extra columns (not in the contract, handy for the fakes):
            "slug": slugs,
            "google_ads_login_customer_id": np.repeat(random_digits(rng, 1, 10), r),
            "meta_page_id": "1" + random_digits(rng, r, 14),
            "gbp_account_id": np.repeat(random_digits(rng, 1, 21), r),
        }
    )
    make_index = {m: i for i, m in enumerate(cat.MAKES)}
    max_b = max(len(m.brands) for m in metros)
    brand_table = np.full((r, max_b), -1, dtype=np.int64)
    for i, m in enumerate(metros):
        brand_table[i, : len(m.brands)] = [make_index[b] for b in m.brands]
    share = rng.uniform(0.7, 1.3, r)
    share = share / share.sum()
    place_city, place_zip, place_dealer = [], [], []
    for i, m in enumerate(metros):
        for city, zp in m.places:
            place_city.append(city)
            place_zip.append(zp)
            place_dealer.append(i)
    place_dealer = np.array(place_dealer)
    return Rooftops(
        frame=frame,
        metros=metros,
        timezones=[m.timezone for m in metros],
        brand_table=brand_table,
        n_brands=np.array([len(m.brands) for m in metros]),
        share=share,
        place_start=np.searchsorted(place_dealer, np.arange(r)),
        place_city=np.array(place_city, dtype=object),
        place_zip=np.array(place_zip, dtype=object),
        place_dealer=place_dealer,
    )


def build_salespeople(rng: np.random.Generator, roof: Rooftops, n_customers: int) -> pd.DataFrame:
    per = int(np.clip(n_customers / roof.n / 800, 5, 20))
    n = per * roof.n
    dealer = np.repeat(np.arange(roof.n), per)
    female = rng.random(n) < 0.35
    first = np.where(
        female,
        pick(rng, cat.FIRST_NAMES_FEMALE, n, cat.FIRST_NAMES_FEMALE_W),
        pick(rng, cat.FIRST_NAMES_MALE, n, cat.FIRST_NAMES_MALE_W),
    ).astype(object)
    last = pick(rng, cat.LAST_NAMES, n, cat.LAST_NAMES_W)
    slug = roof.frame["slug"].to_numpy(dtype=object)[dealer]
    email = (
        pd.Series(first + "." + last).str.lower().str.replace(r"[^a-z.]", "", regex=True) + "@" + slug + ".example"
    ).to_numpy(dtype=object)
    area = np.array([roof.metros[d].area_codes[0] for d in dealer])
    ex, line = phone_parts(rng, area)
    # Each rooftop's zips are dealt round-robin to its salespeople.
    territory = np.empty(n, dtype=object)
    for d in range(roof.n):
        zips = sorted({z for _, z in roof.metros[d].places})
        for k in range(per):
            territory[d * per + k] = ",".join(zips[k::per]) if k < len(zips) else zips[k % len(zips)]
    start = rng.choice([8, 9, 9, 10, 11], n)
    return pd.DataFrame(
        {
            "salesperson_id": ids("SP", n, 4),
            "dealer_id": roof.frame["dealer_id"].to_numpy(dtype=object)[dealer],
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": e164(area, ex, line),
            "territory_zips": territory,
            "working_hours_start": start.astype(np.int64),
            "working_hours_end": (start + 9).astype(np.int64),
        }
    )


@dataclass
class People:
    households: pd.DataFrame
    customers: pd.DataFrame
    truth_identity: pd.DataFrame
    # person-level arrays (index = person number)
    person_dealer: np.ndarray
    person_primary: np.ndarray  # customer row index of the person's first record
    person_dup: np.ndarray  # customer row index of the duplicate record, -1 if none
    person_vehicles: np.ndarray  # how many vehicles the person owns (generated later)
    person_email_consent: np.ndarray
    person_email_engagement: np.ndarray
    person_zip: np.ndarray
    # customer-level arrays (index = customer row)
    customer_person: np.ndarray
    customer_dealer: np.ndarray
    customer_created_ns: np.ndarray  # provisional local creation time

    @property
    def n_persons(self) -> int:
        return len(self.person_dealer)


def _messy_names(rng, names: np.ndarray) -> np.ndarray:
    s = pd.Series(names, dtype=object)
    u = rng.random(len(names))
    return np.select(
        [u < 0.04, u < 0.08, u < 0.11, u < 0.13],
        [s.str.upper(), s.str.lower(), names + " ", " " + names],
        names,
    ).astype(object)


def _email_locals(rng, first: np.ndarray, last: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    f = pd.Series(first).str.lower().str.replace(r"[^a-z]", "", regex=True).to_numpy(dtype=object)
    l_ = pd.Series(last).str.lower().str.replace(r"[^a-z]", "", regex=True).to_numpy(dtype=object)
    n = len(f)
    initial = pd.Series(f).str[:1].to_numpy(dtype=object)
    yy = zfill(birth_year % 100, 2)
    nn = to_str(rng.integers(1, 100, n))
    forms = [f + "." + l_, f + l_, initial + l_, f + "." + l_ + nn, f + l_ + yy, f + "_" + l_, l_ + "." + f, f + nn]
    return np.choose(pick_index(rng, n, [26, 14, 14, 14, 12, 6, 6, 8]), forms).astype(object)


def _dedupe(values: np.ndarray, fix) -> np.ndarray:
    """Re-draw duplicated values (vectorized, a few rounds)."""
    for _ in range(4):
        dup = pd.Series(values).duplicated(keep="first").to_numpy() & pd.notna(values)
        if not dup.any():
            break
        values = values.copy()
        values[dup] = fix(dup)
    return values


def build_people(rng: np.random.Generator, roof: Rooftops, n_customers: int, today: int) -> People:
    n_persons = int(round(n_customers / 1.03))
    n_dups = n_customers - n_persons

    # Households: 1-4 people, sharing an address and (mostly) a last name.
    sizes = rng.choice([1, 2, 3, 4], size=n_persons, p=[0.46, 0.34, 0.12, 0.08])
    n_households = int(np.searchsorted(np.cumsum(sizes), n_persons) + 1)
    sizes = sizes[:n_households]
    person_household = np.repeat(np.arange(n_households), sizes)[:n_persons]
    rank = np.arange(n_persons) - np.searchsorted(person_household, person_household)

    h_dealer = pick_index(rng, n_households, roof.share)
    n_places = np.diff(np.append(roof.place_start, len(roof.place_dealer)))
    place = roof.place_start[h_dealer] + (rng.random(n_households) * n_places[h_dealer]).astype(np.int64)
    street_base = np.where(
        rng.random(n_households) < 0.7,
        pick(rng, cat.LAST_NAMES, n_households, cat.LAST_NAMES_W),
        pick(rng, cat.FIRST_NAMES_MALE, n_households, cat.FIRST_NAMES_MALE_W),
    ).astype(object)
    suffix = pick(rng, cat.STREET_SUFFIXES, n_households, cat.STREET_SUFFIX_W)
    suffix_abbr = pd.Series(suffix).replace(cat.STREET_SUFFIX_ABBR).to_numpy(dtype=object)
    number = to_str(
        np.where(
            rng.random(n_households) < 0.6,
            rng.integers(100, 9999, n_households),
            rng.integers(10000, 29999, n_households),
        )
    )
    unit = np.where(rng.random(n_households) < 0.12, " Apt " + to_str(rng.integers(1, 450, n_households)), "")
    h_address = (number + " " + street_base + " " + suffix + unit).astype(object)
    h_address_abbr = (number + " " + street_base + " " + suffix_abbr + unit).astype(object)
    h_state = np.array([m.state for m in roof.metros], dtype=object)[h_dealer]
    households = pd.DataFrame(
        {
            "household_id": ids("H", n_households, 7),
            "dealer_id": roof.frame["dealer_id"].to_numpy(dtype=object)[h_dealer],
            "address": h_address,
            "city": roof.place_city[place],
            "state": h_state,
            "zip": roof.place_zip[place],
            "income_band": pick(rng, cat.INCOME_BANDS, n_households, cat.INCOME_WEIGHTS),
        }
    )

    # Persons.
    h_last = pick(rng, cat.LAST_NAMES, n_households, cat.LAST_NAMES_W)
    last = np.where(
        rng.random(n_persons) < 0.85, h_last[person_household], pick(rng, cat.LAST_NAMES, n_persons, cat.LAST_NAMES_W)
    ).astype(object)
    male = rng.random(n_persons) < 0.5
    first = np.where(
        male,
        pick(rng, cat.FIRST_NAMES_MALE, n_persons, cat.FIRST_NAMES_MALE_W),
        pick(rng, cat.FIRST_NAMES_FEMALE, n_persons, cat.FIRST_NAMES_FEMALE_W),
    ).astype(object)
    this_year = int(np.datetime64(today, "D").astype("datetime64[Y]").astype(int) + 1970)
    head_age = np.clip(rng.normal(48, 14, n_households), 20, 86)
    age = np.where(
        rank == 0,
        head_age[person_household],
        np.where(rank == 1, head_age[person_household] + rng.normal(0, 4, n_persons), rng.uniform(17, 27, n_persons)),
    )
    birth_year = (this_year - np.clip(age, 17, 90)).astype(np.int64)
    p_dealer = h_dealer[person_household]
    p_place = place[person_household]

    domain = pick(rng, cat.EMAIL_DOMAINS, n_persons, cat.EMAIL_DOMAIN_WEIGHTS)
    local = _email_locals(rng, first, last, birth_year)
    email = (local + "@" + domain).astype(object)
    email = _dedupe(email, lambda m: local[m] + to_str(rng.integers(100, 1000, int(m.sum()))) + "@" + domain[m])
    has_email = rng.random(n_persons) > 0.05

    all_metro_codes = [np.array(m.area_codes) for m in roof.metros]
    code_pick = rng.random(n_persons)
    area = np.empty(n_persons, dtype=np.int64)
    for d, codes in enumerate(all_metro_codes):
        mask = p_dealer == d
        area[mask] = codes[(code_pick[mask] * len(codes)).astype(np.int64)]
    moved = rng.random(n_persons) < 0.1
    area[moved] = rng.choice(cat.OTHER_AREA_CODES, int(moved.sum()))
    exchange, line = phone_parts(rng, area)
    full = e164(area, exchange, line)

    def _redraw(m):
        exchange[m], line[m] = phone_parts(rng, area[m])
        return e164(area[m], exchange[m], line[m])

    full = _dedupe(full, _redraw)
    has_phone = rng.random(n_persons) > 0.03

    n_vehicles = rng.choice([0, 1, 2, 3], size=n_persons, p=[0.30, 0.52, 0.14, 0.04])
    email_consent_p = has_email & (rng.random(n_persons) < 0.72)
    engagement = np.where(email_consent_p, rng.beta(1.0, 5.0, n_persons), 0.0)

    # Customer records: every person once, ~3% twice (another system, another format).
    dup_person = np.sort(rng.choice(n_persons, size=n_dups, replace=False))
    rec_person = np.concatenate([np.arange(n_persons), dup_person])
    is_dup = np.r_[np.zeros(n_persons, bool), np.ones(n_dups, bool)]
    order = rng.permutation(n_customers)  # customer row r holds record order[r]
    rec_person = rec_person[order]
    is_dup = is_dup[order]
    person_primary = np.empty(n_persons, dtype=np.int64)
    person_primary[rec_person[~is_dup]] = np.flatnonzero(~is_dup)
    person_dup = np.full(n_persons, -1, dtype=np.int64)
    person_dup[rec_person[is_dup]] = np.flatnonzero(is_dup)

    p = rec_person
    n = n_customers
    # Duplicate kinds: 0 another email address, 1 the same address in other case
    # with the phone in another format, 2 same email, phone in another format.
    dup_kind = np.where(is_dup, pick_index(rng, n, [0.45, 0.35, 0.20]), -1)
    dup_kind = np.where((dup_kind > 0) & ~has_phone[p], 0, dup_kind)

    c_first = _messy_names(rng, first[p])
    c_last = _messy_names(rng, last[p])

    # Email: the person's address, sometimes another one (dup kind 0), in mixed case,
    # with stray whitespace or a typo.
    alt_domain = pick(rng, cat.EMAIL_DOMAINS, n, cat.EMAIL_DOMAIN_WEIGHTS)
    alt_local = _email_locals(rng, first[p], last[p], birth_year[p])
    alt = (alt_local + "@" + alt_domain).astype(object)
    alt = np.where(alt == email[p], alt_local + to_str(rng.integers(100, 1000, n)) + "@" + alt_domain, alt)
    c_email = np.where(dup_kind == 0, alt, email[p]).astype(object)
    u = rng.random(n)
    title = pd.Series(c_email).str.title().to_numpy(dtype=object)
    c_email = np.select([u < 0.05, u < 0.07, u < 0.09], [title, c_email + " ", " " + c_email], c_email)
    c_email = np.where(dup_kind == 1, title, c_email).astype(object)
    typo = rng.random(n)
    typo[is_dup] = 1.0  # typos and bad phones only on first records
    at_split = pd.Series(c_email).str.split("@", n=1, expand=True)
    typo_domain = pick(rng, cat.EMAIL_TYPO_DOMAINS, n)
    c_email = np.select(
        [typo < 0.02, typo < 0.03],
        [at_split[0].to_numpy(dtype=object) + "@" + typo_domain, at_split[0] + at_split[1].fillna("")],
        c_email,
    ).astype(object)
    c_has_email = has_email[p] | (dup_kind == 0)
    c_email[~c_has_email] = None

    # Phone: formatted many ways; a few are invalid (a digit short, or no area code).
    fmt = pick_index(rng, n, [30, 22, 8, 18, 12, 5, 5])
    dup_fmt_shift = 1 + (rng.random(n) * 6).astype(np.int64)
    primary_fmt = fmt[person_primary[p]]
    fmt = np.where(is_dup & (dup_kind != 0), (primary_fmt + dup_fmt_shift) % 7, fmt)
    c_phone = format_phone(area[p], exchange[p], line[p], fmt)
    bad = rng.random(n)
    bad[is_dup] = 1.0
    short = pd.Series(c_phone).str[:-1].to_numpy(dtype=object)
    local7 = to_str(exchange[p]) + "-" + zfill(line[p], 4)
    c_phone = np.select([bad < 0.02, bad < 0.03], [short, local7], c_phone).astype(object)
    c_phone[~has_phone[p]] = None

    c_address = np.where(
        rng.random(n) < 0.5, h_address[person_household[p]], h_address_abbr[person_household[p]]
    ).astype(object)
    zip_plus4 = households["zip"].to_numpy(dtype=object)[person_household[p]]
    plus4 = rng.random(n) < 0.05
    zip_plus4 = np.where(plus4, zip_plus4 + "-" + zfill(rng.integers(1, 9999, n), 4), zip_plus4).astype(object)

    gender = labels(["f", "m"], male[p])
    gender[rng.random(n) < 0.12] = None
    by = pd.array(birth_year[p], dtype="Int64")
    by[rng.random(n) < 0.08] = pd.NA

    # Provisional creation time; generate.py moves it back to the first activity.
    primary_created = today - (rng.random(n_persons) ** 0.8 * 8 * 365).astype(np.int64) - 1
    created_day = np.where(
        is_dup, np.minimum(primary_created[p] + rng.integers(30, 900, n), today - 1), primary_created[p]
    )
    created_ns = created_day * NS_PER_DAY + time_of_day_ns(rng, n, BUSINESS_HOURS)

    has_vehicle = n_vehicles[p] > 0
    src_u = rng.random(n)
    source = labels(
        ["dms", "crm", "web"], np.where(has_vehicle, np.where(src_u < 0.85, 0, 1), np.where(src_u < 0.55, 1, 2))
    )
    source[is_dup] = pick(rng, ["dms", "crm", "web"], int(is_dup.sum()), [0.3, 0.4, 0.3])

    c_has_phone = pd.notna(c_phone)
    customers = pd.DataFrame(
        {
            "customer_id": ids("C", n, 7),
            "household_id": households["household_id"].to_numpy(dtype=object)[person_household[p]],
            "dealer_id": roof.frame["dealer_id"].to_numpy(dtype=object)[p_dealer[p]],
            "first_name": c_first,
            "last_name": c_last,
            "email": c_email,
            "phone": c_phone,
            "address": c_address,
            "city": roof.place_city[p_place[p]],
            "state": h_state[person_household[p]],
            "zip": zip_plus4,
            "birth_year": by,
            "gender": gender,
            "created_at": None,  # filled by generate.py
            "preferred_channel": pick(rng, ["sms", "email", "phone"], n, [0.4, 0.4, 0.2]),
            "sms_consent": c_has_phone & (rng.random(n) < 0.6),
            "email_consent": np.where(is_dup, pd.notna(c_email) & (rng.random(n) < 0.6), email_consent_p[p])
            & pd.notna(c_email),
            "source": source,
        }
    )
    truth_identity = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy(dtype=object),
            "person_id": ids("P", n_persons, 7)[p],
        }
    )
    return People(
        households=households,
        customers=customers,
        truth_identity=truth_identity,
        person_dealer=p_dealer,
        person_primary=person_primary,
        person_dup=person_dup,
        person_vehicles=n_vehicles,
        person_email_consent=email_consent_p,
        person_email_engagement=engagement,
        person_zip=roof.place_zip[p_place],
        customer_person=p,
        customer_dealer=p_dealer[p],
        customer_created_ns=created_ns,
    )
