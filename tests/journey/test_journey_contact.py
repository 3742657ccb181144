"""journey/contact.py: email, phone (E.164) and VIN validation with readable reasons."""

from __future__ import annotations

import pytest

from journey_assets.journey.contact import ContactError, normalize_email, normalize_phone, validate_vin
from journey_assets.journey.vin import vin_problem


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jane.Doe@Example.COM", "jane.doe@example.com"),
        ("  bob@example.org ", "bob@example.org"),
        ("first+tag@sub.dealer.example.com", "first+tag@sub.dealer.example.com"),
    ],
)
def test_normalize_email_lowercases_and_trims(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason_part"),
    [
        ("nope", "@-sign"),
        ("a@b", "period"),
        ("jo hn@example.com", "invalid characters"),
        ("x@foo.test", "special-use"),
        ("", "empty"),
        ("a" * 250 + "@example.com", "longer than"),
    ],
)
def test_normalize_email_rejects_with_reason(raw: str, reason_part: str) -> None:
    with pytest.raises(ContactError) as info:
        normalize_email(raw)
    assert info.value.kind == "email"
    assert reason_part in info.value.reason


def test_normalize_email_does_no_dns() -> None:
    # a syntactically valid address on a domain that does not exist is accepted: no network lookup
    assert normalize_email("someone@no-such-domain-for-journey-tests.example") == (
        "someone@no-such-domain-for-journey-tests.example"
    )


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(415) 555-2671", "US", "+14155552671"),
        ("415.555.2671", "US", "+14155552671"),
        ("+1 415 555 2671", "US", "+14155552671"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
    ],
)
def test_normalize_phone_to_e164(raw: str, region: str, expected: str) -> None:
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "reason_part"),
    [
        ("123", "too short"),
        ("abc", "not a phone number"),
        ("+1 999 555 0100", "not a valid number"),  # 999 is not an assigned area code
        ("555-1234", "not a valid number"),  # no area code
        ("", "empty"),
    ],
)
def test_normalize_phone_rejects_with_reason(raw: str, reason_part: str) -> None:
    with pytest.raises(ContactError) as info:
        normalize_phone(raw)
    assert info.value.kind == "phone"
    assert reason_part in info.value.reason


@pytest.mark.parametrize("vin", ["1M8GDM9AXKP042788", "JH2RC3605MM101581", "1HGCV1F42JA141468", "1hgcv1f42ja141468 "])
def test_validate_vin_accepts_and_uppercases(vin: str) -> None:
    assert validate_vin(vin) == vin.strip().upper()
    assert vin_problem(vin) is None


@pytest.mark.parametrize(
    ("vin", "reason_part"),
    [
        ("1HGCV1F43JA141468", "check digit (position 9) '3'"),
        ("1HGCV1F42JA14146", "17 characters, not 16"),
        ("1HGCV1F42JA14146O", "contains O"),
        ("1HGCV1F42JA1414-8", "only letters and digits"),
        ("1HGCV1F42UA141468", "model-year"),
        (None, "missing"),
        ("", "missing"),
    ],
)
def test_validate_vin_rejects_with_reason(vin: str | None, reason_part: str) -> None:
    with pytest.raises(ContactError) as info:
        validate_vin(vin)
    assert info.value.kind == "vin"
    assert reason_part in info.value.reason
