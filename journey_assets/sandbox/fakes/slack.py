"""Slack incoming webhooks, as the sandbox plays them.

Implemented from Slack's public documentation, independently of our client:

* Incoming webhooks: `POST https://hooks.slack.com/services/T.../B.../<token>`
  with a JSON body `{text, blocks, ...}` (or a form field `payload` holding that
  JSON); a success answers HTTP 200 with the plain-text body `ok`.
  https://api.slack.com/messaging/webhooks
* Errors are plain-text strings with HTTP codes: 400 `invalid_payload`,
  `no_text`, `invalid_blocks`; 403 `invalid_token`, `action_prohibited`; 404
  `no_service`, `channel_not_found`; 410 `channel_is_archived`; 500
  `rollup_error`. https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks
* Block Kit limits: at most 50 blocks; a section's `text` at most 3,000
  characters, its `fields` at most 10 of 2,000; a header's plain text at most
  150 (Slack's Block Kit block reference; the section limit is also noted in
  shared/reference/vendors.md).
* Rate limit about one message a second, 429 with `Retry-After` beyond: the
  framework's `rate_limit` fault plays it.

Served at `<sandbox>/slack/services/{T}/{B}/{token}` (stands in for
`https://hooks.slack.com`). Any token works except those listed in
`JOURNEY_SANDBOX_SLACK_REVOKED_TOKENS` (comma-separated), which answer 404
`no_service` as a deleted webhook does. Accepted messages are kept in
`messages` for tests and the demo.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any
from urllib.parse import parse_qs

from journey_assets.sandbox.server import FakeVendor, SandboxRequest, SandboxResponse, route

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
TEXT_TYPES = ("plain_text", "mrkdwn")


def _text(status: int, body: str) -> SandboxResponse:
    return SandboxResponse(status, body, content_type="text/plain; charset=utf-8")


def _text_object_ok(obj: Any, limit: int, kinds: tuple[str, ...] = TEXT_TYPES) -> bool:
    return (
        isinstance(obj, dict)
        and obj.get("type") in kinds
        and isinstance(obj.get("text"), str)
        and 0 < len(obj["text"]) <= limit
    )


def _block_problem(block: Any) -> bool:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return True
    kind = block["type"]
    if kind == "section":
        text, fields = block.get("text"), block.get("fields")
        if text is None and not fields:
            return True
        if text is not None and not _text_object_ok(text, MAX_SECTION_TEXT):
            return True
        if fields is not None and (
            not isinstance(fields, list)
            or len(fields) > MAX_FIELDS
            or not all(_text_object_ok(f, MAX_FIELD_TEXT) for f in fields)
        ):
            return True
    elif kind == "header":
        return not _text_object_ok(block.get("text"), MAX_HEADER_TEXT, ("plain_text",))
    elif kind == "context":
        elements = block.get("elements")
        return not isinstance(elements, list) or not 0 < len(elements) <= 10
    elif kind == "actions":
        elements = block.get("elements")
        return not isinstance(elements, list) or not 0 < len(elements) <= 25
    return False


class SlackFake(FakeVendor):
    name = "slack"

    def __init__(self, world: Any, *, revoked_tokens: set[str] | None = None):
        super().__init__(world)
        raw = os.environ.get("JOURNEY_SANDBOX_SLACK_REVOKED_TOKENS", "")
        self.revoked_tokens = (
            set(revoked_tokens) if revoked_tokens is not None else {t.strip() for t in raw.split(",") if t.strip()}
        )
        self.messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    @route("POST", r"/services/(?P<team>T[A-Z0-9]+)/(?P<hook>B[A-Z0-9]+)/(?P<token>[A-Za-z0-9]+)")
    def incoming_webhook(self, request: SandboxRequest) -> SandboxResponse:
        if request.params["token"] in self.revoked_tokens:
            return _text(404, "no_service")
        content_type = next((v for k, v in request.headers.items() if k.lower() == "content-type"), "").lower()
        try:
            if content_type.startswith("application/x-www-form-urlencoded"):
                payload = json.loads(parse_qs(request.body.decode())["payload"][0])
            else:
                payload = json.loads(request.body.decode())
        except (ValueError, KeyError, UnicodeDecodeError):
            return _text(400, "invalid_payload")
        if not isinstance(payload, dict):
            return _text(400, "invalid_payload")
        text, blocks, attachments = payload.get("text"), payload.get("blocks"), payload.get("attachments")
        if text is not None and not isinstance(text, str):
            return _text(400, "invalid_payload")
        if blocks is not None and (
            not isinstance(blocks, list)
            or not blocks
            or len(blocks) > MAX_BLOCKS
            or any(_block_problem(b) for b in blocks)
        ):
            return _text(400, "invalid_blocks")
        if not (text or "").strip() and not blocks and not attachments:
            return _text(400, "no_text")
        with self._lock:
            self.messages.append(
                {
                    "team": request.params["team"],
                    "hook": request.params["hook"],
                    "text": text,
                    "blocks": blocks,
                    "payload": payload,
                }
            )
        return _text(200, "ok")
