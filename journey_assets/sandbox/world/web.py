"""Website traffic in GA4's shape: sessions (known customers, their shopping
episodes, email clicks, lead submissions, anonymous visitors) and their events."""

from __future__ import annotations

import numpy as np
import pandas as pd

from journey_assets.sandbox.world import catalog as cat
from journey_assets.sandbox.world.ads import assign_campaigns
from journey_assets.sandbox.world.util import (
    NS_PER_DAY,
    NS_PER_SEC,
    WEB_HOURS,
    block_cumulative,
    grouped_pick,
    ids,
    labels,
    local_to_utc,
    pick,
    pick_index,
    position_in_group,
    time_of_day_ns,
    to_str,
)

CHANNELS = np.array(["organic", "paid_search", "paid_social", "email", "direct", "referral"], dtype=object)
ORGANIC, PAID_SEARCH, PAID_SOCIAL, EMAIL, DIRECT, REFERRAL = range(6)
KNOWN_CHANNEL_W = [30, 22, 10, 0, 30, 8]
SHOPPER_CHANNEL_W = [28, 24, 12, 0, 22, 14]
ANON_CHANNEL_W = [34, 24, 12, 0, 22, 8]
DEVICES = np.array(["mobile", "desktop", "tablet"], dtype=object)

LANDING_PATHS = np.array(
    ["/", "/new-vehicles/", "/used-vehicles/", "", "/service/", "/specials/", "/value-your-trade/", "/finance/"],
    dtype=object,
)
VDP_LANDING = 3
LANDING_W = np.array(
    [
        [35, 12, 12, 22, 12, 3, 2, 2],  # organic
        [18, 20, 15, 30, 10, 4, 2, 1],  # paid_search
        [10, 15, 10, 50, 5, 8, 2, 0],  # paid_social
        [15, 5, 5, 20, 30, 20, 3, 2],  # email
        [55, 10, 10, 12, 8, 2, 2, 1],  # direct
        [5, 3, 7, 80, 2, 1, 1, 1],  # referral
    ],
    dtype=float,
)
LANDING_CUM = block_cumulative(LANDING_W.ravel(), np.repeat(np.arange(6), 8))

# session kinds
BACKGROUND, SHOPPING, EMAIL_CLICK, LEAD, ANONYMOUS = range(5)
PAGEVIEW_LAMBDA = np.array([1.2, 3.0, 1.0, 3.2, 1.3])
VDP_SHARE = np.array([0.2, 0.45, 0.2, 0.4, 0.22])

SITE_PATHS = np.array([p for p, _ in cat.SITE_PAGES], dtype=object)
SITE_W = np.array([w for _, w in cat.SITE_PAGES], dtype=float)
EVENT_NAMES = np.array(
    ["page_view", "view_item", "form_start", "generate_lead", "click_to_call", "schedule_test_drive"], dtype=object
)
PAGE_VIEW, VIEW_ITEM, FORM_START, GENERATE_LEAD, CLICK_TO_CALL, SCHEDULE_TEST_DRIVE = range(6)


def _sessions_frame(**cols) -> pd.DataFrame:
    return pd.DataFrame(cols)


def build_sessions(
    rng, roof, ent, people, episodes, web_start: int, today: int, leads: pd.DataFrame, lead_session_only: bool = False
) -> pd.DataFrame:
    """Session skeletons (one row per session, integer-coded).

    `leads` are website / phone leads that need a session of their own (converted).
    With `lead_session_only`, only those sessions are produced (used for the
    leads created after the planted-purchase snapshot)."""
    parts = []
    n_p = people.n_persons
    nd = today - web_start + 1
    if not lead_session_only:
        # background browsing by known people
        lam = rng.gamma(0.6, 0.35, n_p)
        k = rng.poisson(lam)
        person = np.repeat(np.arange(n_p), k)
        parts.append(
            _sessions_frame(
                person=person,
                day=web_start + rng.integers(0, nd, len(person)),
                kind=np.full(len(person), BACKGROUND),
                lead=np.full(len(person), -1),
            )
        )
        # shopping episodes: bursts of VDP-heavy visits
        s_start = np.maximum(episodes["start"], web_start)
        s_end = episodes["end"]
        ok = s_end >= s_start
        k = np.where(ok, 1 + rng.poisson(4.0, len(s_start)), 0)
        ep = np.repeat(np.arange(len(s_start)), k)
        span = (s_end - s_start + 1)[ep]
        parts.append(
            _sessions_frame(
                person=episodes["person"][ep],
                day=s_start[ep] + (rng.random(len(ep)) * span).astype(np.int64),
                kind=np.full(len(ep), SHOPPING),
                lead=np.full(len(ep), -1),
            )
        )
        # email campaign clicks (Tuesday and Thursday sends), only with consent
        send_days = np.arange(web_start, today + 1)
        dow = (send_days + 3) % 7  # 0 = Monday
        send_days = send_days[(dow == 1) | (dow == 3)]
        k = rng.poisson(people.person_email_engagement * 3)
        person = np.repeat(np.arange(n_p), k)
        day = np.minimum(
            send_days[rng.integers(0, len(send_days), len(person))]
            + np.minimum(rng.geometric(0.6, len(person)) - 1, 4),
            today,
        )
        parts.append(
            _sessions_frame(
                person=person, day=day, kind=np.full(len(person), EMAIL_CLICK), lead=np.full(len(person), -1)
            )
        )
    # lead submissions on the site
    parts.append(
        _sessions_frame(
            person=leads["person"].to_numpy(),
            day=leads["day"].to_numpy(),
            kind=np.full(len(leads), LEAD),
            lead=leads["lead"].to_numpy(),
        )
    )
    known = pd.concat(parts, ignore_index=True)
    nk = len(known)
    person = known["person"].to_numpy()
    kind = known["kind"].to_numpy()
    dealer = people.person_dealer[person]
    channel = np.where(kind == SHOPPING, pick_index(rng, nk, SHOPPER_CHANNEL_W), pick_index(rng, nk, KNOWN_CHANNEL_W))
    channel = np.where(kind == EMAIL_CLICK, EMAIL, channel)
    tod = time_of_day_ns(rng, nk, WEB_HOURS)
    lead_tod = leads["tod"].to_numpy()
    is_lead = kind == LEAD
    # the lead's session starts a few minutes before the lead
    tod[is_lead] = np.maximum(lead_tod - rng.integers(60, 900, int(is_lead.sum())) * NS_PER_SEC, 0)
    customer = np.where(
        people.person_dup[person] >= 0,
        np.where(rng.random(nk) < 0.2, people.person_dup[person], people.person_primary[person]),
        people.person_primary[person],
    )
    customer[is_lead] = leads["customer"].to_numpy()
    dealer[is_lead] = leads["dealer"].to_numpy()
    user_known = is_lead | (kind == EMAIL_CLICK) | (rng.random(nk) < 0.55)
    second_device = rng.random(nk) < 0.3
    known = known.assign(
        dealer=dealer,
        channel=channel,
        tod=tod,
        customer=customer,
        user_known=user_known,
        client=person * 2 + second_device,
    )

    if lead_session_only:
        sessions = known
    else:
        n_anon = int(round(nk * 1.2))
        a_dealer = pick_index(rng, n_anon, roof.share)
        n_visitors = max(roof.n, int(n_anon * 0.65))
        v_dealer = np.sort(pick_index(rng, n_visitors, roof.share))
        v_dealer[: roof.n] = np.arange(roof.n)
        v_dealer = np.sort(v_dealer)
        visitor = grouped_pick(rng, a_dealer, v_dealer, block_cumulative(np.ones(n_visitors), v_dealer))
        anon = _sessions_frame(
            person=np.full(n_anon, -1),
            day=web_start + rng.integers(0, nd, n_anon),
            kind=np.full(n_anon, ANONYMOUS),
            lead=np.full(n_anon, -1),
            dealer=a_dealer,
            channel=pick_index(rng, n_anon, ANON_CHANNEL_W),
            tod=time_of_day_ns(rng, n_anon, WEB_HOURS),
            customer=np.full(n_anon, -1),
            user_known=np.zeros(n_anon, bool),
            client=2 * n_p + visitor,
        )
        sessions = pd.concat([known, anon], ignore_index=True)

    n = len(sessions)
    kind = sessions["kind"].to_numpy()
    channel = sessions["channel"].to_numpy()
    landing = grouped_pick(rng, channel, np.repeat(np.arange(6), 8), LANDING_CUM) % 8
    pageviews = 1 + rng.poisson(PAGEVIEW_LAMBDA[kind])
    vdp = (landing == VDP_LANDING) + rng.binomial(pageviews - 1, VDP_SHARE[kind])
    platform = np.where(channel == PAID_SEARCH, 0, np.where(channel == PAID_SOCIAL, 1, -1))
    campaign = np.full(n, -1, dtype=np.int64)
    paid = platform >= 0
    campaign[paid] = assign_campaigns(
        rng, ent, sessions["dealer"].to_numpy()[paid], platform[paid], sessions["day"].to_numpy()[paid]
    )
    return sessions.assign(
        landing=landing,
        pageviews=pageviews,
        vdp_views=vdp,
        campaign=campaign,
        device=pick_index(rng, n, [62, 33, 5]),
        engaged=(pageviews >= 2) | (rng.random(n) < 0.35) | (kind == LEAD),
        converted=kind == LEAD,
    )


def client_ids(rng, n_clients: int, web_start: int) -> np.ndarray:
    """GA-style client ids: a random 31-bit number, a dot, first-visit epoch seconds."""
    first_seen = (web_start - rng.integers(0, 700, n_clients)) * 86_400 + rng.integers(0, 86_400, n_clients)
    return (to_str(rng.integers(100_000_000, 2_147_483_647, n_clients)) + "." + to_str(first_seen)).astype(object)


def finalize_sessions(rng, sess: pd.DataFrame, roof, ent, customers: pd.DataFrame, web_start: int):
    """Sort sessions by start, give them ids, client ids and UTC timestamps."""
    start_local = sess["day"].to_numpy() * NS_PER_DAY + sess["tod"].to_numpy()
    order = np.lexsort((sess["client"].to_numpy(), start_local))
    sess = sess.iloc[order].reset_index(drop=True)
    start_local = start_local[order]
    n = len(sess)
    used, client_index = np.unique(sess["client"].to_numpy(), return_inverse=True)
    cids = client_ids(rng, len(used), web_start)[client_index]
    dealer = sess["dealer"].to_numpy()
    started = local_to_utc(start_local, dealer, roof.timezones)
    channel = sess["channel"].to_numpy()
    src_pick = rng.random(n)
    vocab = ["google", "bing", "duckduckgo", "facebook", "instagram", "customerio", "(direct)", *cat.REFERRAL_SOURCES]
    referral = 7 + rng.integers(0, len(cat.REFERRAL_SOURCES), n)
    source = labels(
        vocab,
        np.select(
            [channel == ORGANIC, channel == PAID_SEARCH, channel == PAID_SOCIAL, channel == EMAIL, channel == DIRECT],
            [
                np.where(src_pick < 0.86, 0, np.where(src_pick < 0.96, 1, 2)),
                np.zeros(n, dtype=np.int64),
                np.where(src_pick < 0.6, 3, 4),
                np.full(n, 5),
                np.full(n, 6),
            ],
            referral,
        ),
    )
    medium = np.array(["organic", "cpc", "paid", "email", "(none)", "referral"], dtype=object)[channel]
    campaign = sess["campaign"].to_numpy()
    camp_ids = ent.campaigns["campaign_id"].to_numpy(dtype=object)
    customer = sess["customer"].to_numpy()
    user = np.where(
        sess["user_known"].to_numpy() & (customer >= 0),
        customers["customer_id"].to_numpy(dtype=object)[np.maximum(customer, 0)],
        None,
    )
    frame = pd.DataFrame(
        {
            "session_id": ids("S", n, 9),
            "dealer_id": roof.frame["dealer_id"].to_numpy(dtype=object)[dealer],
            "client_id": cids,
            "user_id": user,
            "started_at": started,
            "date": pd.Series(sess["day"].to_numpy().astype("datetime64[D]").astype("datetime64[ns]")),
            "channel": CHANNELS[channel],
            "source": source,
            "medium": medium,
            "campaign_id": np.where(campaign >= 0, camp_ids[np.maximum(campaign, 0)], None),
            "landing_page": LANDING_PATHS[sess["landing"].to_numpy()],  # VDP landings filled in by build_events
            "device_category": DEVICES[sess["device"].to_numpy()],
            "pageviews": sess["pageviews"].to_numpy().astype(np.int64),
            "vdp_views": sess["vdp_views"].to_numpy().astype(np.int64),
            "engaged": sess["engaged"].to_numpy(),
            "converted": sess["converted"].to_numpy(),
            "ga_session_id": (started.astype("int64").to_numpy() // NS_PER_SEC),
        }
    )
    return sess, frame, start_local


LEAD_EXTRA_EVENTS = {  # lead type index -> extra events after the pageviews
    0: [FORM_START, GENERATE_LEAD],
    1: [GENERATE_LEAD],
    2: [CLICK_TO_CALL],
    3: [FORM_START, GENERATE_LEAD],
    4: [FORM_START, GENERATE_LEAD],
    5: [FORM_START, SCHEDULE_TEST_DRIVE, GENERATE_LEAD],
}
LEAD_PAGE = np.array(
    ["/contact-us/", "/contact-us/", "/", "/value-your-trade/", "/finance/", "/contact-us/"], dtype=object
)


def build_events(
    rng,
    sess: pd.DataFrame,
    frame: pd.DataFrame,
    start_local: np.ndarray,
    inv,
    roof,
    lead_type: np.ndarray,
    lead_vehicle: np.ndarray,
):
    """Events per session: page_views (VDPs followed by view_item), then the
    session's lead events. Fills `frame.landing_page` for VDP landings.
    `lead_type`/`lead_vehicle` are indexed by the session's `lead` column."""
    from journey_assets.sandbox.world.vehicles import in_stock_sample

    n = len(sess)
    P = sess["pageviews"].to_numpy()
    V = sess["vdp_views"].to_numpy()
    landing = sess["landing"].to_numpy()
    dealer = sess["dealer"].to_numpy()
    day = sess["day"].to_numpy()
    lead = sess["lead"].to_numpy()

    # page_view slots, VDP slots chosen at random (the landing slot first if a VDP)
    s_of = np.repeat(np.arange(n), P)
    j = position_in_group(P)
    key = rng.random(len(s_of))
    key[j == 0] = np.where(landing[s_of[j == 0]] == VDP_LANDING, -1.0, 2.0)
    order = np.lexsort((key, s_of))
    rank = np.empty(len(s_of), dtype=np.int64)
    rank[order] = position_in_group(P)
    is_vdp = rank < V[s_of]
    vehicle = np.full(len(s_of), -1, dtype=np.int64)
    vehicle[is_vdp] = in_stock_sample(rng, inv, dealer[s_of[is_vdp]], day[s_of[is_vdp]])
    # a lead session's last VDP is the vehicle the lead asked about
    has_lv = lead >= 0
    if has_lv.any():
        lv = np.full(n, -1, dtype=np.int64)
        lv[has_lv] = lead_vehicle[lead[has_lv]]
        last_vdp = np.full(n, -1, dtype=np.int64)
        vdp_idx = np.flatnonzero(is_vdp)
        last_vdp[s_of[vdp_idx]] = vdp_idx  # later slots overwrite earlier ones
        fix = (lv >= 0) & (last_vdp >= 0)
        vehicle[last_vdp[fix]] = lv[fix]
    path = pick(rng, SITE_PATHS, len(s_of), SITE_W)
    first = j == 0
    path[first] = LANDING_PATHS[landing[s_of[first]]]
    vdp_ok = is_vdp & (vehicle >= 0)
    path[vdp_ok] = inv.vdp_path[vehicle[vdp_ok]]
    path[is_vdp & (vehicle < 0)] = "/used-vehicles/"
    # landing page of VDP landings
    landing_path = frame["landing_page"].to_numpy(dtype=object).copy()
    first_idx = np.flatnonzero(first)
    landing_path[s_of[first_idx]] = path[first_idx]
    frame["landing_page"] = landing_path

    # extras: lead events, an occasional abandoned form or call click
    lt = np.where(lead >= 0, lead_type[np.maximum(lead, 0)], -1)
    extra_s, extra_e, extra_k = [], [], []
    for t, evs in LEAD_EXTRA_EVENTS.items():
        rows = np.flatnonzero(lt == t)
        for k, e in enumerate(evs):
            extra_s.append(rows)
            extra_e.append(np.full(len(rows), e))
            extra_k.append(np.full(len(rows), k))
    u = rng.random(n)
    for e, mask in ((FORM_START, (lt < 0) & (u < 0.03)), (CLICK_TO_CALL, (lt < 0) & (u > 0.985))):
        rows = np.flatnonzero(mask)
        extra_s.append(rows)
        extra_e.append(np.full(len(rows), e))
        extra_k.append(np.zeros(len(rows), dtype=np.int64))
    ex_s = np.concatenate(extra_s)
    ex_e = np.concatenate(extra_e)
    ex_k = np.concatenate(extra_k)
    ex_path = np.where(
        lt[ex_s] >= 0, LEAD_PAGE[np.maximum(lt[ex_s], 0)], np.where(ex_e == FORM_START, "/contact-us/", "/")
    ).astype(object)
    ex_vehicle = np.full(len(ex_s), -1, dtype=np.int64)  # vehicle_uuid only on VDP events

    vi = np.flatnonzero(is_vdp)
    ev_s = np.concatenate([s_of, s_of[vi], ex_s])
    ev_order = np.concatenate([2 * j, 2 * j[vi] + 1, 2 * P[ex_s] + ex_k])
    ev_name = np.concatenate([np.full(len(s_of), PAGE_VIEW), np.full(len(vi), VIEW_ITEM), ex_e])
    ev_path = np.concatenate([path, path[vi], ex_path])
    ev_vehicle = np.concatenate([np.where(is_vdp, vehicle, -1), vehicle[vi], ex_vehicle])
    o = np.lexsort((ev_order, ev_s))
    ev_s, ev_name, ev_path, ev_vehicle = ev_s[o], ev_name[o], ev_path[o], ev_vehicle[o]
    m = len(ev_s)
    counts = np.bincount(ev_s, minlength=n)
    pos = position_in_group(counts)
    gap = np.where(ev_name == VIEW_ITEM, NS_PER_SEC, (rng.exponential(45, m) * NS_PER_SEC).astype(np.int64))
    gap[pos == 0] = 0
    offs = np.cumsum(gap)
    starts = np.cumsum(counts) - counts
    offs = offs - np.repeat(offs[starts[counts > 0]], counts[counts > 0])
    ts = local_to_utc(start_local[ev_s] + offs, dealer[ev_s], roof.timezones)
    events = pd.DataFrame(
        {
            "event_id": ids("E", m, 10),
            "session_id": frame["session_id"].to_numpy(dtype=object)[ev_s],
            "dealer_id": frame["dealer_id"].to_numpy(dtype=object)[ev_s],
            "client_id": frame["client_id"].to_numpy(dtype=object)[ev_s],
            "user_id": frame["user_id"].to_numpy(dtype=object)[ev_s],
            "event_ts": ts,
            "event_name": EVENT_NAMES[ev_name],
            "page_path": ev_path,
            "vehicle_uuid": np.where(ev_vehicle >= 0, inv.uuid[np.maximum(ev_vehicle, 0)], None),
        }
    )
    return events, vehicle, s_of, is_vdp
