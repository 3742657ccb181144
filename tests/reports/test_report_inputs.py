"""`read_report_inputs` over a DuckDB file holding the issue-12 marts in the columns their branches publish
(kpi12: journey_kpis_daily, fct_speed_to_lead, fct_vendor_api_daily; ads12: channel_performance), and without them."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from journey_assets.reports.inputs import ReportWeek, read_report_inputs
from journey_assets.warehouse import DuckDBWarehouse

WEEK = ReportWeek(date(2026, 11, 23), date(2026, 11, 29))


def _base(connection) -> None:
    connection.execute("create schema staging; create schema marts")
    connection.execute("create table staging.stg_dealer__rooftops as select 'D01' as dealer_id, 'North' as name")
    connection.execute(
        "create table marts.fct_customer_journey_stages as select * from (values"
        " ('c1', 'D01', 'intent', date '2026-11-01', null::date), ('c2', 'D01', 'awareness', date '2026-11-01',"
        " date '2026-11-10'), ('c2', 'D01', 'intent', date '2026-11-10', null::date))"
        " t(customer_key, dealer_id, stage, entered_on, exited_on)"
    )


@pytest.fixture
def with_marts(tmp_path) -> DuckDBWarehouse:
    path = str(tmp_path / "w.duckdb")
    with duckdb.connect(path) as c:
        _base(c)
        days = [WEEK.start - timedelta(days=28) + timedelta(days=n) for n in range(35)]
        rows = ", ".join(
            f"('D01', date '{d}', {60 if d == date(2026, 11, 25) else 10}, 120.0, 0.95, 0.02, 0.01, 100)" for d in days
        )
        c.execute(
            "create table marts.journey_kpis_daily as select * from (values " + rows + ") t(dealer_id, date_day,"
            " leads, speed_to_lead_p50_seconds, sms_delivery_rate, api_error_rate, quarantined_share, sms_sent)"
        )
        c.execute("alter table marts.journey_kpis_daily add column sms_bounce_rate double default 0.01")
        c.execute(
            "create table marts.fct_speed_to_lead as select * from (values"
            " ('e1', 'D01', date '2026-11-24', 90, true), ('e2', 'D01', date '2026-11-24', null, false),"
            " ('e3', 'D01', date '2026-11-10', 30, true))"
            " t(event_id, dealer_id, received_on, seconds_to_first_response, is_answered)"
        )
        c.execute(
            "create table marts.fct_vendor_api_daily as select * from (values"
            " (date '2026-11-24', 'twilio', 100, 2, 1), (date '2026-11-01', 'twilio', 50, 50, 0))"
            " t(date_day, vendor, calls, transient_error_calls, permanent_error_calls)"
        )
        c.execute(
            "create table marts.channel_performance as select * from (values"
            " ('D01', date '2026-11-24', 'data_driven', 'google_ads', 100.0, 2.0, 1.0, 30000.0),"
            " ('D01', date '2026-11-24', 'last_non_direct', 'google_ads', 100.0, 3.0, 0.0, 0.0))"
            " t(dealer_id, date_day, model, channel, spend, leads, sales, revenue)"
        )
    return DuckDBWarehouse(path)


def test_the_issue_12_marts_are_read_when_they_exist(with_marts):
    inputs = read_report_inputs(with_marts, WEEK)
    assert inputs.left_out == {"segments": "the segments mart (marts.fct_customer_segments) is not built"}
    assert inputs.sources["speed_to_lead"] == "marts.fct_speed_to_lead"
    assert inputs.speed_to_lead["seconds"].tolist() == [90.0]  # this week's answered leads only
    assert inputs.api_health.to_dict("records") == [{"vendor": "twilio", "calls": 100, "errors": 3}]
    assert set(inputs.channel_performance["model"]) == {"data_driven", "last_non_direct"}
    [sms] = inputs.messages.to_dict("records")
    assert sms["channel"] == "sms" and sms["sent"] == 700 and sms["delivered"] == pytest.approx(665)
    assert inputs.funnel.set_index("stage")["customers"].to_dict() == {"intent": 2}
    spikes = inputs.anomalies[["date_day", "metric", "value"]].to_dict("records")
    assert spikes == [{"date_day": date(2026, 11, 25), "metric": "leads", "value": 60.0}]


def test_without_them_each_section_says_what_is_missing(tmp_path):
    path = str(tmp_path / "bare.duckdb")
    with duckdb.connect(path) as c:
        _base(c)
    inputs = read_report_inputs(DuckDBWarehouse(path), WEEK)
    assert set(inputs.left_out) == {
        "speed_to_lead",
        "channel_performance",
        "segments",
        "messages",
        "api_health",
        "daily_kpis",
    }
    assert "marts.channel_performance" in inputs.left_out["channel_performance"]
    assert inputs.anomalies.empty and not inputs.funnel.empty


def test_an_empty_mart_falls_through_to_the_next_source(with_marts, tmp_path):
    """fct_speed_to_lead is built everywhere but holds only the response plane's answers: without any this
    week, the CRM's own first-response times are read instead; with neither, the section says both were empty."""
    path = with_marts.path
    with duckdb.connect(path) as c:
        c.execute("delete from marts.fct_speed_to_lead where received_on >= date '2026-11-23'")
        c.execute(
            "create table staging.stg_crm__leads as select * from (values"
            " ('D01', 'L1', timestamp '2026-11-24 10:00:00')) t(dealer_id, crm_lead_id, created_at)"
        )
        c.execute(
            "create table staging.stg_crm__activities as select * from (values"
            " ('L1', timestamp '2026-11-24 10:05:00'), ('L1', timestamp '2026-11-24 11:00:00'))"
            " t(crm_lead_id, occurred_at)"
        )
    inputs = read_report_inputs(with_marts, WEEK)
    assert inputs.sources["speed_to_lead"] == "staging.stg_crm__leads, staging.stg_crm__activities"
    assert inputs.speed_to_lead.to_dict("records") == [{"dealer_id": "D01", "lead_id": "L1", "seconds": 300.0}]
    assert "speed_to_lead" not in inputs.left_out

    with duckdb.connect(path) as c:
        c.execute("delete from staging.stg_crm__activities")
    inputs = read_report_inputs(with_marts, WEEK)
    assert inputs.speed_to_lead.empty and "speed_to_lead" not in inputs.sources
    assert inputs.left_out["speed_to_lead"] == (
        "no rows this week in marts.fct_speed_to_lead or staging.stg_crm__leads, staging.stg_crm__activities"
    )


class _Recording(DuckDBWarehouse):
    """The DuckDB warehouse, keeping every query the report sends."""

    queries: list[str]

    def query(self, sql: str):
        self.queries.append(sql)
        return super().query(sql)


def test_every_report_query_has_a_bigquery_spelling(with_marts):
    """Prod reads the same queries through BigQueryWarehouse, which transpiles them from DuckDB's dialect."""
    import sqlglot

    from journey_assets.warehouse import bigquery_sql

    recording = _Recording(with_marts.path)
    recording.queries = []
    read_report_inputs(recording, WEEK)
    assert len(recording.queries) >= 6
    for sql in recording.queries:
        spelled = bigquery_sql(sql)
        sqlglot.parse_one(spelled, read="bigquery")  # parses as BigQuery
        assert "date_diff('second'" not in spelled.lower()
