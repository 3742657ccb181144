"""The sandbox world as Meta's Graph API sees it: ad accounts, insights rows per account, lead-ads forms.

Built once per fake from the world's tables (their column names are the generator's, with aliases);
`meta.py` serves them in Graph's wire format.
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np
import pandas as pd


def col(frame: pd.DataFrame, *names: str, default: Any = None) -> pd.Series:
    """The first of `names` the world has; the generator's column names are the contract's, with aliases."""
    for name in names:
        if name in frame.columns:
            return frame[name]
    if default is not None:
        return pd.Series(default, index=frame.index)
    raise KeyError(f"world table lacks every one of {names}")


def meta_accounts(world: Any) -> dict[str, str]:
    """Ad account id (without `act_`) -> the rooftop it belongs to."""
    rooftops = world.table("rooftops")
    ids = col(rooftops, "meta_ad_account_id").astype(str).str.replace("act_", "", regex=False)
    return dict(zip(ids, rooftops["dealer_id"], strict=True))


def insights_by_account(world: Any) -> dict[str, pd.DataFrame]:
    """Per ad account, one row per ad and day with its names and numbers, sorted as Graph pages them."""
    campaigns = world.table("ad_campaigns")
    if "platform" in campaigns.columns:
        campaigns = campaigns[campaigns["platform"] == "meta"]
    campaigns = pd.DataFrame(
        {
            "campaign_id": col(campaigns, "campaign_id").astype(str),
            "campaign_name": col(campaigns, "campaign_name", "name"),
            "dealer_id": col(campaigns, "dealer_id"),
        }
    )
    groups = world.table("ad_groups")
    groups = pd.DataFrame(
        {
            "adset_id": col(groups, "ad_group_id", "adset_id").astype(str),
            "adset_name": col(groups, "ad_group_name", "name"),
            "campaign_id": col(groups, "campaign_id").astype(str),
        }
    )
    ads = world.table("ads")
    ads = pd.DataFrame(
        {
            "ad_id": col(ads, "ad_id").astype(str),
            "ad_name": col(ads, "ad_name", "name"),
            "adset_id": col(ads, "ad_group_id", "adset_id").astype(str),
        }
    )
    stats = world.table("ad_stats_daily")
    stats = pd.DataFrame(
        {
            "day": pd.to_datetime(col(stats, "date", "date_day", "day")).dt.strftime("%Y-%m-%d"),
            "ad_id": col(stats, "ad_id").astype(str),
            "impressions": col(stats, "impressions", default=0).fillna(0).astype(np.int64),
            "reach": col(stats, "reach", default=-1).fillna(-1).astype(np.int64),
            "clicks": col(stats, "clicks", default=0).fillna(0).astype(np.int64),
            "link_clicks": col(stats, "link_clicks", "inline_link_clicks", "clicks", default=0)
            .fillna(0)
            .astype(np.int64),
            "spend": col(stats, "spend", "cost", default=0.0).fillna(0.0).astype(float),
            "leads": col(stats, "leads", "conversions", default=0).fillna(0).astype(float),
            "leads_value": col(stats, "conversions_value", "conversion_value", default=0.0).fillna(0.0).astype(float),
        }
    )
    joined = stats.merge(ads, on="ad_id").merge(groups, on="adset_id").merge(campaigns, on="campaign_id")
    by_dealer = {dealer: account for account, dealer in meta_accounts(world).items()}
    joined["account_id"] = joined["dealer_id"].map(by_dealer)
    joined = joined.dropna(subset=["account_id"]).sort_values(["account_id", "day", "ad_id"], kind="stable")
    return {account: frame.reset_index(drop=True) for account, frame in joined.groupby("account_id", sort=False)}


def lead_index(world: Any) -> dict[str, Any]:
    """The lead-ads leads by form, by leadgen id and by rooftop, and the rooftops' pages and names."""
    leads = world.table("leads")
    leads = leads[(leads["source"] == "meta_lead_ad") & leads["meta_form_id"].notna()].copy()
    customers = world.table("customers")
    keep = [
        c for c in ("customer_id", "first_name", "last_name", "email", "phone", "zip", "city") if c in customers.columns
    ]
    leads = leads.merge(customers[keep], on="customer_id", how="left", suffixes=("", "_customer"))
    # Meta stamps leads to the second (created_time "...T14:03:07+0000").
    leads["created_at"] = pd.to_datetime(leads["created_at"], utc=True).dt.floor("s")
    leads["meta_form_id"] = leads["meta_form_id"].astype(str)
    leads = leads.sort_values(["meta_form_id", "created_at"], kind="stable")
    leads["vehicle_of_interest"] = _vehicle_labels(world, leads)
    forms = {form: frame.reset_index(drop=True) for form, frame in leads.groupby("meta_form_id", sort=False)}
    by_leadgen = {
        str(r["meta_leadgen_id"]): r
        for r in leads.to_dict("records")
        if r.get("meta_leadgen_id") is not None and str(r["meta_leadgen_id"]) not in ("", "nan", "None")
    }
    rooftops = world.table("rooftops")
    pages = dict(zip(col(rooftops, "meta_page_id").astype(str), rooftops["dealer_id"], strict=True))
    forms_by_dealer: dict[str, list[str]] = collections.defaultdict(list)
    for form, frame in forms.items():
        forms_by_dealer[frame["dealer_id"].iloc[0]].append(form)
    return {
        "forms": forms,
        "pages": pages,
        "forms_by_dealer": forms_by_dealer,
        "by_leadgen": by_leadgen,
        "names": dict(zip(rooftops["dealer_id"], rooftops["name"], strict=True)),
    }


def _vehicle_labels(world: Any, leads: pd.DataFrame) -> pd.Series:
    """ "2023 Honda Civic EX" for a lead whose vehicle the world knows (a dealer's custom question)."""
    empty = pd.Series([None] * len(leads), index=leads.index, dtype=object)
    if "vehicle_uuid" not in leads.columns:
        return empty
    try:
        inventory = world.table("inventory")
    except KeyError:
        return empty
    labels = {
        r["vehicle_uuid"]: " ".join(
            str(r[k]) for k in ("year", "make", "model", "trim") if r.get(k) is not None and str(r[k]) != "nan"
        )
        for r in inventory.to_dict("records")
        if r.get("vehicle_uuid") is not None
    }
    return leads["vehicle_uuid"].map(lambda v: labels.get(v) if isinstance(v, str) else None).astype(object)
