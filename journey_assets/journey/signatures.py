"""Webhook signatures: ours, Twilio's and Meta's, each with a sign and a verify side.

Pure functions, no I/O. Verification raises `SignatureError` whose `reason` is
a short machine-readable code (`missing_signature`, `stale_timestamp`,
`bad_signature`, ...) safe to record and log: it never contains the secret,
the expected signature or the payload. Every comparison of a computed MAC with
a received one goes through `hmac.compare_digest`.

Schemes:

* **Journey (ours)**: `X-Journey-Timestamp: <unix seconds>` and
  `X-Journey-Signature: v1=<hex HMAC-SHA256(secret, f"{timestamp}.{raw_body}")>`.
  The timestamp must be within `tolerance` seconds (300 by default) of our
  clock in either direction, which bounds replays; within that window the
  intake's dedupe by event id makes a replay harmless. The header may carry
  several comma-separated `v1=` values (a sender rotating secrets); one match
  is enough. Verification also accepts several secrets (our side of a rotation).
* **Twilio**: `X-Twilio-Signature: base64(HMAC-SHA1(auth_token, url + name1 +
  value1 + name2 + value2 ...))` with the POST parameters sorted by name and a
  repeated name's values de-duplicated and sorted, `url` the full URL Twilio
  requested, including its query string. As Twilio's own helpers do,
  verification tries the URL with and without the port, because Twilio's
  signing side has not always been consistent about it. A JSON body is not in
  the signature: Twilio adds `bodySHA256=<hex SHA-256 of the body>` to the
  query string instead, and the body must hash to it.
  (twilio.com/docs/usage/webhooks/webhooks-security; the `RequestValidator`
  of twilio-python, twilio-php and twilio-node, whose tests give the vectors
  in tests/intake/test_journey_signatures.py; docs/decisions/0301)
* **Meta** (Graph API webhooks): `X-Hub-Signature-256: sha256=<hex
  HMAC-SHA256(app_secret, raw_body)>`.
* **Customer.io** (reporting webhooks): `X-CIO-Timestamp: <unix seconds>` and
  `X-CIO-Signature: <hex HMAC-SHA256(signing_key, "v0:" + timestamp + ":" + raw_body)>`
  (docs.customer.io/api/webhooks; customerio-node `verifyRequestSignature`,
  whose version prefix is always `v0`). Customer.io says nothing of a clock
  tolerance; we apply ours (300 s) as for our own scheme, and dedupe by the
  event's `event_id` within it (Customer.io retries for days, each retry signed
  anew).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "JOURNEY_SIGNATURE_HEADER",
    "JOURNEY_TIMESTAMP_HEADER",
    "META_SIGNATURE_HEADER",
    "TWILIO_SIGNATURE_HEADER",
    "DEFAULT_TOLERANCE_SECONDS",
    "SignatureError",
    "journey_signature",
    "sign_journey",
    "verify_journey",
    "twilio_body_hash",
    "twilio_signature",
    "verify_twilio",
    "meta_signature",
    "verify_meta",
    "CIO_SIGNATURE_HEADER",
    "CIO_TIMESTAMP_HEADER",
    "customerio_signature",
    "sign_customerio",
    "verify_customerio",
]

JOURNEY_SIGNATURE_HEADER = "X-Journey-Signature"
JOURNEY_TIMESTAMP_HEADER = "X-Journey-Timestamp"
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
META_SIGNATURE_HEADER = "X-Hub-Signature-256"
CIO_SIGNATURE_HEADER = "X-CIO-Signature"
CIO_TIMESTAMP_HEADER = "X-CIO-Timestamp"
CIO_SCHEME = "v0"
DEFAULT_TOLERANCE_SECONDS = 300
JOURNEY_SCHEME = "v1"

Secret = str | bytes
Params = Mapping[str, str | Sequence[str]] | Iterable[tuple[str, str]]


class SignatureError(Exception):
    """A request that must not be trusted; `reason` is a short code, safe to log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _key(secret: Secret) -> bytes:
    if isinstance(secret, bytes):
        key = secret
    else:
        key = secret.encode("utf-8")
    if not key:
        raise ValueError("an empty secret cannot sign or verify anything")
    return key


def _secrets(secrets: Secret | Sequence[Secret]) -> list[bytes]:
    if isinstance(secrets, (str, bytes)):
        return [_key(secrets)]
    keys = [_key(s) for s in secrets]
    if not keys:
        raise ValueError("no secret to verify with")
    return keys


def _equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _fresh_timestamp(header: str, now: float | None, tolerance: int) -> tuple[str, int]:
    """The header's unix seconds (text and value), or SignatureError: malformed_timestamp, stale_timestamp."""
    ts_text = header.strip()
    if not ts_text.isascii() or not ts_text.isdigit() or len(ts_text) > 12:
        raise SignatureError("malformed_timestamp")
    ts = int(ts_text)
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance:
        raise SignatureError("stale_timestamp")
    return ts_text, ts


# --- Journey (our scheme) ------------------------------------------------------------


def journey_signature(secret: Secret, timestamp: int | str, body: bytes) -> str:
    """`v1=<hex>` for `body` sent at `timestamp` (unix seconds)."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(_key(secret), message, hashlib.sha256).hexdigest()
    return f"{JOURNEY_SCHEME}={digest}"


def sign_journey(secret: Secret, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The two headers to send with `body` (timestamp defaults to now)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {
        JOURNEY_TIMESTAMP_HEADER: str(ts),
        JOURNEY_SIGNATURE_HEADER: journey_signature(secret, ts, body),
    }


def verify_journey(
    secrets: Secret | Sequence[Secret],
    body: bytes,
    timestamp_header: str | None,
    signature_header: str | None,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> int:
    """The verified timestamp, or SignatureError.

    Reasons: missing_timestamp, missing_signature, malformed_timestamp,
    stale_timestamp (outside +-tolerance), malformed_signature (no `v1=`
    value), bad_signature.
    """
    if not timestamp_header:
        raise SignatureError("missing_timestamp")
    if not signature_header:
        raise SignatureError("missing_signature")
    ts_text, ts = _fresh_timestamp(timestamp_header, now, tolerance)
    candidates = []
    for part in signature_header.split(","):
        scheme, sep, value = part.strip().partition("=")
        if sep and scheme == JOURNEY_SCHEME and value:
            candidates.append(value.strip().lower())
    if not candidates:
        raise SignatureError("malformed_signature")
    message = ts_text.encode("ascii") + b"." + body
    matched = False
    for key in _secrets(secrets):
        expected = hmac.new(key, message, hashlib.sha256).hexdigest()
        for candidate in candidates:
            # no early exit: every candidate is compared, in constant time each
            matched |= _equal(expected, candidate)
    if not matched:
        raise SignatureError("bad_signature")
    return ts


# --- Twilio ----------------------------------------------------------------------------


def _sorted_params(params: Params | None) -> list[tuple[str, str]]:
    if not params:
        return []
    grouped: dict[str, list[str]] = {}
    items = params.items() if isinstance(params, Mapping) else params
    for name, value in items:
        values = grouped.setdefault(name, [])
        if isinstance(value, str):
            values.append(value)
        else:
            values.extend(value)
    # de-duplicated, then sorted, as every official Twilio validator does (sorted(set(values)) in twilio-python)
    return [(name, value) for name in sorted(grouped) for value in sorted(set(grouped[name]))]


def twilio_signature(auth_token: Secret, url: str, params: Params | None = None) -> str:
    """Base64 HMAC-SHA1 over `url` followed by each POST parameter's name and value, sorted by name.

    `params` is the decoded form body: a mapping (a value may be a list for a
    repeated name) or a sequence of (name, value) pairs; a repeated name's
    values are signed once each, sorted. Leave it empty for a GET callback or
    a JSON body, whose signed parameters are all in the URL.
    """
    data = url + "".join(name + value for name, value in _sorted_params(params))
    mac = hmac.new(_key(auth_token), data.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def _url_variants(url: str) -> list[str]:
    """The URL as given, and without its port (when it has one) or with the scheme's default port.

    Edited as text rather than through urlsplit/urlunsplit, which lowercase the
    scheme and host: the SDKs keep both as sent, and so does Twilio's signature.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return [url]
    netloc_end = len(rest)
    for delimiter in "/?#":
        found = rest.find(delimiter)
        if found != -1:
            netloc_end = min(netloc_end, found)
    netloc, tail = rest[:netloc_end], rest[netloc_end:]
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):  # IPv6 literal
        host, _, port = hostport.partition("]")
        host, port = host + "]", port.removeprefix(":")
    else:
        host, _, port = hostport.partition(":")
    other = host if port else f"{host}:{443 if scheme.lower() == 'https' else 80}"
    return [url, f"{scheme}{sep}{userinfo}{at}{other}{tail}"]


def twilio_body_hash(body: bytes) -> str:
    """The `bodySHA256` query parameter Twilio adds to the URL of a JSON request: hex SHA-256 of the body."""
    return hashlib.sha256(body).hexdigest()


def verify_twilio(
    auth_token: Secret,
    url: str,
    params: Params | None,
    signature_header: str | None,
    *,
    body: bytes | None = None,
) -> None:
    """Raises SignatureError unless Twilio signed this request.

    For a form post pass its decoded `params`. For a JSON (or any non-form)
    request pass `params=None` and the raw `body`: the signature then covers
    the URL alone, so a non-empty body must hash to the URL's `bodySHA256`.
    Reasons: missing_signature, bad_signature, unsigned_body (a body and no
    `bodySHA256`), bad_body_hash.
    """
    if not signature_header:
        raise SignatureError("missing_signature")
    received = signature_header.strip()
    matched = False
    for variant in _url_variants(url):
        matched |= _equal(twilio_signature(auth_token, variant, params), received)
    if not matched:
        raise SignatureError("bad_signature")
    if body is not None:
        declared = [v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True) if k == "bodySHA256"]
        if not declared:
            if body:
                raise SignatureError("unsigned_body")  # the signature covers the URL only
        elif not _equal(twilio_body_hash(body), declared[0].strip().lower()):
            raise SignatureError("bad_body_hash")


# --- Meta ------------------------------------------------------------------------------


def meta_signature(app_secret: Secret, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of the raw body>`, as in X-Hub-Signature-256."""
    return "sha256=" + hmac.new(_key(app_secret), body, hashlib.sha256).hexdigest()


def verify_meta(app_secret: Secret, body: bytes, signature_header: str | None) -> None:
    """Raises SignatureError (missing_signature, malformed_signature, bad_signature)."""
    if not signature_header:
        raise SignatureError("missing_signature")
    scheme, sep, value = signature_header.strip().partition("=")
    if not sep or scheme.lower() != "sha256" or not value:
        raise SignatureError("malformed_signature")
    expected = hmac.new(_key(app_secret), body, hashlib.sha256).hexdigest()
    if not _equal(expected, value.strip().lower()):
        raise SignatureError("bad_signature")


# --- Customer.io -----------------------------------------------------------------------


def customerio_signature(signing_key: Secret, timestamp: int | str, body: bytes) -> str:
    """Hex HMAC-SHA256 over `v0:<timestamp>:<raw body>`, as in X-CIO-Signature."""
    message = f"{CIO_SCHEME}:{timestamp}:".encode("ascii") + body
    return hmac.new(_key(signing_key), message, hashlib.sha256).hexdigest()


def sign_customerio(signing_key: Secret, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The two headers Customer.io sends with a reporting webhook (timestamp defaults to now)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {CIO_TIMESTAMP_HEADER: str(ts), CIO_SIGNATURE_HEADER: customerio_signature(signing_key, ts, body)}


def verify_customerio(
    signing_keys: Secret | Sequence[Secret],
    body: bytes,
    timestamp_header: str | None,
    signature_header: str | None,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> int:
    """The verified timestamp, or SignatureError.

    Reasons: missing_timestamp, missing_signature, malformed_timestamp, stale_timestamp, bad_signature.
    Several keys may be given (a key being rotated in Customer.io's settings); one match is enough.
    """
    if not timestamp_header:
        raise SignatureError("missing_timestamp")
    if not signature_header:
        raise SignatureError("missing_signature")
    ts_text, ts = _fresh_timestamp(timestamp_header, now, tolerance)
    received = signature_header.strip().lower()
    matched = False
    for key in _secrets(signing_keys):
        matched |= _equal(customerio_signature(key, ts_text, body), received)
    if not matched:
        raise SignatureError("bad_signature")
    return ts
