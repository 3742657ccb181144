"""Build every table of the synthetic dealer group from (n_customers, seed, as_of).

All generation is vectorized numpy over per-stage random streams
(`util.stream(seed, name)`), so the same seed and size give identical tables
and one stage's changes do not reshuffle another's. Windows, all ending at
`as_of` (inclusive, in each rooftop's local time):

- history (sales, service visits, CRM leads and activities, reviews, surveys):
  the 1,095 days up to as_of; owned vehicles may be older (acquired up to 10
  years back);
- inventory feed: vehicles on the lot at as_of plus every unit sold in the last
  365 days (older deals have no `vehicle_uuid`);
- web and ads (web_sessions, web_events, ad_stats_daily, search_terms_daily,
  social_posts): the 90 days up to as_of.

Timestamps (`*_at`, `event_ts`, `started_at`) are tz-aware UTC; dates (`date`,
`*_date`, `date_in_stock`, `date_sold`) are datetime64 midnights in local time.

Tables and columns: `TABLES.md` beside this file.

Ground-truth definitions (per person; every record of a person carries them):
purchase_probability_30d / purchased_30d: see `funnel.PURCHASE_MODEL`;
service_state: last service visit within 365 days active, 366-730
recently_lost, older defected, none never; service_due: a held vehicle's next
service (last visit or acquisition + the vendors.md interval) falls between
180 days before and 30 days after as_of; dormant: no deal, service visit,
lead or web session in the last 365 days; lease_end_window: a lease maturing
within 183 days after as_of; high_value: top decile of (service spend + deal
gross profit) over the history among people who spent anything; at_risk:
recently_lost, or in the lease-end window with no lead or web session in 90
days.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from journey_assets.sandbox.world import HISTORY_DAYS, WEB_DAYS
from journey_assets.sandbox.world import catalog as cat
from journey_assets.sandbox.world.ads import LEAD_ADS, build_ad_entities, build_ad_stats
from journey_assets.sandbox.world.content import build_reviews, build_site_performance, build_social, build_surveys
from journey_assets.sandbox.world.funnel import (
    ACTIVITY_TYPES,
    BACKGROUND_LEAD,
    EPISODE_LEAD,
    LEAD_SOURCES,
    LEAD_STATUSES,
    LEAD_TYPES,
    META_LEAD_AD,
    PHONE,
    PURCHASE_MODEL,
    THIRD_PARTY,
    WEBSITE,
    build_activities,
    build_episodes,
    make_leads,
    person_features,
    purchase_leads,
    purchase_probability,
    route_salespeople,
)
from journey_assets.sandbox.world.people import build_people, build_rooftops, build_salespeople
from journey_assets.sandbox.world.util import (
    BUSINESS_HOURS,
    NS_PER_DAY,
    VinFactory,
    day_number,
    ids,
    labels,
    local_to_utc,
    numeric_ids,
    pick,
    stream,
    time_of_day_ns,
)
from journey_assets.sandbox.world.vehicles import (
    CPO,
    NEW,
    USED,
    build_inventory,
    build_owned,
    build_service,
    choose_record,
    concat_owned,
    in_stock_sample,
    new_ownerships,
    owned_frame,
    service_interval_days,
)
from journey_assets.sandbox.world.web import EMAIL, build_events, build_sessions, finalize_sessions

__all__ = ["build_tables", "PURCHASE_MODEL"]

INVENTORY_DAYS = 365
OUTCOME_DAYS = 30


def _chrono_ids(prefix: str, width: int, ts: np.ndarray) -> np.ndarray:
    """Sequential ids in time order, returned in the rows' own order."""
    rank = np.empty(len(ts), dtype=np.int64)
    rank[np.argsort(ts, kind="stable")] = np.arange(len(ts))
    return ids(prefix, len(ts), width)[rank]


def build_tables(n_customers: int, seed: int, as_of: date) -> dict[str, pd.DataFrame]:
    today = day_number(as_of)
    hist_start = today - HISTORY_DAYS + 1
    web_start = today - WEB_DAYS + 1
    inv_start = today - INVENTORY_DAYS + 1
    snapshot = today - OUTCOME_DAYS  # the planted outcome window is days snapshot+1 .. today
    today_end = (today + 1) * NS_PER_DAY - 1
    vins = VinFactory(seed)

    roof = build_rooftops(stream(seed, "rooftops"), n_customers)
    dealer_ids = roof.frame["dealer_id"].to_numpy(dtype=object)
    salespeople = build_salespeople(stream(seed, "salespeople"), roof, n_customers)
    people = build_people(stream(seed, "people"), roof, n_customers, today)
    customers = people.customers
    customer_ids = customers["customer_id"].to_numpy(dtype=object)
    n_persons = people.n_persons

    # --- vehicles held before the outcome window, and their service -------------------
    owned = build_owned(stream(seed, "owned"), vins, roof, people, today, snapshot)
    rng = stream(seed, "sale-times")
    sale_ts_pre = owned.acquired_day * NS_PER_DAY + time_of_day_ns(rng, len(owned), BUSINESS_HOURS)
    service = build_service(stream(seed, "service"), owned, people, roof, customers, today, hist_start)

    # --- who is in market, ad accounts ---------------------------------------------------
    no_leads = make_leads(stream(seed, "none"), [], [], [], [], BACKGROUND_LEAD)
    empty = np.array([], dtype=np.int64)
    static = person_features(
        web_start + 45,
        n_persons,
        owned,
        service.person,
        service.day,
        no_leads,
        empty,
        empty,
        empty,
        np.array([], dtype=bool),
    )
    episodes = build_episodes(stream(seed, "episodes"), static, web_start, today)
    ent = build_ad_entities(stream(seed, "ads"), roof, today, web_start)

    # --- leads known before the outcome is drawn ------------------------------------------
    rng = stream(seed, "leads")
    hist_sales = np.flatnonzero(owned.acquired_here & (owned.acquired_day >= hist_start))
    l_purchase = purchase_leads(rng, owned, sale_ts_pre, hist_sales, 0.6)
    l_purchase = l_purchase[l_purchase["day"].to_numpy() >= hist_start]
    n_ep = len(episodes["person"])
    k = (rng.random(n_ep) < 0.45).astype(np.int64) + (rng.random(n_ep) < 0.12)
    ep = np.repeat(np.arange(n_ep), k)
    ep_person = episodes["person"][ep]
    ep_day = episodes["start"][ep] + (rng.random(len(ep)) * (episodes["end"] - episodes["start"] + 1)[ep]).astype(
        np.int64
    )
    l_episode = make_leads(
        rng,
        ep_person,
        choose_record(rng, people, ep_person, 0.5),
        people.person_dealer[ep_person],
        ep_day,
        EPISODE_LEAD,
    )
    # enough unconverted leads for a ~16% 30-day close rate (Foureyes)
    expected_converting = 0.6 * len(hist_sales) * (1 + 1 / 36) + 0.1 * len(l_episode)
    n_bg = max(0, int(round(expected_converting * 5.2)) - len(l_episode))
    bg_person = rng.integers(0, n_persons, n_bg)
    l_background = make_leads(
        rng,
        bg_person,
        choose_record(rng, people, bg_person, 0.5),
        people.person_dealer[bg_person],
        rng.integers(hist_start, today + 1, n_bg),
        BACKGROUND_LEAD,
    )
    leads_pre = pd.concat([l_purchase, l_episode, l_background], ignore_index=True)
    leads_pre["lead"] = np.arange(len(leads_pre))

    def session_leads(leads: pd.DataFrame, r) -> pd.DataFrame:
        src = leads["source"].to_numpy()
        d = leads["day"].to_numpy()
        want = ((src == WEBSITE) | ((src == PHONE) & (r.random(len(leads)) < 0.3))) & (d >= web_start) & (d <= today)
        return leads[want]

    rng_s = stream(seed, "sessions")
    sess_pre = build_sessions(rng_s, roof, ent, people, episodes, web_start, today, session_leads(leads_pre, rng_s))

    # --- the planted purchase draw ------------------------------------------------------
    def features_at(T, leads, sess):
        return person_features(
            T,
            n_persons,
            owned_all if snapshot < T else owned,
            service.person,
            service.day,
            leads,
            sess["person"].to_numpy(),
            sess["day"].to_numpy(),
            sess["vdp_views"].to_numpy(),
            sess["channel"].to_numpy() == EMAIL,
        )

    owned_all = owned
    feats_prev = features_at(snapshot, leads_pre, sess_pre)
    p_prev = purchase_probability(feats_prev)
    rng = stream(seed, "planted")
    bought_prev = rng.random(n_persons) < p_prev
    buyers = np.flatnonzero(bought_prev)
    nb = len(buyers)
    sale_day = snapshot + 1 + rng.integers(0, OUTCOME_DAYS, nb)
    cond = np.where(rng.random(nb) < 0.6, NEW, np.where(rng.random(nb) < 0.75, USED, CPO))
    planted = new_ownerships(
        rng,
        vins,
        roof,
        people,
        buyers,
        people.person_dealer[buyers],
        sale_day,
        np.ones(nb, dtype=bool),
        cond,
        allow_lease_until=today,
        lease_share=0.4,
    )
    planted.planted[:] = True
    sale_ts_planted = sale_day * NS_PER_DAY + time_of_day_ns(rng, nb, BUSINESS_HOURS)
    l_planted = purchase_leads(
        rng, planted, sale_ts_planted, np.arange(nb), 0.65, min_ns=(snapshot + 1) * NS_PER_DAY - 1
    )
    l_planted["owned"] = l_planted["owned"].to_numpy() + len(owned)
    l_planted["lead"] = len(leads_pre) + np.arange(len(l_planted))
    sess_planted = build_sessions(
        rng, roof, ent, people, episodes, web_start, today, session_leads(l_planted, rng), lead_session_only=True
    )
    owned_all = concat_owned(owned, planted)
    sale_ts = np.concatenate([sale_ts_pre, sale_ts_planted])
    leads = pd.concat([leads_pre, l_planted], ignore_index=True)
    sess = pd.concat([sess_pre, sess_planted], ignore_index=True)
    nl = len(leads)

    # --- inventory ------------------------------------------------------------------------
    sale_idx = np.flatnonzero(owned_all.acquired_here & (owned_all.acquired_day >= hist_start))
    sale_idx = sale_idx[np.argsort(sale_ts[sale_idx], kind="stable")]
    in_feed = sale_idx[owned_all.acquired_day[sale_idx] >= inv_start]
    lead_owned = leads["owned"].to_numpy()
    lead_day = leads["day"].to_numpy()
    earliest_lead = np.full(len(owned_all), 10**9, dtype=np.int64)
    has_owned = lead_owned >= 0
    np.minimum.at(earliest_lead, lead_owned[has_owned], lead_day[has_owned])
    sold = (
        owned_all.spec.iloc[in_feed]
        .reset_index(drop=True)
        .assign(
            dealer=owned_all.dealer[in_feed],
            sold_day=owned_all.acquired_day[in_feed],
            odometer=owned_all.odometer_at_acquisition[in_feed],
            latest_in_day=earliest_lead[in_feed],
        )
    )
    inv = build_inventory(stream(seed, "inventory"), vins, roof, today, sold)
    owned_inv = np.full(len(owned_all), -1, dtype=np.int64)
    owned_inv[in_feed] = np.arange(len(in_feed))

    # --- lead details: vehicle, ad, salesperson ----------------------------------------------
    rng = stream(seed, "lead-details")
    lead_type = leads["type"].to_numpy()
    lead_source = leads["source"].to_numpy()
    lead_dealer = leads["dealer"].to_numpy()
    lead_vehicle = np.where(has_owned, owned_inv[np.maximum(lead_owned, 0)], -1)
    want_vehicle = (
        ~has_owned & (lead_day >= inv_start) & (rng.random(nl) < np.where(np.isin(lead_type, [0, 1, 4, 5]), 0.6, 0.3))
    )
    lead_vehicle[want_vehicle] = in_stock_sample(rng, inv, lead_dealer[want_vehicle], lead_day[want_vehicle])
    meta = lead_source == META_LEAD_AD
    lead_ad = np.full(nl, -1, dtype=np.int64)
    for d in range(roof.n):
        camp = np.flatnonzero((ent.camp_dealer == d) & (ent.camp_kind == LEAD_ADS))[0]
        pool = np.flatnonzero(ent.ad_campaign == camp)
        rows = np.flatnonzero(meta & (lead_dealer == d))
        lead_ad[rows] = pool[rng.integers(0, len(pool), len(rows))]
    lead_customer = leads["customer"].to_numpy()
    lead_sp = route_salespeople(
        rng, salespeople, dealer_ids, lead_dealer, customers["zip"].to_numpy(dtype=object)[lead_customer]
    )

    # --- link deals to leads: the latest lead of the person in the 30 days before -------
    lead_ts = leads["ts"].to_numpy()
    s_frame = pd.DataFrame({"ts": sale_ts[sale_idx], "person": owned_all.person[sale_idx], "sale": sale_idx})
    l_frame = pd.DataFrame({"ts": lead_ts, "person": leads["person"].to_numpy(), "lead": np.arange(nl)})
    linked = pd.merge_asof(
        s_frame.sort_values("ts"),
        l_frame.sort_values("ts"),
        on="ts",
        by="person",
        direction="backward",
        tolerance=OUTCOME_DAYS * NS_PER_DAY,
    )
    linked = linked.dropna(subset=["lead"])
    sale_lead = np.full(len(owned_all), -1, dtype=np.int64)
    sale_lead[linked["sale"].to_numpy()] = linked["lead"].to_numpy().astype(np.int64)
    lead_sold = np.zeros(nl, dtype=bool)
    lead_sale_ts = np.full(nl, np.iinfo(np.int64).max, dtype=np.int64)
    linked_leads = linked["lead"].to_numpy().astype(np.int64)
    lead_sold[linked_leads] = True
    np.minimum.at(lead_sale_ts, linked_leads, linked["ts"].to_numpy())

    act = build_activities(stream(seed, "crm"), lead_ts, lead_type, lead_sold, lead_sale_ts, today_end)

    # --- sessions and events --------------------------------------------------------------------
    rng = stream(seed, "web-final")
    sess, web_sessions, start_local = finalize_sessions(rng, sess, roof, ent, customers, web_start)
    web_events, _, _, _ = build_events(rng, sess, web_sessions, start_local, inv, roof, lead_type, lead_vehicle)

    ad_stats, search_terms = build_ad_stats(
        stream(seed, "ad-stats"),
        ent,
        roof,
        today,
        web_start,
        sess["campaign"].to_numpy(),
        sess["day"].to_numpy(),
        lead_ad,
        lead_day,
    )

    # --- tables: leads, activities, sales ----------------------------------------------------
    lead_ids = _chrono_ids("L", 8, lead_ts)
    sp_ids = salespeople["salesperson_id"].to_numpy(dtype=object)
    n_meta = int(meta.sum())
    leadgen = np.full(nl, None, dtype=object)
    leadgen[meta] = numeric_ids(stream(seed, "leadgen"), n_meta, 1_200_000_000_000_000, 9_973)
    form = np.full(nl, None, dtype=object)
    form[meta] = ent.form_of_ad_group[ent.ad_group_of_ad[lead_ad[meta]]]
    provider = np.full(nl, None, dtype=object)
    tp = lead_source == THIRD_PARTY
    provider[tp] = pick(stream(seed, "providers"), cat.THIRD_PARTY_PROVIDERS, int(tp.sum()), [30, 30, 20, 12, 8])
    leads_table = (
        pd.DataFrame(
            {
                "lead_id": lead_ids,
                "dealer_id": dealer_ids[lead_dealer],
                "customer_id": customer_ids[lead_customer],
                "created_at": local_to_utc(lead_ts, lead_dealer, roof.timezones),
                "lead_type": LEAD_TYPES[lead_type],
                "source": LEAD_SOURCES[lead_source],
                "vehicle_uuid": np.where(lead_vehicle >= 0, inv.uuid[np.maximum(lead_vehicle, 0)], None),
                "status": LEAD_STATUSES[act["status"]],
                "salesperson_id": sp_ids[lead_sp],
                "meta_form_id": form,
                "meta_leadgen_id": leadgen,
                "updated_at": local_to_utc(act["updated"], lead_dealer, roof.timezones),
                "provider": provider,
                "meta_ad_id": np.where(
                    lead_ad >= 0, ent.ads["ad_id"].to_numpy(dtype=object)[np.maximum(lead_ad, 0)], None
                ),
            }
        )
        .sort_values("lead_id", kind="stable")
        .reset_index(drop=True)
    )

    a_lead = act["lead"]
    crm = (
        pd.DataFrame(
            {
                "activity_id": _chrono_ids("A", 9, act["ts"]),
                "lead_id": lead_ids[a_lead],
                "customer_id": customer_ids[lead_customer[a_lead]],
                "dealer_id": dealer_ids[lead_dealer[a_lead]],
                "salesperson_id": sp_ids[lead_sp[a_lead]],
                "activity_type": ACTIVITY_TYPES[act["type"]],
                "occurred_at": local_to_utc(act["ts"], lead_dealer[a_lead], roof.timezones),
                "outcome": act["outcome"],
            }
        )
        .sort_values("activity_id", kind="stable")
        .reset_index(drop=True)
    )

    rng = stream(seed, "deals")
    ns = len(sale_idx)
    s_dealer = owned_all.dealer[sale_idx]
    s_inv = owned_inv[sale_idx]
    spec = owned_all.spec.iloc[sale_idx].reset_index(drop=True)
    cond = spec["condition"].to_numpy()
    msrp = spec["msrp"].to_numpy()
    age = np.maximum(
        pd.Series(owned_all.acquired_day[sale_idx]).pipe(
            lambda s: s.to_numpy().astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        )
        - spec["year"].to_numpy(),
        0,
    )
    est = np.where(
        cond == "new",
        msrp * rng.uniform(0.93, 1.0, ns),
        np.maximum(msrp * 0.86 ** (age + 0.5) * rng.uniform(0.9, 1.05, ns), 4_000),
    )
    from_feed = s_inv >= 0
    price = np.where(from_feed, inv.final_price[np.maximum(s_inv, 0)] * rng.uniform(0.96, 1.0, ns), est).round()
    cost = np.where(
        cond == "new", msrp * 0.915, np.where(from_feed, inv.first_price[np.maximum(s_inv, 0)] * 0.85, price * 0.87)
    )
    gross = (price - cost + rng.uniform(300, 2600, ns)).round(2)
    lease = owned_all.lease[sale_idx]
    sale_type = labels(["lease", "finance", "cash"], np.where(lease, 0, np.where(rng.random(ns) < 0.72, 1, 2)))
    s_lead = sale_lead[sale_idx]
    s_sp = np.where(
        s_lead >= 0,
        lead_sp[np.maximum(s_lead, 0)],
        route_salespeople(rng, salespeople, dealer_ids, s_dealer, np.full(ns, "", dtype=object)),
    )
    sales = pd.DataFrame(
        {
            "deal_id": ids("DL", ns, 8),
            "dealer_id": dealer_ids[s_dealer],
            "customer_id": customer_ids[owned_all.customer[sale_idx]],
            "vehicle_uuid": np.where(from_feed, inv.uuid[np.maximum(s_inv, 0)], None),
            "vin": spec["vin"].to_numpy(dtype=object),
            "sold_at": local_to_utc(sale_ts[sale_idx], s_dealer, roof.timezones),
            "sale_type": sale_type,
            "price": price.astype(float),
            "gross_profit": gross,
            "lead_id": np.where(s_lead >= 0, lead_ids[np.maximum(s_lead, 0)], None),
            "salesperson_id": sp_ids[s_sp],
            "condition": cond,
            "year": spec["year"].to_numpy(),
            "make": spec["make"].to_numpy(dtype=object),
            "model": spec["model"].to_numpy(dtype=object),
        }
    )

    surveys = build_surveys(
        stream(seed, "surveys"),
        roof,
        owned_all.customer[sale_idx],
        s_dealer,
        sale_ts[sale_idx],
        owned.customer[service.vehicle],
        service.dealer,
        service.local_ns,
        customer_ids,
        today_end,
    )
    activity_by_dealer = np.bincount(s_dealer, minlength=roof.n) + np.bincount(service.dealer, minlength=roof.n)
    reviews = build_reviews(stream(seed, "reviews"), roof, salespeople, activity_by_dealer, hist_start, today)
    social = build_social(stream(seed, "social"), roof, inv.frame, web_start, today)
    site_perf = build_site_performance(stream(seed, "pagespeed"), roof, inv.frame, today)

    # --- ground truth ----------------------------------------------------------------------
    rng = stream(seed, "truth")
    feats_now = features_at(today, leads, sess)
    p_now = purchase_probability(feats_now)
    purchased = rng.random(n_persons) < p_now

    last_visit = np.full(n_persons, -(10**9), dtype=np.int64)
    np.maximum.at(last_visit, service.person, service.day)
    since = today - last_visit
    state = labels(
        ["never", "active", "recently_lost", "defected"],
        np.select([last_visit < -(10**8), since <= 365, since <= 730], [0, 1, 2], 3),
    )
    veh_last = owned_all.acquired_day.copy()
    np.maximum.at(veh_last, service.vehicle, service.day)
    next_due = veh_last + service_interval_days(owned_all)
    due_v = (next_due <= today + 30) & (next_due >= today - 180)
    service_due = np.bincount(owned_all.person[due_v], minlength=n_persons) > 0
    lease_v = owned_all.lease & (owned_all.maturity_day >= today) & (owned_all.maturity_day <= today + 183)
    lease_window = np.bincount(owned_all.person[lease_v], minlength=n_persons) > 0

    last_act = last_visit.copy()
    here = owned_all.acquired_here
    np.maximum.at(last_act, owned_all.person[here], owned_all.acquired_day[here])
    np.maximum.at(last_act, leads["person"].to_numpy(), lead_day)
    s_person = sess["person"].to_numpy()
    known = s_person >= 0
    np.maximum.at(last_act, s_person[known], sess["day"].to_numpy()[known])
    dormant = last_act < today - 365
    recent_touch = np.full(n_persons, -(10**9), dtype=np.int64)
    np.maximum.at(recent_touch, leads["person"].to_numpy(), lead_day)
    np.maximum.at(recent_touch, s_person[known], sess["day"].to_numpy()[known])
    quiet_90 = recent_touch < today - 89

    spend = np.bincount(service.person, weights=service.amount, minlength=n_persons) + np.bincount(
        owned_all.person[sale_idx], weights=gross, minlength=n_persons
    )
    threshold = np.quantile(spend[spend > 0], 0.9) if (spend > 0).any() else np.inf
    high_value = (spend > 0) & (spend >= threshold)
    at_risk = (state == "recently_lost") | (lease_window & quiet_90)

    cp = people.customer_person
    truth_customer = pd.DataFrame(
        {
            "customer_id": customer_ids,
            "person_id": people.truth_identity["person_id"].to_numpy(dtype=object),
            "purchase_probability_30d": p_now[cp],
            "purchased_30d": purchased[cp],
            "service_due": service_due[cp],
            "service_state": state[cp],
            "dormant": dormant[cp],
            "lease_end_window": lease_window[cp],
            "high_value": high_value[cp],
            "at_risk": at_risk[cp],
            "purchase_probability_prev30d": p_prev[cp],
            "purchased_prev30d": bought_prev[cp],
        }
    )
    for k in feats_now.columns:
        truth_customer[f"x_{k}"] = feats_now[k].to_numpy()[cp]

    # --- customer creation time: never after the first thing we know about them ------------
    # (compared in UTC: activity can happen at a rooftop in another timezone)
    def utc_ns(local_ns, dealer):
        return pd.DatetimeIndex(local_to_utc(local_ns, dealer, roof.timezones)).asi8.copy()

    created = utc_ns(people.customer_created_ns, people.customer_dealer)
    acquired_ns = np.where(owned_all.acquired_here, sale_ts, owned_all.acquired_day * NS_PER_DAY + 12 * 3_600 * 10**9)
    np.minimum.at(created, owned_all.customer, utc_ns(acquired_ns, owned_all.dealer))
    np.minimum.at(created, owned.customer[service.vehicle], utc_ns(service.local_ns, service.dealer))
    np.minimum.at(created, lead_customer, utc_ns(lead_ts - 60 * 10**9, lead_dealer))
    s_cust = sess["customer"].to_numpy()
    user_known = sess["user_known"].to_numpy() & (s_cust >= 0)
    np.minimum.at(
        created,
        s_cust[user_known],
        utc_ns(sess["day"].to_numpy()[user_known] * NS_PER_DAY, sess["dealer"].to_numpy()[user_known]),
    )
    customers = customers.assign(
        created_at=pd.Series(pd.DatetimeIndex(created.view("datetime64[ns]")).tz_localize("UTC"))
    )

    owned_vehicles = owned_frame(owned_all, customers, dealer_ids, today)

    return {
        "rooftops": roof.frame,
        "salespeople": salespeople,
        "households": people.households,
        "customers": customers,
        "owned_vehicles": owned_vehicles,
        "service_visits": service.frame,
        "inventory": inv.frame,
        "inventory_prices": inv.prices,
        "ad_campaigns": ent.campaigns,
        "ad_groups": ent.ad_groups,
        "ads": ent.ads,
        "keywords": ent.keywords,
        "ad_stats_daily": ad_stats,
        "search_terms_daily": search_terms,
        "web_sessions": web_sessions,
        "web_events": web_events,
        "social_posts": social,
        "reviews": reviews,
        "site_performance": site_perf,
        "leads": leads_table,
        "crm_activities": crm,
        "sales": sales,
        "surveys": surveys,
        "truth_identity": people.truth_identity,
        "truth_vin_errors": inv.vin_errors,
        "truth_customer": truth_customer,
    }
