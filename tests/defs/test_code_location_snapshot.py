"""The code location's shape, snapshotted: a lost, renamed or regrouped asset, check, job, schedule or sensor fails here.

Every asset key with its group, deps, partitions, checks and freshness; every job, schedule and sensor;
and, per environment, the resources, the executor and the job tags. The definitions must be the same in
both environments (only resources, executor and tags differ); each is loaded in a fresh interpreter, as a
deployed code location reads its environment at import, from a working directory outside the repository.

After a deliberate change (a new source, a renamed model), regenerate and review the diff:

    PYTHONPATH=$PWD .venv/bin/python -m pytest tests/defs/test_code_location_snapshot.py --snapshot-update
    git diff tests/defs/__snapshots__/
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from syrupy.extensions.json import JSONSnapshotExtension

REPO = Path(__file__).resolve().parents[2]


def partitions_shape(partitions: dg.PartitionsDefinition | None) -> str | None:
    """The kind of partitions, without dates: the window's ends are settings (and the world's days), not structure."""
    if partitions is None:
        return None
    if isinstance(partitions, dg.TimeWindowPartitionsDefinition):
        return f"{type(partitions).__name__}(cron={partitions.cron_schedule!r}, timezone={partitions.timezone!r})"
    if isinstance(partitions, dg.StaticPartitionsDefinition):
        return f"StaticPartitionsDefinition({partitions.get_partition_keys()})"
    if isinstance(partitions, dg.DynamicPartitionsDefinition):
        return f"DynamicPartitionsDefinition(name={partitions.name!r})"
    if isinstance(partitions, dg.MultiPartitionsDefinition):
        dims = {d.name: partitions_shape(d.partitions_def) for d in partitions.partitions_defs}
        return f"MultiPartitionsDefinition({dims})"
    return type(partitions).__name__


def describe(defs: dg.Definitions) -> dict[str, Any]:
    graph = defs.resolve_asset_graph()
    checks: dict[str, list[str]] = {}
    for check in graph.asset_check_keys:
        checks.setdefault(check.asset_key.to_user_string(), []).append(check.name)
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=dg.AssetKey.to_user_string):
        node = graph.get(key)
        name = key.to_user_string()
        assets[name] = {
            "group": node.group_name,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "partitions": partitions_shape(node.partitions_def),
            "checks": sorted(checks.get(name, [])),
            "materializable": node.is_materializable,
            "freshness": node.freshness_policy is not None,
        }
    repository = defs.get_repository_def()
    jobs = {job.name: job for job in defs.resolve_all_job_defs() if not job.name.startswith("__")}
    schedules = {
        s.name: {
            "cron": s.cron_schedule,
            "timezone": s.execution_timezone,
            "job": s.job_name,
            "default_status": s.default_status.value,
        }
        for s in repository.schedule_defs
    }
    sensors = {
        s.name: {
            "type": s.sensor_type.value,
            "jobs": sorted(target.job_name for target in s.targets),
            "default_status": s.default_status.value,
            "minimum_interval_seconds": s.minimum_interval_seconds,
        }
        for s in repository.sensor_defs
    }
    return {
        "definitions": {
            "assets": assets,
            "jobs": {
                name: {
                    "partitions": partitions_shape(job.partitions_def),
                    "ops": sorted(node.name for node in job.nodes_in_topological_order),
                }
                for name, job in sorted(jobs.items())
            },
            "schedules": dict(sorted(schedules.items())),
            "sensors": dict(sorted(sensors.items())),
        },
        "environment": {
            "resources": {key: type(value).__name__ for key, value in sorted(defs.resources.items())},
            "executor": defs.executor.name if isinstance(defs.executor, dg.ExecutorDefinition) else None,
            "job_tags": {name: dict(sorted(job.tags.items())) for name, job in sorted(jobs.items())},
        },
    }


def describe_location() -> dict[str, Any]:
    """The code location as `dagster dev` and a deployment load it: `journey_assets.definitions:defs`."""
    from journey_assets.definitions import defs

    return describe(defs)


def load_in_fresh_interpreter(env_name: str, data_dir: Path) -> dict[str, Any]:
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from test_code_location_snapshot import describe_location;"
        "print(json.dumps(describe_location()))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEY_")}
    env.update({"JOURNEY_ENV": env_name, "JOURNEY_DATA_DIR": str(data_dir)})
    out = subprocess.run(
        [sys.executable, "-c", script, str(Path(__file__).parent)],
        cwd=data_dir.parent,  # not the repository: the loader finds the project from the package itself
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


# Materialized locally only (the key exists in prod as an external dbt source), with why.
LOCAL_ONLY = {"raw/ga4_export_events": "Google writes the GA4 BigQuery export; locally the sandbox's copy lands"}


def without(definitions: dict[str, Any], keys) -> dict[str, Any]:
    """The definitions without those assets: their own entries, and the ops of the jobs that run them."""
    assets = {k: v for k, v in definitions["assets"].items() if k not in keys}
    ops = {k.replace("/", "__") for k in keys}
    jobs = {name: {**job, "ops": [o for o in job["ops"] if o not in ops]} for name, job in definitions["jobs"].items()}
    return {**definitions, "assets": assets, "jobs": jobs}


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def test_the_code_location_matches_its_snapshot_in_both_environments(snapshot_json, tmp_path):
    local = load_in_fresh_interpreter("local", tmp_path / "local")
    prod = load_in_fresh_interpreter("prod", tmp_path / "prod")
    # The same assets, checks, jobs, schedules and sensors everywhere; only what they run on differs,
    # and what only the sandbox needs: assets that land locally what a vendor writes itself in prod.
    for key in LOCAL_ONLY:
        assert local["definitions"]["assets"][key]["materializable"]
        assert not prod["definitions"]["assets"][key]["materializable"]  # in prod: an external dbt source
    assert without(prod["definitions"], LOCAL_ONLY) == without(local["definitions"], LOCAL_ONLY)
    assert local["environment"] != prod["environment"]
    assert {
        "definitions": local["definitions"],
        "environments": {"local": local["environment"], "prod": prod["environment"]},
    } == snapshot_json
