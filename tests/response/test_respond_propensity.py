"""The response plane scored by the propensity champion, over the sandbox: the ledger's assignment, the CRM lead and
the Wrike task say which scorer and version decided (`propensity-<version>` with a champion, `rules-v1` without);
the warehouse's features reach the rules (lease maturity, prior service) and routing follows the tier's configuration.
The features store runs on SQLite and on Postgres (JOURNEY_TEST_POSTGRES_URL)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from support.pg_helpers import postgres_schema, schema_spec
from support.propensity_model import promote_champion
from support.respond_harness import FOLDER, IN_STOCK, Harness, new_phone, vehicle_of

from journey_assets.journey.routing import TierRouting
from journey_assets.journey.scoring import RuleBasedScorer
from journey_assets.propensity.scorer import ModelScorer
from journey_assets.propensity.store import ModelStore
from journey_assets.response.contact import identity_key
from journey_assets.response.features import FeatureStore, PersonFeatures
from journey_assets.response.features_factory import open_feature_store
from journey_assets.response.workflow import ResponseConfig, respond

WAREHOUSE = {
    "vdp_views_30d": 4,
    "sessions_30d": 5,
    "email_sessions_60d": 1,
    "leads_90d": 1,
    "latest_lead_type_30d": "form",
    "months_to_lease_maturity": 2.0,
    "lease_closeness": 0.83,
    "months_since_service": 3.0,
    "service_recency": 0.78,
    "prior_purchases": 1,
    "purchased_180d": False,
    "vehicles_held": 1,
    "days_since_last_touch": 3,
    "tenure_days": 900,
}


@pytest.fixture(scope="module")
def champion(tmp_path_factory) -> tuple[ModelStore, str]:
    return promote_champion(tmp_path_factory.mktemp("models"))


@pytest.fixture(params=["sqlite", "postgres"])
def features(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FeatureStore]:
    if request.param == "sqlite":
        store = open_feature_store(tmp_path / "response" / "features.sqlite3")
        yield store
        store.close()
        return
    for url, schema in postgres_schema("test_respond_features"):
        store = open_feature_store(schema_spec(url, schema))
        yield store
        store.close()


def known(features: FeatureStore, email: str, **values) -> None:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    person = PersonFeatures("cust-1", "D01", yesterday, {**WAREHOUSE, **values}, (identity_key("email", email),))
    features.replace([person], datetime.now(UTC))


def email() -> str:
    return f"ann.{time.time_ns()}@example.com"


def answered(harness: Harness, body: dict) -> tuple[dict, dict, dict]:
    """(the ledger's assignment detail, the CRM REST lead, the Wrike task form) of the lead."""
    assignment = harness.ledger.get_action(body["event_id"], "assign").detail
    rest = json.loads(next(r["body"] for r in harness.rows("crm") if r["path"] == "/leads"))
    task = parse_qs(next(r["body"] for r in harness.rows("wrike") if r["path"].endswith("/tasks")))
    return assignment, rest, task


def test_with_a_champion_the_model_decides_and_the_ledger_says_which(harness, champion, features):
    store, version = champion
    address = email()
    known(features, address)
    body = harness.intent("test_drive_request", phone=new_phone(), email=address, vehicle=vehicle_of(IN_STOCK))
    report = respond(harness.read_new(), harness.deps(scorer=ModelScorer(store), features=features))

    assignment, rest, task = answered(harness, body)
    assert assignment["scored_by"] == f"propensity-{version}"
    assert f"propensity-{version}" in rest["comments"] and f"propensity-{version}" in task["description"][0]
    assert "chance to buy or lease within 30 days" in rest["comments"]
    assert report.outcomes[0].result == f"lead:{assignment['band']}"


def test_without_a_champion_the_rules_decide_and_the_ledger_says_so(harness, features, tmp_path):
    address = email()
    known(features, address)
    body = harness.intent("test_drive_request", phone=new_phone(), email=address, vehicle=vehicle_of(IN_STOCK))
    respond(harness.read_new(), harness.deps(scorer=ModelScorer(ModelStore(tmp_path / "none")), features=features))

    assignment, rest, _ = answered(harness, body)
    assert assignment["scored_by"] == "rules-v1" and "rules-v1" in rest["comments"]
    assert "no propensity champion has been promoted: scored by rules" in rest["comments"]


def test_a_person_the_warehouse_does_not_know_is_scored_by_the_rules(harness, champion, features):
    known(features, email())  # someone else
    body = harness.intent("test_drive_request", phone=new_phone(), email=email(), vehicle=vehicle_of(IN_STOCK))
    respond(harness.read_new(), harness.deps(scorer=ModelScorer(champion[0]), features=features))
    assignment, rest, _ = answered(harness, body)
    assert assignment["scored_by"] == "rules-v1" and "does not know this person" in rest["comments"]


def test_the_lease_and_service_rules_fire_live_from_the_warehouse_features(harness, features):
    """Issue 10: rules that could never fire in live scoring (lease maturity, prior service customer) now do."""
    address = email()
    known(features, address)
    body = harness.intent("price_request", phone=new_phone(), email=address, vehicle=vehicle_of(IN_STOCK))
    respond(harness.read_new(), harness.deps(scorer=RuleBasedScorer(), features=features))
    assignment, rest, _ = answered(harness, body)
    assert assignment["score"] == 25 + 20 + 10 and assignment["band"] == "hot"  # a price request alone is warm
    assert "lease matures" in rest["comments"] and "services with us" in rest["comments"]


def test_a_lapsed_lease_and_no_service_leave_the_rules_as_before(harness, features):
    address = email()
    known(features, address, months_to_lease_maturity=None, months_since_service=None)
    body = harness.intent("price_request", phone=new_phone(), email=address, vehicle=vehicle_of(IN_STOCK))
    respond(harness.read_new(), harness.deps(scorer=RuleBasedScorer(), features=features))
    assignment, _, _ = answered(harness, body)
    assert assignment["score"] == 25 and assignment["band"] == "warm"


def test_routing_follows_the_tiers_configuration(harness):
    routing = TierRouting.from_json('{"warm": {"alert": true, "importance": "High", "sla_minutes": 30}}')
    body = harness.intent("price_request", phone=new_phone(), email=email(), vehicle=vehicle_of(IN_STOCK))
    respond(harness.read_new(), harness.deps(config=ResponseConfig(wrike_folder_id=FOLDER, routing=routing)))
    assignment, _, task = answered(harness, body)
    assert assignment["band"] == "warm" and task["importance"] == ["High"]
    assert len(harness.rows("slack")) == 1  # warm leads alert under this configuration
    assert "30 working minutes" in assignment["due_reason"]


def test_by_default_a_warm_lead_does_not_alert(harness):
    body = harness.intent("price_request", phone=new_phone(), email=email(), vehicle=vehicle_of(IN_STOCK))
    respond(harness.read_new(), harness.deps())
    assignment, _, task = answered(harness, body)
    assert assignment["band"] == "warm" and task["importance"] == ["Normal"] and harness.rows("slack") == []
    assert "120 working minutes" in assignment["due_reason"]
