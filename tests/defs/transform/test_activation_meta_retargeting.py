"""activation_meta_retargeting, compiled by dbt and run over a hand-built DuckDB holding just its five parents."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from journey_assets.activation.meta_audience import hashed_rows
from journey_assets.defs.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR

AS_OF = "2026-11-23"
# key: (email_consent, sms_consent, email, phone, vdp_views_30d, leads_90d, purchased_180d, days_since_last_touch)
PEOPLE = {
    "a": (True, False, "a@example.com", None, 2, 0, False, 1),  # viewed, no lead -> vdp_no_lead
    "b": (False, True, None, "+14045550101", 5, 1, False, 10),  # lead sold, quiet -> quiet_high_intent only
    "c": (True, True, "c@example.com", None, 4, 1, False, 10),  # an open lead: excluded
    "d": (False, False, "d@example.com", None, 6, 0, False, 20),  # no marketing consent: excluded
    "e": (True, False, "e@example.com", None, 6, 0, True, 20),  # bought in 180 days: excluded
    "f": (True, True, None, None, 6, 0, False, 20),  # nothing to match on: excluded
    "g": (True, False, "g@example.com", "+14045550107", 5, 0, False, 8),  # both audiences
    "h": (True, False, "h@example.com", None, 0, 0, False, 30),  # no VDP views: in neither
    "i": (True, False, "i@example.com", None, 6, 0, False, 20),  # a rooftop without an ad account: excluded
}
ROOFTOP = {"i": "D09"}  # everyone else is D01's, ad account act_1000000000001


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> tuple[str, Path]:
    where = tmp_path_factory.mktemp("retargeting")
    warehouse = where / "wh.duckdb"
    env = {**os.environ, "JOURNEY_DUCKDB_PATH": str(warehouse)}
    subprocess.run(
        [
            DBT_EXECUTABLE,
            "compile",
            "--select",
            "activation_meta_retargeting",
            "--vars",
            f"{{as_of_date: {AS_OF}}}",
            "--target-path",
            str(where / "target"),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--quiet",
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    sql = next((where / "target" / "compiled").rglob("activation_meta_retargeting.sql")).read_text()
    return sql, warehouse


def build_parents(db: duckdb.DuckDBPyConnection) -> None:
    db.execute("create schema if not exists marts; create schema if not exists staging")
    db.execute(
        "create or replace table marts.dim_customers (customer_key varchar, dealer_id varchar, email varchar,"
        " phone varchar, first_name varchar, last_name varchar, zip5 varchar, email_consent boolean,"
        " sms_consent boolean)"
    )
    db.execute(
        "create or replace table marts.fct_customer_features_daily (customer_key varchar, feature_date date,"
        " vdp_views_30d integer, leads_90d integer, purchased_180d boolean, days_since_last_touch integer)"
    )
    db.execute(
        "create or replace table marts.customer_identity_map (customer_key varchar, source varchar, source_record_id varchar)"
    )
    db.execute("create or replace table staging.stg_dealer__rooftops (dealer_id varchar, meta_ad_account_id varchar)")
    db.execute("insert into staging.stg_dealer__rooftops values ('D01', 'act_1000000000001'), ('D09', null)")
    db.execute(
        "create or replace table staging.stg_crm__leads (crm_lead_id varchar, customer_id varchar, status varchar)"
    )
    for key, (email_ok, sms_ok, email, phone, views, leads, bought, quiet) in PEOPLE.items():
        db.execute(
            "insert into marts.dim_customers values (?, ?, ?, ?, 'Ann', 'O''Neil', '30301', ?, ?)",
            [key, ROOFTOP.get(key, "D01"), email, phone, email_ok, sms_ok],
        )
        db.execute(
            "insert into marts.fct_customer_features_daily values (?, ?, ?, ?, ?, ?)",
            [key, AS_OF, views, leads, bought, quiet],
        )
        # yesterday's features say every one of them is high intent: only as_of_date's row counts
        db.execute("insert into marts.fct_customer_features_daily values (?, '2026-11-22', 9, 0, false, 30)", [key])
        db.execute("insert into marts.customer_identity_map values (?, 'crm', ?)", [key, f"crm-{key}"])
    db.execute("insert into staging.stg_crm__leads values ('L1', 'crm-b', 'sold'), ('L2', 'crm-c', 'contacted')")


def test_audiences_and_exclusions(compiled):
    sql, warehouse = compiled
    with duckdb.connect(str(warehouse)) as db:
        build_parents(db)
        rows = db.execute(sql).df()
    members = {(r.audience_name, r.customer_key) for r in rows.itertuples()}
    assert members == {
        ("retargeting_vdp_no_lead", "a"),
        ("retargeting_quiet_high_intent", "b"),
        ("retargeting_vdp_no_lead", "g"),
        ("retargeting_quiet_high_intent", "g"),
    }
    assert str(rows["as_of_date"].iloc[0])[:10] == AS_OF and set(rows["external_id"]) == set(rows["customer_key"])
    # kept in the rooftop's ad account (act_ dropped), keyed by account and person
    assert set(rows["meta_ad_account_id"]) == {"1000000000001"}
    assert set(rows["member_key"]) == {f"1000000000001/{k}" for k in "abg"}
    # The rows are what the destination hashes: every one has an identifier Meta can match.
    fields = rows[["email", "phone", "fn", "ln", "zip", "country", "external_id"]].to_dict("records")
    clean = [{k: (None if v != v else v) for k, v in f.items()} for f in fields]  # NaN -> None
    assert all(any(row[:2]) for row in hashed_rows(clean))
