"""Retention campaigns end to end against the sandbox's Twilio and Customer.io fakes over HTTP, with the
response plane's own ledger (one touch history, one STOP list) and, for the asset, a hand-built DuckDB.

Every test pins its clock (quiet hours depend on it): `DAY` is noon in Chicago, `NIGHT` 23:30 there."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import dagster as dg
import duckdb
import pandas as pd
import pytest
from support.respond_harness import VEHICLES, Harness, new_phone, vehicle_of, wait_for

from journey_assets.activation.campaigns import (
    ACTION,
    CampaignConfigError,
    CampaignDeps,
    load_campaigns,
    parse_campaigns,
    run_campaigns,
)
from journey_assets.connectors.customerio import CustomerIOAppClient
from journey_assets.connectors.http import RetryPolicy
from journey_assets.connectors.twilio import TwilioClient
from journey_assets.defs.activate.campaigns import retention_campaigns
from journey_assets.defs.report.resources import ReportWarehouseResource
from journey_assets.defs.respond.resources import (
    CustomerIOAppResource,
    RespondSettingsResource,
    ResponseLedgerResource,
    TwilioResource,
)
from journey_assets.response.ledger import DONE, IN_DOUBT, PENDING
from journey_assets.sandbox.fakes import customerio_reporting
from journey_assets.sandbox.fakes import twilio as twilio_fake

DAY = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # noon in Chicago
NIGHT = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)  # 23:30 in Chicago on Nov 24
AS_OF = date(2026, 11, 23)
CAMPAIGNS = load_campaigns()
SERVICE = tuple(c for c in CAMPAIGNS if c.key == "service_reminder")
_people = itertools.count(1)


def person(audience: str = "service_due", **fields: Any) -> dict[str, Any]:
    """One row of marts.activation_campaign_audience (a fresh phone, a written SMS consent, Chicago)."""
    n = next(_people)
    row = {
        "audience": audience,
        "customer_key": f"cust{n:04d}",
        "dealer_id": "D01",
        "first_name": "Ann",
        "email": f"owner{n}@example.com",
        "phone": new_phone(),
        "email_consent": True,
        "sms_consent": True,
        "zip5": "60614",
        "rooftop_timezone": "America/Chicago",
        "preferred_channel": "sms",
        "service_state": "active",
        "dormant": False,
        "high_value": False,
        "journey_stage": "retention",
        "vehicle_name": "2021 Honda Civic",
        "next_service_due_date": date(2026, 12, 10),
        "lease_maturity_date": None,
        "rooftop_name": "Lakeside Honda",
        "rooftop_phone": "+13125550100",
        "rooftop_address": "100 N Lake St, Chicago, IL 60601",
        "rooftop_website": "https://www.lakesidehonda.example",
        "as_of_date": AS_OF,
    }
    row.update(fields)
    return row


def clients(h: Harness, timeout: float = 5) -> tuple[TwilioClient, CustomerIOAppClient]:
    retry = RetryPolicy(total=0, backoff_factor=0)
    twilio = TwilioClient(
        twilio_fake.DEFAULT_ACCOUNT_SID,
        twilio_fake.DEFAULT_AUTH_TOKEN,
        base_url=h.url("twilio"),
        from_number="+13125550100",
        retry=retry,
        timeout=timeout,
    )
    return twilio, CustomerIOAppClient("sandbox-app-api-key", base_url=h.url("customerio"), retry=retry, timeout=5)


def deps(h: Harness, at: datetime, **kwargs: Any) -> CampaignDeps:
    twilio, email = clients(h, kwargs.pop("timeout", 5))
    return CampaignDeps(h.ledger, twilio, email, clock=lambda: at, **kwargs)


def sms_posts(h: Harness) -> list[dict[str, str]]:
    return [
        {k: v[0] for k, v in parse_qs(r["body"]).items()}
        for r in h.rows("twilio")
        if r["method"] == "POST" and r["path"].endswith("/Messages.json")
    ]


def email_posts(h: Harness) -> list[dict]:
    return [json.loads(r["body"]) for r in h.rows("customerio") if r["path"] == "/v1/send/email"]


# --- configuration -----------------------------------------------------------------------------


def test_the_shipped_campaigns_cover_the_four_retention_flows():
    assert {c.key: c.audience for c in CAMPAIGNS} == {
        "service_reminder": "service_due",
        "win_back": "win_back",
        "lease_end": "lease_end",
        "loyal_owner_rewards": "loyal_owner",
    }
    assert all(c.category == "marketing" and c.resend_days >= 30 for c in CAMPAIGNS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"audience": "everyone"}, "audience 'everyone' is not one of"),
        ({"where": {"email": "a@b.c"}}, "unknown columns ['email']"),
        ({"resend_days": 0}, "resend_days must be a whole number"),
        ({"template": "birthday"}, "no SMS and email templates for 'birthday'"),
        ({"category": "transactional"}, "retention campaigns are marketing"),
        ({"colour": "red"}, "unknown fields ['colour']"),
        ({"customerio_message_id": None}, "`customerio_message_id` is required"),
    ],
)
def test_a_bad_campaign_is_refused_with_a_clear_error(change, message):
    raw = {
        "key": "svc",
        "audience": "service_due",
        "template": "service_reminder",
        "category": "marketing",
        "resend_days": 30,
        "customerio_message_id": "svc",
        **change,
    }
    with pytest.raises(CampaignConfigError, match="campaign 'svc'") as err:
        parse_campaigns({"campaigns": [raw]})
    assert message in str(err.value)


def test_duplicate_campaign_keys_and_an_empty_file_are_refused(tmp_path: Path):
    raw = {"key": "svc", "audience": "service_due", "template": "service_reminder", "category": "marketing",
           "resend_days": 30, "customerio_message_id": "svc"}  # fmt: skip
    with pytest.raises(CampaignConfigError, match=r"duplicate keys \['svc'\]"):
        parse_campaigns({"campaigns": [raw, raw]})
    empty = tmp_path / "campaigns.yml"
    empty.write_text("campaigns: []\n")
    with pytest.raises(CampaignConfigError, match="campaigns.yml: campaigns config: expected a top-level"):
        load_campaigns(empty)


# --- eligibility and channel -----------------------------------------------------------------------


def test_each_campaign_takes_its_audience_and_its_conditions(harness: Harness):
    campaigns = parse_campaigns(
        {
            "campaigns": [
                {
                    "key": "win_back_defected",
                    "audience": "win_back",
                    "where": {"service_state": ["defected"]},
                    "template": "win_back",
                    "category": "marketing",
                    "resend_days": 90,
                    "offer": "15% off.",
                    "customerio_message_id": "wb",
                }
            ]
        }
    )
    rows = [
        person("win_back", service_state="defected"),
        person("win_back", service_state="recently_lost"),
        person("service_due", service_state="defected"),
    ]
    report = run_campaigns(campaigns, rows, deps(harness, DAY), as_of=AS_OF)
    assert report.counts()["win_back_defected"]["eligible"] == 1
    assert [s.customer_key for s in report.sends] == [rows[0]["customer_key"]]
    posts = sms_posts(harness)
    assert [p["To"] for p in posts] == [rows[0]["phone"]]
    assert "we miss you! 15% off." in posts[0]["Body"] and posts[0]["Body"].endswith("Reply STOP to opt out")


def test_no_marketing_text_without_written_consent_email_instead_or_nothing(harness: Harness):
    by_email = person(sms_consent=False)  # prefers SMS, no written consent: email through Customer.io
    nothing = person(sms_consent=False, email_consent=False)
    report = run_campaigns(SERVICE, [by_email, nothing], deps(harness, DAY), as_of=AS_OF)
    got = {s.customer_key: s for s in report.sends}
    assert got[by_email["customer_key"]].status == "sent" and got[by_email["customer_key"]].channel == "email"
    refused = got[nothing["customer_key"]]
    assert refused.status == "refused" and "marketing SMS needs prior express written consent" in refused.reason
    assert sms_posts(harness) == []
    (mail,) = email_posts(harness)
    assert mail["to"] == by_email["email"] and mail["identifiers"] == {"id": by_email["customer_key"]}
    assert mail["send_to_unsubscribed"] is False and "due for its next scheduled service (due Dec 10)" in mail["body"]
    assert "Unsubscribe: https://www.lakesidehonda.example/unsubscribe?c=" in mail["body"]


def test_an_opted_out_person_is_never_sent(harness: Harness):
    stopped = person(email_consent=False)
    harness.ledger.set_suppression(stopped["phone"], True, "STOP", DAY - timedelta(days=3))
    moved_to_email = person()  # STOPped texts but still takes email
    harness.ledger.set_suppression(moved_to_email["phone"], True, "STOP", DAY - timedelta(days=3))
    report = run_campaigns(SERVICE, [stopped, moved_to_email], deps(harness, DAY), as_of=AS_OF)
    got = {s.customer_key: s for s in report.sends}
    assert got[stopped["customer_key"]].status == "refused"
    assert "replied STOP" in got[stopped["customer_key"]].reason
    assert got[moved_to_email["customer_key"]].channel == "email"
    assert sms_posts(harness) == []
    assert [m["to"] for m in email_posts(harness)] == [moved_to_email["email"]]


def test_an_unsubscribe_in_customerio_refuses_every_later_marketing_email(harness: Harness):
    """Customer.io's fake reports an unsubscribe to the intake (signed, over HTTP); the response run puts the
    address on the ledger's suppression list, and the next campaign refuses the email with the reason."""
    gone = person(sms_consent=False, preferred_channel="email")  # email is the one channel for both
    stays = person(sms_consent=False, preferred_channel="email")
    webhooks = customerio_reporting.ReportingWebhooks(harness.intake.url + "/customerio/reporting")
    try:
        event = {
            "event_id": "01JUNSUBSCRIBE0000000000001",
            "object_type": "email",
            "metric": "unsubscribed",
            "timestamp": int((DAY - timedelta(hours=1)).timestamp()),
            "data": {
                "customer_id": gone["customer_key"],
                "email_address": gone["email"].upper(),  # Customer.io's case is not ours
                "delivery_id": "RAECAAFwnUSneIa0ZXkmb8EK2Q==",
                "newsletter_id": 2001,
            },
        }
        assert webhooks.post(event) == 200
        assert webhooks.post({**event, "event_id": "01JOPENED000000000000000001", "metric": "opened"}) == 200
    finally:
        webhooks.close()
    results = {o.event_type: o.result for o in harness.run().outcomes}
    assert results == {"email_unsubscribed": "email_opt_out", "email_opened": "ignored"}

    report = run_campaigns(SERVICE, [gone, stays], deps(harness, DAY), as_of=AS_OF)
    got = {s.customer_key: s for s in report.sends}
    refused = got[gone["customer_key"]]
    assert (refused.status, refused.channel, refused.rule) == ("refused", "email", "consent")
    assert "unsubscribed from marketing email" in refused.reason
    assert got[stays["customer_key"]].status == "sent"
    assert [m["to"] for m in email_posts(harness)] == [stays["email"]]


def test_quiet_hours_defer_with_the_reason_and_the_morning_sends(harness: Harness):
    row = person()
    report = run_campaigns(SERVICE, [row], deps(harness, NIGHT), as_of=AS_OF)
    (send,) = report.sends
    assert send.status == "deferred" and send.rule == "quiet_hours"
    assert send.send_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # 08:00 in Chicago
    assert "quiet hours" in send.reason.lower() and sms_posts(harness) == []

    again = run_campaigns(SERVICE, [row], deps(harness, NIGHT + timedelta(hours=2)), as_of=AS_OF)
    assert again.sends == [] and again.already == {"service_reminder": 1}  # still deferred: nothing new
    morning = run_campaigns(SERVICE, [row], deps(harness, send.send_at + timedelta(minutes=5)), as_of=AS_OF)
    assert [s.status for s in morning.sends] == ["sent"] and len(sms_posts(harness)) == 1


# --- one touch history with the real-time plane --------------------------------------------------------


def test_a_campaign_text_counts_against_the_realtime_planes_caps(harness: Harness):
    row = person()
    run_campaigns(SERVICE, [row], deps(harness, harness.now()), as_of=AS_OF)
    assert len(sms_posts(harness)) == 1
    # the same shopper then keeps viewing a vehicle page: the respond plane's marketing text is held back
    for _ in range(3):
        harness.intent("vdp_view", phone=row["phone"], email=row["email"], vehicle=vehicle_of(VEHICLES[3]))
    harness.run()
    held = [a for a in harness.ledger.actions() if a.action == "sms"]
    assert len(held) == 1 and held[0].status == "deferred"
    assert "sms_marketing_daily 1/1" in held[0].detail["reason"]
    assert len(sms_posts(harness)) == 1


def test_the_realtime_planes_text_counts_against_a_campaign(harness: Harness):
    phone, email = new_phone(), "shopper@example.com"
    for _ in range(3):
        harness.intent("vdp_view", phone=phone, email=email, vehicle=vehicle_of(VEHICLES[3]))
    harness.run()
    assert len(sms_posts(harness)) == 1  # the respond plane's marketing text
    report = run_campaigns(SERVICE, [person(phone=phone, email=email)], deps(harness, harness.now()), as_of=AS_OF)
    (send,) = report.sends
    assert send.status == "deferred" and send.rule == "caps" and "sms_marketing_daily 1/1" in send.reason
    assert len(sms_posts(harness)) == 1


# --- exactly once ------------------------------------------------------------------------------------


def test_a_lost_twilio_response_is_found_not_sent_twice(harness: Harness):
    row = person()
    harness.configure_twilio(callback_delay=5)  # Twilio still has it queued (no date_sent) when it is looked up
    harness.server.inject("twilio", "timeout", times=1, delay=1.5, path=r"/Messages\.json$")
    first = run_campaigns(SERVICE, [row], deps(harness, DAY, timeout=0.5), as_of=AS_OF)
    (send,) = first.sends
    assert send.status == "deferred" and "transient" in send.reason
    key = send.send_key
    assert harness.ledger.get_action(key, ACTION).status == PENDING
    harness.server.clear_faults()
    # the fake answers the timed-out POST after its delay: wait until Twilio holds the message
    wait_for(lambda: [r for r in harness.rows("twilio") if r["path"].endswith("/Messages.json") and r["status"]])
    twilio = harness.server.fakes["twilio"]
    (queued,) = wait_for(lambda: [m for m in list(twilio.messages.values()) if m["to"] == row["phone"]])

    too_soon = run_campaigns(SERVICE, [row], deps(harness, DAY + timedelta(minutes=5)), as_of=AS_OF)
    assert too_soon.sends == []
    later = run_campaigns(SERVICE, [row], deps(harness, DAY + timedelta(minutes=20)), as_of=AS_OF)
    (found,) = later.sends
    assert found.status == "sent" and "found at Twilio" in found.reason
    assert queued["sid"] == found.vendor_ref and queued["date_sent"] is None  # found while still queued
    assert len(sms_posts(harness)) == 1  # the timed-out POST reached Twilio; nothing was sent again
    record = harness.ledger.get_action(key, ACTION)
    assert record.status == DONE and record.vendor_ref == found.vendor_ref
    tomorrow = run_campaigns(SERVICE, [row], deps(harness, DAY + timedelta(days=1)), as_of=AS_OF + timedelta(days=1))
    assert tomorrow.sends == [] and len(sms_posts(harness)) == 1  # same window: never again


def test_an_email_whose_outcome_is_unknown_is_never_repeated(harness: Harness):
    row = person(preferred_channel="email")
    harness.server.inject("customerio", "server_error", times=1, status=500, path=r"/v1/send/email$")
    (send,) = run_campaigns(SERVICE, [row], deps(harness, DAY), as_of=AS_OF).sends
    assert send.status == "deferred" and send.channel == "email"
    (again,) = run_campaigns(SERVICE, [row], deps(harness, DAY + timedelta(hours=1)), as_of=AS_OF).sends
    assert again.status == "in_doubt"
    assert harness.ledger.get_action(send.send_key, ACTION).status == IN_DOUBT
    assert len(email_posts(harness)) == 1


# --- the asset and ops.campaign_sends -----------------------------------------------------------------


def _warehouse(path: Path, rows: list[dict[str, Any]]) -> str:
    frame = pd.DataFrame(rows)
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema marts")
        conn.register("rows", frame)
        conn.execute("create table marts.activation_campaign_audience as select * from rows")
    return str(path)


def _materialize(h: Harness, db: str, at: datetime, dry_run: bool = False) -> dg.AssetMaterialization:
    result = dg.materialize(
        [retention_campaigns],
        resources={
            "report_warehouse": ReportWarehouseResource(duckdb_path=db),
            "respond_ledger": ResponseLedgerResource(path=str(h.ledger_path)),
            "respond_settings": RespondSettingsResource(
                rooftops_file=str(h.rooftops_file), salespeople_file=str(h.salespeople_file), dry_run=dry_run
            ),
            "respond_twilio": TwilioResource(
                base_url=h.url("twilio"),
                account_sid=twilio_fake.DEFAULT_ACCOUNT_SID,
                auth_token=twilio_fake.DEFAULT_AUTH_TOKEN,
                from_number="+13125550100",
            ),
            "respond_customerio": CustomerIOAppResource(
                base_url=h.url("customerio"), app_api_key="sandbox-app-api-key"
            ),
        },
        run_config={"ops": {"activation__retention_campaigns": {"config": {"now": at.isoformat()}}}},
    )
    assert result.success
    (event,) = result.asset_materializations_for_node("activation__retention_campaigns")
    return event


def test_the_asset_records_every_decision_without_pii_and_sends_once(harness: Harness, tmp_path: Path):
    texted, mailed, stopped = person(), person(preferred_channel="email"), person(email_consent=False)
    harness.ledger.set_suppression(stopped["phone"], True, "STOP", DAY - timedelta(days=1))
    lease = person("lease_end", lease_maturity_date=date(2027, 3, 1), vehicle_name="2024 Honda HR-V")
    rows = [texted, mailed, stopped, lease]
    db = _warehouse(tmp_path / "w.duckdb", rows)

    dry = _materialize(harness, db, DAY, dry_run=True)
    assert dry.metadata["dry_run"].value is True and sms_posts(harness) == [] and email_posts(harness) == []

    assert harness.ledger.actions() == []  # a dry run leaves the window to the real run
    event = _materialize(harness, db, DAY)
    service = event.metadata["service_reminder"].value
    assert service == {"eligible": 3, "already_decided": 0, "sent": 2, "deferred": 0, "refused": 1, "dry_run": 0,
                       "in_doubt": 0}  # fmt: skip
    assert event.metadata["lease_end"].value["sent"] == 1
    bodies = [p["Body"] for p in sms_posts(harness)]
    assert len(bodies) == 2 and any("lease on your 2024 Honda HR-V ends March 1, 2027" in b for b in bodies)

    again = _materialize(harness, db, DAY + timedelta(hours=1))
    assert again.metadata["service_reminder"].value["already_decided"] == 3
    assert len(sms_posts(harness)) == 2 and len(email_posts(harness)) == 1

    with duckdb.connect(db, read_only=True) as conn:
        table = conn.execute("select * from ops.campaign_sends").df()
    assert sorted(table["status"]) == ["dry_run"] * 3 + ["refused"] * 2 + ["sent"] * 3
    text = table.astype(str).to_csv()
    for row in rows:
        assert row["phone"] not in text and row["email"] not in text
    sent_sms = table[(table["status"] == "sent") & (table["channel"] == "sms")]
    assert set(sent_sms["to_masked"]) == {"*" * 8 + texted["phone"][-4:], "*" * 8 + lease["phone"][-4:]}
    refused = table[(table["status"] == "refused")]
    assert all("STOP" in reason for reason in refused["reason"])


def test_the_nightly_and_the_daytime_job_run_the_campaigns():
    from journey_assets.definitions import defs
    from journey_assets.defs.activate.campaigns import CAMPAIGNS_KEY

    repo = defs.get_repository_def()
    nightly = repo.get_job("nightly").asset_layer.executable_asset_keys
    daytime = repo.get_job("retention_campaigns").asset_layer.executable_asset_keys
    assert CAMPAIGNS_KEY in nightly and set(daytime) == {CAMPAIGNS_KEY}
    assert repo.get_schedule_def("retention_campaigns_schedule").execution_timezone == "America/New_York"


def test_a_credentials_refusal_defers_and_does_not_use_up_the_window(harness: Harness):
    row = person(preferred_channel="email")
    twilio, _ = clients(harness)
    wrong = CustomerIOAppClient("wrong-key", base_url=harness.url("customerio"), retry=RetryPolicy(total=0), timeout=5)
    (send,) = run_campaigns(
        SERVICE, [row], CampaignDeps(harness.ledger, twilio, wrong, clock=lambda: DAY), as_of=AS_OF
    ).sends
    assert send.status == "deferred" and "credentials" in send.reason
    (later,) = run_campaigns(SERVICE, [row], deps(harness, DAY + timedelta(hours=1)), as_of=AS_OF).sends
    assert later.status == "sent" and len(email_posts(harness)) == 2  # the refused one and the sent one


def test_the_resend_interval_holds_across_a_window_boundary(harness: Harness):
    row = person()
    campaign = SERVICE[0]
    start = campaign.window_start(AS_OF)
    last_day = start + timedelta(days=campaign.resend_days - 1)  # the window's last day, then the next one's first
    at = datetime.combine(last_day, DAY.timetz())
    (first,) = run_campaigns(SERVICE, [row], deps(harness, at), as_of=last_day).sends
    assert first.status == "sent"
    nxt = at + timedelta(days=2)
    (second,) = run_campaigns(SERVICE, [row], deps(harness, nxt), as_of=nxt.date()).sends
    assert second.send_key != first.send_key and second.status == "deferred" and second.rule == "resend_interval"
    assert second.send_at == at + timedelta(days=campaign.resend_days)
    assert len(sms_posts(harness)) == 1


def test_a_claim_left_by_a_dead_process_is_looked_up_before_sending(harness: Harness):
    row = person()
    key = f"campaign:service_reminder:{row['customer_key']}:{SERVICE[0].window_start(AS_OF).isoformat()}"
    assert harness.ledger.claim(key, ACTION, DAY - timedelta(minutes=10)).granted  # claimed, then the process died
    (send,) = run_campaigns(SERVICE, [row], deps(harness, DAY), as_of=AS_OF).sends
    assert send.status == "sent" and send.attempt == 2
    lookups = [r for r in harness.rows("twilio", "GET") if r["path"].endswith("/Messages.json")]
    assert len(lookups) == 1 and json.loads(lookups[0]["query"])["To"] == [row["phone"]]
    assert len(sms_posts(harness)) == 1
