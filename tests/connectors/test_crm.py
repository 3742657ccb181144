"""The CRM client against the sandbox's CRM (served from a hand-built world) over real HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from journey_assets.connectors.crm import CRMClient
from journey_assets.connectors.http import (
    MalformedResponseError,
    PermanentVendorError,
    RetryPolicy,
    TransientVendorError,
)

ADF = """<?xml version="1.0" encoding="UTF-8"?>
<?adf version="1.0"?>
<adf>
  <prospect status="new">
    <id sequence="1" source="cars.com">CC-998877</id>
    <requestdate>2026-11-23T14:30:00-05:00</requestdate>
    <vehicle interest="buy" status="used">
      <year>2021</year><make>Honda</make><model>Accord</model><vin>1HGCV1F42JA141468</vin>
    </vehicle>
    <customer>
      <contact>
        <name part="first">Ana</name><name part="last">Gomez</name>
        <email>ana@example.com</email><phone type="cellphone">+14155552671</phone>
      </contact>
      <comments>Is it still available?</comments>
    </customer>
    <vendor><id source="dealer">D01</id><vendorname>Sunrise Honda</vendorname></vendor>
    <provider><name>Cars.com</name></provider>
  </prospect>
</adf>"""


@pytest.fixture
def fake(sandbox):
    return sandbox.fakes["crm"]


@pytest.fixture
def client(sandbox, fake, fast_retry) -> CRMClient:
    return CRMClient(sandbox.vendor_url("crm"), fake.token, timeout=5, retry=fast_retry)


def lead_gets(sandbox) -> list[dict]:
    return [r for r in sandbox.rows("crm") if r["method"] == "GET" and r["path"] == "/leads"]


def test_iter_leads_pages_through_the_world_in_update_order(sandbox, client, world):
    leads = list(client.iter_leads(per_page=5))
    assert [lead["id"] for lead in leads] == list(world.table("leads").sort_values("updated_at")["lead_id"])
    assert leads[0] == {
        "id": "L00001",
        "dealer_id": "D01",
        "customer_id": "C00001",
        "created_at": "2026-11-02T09:00:00Z",
        "lead_type": "sales",
        "source": "website",
        "vehicle_uuid": "veh-001",
        "status": "new",
        "salesperson_id": "S01",
        "updated_at": "2026-11-02T11:00:00Z",
        "external_id": None,
    }
    assert [json.loads(r["query"])["page"] for r in lead_gets(sandbox)] == [["1"], ["2"], ["3"]]


def test_updated_since_is_inclusive_and_filters(client):
    since = datetime(2026, 11, 10, 11, 0, tzinfo=UTC)
    assert [lead["id"] for lead in client.iter_leads(since, per_page=2)] == ["L00009", "L00010", "L00011", "L00012"]
    assert list(client.iter_leads("2026-12-01T00:00:00Z")) == []


def test_paging_errors(client):
    with pytest.raises(ValueError):
        list(client.iter_leads(per_page=500))
    with pytest.raises(PermanentVendorError) as info:
        client.page("/leads", {"updated_since": "last tuesday"})
    assert info.value.status == 400 and info.value.reason.startswith("invalid_parameter")


def test_create_lead_is_idempotent_on_external_id(sandbox, client, fake, world):
    lead = {
        "dealer_id": "D01",
        "customer": {"first_name": "Ana", "phone": "+14155552671"},
        "source": "journey",
        "lead_type": "sales",
    }
    first = client.create_lead(lead, external_id="journey:evt-123")
    again = client.create_lead(lead, external_id="journey:evt-123")
    assert first.created and not again.created and again.id == first.id
    assert first.lead["status"] == "new" and first.lead["external_id"] == "journey:evt-123"
    assert [r["status"] for r in sandbox.rows("crm") if r["method"] == "POST"] == [201, 200]
    new = list(client.iter_leads(datetime(2026, 11, 23, tzinfo=UTC)))
    assert [n["id"] for n in new] == [first.id]
    assert new[0]["updated_at"].startswith("2026-11-23T")  # the world's clock
    assert len(fake.leads()) == len(world.table("leads")) + 1
    with pytest.raises(ValueError):
        client.create_lead(lead, external_id="")


def test_an_invalid_lead_is_422_with_the_fields(client):
    with pytest.raises(PermanentVendorError) as info:
        client.create_lead({"source": "journey"}, external_id="x")
    assert info.value.status == 422
    assert "validation_failed" in info.value.reason and "dealer_id is required" in info.value.reason


def test_adf_lead_is_accepted_once(sandbox, client, fake):
    receipt = client.submit_adf(ADF)
    assert receipt.created
    repeat = client.submit_adf(ADF.encode())
    assert not repeat.created and repeat.id == receipt.id
    assert [r["status"] for r in sandbox.rows("crm")] == [202, 200]
    lead = client.get_lead(receipt.id)
    assert (lead["dealer_id"], lead["source"], lead["external_id"]) == ("D01", "Cars.com", "adf:cars.com:CC-998877")
    assert lead["customer"]["first_name"] == "Ana" and lead["vehicle"]["vin"] == "1HGCV1F42JA141468"


def test_unparseable_or_hostile_xml_is_refused(client):
    with pytest.raises(PermanentVendorError) as info:
        client.submit_adf("<adf><prospect><id>1</prospect>")
    assert info.value.status == 400 and info.value.reason.startswith("invalid_xml")
    with pytest.raises(PermanentVendorError) as info:
        client.submit_adf('<?xml version="1.0"?><!DOCTYPE adf [<!ENTITY x "y">]><adf><prospect/></adf>')
    assert info.value.reason.startswith("invalid_xml")
    with pytest.raises(PermanentVendorError) as info:
        client.submit_adf("<lead><name>Ana</name></lead>")
    assert "not an ADF document" in info.value.reason


def test_status_update_moves_the_lead_into_the_next_incremental_read(client):
    updated = client.update_lead_status("L00003", "appointment_set", salesperson_id="S07")
    assert (updated["status"], updated["salesperson_id"]) == ("appointment_set", "S07")
    assert [lead["id"] for lead in client.iter_leads("2026-11-23T00:00:00Z")] == ["L00003"]
    with pytest.raises(PermanentVendorError) as info:
        client.update_lead_status("L00003", "maybe")
    assert info.value.status == 422
    with pytest.raises(PermanentVendorError) as info:
        client.update_lead_status("L99999", "sold")
    assert info.value.status == 404


def test_iter_activities(client):
    activities = list(client.iter_activities(datetime(2026, 11, 6, tzinfo=UTC), per_page=2))
    assert [a["id"] for a in activities] == ["A00004", "A00005", "A00006", "A00007"]
    assert activities[0]["occurred_at"] == "2026-11-06T10:00:00Z" and activities[0]["lead_id"] == "L00004"


def test_wrong_token_is_401(sandbox, fast_retry):
    with pytest.raises(PermanentVendorError) as info:
        list(CRMClient(sandbox.vendor_url("crm"), "nope", retry=fast_retry).iter_leads())
    assert info.value.status == 401 and info.value.reason.startswith("unauthorized")


def test_reads_ride_out_rate_limits_5xx_and_timeouts(sandbox, fake):
    client = CRMClient(sandbox.vendor_url("crm"), fake.token, timeout=0.3, retry=RetryPolicy(total=3, backoff_factor=0))
    sandbox.inject("crm", "rate_limit", times=1, retry_after=0, path="^/leads$")
    sandbox.inject("crm", "server_error", times=1, path="^/leads$")
    assert len(list(client.iter_leads(per_page=200))) == 12
    sandbox.inject("crm", "timeout", times=1, delay=0.6, path="^/activities$")
    assert len(list(client.iter_activities())) == 7
    statuses = [(r["path"], r["fault"]) for r in sandbox.rows("crm")]
    assert statuses[:3] == [("/leads", "rate_limit"), ("/leads", "server_error"), ("/leads", None)]
    assert ("/activities", "timeout") in statuses and statuses[-1] == ("/activities", None)


def test_a_5xx_on_create_is_not_repeated_and_the_retry_next_run_is_safe(sandbox, client, fake):
    sandbox.inject("crm", "server_error", times=1, path="^/leads$")
    lead = {"dealer_id": "D02", "customer_id": "C00009"}
    with pytest.raises(TransientVendorError):
        client.create_lead(lead, external_id="journey:evt-9")
    assert len(sandbox.rows("crm")) == 1
    assert client.create_lead(lead, external_id="journey:evt-9").created  # next run


def test_a_malformed_page_is_refused(sandbox, client):
    sandbox.inject("crm", "malformed", times=1)
    with pytest.raises(MalformedResponseError):
        list(client.iter_leads())
