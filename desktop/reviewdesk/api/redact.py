"""Keep secrets out of messages and logs: tokens, admin keys, HTTP Basic credentials (Jumio) and
presigned URL signatures."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_URL = re.compile(r"https?://[^\s\"'<>]+")
_BEARER = re.compile(r"(?i)(bearer:?\s+)[^\s\"']+")
# HTTP Basic (Jumio): the base64 of "token:secret", and any Authorization header value whatever its scheme.
# (a word after "basic" in prose has no digit, "+", "/", "=" nor two capitals: it stays).
_BASIC = re.compile(
    r"([Bb][Aa][Ss][Ii][Cc]\s+)(?=[^\s\"']*(?:[0-9+/=]|[A-Z][^\s\"']*[A-Z]))[A-Za-z0-9+/=._~-]{8,}"
)
_AUTHORIZATION = re.compile(r"(?i)(\bauthorization[\"']?\s*[:=]\s*[\"']?)(?!<redacted>)[^\"',}\r\n]+")
_HEADER = re.compile(
    r"(?i)((?:x-review(?:er)?-id|x-api-key|x-bouncer-auth)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"
)

_known_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret (admin key, token) so every later `redact` call hides it."""
    if value and len(value) >= 4:
        _known_secrets.add(value)


def safe_url(url: str) -> str:
    """A URL without its query and fragment: what may be shown or logged of a presigned URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<url>"
    shown = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
    return shown + ("?<redacted>" if parts.query else "")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every known or given secret, JWT, bearer value and URL query replaced.

    URL queries go first: a secret replaced inside a query would put "<redacted>" (which ends a
    URL match) in the middle of it, and the rest of the query, signature included, would stay.
    """
    text = _URL.sub(lambda m: safe_url(m.group(0)), text)
    for secret in sorted({s for s in (*_known_secrets, *secrets) if s}, key=len, reverse=True):
        text = text.replace(secret, "<redacted>")
    text = _JWT.sub("<token>", text)
    text = _BEARER.sub(r"\1<redacted>", text)
    text = _BASIC.sub(r"\1<redacted>", text)
    text = _AUTHORIZATION.sub(r"\1<redacted>", text)
    return _HEADER.sub(r"\1<redacted>", text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts every record's message (httpx logs whole URLs at INFO)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "reviewdesk_redacted", False):  # a logger and a handler both filter
            return True
        record.reviewdesk_redacted = True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: log it as it is, redacted
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info:  # a traceback may quote a URL or a header: redact it too
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def install_log_redaction() -> None:
    """Redact on the loggers that see URLs and headers, and on every root handler."""
    flt = RedactingFilter()
    for name in ("httpx", "httpcore", "reviewdesk", "uvicorn", "uvicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(flt)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(flt)
