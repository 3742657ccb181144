"""Helpers and fixtures of the response tests (tests/conftest.py registers the fixtures): a hand-built
dealer world served by the real sandbox, a real intake on loopback writing a temp event store,
and a fresh ledger per test.

Nothing of ours is replaced: events go through the intake over HTTP (signed),
the workflow reads them from the store, and the vendors it calls are the
sandbox fakes, whose request log is what the tests assert on.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from journey_assets.connectors.crm import CRMClient
from journey_assets.connectors.customerio import CustomerIOAppClient
from journey_assets.connectors.dealer_inventory import DealerInventoryClient
from journey_assets.connectors.http import RetryPolicy
from journey_assets.connectors.meta import MetaGraphClient, ThrottlePolicy
from journey_assets.connectors.slack import SlackWebhookClient
from journey_assets.connectors.twilio import TwilioClient
from journey_assets.connectors.wrike import WrikeClient
from journey_assets.intake.server import run_in_thread
from journey_assets.intake.settings import IntakeSettings
from journey_assets.intake.store import SQLiteEventStore
from journey_assets.journey.lead_ads import LeadAdRouting
from journey_assets.journey.signatures import META_SIGNATURE_HEADER, meta_signature, sign_journey
from journey_assets.response.config import load_json_list, load_roster
from journey_assets.response.ledger_sqlite import SQLiteLedger
from journey_assets.response.workflow import ResponseConfig, ResponseDeps, respond, respond_due
from journey_assets.sandbox.credentials import write_credentials_file
from journey_assets.sandbox.fakes import customerio_reporting
from journey_assets.sandbox.fakes import twilio as twilio_fake
from journey_assets.sandbox.run import write_rooftops_config, write_salespeople_config
from journey_assets.sandbox.server import SandboxServer
from journey_assets.sandbox.world import World

AS_OF = date(2026, 11, 23)
SECRET = "respond-test-secret"
META_APP_SECRET = "respond-test-meta-app-secret"
FOLDER = "IEAAAAAARESPOND1"
SLACK_PATH = "/services/T0RESPOND/B0RESPOND/respondtesttoken"
FAKES = ("twilio", "crm", "wrike", "slack", "customerio", "dealer_inventory", "meta")

_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", (2, 3, 4, 5, 6, 7, 8, 9), strict=True)),
}


def make_vin(stem: str) -> str:
    """A valid VIN: the 16 characters around position 9, with the check digit computed (49 CFR 565.15)."""
    assert len(stem) == 16
    chars = stem[:8] + "0" + stem[8:]
    total = sum(_VALUES[c] * w for c, w in zip(chars, _WEIGHTS, strict=True))
    check = "X" if total % 11 == 10 else str(total % 11)
    return chars[:8] + check + chars[9:]


def _vehicle(
    n: int, model: str, body: str, year: int, price: float, *, sold: str | None = None, condition: str = "used"
) -> dict:
    vin = make_vin(f"1HGCV1F3{'LKPRSTVWXY'[n % 10]}A{n:06d}")
    return {
        "vehicle_uuid": f"veh-{n:03d}",
        "dealer_id": "D01",
        "vin": vin,
        "stock_number": f"S{n:04d}",
        "condition": condition,
        "year": year,
        "make": "Honda",
        "model": model,
        "trim": "EX",
        "body_style": body,
        "exterior_color": "Blue",
        "odometer": 1000 * n,
        "msrp": price + 2000,
        "date_in_stock": pd.Timestamp("2026-10-01"),
        "date_sold": pd.Timestamp(sold) if sold else pd.NaT,
        "vdp_url": f"https://www.lakesidehonda.example/vdp/{vin}",
        "image_url": f"https://img.example/{n}.jpg",
        "_price": price,
    }


VEHICLES = [
    _vehicle(1, "Civic", "Sedan", 2023, 24500),
    _vehicle(2, "Civic", "Sedan", 2022, 22900),
    _vehicle(3, "Civic", "Sedan", 2021, 20500),
    _vehicle(4, "CR-V", "SUV", 2023, 31900),
    _vehicle(5, "Accord", "Sedan", 2023, 27900),
    _vehicle(6, "Pilot", "SUV", 2022, 38900),
    _vehicle(9, "Civic", "Sedan", 2023, 24900, sold="2026-11-20"),  # sold three days before as_of
]
IN_STOCK = VEHICLES[0]
SOLD = VEHICLES[-1]


def build_world() -> World:
    rooftops = pd.DataFrame(
        [
            {
                "dealer_id": "D01",
                "name": "Lakeside Honda",
                "address": "100 N Lake St",
                "city": "Chicago",
                "state": "IL",
                "zip": "60601",
                "timezone": "America/Chicago",
                "brands": "Honda",
                "latitude": 41.886,
                "longitude": -87.62,
                "website": "https://www.lakesidehonda.example",
                "phone": "+13125550100",
                "ga4_property_id": "300000001",
                "google_ads_customer_id": "1234567890",
                "meta_ad_account_id": "100000000000001",
                "gbp_location_id": "1",
            }
        ]
    )
    inventory = pd.DataFrame([{k: v for k, v in row.items() if k != "_price"} for row in VEHICLES])
    prices = pd.DataFrame(
        [
            {"vehicle_uuid": row["vehicle_uuid"], "effective_date": pd.Timestamp("2026-10-01"), "price": row["_price"]}
            for row in VEHICLES
        ]
    )
    salespeople = pd.DataFrame(
        [
            {
                "salesperson_id": f"SP000{i}",
                "dealer_id": "D01",
                "first_name": name,
                "last_name": "Rivera",
                "email": f"{name.lower()}@lakesidehonda.example",
                "phone": f"+1312555020{i}",
                "territory_zips": "60601,60614",
                "working_hours_start": 0,
                "working_hours_end": 24,
            }
            for i, name in ((1, "Ana"), (2, "Ben"))
        ]
    )
    return World(
        "small",
        1,
        AS_OF,
        tables={
            "rooftops": rooftops,
            "inventory": inventory,
            "inventory_prices": prices,
            "salespeople": salespeople,
        },
    )


@pytest.fixture(scope="session")
def respond_world() -> World:
    return build_world()


@pytest.fixture(scope="session")
def respond_sandbox(respond_world: World, tmp_path_factory) -> Iterator[SandboxServer]:
    """One sandbox for the whole package (a server costs 0.5 s to stop); each test gets fresh fakes."""
    server = SandboxServer(respond_world, port=0, record_path=tmp_path_factory.mktemp("sandbox") / "requests.sqlite3")
    server.start()
    try:
        yield server
    finally:
        server.stop()


_phones = itertools.count(100)


def new_phone() -> str:
    """A fresh valid number per call, so tests never see each other's suppressions or caps."""
    return f"+1773555{next(_phones):04d}"


def daytime_clock() -> Callable[[], datetime]:
    """The wall clock moved back to the latest 18:00 UTC (noon in Chicago; inside the TCPA calling window in every
    continental US time zone), still ticking. Quiet hours depend on the hour a test runs at: without this, a test
    that pins no clock sends its SMS in the afternoon and defers it at night, so CI's result would depend on when
    it ran. A test of quiet hours pins its own clock."""
    real = datetime.now(UTC)
    anchor = real.replace(hour=18, minute=0, second=0, microsecond=0)
    if anchor > real:
        anchor -= timedelta(days=1)
    offset = real - anchor
    return lambda: datetime.now(UTC) - offset


class Harness:
    """One test's view: fresh fakes, an intake with its own store, a ledger, and the sandbox log since start."""

    def __init__(self, server: SandboxServer, world: World, tmp: Path):
        self.server = server
        self.world = world
        self.tmp = tmp
        self.now = daytime_clock()  # the responders' clock unless a test pins one
        server.clear_faults()
        for name in FAKES:
            if name in server.fakes:
                server.fakes[name] = type(server.fakes[name])(world)
        rows = server.log.rows()
        self.mark = rows[-1]["id"] if rows else 0
        self.rooftops_file = write_rooftops_config(world, tmp / "config" / "rooftops.json")
        self.salespeople_file = write_salespeople_config(world, tmp / "config" / "salespeople.json")
        self.credentials_file = write_credentials_file(tmp / "config" / "credentials.json")
        self.store_path = tmp / "intake" / "events.sqlite3"
        self.store = SQLiteEventStore(self.store_path)
        self.intake = run_in_thread(
            IntakeSettings(
                intake_secret=SECRET,
                twilio_auth_token=twilio_fake.DEFAULT_AUTH_TOKEN,
                store=str(self.store_path),
                meta_app_secret=META_APP_SECRET,
                customerio_signing_key=customerio_reporting.DEFAULT_SIGNING_KEY,
            ),
            store=self.store,
        )
        self.ledger_path = tmp / "response" / "ledger.sqlite3"
        self.ledger = SQLiteLedger(self.ledger_path)
        self.cursor: str | None = None
        self.configure_twilio(inbound_url=f"{self.intake.url}/twilio/inbound", callback_delay=0.01)

    # -- vendors ------------------------------------------------------------------------------
    def url(self, vendor: str) -> str:
        return self.server.vendor_url(vendor)

    def configure_twilio(self, **config: Any) -> dict:
        response = requests.post(f"{self.url('twilio')}/_sandbox/config", json=config, timeout=5)
        response.raise_for_status()
        return response.json()

    def rows(self, vendor: str, method: str = "POST") -> list[dict[str, Any]]:
        """Requests this test made to a vendor (sandbox-only routes left out)."""
        return [
            r
            for r in self.server.log.rows(vendor)
            if r["id"] > self.mark and r["method"] == method and "/_s" not in r["path"]
        ]

    def deps(
        self, *, clock: Callable[[], datetime] | None = None, dry_run: bool = False, **overrides: Any
    ) -> ResponseDeps:
        retry = RetryPolicy(total=2, backoff_factor=0)
        roster = load_roster(self.rooftops_file, self.salespeople_file)
        kwargs: dict[str, Any] = {
            "ledger": self.ledger,
            "roster": roster,
            "twilio": TwilioClient(
                twilio_fake.DEFAULT_ACCOUNT_SID,
                twilio_fake.DEFAULT_AUTH_TOKEN,
                base_url=self.url("twilio"),
                from_number="+13125550100",
                status_callback=f"{self.intake.url}/twilio/status",
                retry=retry,
                timeout=5,
            ),
            "crm": CRMClient(self.url("crm"), "sandbox-crm-token", retry=retry, timeout=5),
            "wrike": WrikeClient("sandbox-wrike-token", base_url=self.url("wrike"), retry=retry, timeout=5),
            "slack": SlackWebhookClient(SLACK_PATH, base_url=self.url("slack"), retry=retry, timeout=5),
            "email": CustomerIOAppClient(
                "sandbox-app-api-key", base_url=self.url("customerio"), retry=retry, timeout=5
            ),
            "inventory": DealerInventoryClient(self.url("dealer_inventory"), "sandbox", retry=retry, timeout=5),
            "meta": MetaGraphClient(
                self.url("meta"),
                "sandbox-meta-token",
                retry=retry,
                timeout=5,
                throttle=ThrottlePolicy(max_pause=0.0, retries=1, backoff=0.0),
            ),
            "lead_ad_routing": LeadAdRouting.from_rooftops(load_json_list(self.rooftops_file, "rooftops")),
            "config": ResponseConfig(wrike_folder_id=FOLDER),
            "dry_run": dry_run,
        }
        kwargs["clock"] = clock if clock is not None else self.now
        kwargs.update(overrides)
        return ResponseDeps(**kwargs)

    # -- intake --------------------------------------------------------------------------------
    def post(self, kind: str, body: dict[str, Any]) -> requests.Response:
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", **sign_journey(SECRET, raw)}
        response = requests.post(f"{self.intake.url}/events/{kind}", data=raw, headers=headers, timeout=5)
        assert response.status_code in (200, 201), response.text
        return response

    def intent(
        self,
        event_type: str = "test_drive_request",
        *,
        phone: str | None = None,
        occurred_at: datetime | None = None,
        vehicle: dict | None = None,
        email: str | None = "ann@example.com",
        consent: dict | None = None,
        attributes: dict | None = None,
        event_id: str | None = None,
        postal_code: str = "60614",
        client_id: str | None = None,
        dealer_id: str = "D01",
    ) -> dict[str, Any]:
        """Post one intent event (signed) and answer the body sent."""
        occurred = occurred_at or self.now()
        customer: dict[str, Any] = {"first_name": "Ann", "last_name": "Lee", "postal_code": postal_code}
        if phone:
            customer["phone"] = phone
        if email:
            customer["email"] = email
        if client_id:
            customer["client_id"] = client_id
        if event_type == "test_drive_request" and attributes is None:
            attributes = {
                "appointment_at": (occurred + timedelta(days=1))
                .replace(hour=16, minute=0, second=0, microsecond=0)
                .isoformat()
            }
        body = {
            "event_id": event_id or f"evt-{event_type}-{time.time_ns()}",
            "occurred_at": occurred.isoformat(),
            "dealer_id": dealer_id,
            "event_type": event_type,
            "source": "website",
            "customer": customer,
            "consent": consent
            if consent is not None
            else {"sms": True, "email": True, "text": "I agree to receive texts."},
            "attributes": attributes or {},
        }
        if vehicle is not None:
            body["vehicle"] = vehicle
        self.post("intent", body)
        return body

    def post_meta_leadgen(self, changes: list[dict[str, Any]], *, page_id: str) -> requests.Response:
        """Meta's lead-ads webhook: `entry[].changes[]` of field `leadgen`, signed with X-Hub-Signature-256."""
        body = {
            "object": "page",
            "entry": [
                {
                    "id": page_id,
                    "time": int(time.time()),
                    "changes": [{"field": "leadgen", "value": v} for v in changes],
                }
            ],
        }
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", META_SIGNATURE_HEADER: meta_signature(META_APP_SECRET, raw)}
        response = requests.post(f"{self.intake.url}/meta/leadgen", data=raw, headers=headers, timeout=5)
        assert response.status_code == 200, response.text
        return response

    def simulate_inbound(self, phone: str, text: str) -> dict:
        response = requests.post(
            f"{self.url('twilio')}/_simulate/inbound", json={"From": phone, "Body": text}, timeout=5
        )
        response.raise_for_status()
        answer = response.json()
        assert answer["webhook_status"] == 200, answer
        return answer

    def read_new(self) -> list:
        """Events stored since the last read, as the sensor sees them."""
        events, self.cursor = self.store.read_since(self.cursor, 500)
        return events

    def run(self, deps: ResponseDeps | None = None, **kwargs: Any):
        """One pass the way the job runs it: the new events, then whatever is due again."""
        deps = deps or self.deps(**kwargs)
        report = respond(self.read_new(), deps)
        report.extend(respond_due(deps))
        return report

    def close(self) -> None:
        self.intake.stop()
        self.store.close()
        self.ledger.close()


@pytest.fixture
def harness(respond_sandbox: SandboxServer, respond_world: World, tmp_path: Path) -> Iterator[Harness]:
    h = Harness(respond_sandbox, respond_world, tmp_path)
    try:
        yield h
    finally:
        h.close()
        respond_sandbox.clear_faults()


def vehicle_of(row: dict[str, Any]) -> dict[str, Any]:
    """The event's `vehicle` for one of the world's inventory rows."""
    return {
        "vin": row["vin"],
        "stock_number": row["stock_number"],
        "year": row["year"],
        "make": row["make"],
        "model": row["model"],
        "trim": row["trim"],
        "condition": row["condition"],
        "price": row["_price"],
    }


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s")
