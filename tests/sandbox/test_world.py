"""The synthetic dealer group: deterministic, complete, internally consistent.

Checks run on the small world (2,000 customers, a fraction of a second to build)
and use independent tools where one exists: `vininfo` for VIN check digits,
`phonenumbers` for phone validity.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import phonenumbers
import pytest
from vininfo import Vin
from vininfo.exceptions import ValidationError

from journey_assets.sandbox.world import World, generate_world
from journey_assets.sandbox.world.funnel import PURCHASE_MODEL

AS_OF = date(2026, 11, 23)  # a fixed last day: the world's tables depend on it
AS_OF_TS = pd.Timestamp(AS_OF)

# The contract other engineers code against (names and meanings from the brief).
CONTRACT = {
    "rooftops": "dealer_id name address city state zip timezone brands latitude longitude website phone "
    "ga4_property_id google_ads_customer_id meta_ad_account_id gbp_location_id",
    "salespeople": "salesperson_id dealer_id first_name last_name email phone territory_zips working_hours_start "
    "working_hours_end",
    "households": "household_id dealer_id address city state zip income_band",
    "customers": "customer_id household_id dealer_id first_name last_name email phone address city state zip "
    "birth_year gender created_at preferred_channel sms_consent email_consent source",
    "owned_vehicles": "ownership_id customer_id dealer_id vin year make model acquisition acquired_date "
    "lease_maturity_date mileage_at_as_of annual_miles oil_type",
    "service_visits": "repair_order_id customer_id dealer_id vin visit_date mileage service_type amount",
    "inventory": "vehicle_uuid dealer_id vin stock_number condition year make model trim body_style exterior_color "
    "odometer msrp date_in_stock date_sold vdp_url image_url",
    "inventory_prices": "vehicle_uuid effective_date price",
    "ad_campaigns": "campaign_id dealer_id platform account_id campaign_name objective status",
    "ad_groups": "ad_group_id campaign_id platform name",
    "ads": "ad_id ad_group_id campaign_id platform name",
    "keywords": "keyword_id ad_group_id text match_type",
    "ad_stats_daily": "date platform dealer_id account_id campaign_id ad_group_id ad_id impressions clicks spend "
    "conversions",
    "search_terms_daily": "date dealer_id campaign_id ad_group_id keyword_id search_term impressions clicks cost",
    "web_sessions": "session_id dealer_id client_id user_id started_at date channel source medium campaign_id "
    "landing_page device_category pageviews vdp_views engaged converted",
    "web_events": "event_id session_id dealer_id client_id user_id event_ts event_name page_path vehicle_uuid",
    "social_posts": "post_id dealer_id network published_at text likes comments shares mentions reach impressions "
    "clicks",
    "reviews": "review_id dealer_id reviewer_name rating comment created_at reply_comment reply_at",
    "site_performance": "dealer_id template url strategy performance_score lcp_ms inp_ms cls fcp_ms ttfb_ms",
    "leads": "lead_id dealer_id customer_id created_at lead_type source vehicle_uuid status salesperson_id "
    "meta_form_id meta_leadgen_id updated_at",
    "crm_activities": "activity_id lead_id customer_id dealer_id salesperson_id activity_type occurred_at outcome",
    "sales": "deal_id dealer_id customer_id vehicle_uuid vin sold_at sale_type price gross_profit lead_id",
    "surveys": "survey_id customer_id dealer_id sent_at score",
    "truth_identity": "customer_id person_id",
    "truth_vin_errors": "vehicle_uuid vin reason",
    "truth_customer": "customer_id person_id purchase_probability_30d purchased_30d service_due service_state "
    "dormant lease_end_window high_value at_risk",
}
ENUMS = {
    ("customers", "gender"): {"m", "f", None},
    ("customers", "preferred_channel"): {"sms", "email", "phone"},
    ("customers", "source"): {"dms", "crm", "web"},
    ("owned_vehicles", "acquisition"): {"purchase", "lease"},
    ("owned_vehicles", "oil_type"): {"conventional", "synthetic"},
    ("service_visits", "service_type"): {"oil_change", "tires", "brakes", "inspection", "recall", "repair"},
    ("inventory", "condition"): {"new", "used", "cpo"},
    ("ad_campaigns", "platform"): {"google_ads", "meta"},
    ("keywords", "match_type"): {"EXACT", "PHRASE", "BROAD"},
    ("web_sessions", "channel"): {"organic", "paid_search", "paid_social", "email", "direct", "referral"},
    ("web_sessions", "device_category"): {"desktop", "mobile", "tablet"},
    ("web_events", "event_name"): {
        "page_view",
        "view_item",
        "generate_lead",
        "form_start",
        "click_to_call",
        "schedule_test_drive",
    },
    ("social_posts", "network"): {"facebook", "instagram", "twitter", "linkedin"},
    ("site_performance", "template"): {"home", "srp", "vdp"},
    ("site_performance", "strategy"): {"mobile", "desktop"},
    ("leads", "lead_type"): {"form", "chat", "phone", "trade_in", "credit_app", "test_drive"},
    ("leads", "source"): {"website", "meta_lead_ad", "third_party", "phone", "walk_in"},
    ("leads", "status"): {"new", "contacted", "appointment", "sold", "lost"},
    ("crm_activities", "activity_type"): {"call", "email", "sms", "appointment", "note"},
    ("sales", "sale_type"): {"cash", "finance", "lease"},
    ("truth_customer", "service_state"): {"active", "recently_lost", "defected", "never"},
}


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world("small", seed=7, as_of=AS_OF)


def _vin_ok(vin: str) -> bool:
    try:
        return Vin(vin).verify_checksum()
    except ValidationError:
        return False


def _local_date(ts: pd.Series, dealer_id: pd.Series, rooftops: pd.DataFrame) -> pd.Series:
    tz = dict(zip(rooftops["dealer_id"], rooftops["timezone"], strict=True))
    out = pd.Series(pd.NaT, index=ts.index, dtype="datetime64[ns]")
    for dealer, zone in tz.items():
        m = dealer_id == dealer
        out[m] = ts[m].dt.tz_convert(zone).dt.tz_localize(None).dt.normalize()
    return out


def test_same_seed_same_world_other_seed_other_world(world):
    again = generate_world("small", seed=7, as_of=AS_OF)
    assert sorted(again.tables) == sorted(world.tables)
    for name, frame in world.tables.items():
        pd.testing.assert_frame_equal(frame, again.tables[name], obj=name)
    other = generate_world("small", seed=8, as_of=AS_OF)
    for name in ("customers", "inventory", "web_sessions", "sales"):
        assert not other.tables[name].equals(world.tables[name]), name


def test_every_contract_table_and_column_is_present(world):
    for name, cols in CONTRACT.items():
        frame = world.table(name)
        missing = set(cols.split()) - set(frame.columns)
        assert not missing, f"{name} lacks {sorted(missing)}"
        assert len(frame) > 0, name
    for (name, col), allowed in ENUMS.items():
        values = set(world.table(name)[col].dropna().unique())
        if None not in allowed:
            assert values <= allowed, (name, col, values - allowed)
        else:
            assert values <= allowed - {None}, (name, col)
    assert len(world.table("rooftops")) == 3
    assert world.table("rooftops")["timezone"].nunique() == 3
    assert len(world.table("customers")) == 2_000


def test_ids_are_unique_and_references_resolve(world):
    t = world.tables
    for name, key in [
        ("customers", "customer_id"),
        ("households", "household_id"),
        ("inventory", "vehicle_uuid"),
        ("leads", "lead_id"),
        ("sales", "deal_id"),
        ("web_sessions", "session_id"),
        ("web_events", "event_id"),
        ("ad_campaigns", "campaign_id"),
        ("ads", "ad_id"),
        ("service_visits", "repair_order_id"),
        ("owned_vehicles", "ownership_id"),
    ]:
        assert t[name][key].is_unique, name
    customers = set(t["customers"]["customer_id"])
    for name in ("owned_vehicles", "service_visits", "leads", "sales", "surveys", "crm_activities", "truth_customer"):
        assert set(t[name]["customer_id"]) <= customers, name
    assert set(t["web_sessions"]["user_id"].dropna()) <= customers
    assert set(t["web_events"]["session_id"]) <= set(t["web_sessions"]["session_id"])
    vehicles = set(t["inventory"]["vehicle_uuid"])
    for name in ("inventory_prices", "leads", "sales", "web_events"):
        assert set(t[name]["vehicle_uuid"].dropna()) <= vehicles, name
    events = t["web_events"]
    on_vdp = events["page_path"].str.startswith("/inventory/")
    assert (events["vehicle_uuid"].notna() == on_vdp).all()
    assert (events.loc[events["event_name"] == "view_item", "vehicle_uuid"].notna()).all()
    assert set(t["sales"]["lead_id"].dropna()) <= set(t["leads"]["lead_id"])
    assert set(t["crm_activities"]["lead_id"]) <= set(t["leads"]["lead_id"])
    assert set(t["leads"]["salesperson_id"]) <= set(t["salespeople"]["salesperson_id"])
    assert set(t["ad_stats_daily"]["ad_id"]) <= set(t["ads"]["ad_id"])
    assert set(t["search_terms_daily"]["keyword_id"]) <= set(t["keywords"]["keyword_id"])
    assert set(t["truth_customer"]["customer_id"]) == customers


def test_vin_check_digits_valid_except_the_recorded_errors(world):
    inventory = world.table("inventory")
    errors = world.table("truth_vin_errors")
    valid = inventory["vin"].map(_vin_ok)
    flagged = inventory["vehicle_uuid"].isin(errors["vehicle_uuid"])
    assert len(errors) >= 1
    assert (valid == ~flagged).all(), inventory.loc[valid == flagged, ["vehicle_uuid", "vin"]]
    assert 0.002 <= len(errors) / len(inventory) <= 0.01
    assert set(errors["vin"]) == set(inventory.loc[flagged, "vin"])
    assert set(errors["reason"]) <= {"wrong_check_digit", "illegal_character", "wrong_length"}
    for name in ("owned_vehicles", "sales", "service_visits"):
        vins = world.table(name)["vin"].drop_duplicates()
        assert vins.map(_vin_ok).all(), name
    # position 10 is the model-year code
    owned = world.table("owned_vehicles")
    codes = "ABCDEFGHJKLMNPRSTVWXY123456789"
    expected = owned["year"].map(lambda y: codes[(y - 1980) % 30])
    assert (owned["vin"].str[9] == expected).all()
    # VDP slugs end in the (feed) VIN
    assert (inventory["vdp_url"].str.rsplit("-", n=1).str[1] == inventory["vin"]).all()


def test_paid_sessions_agree_with_ad_clicks(world):
    sessions = world.table("web_sessions")
    paid = sessions["channel"].isin(["paid_search", "paid_social"])
    assert (paid == sessions["campaign_id"].notna()).all()
    per_cell = sessions[paid].groupby(["date", "campaign_id"]).size().rename("sessions")
    clicks = world.table("ad_stats_daily").groupby(["date", "campaign_id"])["clicks"].sum()
    joined = pd.concat([per_cell, clicks], axis=1).fillna(0)
    assert (joined["clicks"] >= joined["sessions"]).all()
    with_sessions = joined[joined["sessions"] > 0]
    assert 0.7 <= with_sessions["sessions"].sum() / with_sessions["clicks"].sum() <= 1.0
    # a paid session's campaign belongs to the session's rooftop and platform
    camps = world.table("ad_campaigns").set_index("campaign_id")
    s = sessions[paid]
    assert (camps.loc[s["campaign_id"], "dealer_id"].to_numpy() == s["dealer_id"].to_numpy()).all()
    expected = np.where(s["channel"] == "paid_search", "google_ads", "meta")
    assert (camps.loc[s["campaign_id"], "platform"].to_numpy() == expected).all()


def test_date_ranges_end_at_as_of(world):
    t = world.tables
    for name, col in [
        ("web_sessions", "date"),
        ("ad_stats_daily", "date"),
        ("search_terms_daily", "date"),
        ("service_visits", "visit_date"),
    ]:
        assert t[name][col].max() == AS_OF_TS, name
    web_start = AS_OF_TS - pd.Timedelta(days=89)
    assert t["web_sessions"]["date"].min() == web_start
    assert t["ad_stats_daily"]["date"].min() == web_start
    assert t["service_visits"]["visit_date"].min() >= AS_OF_TS - pd.Timedelta(days=3 * 366)
    for name, col, near in [
        ("sales", "sold_at", 7),
        ("leads", "created_at", 3),
        ("crm_activities", "occurred_at", 3),
        ("web_sessions", "started_at", 1),
        ("web_events", "event_ts", 1),
        ("reviews", "created_at", 60),
        ("social_posts", "published_at", 14),
        ("surveys", "sent_at", 14),
    ]:
        local = _local_date(t[name][col], t[name]["dealer_id"], t["rooftops"])
        assert local.max() <= AS_OF_TS, name
        assert local.max() >= AS_OF_TS - pd.Timedelta(days=near), name
    assert t["sales"]["sold_at"].min() >= pd.Timestamp(AS_OF, tz="UTC") - pd.Timedelta(days=1096)
    assert t["inventory_prices"]["effective_date"].max() <= AS_OF_TS
    assert t["inventory"]["date_sold"].max() <= AS_OF_TS
    assert (t["owned_vehicles"]["acquired_date"] <= AS_OF_TS).all()


def test_duplicates_recorded_in_truth_identity(world):
    customers = world.table("customers")
    identity = world.table("truth_identity")
    assert identity["customer_id"].is_unique and set(identity["customer_id"]) == set(customers["customer_id"])
    per_person = identity.groupby("person_id").size()
    assert per_person.max() == 2
    share = (per_person == 2).sum() / len(per_person)
    assert 0.02 <= share <= 0.04
    pairs = identity[identity["person_id"].isin(per_person[per_person == 2].index)].merge(customers, on="customer_id")
    for _, grp in pairs.groupby("person_id"):
        a, b = grp.iloc[0], grp.iloc[1]
        assert a["first_name"].strip().lower() == b["first_name"].strip().lower()
        assert a["email"] != b["email"] or a["phone"] != b["phone"]
    truth = world.table("truth_customer").merge(identity, on=["customer_id", "person_id"])
    assert len(truth) == len(customers)


def test_customers_are_messy_but_mostly_contactable(world):
    customers = world.table("customers")
    phones = customers["phone"].dropna()

    def valid_number(p: str) -> bool:
        try:
            return phonenumbers.is_valid_number(phonenumbers.parse(p, "US"))
        except phonenumbers.NumberParseException:
            return False

    valid = phones.map(valid_number)
    assert 0.9 <= valid.mean() < 1.0
    assert phones.str.match(r"^\(\d{3}\) \d{3}-\d{4}$").any() and phones.str.match(r"^\+1\d{10}$").any()
    emails = customers["email"].dropna()
    assert (~emails.str.contains("@")).any()
    assert emails.str.contains("gmial.com|gmail.co$|gamil.com|yaho.com|hotmial.com", regex=True).any()
    assert (emails != emails.str.strip()).any() and (emails != emails.str.lower()).any()
    names = customers["first_name"]
    assert (names == names.str.upper()).any() and (names != names.str.strip()).any()
    assert customers["gender"].isna().any()
    rooftops = world.table("rooftops")
    assert rooftops["phone"].map(lambda p: phonenumbers.is_valid_number(phonenumbers.parse(p))).all()
    assert rooftops["website"].str.match(r"^https://www\.[a-z0-9]+\.example$").all()
    assert rooftops["google_ads_customer_id"].str.fullmatch(r"\d{10}").all()


def test_inventory_and_prices_behave_like_a_lot(world):
    inv = world.table("inventory")
    on_lot = inv[inv["date_sold"].isna()].groupby("dealer_id").size()
    assert on_lot.between(150, 400).all()
    uuid4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    assert inv["vehicle_uuid"].str.fullmatch(uuid4).all()
    brands = world.table("rooftops").set_index("dealer_id")["brands"].str.split(",")
    new = inv[inv["condition"] == "new"]
    assert all(make in brands[d] for d, make in zip(new["dealer_id"], new["make"], strict=True))
    assert new["odometer"].max() < 100
    prices = world.table("inventory_prices").merge(inv[["vehicle_uuid", "date_in_stock", "date_sold"]])
    assert (prices["effective_date"] >= prices["date_in_stock"]).all()
    sold = prices["date_sold"].notna()
    assert (prices.loc[sold, "effective_date"] <= prices.loc[sold, "date_sold"]).all()
    assert prices.groupby("vehicle_uuid").size().max() > 1  # markdowns happen
    sales = (
        world.table("sales")
        .dropna(subset=["vehicle_uuid"])
        .merge(inv[["vehicle_uuid", "date_sold", "dealer_id"]], on="vehicle_uuid", suffixes=("", "_inv"))
    )
    assert (_local_date(sales["sold_at"], sales["dealer_id"], world.table("rooftops")) == sales["date_sold"]).all()


def test_planted_purchase_function_matches_the_truth(world):
    truth = world.table("truth_customer")
    z = np.full(len(truth), PURCHASE_MODEL["intercept"])
    for k, coef in PURCHASE_MODEL.items():
        if k != "intercept":
            z = z + coef * truth[f"x_{k}"].to_numpy()
    np.testing.assert_allclose(1 / (1 + np.exp(-z)), truth["purchase_probability_30d"].to_numpy(), rtol=1e-9)
    assert truth.groupby("purchased_30d")["purchase_probability_30d"].mean().is_monotonic_increasing
    # the last 30 days of sales were drawn from the same function at as_of - 30
    recent = world.table("sales")["sold_at"] > pd.Timestamp(AS_OF, tz="UTC") - pd.Timedelta(days=29)
    assert recent.sum() > 0
    assert truth["purchased_prev30d"].any()


def test_leads_close_and_get_worked(world):
    leads = world.table("leads")
    mature = leads[leads["created_at"] < pd.Timestamp(AS_OF, tz="UTC") - pd.Timedelta(days=31)]
    assert 0.10 <= (mature["status"] == "sold").mean() <= 0.25  # Foureyes: 16.2% in 30 days
    meta = leads["source"] == "meta_lead_ad"
    assert leads.loc[meta, "meta_leadgen_id"].notna().all() and leads.loc[~meta, "meta_leadgen_id"].isna().all()
    assert leads.loc[~meta, "meta_form_id"].isna().all()
    acts = world.table("crm_activities").merge(leads[["lead_id", "created_at"]], on="lead_id")
    assert (acts["occurred_at"] >= acts["created_at"]).all()
    sold_leads = set(leads.loc[leads["status"] == "sold", "lead_id"])
    assert sold_leads == set(world.table("sales")["lead_id"].dropna())


def test_customers_exist_before_their_activity(world):
    t = world.tables
    first = (
        pd.concat(
            [
                t["sales"][["customer_id", "sold_at"]].set_axis(["customer_id", "ts"], axis=1),
                t["leads"][["customer_id", "created_at"]].set_axis(["customer_id", "ts"], axis=1),
                t["web_sessions"]
                .dropna(subset=["user_id"])[["user_id", "started_at"]]
                .set_axis(["customer_id", "ts"], axis=1),
            ]
        )
        .groupby("customer_id")["ts"]
        .min()
    )
    created = t["customers"].set_index("customer_id")["created_at"].reindex(first.index)
    assert (created <= first).all()


def test_save_and_load_round_trip(world, tmp_path):
    world.save(tmp_path / "w")
    loaded = World.load(tmp_path / "w")
    assert (loaded.size, loaded.seed, loaded.as_of) == ("small", 7, AS_OF)
    assert loaded.table_names() == sorted(world.tables)
    for name, frame in world.tables.items():
        pd.testing.assert_frame_equal(loaded.table(name), frame, obj=name)


def test_windows_follow_as_of():
    # a different as_of moves every window with it
    other = generate_world("small", seed=7, as_of=date(2025, 6, 30))
    assert other.table("web_sessions")["date"].max() == pd.Timestamp(2025, 6, 30)
    assert other.table("ad_stats_daily")["date"].max() == pd.Timestamp(2025, 6, 30)
