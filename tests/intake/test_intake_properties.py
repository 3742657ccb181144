"""Property tests against the real app: no body the published schema allows gets a 5xx, and fuzzed bodies
get a 4xx, never a 5xx. Every request is signed as its sender signs it, so each reaches validation and,
when valid, the store (a 5xx there makes the sender retry forever)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.intake_helpers import PUBLIC_URL, TWILIO_TOKEN, VALID_VIN, Intake
from support.schema_strategies import from_schema, json_values

from journey_assets.journey.signatures import twilio_signature

EVENT_SCHEMAS = {
    "intent": "IntentEvent",
    "conversion": "ConversionEvent",
    "social": "SocialEvent",
    "service": "ServiceEvent",
}
# The schema says "string" for these and allows a customer without an identifier; their validators want
# real values, which are schema-valid too. Without them nearly every drawn event stops at a 422 on the
# customer and never reaches the conversion to UTC or the store.
_CONTACTS = {
    "Customer.email": st.none() | st.sampled_from(["jane.doe@example.com", "Sam+Lead@Dealer.example"]),
    "Customer.phone": st.none() | st.sampled_from(["+14155552671", "(415) 555-2671"]),
    "Vehicle.vin": st.none() | st.just(VALID_VIN),
}


def _identified(customer: dict[str, Any]) -> dict[str, Any]:
    return customer if str(customer.get("customer_id") or "").strip() else {**customer, "customer_id": "C-1"}


def valid_contacts(components: dict[str, Any]) -> dict[str, st.SearchStrategy]:
    customer = from_schema(components["Customer"], components, overrides=_CONTACTS).map(_identified)
    return {**_CONTACTS, "customer": customer}


PROPERTY_SETTINGS = settings(
    max_examples=50,
    deadline=None,  # real HTTP; speed is measured in bench/, never asserted
    database=None,  # nothing written into the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def components(intake: Intake) -> dict[str, Any]:
    spec = intake.client.get("/openapi.json").json()
    return spec["components"]["schemas"]


def _json_status(intake: Intake, kind: str, body: bytes) -> int:
    response = intake.post_event(kind, body)
    return response.status_code


# --- bodies the schema allows ------------------------------------------------------------------


@settings(PROPERTY_SETTINGS, max_examples=100)  # extreme datetimes are a few percent of the draws
@given(data=st.data())
def test_no_schema_valid_event_gets_a_5xx(intake: Intake, components: dict[str, Any], data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(sorted(EVENT_SCHEMAS)), label="kind")
    event = data.draw(
        from_schema(components[EVENT_SCHEMAS[kind]], components, overrides=valid_contacts(components)), label="event"
    )
    response = intake.post_event(kind, json.dumps(event).encode())
    assert response.status_code in (200, 201, 422), response.text
    if response.status_code == 422:
        assert response.json()["errors"], "a 422 names what is wrong"


@PROPERTY_SETTINGS
@given(data=st.data())
def test_no_schema_valid_meta_webhook_gets_a_5xx(
    intake: Intake, components: dict[str, Any], data: st.DataObject
) -> None:
    # `value` is free-form in MetaChange; a leadgen change's value is documented by MetaLeadgen
    leadgen_change = st.fixed_dictionaries(
        {"field": st.just("leadgen"), "value": from_schema(components["MetaLeadgen"], components)}
    )
    other_change = from_schema(components["MetaChange"], components)
    entry = st.fixed_dictionaries(
        {"changes": st.lists(leadgen_change | other_change, max_size=3)},
        optional={"id": st.text(min_size=1, max_size=64), "time": st.integers()},
    )
    payload = data.draw(st.fixed_dictionaries({"object": st.text(), "entry": st.lists(entry, max_size=3)}))
    response = intake.post_meta(json.dumps(payload).encode())
    assert response.status_code in (200, 422), response.text


@PROPERTY_SETTINGS
@given(data=st.data())
def test_no_schema_valid_twilio_form_gets_a_5xx(
    intake: Intake, components: dict[str, Any], data: st.DataObject
) -> None:
    which = data.draw(st.sampled_from(["inbound", "status"]))
    schema = components["TwilioInbound" if which == "inbound" else "TwilioStatus"]
    form = {k: v for k, v in data.draw(from_schema(schema, components, form=True)).items() if v is not None}
    path = f"/twilio/{which}"
    response = intake.client.post(
        path,
        content=urlencode(form).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, PUBLIC_URL + path, form),
        },
    )
    assert response.status_code in ((200,) if which == "inbound" else (204,)) + (422,), response.text


# --- fuzzed bodies --------------------------------------------------------------------------------

# Literals JSON cannot carry as numbers (tokens, floats beyond a double), spliced in as a sender might send
# them; then some that are valid but unusual (a 400-digit integer is a valid, finite JSON number)
_non_finite = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" + "0" * 400 + ".0"])
_odd_numbers = _non_finite | st.sampled_from(["-0.0", "1e-400", "0e0", "-0", "1E+2", "1" * 400])


@st.composite
def mutated_events(draw: st.DrawFn, components: dict[str, Any], schema_name: str) -> bytes:
    """A schema-valid event with one value replaced: by any JSON, by an odd number, or removed."""
    event = draw(from_schema(components[schema_name], components, overrides=valid_contacts(components)))
    path: list[Any] = []
    target: Any = event
    while isinstance(target, dict) and target and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(target)))
        path.append(key)
        if not isinstance(target[key], dict) or not target[key]:
            break
        target = target[key]
    if not path:
        path = [draw(st.sampled_from(sorted(event)))]
    parent: Any = event
    for key in path[:-1]:
        parent = parent[key]
    how = draw(st.sampled_from(["replace", "odd_number", "remove"]))
    if how == "remove":
        del parent[path[-1]]
        return json.dumps(event).encode()
    if how == "replace":
        parent[path[-1]] = draw(json_values)
        return json.dumps(event).encode()
    parent[path[-1]] = "__ODD__"
    return json.dumps(event).replace('"__ODD__"', draw(_odd_numbers)).encode()


@PROPERTY_SETTINGS
@given(data=st.data())
def test_mutated_events_get_a_4xx_or_are_stored(
    intake: Intake, components: dict[str, Any], data: st.DataObject
) -> None:
    kind = data.draw(st.sampled_from(sorted(EVENT_SCHEMAS)), label="kind")
    body = data.draw(mutated_events(components, EVENT_SCHEMAS[kind]), label="body")
    status = _json_status(intake, kind, body)
    assert status in (200, 201, 400, 422), (status, body[:300])


@st.composite
def events_with_a_non_finite_number(draw: st.DrawFn, components: dict[str, Any], schema_name: str) -> bytes:
    """A valid event with NaN, an infinity or an overflowing literal put in `attributes` or in any object."""
    event = draw(from_schema(components[schema_name], components, overrides=valid_contacts(components)))
    objects = [event["attributes"] if isinstance(event.get("attributes"), dict) else event]
    objects += [value for value in event.values() if isinstance(value, dict)]
    target = draw(st.sampled_from(objects))
    key = draw(st.sampled_from(sorted(target)) | st.text(max_size=8)) if target else draw(st.text(max_size=8))
    target[key] = "__ODD__"
    return json.dumps(event).replace('"__ODD__"', draw(_non_finite)).encode()


@PROPERTY_SETTINGS
@given(data=st.data())
def test_a_non_finite_number_anywhere_gets_a_4xx(
    intake: Intake, components: dict[str, Any], data: st.DataObject
) -> None:
    kind = data.draw(st.sampled_from(sorted(EVENT_SCHEMAS)), label="kind")
    body = data.draw(events_with_a_non_finite_number(components, EVENT_SCHEMAS[kind]), label="body")
    status = _json_status(intake, kind, body)
    assert status in (400, 422), (status, body[:300])  # never stored as null


@PROPERTY_SETTINGS
@given(kind=st.sampled_from(sorted(EVENT_SCHEMAS)), body=st.binary(max_size=2048))
@example(kind="intent", body=b"[" * 4000 + b"]" * 4000)  # deeper than the JSON parser recurses, under the size limit
@example(kind="intent", body=b'{"event_id": "\\ud800"}')  # a lone surrogate
@example(kind="intent", body=b"\xff\xfe{}")  # not UTF-8
@example(kind="intent", body=b"")
def test_arbitrary_bytes_get_a_4xx(intake: Intake, kind: str, body: bytes) -> None:
    status = _json_status(intake, kind, body)
    assert status in (400, 422), (status, body[:100])


@PROPERTY_SETTINGS
@given(
    kind=st.sampled_from(sorted(EVENT_SCHEMAS)),
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
        max_leaves=20,
    ),
)
def test_arbitrary_json_gets_a_4xx(intake: Intake, kind: str, value: Any) -> None:
    status = _json_status(intake, kind, json.dumps(value).encode())  # NaN and Infinity written as tokens
    assert status in (400, 422), status


@PROPERTY_SETTINGS
@given(value=json_values, odd=_non_finite)
def test_fuzzed_meta_webhooks_never_get_a_5xx(intake: Intake, value: Any, odd: str) -> None:
    for body in (json.dumps(value), json.dumps({"object": "page", "entry": [{"changes": [value]}]})):
        assert intake.post_meta(body.encode()).status_code in (200, 400, 422)
    spliced = json.dumps({"object": "page", "entry": [{"changes": [{"field": "leadgen", "value": "__ODD__"}]}]})
    for literal in (odd, '{"leadgen_id": "1", "page_id": "2", "form_id": "3", "created_time": ' + odd + "}"):
        assert intake.post_meta(spliced.replace('"__ODD__"', literal).encode()).status_code in (400, 422)


@PROPERTY_SETTINGS
@given(
    which=st.sampled_from(["inbound", "status"]),
    pairs=st.lists(st.tuples(st.text(max_size=16), st.text(max_size=40)), max_size=8),
)
def test_fuzzed_twilio_forms_never_get_a_5xx(intake: Intake, which: str, pairs: list[tuple[str, str]]) -> None:
    path = f"/twilio/{which}"
    response = intake.client.post(
        path,
        content=urlencode(pairs).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, PUBLIC_URL + path, pairs),
        },
    )
    assert 400 <= response.status_code < 500 or response.status_code in (200, 204), response.text
