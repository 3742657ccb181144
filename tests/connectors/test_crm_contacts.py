"""CRM contacts: the fake's contact book over real HTTP, read by the CRM client, flattened and normalized for raw."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from support.marketing_world import FAST, new_requests

from journey_assets.connectors.crm import CRMClient, contact_fields
from journey_assets.connectors.http import PermanentVendorError
from journey_assets.sources.crm import CONTACTS, contact_problems, contact_row, within_day
from journey_assets.sources.spec import Batch, apply_rules

LOADED_AT = datetime(2026, 11, 21, 3, tzinfo=UTC)


def client(server) -> CRMClient:
    return CRMClient(server.vendor_url("crm"), "sandbox-crm-token", timeout=2.0, retry=FAST)


def test_contacts_page_through_in_update_order_in_the_crm_shape(fresh_sandbox):
    contacts = list(client(fresh_sandbox).iter_contacts(per_page=1))
    # The hand-built world's customers have no creation time of their own: each exists from its first lead.
    assert [c["id"] for c in contacts] == ["C003", "C004", "C001", "C002"]
    ana = next(c for c in contacts if c["id"] == "C001")
    assert ana == {
        "id": "C001",
        "dealer_id": "D01",  # the rooftop of its lead, as the world gives the customer none
        "first_name": "Ana",
        "last_name": "Ruiz",
        "emails": [{"address": "Ana.Ruiz@Example.com", "type": "personal", "preferred": True}],
        "phones": [{"number": "(312) 555-0142", "type": "mobile", "preferred": True}],
        "addresses": [],
        "birth_year": None,
        "gender": None,
        "communication": {"preferred_channel": None, "sms_opt_in": False, "email_opt_in": False},
        "created_at": "2026-11-20T15:00:00Z",
        "updated_at": "2026-11-20T15:00:00Z",
    }
    pages = [json.loads(r["query"])["page"] for r in new_requests(fresh_sandbox, "crm")]
    assert pages == [["1"], ["2"], ["3"], ["4"]]


def test_updated_since_is_inclusive_and_a_bad_one_is_refused(fresh_sandbox):
    crm = client(fresh_sandbox)
    since = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    assert [c["id"] for c in crm.iter_contacts(since)] == ["C001", "C002"]
    assert list(crm.iter_contacts("2026-11-21T00:00:00Z")) == []
    with pytest.raises(PermanentVendorError, match="updated_since must be an ISO-8601 timestamp"):
        list(crm.iter_contacts("last tuesday"))


def test_one_contact_and_an_unknown_one(fresh_sandbox):
    crm = client(fresh_sandbox)
    assert crm.get_json("/contacts/C003")["phones"][0]["number"] == "12"
    with pytest.raises(PermanentVendorError, match="not_found"):
        crm.get_json("/contacts/C999")


def test_a_days_contacts_stop_at_the_first_change_after_it(fresh_sandbox):
    since = datetime(2026, 11, 20, tzinfo=UTC)
    contacts = list(
        within_day(client(fresh_sandbox).iter_contacts(since, per_page=1), "updated_at", date(2026, 11, 19))
    )
    assert contacts == []
    assert len(new_requests(fresh_sandbox, "crm")) == 1  # the first page already starts after the day


def test_raw_values_stay_and_normalized_ones_are_null_when_they_do_not_parse(fresh_sandbox):
    rows = {c["id"]: contact_row(c, LOADED_AT) for c in client(fresh_sandbox).iter_contacts()}
    ana, ben, cy = rows["C001"], rows["C002"], rows["C003"]
    assert (ana["email"], ana["email_normalized"]) == ("Ana.Ruiz@Example.com", "ana.ruiz@example.com")
    assert (ana["phone"], ana["phone_e164"]) == ("(312) 555-0142", "+13125550142")
    assert (ben["email"], ben["email_normalized"]) == ("ben.cho@example", None)  # no top-level domain
    assert (cy["phone"], cy["phone_e164"]) == ("12", None)
    assert ana["contact_id"] == "C001" and ana["updated_date"] == date(2026, 11, 20) and ana["zip"] is None
    # An unparseable value is not a reason to refuse the contact.
    assert [contact_problems(r, date(2026, 11, 20)) for r in rows.values()] == [[], [], [], []]


def test_the_wire_shape_flattens_to_the_preferred_entry():
    contact = {
        "id": 17,
        "dealer_id": "D01",
        "emails": [{"address": "work@example.com"}, {"address": "home@example.com", "preferred": True}],
        "phones": [{"number": "+14155552671", "type": "home"}],
        "addresses": [{"street": "1 Main St", "city": "Austin", "state": "TX", "postal_code": "78701-1234"}],
        "communication": {"preferred_channel": "email", "sms_opt_in": True, "email_opt_in": False},
        "updated_at": "2026-11-20T10:00:00Z",
    }
    fields = contact_fields(contact)
    assert fields["id"] == "17" and fields["email"] == "home@example.com" and fields["phone"] == "+14155552671"
    assert (fields["address"], fields["zip"], fields["sms_consent"]) == ("1 Main St", "78701-1234", True)
    assert contact_fields({"id": "x", "emails": "not a list", "communication": None})["email"] is None


def test_a_contact_missing_its_id_or_with_unusable_values_is_quarantined_with_the_reason():
    day = date(2026, 11, 20)
    good = {"id": "C1", "dealer_id": "D01", "updated_at": "2026-11-20T10:00:00Z", "phones": [{"number": "12"}]}
    no_id = {"dealer_id": "D01", "updated_at": "2026-11-20T11:00:00Z", "first_name": "Zed"}
    odd = {
        "id": "C2",
        "dealer_id": "D01",
        "updated_at": "2026-11-20T12:00:00Z",
        "birth_year": "nineteen",
        "communication": {"sms_opt_in": "yes"},
    }
    rows = [contact_row(c, LOADED_AT) for c in (good, no_id, odd)]
    loaded, rejected = apply_rules(CONTACTS, Batch(CONTACTS.name, day, rows), "crm")
    assert [r["contact_id"] for r in loaded] == ["C1"] and loaded[0]["phone_e164"] is None
    reasons = {r["record_key"]: r["reason"] for r in rejected}
    assert reasons["None"] == "required field 'contact_id' is missing"
    assert reasons["C2"] == "birth_year is not a whole number; sms_consent 'yes' is not true or false"
    assert "nineteen" not in reasons["C2"]  # a PII value never goes into a reason
    assert json.loads(next(r for r in rejected if r["record_key"] == "None")["payload"])["first_name"] == "Zed"
    assert CONTACTS.frame(loaded)["birth_year"].isna().all()  # what loads fits the table's types
