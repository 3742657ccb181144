"""A short model card (markdown) from a model's manifest."""

from __future__ import annotations

from typing import Any


def model_card(manifest: dict[str, Any]) -> str:
    metrics = manifest.get("holdout_metrics", {})
    rules = manifest.get("rules_holdout_metrics", {})
    window = manifest.get("training_window", {})
    counts = manifest.get("row_counts", {})
    importance = list(manifest.get("feature_importance", {}).items())[:5]

    def row(name: str) -> str:
        return f"| {name} | {metrics.get(name, '')} | {rules.get(name, '')} |"

    lines = [
        f"### Propensity model {manifest.get('version', '(unsaved)')}",
        "",
        "**Predicts** P(the person buys or leases a vehicle from the group within 30 days after the feature date).",
        f"**Estimator** `{manifest.get('candidate')}` ({manifest.get('engine')}), "
        f"code version `{manifest.get('code_version')}`.",
        f"**Trained on** feature dates {', '.join(window.get('train_feature_dates', []))} "
        f"({counts.get('train_rows')} rows, {counts.get('train_positives')} buyers); "
        f"**holdout** {window.get('holdout_feature_date')} ({counts.get('holdout_rows')} rows, "
        f"{counts.get('holdout_positives')} buyers). {manifest.get('refit_note', '')}",
        "",
        "| holdout metric | model | rules-v1 |",
        "|---|---|---|",
        *(row(name) for name in ("roc_auc", "pr_auc", "brier", "log_loss", "ece", "top_decile_lift")),
        "",
        "**Top features** (holdout ROC AUC lost when shuffled): "
        + ", ".join(f"{name} {value}" for name, value in importance),
        "",
        "**Use**: rank and tier people and open leads (tiers: settings.propensity_tiers). "
        "**Limits**: learns from one dealer group's DMS deals; web features cover only what GA4 stitched to a "
        "known person; scores people known to the CRM or DMS, not anonymous visitors.",
    ]
    return "\n".join(lines)
