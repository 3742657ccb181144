"""The response plane's copy of the warehouse's latest features: one row per known person, by identity key.

The response plane never waits for the warehouse (DuckDB allows one writer and the nightly job holds it for
minutes; BigQuery answers in seconds, not milliseconds), so a nightly step (`defs/respond/features.py`)
copies each person's newest row of `marts.fct_customer_features_daily` here, with the identity keys the
ledger uses (`contact.identity_key`: SHA-256 of `phone:<E.164>`, `email:<lowercase>`,
`customer:<dealer>:<id>`, `client:<GA4 client id>`), never the raw values.

`FeatureStore` is the interface; `SQLiteFeatureStore` (`features_sqlite.py`, local) and
`PostgresFeatureStore` (`features_postgres.py`, prod) implement it over the same two tables, and
`features_factory.open_feature_store(spec)` picks one, as the ledger does.

Tables
------
people       customer_key -> dealer_id, feature_date, features (JSON: the mart's columns), loaded_at.
person_keys  identity_key -> customer_key. A key two people share (a household's landline, a
             placeholder email) names nobody: it is left out at load, rather than guessed.

A load replaces the whole snapshot in one transaction, so a lookup sees last night's copy or
tonight's, never half of each.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

# marts.fct_customer_features_daily counts a month as this many days (dbt var features_days_per_month);
# the lease's maturity date is read back from months_to_lease_maturity with it (a day either way at most).
DAYS_PER_MONTH = 30.44


@dataclass(frozen=True)
class PersonFeatures:
    """One person's newest feature row: `features` holds the mart's columns by name (None where null)."""

    customer_key: str
    dealer_id: str | None
    feature_date: date
    features: Mapping[str, Any]
    keys: tuple[str, ...] = ()

    @property
    def lease_maturity_date(self) -> date | None:
        months = self.features.get("months_to_lease_maturity")
        if months is None:
            return None
        return self.feature_date + timedelta(days=round(float(months) * DAYS_PER_MONTH))

    @property
    def prior_service_customer(self) -> bool:
        """Serviced here at least once by the feature date."""
        return self.features.get("months_since_service") is not None


@dataclass(frozen=True)
class FeatureLoad:
    people: int
    keys: int
    ambiguous_keys: int  # held by more than one person: left out
    loaded_at: datetime


@dataclass
class _KeyIndex:
    owners: dict[str, set[str]] = field(default_factory=dict)

    def add(self, person: PersonFeatures) -> None:
        for key in person.keys:
            self.owners.setdefault(key, set()).add(person.customer_key)

    def unambiguous(self) -> list[tuple[str, str]]:
        return sorted((key, next(iter(owners))) for key, owners in self.owners.items() if len(owners) == 1)

    @property
    def ambiguous(self) -> int:
        return sum(1 for owners in self.owners.values() if len(owners) > 1)


def split_keys(people: Iterable[PersonFeatures]) -> tuple[list[PersonFeatures], list[tuple[str, str]], int]:
    """(people by customer key, the (key, customer_key) pairs that name one person, how many keys were shared)."""
    by_customer: dict[str, PersonFeatures] = {}
    index = _KeyIndex()
    for person in people:
        by_customer[person.customer_key] = person
        index.add(person)
    return list(by_customer.values()), index.unambiguous(), index.ambiguous


class FeatureStore(ABC):
    """The latest features per person, looked up by the hashed identity keys of a contact."""

    @abstractmethod
    def replace(self, people: Iterable[PersonFeatures], loaded_at: datetime) -> FeatureLoad:
        """Replace the whole snapshot with `people` in one transaction."""

    def lookup(self, keys: Sequence[str]) -> PersonFeatures | None:
        """The person the first of `keys` (most specific first) names, or None for nobody known."""
        if not keys:
            return None
        owners = self._owners(keys)
        customer_key = next((owners[k] for k in keys if k in owners), None)
        if customer_key is None:
            return None
        row = self._person(customer_key)
        if row is None:
            return None
        dealer_id, feature_date, features = row
        mine = tuple(k for k in keys if owners.get(k) == customer_key)
        return PersonFeatures(customer_key, dealer_id, feature_date, features, mine)

    @abstractmethod
    def _owners(self, keys: Sequence[str]) -> dict[str, str]:
        """identity_key -> customer_key for those of `keys` the snapshot has."""

    @abstractmethod
    def _person(self, customer_key: str) -> tuple[str, date, dict[str, Any]] | None:
        """(dealer_id, feature_date, features) of one person in the snapshot, or None."""

    @abstractmethod
    def count(self) -> int:
        """People in the snapshot."""

    @abstractmethod
    def loaded_at(self) -> datetime | None:
        """When the snapshot was loaded (None: never)."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> FeatureStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
