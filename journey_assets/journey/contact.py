"""Contact validation: email, phone (E.164) and VIN, each with a reason a person can act on.

Pure functions, no I/O: email addresses get a syntax check only (no DNS, no
deliverability probe), phone numbers are parsed and validated with
`phonenumbers`' metadata, and VINs get the 49 CFR 565.15 check digit through
`vininfo`. Every failure raises `ContactError`, a `ValueError` whose `reason`
says what is wrong without repeating the whole value (at most the offending
characters), so it can go back to an integrator in a 422 body.
"""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from journey_assets.journey.vin import normalize_vin, vin_problem  # the one VIN rule

__all__ = ["ContactError", "email_or_none", "normalize_email", "normalize_phone", "phone_or_none", "validate_vin"]

MAX_EMAIL_LENGTH = 254
MAX_PHONE_INPUT_LENGTH = 64  # longer input is not a phone number; keeps parsing cheap


class ContactError(ValueError):
    """A contact value that cannot be used; `kind` is email, phone or vin."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def normalize_email(raw: object) -> str:
    """The address trimmed and lowercased, or ContactError with the reason.

    Syntax only (RFC 5322/6531 as email-validator reads it, special-use domains
    such as `.test` and `localhost` refused); no DNS lookup, so it never blocks.
    The whole address is lowercased: mailbox providers treat local parts
    case-insensitively in practice, and one spelling keeps identity keys and
    Meta's EMAIL hash stable.
    """
    if not isinstance(raw, str):
        raise ContactError("email", "email must be a string")
    text = raw.strip()
    if not text:
        raise ContactError("email", "email is empty")
    if len(text) > MAX_EMAIL_LENGTH:
        raise ContactError("email", f"email is longer than {MAX_EMAIL_LENGTH} characters")
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ContactError("email", f"email is not valid: {exc}") from None
    return checked.normalized.lower()


def normalize_phone(raw: object, default_region: str = "US") -> str:
    """The number in E.164 (`+14155552671`), or ContactError with the reason.

    A number without a leading `+` is read in `default_region` (ISO 3166
    alpha-2). It must be a valid, assigned-range number for its region, not
    just the right length.
    """
    if not isinstance(raw, str):
        raise ContactError("phone", "phone must be a string")
    text = raw.strip()
    if not text:
        raise ContactError("phone", "phone is empty")
    if len(text) > MAX_PHONE_INPUT_LENGTH:
        raise ContactError("phone", f"phone is longer than {MAX_PHONE_INPUT_LENGTH} characters")
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise ContactError("phone", f"phone is not a phone number: {_parse_reason(exc)}") from None
    if not phonenumbers.is_possible_number(number):
        reason = _possible_reason(phonenumbers.is_possible_number_with_reason(number))
        raise ContactError("phone", f"phone is not a possible number: {reason}")
    if not phonenumbers.is_valid_number(number):
        region = phonenumbers.region_code_for_number(number) or default_region
        raise ContactError("phone", f"phone is not a valid number for region {region}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_vin(raw: object) -> str:
    """The VIN uppercased, or ContactError with the reason (length, I/O/Q, check digit)."""
    reason = vin_problem(raw)
    if reason is not None:
        raise ContactError("vin", reason)
    return normalize_vin(raw)


_PARSE_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "it does not look like a number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the international prefix",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}


def _parse_reason(exc: phonenumbers.NumberParseException) -> str:
    return _PARSE_REASONS.get(exc.error_type, "unparseable")


def _possible_reason(code: int) -> str:
    reasons = phonenumbers.ValidationResult
    return {
        reasons.INVALID_COUNTRY_CODE: "unknown country code",
        reasons.TOO_SHORT: "too short",
        reasons.INVALID_LENGTH: "wrong length",
        reasons.TOO_LONG: "too long",
        reasons.IS_POSSIBLE_LOCAL_ONLY: "a local number without its area code",
    }.get(code, "wrong length")


def email_or_none(raw: object) -> str | None:
    """The normalized address, or None when there is none or it is not valid (the raw value is kept beside it)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return normalize_email(raw)
    except ContactError:
        return None


def phone_or_none(raw: object, default_region: str = "US") -> str | None:
    """The number in E.164, or None when there is none or it is not a valid number (the raw value is kept beside it)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return normalize_phone(raw, default_region)
    except ContactError:
        return None
