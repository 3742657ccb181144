"""Social posts, Google reviews, PageSpeed results and customer surveys."""

from __future__ import annotations

import string

import numpy as np
import pandas as pd

from journey_assets.sandbox.world import catalog as cat
from journey_assets.sandbox.world.util import (
    BUSINESS_HOURS,
    NS_PER_DAY,
    NS_PER_HOUR,
    WEB_HOURS,
    ids,
    labels,
    local_to_utc,
    pick,
    pick_index,
    time_of_day_ns,
    to_str,
)

NETWORKS = np.array(["facebook", "instagram", "twitter", "linkedin"], dtype=object)
POST_TEMPLATES = np.array(
    [
        "Just arrived: {year} {make} {model} {trim} in {color}. Come see it at {dealer}! #{make} #NewArrival",
        "Fresh on the lot: this {year} {make} {model} won't last long. Test drive it today at {dealer}.",
        "Service special this week: ${oil} oil change with a free multi-point inspection. Book online!",
        "Congratulations to the {last} family on their new {model}! Thank you for choosing {dealer}.",
        "Weekend event at {dealer}: special financing on select {make} models. See you Saturday!",
        "Is your lease ending soon? Our team can show you pull-ahead options on a new {model}.",
        "Tire season tip: check your tread depth with a penny. Need new tires? Our service team is ready.",
        "Meet our team! Stop by {dealer} in {city} for coffee and a look at the new {model}.",
    ],
    dtype=object,
)
REVIEW_GOOD = np.array(
    [
        "Great experience buying my {model}. {sp} was patient and answered every question.",
        "Fast, friendly service department. My oil change was done in under an hour.",
        "No pressure, fair price, and the financing was quick. Highly recommend {dealer}.",
        "Best dealership experience I've had. Ask for {sp}!",
        "Clean facility, honest service advisors, and they washed my car too.",
        "Traded in my old car and drove home in a new {model} the same day. Smooth process.",
    ],
    dtype=object,
)
REVIEW_MID = np.array(
    [
        "Buying was fine but the paperwork took almost three hours.",
        "Service was ok, a bit pricier than I expected.",
        "Nice staff, but they were out of loaners when I came in.",
    ],
    dtype=object,
)
REVIEW_BAD = np.array(
    [
        "Waited two hours past my appointment time and nobody called me back.",
        "They added fees at signing that were never mentioned before. Disappointed.",
        "My car came back from service with the same noise. Had to return twice.",
        "Nobody replied to my online inquiry for three days.",
    ],
    dtype=object,
)
REPLY_GOOD = "Thank you for the kind words, {first}! We're glad you had a great experience at {dealer}."
REPLY_BAD = (
    "We're sorry to hear this, {first}. Please call our customer care manager at {phone} so we can make it right."
)


def fill(templates, which: np.ndarray, **cols) -> np.ndarray:
    """Render templates[which[i]] with row i of each column: one pass of array
    concatenation per template, no per-row formatting."""
    which = np.asarray(which)
    out = np.empty(len(which), dtype=object)
    for t, tmpl in enumerate(templates):
        rows = np.flatnonzero(which == t)
        if not len(rows):
            continue
        acc = np.full(len(rows), "", dtype=object)
        for literal, field, _, _ in string.Formatter().parse(tmpl):
            acc = acc + literal
            if field is not None:
                acc = acc + np.asarray(cols[field], dtype=object)[rows]
        out[rows] = acc
    return out


def build_social(rng, roof, inv_frame: pd.DataFrame, web_start: int, today: int) -> pd.DataFrame:
    nd = today - web_start + 1
    per = rng.poisson(5.5 / 7 * nd, roof.n)
    dealer = np.repeat(np.arange(roof.n), per)
    n = len(dealer)
    day = web_start + rng.integers(0, nd, n)
    ts = local_to_utc(day * NS_PER_DAY + time_of_day_ns(rng, n, BUSINESS_HOURS), dealer, roof.timezones)
    network = pick_index(rng, n, [40, 40, 10, 10])
    inv_dealer = pd.Index(roof.frame["dealer_id"]).get_indexer(inv_frame["dealer_id"])
    veh = np.zeros(n, dtype=np.int64)
    for d in range(roof.n):
        rows = np.flatnonzero(dealer == d)
        pool = np.flatnonzero(inv_dealer == d)
        veh[rows] = pool[rng.integers(0, len(pool), len(rows))]
    names = roof.frame["name"].to_numpy(dtype=object)
    text = fill(
        POST_TEMPLATES,
        rng.integers(0, len(POST_TEMPLATES), n),
        year=to_str(inv_frame["year"].to_numpy()[veh]),
        make=inv_frame["make"].to_numpy(dtype=object)[veh],
        model=inv_frame["model"].to_numpy(dtype=object)[veh],
        trim=inv_frame["trim"].to_numpy(dtype=object)[veh],
        color=inv_frame["exterior_color"].to_numpy(dtype=object)[veh],
        dealer=names[dealer],
        oil=to_str(rng.choice([39, 49, 59], n)),
        last=pick(rng, cat.LAST_NAMES, n, cat.LAST_NAMES_W),
        city=np.array([m.city for m in roof.metros], dtype=object)[dealer],
    )
    followers = np.array([4000, 6000, 900, 600])[network] * rng.uniform(0.6, 1.6, roof.n)[dealer]
    reach = rng.poisson(followers * rng.uniform(0.08, 0.4, n))
    impressions = (reach * rng.uniform(1.1, 1.6, n)).astype(np.int64)
    return pd.DataFrame(
        {
            "post_id": ids("SP-", n, 7),
            "dealer_id": roof.frame["dealer_id"].to_numpy(dtype=object)[dealer],
            "network": NETWORKS[network],
            "published_at": ts,
            "text": text,
            "likes": rng.binomial(reach, 0.025),
            "comments": rng.binomial(reach, 0.003),
            "shares": rng.binomial(reach, 0.002),
            "mentions": rng.poisson(0.3, n),
            "reach": reach.astype(np.int64),
            "impressions": impressions,
            "clicks": rng.binomial(reach, 0.008),
        }
    )


def build_reviews(
    rng, roof, salespeople: pd.DataFrame, activity_by_dealer: np.ndarray, hist_start: int, today: int
) -> pd.DataFrame:
    """Google Business Profile reviews over the history window, roughly 4% of deals
    and service visits; ratings skew to 5 with a heavy 1-star tail."""
    per = rng.poisson(np.maximum(activity_by_dealer * 0.04, 20))
    dealer = np.repeat(np.arange(roof.n), per)
    n = len(dealer)
    day = hist_start + np.sort(rng.integers(0, today - hist_start + 1, n))
    created_local = day * NS_PER_DAY + time_of_day_ns(rng, n, WEB_HOURS)
    rating = 1 + pick_index(rng, n, [9, 4, 5, 12, 70])
    first = np.where(
        rng.random(n) < 0.5,
        pick(rng, cat.FIRST_NAMES_MALE, n, cat.FIRST_NAMES_MALE_W),
        pick(rng, cat.FIRST_NAMES_FEMALE, n, cat.FIRST_NAMES_FEMALE_W),
    ).astype(object)
    last = pick(rng, cat.LAST_NAMES, n, cat.LAST_NAMES_W)
    reviewer = np.where(rng.random(n) < 0.7, first + " " + last, first + " " + pd.Series(last).str[:1] + ".")
    sp_first = salespeople["first_name"].to_numpy(dtype=object)
    sp_dealer = salespeople["dealer_id"].to_numpy(dtype=object)
    dealer_ids = roof.frame["dealer_id"].to_numpy(dtype=object)
    sp_pick = np.empty(n, dtype=object)
    model = np.empty(n, dtype=object)
    for d in range(roof.n):
        mask = dealer == d
        pool = sp_first[sp_dealer == dealer_ids[d]]
        sp_pick[mask] = pool[rng.integers(0, len(pool), int(mask.sum()))]
        models = np.array([m.name for m in cat.MODELS if m.make in roof.metros[d].brands], dtype=object)
        model[mask] = models[rng.integers(0, len(models), int(mask.sum()))]
    templates = np.concatenate([REVIEW_GOOD, REVIEW_MID, REVIEW_BAD])
    ng, nm, nb = len(REVIEW_GOOD), len(REVIEW_MID), len(REVIEW_BAD)
    which = np.where(
        rating >= 4,
        rng.integers(0, ng, n),
        np.where(rating == 3, ng + rng.integers(0, nm, n), ng + nm + rng.integers(0, nb, n)),
    )
    names = roof.frame["name"].to_numpy(dtype=object)
    comment = fill(templates, which, model=model, sp=sp_pick, dealer=names[dealer])
    comment = np.where(rng.random(n) < 0.15, None, comment)  # rating-only reviews
    answered = rng.random(n) < np.where(day > today - 14, 0.4, 0.78)
    reply_local = created_local + (np.exp(rng.normal(np.log(20), 1.0, n)) * NS_PER_HOUR).astype(np.int64)
    answered &= reply_local < (today + 1) * NS_PER_DAY
    reply = fill(
        [REPLY_GOOD, REPLY_BAD],
        (rating < 4).astype(int),
        first=first,
        dealer=names[dealer],
        phone=roof.frame["phone"].to_numpy(dtype=object)[dealer],
    )
    reply_at = local_to_utc(reply_local, dealer, roof.timezones)
    return pd.DataFrame(
        {
            "review_id": ids("RV", n, 7),
            "dealer_id": dealer_ids[dealer],
            "reviewer_name": reviewer.astype(object),
            "rating": rating.astype(np.int64),
            "comment": comment,
            "created_at": local_to_utc(created_local, dealer, roof.timezones),
            "reply_comment": np.where(answered, reply, None),
            "reply_at": reply_at.where(answered, pd.NaT),
        }
    )


def build_site_performance(rng, roof, inv_frame: pd.DataFrame, today: int) -> pd.DataFrame:
    """One PageSpeed Insights (Lighthouse) result per rooftop, template and strategy."""
    rows = []
    unsold = inv_frame[inv_frame["date_sold"].isna()]
    for d in range(roof.n):
        site = roof.frame["website"].iloc[d]
        vdp = unsold.loc[unsold["dealer_id"] == roof.frame["dealer_id"].iloc[d], "vdp_url"]
        vdp_url = vdp.iloc[0] if len(vdp) else site + "/inventory/"
        for template, url in (("home", site + "/"), ("srp", site + "/used-vehicles/"), ("vdp", vdp_url)):
            for strategy in ("mobile", "desktop"):
                rows.append((d, template, url, strategy))
    n = len(rows)
    mobile = np.array([r[3] == "mobile" for r in rows])
    heavy = np.array([{"home": 1.0, "srp": 1.25, "vdp": 1.15}[r[1]] for r in rows])
    lcp = np.where(mobile, rng.uniform(2600, 6200, n), rng.uniform(1000, 2600, n)) * heavy
    fcp = lcp * rng.uniform(0.35, 0.6, n)
    ttfb = rng.uniform(180, 1100, n)
    inp = np.where(mobile, rng.uniform(150, 520, n), rng.uniform(60, 220, n))
    cls = np.round(rng.gamma(1.5, 0.06, n), 3)
    score = np.clip(1.15 - lcp / 7000 - cls - inp / 2000 + rng.normal(0, 0.03, n), 0.05, 0.99).round(2)
    return pd.DataFrame(
        {
            "dealer_id": roof.frame["dealer_id"].to_numpy(dtype=object)[[r[0] for r in rows]],
            "template": [r[1] for r in rows],
            "url": [r[2] for r in rows],
            "strategy": [r[3] for r in rows],
            "performance_score": score,
            "lcp_ms": lcp.round().astype(np.int64),
            "inp_ms": inp.round().astype(np.int64),
            "cls": cls,
            "fcp_ms": fcp.round().astype(np.int64),
            "ttfb_ms": ttfb.round().astype(np.int64),
            "fetched_date": pd.Series(np.repeat(np.datetime64(int(today), "D"), n).astype("datetime64[ns]")),
        }
    )


def build_surveys(
    rng,
    roof,
    sales_customer,
    sales_dealer,
    sales_local_ns,
    svc_customer,
    svc_dealer,
    svc_local_ns,
    customer_ids: np.ndarray,
    today_end: int,
) -> pd.DataFrame:
    """NPS surveys after deals (80% sent) and service visits (20% sent); about 45%
    answer, `score` is null for the rest."""
    s_pick = rng.random(len(sales_customer)) < 0.8
    v_pick = rng.random(len(svc_customer)) < 0.2
    customer = np.concatenate([sales_customer[s_pick], svc_customer[v_pick]])
    dealer = np.concatenate([sales_dealer[s_pick], svc_dealer[v_pick]])
    base = np.concatenate([sales_local_ns[s_pick], svc_local_ns[v_pick]])
    trigger = labels(
        ["sale", "service"], np.r_[np.zeros(int(s_pick.sum()), np.int64), np.ones(int(v_pick.sum()), np.int64)]
    )
    n = len(customer)
    sent = base + (rng.uniform(0.5, 3, n) * NS_PER_DAY).astype(np.int64)
    responded_local = sent + (np.exp(rng.normal(np.log(10), 1.2, n)) * NS_PER_HOUR).astype(np.int64)
    keep = sent <= today_end
    customer, dealer, sent, responded_local, trigger = (
        a[keep] for a in (customer, dealer, sent, responded_local, trigger)
    )
    n = len(customer)
    order = np.argsort(sent, kind="stable")
    customer, dealer, sent, responded_local, trigger = (
        a[order] for a in (customer, dealer, sent, responded_local, trigger)
    )
    answered = (rng.random(n) < 0.45) & (responded_local <= today_end)
    score = np.select(
        [rng.random(n) < 0.62, rng.random(n) < 0.6],
        [rng.integers(9, 11, n), rng.integers(7, 9, n)],
        rng.integers(0, 7, n),
    )
    return pd.DataFrame(
        {
            "survey_id": ids("SV", n, 8),
            "customer_id": customer_ids[customer],
            "dealer_id": roof.frame["dealer_id"].to_numpy(dtype=object)[dealer],
            "sent_at": local_to_utc(sent, dealer, roof.timezones),
            "score": pd.Series(score).astype("Int64").where(answered, pd.NA),
            "trigger": trigger,
            "responded_at": local_to_utc(responded_local, dealer, roof.timezones).where(answered, pd.NaT),
        }
    )
