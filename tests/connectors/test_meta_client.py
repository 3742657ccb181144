"""The Meta Graph client against the sandbox fake over real HTTP: paging, async reports, throttling, faults, leads."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from support.marketing_world import ACCOUNTS, DAYS, FAST, PAGES, new_requests, settle

from journey_assets.connectors.http import MalformedResponseError, PermanentVendorError, TransientVendorError
from journey_assets.connectors.meta import MetaGraphClient, ThrottlePolicy, insights_row

NO_WAIT = ThrottlePolicy(threshold_pct=75, max_pause=0.0, retries=3, backoff=0.0)


def client(server, **kwargs) -> MetaGraphClient:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("timeout", 2.0)
    kwargs.setdefault("poll_interval", 0.0)
    kwargs.setdefault("throttle", NO_WAIT)
    return MetaGraphClient(server.vendor_url("meta"), "test-token", **kwargs)


def test_sync_insights_page_by_cursor(fresh_sandbox):
    rows = list(client(fresh_sandbox, page_size=4).insights(ACCOUNTS["D01"], DAYS[0], DAYS[-1]))
    # D01 runs two Meta ads for five days; the Google ad and D02's ad are not in this account.
    assert len(rows) == 10
    assert {r["ad_id"] for r in rows} == {"4001", "4002"}
    assert sorted({r["date_start"] for r in rows}) == [d.isoformat() for d in DAYS]
    pages = new_requests(fresh_sandbox, "meta")
    assert [r["status"] for r in pages] == [200, 200, 200]  # 4 + 4 + 2 rows
    first = json.loads(pages[0]["query"])
    assert first["level"] == ["ad"] and first["time_increment"] == ["1"]
    assert json.loads(first["time_range"][0]) == {"since": "2026-11-18", "until": "2026-11-22"}
    assert "after" in json.loads(pages[1]["query"])  # the second page came from paging.next


def test_insights_rows_flatten_to_our_columns(fresh_sandbox):
    rows = {(r["ad_id"], r["date_start"]): r for r in client(fresh_sandbox).insights(ACCOUNTS["D01"], DAYS[0], DAYS[0])}
    raw = rows[("4002", "2026-11-18")]
    assert raw["spend"] == "13.50" and raw["impressions"] == "1100"  # Graph sends numbers as strings
    flat = insights_row(raw)
    assert flat["leads"] == 1.0 and flat["campaign_name"] == "D01 Conquest" and flat["adset_id"] == "3001"
    assert insights_row(rows[("4001", "2026-11-18")])["leads"] == 0.0  # no lead action, no actions entry


def test_long_range_runs_as_an_async_report(fresh_sandbox):
    fresh_sandbox.fakes["meta"].async_step = 30  # 30, 60, 90, 100: four polls
    meta = client(fresh_sandbox, sync_max_days=3)
    rows = list(meta.insights(ACCOUNTS["D01"], DAYS[0], DAYS[-1]))
    assert len(rows) == 10
    calls = [(r["method"], r["path"]) for r in new_requests(fresh_sandbox, "meta")]
    report_id = [p for m, p in calls if m == "GET" and not p.endswith("insights")][0].rsplit("/", 1)[1]
    version = meta.api_version
    assert calls[0] == ("POST", f"/{version}/act_{ACCOUNTS['D01']}/insights")
    assert calls.count(("GET", f"/{version}/{report_id}")) == 4
    assert calls[-1] == ("GET", f"/{version}/{report_id}/insights")
    assert [why for why, _ in meta.pauses if "report" in why][-1].endswith("90%")


def test_too_much_data_falls_back_to_a_report(fresh_sandbox):
    fresh_sandbox.fakes["meta"].sync_max_rows = 3
    rows = list(client(fresh_sandbox).insights(ACCOUNTS["D01"], DAYS[0], DAYS[2]))
    assert len(rows) == 6
    statuses = [(r["method"], r["status"]) for r in new_requests(fresh_sandbox, "meta")]
    assert statuses[0] == ("GET", 400) and statuses[1] == ("POST", 200)


def test_a_failed_report_run_is_transient(fresh_sandbox):
    fresh_sandbox.inject("meta", "partial", path=r"^/v[\d.]+/\d+$", times=1)
    with pytest.raises(TransientVendorError, match="Job Failed"):
        list(client(fresh_sandbox).insights(ACCOUNTS["D01"], DAYS[0], DAYS[0], force_async=True))


def test_high_utilisation_slows_the_client_down(fresh_sandbox):
    meta_fake = fresh_sandbox.fakes["meta"]
    meta_fake.per_call_pct, meta_fake.window = 40, 0.4
    meta = client(fresh_sandbox, page_size=2, throttle=ThrottlePolicy(threshold_pct=75, max_pause=0.45, retries=0))
    rows = list(meta.insights(ACCOUNTS["D01"], DAYS[0], DAYS[-1]))
    assert len(rows) == 10
    assert meta.pauses and all("utilisation" in why for why, _ in meta.pauses)
    # Slowing down kept every call under the limit: Meta never had to refuse one.
    assert {r["status"] for r in new_requests(fresh_sandbox, "meta")} == {200}


def test_a_rate_limit_error_is_retried_with_backoff(fresh_sandbox):
    meta_fake = fresh_sandbox.fakes["meta"]
    meta_fake.per_call_pct, meta_fake.window = 60, 0.3
    # Never pauses on the header, so the second page hits code 80000; the backoff outlasts the window.
    meta = client(fresh_sandbox, page_size=4, throttle=ThrottlePolicy(threshold_pct=101, retries=3, backoff=0.35))
    assert len(list(meta.insights(ACCOUNTS["D01"], DAYS[0], DAYS[-1]))) == 10
    assert 400 in {r["status"] for r in new_requests(fresh_sandbox, "meta")}
    assert any("code 80000" in why for why, _ in meta.pauses)


def test_a_rate_limit_that_persists_ends_transient(fresh_sandbox):
    fresh_sandbox.fakes["meta"].per_call_pct = 100  # every call after the first is refused
    meta = client(fresh_sandbox, page_size=4, throttle=ThrottlePolicy(threshold_pct=101, retries=2, backoff=0.0))
    with pytest.raises(TransientVendorError, match="80000"):
        list(meta.insights(ACCOUNTS["D01"], DAYS[0], DAYS[-1]))


@pytest.mark.parametrize("kind", ["rate_limit", "server_error", "drop"])
def test_a_transient_fault_is_retried(fresh_sandbox, kind):
    fresh_sandbox.inject("meta", kind, times=1, retry_after=0)
    assert len(list(client(fresh_sandbox).insights(ACCOUNTS["D02"], DAYS[0], DAYS[-1]))) == 5


def test_a_slow_answer_times_out_and_is_retried(fresh_sandbox):
    fresh_sandbox.inject("meta", "timeout", times=1, delay=1.0)
    assert len(list(client(fresh_sandbox, timeout=0.3).insights(ACCOUNTS["D02"], DAYS[0], DAYS[0]))) == 1
    assert len(new_requests(fresh_sandbox, "meta")) == 2
    settle(fresh_sandbox, "meta")


def test_a_malformed_page_fails_loudly(fresh_sandbox):
    fresh_sandbox.inject("meta", "malformed", times=1)
    with pytest.raises(MalformedResponseError):
        list(client(fresh_sandbox).insights(ACCOUNTS["D01"], DAYS[0], DAYS[0]))


def test_a_graph_error_is_permanent_with_metas_words(fresh_sandbox):
    with pytest.raises(PermanentVendorError) as error:
        list(client(fresh_sandbox).insights("999", DAYS[0], DAYS[0]))
    assert error.value.status == 400 and "does not exist" in error.value.reason and "fbtrace_id" in error.value.reason
    tokenless = MetaGraphClient(fresh_sandbox.vendor_url("meta"), "", retry=FAST)
    with pytest.raises(PermanentVendorError, match="code 104"):
        list(tokenless.insights(ACCOUNTS["D01"], DAYS[0], DAYS[0]))


def test_leads_of_a_day_through_page_and_forms(fresh_sandbox):
    meta = client(fresh_sandbox, page_size=1)
    assert meta.promoted_pages(ACCOUNTS["D01"]) == [PAGES["D01"]]
    forms = meta.lead_forms(PAGES["D01"])
    assert [f["id"] for f in forms] == ["5001"]
    start, end = datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)
    leads = list(meta.leads("5001", start, end))
    # 23:59:59 belongs to the 20th, midnight of the 21st does not.
    assert [lead["id"] for lead in leads] == ["7001", "7002"]
    answers = {item["name"]: item["values"] for item in leads[0]["field_data"]}
    assert answers["email"] == ["Ana.Ruiz@Example.com"] and answers["full_name"] == ["Ana Ruiz"]
    assert leads[0]["ad_id"] == "4001" and leads[0]["created_time"] == "2026-11-20T15:00:00+0000"
    filtering = json.loads(json.loads(new_requests(fresh_sandbox, "meta")[-1]["query"])["filtering"][0])
    assert {f["operator"] for f in filtering} == {"GREATER_THAN", "LESS_THAN"}


def test_a_lead_without_its_answers_fails_loudly(fresh_sandbox):
    fresh_sandbox.inject("meta", "partial", path=r"/leads$", times=1)
    start, end = datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)
    with pytest.raises(MalformedResponseError, match="field_data"):
        list(client(fresh_sandbox).leads("5001", start, end))


def test_one_lead_read_by_its_leadgen_id(fresh_sandbox):
    lead = client(fresh_sandbox).get_lead("7001")
    assert lead["id"] == "7001" and lead["form_id"] == "5001" and lead["ad_id"] == "4001"
    assert lead["created_time"] == "2026-11-20T15:00:00+0000"
    assert {"name": "full_name", "values": ["Ana Ruiz"]} in lead["field_data"]
    (request,) = new_requests(fresh_sandbox, "meta")
    assert request["path"].endswith("/7001")
    assert json.loads(request["query"])["fields"] == ["created_time,id,ad_id,form_id,field_data"]


def test_an_unknown_lead_is_permanent_with_metas_reason(fresh_sandbox):
    with pytest.raises(PermanentVendorError) as raised:
        client(fresh_sandbox).get_lead("7999")
    assert "Object with ID '7999' does not exist" in raised.value.reason
    assert "code 100, subcode 33" in raised.value.reason and raised.value.status == 400


def test_a_lead_read_that_keeps_failing_is_transient(fresh_sandbox):
    fresh_sandbox.inject("meta", "server_error", path=r"/7001$", times=10)
    with pytest.raises(TransientVendorError):
        client(fresh_sandbox).get_lead("7001")


def test_a_lead_read_without_its_answers_fails_loudly(fresh_sandbox):
    fresh_sandbox.inject("meta", "partial", path=r"/7001$", times=1)
    with pytest.raises(MalformedResponseError, match="field_data"):
        client(fresh_sandbox).get_lead("7001")


def test_throttle_header_is_read(fresh_sandbox):
    meta = client(fresh_sandbox)
    list(meta.insights(ACCOUNTS["D02"], date(2026, 11, 18), date(2026, 11, 18)))
    assert meta.last_throttle is not None and meta.last_throttle.acc_id_util_pct > 0


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (
            {
                "message": "(#17) User request limit reached",
                "type": "OAuthException",
                "code": 17,
                "error_subcode": 2446079,
            },
            True,
        ),
        ({"message": "(#4) Application request limit reached", "type": "OAuthException", "code": 4}, True),
        ({"message": "too many calls", "code": 80004, "fbtrace_id": "Ab1"}, True),
        ({"message": "temporary", "code": 9999, "is_transient": True}, True),
        (
            {"message": "Error validating access token", "type": "OAuthException", "code": 190, "error_subcode": 463},
            False,
        ),
        ({"message": "(#100) Invalid parameter", "code": 100}, False),
    ],
)
def test_graph_rate_limit_codes_are_transient(error, transient):
    from journey_assets.connectors.meta import GraphError

    parsed = GraphError.parse({"error": error})
    assert parsed is not None and parsed.rate_limited is transient
