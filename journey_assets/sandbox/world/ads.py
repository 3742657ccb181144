"""Ad accounts: Google Ads and Meta campaigns, ad groups / ad sets, ads,
keywords, daily stats and search terms.

Paid web sessions are generated first (web.py picks a campaign for each), and
clicks are derived from them here, so for every (date, campaign) clicks >=
sessions and the ratio stays close (about 0.9 Google, 0.8 Meta). Meta lead-ad
campaigns send people to instant forms, not the site: their clicks carry the
lead-ad leads instead (conversions = leads that day).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey_assets.sandbox.world import catalog as cat
from journey_assets.sandbox.world.util import (
    block_cumulative,
    days_to_datetime,
    grouped_pick,
    numeric_ids,
    position_in_group,
)

# kind codes for campaigns
BRAND, NEW_INV, USED_INV, SERVICE, PMAX, HOLIDAY, RETARGET, LEAD_ADS, AWARENESS, META_SERVICE = range(10)
GOOGLE_KINDS = {BRAND, NEW_INV, USED_INV, SERVICE, PMAX, HOLIDAY}
# Share of a rooftop's paid sessions per campaign kind (new inventory split by brand).
SESSION_WEIGHT = {
    BRAND: 0.22,
    NEW_INV: 0.30,
    USED_INV: 0.18,
    SERVICE: 0.08,
    PMAX: 0.22,
    HOLIDAY: 0.0,
    RETARGET: 0.6,
    LEAD_ADS: 0.0,
    AWARENESS: 0.25,
    META_SERVICE: 0.15,
}
CTR = {
    BRAND: 0.14,
    NEW_INV: 0.055,
    USED_INV: 0.05,
    SERVICE: 0.045,
    PMAX: 0.012,
    HOLIDAY: 0.04,
    RETARGET: 0.012,
    LEAD_ADS: 0.009,
    AWARENESS: 0.004,
    META_SERVICE: 0.01,
}
CPC = {BRAND: 1.3, NEW_INV: 2.9, USED_INV: 2.3, SERVICE: 3.6, PMAX: 0.9, HOLIDAY: 2.5}
CPM = {RETARGET: 12.0, LEAD_ADS: 16.0, AWARENESS: 7.0, META_SERVICE: 11.0}
CVR = {
    BRAND: 0.08,
    NEW_INV: 0.05,
    USED_INV: 0.05,
    SERVICE: 0.09,
    PMAX: 0.03,
    HOLIDAY: 0.04,
    RETARGET: 0.015,
    AWARENESS: 0.0,
    META_SERVICE: 0.02,
}
SESSION_RATIO = {"google_ads": 0.9, "meta": 0.8}


@dataclass
class AdEntities:
    campaigns: pd.DataFrame
    ad_groups: pd.DataFrame
    ads: pd.DataFrame
    keywords: pd.DataFrame
    camp_dealer: np.ndarray
    camp_kind: np.ndarray
    camp_platform: np.ndarray  # 0 google, 1 meta
    camp_first_day: np.ndarray
    camp_last_day: np.ndarray
    ad_campaign: np.ndarray  # campaign index per ad (ads sorted by campaign)
    ad_group_of_ad: np.ndarray
    ad_cum: np.ndarray  # cumulative click share of each ad within its campaign
    ag_campaign: np.ndarray
    form_of_ad_group: np.ndarray


def _kw(text: str, match: str) -> tuple[str, str]:
    return (text.lower(), match)


def build_ad_entities(rng: np.random.Generator, roof, today: int, web_start: int) -> AdEntities:
    camps, groups = [], []  # (dealer, kind, name, objective, status, first, last), (camp, name, keywords)
    for d, metro in enumerate(roof.metros):
        city = metro.city
        name = metro.rooftop_name
        c = len(camps)
        camps.append((d, BRAND, f"{name} | Brand | Search", "SEARCH", "ENABLED", web_start - 400, today))
        groups.append((c, "Dealer Name", [_kw(name, "EXACT"), _kw(name, "PHRASE"), _kw(f"{name} service", "PHRASE")]))
        groups.append(
            (
                c,
                "Dealer Near Me",
                [
                    kw
                    for b in metro.brands
                    for kw in (_kw(f"{b} dealer near me", "PHRASE"), _kw(f"{b} dealership {city}", "BROAD"))
                ],
            )
        )
        for b in metro.brands:
            c = len(camps)
            camps.append((d, NEW_INV, f"{b} | New Inventory | Search", "SEARCH", "ENABLED", web_start - 300, today))
            top = sorted((m for m in cat.MODELS if m.make == b), key=lambda m: -m.popularity)[:3]
            for m in top:
                groups.append(
                    (
                        c,
                        m.name,
                        [
                            _kw(f"{b} {m.name}", "EXACT"),
                            _kw(f"new {m.name}", "PHRASE"),
                            _kw(f"{m.name} for sale {city}", "BROAD"),
                            _kw(f"{m.name} lease deals", "PHRASE"),
                        ],
                    )
                )
        c = len(camps)
        camps.append((d, USED_INV, "Used Inventory | Search", "SEARCH", "ENABLED", web_start - 250, today))
        groups.append(
            (
                c,
                "Used Cars",
                [
                    _kw(f"used cars {city}", "PHRASE"),
                    _kw("used cars for sale", "BROAD"),
                    _kw(f"certified pre owned {metro.brands[0]}", "PHRASE"),
                ],
            )
        )
        groups.append((c, "Used Trucks", [_kw("used trucks for sale", "PHRASE"), _kw(f"used pickup {city}", "BROAD")]))
        groups.append((c, "Used SUVs", [_kw("used suv for sale", "PHRASE"), _kw("used suvs near me", "BROAD")]))
        c = len(camps)
        camps.append((d, SERVICE, "Service | Search", "SEARCH", "ENABLED", web_start - 200, today))
        groups.append(
            (c, "Oil Change", [_kw("oil change near me", "PHRASE"), _kw(f"{metro.brands[0]} oil change", "EXACT")])
        )
        groups.append((c, "Brakes & Tires", [_kw(f"brake repair {city}", "BROAD"), _kw("tires near me", "PHRASE")]))
        c = len(camps)
        camps.append(
            (d, PMAX, "Performance Max | Vehicle Listings", "PERFORMANCE_MAX", "ENABLED", web_start - 150, today)
        )
        groups.append((c, "New Inventory", []))
        groups.append((c, "Used Inventory", []))
        c = len(camps)
        camps.append((d, HOLIDAY, "Year End Sales Event", "SEARCH", "PAUSED", web_start - 330, web_start - 200))
        groups.append((c, "Year End", [_kw("year end car deals", "BROAD")]))
        c = len(camps)
        camps.append((d, RETARGET, "Retargeting | VDP Viewers", "OUTCOME_TRAFFIC", "ACTIVE", web_start - 120, today))
        groups.append((c, "VDP Viewers 30d", []))
        groups.append((c, "SRP Viewers 14d", []))
        c = len(camps)
        camps.append((d, LEAD_ADS, "Lead Ads | Trade-In Value", "OUTCOME_LEADS", "ACTIVE", today - 1094, today))
        groups.append((c, "Local 25mi", []))
        groups.append((c, "Lookalike 1%", []))
        c = len(camps)
        camps.append((d, AWARENESS, "Awareness | Local Reach", "OUTCOME_AWARENESS", "ACTIVE", web_start - 60, today))
        groups.append((c, "Local 15mi", []))
        c = len(camps)
        camps.append((d, META_SERVICE, "Service Specials", "OUTCOME_TRAFFIC", "PAUSED", web_start - 30, today - 30))
        groups.append((c, "Owners 20mi", []))

    nc = len(camps)
    camp_dealer = np.array([c[0] for c in camps])
    camp_kind = np.array([c[1] for c in camps])
    camp_platform = np.array([0 if k in GOOGLE_KINDS else 1 for k in camp_kind])
    platform_name = np.array(["google_ads", "meta"], dtype=object)[camp_platform]
    account = np.where(
        camp_platform == 0,
        roof.frame["google_ads_customer_id"].to_numpy(dtype=object)[camp_dealer],
        roof.frame["meta_ad_account_id"].to_numpy(dtype=object)[camp_dealer],
    )
    google_ids = numeric_ids(rng, nc, 21_000_000_000, 7919)
    meta_ids = numeric_ids(rng, nc, 120_210_000_000_000_000, 104_729)
    camp_id = np.where(camp_platform == 0, google_ids, meta_ids).astype(object)
    budget = np.array(
        [
            {
                BRAND: 40,
                NEW_INV: 120,
                USED_INV: 90,
                SERVICE: 35,
                PMAX: 150,
                HOLIDAY: 100,
                RETARGET: 60,
                LEAD_ADS: 70,
                AWARENESS: 40,
                META_SERVICE: 30,
            }[k]
            for k in camp_kind
        ],
        dtype=float,
    )
    campaigns = pd.DataFrame(
        {
            "campaign_id": camp_id,
            "dealer_id": roof.frame["dealer_id"].to_numpy(dtype=object)[camp_dealer],
            "platform": platform_name,
            "account_id": account,
            "campaign_name": [c[2] for c in camps],
            "objective": [c[3] for c in camps],
            "status": [c[4] for c in camps],
            "start_date": days_to_datetime(np.array([c[5] for c in camps])),
            "end_date": days_to_datetime(np.array([c[6] for c in camps])),
            "daily_budget": budget,
        }
    )

    ng = len(groups)
    ag_campaign = np.array([g[0] for g in groups])
    ag_platform = camp_platform[ag_campaign]
    ag_id = np.where(
        ag_platform == 0,
        numeric_ids(rng, ng, 150_000_000_000, 3571),
        numeric_ids(rng, ng, 120_211_000_000_000_000, 65_537),
    ).astype(object)
    ad_groups = pd.DataFrame(
        {
            "ad_group_id": ag_id,
            "campaign_id": camp_id[ag_campaign],
            "platform": platform_name[ag_campaign],
            "name": [g[1] for g in groups],
        }
    )

    # Two ads per ad group / ad set.
    ad_group_of_ad = np.repeat(np.arange(ng), 2)
    na = len(ad_group_of_ad)
    ad_campaign = ag_campaign[ad_group_of_ad]
    ad_platform = camp_platform[ad_campaign]
    ad_id = np.where(
        ad_platform == 0,
        numeric_ids(rng, na, 690_000_000_000, 2693),
        numeric_ids(rng, na, 120_212_000_000_000_000, 50_021),
    ).astype(object)
    slot = position_in_group(np.full(ng, 2))
    ad_name = np.where(
        ad_platform == 0,
        np.where(slot == 0, "Responsive Search Ad A", "Responsive Search Ad B"),
        np.where(slot == 0, "Carousel | In Stock", "Single Image | Offer"),
    ).astype(object)
    pmax = camp_kind[ad_campaign] == PMAX
    ad_name[pmax] = np.where(slot[pmax] == 0, "Asset Group Listing A", "Asset Group Listing B")
    ads = pd.DataFrame(
        {
            "ad_id": ad_id,
            "ad_group_id": ag_id[ad_group_of_ad],
            "campaign_id": camp_id[ad_campaign],
            "platform": platform_name[ad_campaign],
            "name": ad_name,
        }
    )
    ad_w = rng.gamma(4.0, 1.0, na)
    ad_cum = block_cumulative(ad_w, ad_campaign)

    kw_rows = [(gi, text, match) for gi, g in enumerate(groups) for text, match in g[2]]
    nk = len(kw_rows)
    kw_group = np.array([r[0] for r in kw_rows])
    keywords = pd.DataFrame(
        {
            "keyword_id": numeric_ids(rng, nk, 300_000_000_000, 1009),
            "ad_group_id": ag_id[kw_group],
            "text": [r[1] for r in kw_rows],
            "match_type": [r[2] for r in kw_rows],
            "campaign_id": camp_id[ag_campaign[kw_group]],
        }
    )
    # Lead-ad forms: one instant form per lead-ads ad set.
    form_of_ad_group = np.full(ng, None, dtype=object)
    lead_sets = np.flatnonzero(camp_kind[ag_campaign] == LEAD_ADS)
    form_of_ad_group[lead_sets] = numeric_ids(rng, len(lead_sets), 800_000_000_000_000, 7_001)
    return AdEntities(
        campaigns=campaigns,
        ad_groups=ad_groups,
        ads=ads,
        keywords=keywords,
        camp_dealer=camp_dealer,
        camp_kind=camp_kind,
        camp_platform=camp_platform,
        camp_first_day=np.array([c[5] for c in camps]),
        camp_last_day=np.array([c[6] for c in camps]),
        ad_campaign=ad_campaign,
        ad_group_of_ad=ad_group_of_ad,
        ad_cum=ad_cum,
        ag_campaign=ag_campaign,
        form_of_ad_group=form_of_ad_group,
    )


def assign_campaigns(rng, ent: AdEntities, dealer: np.ndarray, platform: np.ndarray, day: np.ndarray) -> np.ndarray:
    """A campaign for each paid session (platform 0 google, 1 meta): drawn by the
    rooftop's traffic weights among campaigns live that day."""
    w = np.array([SESSION_WEIGHT[k] for k in ent.camp_kind])
    n_brands = np.bincount(ent.camp_dealer[ent.camp_kind == NEW_INV], minlength=ent.camp_dealer.max() + 1)
    w = np.where(ent.camp_kind == NEW_INV, w / np.maximum(n_brands[ent.camp_dealer], 1), w)
    group = ent.camp_dealer * 2 + ent.camp_platform
    order = np.lexsort((np.arange(len(group)), group))
    cum = block_cumulative(w[order], group[order])
    choice = order[grouped_pick(rng, dealer * 2 + platform, group[order], cum)]
    dead = (day < ent.camp_first_day[choice]) | (day > ent.camp_last_day[choice])
    if dead.any():
        # fall back to the rooftop's always-on campaign of that platform
        fallback = {}
        for c in np.flatnonzero(np.isin(ent.camp_kind, [BRAND, RETARGET])):
            fallback[(ent.camp_dealer[c], ent.camp_platform[c])] = c
        fb = np.array([fallback[(d, p)] for d, p in zip(ent.camp_dealer, ent.camp_platform, strict=True)])
        # map via any campaign of same dealer/platform (the chosen one)
        choice = np.where(dead, fb[choice], choice)
    return choice


def build_ad_stats(
    rng,
    ent: AdEntities,
    roof,
    today: int,
    web_start: int,
    sess_campaign: np.ndarray,
    sess_day: np.ndarray,
    lead_ad: np.ndarray,
    lead_day: np.ndarray,
):
    """ad_stats_daily and search_terms_daily for the web window."""
    days = np.arange(web_start, today + 1)
    nd = len(days)
    nc = len(ent.camp_kind)
    na = len(ent.ad_campaign)
    paid = sess_campaign >= 0
    sessions = np.bincount(sess_campaign[paid] * nd + (sess_day[paid] - web_start), minlength=nc * nd)
    in_win = (lead_ad >= 0) & (lead_day >= web_start) & (lead_day <= today)
    ad_leads = np.bincount(lead_ad[in_win] * nd + (lead_day[in_win] - web_start), minlength=na * nd)
    camp_leads = np.bincount(ent.ad_campaign[lead_ad[in_win]] * nd + (lead_day[in_win] - web_start), minlength=nc * nd)

    cell_camp = np.repeat(np.arange(nc), nd)
    cell_day = np.tile(days, nc)
    active = (cell_day >= ent.camp_first_day[cell_camp]) & (cell_day <= ent.camp_last_day[cell_camp])
    ratio = np.where(ent.camp_platform[cell_camp] == 0, SESSION_RATIO["google_ads"], SESSION_RATIO["meta"])
    extra = rng.poisson(sessions * (1 / ratio - 1) + np.where(sessions > 0, 0.05, 0.3)) * active
    lead_campaign = ent.camp_kind[cell_camp] == LEAD_ADS
    extra = np.where(lead_campaign, rng.poisson(camp_leads * 1.6 + 2.0) * active, extra)
    # Spread the extra clicks over the campaign's ads; sessions' and leads' clicks are fixed first.
    cell_of_click = np.repeat(np.arange(nc * nd), extra)
    ad_of_click = grouped_pick(rng, cell_camp[cell_of_click], ent.ad_campaign, ent.ad_cum)
    ad_cell = ad_of_click * nd + (cell_day[cell_of_click] - web_start)
    clicks = np.bincount(ad_cell, minlength=na * nd)
    # sessions belong to ads too: split each cell's sessions the same way
    cell_of_sess = np.repeat(np.arange(nc * nd), sessions)
    ad_of_sess = grouped_pick(rng, cell_camp[cell_of_sess], ent.ad_campaign, ent.ad_cum)
    clicks += np.bincount(ad_of_sess * nd + (cell_day[cell_of_sess] - web_start), minlength=na * nd)
    clicks += ad_leads

    a_ad = np.repeat(np.arange(na), nd)
    a_day = np.tile(days, na)
    a_camp = ent.ad_campaign[a_ad]
    a_kind = ent.camp_kind[a_camp]
    live = (a_day >= ent.camp_first_day[a_camp]) & (a_day <= ent.camp_last_day[a_camp])
    ctr = np.array([CTR[k] for k in range(10)])[a_kind] * np.exp(rng.normal(0, 0.25, na * nd))
    impressions = np.maximum(np.round(clicks / ctr + rng.poisson(3, na * nd)), clicks).astype(np.int64)
    cpc = np.array([CPC.get(k, 0.0) for k in range(10)])[a_kind] * np.exp(rng.normal(0, 0.2, na * nd))
    cpm = np.array([CPM.get(k, 0.0) for k in range(10)])[a_kind] * np.exp(rng.normal(0, 0.15, na * nd))
    google = ent.camp_platform[a_camp] == 0
    spend = np.where(google, clicks * cpc, impressions * cpm / 1000).round(2)
    cvr = np.array([CVR.get(k, 0.0) for k in range(10)])[a_kind]
    conversions = np.where(a_kind == LEAD_ADS, ad_leads, rng.binomial(clicks, cvr)).astype(np.int64)
    keep = live
    dealer_ids = roof.frame["dealer_id"].to_numpy(dtype=object)
    camps = ent.campaigns
    stats = pd.DataFrame(
        {
            "date": days_to_datetime(a_day[keep]),
            "platform": camps["platform"].to_numpy(dtype=object)[a_camp[keep]],
            "dealer_id": dealer_ids[ent.camp_dealer[a_camp[keep]]],
            "account_id": camps["account_id"].to_numpy(dtype=object)[a_camp[keep]],
            "campaign_id": camps["campaign_id"].to_numpy(dtype=object)[a_camp[keep]],
            "ad_group_id": ent.ad_groups["ad_group_id"].to_numpy(dtype=object)[ent.ad_group_of_ad[a_ad[keep]]],
            "ad_id": ent.ads["ad_id"].to_numpy(dtype=object)[a_ad[keep]],
            "impressions": impressions[keep],
            "clicks": clicks[keep].astype(np.int64),
            "spend": spend[keep],
            "conversions": conversions[keep],
        }
    )

    # Search terms: each search ad group's clicks spread over its keywords' terms.
    kw = ent.keywords
    ag_index = {a: i for i, a in enumerate(ent.ad_groups["ad_group_id"])}
    kw_ag = kw["ad_group_id"].map(ag_index).to_numpy()
    terms, term_kw, term_w = [], [], []
    city_of_camp = np.array([m.city.lower() for m in roof.metros], dtype=object)[ent.camp_dealer]
    for k, (text, match) in enumerate(zip(kw["text"], kw["match_type"], strict=True)):
        city = city_of_camp[ent.ag_campaign[kw_ag[k]]]
        variants = [text]
        if match == "PHRASE":
            variants += [f"{text} near me", f"best {text}", f"{text} {city}"]
        elif match == "BROAD":
            variants += [f"{text} prices", f"cheap {text}", f"{text} reviews", f"{text} open sunday"]
        for v_i, v in enumerate(variants):
            terms.append(v)
            term_kw.append(k)
            term_w.append(1.0 if v_i == 0 else 0.35)
    term_kw = np.array(term_kw)
    term_ag = kw_ag[term_kw]
    order = np.lexsort((np.arange(len(term_ag)), term_ag))
    term_cum = block_cumulative(np.array(term_w)[order], term_ag[order])
    search_camp = (
        (ent.camp_kind == BRAND)
        | (ent.camp_kind == NEW_INV)
        | (ent.camp_kind == USED_INV)
        | (ent.camp_kind == SERVICE)
        | (ent.camp_kind == HOLIDAY)
    )
    ag_day_clicks = np.bincount(
        ent.ad_group_of_ad[a_ad] * nd + (a_day - web_start), weights=clicks, minlength=len(ent.ag_campaign) * nd
    ).astype(np.int64)
    g_cell = np.arange(len(ent.ag_campaign) * nd)
    g_ag = g_cell // nd
    has_terms = search_camp[ent.ag_campaign[g_ag]] & np.isin(g_ag, term_ag)
    ag_day_clicks = np.where(has_terms, ag_day_clicks, 0)
    cell_of_click = np.repeat(g_cell, ag_day_clicks)
    term_of_click = order[grouped_pick(rng, g_ag[cell_of_click], term_ag[order], term_cum)]
    nt = len(terms)
    key = cell_of_click * nt + term_of_click
    uniq, cnt = np.unique(key, return_counts=True)
    t_cell, t_term = uniq // nt, uniq % nt
    t_ag = t_cell // nd
    t_day = web_start + t_cell % nd
    m = len(uniq)
    t_impr = np.maximum(np.round(cnt / (0.06 * np.exp(rng.normal(0, 0.3, m)))), cnt).astype(np.int64)
    t_cost = (
        cnt
        * np.array([CPC.get(k, 0.0) for k in range(10)])[ent.camp_kind[ent.ag_campaign[t_ag]]]
        * np.exp(rng.normal(0, 0.2, m))
    ).round(2)
    t_camp = ent.ag_campaign[t_ag]
    search_terms = pd.DataFrame(
        {
            "date": days_to_datetime(t_day),
            "dealer_id": dealer_ids[ent.camp_dealer[t_camp]],
            "campaign_id": camps["campaign_id"].to_numpy(dtype=object)[t_camp],
            "ad_group_id": ent.ad_groups["ad_group_id"].to_numpy(dtype=object)[t_ag],
            "keyword_id": kw["keyword_id"].to_numpy(dtype=object)[term_kw[t_term]],
            "search_term": np.array(terms, dtype=object)[t_term],
            "impressions": t_impr,
            "clicks": cnt.astype(np.int64),
            "cost": t_cost,
        }
    )
    return stats, search_terms
