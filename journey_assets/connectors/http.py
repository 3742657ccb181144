"""One HTTP session shape for every vendor client.

Every connector builds on `VendorClient`: a `requests.Session` with urllib3's
`Retry` mounted (exponential backoff, honours `Retry-After` on 429/503, retries
connection resets and read timeouts), a default timeout on every call, and
vendor errors mapped to two classes the Dagster layer can act on:

* `TransientVendorError`: still failing after the retries (rate limit, 5xx,
  timeout, dropped connection). The run fails and the next run retries.
* `PermanentVendorError`: the vendor refused the request (4xx other than 429),
  carrying the vendor's reason, for the dead letter.

`MalformedResponseError` is raised when a 2xx body is not what the vendor
documents; we fail loudly rather than load half a page.

Secrets never leave in an error: the credentials a client holds (the values of
its auth headers, a Basic-auth password, a bearer token, and whatever it adds
with `add_secret`, such as a Slack webhook path) are replaced by `<redacted>`
in every error's message and reason where the error is made, and an underlying
exception that names one (urllib3's errors carry the full URL) is not chained.

Retry hints: a vendor that says how long to wait (Google Ads' 429
`QuotaErrorDetails.retryDelay`, Meta's `estimated_time_to_regain_access`)
overrides `retry_hint`; statuses in `hinted_statuses` are left to it rather than
urllib3's backoff. A hint up to `HintPolicy.max_wait` is waited out (logged
with how long and why) and the request sent again; a longer one ends as a
`TransientVendorError` carrying `retry_after`, so the run is retried later
instead of sleeping for an hour.

Call records: inside `recording_calls()` every `request` of every client is
recorded as a `VendorCall` (vendor, method, endpoint template, last status,
outcome, attempts, latency), for the ingest factory to land in ops.vendor_calls.
The endpoint is the path with every id-like segment replaced by `{id}` and no
query string, so no id, token or personal data is recorded.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

# Methods retried after a read error or a 5xx. Vendors' read calls are GETs or
# POST queries (GAQL, runReport), safe to repeat. Clients that POST writes which
# are not idempotent (send an SMS, create a task) pass WRITE_RETRY_METHODS: a
# timed-out send may have gone through, so it must not be sent again blindly.
DEFAULT_RETRY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST"})
WRITE_RETRY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = (429, 500, 502, 503, 504)
NOT_SENT_STATUSES = frozenset({429, 503})  # refused before the vendor acted on the request
REDACTED = "<redacted>"
# Headers whose values are credentials (compared lower-case).
SECRET_HEADERS = frozenset(
    {"authorization", "x-api-key", "x-goog-api-key", "developer-token", "x-mc-auth", "cookie", "api-key"}
)
MIN_SECRET_LENGTH = 6  # shorter values (a scheme, a test's "x") would redact ordinary words


class WriteSafeRetry(Retry):
    """urllib3's Retry, except that a 429 is retried for every method.

    A 429 means the vendor refused the request before acting on it, so even a
    non-idempotent POST is safe to repeat once the Retry-After has passed.
    """

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code == 429 and self.total and 429 in (self.status_forcelist or ()):
            return True
        return super().is_retry(method, status_code, has_retry_after)


class VendorError(RuntimeError):
    """`not_sent`: True when the request certainly never reached the vendor (a refused connection, a
    429/503 refusal), False when it may have, None when nobody said (errors made outside `request`)."""

    not_sent: bool | None = None
    retry_after: float | None = None  # seconds the vendor asked us to wait, when it said

    def __init__(self, vendor: str, message: str, *, status: int | None = None, reason: str | None = None):
        super().__init__(f"{vendor}: {message}")
        self.vendor = vendor
        self.message = message
        self.status = status
        self.reason = reason or message

    def __reduce__(self):  # Dagster pickles step failures across processes
        return (
            _rebuild_vendor_error,
            (type(self), self.vendor, self.message, self.status, self.reason, self.not_sent, self.retry_after),
        )


def _rebuild_vendor_error(
    cls: type,
    vendor: str,
    message: str,
    status: int | None,
    reason: str | None,
    not_sent: bool | None = None,
    retry_after: float | None = None,
) -> VendorError:
    error = cls(vendor, message, status=status, reason=reason)
    error.not_sent, error.retry_after = not_sent, retry_after
    return error


class TransientVendorError(VendorError):
    """Worth retrying later: the vendor was busy, down, slow or unreachable."""


class PermanentVendorError(VendorError):
    """The vendor refused the request; retrying the same request will not help."""


class MalformedResponseError(VendorError):
    """A 2xx answer whose body does not match the vendor's documented shape."""


@dataclass(frozen=True)
class RetryPolicy:
    total: int = 5
    backoff_factor: float = 0.5
    backoff_max: float = 30.0


@dataclass(frozen=True)
class RetryHint:
    seconds: float
    why: str  # where the vendor said it, e.g. "QuotaErrorDetails.retryDelay 60s"


@dataclass(frozen=True)
class HintPolicy:
    """How far a vendor's own "wait this long" is followed; `sleep` is injectable so tests do not wait."""

    max_wait: float = 120.0  # seconds; a longer hint ends the request as transient, with `retry_after`
    max_waits: int = 3  # hints honoured for one request
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


def never_arrived(exc: BaseException) -> bool:
    """True when a failed request certainly did not reach the vendor (safe to send again)."""
    if isinstance(exc, requests.exceptions.RetryError):  # retries ran out on 429/503 answers
        return True
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(exc, requests.exceptions.ReadTimeout):
        text = repr(exc)
        return "NewConnectionError" in text or "Connection refused" in text
    return False


def build_session(
    policy: RetryPolicy,
    retry_methods: frozenset[str] = DEFAULT_RETRY_METHODS,
    statuses: Iterable[int] = RETRY_STATUSES,
) -> requests.Session:
    retry = WriteSafeRetry(
        total=policy.total,
        connect=policy.total,
        read=policy.total,
        status=policy.total,
        backoff_factor=policy.backoff_factor,
        backoff_max=policy.backoff_max,
        status_forcelist=tuple(statuses),
        allowed_methods=retry_methods,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=16)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


# --- call records -------------------------------------------------------------
OK, TRANSIENT, PERMANENT, FAILED = "ok", "transient_error", "permanent_error", "error"
ID = "{id}"
# A path segment kept as written: a word (lowercase or camelCase, or one capital then lowercase:
# `runReport`, `Messages`), an API version (v21, v25.0) or Twilio's dated version (2010-04-01).
# Anything else (digits, '%', '@', capitals in a row as in ids, a long token) becomes {id}.
_WORD = re.compile(r"^[A-Za-z]?[a-z][A-Za-z_-]*$")
_EXTENSIONS = frozenset({"json", "csv", "xml", "txt"})
_VERSION = re.compile(r"^(v\d+(\.\d+)*|\d{4}-\d{2}-\d{2})$")
MAX_WORD_LENGTH = 24  # a longer letters-only segment is more likely a key than a resource name


@dataclass(frozen=True)
class VendorCall:
    """One `VendorClient.request`: retries inside it (urllib3's and a vendor's retry hints) count as attempts."""

    vendor: str
    method: str
    endpoint: str  # `endpoint_template` of the path
    status: int | None  # the last HTTP status; None when no answer came (unreachable, auth refresh failed)
    outcome: str  # ok | transient_error | permanent_error | error
    attempts: int  # HTTP requests sent, the first included
    latency_ms: float
    at: datetime  # when the call started (UTC)

    @property
    def retries(self) -> int:
        return self.attempts - 1


class CallLog:
    """The calls recorded inside one `recording_calls()` block; safe to append from worker threads."""

    def __init__(self) -> None:
        self._calls: list[VendorCall] = []
        self._lock = threading.Lock()

    def add(self, call: VendorCall) -> None:
        with self._lock:
            self._calls.append(call)

    @property
    def calls(self) -> list[VendorCall]:
        with self._lock:
            return list(self._calls)


_active_log: ContextVar[CallLog | None] = ContextVar("journey_vendor_call_log", default=None)


@contextmanager
def recording_calls() -> Iterator[CallLog]:
    """Record every vendor call made inside the block (clients built inside it record from any thread)."""
    log = CallLog()
    token = _active_log.set(log)
    try:
        yield log
    finally:
        _active_log.reset(token)


def endpoint_template(path: str, secrets: Iterable[str] = ()) -> str:
    """`path` (or a full URL) without host, query or fragment, each id-like segment as {id}.

    `/v2/accounts/AC123/Messages.json?To=+1555` -> `/v2/accounts/{id}/Messages.json`;
    `properties/123:runReport` -> `/properties/{id}:runReport`. A segment equal to a secret is
    always {id}, even when it looks like a word.
    """
    held = set(secrets)
    parts = urlsplit(path).path if path.startswith("http") else path.partition("?")[0].partition("#")[0]
    out = []
    for segment in parts.strip("/").split("/"):
        if not segment:
            continue
        name, colon, verb = segment.partition(":")  # Google's custom methods: resource:verb
        stem, dot, extension = name.rpartition(".") if "." in name and not _VERSION.match(name) else (name, "", "")
        suffix = f".{extension}" if dot and extension in _EXTENSIONS else ""
        if not suffix:
            stem = name
        if name in held or stem in held:
            kept = ID + suffix
        elif _VERSION.match(name) or (_WORD.match(stem) and len(stem) <= MAX_WORD_LENGTH):
            kept = stem + suffix
        else:
            kept = ID + suffix
        if colon:
            kept += ":" + (verb if _WORD.match(verb) else ID)
        out.append(kept)
    return "/" + "/".join(out)


@dataclass
class _Trace:
    """What one `request` saw: its last status and the HTTP requests it sent."""

    status: int | None = None
    attempts: int = 0

    def answered(self, response: requests.Response) -> None:
        retries = getattr(response.raw, "retries", None)  # urllib3's Retry, its history one entry per retry
        self.status = response.status_code
        self.attempts += 1 + len(getattr(retries, "history", ()) or ())

    def gave_up(self, retries_run_out: int) -> None:
        """No answer: urllib3 raised after its retries (connection errors and 429/503 exhausted)."""
        self.attempts += retries_run_out


class VendorClient:
    """Base for one vendor's client: base URL, auth headers, timeouts, retries, errors."""

    vendor: str = "vendor"
    # Statuses urllib3 does not retry with its own backoff, because the vendor says how long to wait
    # (`retry_hint`); without a hint they fail at once as transient (Google's daily quota: defer the work).
    hinted_statuses: frozenset[int] = frozenset()

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        auth: Any = None,
        retry_methods: frozenset[str] = DEFAULT_RETRY_METHODS,
        hints: HintPolicy | None = None,
        secrets: Iterable[str] = (),
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry_policy = retry or RetryPolicy()
        self.hints = hints or HintPolicy()
        statuses = [s for s in RETRY_STATUSES if s not in self.hinted_statuses]
        self.session = build_session(self.retry_policy, retry_methods, statuses)
        self.session.headers.update({"User-Agent": "dealer-journey/0.1", "Accept": "application/json"})
        if headers:
            self.session.headers.update(headers)
        if auth is not None:
            self.session.auth = auth
        self._secrets: set[str] = set()
        self.add_secret(*secrets)
        # Captured here as well, so calls from worker threads (no context of their own) are recorded.
        self.call_log = _active_log.get()

    # --- secrets ------------------------------------------------------------
    def add_secret(self, *values: str | None) -> None:
        """Values never to appear in an error of this client (tokens, keys, a webhook path)."""
        self._secrets.update(str(v) for v in values if v and len(str(v)) >= MIN_SECRET_LENGTH)

    def secret_values(self) -> set[str]:
        """What this client holds that is a credential, read when an error is made (tokens may be refreshed)."""
        found = set(self._secrets)
        for name, value in self.session.headers.items():
            if name.lower() in SECRET_HEADERS and value:
                found.add(str(value))
                found.add(str(value).partition(" ")[2])  # the credential after the scheme ("Bearer x")
        auth = self.session.auth
        if isinstance(auth, tuple) and len(auth) == 2:
            found.add(str(auth[1]))
        for attribute in ("token", "api_key", "access_token"):
            held = getattr(auth, attribute, None)
            if isinstance(held, str):
                found.add(held)
        return {v for v in found if len(v) >= MIN_SECRET_LENGTH}

    def redact(self, text: str | None) -> str | None:
        if not text:
            return text
        for secret in sorted(self.secret_values(), key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def error(
        self,
        cls: type[VendorError],
        message: str,
        *,
        status: int | None = None,
        reason: str | None = None,
        not_sent: bool | None = None,
        retry_after: float | None = None,
    ) -> VendorError:
        """A vendor error with every secret of this client taken out of its words."""
        made = cls(self.vendor, self.redact(message) or "", status=status, reason=self.redact(reason))
        made.not_sent, made.retry_after = not_sent, retry_after
        return made

    def _raise(self, made: VendorError, cause: BaseException) -> None:
        """Chain `cause` only when it names no secret (urllib3's errors name the full URL)."""
        text = f"{cause!r} {cause}"
        if any(secret in text for secret in self.secret_values()):
            raise made from None
        raise made from cause

    # --- requests -----------------------------------------------------------
    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"

    def retry_hint(self, response: requests.Response) -> RetryHint | None:
        """How long the vendor asks us to wait before asking again; None when it does not say."""
        return None

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        log = _active_log.get() or self.call_log
        if log is None:
            return self._request(method, path, _Trace(), **kwargs)
        at, started = datetime.now(UTC), time.perf_counter()
        trace = _Trace()
        outcome = FAILED
        try:
            response = self._request(method, path, trace, **kwargs)
            outcome = OK
            return response
        except TransientVendorError:
            outcome = TRANSIENT
            raise
        except PermanentVendorError:
            outcome = PERMANENT
            raise
        finally:
            log.add(
                VendorCall(
                    vendor=self.vendor,
                    method=method.upper(),
                    endpoint=endpoint_template(path, self.secret_values()),
                    status=trace.status,
                    outcome=outcome,
                    attempts=max(trace.attempts, 1),
                    latency_ms=round((time.perf_counter() - started) * 1000, 3),
                    at=at,
                )
            )

    def _request(self, method: str, path: str, trace: _Trace, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        url = self.url(path)
        waited = 0
        while True:
            try:
                response = self.session.request(method, url, **kwargs)
            except requests.exceptions.RetryError as exc:
                trace.gave_up(self.retry_policy.total + 1)
                made = self.error(
                    TransientVendorError, f"{method} {path} still failing after retries: {exc}", not_sent=True
                )
                self._raise(made, exc)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                # urllib3 retries connection errors for every method, read errors for retried methods only
                trace.gave_up(1 if isinstance(exc, requests.exceptions.ReadTimeout) else self.retry_policy.total + 1)
                made = self.error(
                    TransientVendorError,
                    f"{method} {path} unreachable: {type(exc).__name__}",
                    not_sent=never_arrived(exc),
                )
                self._raise(made, exc)
            trace.answered(response)
            status = response.status_code
            hint = self.retry_hint(response) if status >= 400 else None
            if hint is not None:
                if waited < self.hints.max_waits and hint.seconds <= self.hints.max_wait:
                    log.warning(
                        "%s: %s %s answered %s; waiting %.1fs as the vendor asks (%s)",
                        self.vendor,
                        method,
                        self.redact(path),
                        status,
                        hint.seconds,
                        hint.why,
                    )
                    self.hints.sleep(hint.seconds)
                    waited += 1
                    continue
                reason = self.error_reason(response)
                log.warning(
                    "%s: %s %s answered %s; the vendor asks to wait %.0fs (%s), beyond the %.0fs we wait here",
                    self.vendor,
                    method,
                    self.redact(path),
                    status,
                    hint.seconds,
                    hint.why,
                    self.hints.max_wait,
                )
                raise self.error(
                    TransientVendorError,
                    f"{method} {path} answered {status}; retry after {hint.seconds:.0f}s ({hint.why})",
                    status=status,
                    reason=reason,
                    not_sent=status in NOT_SENT_STATUSES,
                    retry_after=hint.seconds,
                )
            if status in RETRY_STATUSES:
                raise self.error(
                    TransientVendorError,
                    f"{method} {path} answered {status} after retries",
                    status=status,
                    reason=self.error_reason(response),
                    not_sent=status in NOT_SENT_STATUSES,
                )
            if status >= 400:
                reason = self.error_reason(response)
                raise self.error(
                    PermanentVendorError,
                    f"{method} {path} answered {status}: {reason}",
                    status=status,
                    reason=reason,
                    not_sent=True,
                )
            return response

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.parse_json(self.request("GET", path, **kwargs), path)

    def post_json(self, path: str, **kwargs: Any) -> Any:
        return self.parse_json(self.request("POST", path, **kwargs), path)

    def parse_json(self, response: requests.Response, path: str) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise MalformedResponseError(
                self.vendor, f"{path} answered {response.status_code} with a body that is not JSON"
            ) from exc

    def error_reason(self, response: requests.Response) -> str:
        """The vendor's own words for an error; subclasses know where each vendor puts them."""
        try:
            body = response.json()
        except ValueError:
            return response.text[:500]
        if isinstance(body, dict):
            for key in ("message", "error_description", "error", "detail"):
                value = body.get(key)
                if isinstance(value, dict):
                    value = value.get("message") or value
                if value:
                    return str(value)[:500]
        return str(body)[:500]


class BearerTokenClient(VendorClient):
    """A vendor authenticated by `Authorization: <scheme> <token>`; writes are not retried blindly."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        scheme: str = "Bearer",
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        retry_methods: frozenset[str] = WRITE_RETRY_METHODS,
        **kwargs: Any,
    ):
        super().__init__(
            base_url,
            timeout=timeout,
            retry=retry,
            headers={"Authorization": f"{scheme} {token}"},
            retry_methods=retry_methods,
            secrets=(token,),
            **kwargs,
        )


def require(payload: Any, key: str, vendor: str, where: str) -> Any:
    """Fetch a documented key from a response, or fail as malformed."""
    if not isinstance(payload, dict) or key not in payload:
        raise MalformedResponseError(vendor, f"{where}: expected key {key!r} in the response")
    return payload[key]


def chunked(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
