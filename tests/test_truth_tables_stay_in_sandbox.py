"""The pipeline never reads the world's ground truth: only the sandbox, the benchmarks and their tests name truth tables."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

# Code, SQL and configuration; prose (docs, notes) may talk about the truth.
CODE_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".toml", ".cfg", ".ini", ".json", ".sh", ".jinja"}
CODE_NAMES = {"Makefile", "Dockerfile"}
NOT_THE_PROJECT = {".git", ".venv", "venv", "data", "target", "dbt_packages", "logs", "__pycache__", "node_modules"}

# Where the truth may be named, precisely: the world that makes it, the benchmarks that score
# against it, the tests of the sandbox, and the few tests that check pipeline output against it.
ALLOWED_FOLDERS = ("journey_assets/sandbox/", "bench/", "tests/sandbox/")
ALLOWED_FILES = {
    "tests/test_truth_tables_stay_in_sandbox.py",  # this test
    "tests/defs/ops/test_nightly_job.py",  # quarantined VINs are exactly the world's corrupted ones
}
TRUTH_TABLE = re.compile(r"\btruth_[a-z]\w*", re.IGNORECASE)


def project_code_files(root: Path):
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part in NOT_THE_PROJECT for part in relative.parts) or not path.is_file():
            continue
        if path.suffix in CODE_SUFFIXES or path.name in CODE_NAMES:
            yield relative.as_posix(), path


def files_naming_truth(root: Path) -> dict[str, list[str]]:
    found = {}
    for relative, path in project_code_files(root):
        if relative.startswith(ALLOWED_FOLDERS) or relative in ALLOWED_FILES:
            continue
        names = sorted(set(TRUTH_TABLE.findall(path.read_text(errors="replace"))))
        if names:
            found[relative] = names
    return found


def test_no_pipeline_code_names_a_truth_table():
    assert files_naming_truth(REPO_ROOT) == {}


def test_the_check_finds_a_truth_table_named_outside_the_allowed_places(tmp_path):
    (tmp_path / "dbt_project" / "models").mkdir(parents=True)
    (tmp_path / "dbt_project" / "models" / "peek.sql").write_text("select * from raw.Truth_Customer")
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "score.py").write_text("truth_identity = 1")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "cache.json").write_text('{"truth_customer": 1}')
    (tmp_path / "journey_assets").mkdir()
    (tmp_path / "journey_assets" / "notes.md").write_text("the truth_customer table")
    assert files_naming_truth(tmp_path) == {"dbt_project/models/peek.sql": ["Truth_Customer"]}
