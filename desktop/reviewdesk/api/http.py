"""The one httpx.AsyncClient of the app, its safe defaults, and status-to-error mapping."""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from reviewdesk.api import errors as e
from reviewdesk.api.redact import redact

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)
MAX_REDIRECTS = 3
USER_AGENT = "ReviewDesk"


def make_http_client(
    *, timeout: httpx.Timeout | float = DEFAULT_TIMEOUT, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """TLS verified, explicit timeouts, redirects handled by us (same host only)."""
    from reviewdesk import __version__

    return httpx.AsyncClient(
        verify=True,
        # Never from the environment: an HTTP_PROXY would see the token on an http://127.0.0.1
        # base URL, and SSL_CERT_FILE would silently replace the trusted CAs.
        trust_env=False,
        timeout=timeout,
        follow_redirects=False,
        transport=transport,
        headers={"User-Agent": f"{USER_AGENT}/{__version__}"},
        limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
    )


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def redirect_target(response: httpx.Response) -> str:
    """The URL a 3xx points to, if it stays on the same scheme, host and port; else refuse."""
    location = response.headers.get("location")
    if not location:
        raise e.ProtocolError(f"the server answered {response.status_code} without a Location")
    target = urljoin(str(response.request.url), location)
    if _origin(target) != _origin(str(response.request.url)):
        raise e.RedirectRefusedError(
            "the server redirected to another host; ReviewDesk does not follow that (check the base URL)"
        )
    return target


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            import time

            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def server_message(
    response: httpx.Response, secrets: tuple[str | None, ...] = (), body: bytes | None = None
) -> str:
    """The server's own short explanation, redacted, or '' when it gave none. `body`: what was
    read of the answer (at most reviewdesk.limits.MAX_ERROR_BODY_BYTES of it)."""
    text = ""
    if body is None:
        try:
            body = response.content
        except httpx.ResponseNotRead:
            return ""
    body = body[:2000]
    try:
        data = json.loads(body)
        if isinstance(data, Mapping):
            for key in ("message", "error", "detail", "Message"):
                if isinstance(data.get(key), str):
                    text = data[key]
                    break
        elif isinstance(data, str):
            text = data
    except ValueError:
        raw = body.decode("utf-8", "replace")
        if "<Code>" in raw:  # S3-style XML error
            code = raw.split("<Code>", 1)[1].split("</Code>", 1)[0]
            msg = raw.split("<Message>", 1)[1].split("</Message>", 1)[0] if "<Message>" in raw else ""
            text = f"{code}: {msg}".strip(": ")
        elif "<html" not in raw.lower():
            text = raw
    text = " ".join(text.split())[:200]
    return redact(text, secrets)


def error_for(
    response: httpx.Response, what: str, secrets: tuple[str | None, ...] = (), body: bytes | None = None
) -> e.ReviewDeskError:
    """A typed error for a non-2xx answer; `what` names the action ("fetching the image URL")."""
    status = response.status_code
    said = server_message(response, secrets, body)
    tail = f" (server said: {said})" if said else ""
    if status == 400:
        return e.BadRequestError(f"{what} failed: the server rejected the request as malformed{tail}")
    if status == 401:
        return e.UnauthorizedError(
            f"{what} failed: the credential was missing or not accepted (401){tail}; sign in again"
        )
    if status == 403:
        return e.ForbiddenError(
            f"{what} failed: access denied (403){tail}; the token may have expired or the key is "
            "wrong: sign in again"
        )
    if status == 404:
        return e.NotFoundError(f"{what} failed: not found (404){tail}; check the scan id")
    if status == 405:
        return e.MethodNotAllowedError(f"{what} failed: the server does not allow this method (405)")
    wait = retry_after(response)
    asked = f"; the server asked to wait {wait:.0f} s" if wait is not None else ""
    if status == 429:
        return e.RateLimitedError(
            f"{what} failed: too many requests (429){tail}{asked or '; ReviewDesk will retry later'}", wait
        )
    if status >= 500:
        return e.ServerError(
            f"{what} failed: server error {status}{tail}{asked or '; try again in a moment'}", status, wait
        )
    return e.ProtocolError(f"{what} failed: unexpected answer {status}{tail}")


def _untrusted_certificate(exc: BaseException) -> str | None:
    """Why TLS refused the server's certificate (self-signed, expired, wrong name…), or None when
    the failure was something else. httpx keeps the ssl error in its ConnectError's causes."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain and len(chain) < 10:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    for link in chain:
        if isinstance(link, ssl.SSLCertVerificationError):
            return " ".join(str(link.verify_message or "certificate verify failed").split())[:120]
    for link in chain:
        text = str(link)
        if "CERTIFICATE_VERIFY_FAILED" in text:
            reason = text.split("certificate verify failed", 1)[-1].lstrip(": ").split(" (_ssl", 1)[0]
            return " ".join(reason.split())[:120] or "certificate verify failed"
    return None


def transport_error(exc: httpx.HTTPError, what: str) -> e.ReviewDeskError:
    """A typed error for a failure below HTTP: no connection, timeout, dropped connection."""
    if isinstance(exc, httpx.TimeoutException):
        return e.TimeoutError_(f"{what} timed out; check the network and try again")
    if isinstance(exc, httpx.ConnectError):
        untrusted = _untrusted_certificate(exc)
        if untrusted is not None:
            return e.NetworkError(
                f"{what} failed: the server's TLS certificate is not trusted ({untrusted}); ReviewDesk "
                "only talks to servers whose certificate a trusted authority issued for their name: check "
                "the base URL, or ask your admin"
            )
        return e.NetworkError(f"{what} failed: cannot reach the server; check the network or base URL")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return e.NetworkError(f"{what} failed: the connection was dropped; try again")
    return e.NetworkError(f"{what} failed: network error ({type(exc).__name__}); try again")


async def send_same_host(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    what: str,
    *,
    params: Mapping[str, str | int] | None = None,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """Send, following same-host redirects only (`redirect_target`); return any answer (2xx or
    not) with its body not read yet: the caller reads it with `read_limited`, which closes it.
    Every client of every vendor sends through here."""
    for _ in range(MAX_REDIRECTS + 1):
        try:
            request = http.build_request(method, url, params=params, json=json, headers=headers)
        except (ValueError, httpx.InvalidURL) as exc:  # e.g. a header value that is not ASCII
            raise e.UsageError(f"{what}: the request cannot be built ({type(exc).__name__})") from None
        try:
            response = await http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise transport_error(exc, what) from None
        if response.status_code not in (301, 302, 303, 307, 308):
            return response
        await response.aclose()
        url, params = redirect_target(response), None
        if response.status_code == 303:
            method, json = "GET", None
    raise e.RedirectRefusedError(f"{what} failed: too many redirects")


async def read_limited(
    response: httpx.Response,
    limit: int,
    what: str,
    too_big: e.ReviewDeskError,
    *,
    truncate: bool = False,
) -> bytes:
    """The body as a stream, never more than `limit` bytes (decoded): past it (or when the declared
    length is past it) the connection is closed and `too_big` raised, unless `truncate` (error
    bodies: what was read is enough). The response is closed in every case."""
    try:
        declared = response.headers.get("content-length")
        if not truncate and declared and declared.isdigit() and int(declared) > limit:
            raise too_big
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            if size + len(chunk) > limit:
                if truncate:
                    chunks.append(chunk[: limit - size])
                    break
                raise too_big
            size += len(chunk)
            chunks.append(chunk)
        return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise transport_error(exc, what) from None
    finally:
        await response.aclose()
