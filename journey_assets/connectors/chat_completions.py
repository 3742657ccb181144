"""Any OpenAI-compatible chat-completions endpoint: OpenAI, vLLM, llama.cpp's server, Ollama.

`POST {base_url}/chat/completions` with `{model, messages, response_format}`,
Bearer key; the answer is `{id, object: "chat.completion", model, choices:
[{index, message: {role, content}, finish_reason}], usage}`. Structured
output is asked for with `response_format: {type: "json_schema",
json_schema: {name, schema, strict: true}}` (platform.openai.com/docs/api-reference/chat;
vLLM and llama.cpp accept the same field). Errors are `{"error": {"message",
"type", "code"}}`; 429 carries `retry-after`, which the session's urllib3 Retry waits out.

A completion changes nothing at the vendor, so a 5xx or a dropped read is
retried (DEFAULT_RETRY_METHODS), and a 429 after its Retry-After. The key is
the credential and never appears in errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from journey_assets.connectors.http import (
    DEFAULT_RETRY_METHODS,
    BearerTokenClient,
    MalformedResponseError,
    require,
)

LIVE_BASE_URL = "https://api.openai.com/v1"


@dataclass(frozen=True)
class ChatAnswer:
    content: str
    finish_reason: str
    model: str
    completion_id: str
    prompt_tokens: int | None
    completion_tokens: int | None


class ChatCompletionsClient(BearerTokenClient):
    vendor = "chat_completions"

    def __init__(self, api_key: str, *, base_url: str = LIVE_BASE_URL, timeout: float = 120.0, **kwargs: Any):
        # Local servers (llama.cpp, Ollama) take any key; an empty one still sends a well-formed header.
        super().__init__(base_url, api_key or "none", retry_methods=DEFAULT_RETRY_METHODS, timeout=timeout, **kwargs)

    def complete(
        self,
        model: str,
        messages: Sequence[dict[str, str]],
        *,
        json_schema: dict[str, Any] | None = None,
        schema_name: str = "answer",
        temperature: float = 0.0,
    ) -> ChatAnswer:
        body: dict[str, Any] = {"model": model, "messages": list(messages), "temperature": temperature}
        if json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": json_schema, "strict": True},
            }
        where = "POST /chat/completions"
        payload = self.post_json("/chat/completions", json=body)
        choices = require(payload, "choices", self.vendor, where)
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise MalformedResponseError(self.vendor, f"{where}: no choices in the answer")
        message = require(choices[0], "message", self.vendor, where)
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str):
            refusal = message.get("refusal") if isinstance(message, dict) else None
            raise MalformedResponseError(
                self.vendor, f"{where}: the answer has no text content" + (" (the model refused)" if refusal else "")
            )
        usage = payload.get("usage") if isinstance(payload.get("usage"), dict) else {}
        return ChatAnswer(
            content=content,
            finish_reason=str(choices[0].get("finish_reason") or ""),
            model=str(payload.get("model") or model),
            completion_id=str(payload.get("id") or ""),
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
        )
