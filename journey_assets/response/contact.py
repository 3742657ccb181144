"""Who an event is about: the contact, its identity keys and its consent state.

Identity keys are SHA-256 hashes of normalized identifiers (`phone:+14155550100`,
`email:ann@example.com`, `customer:<dealer>:<id>`, `client:<ga4 client id>`),
so the ledger links a VDP view carrying only a web client id to the form the
same browser filled in later, without storing the raw values. The intake has
already normalized phone (E.164) and email (lowercase). This is deliberately
simple stitching (any shared identifier in one event links them for that
event); the warehouse's identity mart does the full job in batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from journey_assets.journey.consent import ConsentState


def identity_key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:40]


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


@dataclass(frozen=True)
class Contact:
    keys: tuple[str, ...]  # most specific first: phone, email, customer id, client id
    phone: str | None
    email: str | None
    first_name: str | None
    last_name: str | None
    full_name: str | None
    postal_code: str | None
    customer_id: str | None
    consent_sms: bool | None
    consent_email: bool | None
    consent_text: str | None

    @property
    def key(self) -> str:
        return self.keys[0]

    @property
    def given_name(self) -> str | None:
        if self.first_name:
            return self.first_name
        return (self.full_name or "").split()[0] if self.full_name else None

    @property
    def phone_masked(self) -> str | None:
        return mask_phone(self.phone)

    def consent_state(self, *, sms_opted_out: bool) -> ConsentState:
        """Our reading of the sender's consent flags.

        * `consent.sms is False`: the customer said no to texts.
        * `consent.sms is True` with the consent language recorded (`consent.text`):
          prior express *written* consent, so marketing texts too (TCPA).
        * otherwise a number given with a request counts as prior express consent
          for texts about that request (transactional) only.
        * email: transactional mail is exempt from unsubscribe; marketing email is
          allowed unless `consent.email is False` (CAN-SPAM is opt-out).
        """
        sms_said_no = self.consent_sms is False
        return ConsentState(
            has_phone=bool(self.phone),
            has_email=bool(self.email),
            sms_opted_out=sms_opted_out,
            sms_marketing_consent=bool(self.consent_sms) and bool(self.consent_text),
            sms_transactional_consent=not sms_said_no,
            email_unsubscribed=self.consent_email is False,
        )


def contact_from_payload(payload: Mapping[str, Any], dealer_id: str | None) -> Contact:
    customer = payload.get("customer") or {}
    consent = payload.get("consent") or {}
    phone, email = customer.get("phone"), customer.get("email")
    keys: list[str] = []
    if phone:
        keys.append(identity_key("phone", phone))
    if email:
        keys.append(identity_key("email", email))
    if customer.get("customer_id"):
        keys.append(identity_key("customer", f"{dealer_id}:{customer['customer_id']}"))
    if customer.get("client_id"):
        keys.append(identity_key("client", customer["client_id"]))
    if customer.get("handle"):
        keys.append(identity_key("handle", customer["handle"]))
    if customer.get("meta_lead_id"):  # a lead-ad lead: its Graph id, so even a lead without usable contact has a key
        keys.append(identity_key("meta_lead", str(customer["meta_lead_id"])))
    if not keys:
        raise ValueError("the event names no customer identifier")
    return Contact(
        keys=tuple(keys),
        phone=phone,
        email=email,
        first_name=customer.get("first_name"),
        last_name=customer.get("last_name"),
        full_name=customer.get("name"),
        postal_code=customer.get("postal_code"),
        customer_id=customer.get("customer_id"),
        consent_sms=consent.get("sms"),
        consent_email=consent.get("email"),
        consent_text=consent.get("text"),
    )
