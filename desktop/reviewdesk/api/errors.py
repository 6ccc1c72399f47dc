"""Typed errors of the API layer, each with a message that tells the user what to do.

Messages never hold a token, an admin key or a presigned URL: callers pass only scan ids and
server messages through `redact`, and the errors themselves are built from those.
"""

from __future__ import annotations

# The exit codes live in reviewdesk/errors.py; imported here for the error families below (and
# for callers that name them through this module, as `e.EXIT_AUTH`).
from reviewdesk.errors import EXIT_AUTH, EXIT_NETWORK, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, Error  # noqa: F401

__all__ = [
    "EXIT_AUTH",
    "EXIT_NETWORK",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_USAGE",
]  # exit codes: reviewdesk.errors


class ReviewDeskError(Error):
    """Base of the errors of the API layer. `str(err)` is the one-line message."""

    exit_code = EXIT_NETWORK
    status: int | None = None
    retryable = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(ReviewDeskError):
    """Bad input caught before anything was sent (a scan id, a shortcode, a URL, an option)."""

    exit_code = EXIT_USAGE


class InsecureURLError(UsageError):
    """A base URL or image URL that is neither https:// nor http:// to a loopback host."""


class ServerURLRefusedError(InsecureURLError):
    """The server sent an image URL that is unsafe or unusable: the server's fault, not the user's."""

    exit_code = EXIT_NETWORK


class AuthError(ReviewDeskError):
    exit_code = EXIT_AUTH


class NoCredentialError(AuthError):
    pass


class TokenExpiredError(AuthError):
    """The reviewer token has expired; nothing was sent. The window asks for a new one."""


class UnauthorizedError(AuthError):
    status = 401


class ForbiddenError(AuthError):
    status = 403


class BadRequestError(ReviewDeskError):
    status = 400
    exit_code = EXIT_USAGE


class NotFoundError(ReviewDeskError):
    status = 404
    exit_code = EXIT_NOT_FOUND


class MethodNotAllowedError(ReviewDeskError):
    status = 405


class RateLimitedError(ReviewDeskError):
    status = 429
    retryable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(ReviewDeskError):
    retryable = True

    def __init__(self, message: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class NetworkError(ReviewDeskError):
    retryable = True


class TimeoutError_(NetworkError):  # noqa: N801 - avoid shadowing the builtin TimeoutError
    pass


class ProtocolError(ReviewDeskError):
    """The server answered, but not in the shape the reference documents."""

    retryable = True


class UnexpectedAnswerError(ProtocolError):
    """A success status with something that is not the API's answer (an HTML page: a captive
    portal, a proxy's login page). Not delivered; tried again."""

    def __init__(self, message: str, host: str = "") -> None:
        super().__init__(message)
        self.host = host


class ResponseTooLargeError(ProtocolError):
    """The server sent more than ReviewDesk reads for this kind of answer (see reviewdesk.limits)."""

    retryable = False


class ImageError(ReviewDeskError):
    """An image could not be fetched or is unusable (too large, not an image)."""

    exit_code = EXIT_NOT_FOUND


class NotAnImageError(ImageError):
    """The server sent bytes that are not an image (empty, HTML, SVG, …)."""

    exit_code = EXIT_NETWORK


class ImageTooLargeError(ImageError):
    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class ImageNotAvailableError(ImageError):
    """The server says the image does not exist (FILENOTFOUND) or is not uploaded yet."""

    def __init__(self, message: str, status: str | None) -> None:
        super().__init__(message)
        self.image_status = status


class RedirectRefusedError(ReviewDeskError):
    pass


class ImageURLRejectedError(ImageError):
    """The image host refused a presigned URL (403): expired or tampered. Get a new one."""

    status = 403
