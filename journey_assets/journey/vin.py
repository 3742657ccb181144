"""VIN validation: 17 characters, no I, O or Q, and a correct check digit (49 CFR 565.15).

The check digit is computed by the `vininfo` package; this module only turns
its answers into a reason a person can act on. The one VIN rule of the
project: `contact.validate_vin` and every ingest asset call it.
"""

from __future__ import annotations

from vininfo import Vin
from vininfo.exceptions import ValidationError

FORBIDDEN = frozenset("IOQ")
NOT_MODEL_YEAR_CODES = frozenset("UZ0")


def vin_problem(vin: object) -> str | None:
    """None for a valid VIN, else why it is not one."""
    if vin is None or (isinstance(vin, float) and vin != vin):  # None or NaN from a frame
        return "VIN is missing"
    text = str(vin).strip().upper()
    if not text:
        return "VIN is missing"
    if len(text) != 17:
        return f"VIN must have 17 characters, not {len(text)}"
    forbidden = sorted(set(text) & FORBIDDEN)
    if forbidden:
        return f"VIN contains {', '.join(forbidden)}, which VINs never use"
    if not text.isascii() or not text.isalnum():
        return "VIN may contain only letters and digits"
    try:
        parsed = Vin(text)
    except ValidationError as exc:  # the checks above cover its rules; kept for safety
        return f"VIN is malformed: {exc}"
    if not parsed.verify_checksum():
        if text[9] in NOT_MODEL_YEAR_CODES:
            return f"VIN position 10 {text[9]!r} is not a model-year code"
        return f"VIN check digit (position 9) {text[8]!r} does not match the rest of the VIN"
    return None


def normalize_vin(vin: object) -> str:
    return str(vin).strip().upper()
