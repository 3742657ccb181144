"""journey/signatures.py: our scheme, Twilio's and Meta's, sign and verify."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from journey_assets.journey.signatures import (
    SignatureError,
    journey_signature,
    meta_signature,
    sign_journey,
    twilio_signature,
    verify_journey,
    verify_meta,
    verify_twilio,
)

BODY = b'{"event_id":"e1","x":1}'


def test_journey_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"k", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert journey_signature("k", 1700000000, BODY) == f"v1={expected}"


def test_journey_round_trip() -> None:
    headers = sign_journey("k", BODY, 1700000000)
    ts = verify_journey("k", BODY, headers["X-Journey-Timestamp"], headers["X-Journey-Signature"], now=1700000010)
    assert ts == 1700000000


@pytest.mark.parametrize(
    ("body", "ts", "sig", "now", "reason"),
    [
        (BODY + b" ", "1700000000", None, 1700000000, "bad_signature"),  # tampered body
        (BODY, "1700000001", None, 1700000000, "bad_signature"),  # tampered timestamp
        (BODY, "1700000000", None, 1700000301, "stale_timestamp"),  # replay after the window
        (BODY, "1700000000", None, 1699999699, "stale_timestamp"),  # from the future
        (BODY, None, None, 1700000000, "missing_timestamp"),
        (BODY, "1700000000", "", 1700000000, "missing_signature"),
        (BODY, "17e8", None, 1700000000, "malformed_timestamp"),
        (BODY, "1700000000", "sha256=abc", 1700000000, "malformed_signature"),
        (BODY, "1700000000", "v1=00", 1700000000, "bad_signature"),
    ],
)
def test_journey_verify_refuses(body: bytes, ts: str | None, sig: str | None, now: int, reason: str) -> None:
    good = journey_signature("k", 1700000000, BODY)
    with pytest.raises(SignatureError) as info:
        verify_journey("k", body, ts, good if sig is None else sig, now=now)
    assert info.value.reason == reason


def test_journey_tolerance_boundary() -> None:
    sig = journey_signature("k", 1700000000, BODY)
    verify_journey("k", BODY, "1700000000", sig, now=1700000300)  # exactly 300 s: accepted
    with pytest.raises(SignatureError):
        verify_journey("k", BODY, "1700000000", sig, now=1700000000 + 301)


def test_journey_secret_rotation_both_sides() -> None:
    old, new = journey_signature("old", 1700000000, BODY), journey_signature("new", 1700000000, BODY)
    # sender sends both signatures during a rotation; receiver knows only one of them
    verify_journey("new", BODY, "1700000000", f"{old}, {new}", now=1700000000)
    # receiver accepts both secrets while senders move over
    verify_journey(["new", "old"], BODY, "1700000000", old, now=1700000000)
    with pytest.raises(SignatureError):
        verify_journey("other", BODY, "1700000000", f"{old},{new}", now=1700000000)


def test_signature_error_never_contains_the_expected_mac() -> None:
    expected = journey_signature("k", 1700000000, BODY)
    with pytest.raises(SignatureError) as info:
        verify_journey("k", BODY, "1700000000", "v1=deadbeef", now=1700000000)
    assert expected.split("=")[1] not in str(info.value)


# --- Twilio -------------------------------------------------------------------------------------

# Twilio's documented example (twilio.com/docs/usage/security; twilio-php/python validation docs)
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
TWILIO_EXPECTED = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_twilio_signature_matches_twilios_documented_example() -> None:
    assert twilio_signature("12345", TWILIO_URL, TWILIO_PARAMS) == TWILIO_EXPECTED
    verify_twilio("12345", TWILIO_URL, TWILIO_PARAMS, TWILIO_EXPECTED)


def test_twilio_signature_is_base64_hmac_sha1_of_url_and_sorted_params() -> None:
    data = "https://x.example/hook" + "A1" + "B2" + "B3" + "C"
    expected = base64.b64encode(hmac.new(b"tok", data.encode(), hashlib.sha1).digest()).decode()
    pairs = [("C", ""), ("B", "3"), ("A", "1"), ("B", "2")]  # unordered, a repeated name, an empty value
    assert twilio_signature("tok", "https://x.example/hook", pairs) == expected


def test_twilio_verify_tolerates_default_port_either_way() -> None:
    verify_twilio("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", TWILIO_PARAMS, TWILIO_EXPECTED)
    sig_with_port = twilio_signature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", TWILIO_PARAMS)
    verify_twilio("12345", TWILIO_URL, TWILIO_PARAMS, sig_with_port)


@pytest.mark.parametrize(
    ("url", "params", "token", "signature", "reason"),
    [
        (TWILIO_URL, {**TWILIO_PARAMS, "Digits": "9999"}, "12345", TWILIO_EXPECTED, "bad_signature"),
        ("https://mycompany.com/other.php?foo=1&bar=2", TWILIO_PARAMS, "12345", TWILIO_EXPECTED, "bad_signature"),
        (TWILIO_URL, TWILIO_PARAMS, "54321", TWILIO_EXPECTED, "bad_signature"),
        (TWILIO_URL, TWILIO_PARAMS, "12345", None, "missing_signature"),
    ],
)
def test_twilio_verify_refuses(url: str, params: dict, token: str, signature: str | None, reason: str) -> None:
    with pytest.raises(SignatureError) as info:
        verify_twilio(token, url, params, signature)
    assert info.value.reason == reason


# --- Meta ---------------------------------------------------------------------------------------


def test_meta_signature_round_trip() -> None:
    expected = "sha256=" + hmac.new(b"app", BODY, hashlib.sha256).hexdigest()
    assert meta_signature("app", BODY) == expected
    verify_meta("app", BODY, expected)
    verify_meta("app", BODY, expected.upper().replace("SHA256=", "sha256="))  # hex case does not matter


@pytest.mark.parametrize(
    ("body", "header", "reason"),
    [
        (BODY + b"x", None, "bad_signature"),
        (BODY, "", "missing_signature"),
        (BODY, "sha1=abc", "malformed_signature"),
        (BODY, "abc", "malformed_signature"),
    ],
)
def test_meta_verify_refuses(body: bytes, header: str | None, reason: str) -> None:
    good = meta_signature("app", BODY)
    with pytest.raises(SignatureError) as info:
        verify_meta("app", body, good if header is None else header)
    assert info.value.reason == reason


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        sign_journey("", BODY)
