from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from journey_assets.journey.consent import Category, Channel
from journey_assets.journey.sms import MAX_BODY_CHARS, Encoding
from journey_assets.journey.templates import (
    OPT_OUT_TEXT,
    TEMPLATES,
    MessageTemplate,
    MessageTooLongError,
    MissingVariablesError,
    Stage,
    TemplateContext,
    VehicleRef,
    get_template,
    render,
    render_stage,
)

FULL = TemplateContext(
    rooftop_name="Lakeside Honda",
    first_name="Maria",
    rooftop_phone="(555) 010-2000",
    rooftop_address="1 Main St, Springfield, IL 62701",
    vehicle=VehicleRef(2024, "Honda", "CR-V", "EX"),
    appointment_at=datetime(2024, 3, 9, 9, 30, tzinfo=ZoneInfo("America/Chicago")),
    service_type="an oil change",
    lease_maturity=date(2024, 6, 30),
    offer="Get 10% off your next service.",
    alternatives=(VehicleRef(2023, "Honda", "CR-V", "LX", 27995), VehicleRef(2024, "Toyota", "RAV4", None, 31000)),
    link="https://lakeside.example/s/abc",
    unsubscribe_url="https://lakeside.example/u/abc",
)


def test_every_stage_has_an_sms_and_an_email_template():
    for stage in Stage:
        for channel in Channel:
            assert get_template(stage, channel).stage is stage


@pytest.mark.parametrize("key", sorted(t.key for t in TEMPLATES.values()))
def test_every_template_renders_with_a_full_context(key):
    template = next(t for t in TEMPLATES.values() if t.key == key)
    msg = render(template, FULL)
    assert "$" not in msg.body.replace("$27,995", "").replace("$31,000", "")
    if template.channel is Channel.SMS:
        assert msg.body.startswith("Lakeside Honda:")
        assert msg.segments is not None and msg.segments.segments <= 3
        assert msg.segments.encoding is Encoding.GSM7
    else:
        assert msg.subject


def test_marketing_sms_ends_with_opt_out_text():
    for t in TEMPLATES.values():
        if t.channel is Channel.SMS and t.category is Category.MARKETING:
            assert render(t, FULL).body.endswith(OPT_OUT_TEXT)


def test_first_text_to_a_lead_carries_opt_out_but_a_confirmation_does_not():
    assert render_stage(Stage.LEAD_ACKNOWLEDGEMENT, "sms", FULL).body.endswith(OPT_OUT_TEXT)
    assert OPT_OUT_TEXT not in render_stage(Stage.TEST_DRIVE_CONFIRMATION, "sms", FULL).body


def test_marketing_email_requires_address_and_unsubscribe_link():
    t = get_template(Stage.WIN_BACK, Channel.EMAIL)
    assert {"rooftop_address", "unsubscribe_url"} <= t.required_variables
    ctx = TemplateContext(rooftop_name="Lakeside Honda", offer="Free car wash.", link="https://x.example")
    with pytest.raises(MissingVariablesError) as err:
        render(t, ctx)
    assert err.value.missing == ("rooftop_address", "unsubscribe_url")


def test_missing_variables_are_all_named():
    ctx = TemplateContext(rooftop_name="Lakeside Honda")
    with pytest.raises(MissingVariablesError) as err:
        render_stage(Stage.TEST_DRIVE_CONFIRMATION, Channel.SMS, ctx)
    assert err.value.missing == ("appointment", "rooftop_phone", "vehicle")


def test_greeting_without_a_name_and_formatting():
    ctx = TemplateContext(
        rooftop_name="Lakeside Honda",
        rooftop_phone="555-0100",
        vehicle=VehicleRef(2022, "Ford", "F-150"),
        appointment_at=datetime(2024, 7, 4, 14, 5, tzinfo=ZoneInfo("America/Denver")),
    )
    msg = render_stage(Stage.TEST_DRIVE_CONFIRMATION, Channel.SMS, ctx)
    assert "Hi there" in msg.body
    assert "Thu Jul 4 at 2:05 PM MDT" in msg.body


def test_curly_quotes_in_values_do_not_force_ucs2():
    ctx = replace(FULL, first_name="D’Angelo")
    msg = render_stage(Stage.SERVICE_REMINDER, Channel.SMS, ctx)
    assert "D'Angelo" in msg.body and msg.segments.encoding is Encoding.GSM7


def test_non_gsm_name_is_rendered_as_ucs2_with_a_warning():
    ctx = replace(FULL, first_name="Zoë")
    msg = render_stage(Stage.SERVICE_REMINDER, Channel.SMS, ctx)
    assert msg.segments.encoding is Encoding.UCS2 and msg.warnings


def test_rendered_sms_is_checked_against_limits():
    long_offer = replace(FULL, offer="Save big. " * 40)
    with pytest.raises(MessageTooLongError):
        render_stage(Stage.WIN_BACK, Channel.SMS, long_offer)
    msg = render_stage(Stage.WIN_BACK, Channel.SMS, long_offer, max_sms_segments=None)
    assert msg.segments.segments > 3
    huge = replace(FULL, offer="x" * MAX_BODY_CHARS)
    with pytest.raises(MessageTooLongError, match="1600"):
        render_stage(Stage.WIN_BACK, Channel.SMS, huge, max_sms_segments=None)


def test_custom_template_gets_opt_out_appended_once():
    t = MessageTemplate(
        "promo", Stage.WIN_BACK, Channel.SMS, Category.MARKETING, "$rooftop_name: hello. Reply STOP to opt out"
    )
    assert render(t, FULL).body.count(OPT_OUT_TEXT) == 1
    t2 = MessageTemplate("promo2", Stage.WIN_BACK, Channel.SMS, Category.MARKETING, "$rooftop_name: see $link")
    body = render(t2, FULL).body
    assert body == f"Lakeside Honda: see https://lakeside.example/s/abc\n{OPT_OUT_TEXT}"
