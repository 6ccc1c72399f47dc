"""Property tests for the pure parsing layers: scan ids, presigned URLs, JWTs, redaction."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import jwt
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reviewdesk.api.auth import AdminKey, InvalidTokenError, ReviewerToken, format_duration
from reviewdesk.api.errors import InsecureURLError, TokenExpiredError
from reviewdesk.api.presigned import PresignedURL, check_transport_url, stated_expiry
from reviewdesk.api.redact import redact, safe_url
from reviewdesk.domain import shortcodes
from reviewdesk.domain.scan_id import InvalidScanId, quote_path_segment, validate_scan_id
from reviewdesk.limits import MAX_TOKEN_EXP, MIN_TOKEN_EXP

KEY = "a-test-signing-key-of-at-least-32-bytes!"

# -- scan ids ----------------------------------------------------------------------------------

printable_ids = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), min_size=1, max_size=128
).filter(lambda s: s.strip() == s and s.strip())


@given(printable_ids)
def test_valid_scan_ids_round_trip_through_one_path_segment(scan_id: str) -> None:
    from urllib.parse import unquote

    assert validate_scan_id(scan_id) == scan_id
    segment = quote_path_segment(scan_id)
    assert "/" not in segment and "?" not in segment and "#" not in segment
    assert segment not in (".", "..")
    assert unquote(segment) == scan_id


@given(st.text(min_size=129, max_size=300).filter(lambda s: s.strip() == s))
def test_overlong_scan_ids_are_refused(scan_id: str) -> None:
    with pytest.raises(InvalidScanId, match="at most 128"):
        validate_scan_id(scan_id)


@given(
    st.text(max_size=20),
    st.sampled_from(["\x00", "\n", "\r", "\x1b", "\u200b", "\u2028"]),
    st.text(max_size=20),
)
def test_control_characters_are_refused(prefix: str, bad: str, suffix: str) -> None:
    with pytest.raises(InvalidScanId):
        validate_scan_id(prefix + "x" + bad + "y" + suffix)


@pytest.mark.parametrize("value", ["", "   ", None, 42, " padded"])
def test_empty_or_non_text_scan_ids_are_refused(value: object) -> None:
    with pytest.raises(InvalidScanId):
        validate_scan_id(value)


def test_path_navigation_ids_stay_literal() -> None:
    assert quote_path_segment("../authorize") == "..%2Fauthorize"
    assert quote_path_segment("..") == "%2E%2E"
    assert quote_path_segment(".") == "%2E"


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


# -- JWTs --------------------------------------------------------------------------------------

claim_names = st.sampled_from(["revier_id", "review_account", "user_id", "authorizedFor_id", "sub"])


@given(
    st.integers(min_value=MIN_TOKEN_EXP, max_value=MAX_TOKEN_EXP),
    st.one_of(st.none(), st.integers(min_value=MIN_TOKEN_EXP, max_value=MAX_TOKEN_EXP)),
    st.dictionaries(claim_names, st.one_of(st.text(max_size=20), st.integers(0, 10**12)), max_size=4),
)
@settings(max_examples=60)
def test_any_token_with_exp_parses_and_exp_is_read(exp: int, iat: int | None, extra: dict) -> None:
    claims = dict(extra, exp=exp)
    if iat is not None:
        assume(iat <= exp)
        claims["iat"] = iat
    token = jwt.encode(claims, KEY, algorithm="HS256")
    parsed = ReviewerToken.parse(token)
    assert parsed.expires_at == exp
    assert parsed.issued_at == (None if iat is None else float(iat))
    assert parsed.reviewer and len(parsed.reviewer) <= 80
    assert parsed.headers() == {"Authorization": f"Bearer {token}"}
    assert token not in repr(parsed)


def _raw_jwt(payload: str) -> str:
    """A signed JWT whose payload is `payload` exactly (PyJWT would not write 1e999 or NaN)."""
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(b'{"alg":"HS256","typ":"JWT"}') + "." + b64(payload.encode())
    signature = hmac.new(KEY.encode(), head.encode(), hashlib.sha256).digest()
    return head + "." + b64(signature)


@pytest.mark.parametrize(
    "exp", ["1e999", "-1e999", "NaN", "Infinity", "1700000000.5", '"1700000000"', "true", "1", "1e30", "[]"]
)
def test_an_exp_that_is_not_a_whole_number_in_range_is_refused(exp: str) -> None:
    token = _raw_jwt('{"revier_id":"x","exp":' + exp + "}")
    with pytest.raises(InvalidTokenError, match=r"expiry \(exp\) is not a whole number"):
        ReviewerToken.parse(token)


def test_a_whole_float_exp_and_an_absurd_iat_are_read_safely() -> None:
    parsed = ReviewerToken.parse(_raw_jwt('{"exp":2000000000.0,"iat":1e999}'))
    assert parsed.expires_at == 2_000_000_000 and parsed.issued_at is None


def test_reviewer_names_from_claims_are_printable_only() -> None:
    parsed = ReviewerToken.parse(jwt.encode({"revier_id": "ana\u202e\x00\nbo", "exp": 2**33}, KEY))
    assert parsed.reviewer == "anabo"


def test_reviewer_name_prefers_the_reference_claim() -> None:
    token = jwt.encode({"revier_id": "ana", "user_id": 7, "exp": 2**33}, KEY, algorithm="HS256")
    assert ReviewerToken.parse(token).reviewer == "ana"
    token = jwt.encode({"authorizedFor_id": "42", "exp": 2**33}, KEY, algorithm="HS256")
    assert ReviewerToken.parse(token).reviewer == "42"


def test_pasted_bearer_prefixes_are_stripped() -> None:
    token = jwt.encode({"exp": 2**33}, KEY, algorithm="HS256")
    assert ReviewerToken.parse(f"Bearer {token}").token == token
    assert ReviewerToken.parse(f"Bearer: {token}\n").token == token


@pytest.mark.parametrize("bad", ["", "abc", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.x", "two words"])
def test_malformed_tokens_give_a_clear_error(bad: str) -> None:
    with pytest.raises(InvalidTokenError) as info:
        ReviewerToken.parse(bad)
    assert "token" in str(info.value)


def test_token_without_exp_is_refused_but_other_claims_are_optional() -> None:
    with pytest.raises(InvalidTokenError, match="expiry"):
        ReviewerToken.parse(jwt.encode({"revier_id": "x"}, KEY, algorithm="HS256"))
    assert ReviewerToken.parse(jwt.encode({"exp": 2**33}, KEY, algorithm="HS256")).reviewer == "reviewer"


def test_expired_token_is_refused_before_sending() -> None:
    token = ReviewerToken.parse(jwt.encode({"revier_id": "bo", "exp": int(time.time()) - 5}, KEY))
    assert token.is_expired()
    with pytest.raises(TokenExpiredError) as info:
        token.check_usable()
    assert token.token not in str(info.value)


def test_admin_key_goes_in_both_headers() -> None:
    assert AdminKey("k-123").headers() == {"X-REVIEWER-ID": "k-123", "X-REVIEW-ID": "k-123"}


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "expired"), (-3, "expired"), (59, "0m 59s"), (3725, "1h 02m")]
)
def test_format_duration(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown


# -- redaction and shortcodes ------------------------------------------------------------------


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=8, max_size=40))
def test_registered_secrets_never_survive_redaction(secret: str) -> None:
    AdminKey(secret)  # registers it
    assert secret not in redact(f"header X-REVIEW-ID: {secret} and again {secret}!")


def test_redaction_of_tokens_urls_and_headers() -> None:
    token = jwt.encode({"exp": 1}, KEY, algorithm="HS256")
    text = (
        f"GET https://s3.example/x.jpg?X-Amz-Signature=abcdef123 Authorization: Bearer {token} "
        '"X-REVIEWER-ID": "s3cr3t-value"'
    )
    out = redact(text)
    assert "abcdef123" not in out and token not in out and "s3cr3t-value" not in out
    assert "https://s3.example/x.jpg" in out


def test_sixteen_shortcodes_in_three_groups() -> None:
    codes = shortcodes.all_shortcodes()
    assert len(codes) == 16 and len({s.code for s in codes}) == 16
    assert [s.code for s in shortcodes.in_group(shortcodes.Group.APPROVE)] == ["approved"]
    assert len(shortcodes.in_group(shortcodes.Group.DENY)) == 7
    assert len(shortcodes.in_group(shortcodes.Group.NO_ACTION)) == 8
    assert all(s.code.startswith("no_action_") for s in shortcodes.in_group(shortcodes.Group.NO_ACTION))
    with pytest.raises(shortcodes.UnknownShortcode, match="valid shortcodes are: approved"):
        shortcodes.get("ABC")


def test_a_known_secret_inside_a_presigned_query_does_not_shield_the_rest_of_it() -> None:
    from reviewdesk.api.redact import redact

    url = (
        "http://127.0.0.1:1/blackout-images/6f/s1.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=SIMKEY%2F20261129&X-Amz-Signature=8a45e420bd269b1c858d"
    )
    shown = redact(f"GET {url} 200", secrets=["AWS4-HMAC"])
    assert "8a45e420bd269b1c858d" not in shown and "X-Amz-Signature" not in shown
    assert shown == "GET http://127.0.0.1:1/blackout-images/6f/s1.jpg?<redacted> 200"
