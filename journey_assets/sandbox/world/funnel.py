"""Intent, leads, the planted purchase function, CRM activities and deals.

The planted function
--------------------
A person's chance of buying (or leasing) a vehicle from the group in the 30
days after day T is

    p(T) = sigmoid( PURCHASE_MODEL["intercept"] + sum_k PURCHASE_MODEL[k] * x_k(T) )

over these behaviour features, each computed from the world's own tables:

    log1p_vdp_views_30d       log(1 + VDP views in web sessions on days (T-30, T]),
                              all of the person's sessions, identified or not
    lead_<type>               1 if the person's latest lead on days (T-30, T] has
                              that lead_type (form, chat, phone, trade_in,
                              credit_app, test_drive); all zero with no lead
    lease_closeness           max over the person's leases of
                              clip((12 - months_to_maturity) / 12, 0, 1), for
                              leases maturing no more than 2 months before T
    service_recency           exp(-months since the last service visit / 12);
                              0 if never serviced
    log1p_prior_purchases     log(1 + vehicles bought or leased here by day T)
    recent_purchase_180d      1 if one of them was acquired on days (T-180, T]
    log1p_email_sessions_60d  log(1 + email-channel sessions on days (T-60, T])

The sales in the last 30 days of the world (days as_of-29 .. as_of) are
sampled from p(as_of - 30): every person is a Bernoulli draw, so a model fitted
on (features at as_of-30, bought in the last 30 days) can recover the
coefficients. `truth_customer.purchase_probability_30d` is p(as_of), the
chance of buying in the 30 days *after* the world ends, and `purchased_30d` is
one draw from it (that future is not in any other table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journey_assets.sandbox.world.util import (
    BUSINESS_HOURS,
    NS_PER_DAY,
    NS_PER_HOUR,
    NS_PER_MIN,
    WEB_HOURS,
    block_cumulative,
    grouped_pick,
    labels,
    pick,
    pick_index,
    position_in_group,
    time_of_day_ns,
)

PURCHASE_MODEL: dict[str, float] = {
    "intercept": -6.0,
    "log1p_vdp_views_30d": 0.85,
    "lead_form": 0.9,
    "lead_chat": 0.7,
    "lead_phone": 1.1,
    "lead_trade_in": 1.4,
    "lead_credit_app": 1.9,
    "lead_test_drive": 2.1,
    "lease_closeness": 1.8,
    "service_recency": 0.8,
    "log1p_prior_purchases": 0.5,
    "recent_purchase_180d": -2.5,
    "log1p_email_sessions_60d": 0.6,
}
FEATURES = [k for k in PURCHASE_MODEL if k != "intercept"]

# Who goes shopping during the 90-day web window (a latent "episode" of 5-35
# days with VDP-heavy visits and, about half the time, a lead): a logistic of the
# person's standing at mid-window. Not part of the planted function; it makes the
# behaviour the planted function reads (VDP views, leads) depend on lease end,
# service loyalty and past purchases the way it does at a real store.
SHOPPING_MODEL: dict[str, float] = {
    "intercept": -2.4,
    "lease_closeness": 1.6,
    "service_recency": 0.6,
    "log1p_prior_purchases": 0.3,
    "recent_purchase_180d": -1.2,
}

LEAD_TYPES = np.array(["form", "chat", "phone", "trade_in", "credit_app", "test_drive"], dtype=object)
LEAD_SOURCES = np.array(["website", "meta_lead_ad", "third_party", "phone", "walk_in"], dtype=object)
WEBSITE, META_LEAD_AD, THIRD_PARTY, PHONE, WALK_IN = range(5)
SOURCE_W = [45, 15, 20, 12, 8]
TYPE_GIVEN_SOURCE = np.array(
    [
        [40, 15, 0, 15, 12, 18],  # website
        [55, 0, 0, 30, 0, 15],  # meta lead ad
        [75, 0, 0, 15, 10, 0],  # third party (cars.com, ...)
        [0, 0, 1, 0, 0, 0],  # phone
        [0, 0, 0, 0, 30, 70],  # walk-in
    ],
    dtype=float,
)
_TYPE_CUM = block_cumulative(TYPE_GIVEN_SOURCE.ravel(), np.repeat(np.arange(5), 6))
# lead kinds (how it came to be)
PURCHASE_LEAD, EPISODE_LEAD, BACKGROUND_LEAD = range(3)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def purchase_probability(features: pd.DataFrame) -> np.ndarray:
    z = np.full(len(features), PURCHASE_MODEL["intercept"])
    for k in FEATURES:
        z = z + PURCHASE_MODEL[k] * features[k].to_numpy(dtype=float)
    return sigmoid(z)


def make_leads(rng, person, customer, dealer, day, kind, cap_ns=None, owned=None) -> pd.DataFrame:
    """Leads with a source, a type given the source, and a local time of day
    (web hours for online sources, business hours for phone and walk-in)."""
    n = len(person)
    source = pick_index(rng, n, SOURCE_W)
    ltype = grouped_pick(rng, source, np.repeat(np.arange(5), 6), _TYPE_CUM) % 6
    offline = (source == PHONE) | (source == WALK_IN)
    tod = np.where(offline, time_of_day_ns(rng, n, BUSINESS_HOURS), time_of_day_ns(rng, n, WEB_HOURS))
    ts = np.asarray(day, dtype=np.int64) * NS_PER_DAY + tod
    if cap_ns is not None:
        late = ts >= cap_ns
        ts = np.where(late, cap_ns - rng.integers(30 * NS_PER_MIN, 3 * NS_PER_HOUR, n), ts)
    return pd.DataFrame(
        {
            "person": np.asarray(person, dtype=np.int64),
            "customer": np.asarray(customer, dtype=np.int64),
            "dealer": np.asarray(dealer, dtype=np.int64),
            "ts": ts,
            "day": ts // NS_PER_DAY,
            "tod": ts % NS_PER_DAY,
            "source": source,
            "type": ltype,
            "kind": np.full(n, kind),
            "owned": np.full(n, -1, dtype=np.int64) if owned is None else np.asarray(owned, dtype=np.int64),
        }
    )


def purchase_leads(rng, owned, sale_ts: np.ndarray, idx: np.ndarray, share: float, min_ns=None) -> pd.DataFrame:
    """The lead behind a deal, for `share` of deals: 73% within 3 days before the
    sale (Foureyes), the rest up to 30 days before."""
    idx = idx[rng.random(len(idx)) < share]
    n = len(idx)
    lag_days = np.where(rng.random(n) < 0.73, rng.integers(0, 3, n), rng.integers(3, 31, n))
    day = sale_ts[idx] // NS_PER_DAY - lag_days
    if min_ns is not None:
        day = np.maximum(day, min_ns // NS_PER_DAY + 1)
    leads = make_leads(
        rng,
        owned.person[idx],
        owned.customer[idx],
        owned.dealer[idx],
        day,
        PURCHASE_LEAD,
        cap_ns=sale_ts[idx],
        owned=idx,
    )
    if min_ns is not None:
        leads = leads[leads["ts"].to_numpy() > min_ns].reset_index(drop=True)
    return leads


def build_episodes(rng, static: pd.DataFrame, web_start: int, today: int) -> dict:
    """Shopping episodes: who is in market during the web window. Likelier near
    lease end, for loyal service customers and repeat buyers, unlikely right
    after a purchase."""
    z = np.full(len(static), SHOPPING_MODEL["intercept"])
    for k, coef in SHOPPING_MODEL.items():
        if k != "intercept":
            z = z + coef * static[k].to_numpy(dtype=float)
    shopper = np.flatnonzero(rng.random(len(z)) < sigmoid(z))
    start = rng.integers(web_start - 20, today + 1, len(shopper))
    end = np.minimum(start + rng.integers(5, 36, len(shopper)), today)
    return {"person": shopper, "start": start, "end": end}


def person_features(
    T: int,
    n_persons: int,
    owned,
    service_person,
    service_day,
    leads: pd.DataFrame,
    sess_person: np.ndarray,
    sess_day: np.ndarray,
    sess_vdp: np.ndarray,
    sess_email: np.ndarray,
) -> pd.DataFrame:
    """The planted function's features at the end of day T (see module doc)."""
    f = {}
    m = (sess_person >= 0) & (sess_day > T - 30) & (sess_day <= T)
    f["log1p_vdp_views_30d"] = np.log1p(np.bincount(sess_person[m], weights=sess_vdp[m], minlength=n_persons))
    ld = leads["day"].to_numpy()
    lm = (ld > T - 30) & (ld <= T)
    recent = leads.loc[lm, ["person", "ts", "type"]].sort_values(["person", "ts"])
    recent = recent.drop_duplicates("person", keep="last")
    latest = np.full(n_persons, -1)
    latest[recent["person"].to_numpy()] = recent["type"].to_numpy()
    for i, t in enumerate(LEAD_TYPES):
        f[f"lead_{t}"] = (latest == i).astype(float)
    held = owned.acquired_day <= T
    lease = held & owned.lease & (owned.maturity_day >= T - 61)
    months_to = (owned.maturity_day - T) / 30.44
    close = np.where(lease, np.clip((12 - months_to) / 12, 0, 1), 0.0)
    lc = np.zeros(n_persons)
    np.maximum.at(lc, owned.person, close)
    f["lease_closeness"] = lc
    sm = service_day <= T
    last = np.full(n_persons, -(10**9), dtype=np.int64)
    np.maximum.at(last, service_person[sm], service_day[sm])
    f["service_recency"] = np.where(last > -(10**9), np.exp(-((T - last) / 30.44) / 12), 0.0)
    here = held & owned.acquired_here
    f["log1p_prior_purchases"] = np.log1p(np.bincount(owned.person[here], minlength=n_persons))
    rp = here & (owned.acquired_day > T - 180)
    f["recent_purchase_180d"] = (np.bincount(owned.person[rp], minlength=n_persons) > 0).astype(float)
    m = (sess_person >= 0) & sess_email & (sess_day > T - 60) & (sess_day <= T)
    f["log1p_email_sessions_60d"] = np.log1p(np.bincount(sess_person[m], minlength=n_persons))
    return pd.DataFrame(f)


# --- CRM ----------------------------------------------------------------------------

OUTCOMES = np.array(
    [
        "connected",
        "left_voicemail",
        "no_answer",
        "delivered",
        "replied",
        "sent",
        "opened",
        "scheduled",
        "showed",
        "no_show",
        "deal_closed",
    ],
    dtype=object,
)
ACTIVITY_TYPES = np.array(["call", "email", "sms", "appointment", "note"], dtype=object)
CALL, EMAIL_A, SMS, APPOINTMENT, NOTE = range(5)
LEAD_STATUSES = np.array(["new", "contacted", "appointment", "sold", "lost"], dtype=object)
ST_NEW, ST_CONTACTED, ST_APPOINTMENT, ST_SOLD, ST_LOST = range(5)


def build_activities(
    rng, created: np.ndarray, ltype: np.ndarray, sold: np.ndarray, sale_ts: np.ndarray, today_end: int
):
    """CRM activities per lead and the lead's resulting status and updated time.

    Speed to lead is lognormal (median ~20 minutes, long tail into days); about a
    fifth of unsold leads are never contacted (HBR's 23%). Phone leads start with
    the inbound call itself."""
    n = len(created)
    never = ~sold & (rng.random(n) < 0.2)
    phone = ltype == 2
    delay = np.where(phone, 0, np.exp(rng.normal(np.log(20), 1.7, n)) * NS_PER_MIN).astype(np.int64)
    first = created + delay
    # outside 8am-8pm the first touch waits for the morning (TCPA quiet hours)
    tod = first % NS_PER_DAY
    morning = (first // NS_PER_DAY) * NS_PER_DAY + 8 * NS_PER_HOUR + rng.integers(0, 90, n) * NS_PER_MIN
    first = np.where(
        ~phone & (tod < 8 * NS_PER_HOUR),
        morning,
        np.where(~phone & (tod >= 20 * NS_PER_HOUR), morning + NS_PER_DAY, first),
    )
    first = np.where(sold, np.minimum(first, np.maximum(sale_ts - NS_PER_HOUR, created)), first)
    n_follow = np.where(sold, rng.integers(1, 4, n), rng.poisson(1.5, n))
    appt = sold | (rng.random(n) < 0.25)
    count = np.where(never, 0, 1 + n_follow + appt + sold)
    lead = np.repeat(np.arange(n), count)
    j = position_in_group(count)
    m = len(lead)
    cnt = count[lead]
    is_note = sold[lead] & (j == cnt - 1)
    is_appt = appt[lead] & (j == cnt - 1 - sold[lead])
    gap = (rng.uniform(0.3, 3.0, m) * NS_PER_DAY).astype(np.int64)
    ts = first[lead] + np.maximum(j - 0, 0) * gap
    ts = np.where(j == 0, first[lead], ts)
    sold_l = sold[lead]
    before_sale = sale_ts[lead] - rng.integers(1, 5, m) * NS_PER_HOUR
    ts = np.where(is_appt & sold_l, np.maximum(before_sale, first[lead]), ts)
    ts = np.where(is_note, sale_ts[lead], ts)
    # follow-ups of sold leads squeeze between first contact and the sale
    follow_sold = sold_l & ~is_note & ~is_appt & (j > 0)
    span = np.maximum(sale_ts[lead] - first[lead], 1)
    ts = np.where(follow_sold, first[lead] + (span * rng.uniform(0.05, 0.9, m)).astype(np.int64), ts)
    atype = np.where(
        j == 0, np.where(phone[lead], CALL, pick_index(rng, m, [45, 25, 30])), pick_index(rng, m, [40, 25, 35])
    )
    atype = np.where(is_appt, APPOINTMENT, np.where(is_note, NOTE, atype))
    keep = ts <= today_end
    lead, ts, atype, is_appt, is_note = lead[keep], ts[keep], atype[keep], is_appt[keep], is_note[keep]
    m = len(lead)
    u = rng.random(m)
    # OUTCOMES: connected left_voicemail no_answer delivered replied sent opened scheduled showed no_show deal_closed
    code = np.select(
        [atype == CALL, atype == SMS, atype == EMAIL_A],
        [
            np.where(u < 0.35, 0, np.where(u < 0.75, 1, 2)),
            np.where(u < 0.7, 3, 4),
            np.where(u < 0.75, 5, np.where(u < 0.9, 6, 4)),
        ],
        10,
    )
    showed = sold[lead] | (u < 0.55)
    code = np.where(atype == APPOINTMENT, np.where(ts > today_end - NS_PER_DAY, 7, np.where(showed, 8, 9)), code)
    outcome = labels(OUTCOMES, code)

    n_act = np.bincount(lead, minlength=n)
    has_appt = np.bincount(lead[atype == APPOINTMENT], minlength=n) > 0
    last_ts = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last_ts, lead, ts)
    age_days = (today_end - created) / NS_PER_DAY
    u = rng.random(n)
    status = np.select(
        [sold, n_act == 0, has_appt],
        [
            np.full(n, ST_SOLD),
            np.where(age_days <= 30, ST_NEW, ST_LOST),
            np.where((age_days > 45) & (u < 0.6), ST_LOST, ST_APPOINTMENT),
        ],
        np.where((age_days > 30) & (u < 0.75), ST_LOST, ST_CONTACTED),
    )
    # a closing note on lost leads that had contact
    lost_note = (status == ST_LOST) & (n_act > 0)
    ln = np.flatnonzero(lost_note)
    note_ts = last_ts[ln] + (rng.uniform(1, 10, len(ln)) * NS_PER_DAY).astype(np.int64)
    ok = note_ts <= today_end
    ln, note_ts = ln[ok], note_ts[ok]
    lead = np.concatenate([lead, ln])
    ts = np.concatenate([ts, note_ts])
    atype = np.concatenate([atype, np.full(len(ln), NOTE)])
    outcome = np.concatenate(
        [
            outcome,
            pick(
                rng,
                ["lost: bought elsewhere", "lost: not in market", "lost: unresponsive", "lost: credit"],
                len(ln),
                [35, 25, 30, 10],
            ),
        ]
    )
    np.maximum.at(last_ts, lead, ts)
    updated = np.maximum(created, last_ts)
    order = np.lexsort((ts, lead))
    return {
        "lead": lead[order],
        "ts": ts[order],
        "type": atype[order],
        "outcome": outcome[order],
        "status": status,
        "updated": updated,
    }


def route_salespeople(
    rng, salespeople: pd.DataFrame, dealer_ids: np.ndarray, lead_dealer: np.ndarray, lead_zip: np.ndarray
) -> np.ndarray:
    """Route each lead to a salesperson whose territory holds the customer's zip
    at that rooftop; otherwise any salesperson of the rooftop."""
    sp = salespeople[["salesperson_id", "dealer_id", "territory_zips"]].copy()
    sp["zip"] = sp["territory_zips"].str.split(",")
    pairs = sp.explode("zip")
    d_index = {d: i for i, d in enumerate(dealer_ids)}
    pairs_d = pairs["dealer_id"].map(d_index).to_numpy()
    sp_d = sp["dealer_id"].map(d_index).to_numpy()
    key_pairs = pd.Series(pairs_d.astype(str)) + "|" + pairs["zip"].to_numpy()
    lead_key = pd.Series(lead_dealer.astype(str)) + "|" + pd.Series(lead_zip).str[:5].fillna("")
    codes, uniques = pd.factorize(pd.concat([key_pairs, lead_key], ignore_index=True))
    pair_code = codes[: len(key_pairs)]
    lead_code = codes[len(key_pairs) :]
    order = np.argsort(pair_code, kind="stable")
    pair_code_sorted = pair_code[order]
    sp_of_pair = np.searchsorted(sp["salesperson_id"].to_numpy(), pairs["salesperson_id"].to_numpy()[order])
    start = np.searchsorted(pair_code_sorted, lead_code, side="left")
    stop = np.searchsorted(pair_code_sorted, lead_code, side="right")
    found = stop > start
    pos = start + (rng.random(len(lead_code)) * np.maximum(stop - start, 1)).astype(np.int64)
    chosen = np.where(found, sp_of_pair[np.minimum(pos, len(sp_of_pair) - 1)], -1)
    # fallback: a random salesperson of the lead's rooftop
    sp_order = np.argsort(sp_d, kind="stable")
    d_start = np.searchsorted(sp_d[sp_order], lead_dealer, side="left")
    d_stop = np.searchsorted(sp_d[sp_order], lead_dealer, side="right")
    fb = sp_order[
        np.minimum(d_start + (rng.random(len(lead_dealer)) * (d_stop - d_start)).astype(np.int64), len(sp_order) - 1)
    ]
    return np.where(found, chosen, fb)
