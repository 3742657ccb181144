"""One builder of the responder's dependencies (`defs/respond/deps.py`) for the `respond` job and `journey respond`:
the job's op takes exactly the builder's resources, and outside Dagster the same resource definitions are
initialized as a run initializes them (prod's `EnvVar` secrets read from the environment, none left unresolved)."""

from __future__ import annotations

from journey_assets.defs.respond.deps import RESPOND_RESOURCE_KEYS, opened_response_deps, standalone_resources
from journey_assets.defs.respond.job import respond_batch
from journey_assets.settings import load_settings

PROD_SECRETS = {
    "JOURNEY_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "JOURNEY_TWILIO_AUTH_TOKEN": "prod-twilio-token-e1",
    "JOURNEY_WRIKE_TOKEN": "prod-wrike-token-e2",
    "JOURNEY_SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/prod-e3",
    "JOURNEY_CUSTOMERIO_APP_API_KEY": "prod-cio-key-e4",
    "JOURNEY_CRM_TOKEN": "prod-crm-token-e5",
    "JOURNEY_DEALER_INVENTORY_API_KEY": "prod-feed-key-e6",
    "JOURNEY_META_ACCESS_TOKEN": "prod-meta-token-e7",
}


def test_the_job_takes_exactly_the_resources_the_builder_uses() -> None:
    assert set(respond_batch.required_resource_keys) == {*RESPOND_RESOURCE_KEYS, "respond_events"}


def test_outside_dagster_prod_secrets_are_resolved_from_the_environment(monkeypatch, tmp_path) -> None:
    rooftops = tmp_path / "rooftops.json"
    rooftops.write_text("[]")
    (tmp_path / "salespeople.json").write_text("[]")
    env = {
        **PROD_SECRETS,
        "JOURNEY_ENV": "prod",
        "JOURNEY_ROOFTOPS_FILE": str(rooftops),
        "JOURNEY_SALESPEOPLE_FILE": str(tmp_path / "salespeople.json"),
        "JOURNEY_RESPONSE_LEDGER": str(tmp_path / "ledger.sqlite3"),
        "JOURNEY_RESPONSE_FEATURES": str(tmp_path / "features.sqlite3"),
        "JOURNEY_INTAKE_STORE": str(tmp_path / "events.sqlite3"),
        "JOURNEY_WRIKE_FOLDER_ID": "IEAAAAAAPROD0001",
        "JOURNEY_CRM_BASE_URL": "https://crm.dealer.example/api",
        "JOURNEY_DEALER_INVENTORY_BASE_URL": "https://feed.dealer.example",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with standalone_resources(load_settings()) as resources:
        assert set(resources) == {*RESPOND_RESOURCE_KEYS, "respond_events"}
        assert resources["respond_twilio"].auth_token == PROD_SECRETS["JOURNEY_TWILIO_AUTH_TOKEN"]
        assert resources["crm"].token == PROD_SECRETS["JOURNEY_CRM_TOKEN"]
        with opened_response_deps(resources, log=_NoLog()) as deps:
            clients = (deps.twilio, deps.crm, deps.wrike, deps.slack, deps.email, deps.inventory, deps.meta)
            assert all(client is not None for client in clients)
            assert deps.config.wrike_folder_id == "IEAAAAAAPROD0001"


class _NoLog:
    def warning(self, message: str) -> None:
        raise AssertionError(f"a client was left unconfigured: {message}")

    info = debug = warning
