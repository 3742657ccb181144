"""Retention and nurture campaigns: configuration, the rules per person, and a thin runner (no Dagster).

A campaign (`campaigns.yml`) is an audience of `marts.activation_campaign_audience` (narrowed by optional
conditions over its columns), a template stage, a category and a re-send interval. For each person in it the
runner:

1. keys the send by (campaign, person, send window): the window is the re-send interval's slice of the
   calendar the as-of day falls in, so a re-run, a retry or tomorrow's run inside the window finds the
   record and never sends again;
2. claims that key in the **response ledger** (`response/ledger.py`), the real-time plane's store: its
   `actions` row is the idempotency record (claimed before the vendor call, finished after), its
   `touches` are the one touch history (the respond plane's SMS land there, and so do the campaigns'
   messages, under the same hashed identity keys, so a campaign text counts against the respond plane's
   caps and the other way round), and its `suppressions` are the STOP list (decision 1131);
3. picks the channel (`choose_channel`: the preferred one when usable, SMS only with express written
   consent for marketing texts, else email through Customer.io's transactional API);
4. asks `journey.send_policy.decide_send` (consent, quiet hours in the person's zone, caps and fatigue over
   the touches of every channel), then renders and sends, or records the deferral or refusal.

Every decision becomes a `CampaignSend` (sent, deferred with the reason and when, refused with the reason;
`dry_run`; `in_doubt`), a row of `ops.campaign_sends` with the contact hashed or masked, never raw.

After a lost response (a timeout, a reset, a 5xx after the vendor may have acted) the ledger row stays
`pending`; the next attempt asks Twilio's Messages list for a message with the same body to the same number
since the first attempt and records it instead of sending again. Customer.io's transactional API has no
such lookup and no idempotency key, so an email whose outcome is unknown is recorded `in_doubt` and never
repeated: at most once, never twice.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import yaml  # type: ignore[import-untyped]

from journey_assets.connectors.customerio import CustomerIOAppClient
from journey_assets.connectors.http import PermanentVendorError, TransientVendorError, VendorError
from journey_assets.connectors.twilio import RecipientOptedOutError, TwilioClient
from journey_assets.journey.consent import Category, Channel, ConsentState, consent_decision
from journey_assets.journey.frequency import DEFAULT_POLICY, FrequencyPolicy, Touch
from journey_assets.journey.quiet_hours import resolve_timezone
from journey_assets.journey.send_policy import SendDecision, SendRequest, Verdict, decide_send
from journey_assets.journey.templates import (
    RenderedMessage,
    Stage,
    TemplateContext,
    TemplateError,
    get_template,
    render,
)
from journey_assets.response.actions.sms import message_sent_for
from journey_assets.response.contact import identity_key, mask_phone
from journey_assets.response.customerio_events import email_suppression_key
from journey_assets.response.ledger import (
    DEFERRED,
    DONE,
    DRY_RUN,
    FAILED,
    IN_DOUBT,
    PENDING,
    SKIPPED,
    ResponseLedger,
)

DEFAULT_CONFIG = Path(__file__).with_name("campaigns.yml")
ACTION = "campaign_send"
AUDIENCES = ("service_due", "win_back", "lease_end", "loyal_owner")
# The audience model's columns a campaign's `where` may test (the contact fields are not among them).
CONDITION_COLUMNS = frozenset(
    {"dealer_id", "preferred_channel", "service_state", "dormant", "high_value", "journey_stage", "zip5"}
)
CAMPAIGN_KEYS = frozenset(
    {"key", "audience", "where", "template", "category", "resend_days", "link_path", "offer", "customerio_message_id"}
)
WINDOW_EPOCH = date(2020, 1, 6)  # a Monday: send windows are whole re-send intervals counted from it
TOUCH_LOOKBACK = timedelta(days=8)  # the caps' longest window (a week) and a day's margin
TRANSIENT_RETRY = timedelta(minutes=15)

# Outcomes, the `status` column of ops.campaign_sends.
SENT, DEFERRED_OUT, REFUSED, DRY, DOUBT = "sent", "deferred", "refused", "dry_run", "in_doubt"


class CampaignConfigError(ValueError):
    """campaigns.yml says something the runner cannot do; the message names the campaign and the field."""


@dataclass(frozen=True)
class Campaign:
    key: str
    audience: str
    template: Stage
    category: Category
    resend_days: int
    customerio_message_id: str
    where: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    link_path: str = ""
    offer: str | None = None

    def matches(self, row: Mapping[str, Any]) -> bool:
        if row.get("audience") != self.audience:
            return False
        return all(row.get(column) in allowed for column, allowed in self.where.items())

    def window_start(self, as_of: date) -> date:
        """The first day of the send window `as_of` falls in (windows are `resend_days` long)."""
        n = (as_of - WINDOW_EPOCH).days // self.resend_days
        return WINDOW_EPOCH + timedelta(days=n * self.resend_days)


def _campaign(raw: Any, index: int) -> Campaign:
    where_of = f"campaigns[{index}]"
    if not isinstance(raw, Mapping):
        raise CampaignConfigError(f"{where_of}: expected a mapping, got {type(raw).__name__}")
    key = raw.get("key")
    if not isinstance(key, str) or not key.strip() or not key.replace("_", "").isalnum():
        raise CampaignConfigError(f"{where_of}: `key` must be a word of letters, digits and _ (got {key!r})")
    where_of = f"campaign {key!r}"
    unknown = set(raw) - CAMPAIGN_KEYS
    if unknown:
        raise CampaignConfigError(f"{where_of}: unknown fields {sorted(unknown)}; allowed: {sorted(CAMPAIGN_KEYS)}")
    for name in ("audience", "template", "category", "resend_days", "customerio_message_id"):
        if raw.get(name) in (None, ""):
            raise CampaignConfigError(f"{where_of}: `{name}` is required")
    if raw["audience"] not in AUDIENCES:
        raise CampaignConfigError(f"{where_of}: audience {raw['audience']!r} is not one of {list(AUDIENCES)}")
    try:
        stage = Stage(raw["template"])
        for channel in (Channel.SMS, Channel.EMAIL):
            get_template(stage, channel)
    except (ValueError, TemplateError):
        raise CampaignConfigError(f"{where_of}: no SMS and email templates for {raw['template']!r}") from None
    try:
        category = Category(raw["category"])
    except ValueError:
        raise CampaignConfigError(
            f"{where_of}: category {raw['category']!r} is not marketing or transactional"
        ) from None
    if category is not Category.MARKETING:
        raise CampaignConfigError(f"{where_of}: retention campaigns are marketing; {category} is not allowed")
    for channel in (Channel.SMS, Channel.EMAIL):
        if get_template(stage, channel).category is not category:
            raise CampaignConfigError(f"{where_of}: the {channel} template of {stage} is not {category}")
    resend = raw["resend_days"]
    if not isinstance(resend, int) or isinstance(resend, bool) or resend < 1:
        raise CampaignConfigError(f"{where_of}: resend_days must be a whole number of days >= 1 (got {resend!r})")
    where = raw.get("where") or {}
    if not isinstance(where, Mapping):
        raise CampaignConfigError(f"{where_of}: `where` must map columns to a value or a list of values")
    bad = set(where) - CONDITION_COLUMNS
    if bad:
        raise CampaignConfigError(f"{where_of}: `where` names unknown columns {sorted(bad)}")
    conditions = {c: tuple(v) if isinstance(v, list) else (v,) for c, v in where.items()}
    link_path = str(raw.get("link_path") or "")
    if link_path and not link_path.startswith("/"):
        raise CampaignConfigError(f"{where_of}: link_path must start with / (got {link_path!r})")
    return Campaign(
        key=key,
        audience=raw["audience"],
        template=stage,
        category=category,
        resend_days=resend,
        customerio_message_id=str(raw["customerio_message_id"]),
        where=conditions,
        link_path=link_path,
        offer=raw.get("offer"),
    )


def parse_campaigns(data: Any) -> tuple[Campaign, ...]:
    if not isinstance(data, Mapping) or not isinstance(data.get("campaigns"), list) or not data["campaigns"]:
        raise CampaignConfigError("campaigns config: expected a top-level `campaigns:` list with at least one entry")
    campaigns = tuple(_campaign(raw, i) for i, raw in enumerate(data["campaigns"]))
    keys = [c.key for c in campaigns]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise CampaignConfigError(f"campaigns config: duplicate keys {dupes}")
    return campaigns


def load_campaigns(path: str | Path = DEFAULT_CONFIG) -> tuple[Campaign, ...]:
    try:
        data = yaml.safe_load(Path(path).read_text())
    except yaml.YAMLError as exc:
        raise CampaignConfigError(f"{path}: not valid YAML: {exc}") from None
    try:
        return parse_campaigns(data)
    except CampaignConfigError as exc:
        raise CampaignConfigError(f"{path}: {exc}") from None


# --- the person ------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None  # a warehouse null comes back as None, NaN or NaT
    text = str(value).strip()
    return text or None


def _flag(value: Any) -> bool:
    return _text(value) is not None and bool(value)


def _day(value: Any) -> date | None:
    if _text(value) is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "date"):  # pandas Timestamp
        return value.date()
    return date.fromisoformat(str(value)[:10])


def person_keys(row: Mapping[str, Any]) -> tuple[str, ...]:
    """The person's identity keys as the response plane hashes them (phone, email), and the warehouse's key."""
    keys = []
    if phone := _text(row.get("phone")):
        keys.append(identity_key("phone", phone))
    if email := _text(row.get("email")):
        keys.append(identity_key("email", email.lower()))
    keys.append(identity_key("person", str(row["customer_key"])))
    return tuple(keys)


def consent_state(row: Mapping[str, Any], *, sms_suppressed: bool, email_suppressed: bool = False) -> ConsentState:
    """The audience row's consent flags, with the ledger's suppression list on top.

    `sms_consent` is the CRM's SMS opt-in, read as prior express written consent (decision 1131); marketing
    email needs the person's opt-in (`email_consent`), stricter than CAN-SPAM's opt-out, and no unsubscribe
    in Customer.io since (`email_suppressed`: its reporting webhook reached the ledger, decision 1151; the
    warehouse's email_consent catches up the next night).
    """
    sms = _flag(row.get("sms_consent"))
    return ConsentState(
        has_phone=_text(row.get("phone")) is not None,
        has_email=_text(row.get("email")) is not None,
        sms_opted_out=sms_suppressed,
        sms_marketing_consent=sms,
        sms_transactional_consent=sms,
        email_unsubscribed=email_suppressed or not _flag(row.get("email_consent")),
    )


def choose_channel(
    preferred: str | None, state: ConsentState, category: Category = Category.MARKETING
) -> tuple[Channel, str]:
    """The channel and why: the preferred channel when consent allows it, else the other one that does, else
    the preferred (or email) so that the send policy refuses it with its consent reason."""
    order = [Channel.SMS, Channel.EMAIL] if preferred == "sms" else [Channel.EMAIL, Channel.SMS]
    for n, channel in enumerate(order):
        if consent_decision(state, channel, category).allowed:
            return channel, "preferred" if n == 0 and preferred in ("sms", "email") else "consented"
    return order[0], "none usable"


def hashed(value: str | None) -> str | None:
    return hashlib.sha256(value.encode()).hexdigest()[:16] if value else None


# --- the runner --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignSend:
    """One decision; a row of ops.campaign_sends (no raw contact: the phone masked, the email hashed)."""

    campaign: str
    customer_key: str
    dealer_id: str | None
    send_key: str  # the idempotency key: campaign, person, window
    window_start: date
    status: str  # sent | deferred | refused | dry_run | in_doubt
    reason: str
    channel: str | None
    template: str | None
    rule: str | None
    send_at: datetime | None
    vendor_ref: str | None
    to_masked: str | None
    decided_at: datetime
    attempt: int

    def row(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CampaignReport:
    sends: list[CampaignSend] = field(default_factory=list)
    eligible: dict[str, int] = field(default_factory=dict)
    already: dict[str, int] = field(default_factory=dict)  # decided earlier in the window, nothing to do

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for key, n in self.eligible.items():
            out[key] = {"eligible": n, "already_decided": self.already.get(key, 0)}
            for status in (SENT, DEFERRED_OUT, REFUSED, DRY, DOUBT):
                out[key][status] = 0
        for send in self.sends:
            out.setdefault(send.campaign, {}).setdefault(send.status, 0)
            out[send.campaign][send.status] += 1
        return out


@dataclass
class CampaignDeps:
    ledger: ResponseLedger
    twilio: TwilioClient | None
    email: CustomerIOAppClient | None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    dry_run: bool = False
    caps: FrequencyPolicy = DEFAULT_POLICY
    refuse_marketing_at: str | None = "fatigued"


class _Outcome(Exception):
    def __init__(self, status: str, ledger_status: str, reason: str, **extra: Any):
        super().__init__(reason)
        self.status, self.ledger_status, self.reason, self.extra = status, ledger_status, reason, extra


def _context(campaign: Campaign, row: Mapping[str, Any]) -> tuple[TemplateContext, dict[str, str]]:
    website = (_text(row.get("rooftop_website")) or "").rstrip("/")
    link = f"{website}{campaign.link_path}" if website else None
    ctx = TemplateContext(
        rooftop_name=_text(row.get("rooftop_name")) or "",
        first_name=_text(row.get("first_name")),
        rooftop_phone=_text(row.get("rooftop_phone")),
        rooftop_address=_text(row.get("rooftop_address")),
        service_type="its next scheduled service",
        offer=campaign.offer,
        link=link,
        # the person's own preference page at the rooftop; Customer.io's template may swap in its own link
        unsubscribe_url=f"{website}/unsubscribe?c={hashed(str(row['customer_key']))}" if website else None,
    )
    extra = {"vehicle": _text(row.get("vehicle_name")) or "vehicle"}
    due = _day(row.get("next_service_due_date"))
    if due is not None:
        extra["service_type"] = f"its next scheduled service (due {due:%b} {due.day})"
    maturity = _day(row.get("lease_maturity_date"))
    if maturity is not None:
        extra["lease_maturity"] = f"{maturity:%B} {maturity.day}, {maturity.year}"
    return ctx, extra


def _since(record_detail: Mapping[str, Any]) -> datetime | None:
    text = record_detail.get("first_attempt_at")
    return datetime.fromisoformat(text) if text else None


def run_campaigns(
    campaigns: Sequence[Campaign], rows: Iterable[Mapping[str, Any]], deps: CampaignDeps, *, as_of: date
) -> CampaignReport:
    """Decide (and send) every campaign for every eligible person; see the module docstring."""
    report = CampaignReport()
    people = list(rows)
    for campaign in campaigns:
        report.eligible[campaign.key] = 0
        for row in people:
            if not campaign.matches(row):
                continue
            report.eligible[campaign.key] += 1
            send = _one(campaign, row, deps, as_of)
            if send is None:
                report.already[campaign.key] = report.already.get(campaign.key, 0) + 1
            else:
                report.sends.append(send)
    return report


def _one(campaign: Campaign, row: Mapping[str, Any], deps: CampaignDeps, as_of: date) -> CampaignSend | None:
    ledger, now = deps.ledger, deps.clock()
    customer_key = str(row["customer_key"])
    window = campaign.window_start(as_of)
    send_key = f"campaign:{campaign.key}:{customer_key}:{window.isoformat()}"
    previous = ledger.get_action(send_key, ACTION)
    if previous is not None and (previous.terminal or (previous.retry_at and previous.retry_at > now)):
        return None  # decided, or not due yet: a read, no write (an hourly rerun touches only what is due)
    if deps.dry_run:
        # decide and report, write nothing to the ledger: a dry run must not use up the window
        attempt = (previous.attempts if previous else 0) + 1
    else:
        claim = ledger.claim(send_key, ACTION, now)
        if not claim.granted:
            return None  # decided in this window already (sent, refused), deferred to later, or in flight elsewhere
        attempt = claim.record.attempts if claim.record else 1
    # what earlier attempts left: when the first one went out, and whether it may have reached the vendor
    carry = {k: previous.detail[k] for k in ("first_attempt_at", "maybe_sent") if previous and k in previous.detail}
    if (
        not deps.dry_run and claim.in_doubt and previous is not None
    ):  # a process died mid-call: the vendor may have the message
        carry = {"first_attempt_at": (previous.started_at or previous.updated_at).isoformat(), "maybe_sent": True}
    first_attempt = _since(carry)
    phone, email = _text(row.get("phone")), _text(row.get("email"))
    email_suppressed = bool(email) and ledger.is_suppressed(email_suppression_key(email or ""))
    state = consent_state(row, sms_suppressed=ledger.is_suppressed(phone), email_suppressed=email_suppressed)
    channel, basis = choose_channel(_text(row.get("preferred_channel")), state, campaign.category)
    to_masked = mask_phone(phone) if channel is Channel.SMS else (f"email:{hashed(email)}" if email else None)
    keys = person_keys(row)
    common: dict[str, Any] = {
        "campaign": campaign.key,
        "customer_key": customer_key,
        "dealer_id": _text(row.get("dealer_id")),
        "send_key": send_key,
        "window_start": window,
        "channel": channel.value,
        "to_masked": to_masked,
        "decided_at": now,
        "attempt": attempt,
    }

    def outcome(status: str, ledger_status: str, reason: str, **extra: Any) -> CampaignSend:
        send_at = extra.get("send_at")
        if deps.dry_run:
            return CampaignSend(
                **common,
                status=DRY if status == SENT else status,
                reason=reason,
                template=extra.get("template"),
                rule=extra.get("rule"),
                send_at=send_at,
                vendor_ref=None,
            )
        ledger.finish(
            send_key,
            ACTION,
            ledger_status,
            now,
            vendor_ref=extra.get("vendor_ref"),
            detail={"reason": reason, "channel": channel.value, **carry, **(extra.get("detail") or {})},
            retry_at=send_at if ledger_status in (DEFERRED, PENDING) else None,
        )
        return CampaignSend(
            **common,
            status=status,
            reason=reason,
            template=extra.get("template"),
            rule=extra.get("rule"),
            send_at=send_at,
            vendor_ref=extra.get("vendor_ref"),
        )

    try:
        message, decision = _decide(campaign, row, deps, now, channel, basis, state, keys, window)
    except _Outcome as out:
        return outcome(out.status, out.ledger_status, out.reason, **out.extra)
    template, rule = message.template_key, decision.rule.value
    label = rule.replace("_", " ")
    why = decision.reason if decision.reason.startswith(label) else f"{label}: {decision.reason}"
    if decision.verdict is Verdict.DEFERRED:
        return outcome(DEFERRED_OUT, DEFERRED, why, send_at=decision.send_at, template=template, rule=rule)
    if decision.verdict is Verdict.REFUSED:
        return outcome(REFUSED, SKIPPED, why, template=template, rule=rule)
    if deps.dry_run:
        return outcome(DRY, DRY_RUN, f"dry run: would send {template} by {channel}", template=template, rule=rule)

    # a previous attempt may have reached the vendor: look before sending again
    since = first_attempt or now
    if first_attempt is None:
        carry["first_attempt_at"] = now.isoformat()
    if channel is Channel.SMS and first_attempt is not None and deps.twilio is not None and phone:
        found = message_sent_for(deps.twilio, ledger, send_key, phone, message.body, first_attempt)
        if found is not None:
            sid = found.sid
            with ledger.atomic():
                _record_sent(ledger, keys, channel, campaign, now, send_key, sid, to_masked)
                return outcome(
                    SENT, DONE, f"found at Twilio after a lost response ({sid})", vendor_ref=sid, template=template
                )
    if channel is Channel.EMAIL and carry.get("maybe_sent"):
        return outcome(
            DOUBT,
            IN_DOUBT,
            "an earlier attempt may have reached Customer.io (no lookup, no idempotency key); not repeated",
            template=template,
            rule=rule,
        )
    try:
        ref = _send(deps, campaign, channel, phone, email, customer_key, message, row)
    except RecipientOptedOutError as exc:
        if phone:
            ledger.set_suppression(phone, True, "21610", now)
        return outcome(REFUSED, FAILED, f"twilio: {exc.reason or exc}; number suppressed", template=template, rule=rule)
    except TransientVendorError as exc:
        maybe = not exc.not_sent
        return outcome(
            DEFERRED_OUT,
            PENDING,
            f"{exc.vendor} transient failure, retried next run: {exc.message}",
            send_at=now + TRANSIENT_RETRY,
            template=template,
            rule="vendor",
            detail={"first_attempt_at": since.isoformat(), "maybe_sent": maybe or bool(carry.get("maybe_sent"))},
        )
    except (PermanentVendorError, VendorError) as exc:
        if exc.status in (401, 403):  # our credentials, not the person: retry once fixed, never burn the window
            return outcome(
                DEFERRED_OUT,
                PENDING,
                f"{exc.vendor} refused our credentials; retried next run: {exc.reason or exc.message}",
                send_at=now + TRANSIENT_RETRY,
                template=template,
                rule="vendor",
            )
        return outcome(
            REFUSED, FAILED, f"{exc.vendor} refused: {exc.reason or exc.message}", template=template, rule="vendor"
        )
    with ledger.atomic():  # the touch, the message row and `done` in one transaction
        _record_sent(ledger, keys, channel, campaign, now, send_key, ref, to_masked)
        return outcome(
            SENT, DONE, f"sent {template} by {channel} ({basis})", vendor_ref=ref, template=template, rule=rule
        )


def _decide(
    campaign: Campaign,
    row: Mapping[str, Any],
    deps: CampaignDeps,
    now: datetime,
    channel: Channel,
    basis: str,
    state: ConsentState,
    keys: tuple[str, ...],
    window: date,
) -> tuple[RenderedMessage, SendDecision]:
    history = deps.ledger.touches(keys, since=now - max(TOUCH_LOOKBACK, timedelta(days=campaign.resend_days)))
    prefix = f"campaign:{campaign.key}:"
    last = max((t.at for t in history if t.ref.startswith(prefix)), default=None)
    if last is not None and last > now - timedelta(days=campaign.resend_days):
        # sent in the previous window less than an interval ago: wait for the interval, then send
        raise _Outcome(
            DEFERRED_OUT,
            DEFERRED,
            f"re-send interval: {campaign.key} sent {(now - last).days} days ago (every {campaign.resend_days} days)",
            send_at=last + timedelta(days=campaign.resend_days),
            rule="resend_interval",
        )
    touches = [Touch(t.at, Channel(t.channel), Category(t.category), campaign=t.ref) for t in history]
    rooftop_tz = _text(row.get("rooftop_timezone")) or "America/New_York"
    decision = decide_send(
        SendRequest(
            channel,
            campaign.category,
            state,
            now,
            resolve_timezone(_text(row.get("zip5")), None, rooftop_tz=rooftop_tz),
            touches,
            deps.caps,
            refuse_marketing_at=deps.refuse_marketing_at,
        )
    )
    if decision.verdict is Verdict.REFUSED and basis == "none usable":
        raise _Outcome(REFUSED, SKIPPED, f"no usable channel: {decision.reason}", rule=decision.rule.value)
    ctx, extra = _context(campaign, row)
    try:
        message = render(get_template(campaign.template, channel), ctx, extra=extra)
    except TemplateError as exc:
        raise _Outcome(REFUSED, SKIPPED, f"template: {exc}", rule="template") from None
    return message, decision


def _send(
    deps: CampaignDeps,
    campaign: Campaign,
    channel: Channel,
    phone: str | None,
    email: str | None,
    customer_key: str,
    message: RenderedMessage,
    row: Mapping[str, Any],
) -> str:
    if channel is Channel.SMS:
        if deps.twilio is None or not phone:
            raise _SendUnavailable("Twilio is not configured")
        return deps.twilio.send_sms(phone, message.body).sid
    if deps.email is None or not email:
        raise _SendUnavailable("Customer.io is not configured")
    # The rendered subject and body go as overrides of the transactional message (the App API's
    # `subject`/`body`); `message_data` carries the variables for a template that renders its own.
    delivery = deps.email.send_email(
        campaign.customerio_message_id,
        email,
        {"id": customer_key},
        {"campaign": campaign.key, "vehicle": _text(row.get("vehicle_name")), "rooftop": row.get("rooftop_name")},
        subject=message.subject,
        body=message.body,
        send_to_unsubscribed=False,  # the App API's default is true (transactional); marketing never is
    )
    return delivery.delivery_id


class _SendUnavailable(TransientVendorError):
    """No client for the channel (not configured, or the sandbox not started): nothing was sent, retry later."""

    def __init__(self, reason: str):
        super().__init__("campaigns", reason, reason=reason)
        self.not_sent = True


def _record_sent(
    ledger: ResponseLedger,
    keys: Sequence[str],
    channel: Channel,
    campaign: Campaign,
    at: datetime,
    send_key: str,
    ref: str,
    to_masked: str | None,
) -> None:
    # the touch lands where the respond plane reads its caps; an SMS also gets its message row for callbacks
    ledger.add_touch(keys, channel.value, campaign.category.value, at, send_key)
    if channel is Channel.SMS:
        ledger.record_message(ref, "queued", at, event_id=send_key, to_masked=to_masked)


SEND_COLUMNS = tuple(CampaignSend.__dataclass_fields__)


def sends_frame(sends: Sequence[CampaignSend]) -> pd.DataFrame:
    """The rows of ops.campaign_sends (a fixed column order, so an empty run appends nothing odd)."""
    frame = pd.DataFrame([s.row() for s in sends], columns=list(SEND_COLUMNS))
    for column in ("send_at", "decided_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["window_start"] = pd.to_datetime(frame["window_start"]).dt.date
    frame["attempt"] = frame["attempt"].astype("int64")
    # typed text columns: an all-null column would otherwise create the table with a NULL type
    for column in ("campaign", "customer_key", "dealer_id", "send_key", "status", "reason", "channel", "template",
                   "rule", "vendor_ref", "to_masked"):  # fmt: skip
        frame[column] = frame[column].astype("string")
    return frame


__all__ = [
    "SEND_COLUMNS",
    "sends_frame",
    "ACTION",
    "Campaign",
    "CampaignConfigError",
    "CampaignDeps",
    "CampaignReport",
    "CampaignSend",
    "choose_channel",
    "consent_state",
    "load_campaigns",
    "parse_campaigns",
    "person_keys",
    "run_campaigns",
]
