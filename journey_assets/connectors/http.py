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
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

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


class WriteSafeRetry(Retry):
    """urllib3's Retry, except that a 429 is retried for every method.

    A 429 means the vendor refused the request before acting on it, so even a
    non-idempotent POST is safe to repeat once the Retry-After has passed.
    """

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code == 429 and self.total:
            return True
        return super().is_retry(method, status_code, has_retry_after)


class VendorError(RuntimeError):
    """`not_sent`: True when the request certainly never reached the vendor (a refused connection, a
    429/503 refusal), False when it may have, None when nobody said (errors made outside `request`)."""

    def __init__(
        self,
        vendor: str,
        message: str,
        *,
        status: int | None = None,
        reason: str | None = None,
        not_sent: bool | None = None,
    ):
        super().__init__(f"{vendor}: {message}")
        self.vendor = vendor
        self.message = message
        self.status = status
        self.reason = reason or message
        self.not_sent = not_sent

    def __reduce__(self):  # Dagster pickles step failures across processes
        return (_rebuild_vendor_error, (type(self), self.vendor, self.message, self.status, self.reason))


def _rebuild_vendor_error(cls: type, vendor: str, message: str, status: int | None, reason: str | None) -> VendorError:
    return cls(vendor, message, status=status, reason=reason)


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


def build_session(policy: RetryPolicy, retry_methods: frozenset[str] = DEFAULT_RETRY_METHODS) -> requests.Session:
    retry = WriteSafeRetry(
        total=policy.total,
        connect=policy.total,
        read=policy.total,
        status=policy.total,
        backoff_factor=policy.backoff_factor,
        backoff_max=policy.backoff_max,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=retry_methods,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=16)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class VendorClient:
    """Base for one vendor's client: base URL, auth headers, timeouts, retries, errors."""

    vendor: str = "vendor"

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        auth: Any = None,
        retry_methods: frozenset[str] = DEFAULT_RETRY_METHODS,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = build_session(retry or RetryPolicy(), retry_methods)
        self.session.headers.update({"User-Agent": "dealer-journey/0.1", "Accept": "application/json"})
        if headers:
            self.session.headers.update(headers)
        if auth is not None:
            self.session.auth = auth

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        url = self.url(path)
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.exceptions.RetryError as exc:
            raise TransientVendorError(self.vendor, f"{method} {path} still failing after retries: {exc}") from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise TransientVendorError(self.vendor, f"{method} {path} unreachable: {type(exc).__name__}") from exc
        if response.status_code in RETRY_STATUSES:
            raise TransientVendorError(
                self.vendor,
                f"{method} {path} answered {response.status_code} after retries",
                status=response.status_code,
                reason=self.error_reason(response),
            )
        if response.status_code >= 400:
            raise PermanentVendorError(
                self.vendor,
                f"{method} {path} answered {response.status_code}: {self.error_reason(response)}",
                status=response.status_code,
                reason=self.error_reason(response),
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


def require(payload: Any, key: str, vendor: str, where: str) -> Any:
    """Fetch a documented key from a response, or fail as malformed."""
    if not isinstance(payload, dict) or key not in payload:
        raise MalformedResponseError(vendor, f"{where}: expected key {key!r} in the response")
    return payload[key]


def chunked(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
