"""The analyst end to end against the sandbox's chat-completions fake over real HTTP: ask, validate, retry, reject."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from support.report_inputs import SPIKE_DAY, sample_inputs

from journey_assets.analyst.actions import task_requests
from journey_assets.analyst.answer import AnalystAnswer, Recommendation, answer_schema
from journey_assets.analyst.facts import build_facts
from journey_assets.analyst.prompt import load_prompt
from journey_assets.analyst.run import AnswerUnreadable, analyse
from journey_assets.connectors.chat_completions import ChatCompletionsClient
from journey_assets.connectors.http import MalformedResponseError, RetryPolicy
from journey_assets.sandbox.fakes.chat_completions import INVENTED_METRIC
from journey_assets.sandbox.server import SandboxServer
from journey_assets.sandbox.world import World


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> Iterator[SandboxServer]:
    world = World(size="small", seed=1, as_of=date(2026, 11, 30), tables={})
    server = SandboxServer(world, port=0, record_path=tmp_path_factory.mktemp("sandbox") / "requests.sqlite3")
    with server:
        yield server


@pytest.fixture
def fake(sandbox):
    sandbox.clear_faults()
    return sandbox.fakes["chat_completions"]


@pytest.fixture(scope="module")
def facts():
    return build_facts(sample_inputs())


def run(sandbox: SandboxServer, facts):
    client = ChatCompletionsClient(
        "sandbox", base_url=sandbox.vendor_url("chat_completions") + "/v1", retry=RetryPolicy(total=1)
    )
    schema = answer_schema()

    def complete(messages):
        try:
            return client.complete("sandbox-analyst", messages, json_schema=schema).content
        except MalformedResponseError as exc:
            raise AnswerUnreadable(exc.message) from None

    return analyse(complete, load_prompt(), facts)


def test_the_input_is_compact_aggregates_with_the_vocabulary_the_answer_is_held_to(facts):
    assert facts.text.startswith("## vocabulary\nmetrics: ")
    assert "## anomalies\ndealer_id,date_day,metric,value,expected,low,high\nD02,2026-11-26,leads,60," in facts.text
    assert "Northside" not in facts.text and "L1," not in facts.text  # rooftop ids only, no lead or person
    assert {"leads", "ad_spend", "answered_within_5_min_share", "roas"} <= facts.vocabulary.metrics
    assert facts.vocabulary.segments == {"service_due", "lapsed_owner"}
    assert len(facts.text) < 6000


def test_a_valid_answer_is_accepted_with_its_prompt_version_and_follows_the_data(sandbox, fake, facts):
    outcome = run(sandbox, facts)
    assert outcome.accepted and outcome.attempts == 1 and outcome.rejections == []
    assert outcome.prompt_version == load_prompt().version == "weekly-analyst/1"
    answer = outcome.answer
    assert [(a.dealer_id, a.date_day, a.metric) for a in answer.anomalies] == [("D02", str(SPIKE_DAY), "leads")]
    kinds = {(r.action_kind, r.dealer_id, r.priority) for r in answer.recommendations}
    assert kinds == {("investigate_anomaly", "D02", "high"), ("coach_response_time", "D02", "high")}
    sent = fake.requests[-1]
    assert sent["response_format"]["json_schema"]["schema"] == answer_schema()
    assert sent["messages"][0]["role"] == "system" and "## kpis" in sent["messages"][1]["content"]


def test_an_invalid_answer_is_sent_back_once_with_the_validation_error(sandbox, fake, facts):
    fake.script("schema_violation")
    outcome = run(sandbox, facts)
    assert outcome.accepted and outcome.attempts == 2
    retry = fake.requests[-1]["messages"]
    assert [m["role"] for m in retry] == ["system", "user", "assistant", "user"]
    assert "does not match the schema" in retry[-1]["content"] and "anomalies" in retry[-1]["content"]


def test_a_malformed_answer_twice_is_rejected_with_its_reason(sandbox, fake, facts):
    sandbox.inject("chat_completions", "partial", times=2)  # the fake's malformed answer
    outcome = run(sandbox, facts)
    assert not outcome.accepted and outcome.answer is None and outcome.attempts == 2
    [rejection] = outcome.rejections
    assert rejection.scope == "answer"
    assert rejection.reason.startswith("invalid after a retry: ")
    assert "insights: Input should be a valid array" in rejection.reason
    assert "recommendations: Field required" in rejection.reason
    assert json.loads(rejection.content)["insights"] == "see the report"


def test_text_that_is_not_json_or_a_broken_body_counts_as_an_invalid_answer(sandbox, fake, facts):
    sandbox.inject("chat_completions", "malformed")  # the first attempt's body is not even JSON
    fake.script("not_json")  # the retry's answer is prose
    outcome = run(sandbox, facts)
    assert not outcome.accepted
    assert "unreadable answer" in fake.requests[-1]["messages"][-1]["content"]
    assert "Invalid JSON" in outcome.rejections[0].reason
    assert outcome.rejections[0].content.startswith("Here is my analysis")


def test_a_recommendation_naming_a_metric_the_warehouse_lacks_is_rejected_and_the_rest_kept(sandbox, fake, facts):
    fake.script("invented_metric")
    outcome = run(sandbox, facts)
    assert outcome.accepted
    [rejection] = outcome.rejections
    assert rejection.scope == "recommendation"
    assert rejection.reason == f"names metric {INVENTED_METRIC!r}, which the warehouse does not have"
    assert INVENTED_METRIC not in {r.metric for r in outcome.answer.recommendations}
    assert len(outcome.answer.recommendations) == 2
    assert all(INVENTED_METRIC not in t.description for t in task_requests(outcome.answer, facts.week, "v"))


def _recommendation(**changes) -> Recommendation:
    base = {
        "title": "Look at it",
        "action_kind": "investigate_anomaly",
        "priority": "high",
        "dealer_id": "D02",
        "metric": "leads",
        "target_segment": "service_due",
        "channel": None,
        "expected_effect": "known cause",
        "rationale": "leads jumped",
    }
    return Recommendation(**{**base, **changes})


def test_an_unknown_segment_or_an_anomaly_not_in_the_input_is_rejected_too(facts):
    from journey_assets.analyst.run import check_against_warehouse

    answer = AnalystAnswer.model_validate(
        {
            "summary": "s",
            "insights": [],
            "anomalies": [{"dealer_id": "D01", "date_day": "2026-11-25", "metric": "leads", "evidence": "made up"}],
            "recommendations": [_recommendation(target_segment="tesla_owners").model_dump()],
        }
    )
    checked, rejections = check_against_warehouse(answer, facts.vocabulary)
    assert checked.anomalies == [] and checked.recommendations == []
    assert [r.scope for r in rejections] == ["anomaly", "recommendation"]
    assert "not in the input" in rejections[0].reason
    assert rejections[1].reason == "names segment 'tesla_owners', which the warehouse does not have"


def test_only_high_priority_allowed_kinds_become_tasks_never_budget_or_customer_messages():
    answer = AnalystAnswer(
        summary="s",
        insights=[],
        anomalies=[],
        recommendations=[
            _recommendation(),
            _recommendation(title="Medium one", priority="medium"),
            _recommendation(title="Move budget", action_kind="budget_change_proposal"),
            _recommendation(title="Text everyone", action_kind="customer_message_proposal"),
        ],
    )
    tasks = task_requests(answer, "2026-11-23..2026-11-29", "weekly-analyst/1")
    assert [t.title for t in tasks] == ["[D02] Look at it"]
    assert tasks[0].key == task_requests(answer, "2026-11-23..2026-11-29", "x")[0].key  # stable across re-runs
    assert "Segment: service_due" in tasks[0].description
