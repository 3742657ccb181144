"""What every Google API client shares: the OAuth bearer, Google's error shape, and number strings.

GA4, Google Ads, Business Profile and PageSpeed each have a module of their
own; this one holds the plumbing they have in common.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import requests

from journey_assets.connectors.http import PermanentVendorError, TransientVendorError


class GoogleBearerAuth(requests.auth.AuthBase):
    """`Authorization: Bearer <token>` from google-auth credentials, refreshed when expired.

    Shared by the Google connectors (GA4, Google Ads, Business Profile). With a
    static `token` (the sandbox, or a token minted elsewhere) nothing is refreshed.
    Refresh failures map to the connector error classes: a refused grant is
    permanent (fix the credentials), a transport failure is transient.
    """

    def __init__(self, vendor: str, *, credentials: Any = None, token: str = ""):
        if credentials is None and not token:
            raise ValueError(f"{vendor}: either google-auth credentials or a bearer token is required")
        self.vendor = vendor
        self.credentials = credentials
        self.token = token
        self._lock = threading.Lock()

    def bearer(self) -> str:
        if self.credentials is None:
            return self.token
        import google.auth.exceptions
        import google.auth.transport.requests

        with self._lock:
            if not self.credentials.valid:
                try:
                    self.credentials.refresh(google.auth.transport.requests.Request())
                except google.auth.exceptions.TransportError as exc:
                    raise TransientVendorError(
                        self.vendor, f"OAuth token refresh unreachable: {type(exc).__name__}"
                    ) from exc
                except google.auth.exceptions.RefreshError as exc:
                    # The grant was refused (revoked, wrong client, missing scope): retrying will not help.
                    raise PermanentVendorError(
                        self.vendor, "OAuth token refresh refused", reason=str(exc)[:300]
                    ) from exc
            return self.credentials.token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.bearer()}"
        return request


def google_auth(
    vendor: str,
    scopes: Sequence[str],
    *,
    access_token: str = "",
    refresh_token: str = "",
    client_id: str = "",
    client_secret: str = "",
) -> GoogleBearerAuth:
    """The bearer for a Google API, in order of preference:

    1. `access_token`: used as is (the sandbox accepts any bearer);
    2. `refresh_token` + `client_id` + `client_secret`: a user's OAuth grant (Google Ads and
       Business Profile are usually authorised by a person, not a service account);
    3. otherwise Application Default Credentials: the service account of the Dagster host, or the
       key file named by GOOGLE_APPLICATION_CREDENTIALS (GA4: add its email as a property Viewer).
    """
    if access_token:
        return GoogleBearerAuth(vendor, token=access_token)
    if refresh_token:
        from google.oauth2.credentials import Credentials

        if not (client_id and client_secret):
            raise ValueError(f"{vendor}: an OAuth refresh token needs its client_id and client_secret")
        credentials = Credentials(
            token=None,
            refresh_token=refresh_token,
            client_id=client_id,
            client_secret=client_secret,
            token_uri="https://oauth2.googleapis.com/token",
            scopes=list(scopes),
        )
        return GoogleBearerAuth(vendor, credentials=credentials)
    import google.auth

    default_credentials, _ = google.auth.default(scopes=list(scopes))
    return GoogleBearerAuth(vendor, credentials=default_credentials)


def google_error_reason(response: requests.Response) -> str:
    """Google's error object: {"error": {"code", "message", "status", "details"}}."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    if isinstance(body, list) and body:  # some streaming endpoints wrap the error in an array
        body = body[0]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        status = error.get("status")
        message = error.get("message") or str(error)
        return (f"{status}: {message}" if status else str(message))[:500]
    return str(body)[:500]


def parse_number(value: Any) -> Any:
    """A metric value (GA4 sends strings) as int or float; unparseable values pass through for the quality gate."""
    if isinstance(value, (int, float)):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return float(value)
        except (TypeError, ValueError):
            return value
