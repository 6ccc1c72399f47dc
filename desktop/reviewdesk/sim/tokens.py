"""Credentials: the admin key headers, Bearer parsing, and the reviewer JWTs (HS256)."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping
from typing import Any

import jwt

from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.state import AuthKind

ADMIN_HEADERS: dict[str, tuple[str, ...]] = {
    "both": ("x-reviewer-id", "x-review-id"),
    "reviewer-id": ("x-reviewer-id",),
    "review-id": ("x-review-id",),
}


class AuthError(Exception):
    """A credential problem, answered with `status` (401 or 403) and `message`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _presented_admin_keys(headers: Mapping[str, str], config: SimConfig) -> list[str]:
    names = ADMIN_HEADERS.get(config.admin_header_mode, ())
    return [value for name in names if (value := headers.get(name, ""))]


def _admin_ok(presented: list[str], config: SimConfig) -> bool:
    return any(_equal(value, config.admin_key) for value in presented)


def check_admin(headers: Mapping[str, str], config: SimConfig) -> None:
    """Raise AuthError(403) unless an accepted admin header holds the admin key."""
    presented = _presented_admin_keys(headers, config)
    if not presented:
        raise AuthError(403, "Missing X-REVIEWER-ID credential")
    if not _admin_ok(presented, config):
        raise AuthError(403, "Invalid X-REVIEWER-ID credential")


def bearer_token(value: str, colon_form_ok: bool) -> str:
    """The token of an Authorization header, or AuthError(401) when it is not `Bearer <token>`."""
    value = value.strip()
    if value[:7].lower() == "bearer:":
        if not colon_form_ok:
            raise AuthError(401, "Bad authorization header: expected 'Bearer <token>'")
        token = value[7:].strip()
    else:
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer":
            raise AuthError(401, "Bad authorization header: expected 'Bearer <token>'")
        token = token.strip()
    if not token or " " in token:
        raise AuthError(401, "Bad authorization header: expected 'Bearer <token>'")
    return token


def _stable_int(text: str, digits: int = 10) -> int:
    value = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    return 10 ** (digits - 1) + value % (9 * 10 ** (digits - 1))


def mint_token(config: SimConfig, now: float, reviewer: str, lifetime: float | None = None) -> str:
    """A reviewer JWT with the claims of the reference's sample (`revier_id` sic)."""
    iat = int(now)
    seconds = config.token_lifetime if lifetime is None else lifetime
    claims = {
        "revier_id": reviewer,
        "review_account": "admin",
        "user_id": _stable_int("reviewer:" + reviewer),
        "authorizedFor_id": str(_stable_int("admin:" + config.admin_key)),
        "iat": iat,
        "exp": iat + max(1, math.ceil(seconds)),
    }
    return jwt.encode(claims, config.jwt_secret, algorithm="HS256")


def verify_token(config: SimConfig, now: float, token: str) -> dict[str, Any]:
    """The claims of a valid, unexpired token; AuthError(403) otherwise."""
    try:
        claims = jwt.decode(
            token,
            config.jwt_secret,
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_iat": False, "require": ["exp"]},
        )
    except jwt.InvalidTokenError:
        raise AuthError(403, "Unauthorized authorization token") from None
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or now >= exp:
        raise AuthError(403, "Expired authorization token")
    return claims


def check_reviewer(headers: Mapping[str, str], config: SimConfig, now: float) -> dict[str, Any]:
    value = headers.get("authorization", "")
    if not value.strip():
        raise AuthError(401, "Missing authorization header")
    token = bearer_token(value, config.bearer_colon_form_accepted)
    return verify_token(config, now, token)


def reviewer_name(claims: Mapping[str, Any]) -> str | None:
    name = claims.get("revier_id", claims.get("reviewer_id"))
    return name if isinstance(name, str) else None


def check_any(headers: Mapping[str, str], config: SimConfig, now: float) -> tuple[AuthKind, str | None]:
    """Feedback accepts an admin key or a reviewer token: (kind, reviewer name)."""
    presented = _presented_admin_keys(headers, config)
    if presented and _admin_ok(presented, config):
        return "admin", None
    if headers.get("authorization", "").strip():
        return "reviewer", reviewer_name(check_reviewer(headers, config, now))
    if presented:
        raise AuthError(403, "Invalid X-REVIEWER-ID credential")
    raise AuthError(401, "Missing credential: send X-REVIEWER-ID or an authorization header")
