"""Slack incoming webhook: hot-lead alerts for the sales floor.

`POST https://hooks.slack.com/services/T.../B.../<token>` with JSON `{text,
blocks}`; Slack answers 200 `ok`, or a plain-text error (400 `invalid_payload`,
`no_text`, `invalid_blocks`; 403 `invalid_token`/`action_prohibited`; 404
`no_service`/`channel_not_found`; 410 `channel_is_archived`), and 429 with
`Retry-After` beyond about a message a second. A section's text is at most
3,000 characters. (api.slack.com/messaging/webhooks)

The webhook path is a secret (it is the credential): keep it in an env var and
pass it in; it never appears in errors or logs from this module.

Posting is not idempotent (a repeat is a second message), so the session uses
WRITE_RETRY_METHODS; a 429 is still retried after its Retry-After.

`hot_lead_alert` builds the message from explicit fields only, and the only
personal data it can carry is the customer's first name and a phone number
masked to its last four digits: no last name, email, address or free text
from the customer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from journey_assets.connectors.http import (
    WRITE_RETRY_METHODS,
    MalformedResponseError,
    RetryPolicy,
    VendorClient,
)

LIVE_BASE_URL = "https://hooks.slack.com"
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150


def mask_phone(phone: str | None) -> str:
    """`+14155552671` -> `•••-•••-2671`; anything without 4 digits -> `not given`."""
    digits = re.sub(r"\D", "", phone or "")
    return f"•••-•••-{digits[-4:]}" if len(digits) >= 4 else "not given"


def safe_first_name(name: str | None) -> str:
    """The first word of a first name, letters and hyphens/apostrophes only, at most 40 characters."""
    first = (name or "").strip().split(" ")[0] if name else ""
    first = re.sub(r"[^\w'\-]", "", first)[:40]
    return first or "Customer"


def escape_mrkdwn(text: str) -> str:
    """Slack's required escapes for &, < and > in message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class HotLeadAlert:
    lead_id: str
    first_name: str | None
    phone: str | None
    score: int  # the lead score's points, 0-100 (a sum of rule weights, not a probability)
    dealer_name: str
    vehicle: str | None = None  # e.g. "2024 Toyota RAV4 XLE (stock T1234)"
    source: str | None = None
    salesperson: str | None = None
    crm_url: str | None = None
    received_at: datetime | None = None
    reasons: Sequence[str] = field(default_factory=tuple)  # why the model scored it hot
    band: str | None = None  # hot / warm / cold

    def score_label(self) -> str:
        """`72/100 (hot)`: points, not a percentage (a 50 is not a 50% chance of anything)."""
        return f"{self.score:g}/100" + (f" ({self.band})" if self.band else "")


def hot_lead_alert(alert: HotLeadAlert) -> dict[str, Any]:
    """The webhook payload (`text` fallback plus Block Kit blocks) for one hot lead."""
    name = escape_mrkdwn(safe_first_name(alert.first_name))
    dealer = escape_mrkdwn(alert.dealer_name)
    header = _clip(f"🔥 Hot lead at {alert.dealer_name}: {safe_first_name(alert.first_name)}", MAX_HEADER_TEXT)
    lines = [
        f"*Customer:* {name} ({mask_phone(alert.phone)})",
        f"*Score:* {alert.score_label()}",
    ]
    if alert.vehicle:
        lines.append(f"*Vehicle:* {escape_mrkdwn(alert.vehicle)}")
    if alert.source:
        lines.append(f"*Source:* {escape_mrkdwn(alert.source)}")
    lines.append(f"*Assigned to:* {escape_mrkdwn(alert.salesperson) if alert.salesperson else 'unassigned, claim it'}")
    if alert.received_at:
        lines.append(f"*Received:* {alert.received_at.strftime('%Y-%m-%d %H:%M %Z').strip()}")
    if alert.reasons:
        lines.append("*Why:* " + "; ".join(escape_mrkdwn(r) for r in alert.reasons))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip("\n".join(lines), MAX_SECTION_TEXT)}},
    ]
    context = f"Lead {escape_mrkdwn(alert.lead_id)}"
    if alert.crm_url:
        context += f" · <{alert.crm_url}|Open in CRM>"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(context, MAX_SECTION_TEXT)}]})
    text = f"Hot lead at {dealer}: {name} ({mask_phone(alert.phone)}), score {alert.score_label()}"
    return {"text": text, "blocks": blocks}


def run_failure_alert(job: str, run_id: str, failed_steps: Sequence[str], error: str, run_url: str) -> dict[str, Any]:
    """A failed Dagster run, for the data team's channel: what failed, the first line of why, where to look.

    Only the error's first line goes out (clipped): vendor reasons can be long,
    and the full trace is in the run's page.
    """
    reason = _clip(escape_mrkdwn((error or "no error message").strip().splitlines()[0]), 500)
    steps = ", ".join(f"`{escape_mrkdwn(step)}`" for step in failed_steps) or "the run itself"
    text = f"Dagster run failed: {job} ({run_id[:8]})"
    section = f"*{escape_mrkdwn(job)}* failed in {steps}\n>{reason}\n<{run_url}|Open the run>"
    return {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": _clip(section, MAX_SECTION_TEXT)}}],
    }


class SlackWebhookClient(VendorClient):
    vendor = "slack"

    def __init__(
        self,
        webhook_path: str,
        *,
        base_url: str = LIVE_BASE_URL,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
    ):
        """`webhook_path` is `/services/T.../B.../<token>`; a full webhook URL is accepted too."""
        if webhook_path.startswith("http"):
            parts = urlsplit(webhook_path)
            base_url, webhook_path = f"{parts.scheme}://{parts.netloc}", parts.path
        # The path is the credential: the base client keeps it (and its token segment) out of every error.
        super().__init__(
            base_url,
            timeout=timeout,
            retry=retry,
            retry_methods=WRITE_RETRY_METHODS,
            secrets=(webhook_path, webhook_path.rstrip("/").rsplit("/", 1)[-1]),
        )
        self.session.headers["Accept"] = "text/plain"
        self._path = webhook_path

    def post(self, text: str, blocks: Sequence[dict[str, Any]] | None = None, **extra: Any) -> None:
        payload: dict[str, Any] = {"text": text, **extra}
        if blocks:
            payload["blocks"] = list(blocks)
        self.post_payload(payload)

    def post_payload(self, payload: dict[str, Any]) -> None:
        response = self.request("POST", self._path, json=payload)
        if response.text.strip() != "ok":
            raise MalformedResponseError(self.vendor, f"webhook answered {response.status_code} without 'ok'")

    def post_hot_lead(self, alert: HotLeadAlert) -> dict[str, Any]:
        """Post one hot-lead alert; answers the payload sent (for the run's log, PII-safe)."""
        payload = hot_lead_alert(alert)
        self.post_payload(payload)
        return payload
