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
    twilio_body_hash,
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


# The official SDKs' validator tests, token "12345" and TWILIO_URL throughout:
# twilio-python tests/unit/test_request_validator.py (test_compute_signature_duplicate_multi_dict,
# ..._query_dict: "Ensure keys are sorted / values are sorted / duplicates are removed"),
# twilio-php tests/Twilio/Unit/RequestValidatorTest.php (testValidateWithArrayAndDuplicates);
# twilio-node src/webhooks/webhooks.ts signs Array.from(new Set(values)).sort() the same way.
TWILIO_DUPLICATES = [
    ("Sid", "CA123"),
    ("SidAccount", "AC123"),
    ("Digits", "5678"),
    ("Digits", "1234"),
    ("Digits", "1234"),
]
TWILIO_DUPLICATES_EXPECTED = "IK+Dwps556ElfBT0I3Rgjkr1wJU="


@pytest.mark.parametrize(
    "params",
    [
        TWILIO_DUPLICATES,  # pairs, as parse_qsl gives them (a MultiDict / QueryDict in the SDK test)
        {"Sid": "CA123", "SidAccount": "AC123", "Digits": ["5678", "1234", "1234"]},  # the PHP test's array
    ],
)
def test_twilio_repeated_parameter_values_are_deduplicated_and_sorted(params: object) -> None:
    assert twilio_signature("12345", TWILIO_URL, params) == TWILIO_DUPLICATES_EXPECTED  # type: ignore[arg-type]
    verify_twilio("12345", TWILIO_URL, params, TWILIO_DUPLICATES_EXPECTED)  # type: ignore[arg-type]


# URL variants from twilio-php RequestValidatorTest and twilio-csharp RequestValidatorTest: the port is tried
# both ways, credentials and the case of the host are kept as sent.
@pytest.mark.parametrize(
    ("url", "signature"),
    [
        ("https://mycompany.com:1234/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),  # RemovesPortHttps
        ("http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),  # RemovesPortHttp
        (TWILIO_URL, "kvajT1Ptam85bY51eRf/AJRuM3w="),  # AddsPortHttps (signed with :443)
        ("http://mycompany.com/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="),  # AddsPortHttp (:80)
        ("https://mycompany.com:1234/myapp.php?foo=1&bar=2", "CYn1h0gLBdNxDGkKJg6hYohgeD8="),  # AddsCustomPortHttps
        ("https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", "CukzLTc1tT5dXEDIHm/tKBanW10="),  # BuildUrlCreds
        ("https://user@mycompany.com/myapp.php?foo=1&bar=2", "2YRLlVAflCqxaNicjMpJcSTgzSs="),  # BuildUrlWithUser
        ("https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI="),  # CredsAddsPort
        ("https://MyCompany.com/myapp.php?foo=1&bar=2", "g9IN/x4Cft2g517EjYvEvM/W7LU="),  # MixedCase
        ("https://MyCompany.com:1234/myapp.php?foo=1&bar=2", "PCqOZm8cnu/L6+u5i5fuEd+Iac4="),  # MixedCaseWithPort
        ("http://MyCompany.com/myapp.php?foo=1&bar=2", "XY7AlKOKL6im4yWyX84gldUrtis="),  # MixedCaseAddsPortHttp
        ("http://Username:Password@MyCompany.com/myapp.php?foo=1&bar=2", "SkTSKyDJH9kUlhItI0slbgZ1UsI="),
    ],
)
def test_twilio_sdk_url_vectors(url: str, signature: str) -> None:
    verify_twilio("12345", url, TWILIO_PARAMS, signature)


@pytest.mark.parametrize(
    "url", ["https://MyCompany.com/myapp.php?foo=1&bar=2", "https://MyCompany.com:1234/myapp.php?foo=1&bar=2"]
)
def test_twilio_mixed_case_host_is_not_the_lowercase_signature(url: str) -> None:
    # twilio-csharp ...MixedCaseWithIncorrectSignature: the lowercase URL's signature does not do
    with pytest.raises(SignatureError):
        verify_twilio("12345", url, TWILIO_PARAMS, TWILIO_EXPECTED)


# JSON bodies: Twilio puts bodySHA256 (hex SHA-256 of the body) in the URL and signs the URL alone
# (twilio-python test_validation_of_body_succeeds, twilio-php testValidateWithBody, twilio-csharp
# TestValidateWithBody / TestValidateWithOnlyHash).
TWILIO_JSON_BODY = b'{"property": "value", "boolean": true}'
TWILIO_BODY_HASH = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"


def test_twilio_body_hash_matches_the_sdk_vector() -> None:
    assert twilio_body_hash(TWILIO_JSON_BODY) == TWILIO_BODY_HASH


@pytest.mark.parametrize(
    ("url", "signature"),
    [
        (f"{TWILIO_URL}&bodySHA256={TWILIO_BODY_HASH}", "a9nBmqA0ju/hNViExpshrM61xv4="),
        (f"https://mycompany.com/myapp.php?bodySHA256={TWILIO_BODY_HASH}", "y77kIzt2vzLz71DgmJGsen2scGs="),
    ],
)
def test_twilio_json_body_is_verified_by_its_hash(url: str, signature: str) -> None:
    verify_twilio("12345", url, None, signature, body=TWILIO_JSON_BODY)
    with pytest.raises(SignatureError) as info:
        verify_twilio("12345", url, None, signature, body=TWILIO_JSON_BODY + b" ")
    assert info.value.reason == "bad_body_hash"


def test_twilio_json_body_without_its_hash_is_refused() -> None:
    # testValidateBodyWithoutSignature: the form signature of the bare URL does not cover a body
    with pytest.raises(SignatureError) as info:
        verify_twilio("12345", TWILIO_URL, None, twilio_signature("12345", TWILIO_URL), body=TWILIO_JSON_BODY)
    assert info.value.reason == "unsigned_body"


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
