"""The sandbox world as the CRM's contact book sees it: which customers the CRM holds, since when, in its wire shape.

The CRM holds the world's customers whose record started there (`source` crm or
web) and every customer a CRM lead references (a DMS customer who sent a lead
has a CRM contact from that lead on). A contact is created with the first of
those and never changes afterwards in the world, so `updated_at` is its
creation time; a write through the API would move it.

The wire shape follows dealer CRMs' contact APIs (VinSolutions' Connect
contacts and DealerSocket's customer records keep a person's emails, phones and
addresses as typed lists, and the contact preferences apart from them): one
contact is

    {"id", "dealer_id", "first_name", "last_name",
     "emails": [{"address", "type": "personal", "preferred": true}],
     "phones": [{"number", "type": "mobile", "preferred": true}],
     "addresses": [{"type": "home", "street", "city", "state", "postal_code"}],
     "birth_year", "gender",
     "communication": {"preferred_channel", "sms_opt_in", "email_opt_in"},
     "created_at", "updated_at"}

with an empty list where the CRM has no value. The values are the world's as
entered (messy case, phone formats, typos): normalizing them is the pipeline's job.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

CONTACT_FIELDS = (
    "id",
    "dealer_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "address",
    "city",
    "state",
    "zip",
    "birth_year",
    "gender",
    "preferred_channel",
    "sms_consent",
    "email_consent",
    "created_at",
    "updated_at",
)


def _table(world: Any, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """A world table with at least `columns` (missing ones empty): hand-built worlds hold only what a test needs."""
    try:
        frame = world.table(name).copy()
    except KeyError:
        frame = pd.DataFrame(columns=list(columns))
    for column in columns:
        if column not in frame.columns:
            frame[column] = None
    return frame


def contact_frame(world: Any) -> pd.DataFrame:
    """One row per contact the CRM holds, indexed by id, with created_at/updated_at as UTC timestamps."""
    customers = _table(world, "customers", ("customer_id", *CONTACT_FIELDS[1:-2], "created_at", "source"))
    customers["created_at"] = pd.to_datetime(customers["created_at"], utc=True)
    leads = _table(world, "leads", ("customer_id", "dealer_id", "created_at")).dropna(subset=["customer_id"])
    leads = leads.assign(created_at=pd.to_datetime(leads["created_at"], utc=True)).sort_values("created_at")
    first_lead = leads.groupby("customer_id")["created_at"].min()
    lead_dealer = leads.drop_duplicates("customer_id").set_index("customer_id")["dealer_id"]
    # A world without sources says nothing about where records began: the CRM holds them all.
    started_here = customers["source"].isin(["crm", "web"]) | customers["source"].isna()
    lead_created = customers["customer_id"].map(first_lead)
    held = customers[started_here | lead_created.notna()].copy()
    # A record that started in the CRM exists from its creation; one a lead brought in, from that lead.
    created = held["created_at"].where(started_here[held.index], lead_created[held.index])
    as_of = pd.Timestamp(world.as_of, tz="UTC")
    held["created_at"] = created.fillna(lead_created[held.index]).fillna(as_of)
    held["updated_at"] = held["created_at"]
    held["dealer_id"] = held["dealer_id"].fillna(held["customer_id"].map(lead_dealer))  # the lead's rooftop
    held = held.rename(columns={"customer_id": "id"})
    held["id"] = held["id"].astype(str)
    return held[list(CONTACT_FIELDS)].set_index("id", drop=False).rename_axis(None)


def _value(value: Any) -> Any:
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    return value.item() if hasattr(value, "item") else value


def contact_json(row: dict[str, Any], iso) -> dict[str, Any]:
    """One contact in the CRM's wire shape; `iso` renders a timestamp."""
    email, phone = _value(row.get("email")), _value(row.get("phone"))
    address = _value(row.get("address"))
    return {
        "id": row["id"],
        "dealer_id": _value(row.get("dealer_id")),
        "first_name": _value(row.get("first_name")),
        "last_name": _value(row.get("last_name")),
        "emails": [{"address": email, "type": "personal", "preferred": True}] if email is not None else [],
        "phones": [{"number": phone, "type": "mobile", "preferred": True}] if phone is not None else [],
        "addresses": [
            {
                "type": "home",
                "street": address,
                "city": _value(row.get("city")),
                "state": _value(row.get("state")),
                "postal_code": _value(row.get("zip")),
            }
        ]
        if address is not None
        else [],
        "birth_year": _value(row.get("birth_year")),
        "gender": _value(row.get("gender")),
        "communication": {
            "preferred_channel": _value(row.get("preferred_channel")),
            "sms_opt_in": bool(_value(row.get("sms_consent")) or False),
            "email_opt_in": bool(_value(row.get("email_consent")) or False),
        },
        "created_at": iso(row.get("created_at")),
        "updated_at": iso(row.get("updated_at")),
    }
