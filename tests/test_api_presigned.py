"""reviewdesk.api.presigned: property tests of presigned URLs (expiry, transport, never the signature)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewdesk.api.errors import InsecureURLError
from reviewdesk.api.presigned import PresignedURL, check_transport_url, stated_expiry
from reviewdesk.api.redact import safe_url

# -- presigned URLs ----------------------------------------------------------------------------

sig_dates = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC)
)


@given(sig_dates, st.integers(min_value=0, max_value=7 * 24 * 3600))
def test_sigv4_expiry_is_date_plus_expires(signed: datetime, seconds: int) -> None:
    query = urlencode(
        {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Date": signed.strftime("%Y%m%dT%H%M%SZ"),
            "X-Amz-Expires": str(seconds),
            "X-Amz-Signature": "ab" * 32,
        }
    )
    url = f"https://bucket.s3.amazonaws.com/k/x.jpg?{query}"
    assert stated_expiry(url) == signed.timestamp() + seconds
    presigned = PresignedURL.parse(url, issued_at=0)
    assert presigned.expires_at == signed.timestamp() + seconds


@given(st.integers(min_value=0, max_value=2**33))
def test_sigv2_expiry_is_the_expires_parameter(epoch: int) -> None:
    url = f"https://b.s3.amazonaws.com/x.jpg?AWSAccessKeyId=AK&Expires={epoch}&Signature=abc%3D"
    assert stated_expiry(url) == float(epoch)


@given(st.floats(min_value=1, max_value=10**6), st.floats(min_value=1, max_value=86400))
def test_url_without_stated_expiry_lives_for_the_asked_lifetime(issued: float, lifetime: float) -> None:
    p = PresignedURL.parse("https://cdn.example.com/img.jpg", issued_at=issued, lifetime=lifetime)
    assert p.expires_at == issued + lifetime
    assert p.needs_refresh(now=issued + lifetime - 1, margin=60)
    assert not p.needs_refresh(now=issued, margin=0)


@given(st.text(max_size=40))
def test_garbage_expiry_parameters_never_crash(junk: str) -> None:
    url = "https://h.example/x?" + urlencode({"X-Amz-Date": junk, "X-Amz-Expires": junk, "Expires": junk})
    value = stated_expiry(url)
    assert value is None or isinstance(value, float)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.jpg",
        "ftp://h/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "//h/x",
        "https://",
    ],
)
def test_insecure_or_odd_urls_are_refused(url: str) -> None:
    with pytest.raises(InsecureURLError):
        check_transport_url(url)


@pytest.mark.parametrize(
    "url", ["https://h.example/x", "http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]:8/x"]
)
def test_https_and_loopback_http_are_accepted(url: str) -> None:
    assert check_transport_url(url) == url


def test_presigned_url_never_shows_its_signature() -> None:
    url = "https://b.s3.amazonaws.com/k.jpg?X-Amz-Signature=deadbeefcafe&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60"
    p = PresignedURL.parse(url)
    for shown in (str(p), repr(p), p.display, f"{p}"):
        assert "deadbeefcafe" not in shown
    assert safe_url(url) == "https://b.s3.amazonaws.com/k.jpg?<redacted>"
