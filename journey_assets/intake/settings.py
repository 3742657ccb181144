"""The intake service's settings, read from env vars.

| env var | setting | default |
|---|---|---|
| JOURNEY_INTAKE_SECRET | shared secret of our `/events/*` signature | required to start; unset only with `--no-events` (those endpoints then answer 503) |
| JOURNEY_INTAKE_SECRET_PREVIOUS | also accepted while senders move to a new secret | unset |
| JOURNEY_TWILIO_AUTH_TOKEN | Twilio auth token (X-Twilio-Signature key) | unset: `/twilio/*` answer 503 |
| JOURNEY_META_APP_SECRET | Meta app secret (X-Hub-Signature-256 key) | unset: POST `/meta/leadgen` answers 503 |
| JOURNEY_META_VERIFY_TOKEN | token Meta echoes in the subscription handshake | unset: GET `/meta/leadgen` answers 403 |
| JOURNEY_CUSTOMERIO_WEBHOOK_SIGNING_KEY | Customer.io reporting webhooks' signing key (X-CIO-Signature key) | unset: POST `/customerio/reporting` answers 503 |
| JOURNEY_INTAKE_PUBLIC_URL | base URL Twilio calls (`https://intake.example.com`), used to rebuild the signed URL behind a proxy | unset: the URL as this process sees it |
| JOURNEY_INTAKE_STORE | SQLite path, or `postgresql://user@host/db` (password from PGPASSWORD or a passfile) | `$JOURNEY_DATA_DIR/intake/events.sqlite3` (data dir defaults to `<repo>/data`) |
| JOURNEY_INTAKE_MAX_BODY | largest request body in bytes | 65536 |
| JOURNEY_INTAKE_TOLERANCE | accepted clock skew of `X-Journey-Timestamp`, seconds | 300 |
| JOURNEY_INTAKE_DEFAULT_REGION | region for phone numbers written without `+` | US |
| JOURNEY_INTAKE_FORWARDED_ALLOW_IPS | proxies trusted for X-Forwarded-For (the remote address in security events) | 127.0.0.1 |

An unset vendor secret disables its endpoints (fail closed) rather than
stopping the service, so a rooftop without Twilio still runs the rest; the
intake says so at start. JOURNEY_INTAKE_SECRET is different: `/events/*` is
what the intake is for, so starting without it is refused unless asked for
explicitly (`--no-events`, vendor webhooks only), instead of starting quietly
and answering 503 to every event. Secrets are kept out of `repr()` and so out
of logs, tracebacks and Dagster metadata.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MAX_BODY = 64 * 1024


def default_store_path(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    data_dir = Path(env.get("JOURNEY_DATA_DIR") or REPO_ROOT / "data")
    return str(data_dir / "intake" / "events.sqlite3")


class IntakeConfigError(ValueError):
    """These settings cannot serve; the message names the variable to set (never a value)."""


@dataclass(frozen=True)
class IntakeSettings:
    intake_secret: str | None = field(default=None, repr=False)
    intake_secret_previous: str | None = field(default=None, repr=False)
    twilio_auth_token: str | None = field(default=None, repr=False)
    meta_app_secret: str | None = field(default=None, repr=False)
    meta_verify_token: str | None = field(default=None, repr=False)
    customerio_signing_key: str | None = field(default=None, repr=False)
    public_url: str | None = None
    store: str = field(default_factory=default_store_path)
    max_body: int = DEFAULT_MAX_BODY
    tolerance_seconds: int = 300
    default_region: str = "US"
    forwarded_allow_ips: str = "127.0.0.1"

    def __post_init__(self) -> None:
        if self.max_body <= 0:
            raise ValueError("max_body must be positive")
        if self.tolerance_seconds <= 0:
            raise ValueError("tolerance_seconds must be positive")
        if self.public_url is not None and not self.public_url.startswith(("http://", "https://")):
            raise ValueError("public_url must start with http:// or https://")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> IntakeSettings:
        env = os.environ if env is None else env

        def text(name: str) -> str | None:
            value = env.get(name)
            return value if value else None

        def number(name: str, default: int) -> int:
            value = env.get(name)
            if not value:
                return default
            try:
                return int(value)
            except ValueError:
                raise ValueError(f"{name} must be an integer") from None  # the value is not echoed

        public_url = text("JOURNEY_INTAKE_PUBLIC_URL")
        return cls(
            intake_secret=text("JOURNEY_INTAKE_SECRET"),
            intake_secret_previous=text("JOURNEY_INTAKE_SECRET_PREVIOUS"),
            twilio_auth_token=text("JOURNEY_TWILIO_AUTH_TOKEN"),
            meta_app_secret=text("JOURNEY_META_APP_SECRET"),
            meta_verify_token=text("JOURNEY_META_VERIFY_TOKEN"),
            customerio_signing_key=text("JOURNEY_CUSTOMERIO_WEBHOOK_SIGNING_KEY"),
            public_url=public_url.rstrip("/") if public_url else None,
            store=text("JOURNEY_INTAKE_STORE") or default_store_path(env),
            max_body=number("JOURNEY_INTAKE_MAX_BODY", DEFAULT_MAX_BODY),
            tolerance_seconds=number("JOURNEY_INTAKE_TOLERANCE", 300),
            default_region=(text("JOURNEY_INTAKE_DEFAULT_REGION") or "US").upper(),
            forwarded_allow_ips=text("JOURNEY_INTAKE_FORWARDED_ALLOW_IPS") or "127.0.0.1",
        )

    def journey_secrets(self) -> list[str]:
        """The secrets our signature may be made with: the current one, then the previous one."""
        return [s for s in (self.intake_secret, self.intake_secret_previous) if s]

    def check_can_serve(self, *, events: bool = True) -> list[str]:
        """Raise IntakeConfigError if a service started with these settings would refuse what it is for;
        otherwise return a warning for each endpoint that will answer 503 (or 403) for want of its secret."""
        if events and not self.intake_secret:
            raise IntakeConfigError(
                "JOURNEY_INTAKE_SECRET is not set, so every POST /events/* would be refused with 503. "
                "Set it to the secret your senders sign with (docs/webhooks.md), "
                "or start with --no-events to serve only the Twilio and Meta webhooks."
            )
        vendors = (self.twilio_auth_token, self.meta_app_secret, self.meta_verify_token, self.customerio_signing_key)
        if not self.intake_secret and not any(vendors):
            raise IntakeConfigError(
                "no secret is set (JOURNEY_INTAKE_SECRET, JOURNEY_TWILIO_AUTH_TOKEN, JOURNEY_META_APP_SECRET, "
                "JOURNEY_META_VERIFY_TOKEN, JOURNEY_CUSTOMERIO_WEBHOOK_SIGNING_KEY), so every endpoint would refuse every request; set at least one."
            )
        warnings = []
        if not self.intake_secret:
            warnings.append("started with --no-events: JOURNEY_INTAKE_SECRET is not set, POST /events/* answer 503")
        if not self.twilio_auth_token:
            warnings.append("JOURNEY_TWILIO_AUTH_TOKEN is not set: POST /twilio/* answer 503")
        if not self.meta_app_secret:
            warnings.append("JOURNEY_META_APP_SECRET is not set: POST /meta/leadgen answers 503")
        if not self.meta_verify_token:
            warnings.append("JOURNEY_META_VERIFY_TOKEN is not set: the Meta subscription handshake answers 403")
        if not self.customerio_signing_key:
            warnings.append("JOURNEY_CUSTOMERIO_WEBHOOK_SIGNING_KEY is not set: POST /customerio/reporting answers 503")
        return warnings

    def describe(self) -> dict[str, object]:
        """What is configured, without any secret: for a startup log line."""
        return {
            "store": self.store,
            "public_url": self.public_url,
            "max_body": self.max_body,
            "tolerance_seconds": self.tolerance_seconds,
            "events_enabled": bool(self.intake_secret),
            "events_previous_secret": bool(self.intake_secret_previous),
            "twilio_enabled": bool(self.twilio_auth_token),
            "meta_enabled": bool(self.meta_app_secret),
            "meta_handshake_enabled": bool(self.meta_verify_token),
            "customerio_reporting_enabled": bool(self.customerio_signing_key),
        }
