"""`activation/meta_retargeting_ad_sets`: one PAUSED Meta ad set per retargeting audience and rooftop ad account
(decision 1142), downstream of the Meta audience syncs. Thin: the rules are in activation/meta_ad_sets.py.

It never activates anything: the Social Ad Campaign Manager reviews and starts the ad sets in Ads Manager.
Metadata: created / existing / skipped / failed counts and one line per (sync, rooftop) with the reason.
A refused ad set fails that line only; the run fails after trying every account, so the alert fires.
"""

from typing import Any

import dagster as dg

from journey_assets.activation.meta_ad_sets import ensure_ad_sets, load_ad_sets
from journey_assets.defs.activate.resources import ActivationWarehouseResource
from journey_assets.defs.activate.syncs import GROUP, SPECS, sync_key

SPECS_BY_NAME = {spec.name: spec for spec in SPECS}
CONFIG = load_ad_sets(SPECS_BY_NAME)
ROOFTOPS_SQL = (
    "select distinct dealer_id, replace(meta_ad_account_id, 'act_', '') as account "
    "from staging.stg_dealer__rooftops where meta_ad_account_id is not null"
)


@dg.asset(
    key=dg.AssetKey(["activation", "meta_retargeting_ad_sets"]),
    group_name=GROUP,
    deps=[sync_key(SPECS_BY_NAME[n]) for n in [*CONFIG.plans, *CONFIG.exclude_syncs]],
    description="A PAUSED Meta ad set per retargeting audience and rooftop ad account, for review in Ads Manager.",
    kinds={"python"},
    required_resource_keys={"activation_warehouse", "meta"},
)
def meta_retargeting_ad_sets(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    warehouse: ActivationWarehouseResource = context.resources.activation_warehouse
    rooftops = [(str(r.dealer_id), str(r.account)) for r in warehouse.warehouse().query(ROOFTOPS_SQL).itertuples()]
    report = ensure_ad_sets(context.resources.meta.client(), CONFIG, SPECS_BY_NAME, rooftops)
    lines = [
        f"- {o.sync} {o.rooftop} (act_{o.account}): **{o.outcome}** {o.ad_set_id or ''} {o.reason}".rstrip()
        for o in report.outcomes
    ]
    metadata: dict[str, Any] = {
        **{k: report.count(k) for k in ("created", "existing", "skipped", "failed")},
        "ad_sets": dg.MetadataValue.md("\n".join(lines) or "no rooftop has a Meta ad account"),
    }
    if report.count("failed"):
        raise dg.Failure(f"{report.count('failed')} Meta ad set(s) refused", metadata=metadata)
    return dg.MaterializeResult(metadata=metadata)
