"""Which recommendations become work for people: high priority, an allowed kind, one Wrike task each.

The task's key is stable for (week, recommendation), so re-running the week's
analysis finds the task it made instead of making another. Nothing here
contacts a customer or changes a budget: those kinds are never in TASK_ACTIONS.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from journey_assets.analyst.answer import TASK_ACTIONS, AnalystAnswer, Recommendation


@dataclass(frozen=True)
class TaskRequest:
    key: str
    title: str
    description: str
    recommendation: Recommendation


def task_requests(answer: AnalystAnswer, week: str, prompt_version: str) -> list[TaskRequest]:
    out = []
    for rec in answer.recommendations:
        if rec.priority != "high" or rec.action_kind not in TASK_ACTIONS:
            continue
        digest = hashlib.sha256(f"{week}|{rec.action_kind}|{rec.dealer_id}|{rec.title}".encode()).hexdigest()[:16]
        where = rec.dealer_id or "the group"
        lines = [
            f"{rec.rationale}",
            "",
            f"Rooftop: {where}",
            f"Metric: {rec.metric}",
            f"Segment: {rec.target_segment or 'all'}",
            f"Channel: {rec.channel or 'any'}",
            f"Expected effect: {rec.expected_effect}",
            "",
            f"From the weekly analyst ({prompt_version}), week {week}. Check the figures in the weekly report first.",
        ]
        out.append(TaskRequest(f"analyst-{digest}", f"[{where}] {rec.title}"[:150], "\n".join(lines), rec))
    return out
