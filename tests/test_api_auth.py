"""reviewdesk.api.auth: property tests of reviewer tokens (JWTs), the admin key and durations."""

from __future__ import annotations

import time

import jwt
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reviewdesk.api.auth import AdminKey, InvalidTokenError, ReviewerToken, format_duration
from reviewdesk.api.errors import TokenExpiredError
from reviewdesk.limits import MAX_TOKEN_EXP, MIN_TOKEN_EXP
from support.tokens import KEY, raw_jwt

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


@pytest.mark.parametrize(
    "exp", ["1e999", "-1e999", "NaN", "Infinity", "1700000000.5", '"1700000000"', "true", "1", "1e30", "[]"]
)
def test_an_exp_that_is_not_a_whole_number_in_range_is_refused(exp: str) -> None:
    token = raw_jwt('{"revier_id":"x","exp":' + exp + "}")
    with pytest.raises(InvalidTokenError, match=r"expiry \(exp\) is not a whole number"):
        ReviewerToken.parse(token)


def test_a_whole_float_exp_and_an_absurd_iat_are_read_safely() -> None:
    parsed = ReviewerToken.parse(raw_jwt('{"exp":2000000000.0,"iat":1e999}'))
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
