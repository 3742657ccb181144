"""The dbt project, and how its manifest comes to exist.

`dagster dev` re-parses on every load (`prepare_if_dev`); a deployment parses once at build
time (`dagster-dbt project prepare-and-package --file journey_assets/defs/transform/project.py`,
tests parse in tests/conftest.py); a fresh clone has no manifest yet and parses on its first load,
and a checkout whose dbt files changed since its manifest (a `git pull`) parses again.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from journey_assets.settings import REPO_ROOT

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# The dbt installed beside this interpreter, so it works without an activated venv
# (dagster-dbt's own preparer looks for `dbt` on PATH only).
DBT_EXECUTABLE = shutil.which("dbt") or str(Path(sys.executable).parent / "dbt")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def parse_dbt_project() -> Path:
    """Write the manifest (`dbt parse`, partial parsing makes a repeat cheap) and return its path."""
    DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE).cli(
        ["parse", "--quiet"], target_path=dbt_project.target_path
    ).wait()
    return dbt_project.manifest_path


def manifest_is_stale(project_dir: Path, manifest: Path) -> bool:
    """No manifest, or a dbt file (model, macro, seed, test, project or source YAML) newer than it."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    files = [project_dir / "dbt_project.yml"]
    for folder in ("models", "macros", "seeds", "tests", "snapshots", "analyses"):
        files += (project_dir / folder).rglob("*")
    return any(f.is_file() and f.stat().st_mtime > built for f in files)


dbt_project.prepare_if_dev()
if manifest_is_stale(DBT_PROJECT_DIR, dbt_project.manifest_path):
    parse_dbt_project()
