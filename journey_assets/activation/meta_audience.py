"""A Meta custom audience (customer list) as a sync destination.

`prepare()` finds the audience by name in the ad account (creating it as a CUSTOM customer list when
missing) and says whether Meta will let an ad set target it: below the targetable minimum (about 100
matched people) `delivery_status` is 300 "too small", reported as `targetable: False` with Meta's words.

`send()` turns each change's raw identifiers into one normalized, SHA-256 hashed row
(`journey.audience.meta_row`), adds (ADD, UPDATE) or removes (REMOVE) them in requests of at most
10,000 rows. A change whose identifiers normalize to nothing Meta can match is not sent and is answered
permanent ("no usable identifier"). A refused request answers each of its rows not accepted with Meta's
reason, transient (5xx/rate limits after the client's retries, "a replace is in progress") or permanent.
Meta's answer names no row, so `num_invalid_entries` is recorded as a count (with `valid_share`, the share
of the rows given that Meta took as valid entries) rather than mapped back to rows.

UPDATE adds the new identifiers; the contract carries no old values, so an identifier someone no longer
has stays in the audience until the next full refresh (`replace`, Meta's `usersreplace` session).

Params (`build(params, client)`, kind `meta_audience`):
  account_id            the ad account (digits or act_<digits>), required
  audience_name         the audience, found or created by this name, required
  description           for a created audience (default "")
  customer_file_source  USER_PROVIDED_ONLY (default), PARTNER_PROVIDED_ONLY, BOTH_USER_AND_PARTNER_PROVIDED
  default_country_code  the calling code a 10-digit phone gets (default "1")
  batch_size            rows a request, 1..10,000 (default 10,000)

Kind `meta_audience_by_account` (`MetaAudiencesByAccount`, decision 1141): the same params without
account_id, plus account_field (the mapped column naming each row's ad account, required) and rooftop_field
(default dealer_id): one audience "<audience_name> <rooftop>" per rooftop in its own ad account, found or
created when its first change of a run comes; the syncs' primary key carries the account (member_key).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from journey_assets.activation.contract import Change, Operation, RowResult, Sent
from journey_assets.activation.spec import SyncSpec, SyncSpecError, register_destination
from journey_assets.connectors.http import PermanentVendorError, VendorError
from journey_assets.connectors.meta import MetaGraphClient, UploadResult
from journey_assets.journey.audience import META_MAX_USERS_PER_REQUEST, UNHASHED_KEYS, batched, meta_row, meta_rows

DESTINATION_KIND = "meta_audience"
# The identifiers a change's fields may carry (raw, as the warehouse holds them) -> Meta's schema key.
FIELD_KEYS: dict[str, str] = {
    "email": "EMAIL",
    "phone": "PHONE",
    "fn": "FN",
    "first_name": "FN",
    "ln": "LN",
    "last_name": "LN",
    "zip": "ZIP",
    "postal_code": "ZIP",
    "ct": "CT",
    "city": "CT",
    "st": "ST",
    "state": "ST",
    "country": "COUNTRY",
    "external_id": "EXTERN_ID",
    "extern_id": "EXTERN_ID",
}
SCHEMA = ("EMAIL", "PHONE", "FN", "LN", "ZIP", "CT", "ST", "COUNTRY", "EXTERN_ID")
NO_IDENTIFIER = "no usable identifier: email, phone or name with zip/city normalize to nothing"


def hashed_row(fields: Mapping[str, Any], default_country_code: str | None = "1") -> list[str]:
    """The change's raw identifiers as one Meta row for `SCHEMA` (normalized, hashed; extern id kept)."""
    record: dict[str, Any] = {}
    for name, value in fields.items():
        key = FIELD_KEYS.get(name.lower())
        if key is not None and value is not None and key not in record:
            record[key] = value
    return meta_row(record, SCHEMA, default_country_code=default_country_code)


def hashed_rows(records: Sequence[Mapping[str, Any]], default_country_code: str | None = "1") -> list[tuple[str, ...]]:
    """`hashed_row` for many records at once, through the vectorized `meta_rows` (the same strings)."""
    columns: dict[str, list[Any]] = {key: [None] * len(records) for key in SCHEMA}
    for n, fields in enumerate(records):
        seen: set[str] = set()
        for name, value in fields.items():
            key = FIELD_KEYS.get(name.lower())
            if key is not None and value is not None and key not in seen:
                columns[key][n] = value
                seen.add(key)
    return meta_rows(columns, SCHEMA, default_country_code=default_country_code)


def matchable(row: Sequence[str]) -> bool:
    """At least one hashed identifier (an extern id alone matches nobody on a new list)."""
    return any(value for key, value in zip(SCHEMA, row, strict=True) if key not in UNHASHED_KEYS)


class MetaAudienceDestination:
    name = "meta_audience"

    def __init__(
        self,
        client: MetaGraphClient,
        account_id: str,
        audience_name: str,
        *,
        description: str = "",
        customer_file_source: str = "USER_PROVIDED_ONLY",
        default_country_code: str | None = "1",
        batch_size: int = META_MAX_USERS_PER_REQUEST,
    ):
        if not 0 < batch_size <= META_MAX_USERS_PER_REQUEST:
            raise ValueError(f"a Meta request takes 1..{META_MAX_USERS_PER_REQUEST} users")
        if not str(account_id).strip() or not audience_name.strip():
            raise ValueError("a meta_audience destination needs account_id and audience_name")
        self.client = client
        self.account_id = str(account_id)
        self.audience_name = audience_name
        self.description = description
        self.customer_file_source = customer_file_source
        self.default_country_code = default_country_code
        self.batch_size = batch_size
        self.audience_id: str | None = None

    # --- contract -------------------------------------------------------------
    def prepare(self) -> dict[str, Any]:
        status, created = self.client.find_or_create_audience(
            self.account_id,
            self.audience_name,
            description=self.description,
            customer_file_source=self.customer_file_source,
        )
        self.audience_id = status.id
        facts: dict[str, Any] = {
            "audience_id": status.id,
            "audience_name": self.audience_name,
            "created": created,
            "approximate_count_lower_bound": status.count_lower,
            "approximate_count_upper_bound": status.count_upper,
            "targetable": status.targetable,
            "delivery_status": status.delivery,
        }
        if not status.targetable:
            facts["not_targeted_because"] = f"Meta delivery_status {status.delivery_code}: {status.delivery}"
        return facts

    def send(self, changes: Sequence[Change]) -> Sent:
        audience_id = self._audience_id()
        results: list[RowResult] = []
        adds: list[tuple[Change, Sequence[str]]] = []
        removes: list[tuple[Change, Sequence[str]]] = []
        for change, row in zip(
            changes, hashed_rows([c.fields for c in changes], self.default_country_code), strict=True
        ):
            if not matchable(row):
                results.append(RowResult(change.primary_key, change.operation, False, NO_IDENTIFIER))
                continue
            (removes if change.operation is Operation.REMOVE else adds).append((change, row))
        totals = {"requests": 0, "num_received": 0, "num_invalid_entries": 0}
        for method, group in (("add", adds), ("remove", removes)):
            for chunk in batched(group, self.batch_size):
                rows = [row for _, row in chunk]
                try:
                    if method == "add":
                        answer = self.client.add_users(audience_id, SCHEMA, rows)
                    else:
                        answer = self.client.remove_users(audience_id, SCHEMA, rows)
                except VendorError as exc:
                    results.extend(self._refused(chunk, exc))
                    continue
                self._count(totals, answer)
                results.extend(RowResult(c.primary_key, c.operation, True) for c, _ in chunk)
        return Sent(results, self._metrics(totals, len(changes), len(adds) + len(removes)))

    def replace(self, desired: Sequence[Change], leaving: Sequence[Change] = ()) -> Sent:
        """Make the audience hold exactly `desired` through one usersreplace session; `leaving` (the members
        the diff removes) are dropped by the session itself and answered with its outcome."""
        audience_id = self._audience_id()
        results: list[RowResult] = []
        sendable: list[tuple[Change, Sequence[str]]] = []
        for change, row in zip(
            desired, hashed_rows([c.fields for c in desired], self.default_country_code), strict=True
        ):
            if matchable(row):
                sendable.append((change, row))
            else:
                results.append(RowResult(change.primary_key, change.operation, False, NO_IDENTIFIER))
        totals = {"requests": 0, "num_received": 0, "num_invalid_entries": 0}
        try:
            answer = self.client.replace_users(
                audience_id, SCHEMA, [row for _, row in sendable], batch_size=self.batch_size
            )
        except VendorError as exc:
            results.extend(self._refused([*sendable, *((c, ()) for c in leaving)], exc))
        else:
            self._count(totals, answer)
            results.extend(RowResult(c.primary_key, c.operation, True) for c, _ in sendable)
            results.extend(RowResult(c.primary_key, Operation.REMOVE, True) for c in leaving)
        metrics = self._metrics(totals, len(desired), len(sendable))
        metrics["replace_session"] = True
        return Sent(results, metrics)

    # --- helpers --------------------------------------------------------------
    def _audience_id(self) -> str:
        if self.audience_id is None:
            self.prepare()
        assert self.audience_id is not None
        return self.audience_id

    @staticmethod
    def _refused(chunk: Sequence[tuple[Change, Sequence[str]]], exc: VendorError) -> list[RowResult]:
        transient = not isinstance(exc, PermanentVendorError)  # busy, down, throttled, or a garbled answer
        reason = exc.reason or exc.message  # Meta's words; the client has taken credentials out
        return [RowResult(c.primary_key, c.operation, False, reason, transient=transient) for c, _ in chunk]

    @staticmethod
    def _count(totals: dict[str, int], answer: UploadResult) -> None:
        totals["requests"] += answer.requests
        totals["num_received"] += answer.num_received
        totals["num_invalid_entries"] += answer.num_invalid_entries

    @staticmethod
    def _metrics(totals: dict[str, int], given: int, sendable: int) -> dict[str, Any]:
        valid = totals["num_received"] - totals["num_invalid_entries"]
        return {
            **totals,
            "rejected_locally": given - sendable,
            # share of the changes given that reached Meta as valid entries (Meta reports matching only as
            # the audience's approximate size, in prepare())
            "match_rate": round(valid / given, 4) if given else None,
        }


def check_params(kind: str, params: Mapping[str, Any], known: set[str], *, required: tuple[str, ...]) -> None:
    """A destination's params: none unknown (a typo fails at load, not silently), the required ones set."""
    unknown = sorted(set(params) - known)
    if unknown:
        raise ValueError(f"{kind}: unknown params {unknown}; expected {sorted(known)}")
    missing = [k for k in required if not params.get(k)]
    if missing:
        raise ValueError(f"{kind}: missing params {missing}")


def build(params: Mapping[str, Any], client: MetaGraphClient) -> MetaAudienceDestination:
    """The engine's factory for kind `meta_audience` (params: see the module docstring)."""
    known = {
        "account_id",
        "audience_name",
        "description",
        "customer_file_source",
        "default_country_code",
        "batch_size",
    }
    check_params("meta_audience", params, known, required=("account_id", "audience_name"))
    return MetaAudienceDestination(
        client,
        str(params["account_id"]),
        str(params["audience_name"]),
        description=str(params.get("description") or ""),
        customer_file_source=str(params.get("customer_file_source") or "USER_PROVIDED_ONLY"),
        default_country_code=params.get("default_country_code", "1"),
        batch_size=int(params.get("batch_size") or META_MAX_USERS_PER_REQUEST),
    )


# --- one audience per ad account (decision 1141) ---------------------------------------------------------

BY_ACCOUNT_KIND = "meta_audience_by_account"
NO_ACCOUNT = "no Meta ad account: the row's account field is empty"
# changes a send() takes: a run's whole diff at once when it can, split by account, then by Meta's 10,000
BY_ACCOUNT_BATCH = 100_000


class MetaAudiencesByAccount:
    """A sync's audience in each rooftop's own ad account: the changes are partitioned by `account_field` (and
    `rooftop_field`, which names the audience: "<audience_name> <rooftop>"), and each partition goes to its
    own `MetaAudienceDestination`, found or created when its first change of the run comes (so a run with
    nothing to send makes no request). The sync's primary key carries the account (the models'
    `member_key`, account/customer), so the engine's state is per sync and account and a person whose rooftop
    moves to another account is a remove there and an add here.

    After sending to an account the audience's status is read again: `metrics["audiences"]` holds each
    account's audience id, size and whether Meta lets an ad set target it; `metrics["not_targeted"]` lists the
    audiences below the targetable minimum with Meta's words (nothing targets them)."""

    name = BY_ACCOUNT_KIND
    batch_size = BY_ACCOUNT_BATCH

    def __init__(
        self,
        client: MetaGraphClient,
        audience_name: str,
        *,
        account_field: str,
        rooftop_field: str = "dealer_id",
        **audience_options: Any,
    ):
        if not audience_name.strip() or not account_field.strip():
            raise ValueError("a meta_audience_by_account destination needs audience_name and account_field")
        self.client = client
        self.audience_name = audience_name
        self.account_field = account_field
        self.rooftop_field = rooftop_field
        self.audience_options = audience_options
        self.audiences: dict[tuple[str, str], MetaAudienceDestination] = {}
        self.facts: dict[str, dict[str, Any]] = {}  # "<account>/<rooftop>" -> the audience's status
        self.totals = {"requests": 0, "num_received": 0, "num_invalid_entries": 0, "rejected_locally": 0}
        self.given = 0

    def audience_name_for(self, rooftop: str) -> str:
        return f"{self.audience_name} {rooftop}".strip()

    # --- contract -------------------------------------------------------------
    def prepare(self) -> dict[str, Any]:
        # the accounts are known only from the changes; each audience is prepared when its first change comes
        return {"account_field": self.account_field}

    def send(self, changes: Sequence[Change]) -> Sent:
        results: list[RowResult] = []
        groups, unplaced = self._partition(changes)
        results.extend(RowResult(c.primary_key, c.operation, False, NO_ACCOUNT) for c in unplaced)
        for where, group in groups.items():
            if (audience := self._audience_or_refuse(where, group, results)) is not None:
                results.extend(self._collect(where, audience.send(group)))
        self.given += len(changes)
        return Sent(results, self._metrics())

    def replace(self, desired: Sequence[Change], leaving: Sequence[Change] = ()) -> Sent:
        """Each account's audience holds exactly its desired rows (one replace session per account with
        desired rows); an account none of whose rows is desired any more has its leaving rows removed."""
        results: list[RowResult] = []
        wanted, unplaced = self._partition(desired)
        gone, unplaced_leaving = self._partition(leaving)
        results.extend(RowResult(c.primary_key, c.operation, False, NO_ACCOUNT) for c in [*unplaced, *unplaced_leaving])
        for where, group in wanted.items():
            leaving_here = gone.pop(where, [])
            if (audience := self._audience_or_refuse(where, [*group, *leaving_here], results)) is not None:
                results.extend(self._collect(where, audience.replace(group, leaving_here)))
        for where, group in gone.items():
            removes = [Change(c.primary_key, Operation.REMOVE, c.fields) for c in group]
            if (audience := self._audience_or_refuse(where, removes, results)) is not None:
                results.extend(self._collect(where, audience.send(removes)))
        # rows uploaded: the desired ones, and the leaving ones where no session dropped them (the match rate's base)
        self.given += len(desired) + sum(len(group) for group in gone.values())
        metrics = self._metrics()
        metrics["replace_session"] = True
        return Sent(results, metrics)

    # --- helpers --------------------------------------------------------------
    def _partition(self, changes: Sequence[Change]) -> tuple[dict[tuple[str, str], list[Change]], list[Change]]:
        groups: dict[tuple[str, str], list[Change]] = {}
        unplaced: list[Change] = []
        for change in changes:
            account = change.fields.get(self.account_field)
            if account is None or not str(account).strip():
                unplaced.append(change)
                continue
            account = str(account).strip().removeprefix("act_")
            rooftop = str(change.fields.get(self.rooftop_field) or account)
            groups.setdefault((account, rooftop), []).append(change)
        return groups, unplaced

    def _audience_or_refuse(
        self, where: tuple[str, str], group: Sequence[Change], results: list[RowResult]
    ) -> MetaAudienceDestination | None:
        """The partition's audience; when Meta refuses to find or create it (an unknown account, an account
        the token may not use), the partition's rows are answered with Meta's reason and the other accounts
        go on. A refused token (401) is raised: nothing can be sent anywhere."""
        try:
            return self._audience(*where)
        except VendorError as exc:
            if exc.status == 401:
                raise
            reason = f"ad account {where[0]}: {exc.reason or exc.message}"
            transient = not isinstance(exc, PermanentVendorError)
            results.extend(RowResult(c.primary_key, c.operation, False, reason, transient=transient) for c in group)
            self.facts[f"{where[0]}/{where[1]}"] = {"audience_name": self.audience_name_for(where[1]), "error": reason}
            return None

    def _audience(self, account: str, rooftop: str) -> MetaAudienceDestination:
        where = (account, rooftop)
        if where not in self.audiences:
            made = MetaAudienceDestination(
                self.client, account, self.audience_name_for(rooftop), **self.audience_options
            )
            made.prepare()  # find or create it
            self.audiences[where] = made
        return self.audiences[where]

    def _collect(self, where: tuple[str, str], sent: Sent) -> list[RowResult]:
        for key in ("requests", "num_received", "num_invalid_entries", "rejected_locally"):
            self.totals[key] += int(sent.metrics.get(key) or 0)
        audience = self.audiences[where]
        assert audience.audience_id is not None
        try:  # the size after this run's upload; Meta's own count may lag behind it
            status = self.client.audience(audience.audience_id)
        except VendorError as exc:
            self.facts[f"{where[0]}/{where[1]}"] = {"audience_id": audience.audience_id, "status_error": exc.reason}
        else:
            facts: dict[str, Any] = {
                "audience_id": status.id,
                "audience_name": audience.audience_name,
                "approximate_count_lower_bound": status.count_lower,
                "targetable": status.targetable,
            }
            if not status.targetable:
                facts["not_targeted_because"] = f"Meta delivery_status {status.delivery_code}: {status.delivery}"
            self.facts[f"{where[0]}/{where[1]}"] = facts
        return sent.results

    def _metrics(self) -> dict[str, Any]:
        valid = self.totals["num_received"] - self.totals["num_invalid_entries"]
        return {
            **self.totals,
            "accounts": len(self.facts),
            "match_rate": round(valid / self.given, 4) if self.given else None,
            "audiences": dict(self.facts),
            "not_targeted": {
                where: facts.get("not_targeted_because") or facts.get("error") or facts.get("status_error") or "unknown"
                for where, facts in self.facts.items()
                if not facts.get("targetable")
            },
        }


def build_by_account(params: Mapping[str, Any], client: MetaGraphClient) -> MetaAudiencesByAccount:
    """The engine's factory for kind `meta_audience_by_account`: the single audience's params without
    account_id, plus account_field (required: the mapped field naming each row's ad account) and
    rooftop_field (default dealer_id: the mapped field whose value ends the audience's name)."""
    known = {
        "audience_name",
        "account_field",
        "rooftop_field",
        "description",
        "customer_file_source",
        "default_country_code",
        "batch_size",
    }
    check_params("meta_audience_by_account", params, known, required=("audience_name", "account_field"))
    return MetaAudiencesByAccount(
        client,
        str(params["audience_name"]),
        account_field=str(params["account_field"]),
        rooftop_field=str(params.get("rooftop_field") or "dealer_id"),
        description=str(params.get("description") or ""),
        customer_file_source=str(params.get("customer_file_source") or "USER_PROVIDED_ONLY"),
        default_country_code=params.get("default_country_code", "1"),
        batch_size=int(params.get("batch_size") or META_MAX_USERS_PER_REQUEST),
    )


__all__ = [
    "BY_ACCOUNT_KIND",
    "DESTINATION_KIND",
    "MetaAudienceDestination",
    "MetaAudiencesByAccount",
    "build",
    "build_by_account",
    "hashed_row",
    "SCHEMA",
]


def _from_spec(spec: SyncSpec, clients: Mapping[str, Any]) -> MetaAudienceDestination:
    return build(spec.params, clients["meta"])


def _by_account_from_spec(spec: SyncSpec, clients: Mapping[str, Any]) -> MetaAudiencesByAccount:
    for field_param in ("account_field", "rooftop_field"):
        name = spec.params.get(field_param, "dealer_id" if field_param == "rooftop_field" else None)
        if name and name not in spec.mapping:
            raise SyncSpecError(
                f"sync {spec.name!r}: params.{field_param} is {name!r}, which the mapping does not carry "
                f"(mapped: {', '.join(sorted(spec.mapping))})"
            )
    return build_by_account(spec.params, clients["meta"])


register_destination(DESTINATION_KIND, _from_spec)
register_destination(BY_ACCOUNT_KIND, _by_account_from_spec)
