import pytest

from journey_assets.journey.vin import vin_problem

# Valid per 49 CFR 565.15 (shared/reference/vendors.md lists the first three).
GOOD = ["1M8GDM9AXKP042788", "JH2RC3605MM101581", "1HGCV1F42JA141468", " 1hgcv1f42ja141468 "]


@pytest.mark.parametrize("vin", GOOD)
def test_valid_vins_pass(vin):
    assert vin_problem(vin) is None


@pytest.mark.parametrize(
    ("vin", "reason"),
    [
        ("1M8GDM9A1KP042788", "check digit"),
        ("JH2RC3605MM101582", "check digit"),
        ("1M8GDM9AXKP04278", "17 characters"),
        ("1M8GDM9AXKP0427888", "17 characters"),
        ("1M8GDM9AXKP04278O", "contains O"),
        ("IM8GDM9AXKP042788", "contains I"),
        ("1M8GDM9AXKP0427-8", "only letters and digits"),
        ("", "missing"),
        (None, "missing"),
        (float("nan"), "missing"),
    ],
)
def test_invalid_vins_say_why(vin, reason):
    problem = vin_problem(vin)
    assert problem is not None and reason in problem
