from decimal import Decimal

from journey_assets.journey.inventory_match import Vehicle, closest_alternatives, similarity

VIEWED = Vehicle("Honda", "CR-V", 2022, Decimal("28000"), "SUV", "used", vin="VIEWED0000000001", stock="V1")


def test_same_model_outranks_same_body_style_even_with_worse_price_and_year():
    same_model_far = Vehicle("Honda", "CR-V", 2018, Decimal("40000"), "SUV", "used", stock="A")
    other_suv_perfect = Vehicle("Toyota", "RAV4", 2022, Decimal("28000"), "SUV", "used", stock="B")
    result = closest_alternatives(VIEWED, [other_suv_perfect, same_model_far])
    assert [m.vehicle.stock for m in result] == ["A", "B"]
    assert result[0].components["model"] == 50 and result[1].components["model"] == 0


def test_same_body_style_outranks_other_body_styles():
    sedan = Vehicle("Honda", "Civic", 2022, Decimal("28000"), "Sedan", "used", stock="S")
    suv = Vehicle("Mazda", "CX-5", 2020, Decimal("31000"), "suv", "used", stock="U")
    assert [m.vehicle.stock for m in closest_alternatives(VIEWED, [sedan, suv])] == ["U", "S"]


def test_score_components_are_transparent():
    m = similarity(VIEWED, Vehicle("Honda", "CR-V", 2021, Decimal("29400"), "SUV", "new"))
    # price gap 1400 of a 7000 tolerance (25 %) -> 0.8 * 12; year gap 1 of 4 -> 0.75 * 8
    assert m.components == {"model": 50.0, "body_style": 25.0, "price": 9.6, "year": 6.0, "condition": 0.0}
    assert m.score == 90.6 and m.price_gap == Decimal("1400") and m.year_gap == 1


def test_returns_three_available_excluding_the_viewed_car_and_sold_ones():
    inventory = [
        {
            "vin": "viewed0000000001",
            "make": "Honda",
            "model": "CR-V",
            "year": 2022,
            "price": 28000,
            "bodyStyle": "SUV",
            "inventoryType": "used",
            "status": "available",
        },
        {
            "vin": "SOLD000000000001",
            "make": "Honda",
            "model": "CR-V",
            "year": 2022,
            "price": 28000,
            "body_style": "SUV",
            "condition": "used",
            "status": "sold",
        },
        {
            "stockNumber": "P1",
            "make": "Honda",
            "model": "CR-V",
            "year": 2023,
            "price": "30500",
            "bodyStyle": "SUV",
            "inventoryType": "Used",
        },
        {"stock": "P2", "make": "Honda", "model": "HR-V", "year": 2022, "price": 26000, "body_style": "SUV"},
        {"stock": "P3", "make": "Honda", "model": "Accord", "year": 2022, "price": 28000, "body_style": "Sedan"},
        {
            "stock": "P4",
            "make": "Kia",
            "model": "Sportage",
            "year": 2022,
            "price": 27500,
            "body_style": "SUV",
            "available": True,
        },
        {
            "stock": "P5",
            "make": "Kia",
            "model": "Soul",
            "year": 2022,
            "price": 20000,
            "body_style": "Wagon",
            "available": False,
        },
    ]
    result = closest_alternatives(VIEWED, inventory)
    assert len(result) == 3
    assert [m.vehicle.stock for m in result] == ["P1", "P4", "P2"]
    assert all(m.vehicle.available for m in result)


def test_ties_break_deterministically_by_price_gap_then_stock():
    a = Vehicle("Kia", "Sportage", 2022, Decimal("27000"), "SUV", "used", stock="Z9")
    b = Vehicle("Kia", "Sportage", 2022, Decimal("29000"), "SUV", "used", stock="A1")
    c = Vehicle("Kia", "Sportage", 2022, Decimal("29000"), "SUV", "used", stock="A0")
    first = closest_alternatives(VIEWED, [a, b, c])
    again = closest_alternatives(VIEWED, [c, b, a])
    assert [m.vehicle.stock for m in first] == [m.vehicle.stock for m in again] == ["A0", "A1", "Z9"]


def test_missing_price_or_year_scores_zero_for_that_part():
    m = similarity(Vehicle("Honda", "CR-V"), Vehicle("Honda", "CR-V", 2020, Decimal("1"), "SUV"))
    assert m.components["price"] == 0 and m.components["year"] == 0 and m.score == 50


def test_empty_inventory():
    assert closest_alternatives(VIEWED, []) == []
