"""Customer.io's reporting webhooks through the warehouse, on the small world built by the demo: the fake posted
the world's email history to the intake, the raw asset landed it and dbt built the email models. Each figure is
recounted from the history the fake sent, so a lost event, a wrong join or a doubled delivery shows."""

from __future__ import annotations

import collections

import duckdb
import pandas as pd

from journey_assets.sandbox.fakes.customerio_reporting import email_history


def query(warehouse, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse.duckdb_path), read_only=True) as db:
        return db.execute(sql).df()


def test_every_webhook_of_the_history_landed_once(small_warehouse):
    history = email_history(small_warehouse.world)
    raw = query(small_warehouse, "select event_id, metric from raw.customerio_reporting_events")
    assert len(raw) == len(history) and raw["event_id"].is_unique
    assert collections.Counter(raw["metric"]) == collections.Counter(e["metric"] for e in history)


def test_deliveries_and_daily_engagement_recount_the_history(small_warehouse):
    history = email_history(small_warehouse.world)
    by_metric = collections.Counter(e["metric"] for e in history)
    deliveries = query(small_warehouse, "select * from intermediate.int_email__deliveries")
    assert len(deliveries) == by_metric["sent"] and deliveries["delivery_id"].is_unique
    assert deliveries["is_bounced"].sum() == by_metric["bounced"]
    assert deliveries["is_clicked"].sum() == len(
        {e["data"]["delivery_id"] for e in history if e["metric"] == "clicked"}
    )
    matched = deliveries["customer_key"].notna().mean()
    daily = query(small_warehouse, "select * from marts.fct_email_engagement_daily")
    # every matched delivery is counted once, on one rooftop, campaign and day
    assert daily["sent"].sum() == deliveries["customer_key"].notna().sum()
    assert set(daily["campaign_type"]) == {"newsletter", "broadcast"}
    totals = daily[["sent", "delivered", "opened", "clicked", "bounced", "unsubscribed"]].sum()
    open_rate, click_rate = totals["opened"] / totals["delivered"], totals["clicked"] / totals["delivered"]
    print(  # the figures the report quotes (pytest -s)
        f"\nsmall world email: {len(history)} webhooks, {by_metric['sent']} emails ({matched:.1%} matched to a"
        f" customer), delivered {totals['delivered']}, open rate {open_rate:.3f}, click rate {click_rate:.3f},"
        f" click-to-open {totals['clicked'] / totals['opened']:.3f}, bounce {totals['bounced'] / totals['sent']:.3f},"
        f" unsubscribed {totals['unsubscribed']}"
    )
    assert matched > 0.95
    assert 0.2 < open_rate < 0.4 and 0.02 < click_rate < open_rate


def test_the_kpis_carry_the_email_rates_of_the_days_emails_went_out(small_warehouse):
    kpis = query(
        small_warehouse,
        "select dealer_id, date_day, email_delivered, email_open_rate, email_click_rate, email_click_to_open_rate"
        " from marts.journey_kpis_daily",
    )
    daily = query(
        small_warehouse,
        "select dealer_id, date_day, sum(delivered) as delivered, sum(opened) as opened, sum(clicked) as clicked"
        " from marts.fct_email_engagement_daily group by all",
    )
    joined = kpis.merge(daily, on=["dealer_id", "date_day"], how="inner")
    joined = joined[joined["delivered"] > 0]
    assert len(joined) > 0 and (joined["email_delivered"] == joined["delivered"]).all()
    assert ((joined["email_open_rate"] - joined["opened"] / joined["delivered"]).abs() < 1e-9).all()
    assert ((joined["email_click_rate"] - joined["clicked"] / joined["delivered"]).abs() < 1e-9).all()
    quiet = kpis[kpis["email_delivered"] == 0]
    assert quiet["email_open_rate"].isna().all()


def test_an_unsubscribe_withdraws_email_consent_and_reaches_the_people_sync(small_warehouse):
    history = email_history(small_warehouse.world)
    gone = {e["data"]["email_address"] for e in history if e["metric"] == "unsubscribed"}
    people = query(
        small_warehouse,
        "select customers.customer_key, customers.email, customers.email_consent, customers.email_unsubscribed_at,"
        " people.unsubscribed from marts.dim_customers as customers"
        " inner join marts.activation_people as people on customers.customer_key = people.customer_key",
    )
    # Customer.io unsubscribes a person: whichever of their addresses it was, they are out
    unsubscribed = people[people["email_unsubscribed_at"].notna()]
    assert gone and len(unsubscribed) >= len(gone) - 1  # an address no source record holds reaches nobody
    assert not unsubscribed["email_consent"].any() and unsubscribed["unsubscribed"].all()
    assert not people[people["email"].isin(gone)]["email_consent"].any()
    others = people[people["email_unsubscribed_at"].isna()]
    assert not others["unsubscribed"].any() and others["email_consent"].any()
    audience = query(small_warehouse, "select customer_key, email_consent from marts.activation_campaign_audience")
    assert not audience[audience["customer_key"].isin(unsubscribed["customer_key"])]["email_consent"].any()
