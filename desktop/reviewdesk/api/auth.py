"""Credentials: an admin's shared key, or a reviewer's Bearer JWT (read, not verified, here)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from reviewdesk.api.errors import AuthError, TokenExpiredError
from reviewdesk.api.redact import register_secret
from reviewdesk.domain.route import ADMIN, reviewer_identity
from reviewdesk.limits import MAX_TOKEN_EXP, MIN_TOKEN_EXP

# Claims that may name the reviewer, in the order we prefer them ("revier_id" is the
# reference's own spelling; the others appear in its sample payload).
REVIEWER_CLAIMS = ("revier_id", "reviewer_id", "reviewer", "sub", "user_id", "authorizedFor_id")


class InvalidTokenError(AuthError):
    pass


@dataclass(frozen=True, slots=True)
class AdminKey:
    key: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.key or not self.key.strip() or not (self.key.isascii() and self.key.isprintable()):
            raise AuthError(
                "the admin key is empty or has characters a key cannot have (spaces at the ends, "
                "line breaks or invisible characters from copying); paste the key you were given"
            )
        register_secret(self.key)

    kind = "admin"

    def headers(self) -> dict[str, str]:
        # The reference names the header X-REVIEWER-ID in prose and X-REVIEW-ID in every sample:
        # send both, always (docs/REVIEWS_API.md).
        return {"X-REVIEWER-ID": self.key, "X-REVIEW-ID": self.key}

    def check_usable(self, now: float | None = None) -> None:
        return None

    @property
    def who(self) -> str:
        return "admin"

    @property
    def identity(self) -> str:
        """Whom decisions sent with this credential are made by (see domain.route)."""
        return ADMIN


@dataclass(frozen=True, slots=True)
class ReviewerToken:
    """A reviewer's JWT. Only `exp` is required; `iat` and the id claims are used when present."""

    token: str = field(repr=False)
    expires_at: float
    issued_at: float | None
    reviewer: str
    claims: dict[str, Any] = field(repr=False, compare=False)

    kind = "reviewer"

    @classmethod
    def parse(cls, token: str) -> ReviewerToken:
        token = token.strip()
        if token.lower().startswith("bearer"):
            token = token[6:].lstrip(":").strip()
        if not token or any(c.isspace() for c in token) or not token.isascii():
            raise InvalidTokenError("the reviewer token is empty or has spaces in it; paste it whole")
        import jwt  # here, not at the top: PyJWT imports `cryptography` (~50 ms of every start-up)

        try:
            claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": False})
        except jwt.PyJWTError:
            raise InvalidTokenError(
                "the reviewer token is not a valid JWT; ask your admin for a new one"
            ) from None
        if not isinstance(claims, dict) or "exp" not in claims:
            raise InvalidTokenError("the reviewer token has no expiry (exp); ask your admin for a new one")
        exp = _timestamp(claims.get("exp"))
        if exp is None:
            raise InvalidTokenError(
                "the reviewer token's expiry (exp) is not a whole number of seconds between "
                f"{MIN_TOKEN_EXP} and {MAX_TOKEN_EXP}; ask your admin for a new token"
            )
        iat = _timestamp(claims.get("iat"))
        issued = float(iat) if iat is not None and iat <= exp else None
        register_secret(token)
        return cls(
            token=token,
            expires_at=float(exp),
            issued_at=issued,
            reviewer=_reviewer_name(claims),
            claims=claims,
        )

    def headers(self) -> dict[str, str]:
        # The table says "Bearer: token", every sample "Bearer token": the colon form is never sent.
        return {"Authorization": f"Bearer {self.token}"}

    def seconds_left(self, now: float | None = None) -> float:
        return self.expires_at - (time.time() if now is None else now)

    def is_expired(self, now: float | None = None) -> bool:
        return self.seconds_left(now) <= 0

    def check_usable(self, now: float | None = None) -> None:
        if self.is_expired(now):
            raise TokenExpiredError(
                f"the reviewer token of {self.reviewer} has expired; sign in again with a new token"
            )

    @property
    def who(self) -> str:
        return self.reviewer

    @property
    def identity(self) -> str:
        return reviewer_identity(self.reviewer)


def _timestamp(value: Any) -> int | None:
    """A claim as whole seconds since 1970 in the sane range, else None (1e999, NaN, 1.5, "soon")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        value = int(value)
    if not isinstance(value, int) or not MIN_TOKEN_EXP <= value <= MAX_TOKEN_EXP:
        return None
    return value


def _reviewer_name(claims: dict[str, Any]) -> str:
    """The reviewer's name from the claims: printable characters only, at most 80 of them."""
    for name in REVIEWER_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool):
            text = "".join(c for c in str(value) if c.isprintable()).strip()[:80]
            if text:
                return text
    return "reviewer"


Credential = AdminKey | ReviewerToken


def format_duration(seconds: float) -> str:
    """`1h 05m`, `4m 09s`, `expired` — for countdowns and messages."""
    if not math.isfinite(seconds):
        return "unknown"
    if seconds <= 0:
        return "expired"
    s = int(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if h:
        return f"{h}h {m:02d}m"
    return f"{m}m {sec:02d}s"
