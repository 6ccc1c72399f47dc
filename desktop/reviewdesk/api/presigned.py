"""Presigned image URLs that know when they expire.

SigV4 URLs carry `X-Amz-Date` (YYYYMMDDTHHMMSSZ) and `X-Amz-Expires` (seconds); SigV2 URLs carry
`Expires` (epoch seconds). Anything else is assumed valid for the lifetime that was asked for,
counted from when it was issued. The URL itself is a bearer credential: `repr` and `str` hide it.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from reviewdesk.api.errors import InsecureURLError
from reviewdesk.api.redact import safe_url

DEFAULT_LIFETIME = 3600.0
# Refresh this long before the stated expiry, so a download started now still finishes in time.
REFRESH_MARGIN = 60.0


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_transport_url(url: str, what: str = "URL") -> str:
    """Accept `https://` anywhere, `http://` only to a loopback host; raise InsecureURLError else."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise InsecureURLError(f"the {what} is not a valid URL") from None
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and is_loopback_host(host):
        return url
    if parts.scheme == "http":
        raise InsecureURLError(
            f"the {what} uses plain http to {host}; only https is allowed (http only to this machine)"
        )
    raise InsecureURLError(f"the {what} must start with https:// (got {parts.scheme or 'no'} scheme)")


def _query(url: str) -> dict[str, str]:
    return {k.lower(): v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)}


def stated_expiry(url: str) -> float | None:
    """The expiry (epoch seconds) a presigned URL states about itself, or None if it states none."""
    q = _query(url)
    date, expires = q.get("x-amz-date"), q.get("x-amz-expires")
    if date and expires:
        try:
            signed = datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            seconds = int(expires)
        except ValueError:
            return None
        if seconds < 0:
            return None
        return signed.timestamp() + seconds
    v2 = q.get("expires")
    if v2 is not None:
        try:
            value = int(v2)
        except ValueError:
            return None
        return float(value) if value >= 0 else None
    return None


@dataclass(frozen=True, slots=True)
class PresignedURL:
    url: str = field(repr=False)
    issued_at: float
    expires_at: float

    @classmethod
    def parse(
        cls, url: str, *, issued_at: float | None = None, lifetime: float = DEFAULT_LIFETIME
    ) -> PresignedURL:
        """Wrap `url` (checked to be https, or http to loopback) with its expiry."""
        check_transport_url(url, "image URL")
        now = time.time() if issued_at is None else issued_at
        expiry = stated_expiry(url)
        return cls(url=url, issued_at=now, expires_at=expiry if expiry is not None else now + lifetime)

    def seconds_left(self, now: float | None = None) -> float:
        return self.expires_at - (time.time() if now is None else now)

    def needs_refresh(self, now: float | None = None, margin: float = REFRESH_MARGIN) -> bool:
        return self.seconds_left(now) <= margin

    @property
    def display(self) -> str:
        """What may be shown or logged: scheme, host and path, never the signature."""
        return safe_url(self.url)

    def __str__(self) -> str:
        return self.display
