"""A deadline the whole process keeps, even when its event loop is stuck.

`--screenshot`, `--exit-after-start` and `--self-test` promise to end: a timeout inside the event
loop cannot keep that promise when the loop itself is blocked (a hung platform call, a stuck
thread). A watchdog thread can: at the deadline it says what did not finish and ends the process.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from reviewdesk.errors import EXIT_TIMEOUT

EXIT_CODE = EXIT_TIMEOUT  # (7) distinct from every other exit code of the command line
DEFAULT_SECONDS = 120.0


@contextmanager
def hard_deadline(seconds: float | None, what: str) -> Iterator[None]:
    """End the process with EXIT_CODE if the block has not finished within `seconds` (None: no limit)."""
    if seconds is None or seconds <= 0:
        yield
        return

    def expire() -> None:
        sys.stderr.write(f"reviewdesk: {what} did not finish within {seconds:g} s; stopped\n")
        sys.stderr.flush()
        os._exit(EXIT_CODE)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
