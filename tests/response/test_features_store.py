"""The response plane's feature store, run against SQLite and Postgres: a load replaces the snapshot whole,
a lookup finds a person by the first of a contact's keys that names one, a key two people share names nobody,
and a lookup during a load sees one snapshot. The Postgres half needs JOURNEY_TEST_POSTGRES_URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from support.pg_helpers import postgres_schema, schema_spec

from journey_assets.response.contact import identity_key
from journey_assets.response.features import FeatureStore, PersonFeatures
from journey_assets.response.features_factory import open_feature_store

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
DAY = date(2026, 11, 29)
ANN_PHONE, ANN_EMAIL = identity_key("phone", "+13035550100"), identity_key("email", "ann@example.com")
BEN_EMAIL = identity_key("email", "ben@example.com")
SHARED_PHONE = identity_key("phone", "+13035550999")


def person(key: str, *keys: str, **features) -> PersonFeatures:
    return PersonFeatures(key, "D01", DAY, {"leads_90d": 0, "months_to_lease_maturity": None, **features}, keys)


@pytest.fixture(params=["sqlite", "postgres"])
def store_spec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "response" / "features.sqlite3")
        return
    yield from (schema_spec(url, schema) for url, schema in postgres_schema("test_features"))


@pytest.fixture
def store(store_spec: str) -> Iterator[FeatureStore]:
    opened = open_feature_store(store_spec)
    yield opened
    opened.close()


def test_the_spec_picks_the_implementation(store_spec: str, store: FeatureStore) -> None:
    expected = "PostgresFeatureStore" if store_spec.startswith("postgresql://") else "SQLiteFeatureStore"
    assert type(store).__name__ == expected
    assert store.count() == 0 and store.loaded_at() is None and store.lookup([ANN_PHONE]) is None


def test_a_postgres_spec_never_carries_a_password() -> None:
    with pytest.raises(ValueError, match="PGPASSWORD") as refused:
        open_feature_store("postgresql://journey:s3cret-pw@db.internal/dagster")
    assert "s3cret-pw" not in str(refused.value)


def test_a_person_is_found_by_any_of_their_keys_with_their_features(store: FeatureStore) -> None:
    load = store.replace(
        [person("ann", ANN_PHONE, ANN_EMAIL, leads_90d=2, latest_lead_type_30d="test_drive", lease_closeness=0.5)],
        T0,
    )
    assert (load.people, load.keys, load.ambiguous_keys) == (1, 2, 0)
    unknown = identity_key("email", "nobody@example.com")
    found = store.lookup([unknown, ANN_EMAIL])
    assert found is not None and found.customer_key == "ann" and found.dealer_id == "D01"
    assert found.feature_date == DAY and found.keys == (ANN_EMAIL,)
    assert found.features["leads_90d"] == 2 and found.features["latest_lead_type_30d"] == "test_drive"
    assert found.features["lease_closeness"] == 0.5 and found.features["months_to_lease_maturity"] is None
    assert store.lookup([unknown]) is None and store.lookup([]) is None
    assert store.count() == 1 and store.loaded_at() == T0


def test_the_first_key_that_names_someone_wins(store: FeatureStore) -> None:
    store.replace([person("ann", ANN_PHONE), person("ben", BEN_EMAIL)], T0)
    assert store.lookup([ANN_PHONE, BEN_EMAIL]).customer_key == "ann"
    assert store.lookup([BEN_EMAIL, ANN_PHONE]).customer_key == "ben"


def test_a_key_two_people_share_names_nobody(store: FeatureStore) -> None:
    load = store.replace([person("ann", SHARED_PHONE, ANN_EMAIL), person("ben", SHARED_PHONE, BEN_EMAIL)], T0)
    assert (load.people, load.keys, load.ambiguous_keys) == (2, 2, 1)
    assert store.lookup([SHARED_PHONE]) is None
    assert store.lookup([SHARED_PHONE, BEN_EMAIL]).customer_key == "ben"


def test_a_load_replaces_the_whole_snapshot(store: FeatureStore) -> None:
    store.replace([person("ann", ANN_PHONE, leads_90d=1), person("ben", BEN_EMAIL)], T0)
    later = T0 + timedelta(days=1)
    store.replace([person("ann", ANN_PHONE, leads_90d=3)], later)
    assert store.count() == 1 and store.loaded_at() == later
    assert store.lookup([BEN_EMAIL]) is None and store.lookup([ANN_PHONE]).features["leads_90d"] == 3


def test_a_failed_load_keeps_last_nights_snapshot(store: FeatureStore) -> None:
    store.replace([person("ann", ANN_PHONE)], T0)

    def broken() -> Iterator[PersonFeatures]:
        yield person("ben", BEN_EMAIL)
        raise RuntimeError("the warehouse went away mid-read")

    with pytest.raises(RuntimeError):
        store.replace(broken(), T0 + timedelta(days=1))
    assert store.count() == 1 and store.lookup([ANN_PHONE]) is not None


def test_lookups_during_a_load_see_one_snapshot_or_the_other(store_spec: str, store: FeatureStore) -> None:
    old = [person(f"p{i}", identity_key("email", f"p{i}@example.com"), leads_90d=1) for i in range(2000)]
    new = [person(f"p{i}", identity_key("email", f"p{i}@example.com"), leads_90d=2) for i in range(2000)]
    store.replace(old, T0)
    probe = [identity_key("email", "p0@example.com")]
    seen: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        reader = open_feature_store(store_spec)
        try:
            while not stop.is_set():
                found = reader.lookup(probe)
                seen.add(found.features["leads_90d"] if found else 0)
        finally:
            reader.close()

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for _ in range(3):
            store.replace(new, T0 + timedelta(days=1))
            store.replace(old, T0 + timedelta(days=2))
    finally:
        stop.set()
        thread.join()
    assert 0 not in seen and seen <= {1, 2}


def test_lease_maturity_and_service_read_back_from_the_features() -> None:
    leased = person("ann", months_to_lease_maturity=2.0, months_since_service=1.5)
    assert leased.lease_maturity_date == DAY + timedelta(days=61) and leased.prior_service_customer
    never = person("ben", months_since_service=None)
    assert never.lease_maturity_date is None and not never.prior_service_customer
