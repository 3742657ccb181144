"""The analyst's answer: the JSON schema the model is asked for, and its pydantic validation.

Every field is required and no others are allowed (what OpenAI's strict
structured outputs demand); optional values are nullable instead.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# What a recommendation may ask people to do. Only TASK_ACTIONS become Wrike tasks; the proposals stay
# proposals in the answer for the manager to read (the analyst never messages customers or moves budget).
ACTION_KINDS = (
    "investigate_anomaly",
    "coach_response_time",
    "review_campaign",
    "follow_up_segment",
    "fix_integration",
    "budget_change_proposal",
    "customer_message_proposal",
)
TASK_ACTIONS = frozenset(
    {"investigate_anomaly", "coach_response_time", "review_campaign", "follow_up_segment", "fix_integration"}
)
ActionKind = Literal[
    "investigate_anomaly",
    "coach_response_time",
    "review_campaign",
    "follow_up_segment",
    "fix_integration",
    "budget_change_proposal",
    "customer_message_proposal",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Insight(_Strict):
    headline: str = Field(min_length=1, max_length=300)
    metric: str = Field(description="a metric from the input's vocabulary")
    dealer_id: str | None = Field(description="the rooftop, or null for the whole group")


class AnomalyNote(_Strict):
    dealer_id: str
    date_day: str = Field(description="YYYY-MM-DD, as in the input's anomalies")
    metric: str
    evidence: str = Field(min_length=1, max_length=500)


class Recommendation(_Strict):
    title: str = Field(min_length=1, max_length=150)
    action_kind: ActionKind
    priority: Literal["high", "medium", "low"]
    dealer_id: str | None
    metric: str = Field(description="the metric the action should move, from the vocabulary")
    target_segment: str | None = Field(description="a segment from the vocabulary, or null")
    channel: str | None = Field(description="a channel from the vocabulary, or null")
    expected_effect: str = Field(min_length=1, max_length=300)
    rationale: str = Field(min_length=1, max_length=800)


class AnalystAnswer(_Strict):
    summary: str = Field(min_length=1, max_length=1200)
    insights: list[Insight]
    anomalies: list[AnomalyNote]
    recommendations: list[Recommendation]


def answer_schema() -> dict:
    return AnalystAnswer.model_json_schema()
