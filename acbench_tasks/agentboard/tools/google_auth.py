"""A Google service account's access token, from its ``credential.json``, on plain HTTP.

The sheet tool talks to the Sheets v4 and Drive v3 REST APIs through the project's recorded
HTTP client, so it needs only a bearer token: a JWT signed with the account's RSA key
(RS256, RFC 7523) exchanged at the account's ``token_uri``. ``cryptography`` signs it; the token
request goes straight to Google and is never recorded. The key and the token are never logged.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive",
)
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
TOKEN_LIFETIME_S = 3600
REFRESH_MARGIN_S = 300


class CredentialError(ValueError):
    """A service-account file that cannot be used."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def read_service_account(path: str | Path) -> dict[str, Any]:
    """The fields of a service-account key file that signing needs (checked, not printed)."""
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CredentialError(f"sheet: cannot read the credential file {path}: {err}") from None
    missing = [k for k in ("client_email", "private_key") if not isinstance(info.get(k), str)]
    if not isinstance(info, Mapping) or missing:
        raise CredentialError(
            f"sheet: {path} is not a service-account key file (missing {', '.join(missing)})"
        )
    return dict(info)


def signed_assertion(info: Mapping[str, Any], now: float, scopes=SCOPES) -> str:
    """The RS256-signed JWT that asks ``token_uri`` for an access token."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    header = {"alg": "RS256", "typ": "JWT"}
    if info.get("private_key_id"):
        header["kid"] = info["private_key_id"]
    claims = {
        "iss": info["client_email"],
        "scope": " ".join(scopes),
        "aud": info.get("token_uri") or DEFAULT_TOKEN_URI,
        "iat": int(now),
        "exp": int(now) + TOKEN_LIFETIME_S,
    }
    signing_input = ".".join(
        _b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    try:
        key = serialization.load_pem_private_key(info["private_key"].encode(), password=None)
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (ValueError, TypeError) as err:
        raise CredentialError(f"sheet: the credential's private key cannot sign: {err}") from None
    return f"{signing_input}.{_b64(signature)}"


class ServiceAccountToken:
    """Access tokens for one service account, fetched when needed and reused until near expiry."""

    def __init__(
        self,
        credential_path: str | Path,
        *,
        transport: httpx.BaseTransport | None = None,
        clock=time.time,
    ) -> None:
        self._info = read_service_account(credential_path)
        self._transport = transport
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0

    @property
    def client_email(self) -> str:
        return str(self._info["client_email"])

    def __call__(self) -> str:
        now = self._clock()
        if self._token is None or now >= self._expires - REFRESH_MARGIN_S:
            self._token, lifetime = self._fetch(now)
            self._expires = now + lifetime
        return self._token

    def _fetch(self, now: float) -> tuple[str, float]:
        uri = self._info.get("token_uri") or DEFAULT_TOKEN_URI
        form = {"grant_type": GRANT_TYPE, "assertion": signed_assertion(self._info, now)}
        try:
            with httpx.Client(transport=self._transport, timeout=60.0) as client:
                reply = client.post(uri, data=form)
        except httpx.TransportError as err:
            raise ConnectionError(f"sheet: token request failed: {type(err).__name__}") from None
        if reply.status_code != 200:
            raise CredentialError(
                f"sheet: Google refused the service account ({reply.status_code}): "
                f"{reply.text[:300]}"
            )
        body = reply.json()
        return str(body["access_token"]), float(body.get("expires_in", TOKEN_LIFETIME_S))
