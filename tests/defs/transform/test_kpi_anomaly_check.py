"""Issue 12: the KPI anomaly test (dbt_project/tests/generic/kpi_within_recent_range.sql) flags a day far outside
its recent range and nothing else, run by dbt itself against a small DuckDB series."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb

from journey_assets.defs.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR

SERIES = """
create table kpi_series as
select dealer, cast(d as date) as date_day,
    case
        when dealer = 'spike' and d = date '2026-12-01' then 60
        when dealer = 'short' and d = date '2026-12-01' then 60
        when dealer = 'flat' then 10
        else 10 + (extract(day from d)::int % 3)
    end as value
from range(date '2026-10-01', date '2026-12-02', interval 1 day) as t(d),
    (values ('spike'), ('steady'), ('flat'), ('short')) as dealers(dealer)
where dealer != 'short' or d >= date '2026-11-24'  -- 7 earlier days: too few to judge
"""


def test_only_the_day_far_outside_its_recent_range_is_flagged(tmp_path: Path):
    database = tmp_path / "series.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute(SERIES)
        con.execute("update kpi_series set value = 11 where dealer = 'steady' and date_day = '2026-12-01'")
    inline = "{{ test_kpi_within_recent_range(model='main.kpi_series', column_name='value', partition_by='dealer') }}"
    env = {**os.environ, "JOURNEY_ENV": "local", "JOURNEY_DUCKDB_PATH": str(database)}
    shown = subprocess.run(
        [DBT_EXECUTABLE, "show", "--vars", "{as_of_date: 2026-12-01}", "--inline", inline, "--output", "json"]
        + ["--log-format", "json", "--target-path", str(tmp_path / "target"), "--limit", "50"],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    previews = [
        json.loads(line)["data"]["preview"]
        for line in shown.stdout.splitlines()
        if line.startswith("{") and "preview" in json.loads(line).get("data", {})
    ]
    flagged = json.loads(previews[-1])
    assert [(row["series"], str(row["day"])[:10], row["value"]) for row in flagged] == [("spike", "2026-12-01", 60)]
    assert flagged[0]["recent_days"] == 28 and abs(flagged[0]["recent_mean"] - 11) < 1
