"""reviewdesk.api.redact: secrets, tokens and URL signatures never survive redaction."""

from __future__ import annotations

import jwt
from hypothesis import given
from hypothesis import strategies as st

from reviewdesk.api.auth import AdminKey
from reviewdesk.api.redact import redact
from support.tokens import KEY

# -- redaction ------------------------------------------------------------------


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


def test_a_known_secret_inside_a_presigned_query_does_not_shield_the_rest_of_it() -> None:
    from reviewdesk.api.redact import redact

    url = (
        "http://127.0.0.1:1/blackout-images/6f/s1.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=SIMKEY%2F20261129&X-Amz-Signature=8a45e420bd269b1c858d"
    )
    shown = redact(f"GET {url} 200", secrets=["AWS4-HMAC"])
    assert "8a45e420bd269b1c858d" not in shown and "X-Amz-Signature" not in shown
    assert shown == "GET http://127.0.0.1:1/blackout-images/6f/s1.jpg?<redacted> 200"
