"""VIN validation: 17 characters, no I, O or Q, and a correct check digit (49 CFR 565.15).

The check digit is computed by the `vininfo` package; this module only turns
its answers into a reason a person can act on.
"""

from __future__ import annotations

from vininfo import Vin
from vininfo.exceptions import ValidationError


def vin_problem(vin: object) -> str | None:
    """None for a valid VIN, else why it is not one."""
    if vin is None or (isinstance(vin, float) and vin != vin):
        return "VIN is missing"
    text = str(vin).strip().upper()
    if not text:
        return "VIN is missing"
    if len(text) != 17:
        return f"VIN must have 17 characters, not {len(text)}"
    forbidden = sorted(set(text) & {"I", "O", "Q"})
    if forbidden:
        return f"VIN contains {', '.join(forbidden)}, which VINs never use"
    try:
        parsed = Vin(text)
    except ValidationError as exc:
        return f"VIN is malformed: {exc}"
    if not parsed.verify_checksum():
        return f"VIN check digit {text[8]!r} does not match the rest of the VIN"
    return None


def normalize_vin(vin: object) -> str:
    return str(vin).strip().upper()
