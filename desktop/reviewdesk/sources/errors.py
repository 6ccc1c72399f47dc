"""An API client's error as a source's error (sources/base.py), with the same message; and what
went wrong in a few words, for the image pane."""

from __future__ import annotations

from reviewdesk.api import errors as e
from reviewdesk.api import retry
from reviewdesk.sources.base import ImageMissingError, ImageTooLargeError, SourceAuthError, SourceError


def short_reason(exc: e.ReviewDeskError) -> str:
    """What went wrong, in a few words for the pane ("Server error 503", "No connection")."""
    if isinstance(exc, e.UnexpectedAnswerError):
        return str(exc).split(": ", 1)[-1].split(":", 1)[0].capitalize()
    if isinstance(exc, e.RateLimitedError):
        return "The server is busy (429)"
    if isinstance(exc, e.ServerError):
        return f"Server error {exc.status}"
    if isinstance(exc, e.TimeoutError_):
        return "The server did not answer in time"
    if isinstance(exc, e.NetworkError):
        return "No connection to the server"
    return "The request failed"


def from_api(exc: e.ReviewDeskError, *, credential: object | None = None) -> SourceError:
    """`exc` as a SourceError of the matching kind; `credential` for an auth error (see
    SourceAuthError)."""
    message = exc.message
    if isinstance(exc, e.AuthError):
        return SourceAuthError(message, credential=credential)
    if isinstance(exc, e.ImageTooLargeError):
        return ImageTooLargeError(message, exc.exit_code)
    if isinstance(exc, e.ImageNotAvailableError):
        return ImageMissingError(message)
    transient = retry.is_transient(exc)
    return SourceError(
        message, exc.exit_code, transient=transient, reason=short_reason(exc) if transient else ""
    )
