"""The vectorized Meta rows (`meta_columns` / `meta_rows`) give exactly the per-row `meta_row` strings."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journey_assets.journey.audience import META_KEYS, meta_columns, meta_row, meta_rows, sha256_hex

SCHEMA = ["EMAIL", "PHONE", "FN", "LN", "FI", "ZIP", "CT", "ST", "COUNTRY", "GEN", "DOBY", "EXTERN_ID", "MADID"]

# Text that stresses the rules: ASCII and not, whitespace of every kind, digits, '+', '@', '.', '-'.
ALPHABET = st.sampled_from(list("aZé9 0+@.-_\t\n\x0b\x1c\u00a0\u0660İßÅ'") + ["x@y.co", "555", "Georgia", "US"])
TEXT = st.lists(ALPHABET, max_size=12).map("".join)
VALUE = st.one_of(st.none(), TEXT, st.sampled_from(["", "  ", "usa", "M5V 2T6", "30301-1234", "+44 20 7946 0958"]))
ODD = st.one_of(VALUE, st.integers(-5, 99_999), st.sampled_from([1.0, True, float("nan")]))


def per_row(columns: dict[str, list], schema: list[str]) -> list[list[str]]:
    n = len(next(iter(columns.values())))
    return [meta_row({k: v[i] for k, v in columns.items()}, schema) for i in range(n)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries(dict.fromkeys(SCHEMA, VALUE)), min_size=1, max_size=30))
def test_vectorized_rows_equal_the_per_row_function(records):
    columns = {k: [r[k] for r in records] for k in SCHEMA}
    assert [list(r) for r in meta_rows(columns, SCHEMA)] == per_row(columns, SCHEMA)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(dict.fromkeys(("EMAIL", "PHONE", "ZIP", "COUNTRY", "FN"), ODD)), min_size=1, max_size=20
    )
)
def test_non_string_values_take_the_per_row_path(records):
    schema = ["EMAIL", "PHONE", "ZIP", "COUNTRY", "FN"]
    columns = {k: [r[k] for r in records] for k in schema}
    assert [list(r) for r in meta_rows(columns, schema)] == per_row(columns, schema)


def test_known_values_and_missing_columns():
    columns = {"email": [" Someone@Example.COM ", "nope"], "phone": ["(404) 555-0100", "+44 20 7946 0958"]}
    hashed = meta_columns(columns, ["EMAIL", "PHONE", "FN"])
    assert hashed["EMAIL"] == [sha256_hex("someone@example.com"), ""]
    assert hashed["PHONE"] == [sha256_hex("14045550100"), sha256_hex("442079460958")]
    assert hashed["FN"] == ["", ""]  # a key with no column is unknown for everyone
    assert set(META_KEYS) >= set(hashed)


def test_columns_of_different_lengths_are_refused():
    import pytest

    with pytest.raises(ValueError, match="different lengths"):
        meta_columns({"email": ["a@b.co"], "phone": []}, ["EMAIL", "PHONE"])
    with pytest.raises(ValueError, match="unknown Meta schema keys"):
        meta_columns({"email": ["a@b.co"]}, ["EMAIL", "SHOE"])
