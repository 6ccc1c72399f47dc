"""Presigned image URLs in the style of S3 (SigV4 or SigV2 query strings), and their checking.

Not byte-compatible with AWS, but shaped like it: same parameter names, HMAC over the method, the
path, the host (SigV4) and the other parameters, an expiry in the URL.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import time
from dataclasses import dataclass
from enum import Enum
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

ACCESS_KEY = "SIMKEY"
REGION = "us-east-1"
BUCKET = "blackout-images"
MAX_EXPIRES = 604800
_V4_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires")


def object_path(scan_id: str) -> str:
    """`/blackout-images/<prefix>/<percent-encoded scan id>.jpg`."""
    prefix = hashlib.sha256(scan_id.encode("utf-8", "surrogatepass")).hexdigest()[:2]
    return f"/{BUCKET}/{prefix}/{quote(scan_id, safe='')}.jpg"


def canonical_path(raw_path: str) -> str:
    """One spelling per path, whatever percent-encoding the client kept or changed."""
    return "/".join(quote(unquote(segment), safe="") for segment in raw_path.split("/"))


def _canonical_query(params: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(params))


def _v4_key(secret: str, datestamp: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (datestamp, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _v4_signature(secret: str, path: str, host: str, params: list[tuple[str, str]]) -> str:
    values = dict(params)
    credential = values.get("X-Amz-Credential", "")
    scope = credential.partition("/")[2]
    canonical_request = "\n".join(
        [
            "GET",
            canonical_path(path),
            _canonical_query(params),
            f"host:{host}",
            "",
            "host",
            "UNSIGNED-PAYLOAD",
        ]
    )
    string_to_sign = "\n".join(
        [
            values.get("X-Amz-Algorithm", ""),
            values.get("X-Amz-Date", ""),
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = _v4_key(secret, scope.partition("/")[0])
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _v2_signature(secret: str, path: str, expires: str) -> str:
    string_to_sign = f"GET\n\n\n{expires}\n{canonical_path(path)}"
    digest = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.urlsafe_b64encode(digest).decode()


def presign(base_url: str, scan_id: str, *, now: float, expires_in: int, style: str, secret: str) -> str:
    """A URL on `base_url` (scheme://host:port) that serves the image of `scan_id` until expiry."""
    path = object_path(scan_id)
    if style == "sigv2":
        expires = str(int(now) + expires_in)
        params = [
            ("AWSAccessKeyId", ACCESS_KEY),
            ("Expires", expires),
            ("Signature", _v2_signature(secret, path, expires)),
        ]
    else:
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        params = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", f"{ACCESS_KEY}/{amz_date[:8]}/{REGION}/s3/aws4_request"),
            ("X-Amz-Date", amz_date),
            ("X-Amz-Expires", str(expires_in)),
            ("X-Amz-SignedHeaders", "host"),
        ]
        host = urlsplit(base_url).netloc
        params.append(("X-Amz-Signature", _v4_signature(secret, path, host, params)))
    return f"{base_url.rstrip('/')}{path}?{urlencode(params, quote_via=quote)}"


class Verdict(Enum):
    OK = "ok"
    EXPIRED = "expired"
    BAD_SIGNATURE = "bad-signature"


@dataclass(frozen=True)
class Check:
    verdict: Verdict
    expired_at: float | None = None


def _parse_amz_date(value: str) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ")))
    except ValueError:
        return None


def _check_v4(params: list[tuple[str, str]], raw_path: str, host: str, now: float, secret: str) -> Check:
    values = dict(params)
    signature = values.get("X-Amz-Signature", "")
    signed = [(k, v) for k, v in params if k != "X-Amz-Signature"]
    credential = values.get("X-Amz-Credential", "").split("/")
    if (
        any(name not in values for name in _V4_PARAMS)
        or values["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256"
        or len(credential) != 5
        or credential[0] != ACCESS_KEY
    ):
        return Check(Verdict.BAD_SIGNATURE)
    expected = _v4_signature(secret, raw_path, host, signed)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return Check(Verdict.BAD_SIGNATURE)
    signed_at = _parse_amz_date(values["X-Amz-Date"])
    expires = values["X-Amz-Expires"]
    if signed_at is None or not expires.isdigit() or not 1 <= int(expires) <= MAX_EXPIRES:
        return Check(Verdict.BAD_SIGNATURE)
    if now > signed_at + int(expires):
        return Check(Verdict.EXPIRED, signed_at + int(expires))
    return Check(Verdict.OK)


def _check_v2(params: list[tuple[str, str]], raw_path: str, now: float, secret: str) -> Check:
    values = dict(params)
    expires = values.get("Expires", "")
    if values.get("AWSAccessKeyId") != ACCESS_KEY or not expires.isdigit():
        return Check(Verdict.BAD_SIGNATURE)
    expected = _v2_signature(secret, raw_path, expires)
    if not hmac.compare_digest(values.get("Signature", "").encode(), expected.encode()):
        return Check(Verdict.BAD_SIGNATURE)
    if now > int(expires):
        return Check(Verdict.EXPIRED, float(expires))
    return Check(Verdict.OK)


def check(raw_path: str, query_string: str, host: str, *, now: float, secret: str) -> Check:
    """Check a presigned request of either style (the style is read from its parameters)."""
    params = parse_qsl(query_string, keep_blank_values=True)
    names = {name for name, _ in params}
    if "X-Amz-Signature" in names or "X-Amz-Algorithm" in names:
        return _check_v4(params, raw_path, host, now, secret)
    if "Signature" in names or "AWSAccessKeyId" in names:
        return _check_v2(params, raw_path, now, secret)
    return Check(Verdict.BAD_SIGNATURE)
