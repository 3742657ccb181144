"""Edge cases found from outside (issue 8): extreme timestamps, non-finite numbers, media types, repeated
Twilio parameters. Each is a request to the real app under uvicorn, signed as its sender signs it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import urlencode

import pytest
from support.intake_helpers import (
    PUBLIC_URL,
    SECRET,
    TWILIO_TOKEN,
    Intake,
    event_for,
    intent_event,
    meta_payload,
    new_id,
    twilio_inbound_params,
)

from journey_assets.journey.signatures import sign_journey

# --- timestamps that cannot be normalized to UTC are 422, not 500 ----------------------------------


@pytest.mark.parametrize(
    "occurred_at",
    [
        "0001-01-01T00:00:00+00:01",  # a minute before year 1 in UTC
        "0001-01-01T05:00:00+23:59",
        "9999-12-31T23:59:59-00:01",  # a second into year 10000 in UTC
        "9999-12-31T20:00:00-23:59",
    ],
)
def test_occurred_at_outside_utc_range_is_422(intake: Intake, occurred_at: str) -> None:
    event = intent_event(occurred_at=occurred_at)
    response = intake.post_event("intent", event)
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert (error["field"], error["type"]) == ("occurred_at", "datetime_out_of_range")
    assert not intake.stored(event["event_id"])


@pytest.mark.parametrize("occurred_at", ["0001-01-01T00:00:00-05:00", "9999-12-31T23:59:59+05:00"])
def test_occurred_at_at_the_edges_of_the_range_is_stored_in_utc(intake: Intake, occurred_at: str) -> None:
    event = intent_event(occurred_at=occurred_at)
    assert intake.post_event("intent", event).status_code == 201
    (stored,) = intake.stored(event["event_id"])
    assert stored.occurred_at in ("0001-01-01T05:00:00+00:00", "9999-12-31T18:59:59+00:00")


@pytest.mark.parametrize(
    ("kind", "field_path"),
    [("intent", ("consent", "captured_at")), ("service", ("appointment_at",))],
)
def test_other_datetimes_outside_utc_range_are_422(intake: Intake, kind: str, field_path: tuple[str, ...]) -> None:
    event = event_for(kind)
    target = event
    for part in field_path[:-1]:
        target = target[part]
    target[field_path[-1]] = "0001-01-01T00:00:00+01:00"
    response = intake.post_event(kind, event)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [".".join(field_path)]


@pytest.mark.parametrize("created_time", [253_402_300_800, 100_000_000_000_000, 10**30])
def test_meta_created_time_beyond_year_9999_is_422(intake: Intake, created_time: int) -> None:
    # 100_000_000_000_000 s is year 3170843 (the example); 253_402_300_800 is 10000-01-01T00:00Z
    payload = meta_payload(new_id("lead"))
    payload["entry"][0]["changes"][0]["value"]["created_time"] = created_time
    response = intake.post_meta(payload)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "entry.0.changes.0.value.created_time"


def test_meta_created_time_at_the_last_second_of_9999_is_stored(intake: Intake) -> None:
    lead = new_id("lead")
    payload = meta_payload(lead)
    payload["entry"][0]["changes"][0]["value"]["created_time"] = 253_402_300_799
    assert intake.post_meta(payload).status_code == 200
    (stored,) = intake.stored(f"meta-leadgen:{lead}")
    assert stored.occurred_at == "9999-12-31T23:59:59+00:00"


# --- non-finite numbers are 422, not stored as null ----------------------------------------------


def _with_raw(event: dict, key: str, literal: str) -> bytes:
    """The event's JSON with `"key": <literal>` spliced in verbatim (json.dumps cannot write 1e400)."""
    body = json.dumps({**event, key: "__RAW__"})
    return body.replace('"__RAW__"', literal).encode()


@pytest.mark.parametrize("literal", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity"])
def test_non_finite_conversion_value_is_422(intake: Intake, literal: str) -> None:
    event = event_for("conversion")
    del event["value"]
    response = intake.post_event("conversion", _with_raw(event, "value", literal))
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["value"]
    assert not intake.stored(event["event_id"])


@pytest.mark.parametrize(
    ("attributes", "where"),
    [
        ('{"score": NaN}', "score"),
        ('{"nested": {"list": [1, 2.5, Infinity]}}', "nested.list.2"),
        ('{"big": 1e400}', "big"),
    ],
)
def test_non_finite_number_inside_attributes_is_422(intake: Intake, attributes: str, where: str) -> None:
    event = intent_event()
    del event["attributes"]
    response = intake.post_event("intent", _with_raw(event, "attributes", attributes))
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert (error["field"], error["type"]) == ("attributes", "finite_number")
    assert error["message"].startswith(where + " ")
    assert not intake.stored(event["event_id"])


def test_large_finite_numbers_are_kept(intake: Intake) -> None:
    event = intent_event(attributes={"max": 1.7976931348623157e308, "tiny": 5e-324, "int": 10**30})
    assert intake.post_event("intent", event).status_code == 201
    (stored,) = intake.stored(event["event_id"])
    assert stored.data()["attributes"] == {"max": 1.7976931348623157e308, "tiny": 5e-324, "int": 10**30}


def test_non_finite_number_in_a_meta_lead_is_422(intake: Intake) -> None:
    lead = new_id("lead")
    body = json.dumps(meta_payload(lead)).replace('"created_time"', '"score": NaN, "created_time"').encode()
    response = intake.post_meta(body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "entry.0.changes.0.value"
    assert not intake.stored(f"meta-leadgen:{lead}")


# --- /events/* take JSON only ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON; charset=UTF-8",
        'application/json; charset="utf-8"',
        "application/vnd.dealer.event+json",
        "application/cloudevents+json; charset=utf-8",
    ],
)
def test_json_media_types_are_accepted(intake: Intake, content_type: str) -> None:
    response = intake.post_event("intent", intent_event(), headers={"Content-Type": content_type})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "text/json",
        "application/jsonp",
        "application/json; charset=latin-1",
        "application/json-patch",
        "json",
    ],
)
def test_other_media_types_are_415(intake: Intake, content_type: str | None) -> None:
    event = intent_event()
    body = json.dumps(event).encode()
    headers = sign_journey(SECRET, body)
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = intake.client.post("/events/intent", content=body, headers=headers)
    assert response.status_code == 415, response.text
    assert response.json()["error"] == "unsupported_media_type"
    assert response.headers["Accept-Post"] == "application/json"
    assert not intake.stored(event["event_id"])


def test_media_type_is_checked_after_the_signature(intake: Intake) -> None:
    body = json.dumps(intent_event()).encode()
    response = intake.client.post("/events/intent", content=body, headers={"Content-Type": "text/plain"})
    assert response.status_code == 401  # an unsigned request learns nothing more


def test_openapi_documents_the_415(intake: Intake) -> None:
    spec = intake.client.get("/openapi.json").json()
    assert "415" in spec["paths"]["/events/intent"]["post"]["responses"]


# --- Twilio: a repeated parameter, signed as Twilio's SDKs sign it --------------------------------


def _twilio_sdk_signature(token: str, url: str, pairs: list[tuple[str, str]]) -> str:
    """The official validators' algorithm (twilio-python RequestValidator.compute_signature), written out
    here so the app is checked against it rather than against our own signing helper."""
    data = url
    for name in sorted({n for n, _ in pairs}):
        for value in sorted({v for n, v in pairs if n == name}):
            data += name + value
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def test_twilio_request_with_a_repeated_parameter_is_accepted(intake: Intake) -> None:
    params = twilio_inbound_params(NumMedia="2")
    pairs = [*params.items(), ("MediaContentType", "image/jpeg"), ("MediaContentType", "image/jpeg")]
    pairs += [("Tag", "b"), ("Tag", "a")]
    url = f"{PUBLIC_URL}/twilio/inbound"
    response = intake.client.post(
        "/twilio/inbound",
        content=urlencode(pairs).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": _twilio_sdk_signature(TWILIO_TOKEN, url, pairs),
        },
    )
    assert response.status_code == 200, response.text
    (stored,) = intake.stored(f"twilio:{params['MessageSid']}")
    assert stored.event_type == "mms_inbound"


def test_twilio_json_body_must_match_its_body_hash(intake: Intake) -> None:
    body = b'{"MessageSid": "x"}'
    query = "bodySHA256=" + hashlib.sha256(b"something else").hexdigest()
    url = f"{PUBLIC_URL}/twilio/status?{query}"
    response = intake.client.post(
        f"/twilio/status?{query}",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Twilio-Signature": _twilio_sdk_signature(TWILIO_TOKEN, url, []),
        },
    )
    assert response.status_code == 401
    assert response.json()["message"].endswith("bad_body_hash")
