"""The retention campaigns in the demo over the small world (the shared `small_warehouse` build): the audience
model is built, the nightly run's `activation/retention_campaigns` decided every eligible person, and
`ops.campaign_sends` holds those decisions without raw contact data. The demo runs at the wall clock's hour,
so these assertions hold whatever quiet hours decide (sent or deferred), never on how many were sent."""

from __future__ import annotations

import duckdb
import pandas as pd

from journey_assets.activation.campaigns import load_campaigns

STATUSES = {"sent", "deferred", "refused", "dry_run", "in_doubt"}


def _read(path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(sql).df()


def test_the_demo_decides_every_eligible_person_through_the_send_policy(small_warehouse):
    audience = _read(small_warehouse.duckdb_path, "select * from marts.activation_campaign_audience")
    sends = _read(small_warehouse.duckdb_path, "select * from ops.campaign_sends")
    assert set(audience["audience"]) >= {"service_due", "win_back", "lease_end"}
    assert not audience.duplicated(["audience", "customer_key"]).any()

    campaigns = {c.key: c.audience for c in load_campaigns()}
    eligible = audience.groupby("audience").size().to_dict()
    decided = sends.groupby("campaign")["customer_key"].nunique().to_dict()
    for key, group in campaigns.items():
        assert decided.get(key, 0) == eligible.get(group, 0), key  # one decision per eligible person
    print("\nretention campaigns on the small world (eligible):", eligible)
    print(sends.groupby(["campaign", "status", "rule"], dropna=False).size().to_string())
    assert set(sends["status"]) <= STATUSES
    assert not sends.duplicated(["send_key", "attempt"]).any()

    deferred = sends[sends["status"] == "deferred"]
    assert deferred["reason"].str.len().gt(0).all() and (deferred["send_at"] > deferred["decided_at"]).all()

    # nothing reached anyone without the consent for it
    joined = sends.merge(audience, on="customer_key").drop_duplicates("send_key")
    sent = joined[joined["status"] == "sent"]
    assert sent[sent["channel"] == "sms"]["sms_consent"].all()
    assert sent[sent["channel"] == "email"]["email_consent"].all()

    text = sends.astype(str).to_csv()
    for value in pd.concat([audience["phone"], audience["email"]]).dropna().unique():
        assert value not in text
