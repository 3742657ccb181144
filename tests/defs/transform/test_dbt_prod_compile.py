"""The dbt project compiles for the BigQuery prod target without a network.

dbt-bigquery opens a client before compiling, so the test hands it a
throwaway service-account key generated here; with the adapter cache and
introspection off, nothing is ever sent to Google.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import sqlglot
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from journey_assets.defs.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR


def throwaway_service_account(path: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "offline-compile",
                "private_key_id": "0",
                "private_key": pem.decode(),
                "client_email": "offline@offline-compile.iam.gserviceaccount.com",
                "client_id": "0",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    return path


def test_every_model_compiles_to_bigquery_sql(tmp_path):
    env = {
        **os.environ,
        "JOURNEY_ENV": "prod",
        "JOURNEY_BQ_AUTH_METHOD": "service-account",
        "GOOGLE_APPLICATION_CREDENTIALS": str(throwaway_service_account(tmp_path / "key.json")),
        "JOURNEY_GCP_PROJECT": "dealer-journey-test",
        "JOURNEY_GA4_PROPERTY_IDS": "111111111, 222222222",  # the GA4 export's properties (macros/ga4_export.sql)
    }
    target = tmp_path / "target"
    result = subprocess.run(
        [
            DBT_EXECUTABLE,
            "compile",
            "--target",
            "prod",
            "--profiles-dir",
            ".",
            "--target-path",
            str(target),
            "--no-populate-cache",
            "--no-partial-parse",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    compiled = target / "compiled" / "dealer_journey" / "models"
    compiled_names = {path.stem for path in compiled.rglob("*.sql")}
    model_names = {path.stem for path in (DBT_PROJECT_DIR / "models").rglob("*.sql")}
    assert model_names and model_names <= compiled_names
    price_history = (compiled / "marts" / "inventory" / "fct_inventory_price_history.sql").read_text()
    assert "to_hex(md5(" in price_history  # BigQuery's hash, from the cross-database macro
    assert "`dealer-journey-test`.`intermediate`.`int_inventory__price_changes`" in price_history

    # Every compiled model is valid BigQuery SQL, not only the ones a test happens to read: it parses,
    # and calls no function sqlglot does not know as BigQuery's (a DuckDB-only one such as list_transform
    # or read_parquet would otherwise parse as a generic call and fail only in prod).
    problems = {}
    for path in sorted(compiled.rglob("*.sql")):
        name = str(path.relative_to(compiled))
        try:
            statements = sqlglot.parse(path.read_text(), read="bigquery")
        except sqlglot.errors.ParseError as exc:
            problems[name] = str(exc)[:300]
            continue
        unknown = {
            call.name.lower()
            for statement in statements
            if statement is not None
            for call in statement.find_all(sqlglot.exp.Anonymous)
        } - BIGQUERY_FUNCTIONS_SQLGLOT_DOES_NOT_MODEL
        if unknown:
            problems[name] = f"functions BigQuery may not have: {sorted(unknown)}"
    assert not problems, problems
    assert_ga4_export_models_are_bigquery(compiled)


# BigQuery functions that sqlglot parses as generic calls; a name is added here after checking it in
# BigQuery's function reference (https://cloud.google.com/bigquery/docs/reference/standard-sql/functions-all).
BIGQUERY_FUNCTIONS_SQLGLOT_DOES_NOT_MODEL: set[str] = set()


GA4_EXPORT_MODELS = ("stg_ga4__export_events", "stg_ga4__export_sessions", "int_ga4__user_stitching")


def assert_ga4_export_models_are_bigquery(compiled: Path) -> None:
    """The export's models parse as BigQuery and read every property's wildcard table in place."""
    for name in GA4_EXPORT_MODELS:
        (path,) = compiled.rglob(f"{name}.sql")
        sqlglot.parse_one(path.read_text(), read="bigquery")  # raises on SQL BigQuery would not take
    events = next(compiled.rglob("stg_ga4__export_events.sql")).read_text()
    for property_id in ("111111111", "222222222"):
        assert f"`dealer-journey-test`.`analytics_{property_id}`.`events_*`" in events
    assert "unnest(event_params)" in events and "_table_suffix between" in events
