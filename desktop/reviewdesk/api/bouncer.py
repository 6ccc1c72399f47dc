"""Bouncer CardVerify: `POST /v1/card/verify` and `POST /v1/card/verify_web` (docs/BOUNCER.md).

The reference's samples put the key in `Authorization: Bearer` for one call and in `x-bouncer-auth`
for the other; the client sends it in both headers on both calls. A body is checked before it is
sent (`reviewdesk.domain.cardverify`); the answer's `token` is returned. The encrypted `payload`
and `verification_results` are sent and never logged, stored or shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from reviewdesk.api import errors as e
from reviewdesk.api.http import error_for, make_http_client
from reviewdesk.api.redact import register_secret
from reviewdesk.api.reviews import normalize_base_url
from reviewdesk.api.vendor_http import decode_json, error_answer, read_capped, send
from reviewdesk.domain.cardverify import VERIFY, VERIFY_WEB, verify_problems, verify_web_problems

DEFAULT_BASE_URL = "https://api.getbouncer.com"
PATHS = {VERIFY: "/v1/card/verify", VERIFY_WEB: "/v1/card/verify_web"}
MAX_ANSWER_BYTES = 1024 * 1024
MAX_PROBLEMS_SHOWN = 5


class InvalidCardVerifyBody(e.UsageError):
    """A body that fails the checks; nothing was sent. `problems` names each bad field."""

    def __init__(self, what: str, problems: list[str]) -> None:
        shown = problems[:MAX_PROBLEMS_SHOWN] + (["…"] if len(problems) > MAX_PROBLEMS_SHOWN else [])
        super().__init__(f"{what}: not sent: " + "; ".join(shown))
        self.problems = problems


def body_problems(kind: str, body: object) -> list[str]:
    return verify_problems(body) if kind == VERIFY else verify_web_problems(body)


class BouncerClient:
    def __init__(self, base_url: str, key: str, *, http: httpx.AsyncClient | None = None) -> None:
        if not key or not key.strip() or not key.isascii() or not key.isprintable():
            raise e.NoCredentialError("the Bouncer key is empty or holds characters a header cannot")
        register_secret(key)
        self.base_url = normalize_base_url(base_url)
        self._key = key
        self._http = http or make_http_client()
        self._owns_http = http is None

    def __repr__(self) -> str:
        return f"BouncerClient({self.base_url!r}, key=<redacted>)"

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> BouncerClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}", "x-bouncer-auth": self._key}

    async def _post(self, kind: str, body: Mapping[str, Any]) -> str:
        path = PATHS[kind]
        what = f"POST {path}"
        problems = body_problems(kind, body)
        if problems:
            raise InvalidCardVerifyBody(what, problems)
        secrets = (self._key, *(str(body.get(k) or "") for k in ("payload", "verification_results")))
        response = await send(
            self._http, "POST", self.base_url + path, what, json_body=dict(body), headers=self.headers()
        )
        if not response.is_success:
            answer = await error_answer(response, what)
            if answer.status_code in (401, 403):
                cls = e.UnauthorizedError if answer.status_code == 401 else e.ForbiddenError
                raise cls(
                    f"{what} failed: Bouncer did not accept the key ({answer.status_code}); "
                    "check REVIEWDESK_BOUNCER_KEY"
                )
            raise error_for(answer, what, secrets)
        data = decode_json(await read_capped(response, what, MAX_ANSWER_BYTES), what)
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token.strip():
            keys = ", ".join(str(k)[:40] for k in list(data)[:12]) if isinstance(data, dict) else ""
            found = f"top-level keys: {keys}" if keys else f"a JSON {type(data).__name__}"
            raise e.ProtocolError(f"{what}: the answer has no token ({found})")
        return token.strip()

    async def verify(self, body: Mapping[str, Any]) -> str:
        """`POST /v1/card/verify`: the CardVerifyToken."""
        return await self._post(VERIFY, body)

    async def verify_web(self, body: Mapping[str, Any]) -> str:
        """`POST /v1/card/verify_web`: the CardVerifyToken."""
        return await self._post(VERIFY_WEB, body)
