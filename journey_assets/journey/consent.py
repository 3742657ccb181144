"""SMS keywords and the consent decision: may we send this message to this contact?

Inbound keywords follow Twilio's default handling for long codes and Messaging
Services (twilio.com/docs/messaging/tutorials/advanced-opt-out and Twilio's support
article "Twilio support for opt-out keywords (SMS STOP filtering)"):

* opt-out: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT
* opt-in:  START, YES, UNSTOP
* help:    HELP, INFO

Twilio acts only on single-word messages, case-insensitively: "STOP" or " stop "
opts out, "STOP PLEASE" and "PLEASE CANCEL" do not. :func:`classify_inbound` mirrors
that rule so our suppression list agrees with Twilio's block list: surrounding
whitespace is ignored and the message must be one word. Twilio does not document
punctuation; we drop punctuation inside that one word ("Stop.", "STOP!", "Opt-out"
count), which errs toward honouring a revocation (and is what the sandbox's Twilio
fake does). A longer message that merely *contains* an opt-out word is classified
``NONE`` but flagged ``possible_opt_out`` so the response plane can route it to a
person: the FCC treats any reasonable expression of revocation as revoking consent,
even when Twilio does not block the number.

The consent decision is deliberately conservative:

* a contact under a global do-not-contact hold gets nothing on any channel;
* a STOPped number gets no SMS at all (Twilio would answer 21610 anyway);
* a hard-bounced email gets no email; an unsubscribed email still gets
  transactional mail (CAN-SPAM exempts transactional/relationship messages);
* marketing SMS needs prior express written consent (TCPA), transactional SMS
  needs prior express consent (the customer gave us the number for this purpose);
* marketing email is allowed unless unsubscribed (CAN-SPAM is opt-out), unless the
  policy requires opt-in (e.g. for Canada's CASL).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class Category(StrEnum):
    MARKETING = "marketing"
    TRANSACTIONAL = "transactional"


class KeywordType(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    NONE = "none"


OPT_OUT_KEYWORDS: frozenset[str] = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
OPT_IN_KEYWORDS: frozenset[str] = frozenset({"START", "YES", "UNSTOP"})
HELP_KEYWORDS: frozenset[str] = frozenset({"HELP", "INFO"})

# Words that, inside a longer message, suggest the sender wants no more texts.
# Twilio does not act on these; we only flag them for a human. END, QUIT and CANCEL
# are left out: "cancel my appointment" is not a revocation.
_OPT_OUT_HINTS: frozenset[str] = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "UNSUB", "OPTOUT", "OPT-OUT", "REVOKE"})


@dataclass(frozen=True)
class InboundClassification:
    kind: KeywordType
    keyword: str | None = None  # the matched keyword, upper case
    possible_opt_out: bool = False  # free text mentioning an opt-out word

    @property
    def is_keyword(self) -> bool:
        return self.kind is not KeywordType.NONE


def classify_inbound(body: str | None) -> InboundClassification:
    """Classify an inbound SMS body the way Twilio's default keyword handling does.

    The whole message, with surrounding whitespace and punctuation removed and
    compared case-insensitively, must be the keyword.
    """
    tokens = (body or "").upper().split()
    word = "".join(ch for ch in tokens[0] if ch.isalnum()) if len(tokens) == 1 else ""
    if word in OPT_OUT_KEYWORDS:
        return InboundClassification(KeywordType.OPT_OUT, word)
    if word in OPT_IN_KEYWORDS:
        return InboundClassification(KeywordType.OPT_IN, word)
    if word in HELP_KEYWORDS:
        return InboundClassification(KeywordType.HELP, word)
    words = {"".join(ch for ch in tok if ch.isalnum() or ch == "-") for tok in tokens}
    return InboundClassification(KeywordType.NONE, None, bool(words & _OPT_OUT_HINTS))


@dataclass(frozen=True)
class ConsentState:
    """What we know about one contact's consent and suppression.

    ``has_phone``/``has_email`` say whether a usable (validated) address exists;
    validation itself lives in ``contact.py``.
    """

    has_phone: bool = False
    has_email: bool = False
    sms_opted_out: bool = False  # replied STOP (or Twilio answered 21610)
    sms_marketing_consent: bool = False  # prior express written consent (TCPA)
    sms_transactional_consent: bool = False  # prior express consent for this purpose
    email_unsubscribed: bool = False
    email_hard_bounced: bool = False
    email_marketing_opt_in: bool = False  # only consulted when the policy requires opt-in
    do_not_contact: bool = False  # legal hold, deceased, customer request by phone...
    sms_opted_out_at: datetime | None = None
    sms_opted_in_at: datetime | None = None


@dataclass(frozen=True)
class ConsentPolicy:
    require_email_opt_in: bool = False  # CAN-SPAM: False; CASL: True


class ConsentReason(StrEnum):
    OK = "ok"
    DO_NOT_CONTACT = "do_not_contact"
    NO_ADDRESS = "no_address"
    SMS_OPTED_OUT = "sms_opted_out"
    NO_SMS_MARKETING_CONSENT = "no_sms_marketing_consent"
    NO_SMS_CONSENT = "no_sms_consent"
    EMAIL_HARD_BOUNCED = "email_hard_bounced"
    EMAIL_UNSUBSCRIBED = "email_unsubscribed"
    NO_EMAIL_OPT_IN = "no_email_opt_in"


@dataclass(frozen=True)
class ConsentDecision:
    allowed: bool
    channel: Channel
    category: Category
    code: ConsentReason
    reason: str


def consent_decision(
    state: ConsentState,
    channel: Channel | str,
    category: Category | str,
    policy: ConsentPolicy = ConsentPolicy(),
) -> ConsentDecision:
    """May we send a ``category`` message on ``channel`` to this contact?"""
    channel = Channel(channel)
    category = Category(category)

    def d(allowed: bool, code: ConsentReason, reason: str) -> ConsentDecision:
        return ConsentDecision(allowed, channel, category, code, reason)

    if state.do_not_contact:
        return d(False, ConsentReason.DO_NOT_CONTACT, "contact is on the do-not-contact list")

    if channel is Channel.SMS:
        if not state.has_phone:
            return d(False, ConsentReason.NO_ADDRESS, "no valid mobile number")
        if state.sms_opted_out:
            return d(False, ConsentReason.SMS_OPTED_OUT, "number replied STOP; no SMS until it replies START")
        if category is Category.MARKETING:
            if not state.sms_marketing_consent:
                return d(
                    False,
                    ConsentReason.NO_SMS_MARKETING_CONSENT,
                    "marketing SMS needs prior express written consent",
                )
            return d(True, ConsentReason.OK, "express written consent on file")
        if not (state.sms_transactional_consent or state.sms_marketing_consent):
            return d(False, ConsentReason.NO_SMS_CONSENT, "no consent to text this number")
        return d(True, ConsentReason.OK, "prior express consent on file")

    # email
    if not state.has_email:
        return d(False, ConsentReason.NO_ADDRESS, "no valid email address")
    if state.email_hard_bounced:
        return d(False, ConsentReason.EMAIL_HARD_BOUNCED, "address hard-bounced")
    if category is Category.TRANSACTIONAL:
        return d(True, ConsentReason.OK, "transactional email is exempt from unsubscribe")
    if state.email_unsubscribed:
        return d(False, ConsentReason.EMAIL_UNSUBSCRIBED, "contact unsubscribed from marketing email")
    if policy.require_email_opt_in and not state.email_marketing_opt_in:
        return d(False, ConsentReason.NO_EMAIL_OPT_IN, "policy requires opt-in for marketing email")
    return d(True, ConsentReason.OK, "not unsubscribed")


def apply_inbound(state: ConsentState, classification: InboundClassification, at: datetime) -> ConsentState:
    """The consent state after an inbound SMS keyword.

    STOP revokes every SMS consent. START/YES/UNSTOP lift the block and count as
    consent to transactional texts (the customer asked to hear from us again), but
    do not restore marketing consent: that needs a fresh express written consent.
    HELP and free text change nothing.
    """
    if classification.kind is KeywordType.OPT_OUT:
        return dataclasses.replace(
            state,
            sms_opted_out=True,
            sms_marketing_consent=False,
            sms_transactional_consent=False,
            sms_opted_out_at=at,
        )
    if classification.kind is KeywordType.OPT_IN:
        return dataclasses.replace(state, sms_opted_out=False, sms_transactional_consent=True, sms_opted_in_at=at)
    return state
