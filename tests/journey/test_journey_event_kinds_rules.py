import pytest

from journey_assets.intake.models import CONVERSION_TYPES
from journey_assets.journey.conversion import crm_status_for, places_prospecting_hold
from journey_assets.journey.reviews import is_low_rating


def test_low_rating_threshold():
    assert is_low_rating(1) and is_low_rating(2)
    assert not is_low_rating(3) and not is_low_rating(None)
    assert is_low_rating(3, low_rating_max=3)
    with pytest.raises(ValueError):
        is_low_rating(1, low_rating_max=0)


def test_conversion_status_and_hold():
    assert [crm_status_for(t) for t in CONVERSION_TYPES]  # every conversion type has a status
    assert places_prospecting_hold("vehicle_sold") and not places_prospecting_hold("deposit_placed")
    with pytest.raises(ValueError):
        crm_status_for("review")


def test_service_notice_for_every_service_type():
    from journey_assets.intake.models import SERVICE_TYPES
    from journey_assets.journey.service_notices import notice_kind_for

    assert {notice_kind_for(t) for t in SERVICE_TYPES} >= {"recall_notice", "appointment_confirmation"}
    with pytest.raises(ValueError):
        notice_kind_for("vehicle_sold")
