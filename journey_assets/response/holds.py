"""The prospecting hold: a person who has just bought or leased gets no prospecting outreach.

A sale or a lease (`journey.conversion.places_prospecting_hold`) puts each of the person's identity
keys on the ledger's suppression list under `prospecting_hold:<key>` for `HOLD`; a VDP-interest
lead (the one outreach the journey starts unasked, `leads.py`) is not answered while a hold stands.
A lead the person asks for (a test drive, a price, a trade-in appraisal) is still answered, and the
nightly acquisition audiences drop recent buyers on their own (`marts.activation_meta_exclusions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from journey_assets.response.ledger import ResponseLedger, Suppression

HOLD = timedelta(days=90)  # a buyer is a prospect again a quarter after the sale
PREFIX = "prospecting_hold:"


def hold_key(contact_key: str) -> str:
    return PREFIX + contact_key


def place_hold(ledger: ResponseLedger, keys: Sequence[str], reason: str, at: datetime) -> None:
    for key in keys:
        ledger.set_suppression(hold_key(key), True, reason, at)


def standing_hold(ledger: ResponseLedger, keys: Sequence[str], now: datetime) -> Suppression | None:
    """The newest hold on any of these keys that still stands at `now`, or None."""
    holds = [row for key in keys if (row := ledger.suppression(hold_key(key))) is not None and row.suppressed]
    current = [row for row in holds if row.at <= now < row.at + HOLD]
    return max(current, key=lambda row: row.at, default=None)
