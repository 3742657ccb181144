"""An OpenAI-compatible chat-completions server, as the sandbox plays it (the analyst's model, offline).

Implemented from the public API reference, independently of our client:

* `POST /v1/chat/completions` with `{model, messages: [{role, content}], temperature?, response_format?}`;
  `response_format` is `{type: "text"}`, `{type: "json_object"}` or `{type: "json_schema", json_schema:
  {name, schema, strict?}}`. The answer: `{id: "chatcmpl-...", object: "chat.completion", created, model,
  choices: [{index: 0, message: {role: "assistant", content}, finish_reason: "stop"}], usage: {prompt_tokens,
  completion_tokens, total_tokens}}`. https://platform.openai.com/docs/api-reference/chat/create
* Errors: `{"error": {"message", "type", "param", "code"}}`; 401 `invalid_api_key` without a Bearer key,
  400 `invalid_request_error` for a malformed body. 429 with `retry-after` and a 500 are the framework's
  `rate_limit` and `server_error` (status=500) faults.
  https://platform.openai.com/docs/guides/error-codes

Served at `<sandbox>/chat_completions/v1` (stands in for `https://api.openai.com/v1`; vLLM, llama.cpp and
Ollama serve the same path). Any Bearer key works. The "model" reads the last `## name` CSV tables in the
user's messages (the analyst's compact input) and answers from them: the largest week-on-week changes as
insights, the input's anomalies with their evidence, and recommendations for the largest anomaly and a slow
speed to lead, naming only what the input lists. So the whole path runs offline and its answers follow the data.

Bad answers on purpose: the `partial` fault (or `script("schema_violation")`) answers JSON that misses the
schema's fields; `script("not_json")` answers text that is not JSON; `script("invented_metric")` answers a
valid answer whose recommendation names a metric the input does not have.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import threading
import time
from typing import Any

from journey_assets.sandbox.server import FakeVendor, SandboxRequest, SandboxResponse, route

ANSWER_MODES = ("good", "schema_violation", "not_json", "invented_metric")
INVENTED_METRIC = "customer_happiness_index"
_SECTION = re.compile(r"^## (?P<name>\w+)\n(?P<body>.*?)(?=^## |\Z)", re.M | re.S)


def _error(status: int, message: str, kind: str, code: str | None = None) -> SandboxResponse:
    return SandboxResponse(status, {"error": {"message": message, "type": kind, "param": None, "code": code}})


def read_tables(text: str) -> dict[str, list[dict[str, str]]]:
    return {m["name"]: list(csv.DictReader(io.StringIO(m["body"].strip()))) for m in _SECTION.finditer(text)}


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def answer_from(tables: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    kpis, anomalies = tables.get("kpis", []), tables.get("anomalies", [])
    segments = tables.get("segments", [])
    changes = []
    for row in kpis:
        now, before = _float(row.get("this_week")), _float(row.get("week_before"))
        if now is not None and before:
            changes.append(((now - before) / before, row))
    changes.sort(key=lambda item: abs(item[0]), reverse=True)
    insights = [
        {
            "headline": f"{row['metric']} at {row['dealer_id']}: {row['this_week']} against {row['week_before']}"
            f" the week before ({change:+.0%})",
            "metric": row["metric"],
            "dealer_id": row["dealer_id"],
        }
        for change, row in changes[:3]
    ]
    notes = [
        {
            "dealer_id": row["dealer_id"],
            "date_day": row["date_day"],
            "metric": row["metric"],
            "evidence": f"{row['metric']} was {row['value']} on {row['date_day']}, outside its recent range"
            f" {row['low']} to {row['high']} (median {row['expected']})",
        }
        for row in anomalies[:3]
    ]
    recommendations = []
    if anomalies:
        top = anomalies[0]
        dealer_segments = sorted(
            (r for r in segments if r["dealer_id"] == top["dealer_id"]),
            key=lambda r: _float(r.get("customers_now")) or 0,
            reverse=True,
        )
        recommendations.append(
            {
                "title": f"Find out why {top['metric']} moved on {top['date_day']}",
                "action_kind": "investigate_anomaly",
                "priority": "high",
                "dealer_id": top["dealer_id"],
                "metric": top["metric"],
                "target_segment": dealer_segments[0]["segment"] if dealer_segments else None,
                "channel": None,
                "expected_effect": "a known cause before the next week's spend is planned",
                "rationale": f"{top['metric']} was {top['value']} against a usual {top['expected']}.",
            }
        )
    slow = [r for r in kpis if r["metric"] == "answered_within_5_min_share" and (_float(r.get("this_week")) or 1) < 0.5]
    for row in slow[:2]:
        recommendations.append(
            {
                "title": "Answer new leads within five minutes",
                "action_kind": "coach_response_time",
                "priority": "high",
                "dealer_id": row["dealer_id"],
                "metric": "answered_within_5_min_share",
                "target_segment": None,
                "channel": None,
                "expected_effect": "more first contacts while the customer is still shopping",
                "rationale": f"Only {float(row['this_week']):.0%} of last week's leads were answered within 5 minutes.",
            }
        )
    summary = (
        f"{len(kpis)} figures read, {len(anomalies)} days outside their recent range."
        if kpis or anomalies
        else "The input held no figures for the week."
    )
    return {"summary": summary, "insights": insights, "anomalies": notes, "recommendations": recommendations}


class ChatCompletionsFake(FakeVendor):
    name = "chat_completions"

    def __init__(self, world: Any):
        super().__init__(world)
        self._lock = threading.Lock()
        self._script: list[str] = []
        self._ids = itertools.count(1)
        self.requests: list[dict[str, Any]] = []

    def script(self, *modes: str) -> None:
        """The next answers' modes, in order (then `good` again)."""
        unknown = set(modes) - set(ANSWER_MODES)
        if unknown:
            raise ValueError(f"unknown answer modes {sorted(unknown)}; expected {ANSWER_MODES}")
        with self._lock:
            self._script.extend(modes)

    def _next_mode(self, request: SandboxRequest) -> str:
        with self._lock:
            scripted = self._script.pop(0) if self._script else "good"
        return "schema_violation" if request.fault == "partial" else scripted

    @route("POST", r"/v1/chat/completions")
    def chat_completions(self, request: SandboxRequest) -> SandboxResponse:
        header = next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")
        if not header.lower().startswith("bearer ") or not header[7:].strip():
            return _error(401, "You didn't provide an API key.", "invalid_request_error", "invalid_api_key")
        try:
            body = request.json()
        except ValueError:
            return _error(400, "We could not parse the JSON body of your request.", "invalid_request_error")
        problem = _request_problem(body)
        if problem:
            return _error(400, problem, "invalid_request_error")
        with self._lock:
            self.requests.append(body)
        user_text = "\n".join(m["content"] for m in body["messages"] if m["role"] == "user")
        mode = self._next_mode(request)
        answer = answer_from(read_tables(user_text))
        if mode == "schema_violation":
            content = json.dumps({"summary": answer["summary"], "insights": "see the report"})
        elif mode == "not_json":
            content = "Here is my analysis: leads went up. " + json.dumps(answer)[:40]
        else:
            if mode == "invented_metric":
                answer["recommendations"].append(
                    {
                        "title": "Lift customer happiness",
                        "action_kind": "follow_up_segment",
                        "priority": "high",
                        "dealer_id": None,
                        "metric": INVENTED_METRIC,
                        "target_segment": None,
                        "channel": None,
                        "expected_effect": "happier customers",
                        "rationale": "The index fell 12 points.",
                    }
                )
            content = json.dumps(answer)
        prompt_tokens = sum(len(m["content"]) for m in body["messages"]) // 4
        return SandboxResponse(
            200,
            {
                "id": f"chatcmpl-sandbox{next(self._ids):06d}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": len(content) // 4,
                    "total_tokens": prompt_tokens + len(content) // 4,
                },
            },
        )


def _request_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array"
    for n, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("system", "user", "assistant", "developer"):
            return f"Invalid value for 'messages[{n}].role'"
        if not isinstance(message.get("content"), str):
            return f"Invalid type for 'messages[{n}].content': expected a string"
    response_format = body.get("response_format")
    if response_format is not None:
        kind = response_format.get("type") if isinstance(response_format, dict) else None
        if kind not in ("text", "json_object", "json_schema"):
            return "Invalid value for 'response_format.type'"
        if kind == "json_schema":
            spec = response_format.get("json_schema")
            if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or "schema" not in spec:
                return "Missing required parameter: 'response_format.json_schema.name' or '.schema'"
    return None
