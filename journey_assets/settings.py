"""The one place that says which environment runs and where its local files live.

`JOURNEY_ENV=local` (default): DuckDB under `data/`, dbt target `local`, every
vendor's base URL pointing at the sandbox on loopback.
`JOURNEY_ENV=prod`: BigQuery, dbt target `prod`, live vendor URLs and
credentials from env vars (read by Dagster `EnvVar` at run time, never here).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("local", "prod")

# The live base URL of each vendor; in local every vendor is served by the
# sandbox at <JOURNEY_SANDBOX_URL>/<vendor>. Override any of them with
# JOURNEY_<VENDOR>_BASE_URL (e.g. JOURNEY_DEALER_INVENTORY_BASE_URL).
LIVE_BASE_URLS: dict[str, str] = {
    # DealerOn and Dealer.com have no public inventory API: a dealer group gets a
    # feed URL from its website provider, so there is no default to ship.
    "dealer_inventory": "",
    "ga4": "https://analyticsdata.googleapis.com",
    "google_ads": "https://googleads.googleapis.com",
    "meta": "https://graph.facebook.com",
    "metricool": "https://app.metricool.com/api",
    "gbp": "https://mybusiness.googleapis.com",
    "pagespeed": "https://www.googleapis.com/pagespeedonline",
    "crm": "",
    "twilio": "https://api.twilio.com",
    "customerio": "https://track.customer.io",
    "customerio_app": "https://api.customer.io",
    "wrike": "https://www.wrike.com/api/v4",
    "slack": "https://hooks.slack.com",
}
# Sandbox route prefix for vendors whose two APIs the sandbox serves from one fake.
SANDBOX_VENDOR_ALIASES = {"customerio_app": "customerio"}


@dataclass(frozen=True)
class SourceAccounts:
    """The batch sources' plain (non-secret) account settings; their secrets stay Dagster `EnvVar`s."""

    metricool_user_id: str  # JOURNEY_METRICOOL_USER_ID: the number after userId in Metricool's URL
    gbp_account_id: str  # JOURNEY_GBP_ACCOUNT_ID
    google_ads_login_customer_id: str  # JOURNEY_GOOGLE_ADS_LOGIN_CUSTOMER_ID: the manager account
    dms_bucket: str  # JOURNEY_DMS_BUCKET: prod reads DMS exports from this GCS bucket
    dms_prefix: str  # JOURNEY_DMS_PREFIX
    sandbox_crm_token: str  # JOURNEY_SANDBOX_CRM_TOKEN: the token the sandbox's CRM fake expects (local)


DUCKDB_DEFAULT_MEMORY_LIMIT = "80%"  # DuckDB's own default; dbt_project/profiles.yml repeats it


@dataclass(frozen=True)
class Settings:
    env: str
    data_dir: Path
    duckdb_path: Path
    sandbox_url: str
    partitions_start: str
    dry_run: bool
    # The code location's own settings (definitions.py, defs/): keep them in this block.
    dagster_ui_url: str = "http://127.0.0.1:3000"  # JOURNEY_DAGSTER_UI_URL, linked from alerts
    # JOURNEY_DUCKDB_MEMORY_LIMIT: what the local warehouse's writers may hold ("6GB", "50%"); DuckDB's own
    # default is 80% of the machine, which knows nothing of the Python heap beside it (decision 0901)
    duckdb_memory_limit: str = DUCKDB_DEFAULT_MEMORY_LIMIT
    accounts: SourceAccounts = SourceAccounts("", "", "", "", "dms", "")

    @property
    def is_local(self) -> bool:
        return self.env == "local"

    @property
    def dbt_target(self) -> str:
        return self.env

    @property
    def rooftops_file(self) -> Path:
        explicit = os.getenv("JOURNEY_ROOFTOPS_FILE")
        if explicit:
            return Path(explicit)
        # In local the sandbox writes the dealer group's configuration it plays.
        return self.data_dir / "sandbox" / "rooftops.json"

    @property
    def salespeople_file(self) -> Path:
        """The sales roster (JSON list) beside the rooftops file unless JOURNEY_SALESPEOPLE_FILE says otherwise."""
        explicit = os.getenv("JOURNEY_SALESPEOPLE_FILE")
        return Path(explicit) if explicit else self.rooftops_file.parent / "salespeople.json"

    @property
    def response_ledger(self) -> str:
        """The response ledger (JOURNEY_RESPONSE_LEDGER): a SQLite path kept apart from the DuckDB file, or
        `postgresql://user@host/db` (prod; the password from PGPASSWORD or a passfile, never the URL)."""
        return os.getenv("JOURNEY_RESPONSE_LEDGER") or str(self.data_dir / "response" / "ledger.sqlite3")

    @property
    def dms_landing_dir(self) -> Path:
        """Where DMS exports land locally (prod reads a bucket instead)."""
        return Path(os.getenv("JOURNEY_DMS_LANDING_DIR", self.data_dir / "landing" / "dms"))

    @property
    def ga4_export_landing_dir(self) -> Path:
        """Where the sandbox writes the GA4 BigQuery export's day tables (local only; in prod Google writes them)."""
        return Path(os.getenv("JOURNEY_GA4_EXPORT_DIR", self.data_dir / "landing" / "ga4_export"))

    # --- the response plane (defs/respond/resources.py reads its environment here) -------------------
    @property
    def sandbox_credentials_file(self) -> Path:
        """Where the sandbox writes the credentials its fakes accept (local only; JOURNEY_SANDBOX_CREDENTIALS_FILE)."""
        explicit = os.getenv("JOURNEY_SANDBOX_CREDENTIALS_FILE")
        return Path(explicit) if explicit else self.data_dir / "sandbox" / "credentials.json"

    @property
    def intake_store(self) -> str:
        """The intake's event store (JOURNEY_INTAKE_STORE): a SQLite path or `postgresql://user@host/db` (prod)."""
        return os.getenv("JOURNEY_INTAKE_STORE") or str(self.data_dir / "intake" / "events.sqlite3")

    @property
    def intake_public_url(self) -> str:
        """Where Twilio posts status callbacks (JOURNEY_INTAKE_PUBLIC_URL); the local intake by default."""
        return os.getenv("JOURNEY_INTAKE_PUBLIC_URL", "http://127.0.0.1:8080" if self.is_local else "").rstrip("/")

    @property
    def respond_options(self) -> dict[str, str]:
        """Plain (not secret) response settings: Wrike folder, Customer.io fallback message, Twilio sender."""
        return {
            "wrike_folder_id": os.getenv("JOURNEY_WRIKE_FOLDER_ID", ""),
            "fallback_email_message_id": os.getenv("JOURNEY_CUSTOMERIO_FALLBACK_MESSAGE_ID", "lead_response_fallback"),
            "twilio_from_number": os.getenv("JOURNEY_TWILIO_FROM_NUMBER", ""),
            "twilio_messaging_service_sid": os.getenv("JOURNEY_TWILIO_MESSAGING_SERVICE_SID", ""),
        }

    # --- propensity in the response plane, tier routing and the BQML engine (issue 10, mlrt) -----------
    @property
    def response_features(self) -> str:
        """The response plane's copy of the latest features (JOURNEY_RESPONSE_FEATURES): a SQLite path beside the
        ledger, or `postgresql://user@host/db` (prod; the password from PGPASSWORD or a passfile)."""
        return os.getenv("JOURNEY_RESPONSE_FEATURES") or str(self.data_dir / "response" / "features.sqlite3")

    @property
    def response_scorer(self) -> str:
        """JOURNEY_RESPONSE_SCORER: `model` (the propensity champion, falling back to the rules when there is no
        champion or no features for the person) or `rules` (rules-v1 only)."""
        return _choice("JOURNEY_RESPONSE_SCORER", "model", RESPONSE_SCORERS)

    @property
    def propensity_engine(self) -> str:
        """JOURNEY_PROPENSITY_ENGINE: `sklearn` (train and score in Python) or `bqml` (prod only: BigQuery ML runs
        sql/ml in the warehouse)."""
        engine = _choice("JOURNEY_PROPENSITY_ENGINE", "sklearn", PROPENSITY_ENGINES)
        if engine == "bqml" and self.is_local:
            raise SettingError("JOURNEY_PROPENSITY_ENGINE=bqml needs BigQuery (JOURNEY_ENV=prod); local runs sklearn")
        return engine

    @property
    def tier_routing(self) -> str:
        """JOURNEY_TIER_ROUTING: per-tier SLA, alert, task importance and who takes the lead, as JSON (see
        journey/routing.py `TierRouting.from_json`); empty: the defaults."""
        return os.getenv("JOURNEY_TIER_ROUTING", "")

    # --------------------------------------------------------------------------------------------------

    # --- the weekly report and the analyst (defs/report/resources.py reads its environment here) -------
    @property
    def report_dir(self) -> Path:
        """Where the weekly reports' HTML files are written, one folder per week (JOURNEY_REPORT_DIR)."""
        return Path(os.getenv("JOURNEY_REPORT_DIR", self.data_dir / "reports"))

    @property
    def alert_mail_to(self) -> str:
        """JOURNEY_ALERT_MAIL_TO: who gets failed-run alerts by mail beside Slack (comma-separated; sent over the
        report's SMTP settings). Locally the sandbox's mail sink receives them; in prod empty means Slack only."""
        return os.getenv("JOURNEY_ALERT_MAIL_TO", "data-team@dealer-journey.local" if self.is_local else "")

    @property
    def report_mail(self) -> dict[str, str]:
        """Plain mail settings: JOURNEY_SMTP_HOST/PORT/STARTTLS/USERNAME, JOURNEY_REPORT_MAIL_FROM and
        JOURNEY_REPORT_MAIL_TO (comma-separated). The password is JOURNEY_SMTP_PASSWORD, an EnvVar in prod.
        Locally host and port are the sandbox's mail sink's (from its credentials file) unless set."""
        return {
            "host": os.getenv("JOURNEY_SMTP_HOST", ""),
            "port": os.getenv("JOURNEY_SMTP_PORT", "" if self.is_local else "587"),
            "starttls": os.getenv("JOURNEY_SMTP_STARTTLS", "0" if self.is_local else "1"),
            "username": os.getenv("JOURNEY_SMTP_USERNAME", ""),
            "sender": os.getenv("JOURNEY_REPORT_MAIL_FROM", "reports@dealer-journey.local" if self.is_local else ""),
            "recipients": os.getenv(
                "JOURNEY_REPORT_MAIL_TO", "marketing@dealer-journey.local" if self.is_local else ""
            ),
        }

    @property
    def analyst_options(self) -> dict[str, str]:
        """The analyst's chat endpoint and its task folder: JOURNEY_ANALYST_BASE_URL (any OpenAI-compatible
        `/v1`), JOURNEY_ANALYST_MODEL, JOURNEY_ANALYST_WRIKE_FOLDER_ID, JOURNEY_MARKETING_MANAGER_WRIKE_ID.
        The key is JOURNEY_ANALYST_API_KEY, an EnvVar in prod."""
        local_url = f"{self.sandbox_url}/chat_completions/v1"
        return {
            "base_url": os.getenv(
                "JOURNEY_ANALYST_BASE_URL", local_url if self.is_local else "https://api.openai.com/v1"
            ),
            "model": os.getenv("JOURNEY_ANALYST_MODEL", "sandbox-analyst" if self.is_local else "gpt-4o-mini"),
            "wrike_folder_id": os.getenv("JOURNEY_ANALYST_WRIKE_FOLDER_ID", ""),
            "manager_wrike_id": os.getenv("JOURNEY_MARKETING_MANAGER_WRIKE_ID", ""),
        }

    # --- the propensity model (journey_assets/propensity, defs/predict) ---------------------------------
    @property
    def model_uri(self) -> str:
        """Where model versions are stored (JOURNEY_MODEL_URI): `gs://bucket/prefix` in prod, else data/models."""
        return os.getenv("JOURNEY_MODEL_URI") or str(self.data_dir / "models")

    @property
    def propensity_tiers(self):  # -> propensity.tiers.TierThresholds (imported here: settings imports nothing)
        """Probability cut-offs of the hot and warm tiers (JOURNEY_PROPENSITY_TIERS, e.g. `hot=0.30,warm=0.10`)."""
        from journey_assets.propensity.tiers import TierThresholds

        raw = os.getenv("JOURNEY_PROPENSITY_TIERS", "")
        try:
            return TierThresholds.parse(raw)
        except ValueError as error:
            raise SettingError(f"JOURNEY_PROPENSITY_TIERS: {error}") from None

    # --------------------------------------------------------------------------------------------------

    # --- The sandbox world and the daily partitions ---------------------------
    # Locally the partitions are the days the sandbox world has daily data for,
    # ending on its last day, so the UI's latest partition, "materialize latest",
    # the schedule and the demo all load a day the world has. Prod's partitions
    # run from JOURNEY_PARTITIONS_START to yesterday.

    @property
    def world_size(self) -> str:
        size = os.getenv("JOURNEY_WORLD_SIZE", "medium")
        if size not in WORLD_SIZES:
            raise SettingError(f"JOURNEY_WORLD_SIZE must be one of {', '.join(WORLD_SIZES)}, not {size!r}")
        return size

    @property
    def world_seed(self) -> int:
        raw = os.getenv("JOURNEY_WORLD_SEED", str(DEFAULT_WORLD_SEED))
        try:
            return int(raw)
        except ValueError:
            raise SettingError(f"JOURNEY_WORLD_SEED must be a whole number, not {raw!r}") from None

    @property
    def world_last_day(self) -> date | None:
        """JOURNEY_WORLD_LAST_DAY, or None: the newest cached world's, else yesterday."""
        return _env_date("JOURNEY_WORLD_LAST_DAY")

    @property
    def world_dates_file(self) -> Path:
        """Where the sandbox publishes the dates of the world it serves (see `WorldDates`)."""
        return self.data_dir / "sandbox" / "world.json"

    def served_world_dates(self) -> WorldDates:
        """The dates of the world the local sandbox serves (or would serve, before it first starts)."""
        explicit = self.world_last_day
        if explicit is not None:
            return WorldDates.ending(explicit)
        if self.world_dates_file.exists():
            return WorldDates.from_json(self.world_dates_file.read_text())
        return WorldDates.ending(datetime.now(UTC).date() - timedelta(days=1))

    def partitions_window(self) -> tuple[str, str | None]:
        """(first day, day after the last) of the daily partitions; no end in prod (they roll to yesterday)."""
        if not self.is_local:
            return self.partitions_start, None
        world = self.served_world_dates()
        start = _env_date("JOURNEY_PARTITIONS_START") or world.web_first_day
        if start > world.last_day:
            raise SettingError(
                f"JOURNEY_PARTITIONS_START {start} is after the sandbox world's last day {world.last_day};"
                " unset it or move the world with JOURNEY_WORLD_LAST_DAY"
            )
        return start.isoformat(), (world.last_day + timedelta(days=1)).isoformat()

    def as_of_day(self) -> date:
        """The warehouse's "today" for segments and features: the last day whose data is loaded.

        Locally the sandbox world's last day (its data ends there, whatever the clock says); in prod
        yesterday, UTC, the last partition the nightly job loads.
        """
        if self.is_local:
            return self.served_world_dates().last_day
        return datetime.now(UTC).date() - timedelta(days=1)

    # --- end of the world and partitions block -------------------------------

    def base_url(self, vendor: str) -> str:
        override = os.getenv(f"JOURNEY_{vendor.upper()}_BASE_URL")
        if override:
            return override.rstrip("/")
        if self.is_local:
            return f"{self.sandbox_url}/{SANDBOX_VENDOR_ALIASES.get(vendor, vendor)}"
        return LIVE_BASE_URLS[vendor]


class SettingError(ValueError):
    """An environment variable that cannot be read; the message names it and what it accepts."""


WORLD_SIZES = ("small", "medium", "large")
DEFAULT_WORLD_SEED = 7
# The sandbox world's windows (sandbox.world.HISTORY_DAYS / WEB_DAYS; production
# code does not import the sandbox, and a test holds the two equal).
WORLD_HISTORY_DAYS = 1095
WORLD_WEB_DAYS = 90


@dataclass(frozen=True)
class WorldDates:
    """The days a sandbox world covers: its history (leads, deals, service) and its web and ads window."""

    size: str | None
    seed: int | None
    first_day: date
    web_first_day: date
    last_day: date

    @classmethod
    def ending(cls, last_day: date, size: str | None = None, seed: int | None = None) -> WorldDates:
        return cls(
            size=size,
            seed=seed,
            first_day=last_day - timedelta(days=WORLD_HISTORY_DAYS - 1),
            web_first_day=last_day - timedelta(days=WORLD_WEB_DAYS - 1),
            last_day=last_day,
        )

    def to_json(self) -> str:
        fields = {"size": self.size, "seed": self.seed}
        days = {k: getattr(self, k).isoformat() for k in ("first_day", "web_first_day", "last_day")}
        return json.dumps({**fields, **days}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> WorldDates:
        raw = json.loads(text)
        days = {k: date.fromisoformat(raw[k]) for k in ("first_day", "web_first_day", "last_day")}
        return cls(size=raw.get("size"), seed=raw.get("seed"), **days)


RESPONSE_SCORERS = ("model", "rules")
PROPENSITY_ENGINES = ("sklearn", "bqml")


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = os.getenv(name, "").strip().lower() or default
    if value not in allowed:
        raise SettingError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _env_date(name: str) -> date | None:
    raw = os.getenv(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise SettingError(f"{name} must be a date as YYYY-MM-DD, not {raw!r}") from None


def load_settings() -> Settings:
    env = os.getenv("JOURNEY_ENV", "local")
    if env not in ENVIRONMENTS:
        raise ValueError(f"JOURNEY_ENV must be one of {ENVIRONMENTS}, not {env!r}")
    data_dir = Path(os.getenv("JOURNEY_DATA_DIR", REPO_ROOT / "data")).resolve()
    return Settings(
        env=env,
        data_dir=data_dir,
        duckdb_path=Path(os.getenv("JOURNEY_DUCKDB_PATH", data_dir / "journey.duckdb")).resolve(),
        sandbox_url=os.getenv("JOURNEY_SANDBOX_URL", "http://127.0.0.1:8765").rstrip("/"),
        partitions_start=os.getenv("JOURNEY_PARTITIONS_START", "2026-08-01"),
        dry_run=os.getenv("JOURNEY_DRY_RUN", "0").lower() in ("1", "true", "yes"),
        dagster_ui_url=os.getenv("JOURNEY_DAGSTER_UI_URL", "http://127.0.0.1:3000").rstrip("/"),
        duckdb_memory_limit=os.getenv("JOURNEY_DUCKDB_MEMORY_LIMIT", "").strip() or DUCKDB_DEFAULT_MEMORY_LIMIT,
        accounts=_source_accounts(local=env == "local"),
    )


def _source_accounts(local: bool) -> SourceAccounts:
    """Locally the sandbox answers any account id; in prod an unset one is reported by the resource that needs it."""
    sandbox = "sandbox" if local else ""
    return SourceAccounts(
        metricool_user_id=os.getenv("JOURNEY_METRICOOL_USER_ID", sandbox),
        gbp_account_id=os.getenv("JOURNEY_GBP_ACCOUNT_ID", sandbox),
        google_ads_login_customer_id=os.getenv("JOURNEY_GOOGLE_ADS_LOGIN_CUSTOMER_ID", ""),
        dms_bucket=os.getenv("JOURNEY_DMS_BUCKET", ""),
        dms_prefix=os.getenv("JOURNEY_DMS_PREFIX", "dms"),
        sandbox_crm_token=os.getenv("JOURNEY_SANDBOX_CRM_TOKEN", "sandbox-crm-token"),
    )
