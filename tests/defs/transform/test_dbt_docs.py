"""The dbt docs: `dbt docs generate` builds, and every model and every column it has is described.

The catalog (what the warehouse really holds) is compared with the YAML, so a column added to a
model's SQL without a description, or a described column the model no longer has, fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from journey_assets.defs.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR


def _models(manifest: dict) -> dict[str, dict]:
    return {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}


def test_docs_generate_builds_and_describes_every_model_and_column(small_warehouse, tmp_path: Path):
    target = tmp_path / "target"
    env = {**os.environ, "JOURNEY_ENV": "local", "JOURNEY_DUCKDB_PATH": str(small_warehouse.duckdb_path)}
    result = subprocess.run(
        [DBT_EXECUTABLE, "docs", "generate", "--profiles-dir", ".", "--target-path", str(target)],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (target / "index.html").exists()
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())

    models = _models(manifest)
    assert models
    undescribed_models = sorted(node["name"] for node in models.values() if not node["description"].strip())
    assert not undescribed_models

    missing_from_catalog, undescribed, stale = [], [], []
    for uid, node in models.items():
        built = catalog["nodes"].get(uid)
        if built is None:
            missing_from_catalog.append(node["name"])
            continue
        documented = {name.lower(): column for name, column in node["columns"].items()}
        actual = {name.lower() for name in built["columns"]}
        undescribed += [
            f"{node['name']}.{c}" for c in sorted(actual) if not documented.get(c, {}).get("description", "").strip()
        ]
        stale += [f"{node['name']}.{c}" for c in sorted(set(documented) - actual)]
    assert not missing_from_catalog, f"models the small world's build did not create: {missing_from_catalog}"
    assert not undescribed, f"columns without a description in their model's YAML: {undescribed}"
    assert not stale, f"columns the YAML describes that the model no longer has: {stale}"
