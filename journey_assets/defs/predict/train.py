"""Train the candidates on dbt's training set, store the best as a challenger, decide against the champion
on the same holdout, and promote deliberately."""

import base64
import time
from collections.abc import Iterator
from typing import Any

import dagster as dg
import pandas as pd

from journey_assets.defs.predict.resources import PropensityResource, code_version
from journey_assets.propensity import charts
from journey_assets.propensity.evaluation import evaluate
from journey_assets.propensity.features import FEATURE_COLUMNS
from journey_assets.propensity.model_card import model_card
from journey_assets.propensity.training import LABEL, decide, refit, split, train_candidates, untrainable_because

TRAINING_SET = dg.AssetKey(["marts", "ml_propensity_training_set"])
CANDIDATES_KEY = dg.AssetKey(["ml", "propensity_candidates"])
CHAMPION_KEY = dg.AssetKey(["ml", "propensity_champion"])


REFIT_NOTES = {"all": "training and holdout dates", "holdout": "holdout date (the latest matured outcomes)"}


def _picture(title: str, png: bytes) -> dg.MetadataValue:
    return dg.MetadataValue.md(f"![{title}](data:image/png;base64,{base64.b64encode(png).decode()})")


def _table(frame: pd.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.round(4).to_markdown(index=False))


@dg.asset(
    key=CANDIDATES_KEY,
    group_name="predict",
    ins={"training_set": dg.AssetIn(key=TRAINING_SET)},
    # Not materialized (and the champion and scores after it skipped) while the history is too short to train:
    # a new deployment's nightly run still succeeds, and the response plane keeps the rules.
    output_required=False,
    description="Candidates (calibrated logistic regression, calibrated boosted trees) trained on the earlier "
    "snapshot dates, compared with each other and the rule score on the holdout; the best, refitted on every "
    "matured date, is stored as a new version with its manifest, and decided against the champion.",
)
def propensity_candidates(
    context: dg.AssetExecutionContext, training_set: pd.DataFrame, propensity: PropensityResource
) -> Iterator[dg.MaterializeResult]:
    reason = untrainable_because(training_set)
    if reason is not None:
        context.log.warning(f"no model trained tonight: {reason}")
        return
    started = time.perf_counter()
    result = train_candidates(training_set)
    best = result.candidates[result.best]
    final = refit(result.best, training_set, propensity.refit_rows)
    training_seconds = round(time.perf_counter() - started, 1)

    store = propensity.store()
    _, holdout = split(training_set)
    champion = store.champion()
    champion_eval = None
    if champion is not None:
        champion_eval = evaluate(holdout[LABEL].to_numpy(dtype=int), champion.predict_proba(holdout))
    # the challenger is judged by its holdout score (fitted on training dates only), like the champion was
    decision = decide(best.evaluation, champion_eval, propensity.min_auc_gain)
    manifest: dict[str, Any] = {
        "engine": "sklearn",
        "candidate": result.best,
        "features": list(FEATURE_COLUMNS),
        "label": f"{LABEL}: bought or leased within 30 days after feature_date",
        "training_window": result.window,
        "row_counts": result.row_counts,
        "holdout_metrics": best.evaluation.metrics(),
        "rules_holdout_metrics": result.rules.metrics(),
        "candidates_holdout_metrics": {name: c.evaluation.metrics() for name, c in result.candidates.items()},
        "feature_importance": best.importance,
        "refit_rows": propensity.refit_rows,
        "refit_note": f"The stored model is refitted with the same settings on the {REFIT_NOTES[propensity.refit_rows]}.",
        "code_version": code_version(),
        "training_seconds": training_seconds,
        "decision": {
            "promote": decision.promote,
            "reason": decision.reason,
            "champion_version": champion.version if champion else None,
            "champion_holdout_metrics": champion_eval.metrics() if champion_eval else None,
        },
        # the reference the drift check compares tonight's features and scores with
        "reference_holdout_date": result.window["holdout_feature_date"],
    }
    version = store.save(final, manifest)
    manifest["version"] = version
    context.log.info(f"stored challenger {version} ({result.best}); {decision.reason}")

    evaluations = {**{name: c.evaluation for name, c in result.candidates.items()}, "rules-v1": result.rules}
    comparison = pd.DataFrame([{"model": name, **e.metrics()} for name, e in evaluations.items()])
    lift = best.evaluation.lift[["decile", "people", "buyers", "rate", "lift", "capture"]]
    metadata: dict[str, Any] = {
        "challenger_version": version,
        "best_candidate": result.best,
        **{f"holdout/{k}": v for k, v in best.evaluation.metrics().items()},
        **{f"rules/{k}": v for k, v in result.rules.metrics().items()},
        "candidates": _table(comparison),
        "lift_and_capture_by_decile": _table(lift),
        "calibration_curve": _picture("calibration", charts.calibration_png(evaluations)),
        "lift_chart": _picture("lift", charts.lift_png(evaluations)),
        "feature_importance": dg.MetadataValue.json(best.importance),
        "training_window": dg.MetadataValue.json(result.window),
        "row_counts": dg.MetadataValue.json(result.row_counts),
        "training_seconds": training_seconds,
        "decision/promote": decision.promote,
        "decision/reason": decision.reason,
        "model_card": dg.MetadataValue.md(model_card(manifest)),
    }
    yield dg.MaterializeResult(metadata=metadata)


class PromotionConfig(dg.Config):
    """Promotion is deliberate: with no champion the first model promotes itself; after that the latest
    challenger becomes champion only when a run sets `promote: true` and the decision favours it, or
    `force: true` (a person's call, recorded as the reason)."""

    promote: bool = False
    force: bool = False
    reason: str = ""


@dg.asset(
    key=CHAMPION_KEY,
    group_name="predict",
    deps=[CANDIDATES_KEY],
    description="The champion model: the first model promotes itself; later challengers are promoted only by a "
    "run with config promote (and a favourable decision) or force. The metadata says which happened and why.",
)
def propensity_champion(
    context: dg.AssetExecutionContext, config: PromotionConfig, propensity: PropensityResource
) -> dg.MaterializeResult:
    store = propensity.store()
    versions = store.versions()
    if not versions:
        raise dg.Failure("no stored propensity model: materialize ml/propensity_candidates first")
    challenger = versions[-1]
    decision = (store.manifest(challenger) or {}).get("decision", {})
    current = store.champion_record()
    if current is None:
        how, reason = "first model promoted itself", decision.get("reason", "no champion yet")
    elif current["version"] == challenger:
        how, reason = "already champion", current["reason"]
    elif config.force:
        how, reason = "forced by run config", config.reason or "forced promotion"
    elif config.promote and decision.get("promote"):
        how, reason = "promoted by run config", decision["reason"]
    else:
        how = "kept the champion"
        reason = decision.get("reason", "") + ("" if config.promote else " (promotion not requested: promote=false)")
    promoted = how in ("first model promoted itself", "forced by run config", "promoted by run config")
    if promoted:
        store.promote(challenger, reason)
    record = store.champion_record() or {}
    context.log.info(f"champion {record.get('version')}: {how}")
    return dg.MaterializeResult(
        metadata={
            "champion_version": record.get("version"),
            "challenger_version": challenger,
            "promoted_now": promoted,
            "how": how,
            "reason": reason,
            "promoted_at": record.get("promoted_at"),
            "previous_version": record.get("previous_version"),
        }
    )
