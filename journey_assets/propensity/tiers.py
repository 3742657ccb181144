"""Tiers: the probability cut-offs the response plane (SLA, assignment, alerts) and activation read.

Configuration, not code: `JOURNEY_PROPENSITY_TIERS` (e.g. ``hot=0.30,warm=0.10``) through
`settings.propensity_tiers`. The defaults come from the medium world's score distribution
(docs/decisions/1003-propensity-tiers.md): hot about the top 5% of people, warm the next 15%.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tier(StrEnum):
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"


@dataclass(frozen=True)
class TierThresholds:
    hot: float = 0.30
    warm: float = 0.10

    def __post_init__(self) -> None:
        if not 0.0 <= self.warm <= self.hot <= 1.0:
            raise ValueError(f"tier thresholds need 0 <= warm <= hot <= 1, got hot={self.hot} warm={self.warm}")

    @classmethod
    def parse(cls, text: str) -> TierThresholds:
        """``hot=0.30,warm=0.10`` (either may be left out for its default); a clear error for anything else."""
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, sep, raw = part.partition("=")
            name = name.strip()
            if not sep or name not in ("hot", "warm"):
                raise ValueError(f"tier thresholds look like 'hot=0.30,warm=0.10', got {text!r}")
            try:
                values[name] = float(raw)
            except ValueError:
                raise ValueError(f"tier threshold {name} is not a number: {raw.strip()!r}") from None
        return cls(**values)

    def __str__(self) -> str:
        return f"hot={self.hot:g},warm={self.warm:g}"


def tier_for(probability: float, thresholds: TierThresholds = TierThresholds()) -> Tier:
    if probability >= thresholds.hot:
        return Tier.HOT
    if probability >= thresholds.warm:
        return Tier.WARM
    return Tier.COLD
