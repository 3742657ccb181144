"""When the code location re-parses the dbt project: no manifest, or dbt files newer than it (a pull)."""

from __future__ import annotations

import os
from pathlib import Path

from journey_assets.defs.transform.project import manifest_is_stale


def _touch(path: Path, mtime: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")
    os.utime(path, (mtime, mtime))
    return path


def test_a_manifest_older_than_a_model_or_macro_is_stale_and_a_newer_one_is_not(tmp_path: Path):
    project = tmp_path / "dbt_project"
    _touch(project / "dbt_project.yml", 1_000)
    model = _touch(project / "models" / "marts" / "dim_x.sql", 1_000)
    manifest = project / "target" / "manifest.json"
    assert manifest_is_stale(project, manifest)  # none yet

    _touch(manifest, 2_000)
    assert not manifest_is_stale(project, manifest)

    os.utime(model, (3_000, 3_000))  # the model changed after the parse
    assert manifest_is_stale(project, manifest)

    _touch(manifest, 4_000)
    _touch(project / "macros" / "new_macro.sql", 5_000)  # a macro added after it
    assert manifest_is_stale(project, manifest)
