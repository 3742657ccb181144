"""The BigQuery ML engine (JOURNEY_PROPENSITY_ENGINE=bqml): train, evaluate and score in the warehouse.

The SQL is in `sql/ml/` for readers (one file per step, each parses as BigQuery in a test); this module
renders it and runs it in order through a BigQuery client:

1. `training_data` (the labelled rows and the time split), `train_logistic_reg`, `train_boosted_tree`;
2. `evaluate`: ML.EVALUATE of both candidates on the same holdout; the champion is the higher ROC AUC;
3. `evaluate_calibration`: the champion's Brier score and lift by decile on that holdout;
4. `predict_customer_scores`, `predict_lead_scores`: marts.customer_scores and marts.lead_scores in the
   shape the sklearn engine writes, tiers from the same thresholds (settings.propensity_tiers).

BigQuery takes no query parameters in DDL (CREATE MODEL, CREATE TABLE AS), so each `@name` in a file is
replaced here by a typed literal from `BqmlParams`; a file naming a parameter we do not have is an error,
never an empty value. `ml.propensity_champion` in a file is replaced by the chosen candidate's model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from journey_assets.propensity.tiers import TierThresholds

SQL_DIR = Path(__file__).resolve().parents[2] / "sql" / "ml"
CANDIDATES = ("logistic_reg", "boosted_tree")
CHAMPION_PLACEHOLDER = "ml.propensity_champion"
TRAINING_STEPS = ("training_data", "train_logistic_reg", "train_boosted_tree")
SCORING_STEPS = ("predict_customer_scores", "predict_lead_scores")
PARAMETER = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)\b")


def model_name(candidate: str) -> str:
    if candidate not in CANDIDATES:
        raise ValueError(f"no BigQuery ML candidate {candidate!r}; the candidates are {', '.join(CANDIDATES)}")
    return f"ml.propensity_{candidate}"


@dataclass(frozen=True)
class BqmlParams:
    as_of_date: date
    thresholds: TierThresholds = field(default_factory=TierThresholds)
    label_days: int = 30
    holdout_days: int = 7

    def __post_init__(self) -> None:
        if self.label_days < 1 or self.holdout_days < 1:
            raise ValueError("label_days and holdout_days are whole days >= 1")

    def model_version(self, candidate: str) -> str:
        model_name(candidate)
        return f"bqml-{candidate}-{self.as_of_date:%Y%m%d}"

    def literals(self, candidate: str | None) -> dict[str, str]:
        values = {
            "as_of_date": f"date '{self.as_of_date.isoformat()}'",
            "label_days": str(int(self.label_days)),
            "holdout_days": str(int(self.holdout_days)),
            "hot_threshold": _float(self.thresholds.hot),
            "warm_threshold": _float(self.thresholds.warm),
        }
        if candidate is not None:
            values["model_version"] = f"'{self.model_version(candidate)}'"
        return values


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"not a finite threshold: {value}")
    return repr(float(value))


STEP_NAME = re.compile(r"^[a-z][a-z_]*$")


def sql_text(step: str, sql_dir: Path = SQL_DIR) -> str:
    path = sql_dir / f"{step}.sql"
    if not STEP_NAME.match(step) or not path.is_file():
        raise ValueError(f"no BigQuery ML step {step!r} (sql/ml/{step}.sql)")
    return path.read_text()


def render(step: str, params: BqmlParams, champion: str | None = None, *, sql_dir: Path = SQL_DIR) -> str:
    """The step's SQL with every @parameter a literal and the champion's model named."""
    text = sql_text(step, sql_dir)
    if CHAMPION_PLACEHOLDER in text:
        if champion is None:
            raise ValueError(f"sql/ml/{step}.sql scores with the champion: name the candidate")
        text = text.replace(CHAMPION_PLACEHOLDER, model_name(champion))
    literals = params.literals(champion)
    # Comments name parameters for the reader; only the statements' own are replaced (and must be known).
    lines = []
    for line in text.splitlines():
        code, sep, comment = line.partition("--")
        missing = sorted({m for m in PARAMETER.findall(code) if m not in literals})
        if missing:
            raise ValueError(f"sql/ml/{step}.sql needs parameters we do not have: {', '.join(missing)}")
        lines.append(PARAMETER.sub(lambda m: literals[m.group(1)], code) + sep + comment)
    return "\n".join(lines) + "\n"


class QueryClient(Protocol):
    """What we use of `google.cloud.bigquery.Client`."""

    def query(self, sql: str) -> Any: ...


@dataclass(frozen=True)
class BqmlRun:
    champion: str
    model_version: str
    evaluation: dict[str, dict[str, float]]  # candidate -> ML.EVALUATE's metrics
    calibration: list[dict[str, Any]]  # the champion's holdout by decile (10 first), with its Brier score
    reason: str


def choose_champion(evaluation: Mapping[str, Mapping[str, Any]]) -> tuple[str, str]:
    """(candidate, reason): the higher ROC AUC on the shared holdout; the simpler model wins a tie."""
    scored = {c: float(m["roc_auc"]) for c, m in evaluation.items() if m.get("roc_auc") is not None}
    if not scored:
        raise ValueError("ML.EVALUATE returned no roc_auc for any candidate")
    best = max(scored, key=lambda c: (round(scored[c], 4), -CANDIDATES.index(c)))
    others = ", ".join(f"{c} {auc:.4f}" for c, auc in sorted(scored.items()) if c != best)
    return best, f"{best} has the higher holdout ROC AUC ({scored[best]:.4f}; {others or 'no other candidate'})"


def _rows(result: Iterable[Any]) -> list[dict[str, Any]]:
    return [dict(row.items()) if hasattr(row, "items") else dict(row) for row in result]


def run_bqml(client: QueryClient, params: BqmlParams) -> BqmlRun:
    """Train both candidates, evaluate them on one holdout, score everyone with the better (see the docstring)."""
    for step in TRAINING_STEPS:
        client.query(render(step, params)).result()
    evaluation = {row.pop("candidate"): row for row in _rows(client.query(render("evaluate", params)).result())}
    champion, reason = choose_champion(evaluation)
    calibration = _rows(client.query(render("evaluate_calibration", params, champion)).result())
    for step in SCORING_STEPS:
        client.query(render(step, params, champion)).result()
    return BqmlRun(champion, params.model_version(champion), evaluation, calibration, reason)
