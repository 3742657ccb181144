"""The chat-completions client against the sandbox's fake over real HTTP: the wire format, 429, 500, malformed."""

from __future__ import annotations

import json
import time

import pytest

from journey_assets.connectors.chat_completions import ChatCompletionsClient
from journey_assets.connectors.http import (
    MalformedResponseError,
    PermanentVendorError,
    RetryPolicy,
    TransientVendorError,
)

SCHEMA = {"type": "object", "properties": {"summary": {"type": "string"}}, "required": ["summary"]}
MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "## kpis\ndealer_id,metric\n"}]


@pytest.fixture
def fake(sandbox_server):
    sandbox_server.clear_faults()
    return sandbox_server.fakes["chat_completions"]


def client(sandbox_server, key: str = "sk-test-secret-key") -> ChatCompletionsClient:
    return ChatCompletionsClient(
        key,
        base_url=sandbox_server.vendor_url("chat_completions") + "/v1",
        retry=RetryPolicy(total=2, backoff_factor=0.0),
    )


def test_a_completion_comes_back_with_its_json_content_and_the_schema_was_sent(sandbox_server, fake):
    answer = client(sandbox_server).complete("sandbox-analyst", MESSAGES, json_schema=SCHEMA, schema_name="t")
    assert json.loads(answer.content)["summary"] == "The input held no figures for the week."
    assert answer.finish_reason == "stop" and answer.completion_id.startswith("chatcmpl-")
    sent = fake.requests[-1]
    assert sent["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "t", "schema": SCHEMA, "strict": True},
    }
    recorded = sandbox_server.log.rows("chat_completions")[-1]
    assert "sk-test-secret-key" not in recorded["headers"]


def test_a_429_is_waited_out_for_its_retry_after_and_sent_again(sandbox_server, fake):
    sandbox_server.inject("chat_completions", "rate_limit", retry_after=1)
    started = time.monotonic()
    answer = client(sandbox_server).complete("m", MESSAGES)
    assert time.monotonic() - started >= 1.0  # urllib3 honoured the header
    assert json.loads(answer.content)["summary"]
    assert [r["status"] for r in sandbox_server.log.rows("chat_completions")[-2:]] == [429, 200]


def test_a_500_is_retried_and_a_lasting_one_fails_as_transient(sandbox_server, fake):
    sandbox_server.inject("chat_completions", "server_error", status=500)
    assert client(sandbox_server).complete("m", MESSAGES).content
    sandbox_server.inject("chat_completions", "server_error", status=500, times=-1)
    try:
        with pytest.raises(TransientVendorError) as caught:
            client(sandbox_server).complete("m", MESSAGES)
    finally:
        sandbox_server.clear_faults()
    assert "sk-test-secret-key" not in str(caught.value)


def test_a_body_that_is_not_json_is_malformed(sandbox_server, fake):
    sandbox_server.inject("chat_completions", "malformed")
    with pytest.raises(MalformedResponseError):
        client(sandbox_server).complete("m", MESSAGES)


def test_a_request_the_api_refuses_is_permanent_with_its_reason(sandbox_server, fake):
    with pytest.raises(PermanentVendorError) as caught:
        client(sandbox_server).complete("m", [{"role": "robot", "content": "hi"}])
    assert caught.value.status == 400 and "messages[0].role" in caught.value.reason
