import hashlib

import pytest

from journey_assets.journey.audience import (
    CUSTOMERIO_SEGMENT_MAX_IDS,
    META_MAX_USERS_PER_REQUEST,
    batched,
    diff_audience,
    diff_keyed,
    hash_field,
    meta_payload,
    meta_row,
    meta_session_batches,
    normalize_city,
    normalize_country,
    normalize_email,
    normalize_gender,
    normalize_name,
    normalize_phone,
    normalize_state,
    normalize_zip,
    sha256_hex,
)


def test_diff_adds_and_removes_sorted():
    d = diff_audience(["c", "a", "b", "a"], ["b", "d"])
    assert d.adds == ("a", "c") and d.removes == ("d",) and d.unchanged == 1
    assert diff_audience(["x"], ["x"]).is_empty


def test_keyed_diff_detects_attribute_changes():
    d = diff_keyed({"1": "h1", "2": "h2-new", "3": "h3"}, {"2": "h2", "3": "h3", "4": "h4"})
    assert (d.adds, d.updates, d.removes, d.unchanged) == (("1",), ("2",), ("4",), 1)


def test_batches_of_vendor_size():
    ids = [str(i) for i in range(2_501)]
    chunks = list(batched(ids, CUSTOMERIO_SEGMENT_MAX_IDS))
    assert [len(c) for c in chunks] == [1000, 1000, 501]
    assert [x for c in chunks for x in c] == ids
    assert list(batched([], 10)) == []
    with pytest.raises(ValueError):
        list(batched(ids, 0))


# Digests Meta publishes for its normalization examples (Conversions API customer
# information parameters, same rules as custom audiences).
META_VECTORS = [
    ("EMAIL", "John_Smith@gmail.com", "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"),
    ("PHONE", "(650)555-1212", "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"),
    ("FN", "Mary", "6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec"),
    ("LN", "정", "8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14"),
    ("FN", "Valéry", "08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c"),
    ("COUNTRY", "United States", "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"),
]


@pytest.mark.parametrize("key, raw, digest", META_VECTORS)
def test_meta_published_vectors(key, raw, digest):
    assert hash_field(key, raw) == digest


def test_sha256_is_lowercase_hex_of_utf8():
    # FIPS 180-2 test vector
    assert sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert hash_field("EMAIL", "  Test@Example.COM ") == (
        "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b"
    )


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("+1 (650) 555-1212", "16505551212"),
        ("650.555.1212", "16505551212"),
        ("1-650-555-1212", "16505551212"),
        ("0044 20 7946 0958", "442079460958"),
        ("+44 20 7946 0958", "442079460958"),
        ("call me", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_phone_digits_only_with_country_code_no_leading_zeros(raw, expected):
    assert normalize_phone(raw) == expected


def test_national_number_uses_default_country_code():
    assert normalize_phone("020 7946 0958", default_country_code="44") == "442079460958"


def test_names_cities_states_zips_countries_gender():
    assert normalize_name("  O'Brien-Smith ") == "obriensmith"
    assert normalize_name("Ángela") == "ángela"
    assert normalize_name("Mary Ann") == "maryann"
    assert normalize_city("New York") == "newyork"
    assert normalize_city("St. Louis") == "stlouis"
    assert normalize_state("CA") == "ca" and normalize_state("New York") == "ny"
    assert normalize_state(" Ontario ") == "ontario"
    assert normalize_zip("94303-5300") == "94303" and normalize_zip(" 02139 ") == "02139"
    assert normalize_zip("SW1A 1AA", country="GB") == "sw1a1aa"
    assert normalize_zip("M1 1AE", country="gb") == "m11ae"
    assert normalize_country("USA") == "us" and normalize_country("CA") == "ca"
    assert normalize_country("Narnia") == ""
    assert normalize_gender("Female") == "f" and normalize_gender("M") == "m" and normalize_gender("x") == ""
    assert normalize_email("not-an-email") == ""


def test_unknown_values_are_empty_not_hash_of_empty():
    assert hash_field("EMAIL", None) == ""
    assert hash_field("FN", "!!!") == ""
    assert hash_field("EXTERN_ID", " crm-42 ") == "crm-42"  # not hashed
    with pytest.raises(ValueError):
        hash_field("SSN", "123")


def test_meta_row_and_payload():
    schema = ["EXTERN_ID", "EMAIL", "PHONE", "FN", "LN", "ZIP", "COUNTRY", "GEN"]
    row = meta_row(
        {
            "extern_id": "c-1",
            "email": " Ann@Example.com",
            "phone": "555-010-2000",
            "fn": "Ann",
            "ln": "Lee",
            "zip": "74103-1111",
            "gen": "female",
        },
        schema,
    )
    h = lambda s: hashlib.sha256(s.encode()).hexdigest()  # noqa: E731
    assert row == ["c-1", h("ann@example.com"), h("15550102000"), h("ann"), h("lee"), h("74103"), "", h("f")]
    payload = meta_payload([row], schema)
    assert payload == {"schema": schema, "data": [row]}
    # the string form is Meta's single-key name; any other one-key schema is a one-element list
    assert meta_payload([["x"]], ["EMAIL"])["schema"] == "EMAIL_SHA256"
    assert meta_payload([["x"]], ["EXTERN_ID"])["schema"] == ["EXTERN_ID"]
    with pytest.raises(ValueError):
        meta_payload([row], ["EMAIL", "SHOE_SIZE"])


def test_meta_session_batches():
    rows = [[str(i)] for i in range(25)]
    batches = meta_session_batches(rows, ["EXTERN_ID"], session_id=987654321, batch_size=10)
    assert [len(b["payload"]["data"]) for b in batches] == [10, 10, 5]
    assert [b["session"]["batch_seq"] for b in batches] == [1, 2, 3]
    assert [b["session"]["last_batch_flag"] for b in batches] == [False, False, True]
    assert all(b["session"]["estimated_num_total"] == 25 for b in batches)
    with pytest.raises(ValueError):
        meta_session_batches(rows, ["EMAIL"], 1, batch_size=META_MAX_USERS_PER_REQUEST + 1)
