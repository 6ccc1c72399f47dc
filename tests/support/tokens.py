"""JWTs for tests: signed with a test key, with any payload, even one PyJWT would not write."""

from __future__ import annotations

import base64
import hashlib
import hmac

KEY = "a-test-signing-key-of-at-least-32-bytes!"


def raw_jwt(payload: str) -> str:
    """A signed JWT whose payload is `payload` exactly (PyJWT would not write 1e999 or NaN)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(b'{"alg":"HS256","typ":"JWT"}') + "." + b64(payload.encode())
    signature = hmac.new(KEY.encode(), head.encode(), hashlib.sha256).digest()
    return head + "." + b64(signature)
