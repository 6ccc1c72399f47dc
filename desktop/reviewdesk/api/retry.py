"""Retrying one request: transient failures again with full jitter, `Retry-After` honoured, and
one overall deadline for the whole of it (httpx's timeouts are per connect/read/write).

The outbox does not use this for feedback: it keeps its own durable schedule (sync.worker).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from reviewdesk import limits
from reviewdesk.api import errors as e

log = logging.getLogger("reviewdesk.api")

T = TypeVar("T")

#: Statuses worth another try: the server (or a proxy before it) is busy or restarting.
TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})

#: Told before each wait: (what, seconds, the error). The image pane sets it to say "retrying in N s".
on_retry: contextvars.ContextVar[Callable[[str, float, e.ReviewDeskError], None] | None] = (
    contextvars.ContextVar("reviewdesk_on_retry", default=None)
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_delay: float = limits.RETRY_BASE_DELAY
    max_delay: float = limits.RETRY_MAX_DELAY
    attempts: int = limits.RETRY_ATTEMPTS
    max_retry_after: float = limits.RETRY_AFTER_IN_REQUEST


NO_RETRY = RetryPolicy(attempts=1)


def is_transient(exc: e.ReviewDeskError) -> bool:
    """Connection errors, timeouts, 429, 502, 503, 504, and an answer that is not the API's (a
    captive portal's page): worth trying again. Anything else is an answer to act on."""
    if isinstance(exc, e.NetworkError | e.UnexpectedAnswerError):
        return True
    return isinstance(exc, e.RateLimitedError | e.ServerError) and exc.status in TRANSIENT_STATUSES


def deadline_error(what: str, deadline: float) -> e.TimeoutError_:
    return e.TimeoutError_(
        f"{what} took longer than {deadline:g} s and was given up (the server or the network is too "
        "slow); try again"
    )


async def retrying(
    attempt: Callable[[], Awaitable[T]],
    what: str,
    *,
    deadline: float,
    policy: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen
    rng: random.Random | None = None,
) -> T:
    """`await attempt()` until it succeeds, fails for good, runs out of attempts, or `deadline`
    seconds have passed in all (each try gets only what is left of it)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    rng = rng or random.Random()
    tries = 0
    while True:
        tries += 1
        left = end - loop.time()
        if left <= 0:
            raise deadline_error(what, deadline)
        try:
            async with asyncio.timeout(left) as scope:
                return await attempt()
        except TimeoutError:
            if scope.expired():
                raise deadline_error(what, deadline) from None
            raise
        except e.ReviewDeskError as exc:
            if not is_transient(exc) or policy.attempts <= 1:
                raise
            if tries >= policy.attempts:
                raise _gave_up(exc, tries, 0.0) from None
            wait = _wait(exc, tries, policy, rng)
            if wait is None or loop.time() + wait >= end:
                raise _gave_up(exc, tries, wait) from None
            log.info("%s: %s; trying again in %.1f s", what, type(exc).__name__, wait)
            notify = on_retry.get()
            if notify is not None:
                notify(what, wait, exc)
            await asyncio.sleep(wait)


def _wait(exc: e.ReviewDeskError, tries: int, policy: RetryPolicy, rng: random.Random) -> float | None:
    """The server's Retry-After if it gave one (None: longer than a request waits), else full jitter."""
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        return retry_after if retry_after <= policy.max_retry_after else None
    return rng.uniform(0.0, min(policy.max_delay, policy.base_delay * 2 ** min(tries - 1, 30)))


def _gave_up(exc: e.ReviewDeskError, tries: int, wait: float | None) -> e.ReviewDeskError:
    """The last error, saying how many tries it took, or how long the server asked to wait."""
    retry_after = getattr(exc, "retry_after", None)
    if wait is None and retry_after is not None:
        tail = f"; the server asked to wait {retry_after:.0f} s: try again then"
    else:
        tail = f" (gave up after {tries} tr{'y' if tries == 1 else 'ies'})"
    exc.message = exc.message + tail
    exc.args = (exc.message,)
    return exc
