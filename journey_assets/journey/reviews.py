"""Pure rule for social reviews: which ratings alert the rooftop's manager (issue 13)."""

from __future__ import annotations

DEFAULT_LOW_RATING_MAX = 2  # <= 2 stars alerts the manager; configurable per call


def is_low_rating(rating: int | float | None, low_rating_max: int = DEFAULT_LOW_RATING_MAX) -> bool:
    """A review is low when it carries a rating at or below the threshold; no rating never alerts."""
    if rating is None:
        return False
    if not 1 <= low_rating_max <= 5:
        raise ValueError(f"low_rating_max must be between 1 and 5, got {low_rating_max}")
    return rating <= low_rating_max
