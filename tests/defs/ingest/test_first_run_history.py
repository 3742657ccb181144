"""Issue 8 item 18 (ingest half): a run covers a partition range, and the first partition loads the whole history.

CRM and DMS hold years before the partition calendar starts: on the first partition the CRM is read from the
beginning (no updated_since) and every earlier DMS export date is loaded; those rows keep their own dates and
count as the first partition (its partition_expr), so re-running it replaces them.
"""

from __future__ import annotations

import logging
from datetime import date

import dagster as dg
import duckdb
from support.marketing_world import ACCOUNTS

from journey_assets.defs.ingest.crm import crm_leads_and_activities
from journey_assets.defs.ingest.factory import first_partition_day
from journey_assets.defs.ingest.resources import CRMResource, DmsLandingResource
from journey_assets.sandbox.dms_drops import write_dms_drops
from journey_assets.sources import crm, dms
from journey_assets.sources.spec import Fetch, apply_rules

DAY = date(2026, 11, 21)
LOG = logging.getLogger("test")


def _loaded(source, run: Fetch) -> dict[str, tuple[list[dict], list[dict]]]:
    out: dict[str, tuple[list[dict], list[dict]]] = {t.name: ([], []) for t in source.tables}
    for batch in source.fetch(run):
        good, bad = apply_rules(source.table(batch.table), batch, source.name)
        out[batch.table][0].extend(good)
        out[batch.table][1].extend(bad)
    return out


def test_crm_first_partition_reads_from_the_beginning(marketing_sandbox):
    resource = CRMResource(base_url=marketing_sandbox.vendor_url("crm"), token="sandbox-crm-token")
    nightly = _loaded(crm.SOURCE, Fetch(DAY, DAY, resource, [], LOG, calendar_start=date(2026, 8, 1)))
    assert [r["lead_id"] for r in nightly["crm_leads"][0]] == ["L003"]  # only the day's change

    first = _loaded(crm.SOURCE, Fetch(DAY, DAY, resource, [], LOG, calendar_start=DAY))
    leads, rejected = first["crm_leads"]
    assert sorted((r["lead_id"], str(r["updated_date"])) for r in leads) == [
        ("L001", "2026-11-20"),
        ("L002", "2026-11-20"),
        ("L003", "2026-11-21"),
        ("L006", "2026-11-20"),
    ]
    assert [r["record_key"] for r in rejected] == ["L004"]  # still quarantined, with its reason
    assert {r["snapshot_date"] for r in rejected} == {DAY}  # in the partition that loaded it
    assert sorted(r["activity_id"] for r in first["crm_activities"][0]) == ["A001", "A002", "A003"]


def test_dms_first_partition_loads_every_earlier_export_date(marketing_world, tmp_path):
    write_dms_drops(marketing_world, tmp_path, date(2026, 11, 20), DAY)
    resource = DmsLandingResource(root=str(tmp_path))
    for expected_status in ("loaded", "reloaded"):  # a re-run of the first partition re-reads loaded/<day>/
        got = _loaded(dms.SOURCE, Fetch(DAY, DAY, resource, [], LOG, calendar_start=DAY))
        export_dates = {str(r["export_date"]) for r in got["dms_sales"][0] + got["dms_service_visits"][0]}
        assert export_dates == {"2026-11-20", "2026-11-21"}
        assert expected_status in {f["status"] for f in got["dms_file_loads"][0]}
    nightly = _loaded(dms.SOURCE, Fetch(DAY, DAY, resource, [], LOG, calendar_start=date(2026, 8, 1)))
    assert {str(r["export_date"]) for r in nightly["dms_sales"][0]} <= {"2026-11-21"}


def test_history_rows_belong_to_the_first_partition():
    out = next(iter(crm_leads_and_activities.specs_by_key.values()))
    start = first_partition_day().isoformat()
    assert out.metadata["partition_expr"] == f"greatest(updated_date, datetime '{start} 00:00:00')"
    # The IO manager deletes a range with `<expr> >= start and <expr> < end`: rows older than the calendar
    # fall in the first partition and nowhere else.
    with duckdb.connect() as db:
        db.execute("create table t (updated_date timestamp)")
        db.execute(f"insert into t values ('2023-05-01'), ('{start}'), ('2026-11-21')")
        expr = out.metadata["partition_expr"]
        first_end = date.fromordinal(first_partition_day().toordinal() + 1).isoformat()
        in_first = db.execute(f"select count(*) from t where {expr} >= '{start}' and {expr} < '{first_end}'").fetchone()
    assert in_first == (2,)


def test_ingest_assets_backfill_a_range_in_one_run():
    from journey_assets.definitions import defs

    ingest = [a for a in defs.assets if isinstance(a, dg.AssetsDefinition) and a.group_names_by_key]
    raw = [a for a in ingest if any(k.path[0] == "raw" for k in a.keys) and a.partitions_def is not None]
    assert len(raw) == 11  # the ten declared sources and the local GA4 export landing (defs/ingest/ga4_export.py)
    assert all(a.backfill_policy == dg.BackfillPolicy.single_run() for a in raw)


def test_a_range_read_loads_what_the_days_load(marketing_sandbox):
    """A ranged vendor read (Meta insights over three days) keeps one row per ad AND day, none taken for a repeat."""
    from journey_assets.defs.ingest.resources import MetaResource
    from journey_assets.sources import meta

    resource = MetaResource(base_url=marketing_sandbox.vendor_url("meta"), access_token="t", poll_interval_seconds=0)
    rooftops = [{"dealer_id": "D01", "meta_ad_account_id": ACCOUNTS["D01"]}]
    first, last = date(2026, 11, 19), date(2026, 11, 21)
    ranged = _loaded(meta.INSIGHTS_SOURCE, Fetch(first, last, resource, rooftops, LOG))["meta_ad_insights"]
    by_day = [
        _loaded(meta.INSIGHTS_SOURCE, Fetch(d, d, resource, rooftops, LOG))["meta_ad_insights"]
        for d in (first, date(2026, 11, 20), last)
    ]
    assert ranged[1] == [] and len(ranged[0]) == sum(len(good) for good, _ in by_day) >= 2
