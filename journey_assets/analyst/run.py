"""One analysis: ask, validate, retry once with the validation error, then accept or reject.

An answer that is not JSON or does not match the schema is sent back once
with pydantic's error; a second failure rejects the whole answer, kept with
its reason. In an accepted answer, each insight, anomaly or recommendation
that names something the warehouse does not have (a metric, segment,
channel, rooftop, or an anomaly not in the input) is rejected on its own, so
no invented figure reaches people while the rest of the answer does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from journey_assets.analyst.answer import AnalystAnswer, AnomalyNote, Insight, Recommendation
from journey_assets.analyst.facts import Facts, Vocabulary
from journey_assets.analyst.prompt import Prompt

MAX_KEPT_CONTENT = 4000  # characters of a rejected answer kept with its reason


class AnswerUnreadable(Exception):
    """The chat call answered, but with no usable text (a malformed body): counts as an invalid answer."""


# The chat call: messages in, the answer's text out (raise AnswerUnreadable for a malformed body).
Complete = Callable[[list[dict[str, str]]], str]


@dataclass(frozen=True)
class Rejection:
    scope: str  # answer | insight | anomaly | recommendation
    reason: str
    content: str


@dataclass
class AnalystOutcome:
    prompt_version: str
    attempts: int
    answer: AnalystAnswer | None  # None when the whole answer was rejected
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.answer is not None


def _clip(text: str) -> str:
    return text if len(text) <= MAX_KEPT_CONTENT else text[:MAX_KEPT_CONTENT] + "…"


def _validation_reason(error: ValidationError) -> str:
    problems = [f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in error.errors()[:8]]
    more = f" (and {error.error_count() - 8} more)" if error.error_count() > 8 else ""
    return "; ".join(problems) + more


def parse_answer(content: str) -> AnalystAnswer:
    """The answer's text as an `AnalystAnswer`; ValidationError says what is wrong (not JSON included)."""
    return AnalystAnswer.model_validate_json(content)


def _unknown(what: str, value: str | None, known: frozenset[str]) -> str | None:
    if value is None or value in known:
        return None
    return f"names {what} {value!r}, which the warehouse does not have"


def check_against_warehouse(answer: AnalystAnswer, vocabulary: Vocabulary) -> tuple[AnalystAnswer, list[Rejection]]:
    """The answer without the items that name what the input does not have, and a rejection for each."""
    rejections: list[Rejection] = []

    def keep(item: Insight | AnomalyNote | Recommendation, scope: str, problems: Sequence[str | None]) -> bool:
        found = [p for p in problems if p]
        if found:
            rejections.append(Rejection(scope, "; ".join(found), item.model_dump_json()))
        return not found

    v = vocabulary
    insights = [
        i
        for i in answer.insights
        if keep(i, "insight", [_unknown("metric", i.metric, v.metrics), _unknown("rooftop", i.dealer_id, v.dealers)])
    ]
    anomalies = [
        a
        for a in answer.anomalies
        if keep(
            a,
            "anomaly",
            [
                None
                if (a.dealer_id, a.date_day, a.metric) in v.anomalies
                else f"names an anomaly ({a.dealer_id}, {a.date_day}, {a.metric}) that is not in the input"
            ],
        )
    ]
    recommendations = [
        r
        for r in answer.recommendations
        if keep(
            r,
            "recommendation",
            [
                _unknown("metric", r.metric, v.metrics),
                _unknown("segment", r.target_segment, v.segments),
                _unknown("channel", r.channel, v.channels),
                _unknown("rooftop", r.dealer_id, v.dealers),
            ],
        )
    ]
    checked = answer.model_copy(
        update={"insights": insights, "anomalies": anomalies, "recommendations": recommendations}
    )
    return checked, rejections


def analyse(complete: Complete, prompt: Prompt, facts: Facts) -> AnalystOutcome:
    messages: list[dict[str, Any]] = prompt.messages(
        week=facts.week, previous_week=facts.previous_week, data=facts.text
    )
    reason, content = "", ""
    for attempt in (1, 2):
        try:
            content = complete(messages)
            answer = parse_answer(content)
        except AnswerUnreadable as exc:
            reason, content = f"unreadable answer: {exc}", ""
        except ValidationError as exc:
            reason = _validation_reason(exc)
        else:
            checked, rejections = check_against_warehouse(answer, facts.vocabulary)
            return AnalystOutcome(prompt.version, attempt, checked, rejections)
        if attempt == 1:
            messages = [
                *messages,
                {"role": "assistant", "content": content or "(no readable answer)"},
                {
                    "role": "user",
                    "content": "That answer does not match the schema: "
                    f"{reason}. Answer again with JSON only, matching the schema exactly.",
                },
            ]
    return AnalystOutcome(
        prompt.version, 2, None, [Rejection("answer", f"invalid after a retry: {reason}", _clip(content))]
    )


def answer_json(answer: AnalystAnswer) -> str:
    return json.dumps(answer.model_dump(), indent=2)
