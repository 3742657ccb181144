"""The nightly copy of the latest features into the response plane's store, from the small world's warehouse:
every person of the newest feature day, found by any of their hashed identifiers with the mart's values, and no
raw email or phone in the store."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from journey_assets.defs.respond.features import FeatureStoreResource, WarehouseReaderResource, person_features
from journey_assets.response.contact import identity_key
from journey_assets.response.features_factory import open_feature_store


@pytest.fixture(scope="module")
def copied(small_warehouse, tmp_path_factory):
    spec = str(tmp_path_factory.mktemp("respond") / "features.sqlite3")
    result = dg.materialize(
        [person_features],
        resources={
            "respond_warehouse": WarehouseReaderResource(duckdb_path=str(small_warehouse.duckdb_path)),
            "respond_features": FeatureStoreResource(spec=spec),
        },
    )
    assert result.success
    with duckdb.connect(str(small_warehouse.duckdb_path), read_only=True) as db:
        latest = db.sql(
            "select * from marts.fct_customer_features_daily"
            " where feature_date = (select max(feature_date) from marts.fct_customer_features_daily)"
        ).df()
        people = db.sql("select customer_key, email, phone from marts.dim_customers").df()
    return spec, result, latest, people


def test_every_person_of_the_newest_day_is_copied(copied):
    spec, result, latest, _ = copied
    metadata = result.asset_materializations_for_node("respond__person_features")[0].metadata
    assert metadata["dagster/row_count"].value == len(latest) > 1000
    assert metadata["feature_date"].value == str(latest["feature_date"].max().date())
    assert metadata["people_without_keys"].value == 0
    with open_feature_store(spec) as store:
        assert store.count() == len(latest)


def test_a_person_is_found_by_email_or_phone_with_the_marts_values(copied):
    spec, _, latest, people = copied
    known = people[people["customer_key"].isin(latest["customer_key"])].dropna(subset=["email", "phone"]).head(25)
    assert len(known) == 25
    with open_feature_store(spec) as store:
        for row in known.itertuples():
            by_email = store.lookup([identity_key("email", row.email)])
            by_phone = store.lookup([identity_key("phone", row.phone)])
            # a shared phone or email names nobody; a key that names someone names this person
            found = [p for p in (by_email, by_phone) if p is not None]
            assert found and all(p.customer_key == row.customer_key for p in found)
            mart = latest[latest["customer_key"] == row.customer_key].iloc[0]
            values = found[0].features
            assert values["leads_90d"] == mart["leads_90d"] and values["vdp_views_30d"] == mart["vdp_views_30d"]
            assert found[0].prior_service_customer == (mart["months_since_service"] == mart["months_since_service"])


def test_no_raw_contact_data_reaches_the_store(copied):
    spec, _, latest, people = copied
    sample = people[people["customer_key"].isin(latest["customer_key"])].dropna(subset=["email", "phone"]).head(50)
    raw = b"".join(Path(p).read_bytes() for p in (spec, spec + "-wal") if Path(p).exists())
    assert not [e for e in sample["email"] if e.encode() in raw]
    assert not [p for p in sample["phone"] if p.encode() in raw]
