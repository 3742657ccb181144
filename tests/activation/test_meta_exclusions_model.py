"""activation_meta_exclusions, compiled by dbt and run over a hand-built DuckDB holding just its parents: who is
frequency capped (from the insights' ad-set frequency) and who is a recent buyer, per rooftop's ad account."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from journey_assets.defs.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR

AS_OF = "2026-11-23"
A1, A2 = "1000000000001", "1000000000002"
# key: (dealer, email_consent, email, in a retargeting audience with days quiet (None: not in one), bought 180d)
PEOPLE = {
    "p1": ("D01", True, "p1@example.com", 10, False),  # retargeted, quiet all week, D01 over the cap: capped
    "p2": ("D01", True, "p2@example.com", 3, False),  # retargeted but touched us 3 days ago: not yet
    "p3": ("D02", True, "p3@example.com", 10, False),  # D02's frequency is under the cap (its spike is old)
    "p4": ("D01", True, "p4@example.com", None, False),  # not retargeted: nothing to cap
    "p5": ("D01", True, "p5@example.com", None, True),  # a recent buyer
    "p6": ("D02", False, "p6@example.com", None, True),  # a buyer without marketing consent: not uploaded
    "p7": ("D09", True, "p7@example.com", None, True),  # a buyer at a rooftop without an ad account
    "p8": ("D01", True, None, None, True),  # a buyer with nothing to match on
}
# (account, ad set, day, impressions, reach)
INSIGHTS = [
    (f"act_{A1}", "g1", "2026-11-20", 200, 60),
    (f"act_{A1}", "g1", "2026-11-22", 100, 40),  # g1: 300 / 100 = 3.0 a day in the window
    (f"act_{A1}", "g2", "2026-11-22", 10, 10),  # 1.0: the account's busiest ad set counts
    (f"act_{A1}", "g3", "2026-11-21", 5, 0),  # no reach reported: left out
    (f"act_{A2}", "g4", "2026-11-21", 150, 100),  # 1.5
    (f"act_{A2}", "g4", "2026-11-10", 900, 100),  # outside the 7 days
    (f"act_{A2}", "g4", "2026-11-24", 900, 100),  # after as_of_date
]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> tuple[str, Path]:
    where = tmp_path_factory.mktemp("exclusions")
    warehouse = where / "wh.duckdb"
    subprocess.run(
        [
            DBT_EXECUTABLE,
            "compile",
            "--select",
            "activation_meta_exclusions",
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
        env={**os.environ, "JOURNEY_DUCKDB_PATH": str(warehouse)},
        capture_output=True,
    )
    sql = next((where / "target" / "compiled").rglob("activation_meta_exclusions.sql")).read_text()
    return sql, warehouse


def build_parents(db: duckdb.DuckDBPyConnection) -> None:
    db.execute("create schema if not exists marts; create schema if not exists staging")
    db.execute("create table staging.stg_dealer__rooftops (dealer_id varchar, meta_ad_account_id varchar)")
    db.execute(f"insert into staging.stg_dealer__rooftops values ('D01', 'act_{A1}'), ('D02', '{A2}'), ('D09', null)")
    db.execute(
        "create table staging.stg_meta__ad_insights (account_id varchar, ad_group_id varchar, date_day date,"
        " impressions integer, reach integer)"
    )
    db.executemany("insert into staging.stg_meta__ad_insights values (?, ?, ?, ?, ?)", INSIGHTS)
    db.execute(
        "create table marts.dim_customers (customer_key varchar, dealer_id varchar, email varchar, phone varchar,"
        " first_name varchar, last_name varchar, zip5 varchar, email_consent boolean, sms_consent boolean)"
    )
    db.execute(
        "create table marts.fct_customer_features_daily (customer_key varchar, feature_date date,"
        " purchased_180d boolean)"
    )
    db.execute(
        "create table marts.activation_meta_retargeting (audience_name varchar, customer_key varchar,"
        " meta_ad_account_id varchar, days_since_last_touch integer)"
    )
    accounts = {"D01": A1, "D02": A2}
    for key, (dealer, consent, email, quiet, bought) in PEOPLE.items():
        db.execute(
            "insert into marts.dim_customers values (?, ?, ?, null, 'Ann', 'Lee', '30301', ?, false)",
            [key, dealer, email, consent],
        )
        db.execute("insert into marts.fct_customer_features_daily values (?, ?, ?)", [key, AS_OF, bought])
        db.execute("insert into marts.fct_customer_features_daily values (?, '2026-11-22', true)", [key])
        if quiet is not None:
            for audience in ("retargeting_vdp_no_lead", "retargeting_quiet_high_intent"):  # one row each
                db.execute(
                    "insert into marts.activation_meta_retargeting values (?, ?, ?, ?)",
                    [audience, key, accounts[dealer], quiet],
                )


def test_frequency_capped_and_recent_buyers(compiled):
    sql, warehouse = compiled
    with duckdb.connect(str(warehouse)) as db:
        build_parents(db)
        rows = db.execute(sql).df()
    members = {(r.audience_name, r.customer_key) for r in rows.itertuples()}
    assert members == {("exclusion_frequency_capped", "p1"), ("exclusion_recent_buyers", "p5")}
    assert len(rows) == 2  # p1 is in both retargeting audiences, and capped once
    capped = rows[rows["audience_name"] == "exclusion_frequency_capped"].iloc[0]
    assert capped["ad_frequency"] == pytest.approx(3.0)
    assert set(rows["meta_ad_account_id"]) == {A1} and set(rows["member_key"]) == {f"{A1}/p1", f"{A1}/p5"}
    assert str(rows["as_of_date"].iloc[0])[:10] == AS_OF


def test_the_threshold_and_window_are_vars(tmp_path):
    """A lower cap (1.5) takes D02 in too: the insights' old spike still does not count."""
    subprocess.run(
        [
            DBT_EXECUTABLE,
            "compile",
            "--select",
            "activation_meta_exclusions",
            "--vars",
            f"{{as_of_date: {AS_OF}, meta_exclusion_frequency_threshold: 1.5}}",
            "--target-path",
            str(tmp_path / "target"),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--quiet",
        ],
        check=True,
        env={**os.environ, "JOURNEY_DUCKDB_PATH": str(tmp_path / "wh.duckdb")},
        capture_output=True,
    )
    sql = next((tmp_path / "target" / "compiled").rglob("activation_meta_exclusions.sql")).read_text()
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as db:
        build_parents(db)
        rows = db.execute(sql).df()
    capped_rows = rows[rows["audience_name"] == "exclusion_frequency_capped"]
    capped = dict(zip(capped_rows["customer_key"], capped_rows["ad_frequency"], strict=True))
    assert set(capped) == {"p1", "p3"} and capped["p3"] == pytest.approx(1.5)
