"""Google Ads API over REST (`GoogleAdsService.SearchStream`), served from the world's Google Ads tables.

References (stored copies via the search tool): developers.google.com/google-ads/api/reference/rpc/v26/
GoogleAdsService/SearchStream, .../SearchGoogleAdsStreamResponse, .../QueryErrorEnum.QueryError,
.../AuthorizationErrorEnum, the GAQL grammar (developers.google.com/google-ads/api/docs/query/grammar), and
developers.google.com/google-ads/api/docs/api-policy/developer-token (developer tokens sunset 2026-09-09).

    POST /{version}/customers/{customer_id}/googleAds:searchStream   {"query": "<GAQL>"}
    -> [{"results": [GoogleAdsRow], "fieldMask": "campaign.id,metrics.costMicros,...", "requestId": "..."}, ...]

What the fake reproduces: a JSON array of batches of at most 10,000 rows, the
last carrying `queryResourceConsumption`; rows as proto3 JSON (camelCase keys
nested by resource, `resourceName`s, int64 as strings, metrics equal to zero
left out); results implicitly aggregated over the selected attributes and
segments, like GAQL; Google's error object with a `GoogleAdsFailure` in
`details` for a query it refuses:

    unknown resource in FROM          QueryError.BAD_RESOURCE_TYPE_IN_FROM_CLAUSE
    a field the resource lacks        QueryError.UNRECOGNIZED_FIELD
    segments.date without a range     QueryError.EXPECTED_FILTERS_ON_DATE_RANGE
    unparseable query                 QueryError.EXPECTED_SELECT / EXPECTED_FROM / UNEXPECTED_INPUT
    customer not in the world         403 AuthorizationError.USER_PERMISSION_DENIED
    no bearer                         401 UNAUTHENTICATED

The `developer-token` header is accepted and ignored (sunset); any bearer is
accepted. The GAQL parser covers what our client sends and a little more:
SELECT fields FROM resource [WHERE cond AND ...] [ORDER BY field [ASC|DESC]] [LIMIT n],
where a condition is `field BETWEEN 'a' AND 'b'`, `field DURING YESTERDAY|LAST_7_DAYS|...`,
or `field (=|!=|>|>=|<|<=) value`.

World tables: rooftops.google_ads_customer_id picks the rooftop; ad_campaigns, ad_groups and
ad_stats_daily (platform google_ads) feed `campaign` and `ad_group`; keywords and search_terms_daily
feed `keyword_view` and `search_term_view`. Fault `partial` cuts the stream off mid-way,
as a dropped streaming connection does.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from datetime import date, timedelta
from typing import Any

import pandas as pd

from journey_assets.sandbox.fakes.ga4 import bearer_missing
from journey_assets.sandbox.server import FakeVendor, SandboxRequest, SandboxResponse, route

BATCH_SIZE = 10_000
INT64_METRICS = {"metrics.impressions", "metrics.clicks", "metrics.cost_micros"}
DOUBLE_METRICS = {"metrics.conversions"}

_CAMPAIGN = {"customer.id", "campaign.id", "campaign.name", "campaign.status", "campaign.advertising_channel_type"}
_AD_GROUP = {"ad_group.id", "ad_group.name", "ad_group.status"}
_STATS = {"segments.date", "metrics.impressions", "metrics.clicks", "metrics.cost_micros"}
RESOURCES: dict[str, set[str]] = {
    "campaign": _CAMPAIGN | _STATS | {"metrics.conversions"},
    "ad_group": _CAMPAIGN | _AD_GROUP | _STATS | {"metrics.conversions"},
    "keyword_view": _CAMPAIGN
    | _AD_GROUP
    | _STATS
    | {
        "ad_group_criterion.criterion_id",
        "ad_group_criterion.keyword.text",
        "ad_group_criterion.keyword.match_type",
    },
    "search_term_view": _CAMPAIGN
    | _AD_GROUP
    | _STATS
    | {
        "search_term_view.search_term",
        "search_term_view.status",
        "segments.keyword.ad_group_criterion",
        "segments.keyword.info.text",
        "segments.keyword.info.match_type",
    },
}

STATUSES = {
    "active": "ENABLED",
    "enabled": "ENABLED",
    "live": "ENABLED",
    "paused": "PAUSED",
    "removed": "REMOVED",
    "deleted": "REMOVED",
    "ended": "REMOVED",
    "archived": "REMOVED",
}
CHANNEL_TYPES = {
    "search": "SEARCH",
    "display": "DISPLAY",
    "video": "VIDEO",
    "youtube": "VIDEO",
    "shopping": "SHOPPING",
    "vehicle_listings": "PERFORMANCE_MAX",
    "pmax": "PERFORMANCE_MAX",
    "performance_max": "PERFORMANCE_MAX",
    "local": "LOCAL",
    "demand_gen": "DEMAND_GEN",
    "discovery": "DEMAND_GEN",
}
MATCH_TYPES = {"exact": "EXACT", "phrase": "PHRASE", "broad": "BROAD"}

QUERY = re.compile(
    r"^\s*SELECT\s+(?P<select>.+?)\s+FROM\s+(?P<resource>\S+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>.+?))?(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
CONDITION = re.compile(
    r"\s*(?P<field>[a-z_][\w.]*)\s+(?:"
    r"(?P<between>BETWEEN)\s+(?P<lo>'[^']*'|\S+)\s+AND\s+(?P<hi>'[^']*'|\S+)"
    r"|(?P<during>DURING)\s+(?P<range>\w+)"
    r"|(?P<op>!=|>=|<=|=|>|<)\s*(?P<value>'[^']*'|\"[^\"]*\"|[\w.-]+))\s*",
    re.IGNORECASE,
)


class QueryError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def camel(segment: str) -> str:
    head, *rest = segment.split("_")
    return head + "".join(part.title() for part in rest)


def _unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"" else value


def _mapped(values: pd.Series, mapping: dict[str, str], default: str) -> pd.Series:
    return values.map(
        lambda v: mapping.get(str(v).strip().lower(), str(v).upper() if pd.notna(v) and v != "" else default)
    )


class GoogleAdsFake(FakeVendor):
    name = "google_ads"

    def __init__(self, world: Any):
        super().__init__(world)
        self._lock = threading.Lock()
        self._frames: dict[tuple[str, str], pd.DataFrame] = {}

    # --- errors ---------------------------------------------------------------
    @staticmethod
    def _failure(
        version: str, status: int, grpc_status: str, message: str, kind: str, code: str, detail: str
    ) -> SandboxResponse:
        request_id = uuid.uuid4().hex[:22]
        return SandboxResponse(
            status,
            {
                "error": {
                    "code": status,
                    "message": message,
                    "status": grpc_status,
                    "details": [
                        {
                            "@type": f"type.googleapis.com/google.ads.googleads.{version}.errors.GoogleAdsFailure",
                            "errors": [{"errorCode": {kind: code}, "message": detail}],
                            "requestId": request_id,
                        }
                    ],
                }
            },
        )

    # --- world ----------------------------------------------------------------
    def _dealer(self, customer_id: str) -> str | None:
        rooftops = self.world.table("rooftops")
        if "google_ads_customer_id" not in rooftops.columns:
            return None
        ids = rooftops["google_ads_customer_id"].astype(str).str.replace("-", "", regex=False)
        match = rooftops[ids == customer_id]
        return None if match.empty else str(match.iloc[0]["dealer_id"])

    def _frame(self, customer_id: str, dealer_id: str, resource: str) -> pd.DataFrame:
        key = (customer_id, resource)
        with self._lock:
            if key not in self._frames:
                self._frames[key] = self._build(customer_id, dealer_id, resource)
            return self._frames[key]

    def _campaigns(self, dealer_id: str) -> pd.DataFrame:
        campaigns = self.world.table("ad_campaigns")
        campaigns = campaigns[(campaigns["platform"] == "google_ads") & (campaigns["dealer_id"] == dealer_id)]
        return pd.DataFrame(
            {
                "campaign.id": campaigns["campaign_id"].astype(str).to_numpy(),
                "campaign.name": campaigns["campaign_name"].astype(str).to_numpy(),
                "campaign.status": _mapped(campaigns["status"], STATUSES, "UNKNOWN").to_numpy(),
                "campaign.advertising_channel_type": _mapped(
                    campaigns["objective"], CHANNEL_TYPES, "UNKNOWN"
                ).to_numpy(),
            }
        )

    def _ad_groups(self) -> pd.DataFrame:
        groups = self.world.table("ad_groups")
        groups = groups[groups["platform"] == "google_ads"] if "platform" in groups.columns else groups
        status = groups["status"] if "status" in groups.columns else pd.Series("ENABLED", index=groups.index)
        return pd.DataFrame(
            {
                "ad_group.id": groups["ad_group_id"].astype(str).to_numpy(),
                "ad_group.name": groups["name"].astype(str).to_numpy(),
                "ad_group.status": _mapped(status, STATUSES, "ENABLED").to_numpy(),
            }
        )

    def _build(self, customer_id: str, dealer_id: str, resource: str) -> pd.DataFrame:
        campaigns = self._campaigns(dealer_id)
        if resource in ("campaign", "ad_group"):
            stats = self.world.table("ad_stats_daily")
            stats = stats[(stats["platform"] == "google_ads") & (stats["dealer_id"] == dealer_id)]
            keys = ["date", "campaign_id"] + (["ad_group_id"] if resource == "ad_group" else [])
            grouped = stats.groupby(keys, as_index=False, sort=False)[
                ["impressions", "clicks", "spend", "conversions"]
            ].sum()
            frame = pd.DataFrame(
                {
                    "segments.date": pd.to_datetime(grouped["date"]).dt.strftime("%Y-%m-%d").to_numpy(),
                    "campaign.id": grouped["campaign_id"].astype(str).to_numpy(),
                    "metrics.impressions": grouped["impressions"].astype("int64").to_numpy(),
                    "metrics.clicks": grouped["clicks"].astype("int64").to_numpy(),
                    "metrics.cost_micros": (grouped["spend"].astype(float) * 1_000_000)
                    .round()
                    .astype("int64")
                    .to_numpy(),
                    "metrics.conversions": grouped["conversions"].astype(float).to_numpy(),
                }
            )
            if resource == "ad_group":
                frame["ad_group.id"] = grouped["ad_group_id"].astype(str).to_numpy()
        else:
            terms = self.world.table("search_terms_daily")
            terms = terms[terms["dealer_id"] == dealer_id]
            keywords = self.world.table("keywords")
            words = pd.DataFrame(
                {
                    "keyword_id": keywords["keyword_id"].astype(str),
                    "text": keywords["text"].astype(str),
                    "match_type": _mapped(keywords["match_type"], MATCH_TYPES, "UNKNOWN"),
                }
            )
            keys = ["date", "campaign_id", "ad_group_id", "keyword_id"] + (
                ["search_term"] if resource == "search_term_view" else []
            )
            grouped = terms.groupby(keys, as_index=False, sort=False)[["impressions", "clicks", "cost"]].sum()
            grouped["keyword_id"] = grouped["keyword_id"].astype(str)
            grouped = grouped.merge(words, on="keyword_id", how="left")
            frame = pd.DataFrame(
                {
                    "segments.date": pd.to_datetime(grouped["date"]).dt.strftime("%Y-%m-%d").to_numpy(),
                    "campaign.id": grouped["campaign_id"].astype(str).to_numpy(),
                    "ad_group.id": grouped["ad_group_id"].astype(str).to_numpy(),
                    "metrics.impressions": grouped["impressions"].astype("int64").to_numpy(),
                    "metrics.clicks": grouped["clicks"].astype("int64").to_numpy(),
                    "metrics.cost_micros": (grouped["cost"].astype(float) * 1_000_000)
                    .round()
                    .astype("int64")
                    .to_numpy(),
                }
            )
            if resource == "keyword_view":
                frame["ad_group_criterion.criterion_id"] = grouped["keyword_id"].to_numpy()
                frame["ad_group_criterion.keyword.text"] = grouped["text"].to_numpy()
                frame["ad_group_criterion.keyword.match_type"] = grouped["match_type"].to_numpy()
            else:
                frame["search_term_view.search_term"] = grouped["search_term"].astype(str).to_numpy()
                frame["search_term_view.status"] = "NONE"
                frame["segments.keyword.ad_group_criterion"] = (
                    f"customers/{customer_id}/adGroupCriteria/"
                    + grouped["ad_group_id"].astype(str)
                    + "~"
                    + grouped["keyword_id"]
                ).to_numpy()
                frame["segments.keyword.info.text"] = grouped["text"].to_numpy()
                frame["segments.keyword.info.match_type"] = grouped["match_type"].to_numpy()
        frame["customer.id"] = customer_id
        frame = frame.merge(campaigns, on="campaign.id", how="left")
        if "ad_group.id" in frame.columns:
            frame = frame.merge(self._ad_groups(), on="ad_group.id", how="left")
        return frame

    # --- GAQL -----------------------------------------------------------------
    def _parse(self, query: str) -> dict[str, Any]:
        if not re.match(r"^\s*SELECT\s", query, re.IGNORECASE):
            raise QueryError("EXPECTED_SELECT", "SELECT is missing at the beginning of the query.")
        match = QUERY.match(query)
        if not match:
            if not re.search(r"\sFROM\s", query, re.IGNORECASE):
                raise QueryError("EXPECTED_FROM", "Missing FROM clause.")
            raise QueryError("UNEXPECTED_INPUT", f"Unexpected input in query: {query[:120]}")
        resource = match.group("resource")
        if resource not in RESOURCES:
            raise QueryError(
                "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE",
                f"Invalid resource type was specified in the FROM clause: '{resource}'.",
            )
        fields = [f.strip() for f in match.group("select").split(",")]
        for field in fields:
            if field not in RESOURCES[resource]:
                raise QueryError("UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{field}'.")
        conditions = self._conditions(match.group("where") or "", resource)
        if "segments.date" in fields and not self._date_bounded(conditions):
            raise QueryError(
                "EXPECTED_FILTERS_ON_DATE_RANGE",
                "Filters on segments.date must restrict the query to a finite date range.",
            )
        order = None
        if match.group("order"):
            parts = match.group("order").split()
            if parts[0] not in RESOURCES[resource] or len(parts) > 2:
                raise QueryError("UNEXPECTED_INPUT", f"Cannot order by '{match.group('order')}'.")
            order = (parts[0], len(parts) == 1 or parts[1].upper() == "ASC")
        limit = int(match.group("limit")) if match.group("limit") else None
        return {"resource": resource, "fields": fields, "conditions": conditions, "order": order, "limit": limit}

    def _conditions(self, where: str, resource: str) -> list[tuple[str, str, Any]]:
        conditions, position = [], 0
        while position < len(where):
            match = CONDITION.match(where, position)
            if not match:
                raise QueryError("UNEXPECTED_INPUT", f"Unexpected input in WHERE: {where[position : position + 60]!r}")
            field = match.group("field")
            if field not in RESOURCES[resource]:
                raise QueryError("UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{field}'.")
            if match.group("between"):
                conditions.append((field, ">=", _unquote(match.group("lo"))))
                conditions.append((field, "<=", _unquote(match.group("hi"))))
            elif match.group("during"):
                lo, hi = self._during(match.group("range").upper())
                conditions.append((field, ">=", lo))
                conditions.append((field, "<=", hi))
            else:
                conditions.append((field, match.group("op"), _unquote(match.group("value"))))
            position = match.end()
            joiner = re.match(r"AND\s+", where[position:], re.IGNORECASE)
            if joiner:
                position += joiner.end()
            elif position < len(where):
                raise QueryError("UNEXPECTED_INPUT", f"Expected AND in WHERE near {where[position : position + 40]!r}")
        for field, _, value in conditions:
            if field == "segments.date":
                try:
                    date.fromisoformat(value)
                except ValueError:
                    raise QueryError("BAD_VALUE", f"Invalid date value '{value}' for segments.date.") from None
        return conditions

    def _during(self, name: str) -> tuple[str, str]:
        today = self.world.as_of
        spans = {
            "TODAY": (0, 0),
            "YESTERDAY": (1, 1),
            "LAST_7_DAYS": (7, 1),
            "LAST_14_DAYS": (14, 1),
            "LAST_30_DAYS": (30, 1),
        }
        if name in spans:
            back, front = spans[name]
            return (today - timedelta(days=back)).isoformat(), (today - timedelta(days=front)).isoformat()
        if name == "THIS_MONTH":
            return today.replace(day=1).isoformat(), today.isoformat()
        if name == "LAST_MONTH":
            last = today.replace(day=1) - timedelta(days=1)
            return last.replace(day=1).isoformat(), last.isoformat()
        raise QueryError("BAD_VALUE", f"Unsupported date range literal {name}.")

    @staticmethod
    def _date_bounded(conditions: list[tuple[str, str, Any]]) -> bool:
        ops = {op for field, op, _ in conditions if field == "segments.date"}
        return "=" in ops or (bool(ops & {">=", ">"}) and bool(ops & {"<=", "<"}))

    @staticmethod
    def _filter(frame: pd.DataFrame, conditions: list[tuple[str, str, Any]]) -> pd.DataFrame:
        for field, op, value in conditions:
            column = frame[field]
            if field.startswith("metrics."):
                value = float(value)
            else:
                column = column.astype(str)
            mask = {
                "=": column == value,
                "!=": column != value,
                ">": column > value,
                ">=": column >= value,
                "<": column < value,
                "<=": column <= value,
            }[op]
            frame = frame[mask]
        return frame

    # --- the endpoint ----------------------------------------------------------
    @route("POST", r"/(?P<version>v\d+)/customers/(?P<customer_id>[^/]+)/googleAds:searchStream")
    def search_stream(self, request: SandboxRequest) -> SandboxResponse:
        version = request.params["version"]
        if denied := bearer_missing(request):
            return denied
        customer_id = request.params["customer_id"]
        if not customer_id.isdigit():
            return self._failure(
                version,
                400,
                "INVALID_ARGUMENT",
                "Request contains an invalid argument.",
                "authenticationError",
                "CLIENT_CUSTOMER_ID_INVALID",
                "Client customer ID is not a number.",
            )
        dealer_id = self._dealer(customer_id)
        if dealer_id is None:
            return self._failure(
                version,
                403,
                "PERMISSION_DENIED",
                "The caller does not have permission",
                "authorizationError",
                "USER_PERMISSION_DENIED",
                "User doesn't have permission to access customer. Note: If you're accessing a client "
                "customer, the manager's customer id must be set in the 'login-customer-id' header.",
            )
        try:
            query = (request.json() or {}).get("query") or ""
            parsed = self._parse(query)
        except QueryError as exc:
            return self._failure(
                version,
                400,
                "INVALID_ARGUMENT",
                "Request contains an invalid argument.",
                "queryError",
                exc.code,
                str(exc),
            )
        except (ValueError, AttributeError):
            return self._failure(
                version,
                400,
                "INVALID_ARGUMENT",
                "Invalid JSON payload received.",
                "requestError",
                "INVALID_INPUT",
                "The request body is not a JSON object with a query.",
            )

        frame = self._filter(self._frame(customer_id, dealer_id, parsed["resource"]), parsed["conditions"])
        fields = parsed["fields"]
        metrics = [f for f in fields if f.startswith("metrics.")]
        attributes = [f for f in fields if not f.startswith("metrics.")]
        if attributes and metrics:
            result = frame.groupby(attributes, as_index=False, sort=True, dropna=False)[metrics].sum()
        elif attributes:
            result = frame[attributes].drop_duplicates().sort_values(attributes)
        else:
            result = pd.DataFrame([frame[metrics].sum()])
        if parsed["order"]:
            field, ascending = parsed["order"]
            if field in result.columns:
                result = result.sort_values(field, ascending=ascending, kind="stable")
        if parsed["limit"] is not None:
            result = result.head(parsed["limit"])

        rows = [self._row(record, customer_id) for record in result[fields].to_dict("records")]
        mask = ",".join(".".join(camel(p) for p in f.split(".")) for f in fields)
        request_id = uuid.uuid4().hex[:22]
        batches = [
            {"results": rows[i : i + BATCH_SIZE], "fieldMask": mask, "requestId": request_id}
            for i in range(0, len(rows), BATCH_SIZE)
        ] or [{"fieldMask": mask, "requestId": request_id}]
        batches[-1]["queryResourceConsumption"] = str(max(1, len(rows) // 100))
        if request.fault == "partial":
            text = json.dumps(batches)
            return SandboxResponse(200, text[: max(1, int(len(text) * 0.6))])  # the stream dropped mid-array
        return SandboxResponse(body=batches)

    @staticmethod
    def _row(record: dict[str, Any], customer_id: str) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for field, value in record.items():
            if field in INT64_METRICS:
                if not value:
                    continue  # proto3 JSON drops zeros
                value = str(int(value))
            elif field in DOUBLE_METRICS:
                if not value:
                    continue
                value = float(value)
            elif value is None or (isinstance(value, float) and pd.isna(value)):
                continue
            node = row
            parts = [camel(p) for p in field.split(".")]
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = value
        prefix = f"customers/{customer_id}"
        if "customer" in row:
            row["customer"]["resourceName"] = prefix
        campaign, group = row.get("campaign", {}), row.get("adGroup", {})
        if "id" in campaign:
            campaign["resourceName"] = f"{prefix}/campaigns/{campaign['id']}"
        if "id" in group:
            group["resourceName"] = f"{prefix}/adGroups/{group['id']}"
        criterion = row.get("adGroupCriterion", {})
        if "criterionId" in criterion and "id" in group:
            criterion["resourceName"] = f"{prefix}/adGroupCriteria/{group['id']}~{criterion['criterionId']}"
            row["keywordView"] = {"resourceName": f"{prefix}/keywordViews/{group['id']}~{criterion['criterionId']}"}
        term = row.get("searchTermView", {})
        if "searchTerm" in term and "id" in campaign and "id" in group:
            encoded = base64.urlsafe_b64encode(term["searchTerm"].encode()).decode().rstrip("=")
            term["resourceName"] = f"{prefix}/searchTermViews/{campaign['id']}~{group['id']}~{encoded}"
        return row
