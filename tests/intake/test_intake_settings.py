"""IntakeSettings from env vars."""

from __future__ import annotations

from pathlib import Path

import pytest

from journey_assets.intake.settings import DEFAULT_MAX_BODY, IntakeSettings


def test_from_env_reads_every_variable() -> None:
    env = {
        "JOURNEY_INTAKE_SECRET": "s1",
        "JOURNEY_INTAKE_SECRET_PREVIOUS": "s0",
        "JOURNEY_TWILIO_AUTH_TOKEN": "tw",
        "JOURNEY_META_APP_SECRET": "ma",
        "JOURNEY_META_VERIFY_TOKEN": "mv",
        "JOURNEY_INTAKE_PUBLIC_URL": "https://intake.example.com/hooks/",
        "JOURNEY_INTAKE_STORE": "/var/lib/journey/intake.sqlite3",
        "JOURNEY_INTAKE_MAX_BODY": "131072",
        "JOURNEY_INTAKE_TOLERANCE": "120",
        "JOURNEY_INTAKE_DEFAULT_REGION": "ca",
    }
    s = IntakeSettings.from_env(env)
    assert (s.intake_secret, s.twilio_auth_token, s.meta_app_secret, s.meta_verify_token) == ("s1", "tw", "ma", "mv")
    assert s.journey_secrets() == ["s1", "s0"]
    assert s.public_url == "https://intake.example.com/hooks"
    assert s.store == "/var/lib/journey/intake.sqlite3"
    assert (s.max_body, s.tolerance_seconds, s.default_region) == (131072, 120, "CA")


def test_defaults(tmp_path: Path) -> None:
    s = IntakeSettings.from_env({"JOURNEY_DATA_DIR": str(tmp_path)})
    assert s.intake_secret is None and s.public_url is None
    assert s.store == str(tmp_path / "intake" / "events.sqlite3")
    assert s.max_body == DEFAULT_MAX_BODY == 65536
    assert s.tolerance_seconds == 300


def test_bad_values_are_refused_without_echoing_them() -> None:
    with pytest.raises(ValueError) as info:
        IntakeSettings.from_env({"JOURNEY_INTAKE_MAX_BODY": "lots-secret-ish"})
    assert "lots-secret-ish" not in str(info.value)
    with pytest.raises(ValueError):
        IntakeSettings.from_env({"JOURNEY_INTAKE_PUBLIC_URL": "intake.example.com"})
    with pytest.raises(ValueError):
        IntakeSettings(max_body=0)


def test_repr_hides_secrets() -> None:
    s = IntakeSettings(
        intake_secret="s-123",
        twilio_auth_token="t-456",
        meta_app_secret="m-789",
        meta_verify_token="v-000",
        intake_secret_previous="p-111",
    )
    text = repr(s) + repr(s.describe())
    for secret in ("s-123", "t-456", "m-789", "v-000", "p-111"):
        assert secret not in text


def test_serving_needs_the_events_secret_unless_events_are_off() -> None:
    from journey_assets.intake.settings import IntakeConfigError

    with pytest.raises(IntakeConfigError, match="JOURNEY_INTAKE_SECRET is not set"):
        IntakeSettings(twilio_auth_token="t-456").check_can_serve()
    warnings = IntakeSettings(twilio_auth_token="t-456").check_can_serve(events=False)
    assert any("POST /events/* answer 503" in w for w in warnings)
    assert not any("t-456" in w for w in warnings)
    with pytest.raises(IntakeConfigError, match="no secret is set"):
        IntakeSettings().check_can_serve(events=False)
    everything = IntakeSettings(
        intake_secret="s", twilio_auth_token="t", meta_app_secret="m", meta_verify_token="v", customerio_signing_key="c"
    ).check_can_serve()
    assert everything == []
    without_customerio = IntakeSettings(
        intake_secret="s", twilio_auth_token="t", meta_app_secret="m", meta_verify_token="v"
    ).check_can_serve()
    assert without_customerio == [
        "JOURNEY_CUSTOMERIO_WEBHOOK_SIGNING_KEY is not set: POST /customerio/reporting answers 503"
    ]
