"""Meta lead ads, pure: `field_data` to our contact fields, and the rooftop of a lead-ad page."""

from __future__ import annotations

from journey_assets.journey.lead_ads import LeadAdRouting, field_key, lead_contact_from_field_data, parse_vehicle


def fd(**answers: str) -> list[dict]:
    return [{"name": name, "values": [value]} for name, value in answers.items()]


def test_standard_questions_are_normalized():
    lead = lead_contact_from_field_data(
        fd(
            full_name="  Maria   Gomez ",
            email=" Maria.Gomez@Example.COM ",
            phone_number="(312) 555-0711",
            zip_code="60614-1234",
            city="Chicago",
        )
    )
    assert lead.email == "maria.gomez@example.com"
    assert lead.phone == "+13125550711"
    assert (lead.first_name, lead.last_name, lead.full_name) == ("Maria", "Gomez", "Maria Gomez")
    assert lead.postal_code == "60614" and lead.city == "Chicago"
    assert lead.unusable == {} and lead.has_identifier
    assert lead.customer() == {
        "phone": "+13125550711",
        "email": "maria.gomez@example.com",
        "first_name": "Maria",
        "last_name": "Gomez",
        "name": "Maria Gomez",
        "postal_code": "60614",
    }
    assert lead.fields == ("full_name", "email", "phone_number", "zip_code", "city")


def test_first_and_last_name_and_post_code():
    lead = lead_contact_from_field_data(
        fd(first_name="Ann", last_name="Lee", post_code="60601", email="ann@example.com")
    )
    assert (lead.first_name, lead.last_name, lead.full_name, lead.postal_code) == ("Ann", "Lee", "Ann Lee", "60601")
    assert lead.phone is None and "phone" not in lead.unusable  # not asked is not unusable


def test_unusable_answers_are_named_with_a_reason_not_the_value():
    lead = lead_contact_from_field_data(
        fd(full_name="Sam", email="sam@@example", phone_number="555-12", zip_code="ABCDE", vin="1HGCV1F30LA000001")
    )
    assert lead.phone is None and lead.email is None and lead.postal_code is None
    assert set(lead.unusable) == {"phone", "email", "postal_code", "vin", "contact"}
    assert lead.unusable["phone"].startswith("phone is not")
    assert all("555-12" not in reason and "sam@@example" not in reason for reason in lead.unusable.values())
    assert not lead.has_identifier and lead.customer() == {"first_name": "Sam", "name": "Sam"}


def test_keys_are_compared_loosely_and_custom_questions_are_mapped():
    lead = lead_contact_from_field_data(
        [
            {"name": "Phone Number (eg. 312xxxxxxx)", "values": ["3125550100"]},
            {"name": "EMAIL", "values": ["", "a@example.com"]},  # the first non-empty answer
            {"name": "Which vehicle are you interested in?", "values": ["2023 Honda CR-V EX-L"]},
            {"name": "stock_number", "values": ["S0004"]},
            {"name": "best_time_to_call", "values": ["evenings"]},
            {"name": "date_of_birth", "values": ["1987-04-19"]},  # personal data we do not pass on
            {"name": "ignored"},  # no values
            {"values": ["no name"]},
        ]
    )
    assert lead.phone == "+13125550100" and lead.email == "a@example.com"
    assert lead.vehicle == {
        "description": "2023 Honda CR-V EX-L",
        "year": 2023,
        "make": "Honda",
        "model": "CR-V EX-L",
        "stock_number": "S0004",
    }
    assert lead.answers == {"best_time_to_call": "evenings"}


def test_field_key_and_free_text_vehicles():
    assert field_key("Phone Number (eg. 65xxxxxxxx)") == "phone_number"
    assert field_key("which-vehicle/are you interested in?") == "which_vehicle_are_you_interested_in"
    assert parse_vehicle("a red pickup") == {"description": "a red pickup"}


def test_no_field_data_at_all():
    lead = lead_contact_from_field_data(None)
    assert lead.unusable == {"contact": "the lead gives no usable phone number or email address"}


def test_routing_by_page_then_form():
    routing = LeadAdRouting.from_rooftops(
        [
            {"dealer_id": "D01", "meta_page_id": "111"},
            {"dealer_id": "D02", "meta_page_id": "222", "meta_form_ids": "901, 902"},
            {"dealer_id": "D03", "meta_page_id": "222", "meta_form_ids": ["903"]},
            {"dealer_id": "D04", "meta_page_id": None},
        ]
    )
    assert routing.resolve("111", "555")[0] == "D01"
    assert routing.resolve(222, 902)[0] == "D02" and routing.resolve("222", "903")[0] == "D03"
    dealer, why = routing.resolve("222", "999")
    assert dealer is None and "shared by D02, D03" in why
    dealer, why = routing.resolve("333", "999")
    assert dealer is None and "no rooftop has meta_page_id 333" in why
