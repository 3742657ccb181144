"""Reference tables with no history: US ZIP centroids and the dealer group's rooftops, each replaced whole per run.

ZIP centroids come from the `zipcodes` package (MIT, its data offline in the
wheel: USPS ZIPs with a centroid, city, state and time zone), so the distance
from a customer's ZIP to the nearest rooftop needs no geocoding API. Rooftops
are the dealer group's configuration (JOURNEY_ROOFTOPS_FILE, what the ingest
resources read), so dbt can join a GA4 property or a ZIP to its rooftop.
Neither is partitioned: the table is the current list (Table.partition_column None).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import zipcodes

from journey_assets.sources.spec import Table

ZIP_CENTROIDS = Table(
    name="zip_centroids",
    description="Every US ZIP code with its centroid, city, state and time zone, from the zipcodes package.",
    columns={
        "zip_code": "string",
        "zip_code_type": "string",
        "active": "bool",
        "city": "string",
        "state": "string",
        "county": "string",
        "timezone": "string",
        "latitude": "float",
        "longitude": "float",
        "loaded_at": "timestamp",
    },
    partition_column=None,
    key=("zip_code",),
    not_null=("zip_code", "loaded_at"),
    quarantined=False,
)
ROOFTOPS = Table(
    name="rooftops",
    description="The dealer group's rooftops and their vendor account ids, as configured (JOURNEY_ROOFTOPS_FILE).",
    columns={
        "dealer_id": "string",
        "name": "string",
        "address": "string",
        "city": "string",
        "state": "string",
        "zip": "string",
        "timezone": "string",
        "brands": "string",
        "latitude": "float",
        "longitude": "float",
        "website": "string",
        "phone": "string",
        "ga4_property_id": "string",
        "google_ads_customer_id": "string",
        "meta_ad_account_id": "string",
        "meta_page_id": "string",
        "gbp_location_id": "string",
        "loaded_at": "timestamp",
    },
    partition_column=None,
    key=("dealer_id",),
    not_null=("dealer_id", "loaded_at"),
    quarantined=False,
)
TABLES = (ZIP_CENTROIDS, ROOFTOPS)


def _float(value: Any) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def zip_centroid_rows(loaded_at: datetime | None = None) -> list[dict[str, Any]]:
    loaded_at = loaded_at or datetime.now(UTC)
    return [
        {
            "zip_code": z["zip_code"],
            "zip_code_type": z.get("zip_code_type"),
            "active": bool(z.get("active")),
            "city": z.get("city"),
            "state": z.get("state"),
            "county": z.get("county"),
            "timezone": z.get("timezone"),
            "latitude": _float(z.get("lat")),
            "longitude": _float(z.get("long")),
            "loaded_at": loaded_at,
        }
        for z in zipcodes.list_all()
    ]


def rooftop_rows(rooftops: Iterable[Mapping[str, Any]], loaded_at: datetime | None = None) -> list[dict[str, Any]]:
    """The configured rooftops as rows; ids that a config writes as numbers are kept as text, coordinates as floats."""
    loaded_at = loaded_at or datetime.now(UTC)
    rows = []
    for rooftop in rooftops:
        row: dict[str, Any] = {}
        for column, kind in ROOFTOPS.columns.items():
            value = rooftop.get(column)
            if kind == "float":
                row[column] = _float(value)
            elif kind == "string":
                row[column] = None if value in (None, "") else str(value)
        rows.append({**row, "loaded_at": loaded_at})
    return rows
