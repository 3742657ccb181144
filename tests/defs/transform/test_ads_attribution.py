"""Ad reporting, attribution and channel performance on the small world's warehouse (built once by the demo).

The marts are checked against plain re-derivations: ad totals against the raw platform reports, the linear and
last-non-direct credits against paths rebuilt in pandas from the touches, the data-driven shares against Shapley
values computed here with itertools over the same channel sets, and channel_performance against the totals it
distributes (all spend, every lead, all revenue, under every model).
"""

from __future__ import annotations

from itertools import combinations
from math import factorial

import duckdb
import pandas as pd
import pytest
import yaml

from journey_assets.defs.transform.project import DBT_PROJECT_DIR

VARS = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
MODELS = ["first_touch", "last_non_direct", "linear", "position_based", "time_decay", "data_driven"]


def query(warehouse, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse.duckdb_path), read_only=True) as db:
        return db.execute(sql).df()


def test_every_rooftop_has_ad_social_attribution_and_performance_rows(small_warehouse):
    rooftops = set(small_warehouse.world.table("rooftops")["dealer_id"])
    assert rooftops
    for table in ("ad_reporting_daily", "social_engagement_daily", "fct_attribution", "channel_performance"):
        counts = query(small_warehouse, f"select dealer_id, count(*) as n from marts.{table} group by 1")
        assert set(counts["dealer_id"]) == rooftops, table
    platforms = query(small_warehouse, "select distinct platform from marts.ad_reporting_daily")["platform"]
    assert set(platforms) == {"google_ads", "meta"}
    models = query(
        small_warehouse, "select model, count(distinct dealer_id) as n from marts.fct_attribution group by 1"
    )
    assert set(models["model"]) == set(MODELS)
    assert (models["n"] == len(rooftops)).all()


def test_ad_reporting_totals_equal_the_raw_platform_reports(small_warehouse):
    mart = query(
        small_warehouse,
        "select platform, sum(impressions) as impressions, sum(clicks) as clicks, sum(spend) as spend"
        " from marts.ad_reporting_daily group by 1",
    ).set_index("platform")
    google = query(
        small_warehouse,
        "select sum(impressions) as impressions, sum(clicks) as clicks, sum(cost_micros) / 1e6 as spend"
        " from raw.google_ads_campaign_stats",
    ).iloc[0]
    meta = query(
        small_warehouse,
        "select sum(coalesce(impressions, 0)) as impressions, sum(coalesce(clicks, 0)) as clicks,"
        " sum(coalesce(spend, 0)) as spend from raw.meta_ad_insights",
    ).iloc[0]
    for platform, raw in (("google_ads", google), ("meta", meta)):
        assert raw["spend"] > 0, platform
        assert mart.loc[platform, "impressions"] == raw["impressions"], platform
        assert mart.loc[platform, "clicks"] == raw["clicks"], platform
        assert float(mart.loc[platform, "spend"]) == pytest.approx(float(raw["spend"]), abs=0.01), platform


def test_credits_sum_to_one_for_every_conversion_under_every_model(small_warehouse):
    conversions = query(
        small_warehouse, "select conversion_type, conversion_id from intermediate.int_attribution__conversions"
    )
    credits = query(
        small_warehouse,
        "select conversion_type, conversion_id, model, sum(credit) as credit from marts.fct_attribution group by 1, 2, 3",
    )
    assert set(conversions["conversion_type"]) == {"lead", "sale"}
    assert len(credits) == len(conversions) * len(MODELS)  # every conversion, every model, once
    assert credits["credit"].to_numpy() == pytest.approx(1.0, abs=1e-9)
    # most conversions in the export's window have a path (anonymous sessions stitched in)
    unattributed = query(
        small_warehouse,
        "select count(distinct conversion_type || conversion_id) as n from marts.fct_attribution"
        " where channel = 'Unattributed'",
    )["n"][0]
    assert 0 < unattributed < len(conversions)


def rederived_paths(warehouse) -> pd.DataFrame:
    """Each conversion's touches at its rooftop in the lookback window, rebuilt here from the two inputs."""
    conversions = query(warehouse, "select * from intermediate.int_attribution__conversions")
    touches = query(warehouse, "select * from intermediate.int_attribution__touches")
    paths = conversions.merge(touches, on=["customer_key", "dealer_id"])
    before = paths["converted_at"] - paths["touched_at"]
    window = pd.Timedelta(days=VARS["attribution_lookback_days"])
    return paths[(before >= pd.Timedelta(0)) & (before < window)]


def test_linear_and_last_non_direct_credit_the_rederived_paths(small_warehouse):
    paths = rederived_paths(small_warehouse)
    assert len(paths) > 0
    key = ["conversion_type", "conversion_id", "channel"]
    linear = paths.groupby(key).size() / paths.groupby(["conversion_type", "conversion_id"]).size()
    ordered = paths.sort_values(["touched_at", "touch_id"])
    non_direct = ordered[~ordered["channel"].isin(VARS["attribution_direct_channel_groups"])]
    last = ordered.groupby(["conversion_type", "conversion_id"]).tail(1).set_index(["conversion_type", "conversion_id"])
    last_non_direct = non_direct.groupby(["conversion_type", "conversion_id"]).tail(1)
    last_non_direct = last_non_direct.set_index(["conversion_type", "conversion_id"])["channel"]
    expected_last = last["channel"].where(~last.index.isin(last_non_direct.index), last_non_direct.reindex(last.index))

    mart = query(
        small_warehouse,
        "select conversion_type, conversion_id, channel, model, sum(credit) as credit from marts.fct_attribution"
        " where channel <> 'Unattributed' group by 1, 2, 3, 4",
    )
    mart_linear = mart[mart["model"] == "linear"].set_index(key)["credit"].sort_index()
    assert mart_linear.index.equals(linear.sort_index().index)
    assert mart_linear.to_numpy() == pytest.approx(linear.sort_index().to_numpy())
    mart_last = mart[mart["model"] == "last_non_direct"].set_index(["conversion_type", "conversion_id"])["channel"]
    assert mart_last.sort_index().equals(expected_last.sort_index().rename("channel"))


def shapley_shares(channel_set: tuple[str, ...], value: dict[frozenset[str], float]) -> dict[str, float]:
    n = len(channel_set)
    phi = {}
    for channel in channel_set:
        others = [c for c in channel_set if c != channel]
        phi[channel] = sum(
            factorial(size)
            * factorial(n - size - 1)
            / factorial(n)
            * (value.get(frozenset(subset) | {channel}, 0.0) - value.get(frozenset(subset), 0.0))
            for size in range(n)
            for subset in combinations(others, size)
        )
    positive = {c: max(v, 0.0) for c, v in phi.items()}
    total = sum(positive.values())
    return {c: (v / total if total > 0 else 1 / n) for c, v in positive.items()}


def test_data_driven_shares_are_the_shapley_values_of_the_path_sets(small_warehouse):
    path_channels = query(small_warehouse, "select * from intermediate.int_attribution__path_channels")
    sets = (
        path_channels.groupby(["conversion_type", "path_id", "is_conversion"])["channel"]
        .agg(lambda channels: frozenset(channels))
        .reset_index()
    )
    mart = query(small_warehouse, "select * from intermediate.int_attribution__shapley_values")
    assert len(mart) > 0
    assert sets["is_conversion"].any() and (~sets["is_conversion"]).any()
    checked = 0
    for conversion_type, of_type in sets.groupby("conversion_type"):
        rates = of_type.groupby("channel")["is_conversion"].mean().to_dict()
        for channel_set in of_type.loc[of_type["is_conversion"], "channel"].unique():
            expected = shapley_shares(tuple(sorted(channel_set)), rates)
            got = mart[
                (mart["conversion_type"] == conversion_type) & (mart["channel_set"] == "|".join(sorted(channel_set)))
            ]
            assert dict(zip(got["channel"], got["credit_share"], strict=True)) == pytest.approx(expected), channel_set
            checked += 1
    assert checked == len(mart.drop_duplicates(["conversion_type", "channel_set"]))
    assert mart.groupby(["conversion_type", "channel_set"])["credit_share"].sum().to_numpy() == pytest.approx(1.0)


def test_channel_performance_distributes_all_spend_leads_and_revenue_under_every_model(small_warehouse):
    spend = query(small_warehouse, "select sum(spend) as spend from marts.ad_reporting_daily")["spend"][0]
    conversions = query(
        small_warehouse,
        "select count(*) filter (where conversion_type = 'lead') as leads,"
        " count(*) filter (where conversion_type = 'sale') as sales,"
        " sum(revenue) as revenue from intermediate.int_attribution__conversions",
    ).iloc[0]
    per_model = query(
        small_warehouse,
        "select model, sum(spend) as spend, sum(leads) as leads, sum(sales) as sales, sum(revenue) as revenue,"
        " sum(case when spend > 0 and leads > 0 and abs(cost_per_lead - spend / leads) > 1e-6 then 1 else 0 end)"
        " as wrong_cpl from marts.channel_performance group by 1",
    ).set_index("model")
    assert set(per_model.index) == set(MODELS)
    for model, row in per_model.iterrows():
        assert float(row["spend"]) == pytest.approx(float(spend), abs=0.01), model
        assert row["leads"] == pytest.approx(conversions["leads"]), model
        assert row["sales"] == pytest.approx(conversions["sales"]), model
        assert float(row["revenue"]) == pytest.approx(float(conversions["revenue"]), rel=1e-9), model
        assert row["wrong_cpl"] == 0, model
